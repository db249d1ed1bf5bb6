#!/usr/bin/env python3
"""Generate the tokenizer golden files under tests/data/tokenizer/ with Hugging Face `tokenizers`.

Usage: python tools/make_tokenizer_goldens.py [--shared-data DIR] [--out DIR]

Writes
  inputs.json                      texts (single and pairs): GLUE dev sentences plus hard cases
  <name>/tokenizer.json            derived test tokenizers (small vocabularies built from BERT's)
  goldens_<name>.json              what `tokenizers` returns for every input (ids, offsets as
                                   its Python Encoding gives them: characters of the token's own
                                   text, which sequence_ids names for a pair), plus truncation,
                                   padding and batch-padding settings on a subset

The C++ tests read these files only; they never run Python. Rerun this script (pip install
tokenizers) when an input or a derived tokenizer changes, and commit the outputs.
"""

import argparse
import csv
import json
import os
import sys

from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

csv.field_size_limit(sys.maxsize)

# (task, file, text columns, every k-th row, at most n rows)
GLUE_SELECTION = [
    ("SST-2", "dev.tsv", ["sentence"], 9, 70),
    ("CoLA", "dev.tsv", [3], 21, 40),
    ("MRPC", "dev.tsv", ["#1 String", "#2 String"], 9, 40),
    ("RTE", "dev.tsv", ["sentence1", "sentence2"], 7, 35),
    ("STS-B", "dev.tsv", ["sentence1", "sentence2"], 41, 30),
    ("QNLI", "dev.tsv", ["question", "sentence"], 151, 30),
    ("WNLI", "dev.tsv", ["sentence1", "sentence2"], 5, 12),
]

HARD_SINGLE = [
    ("empty", ""),
    ("space", " "),
    ("whitespace_only", " \t\n  \r\n\u3000\u00a0"),
    ("multiple_spaces", "a  b   c    d"),
    ("newlines", "line1\nline2\r\nline3\tend"),
    ("unicode_spaces", "a\u2003b\u2009c\u202fd\u205fe\u1680f"),
    ("accents", "Café Crème brûlée, naïve résumé à la façon de Noël"),
    ("accents_upper", "ÀÉÎÕÜ ÅNGSTRÖM ÇA"),
    ("accents_mixed_case", "Ångström ÉCOLE Über naïve Café"),
    ("repeated_words", "the cat saw the Cat and THE CAT saw the cat"),
    ("whitespace_runs", "  lead   and\t\ttrail  \n\n end   "),
    ("combining", "e\u0301te\u0300 n\u0303o\u0308"),
    ("dotted_i", "İstanbul İİ"),
    ("dotless_i", "ıi Iı"),
    ("sharp_s", "Straße STRASSE ß ẞ"),
    ("greek", "ΣΊΣΥΦΟΣ Ελληνικά ά"),
    ("titlecase", "ǅemal ǈ ǋ"),
    ("cjk", "我爱北京天安门"),
    ("cjk_mixed", "中文English混合123测试"),
    ("japanese", "日本語のテキストです。カタカナ"),
    ("korean", "한국어 텍스트"),
    ("cjk_ext", "𠀀𪚥𫝀 丽"),
    ("emoji", "I ❤️ NY 😀👍🏽"),
    ("emoji_zwj", "👨\u200d👩\u200d👧\u200d👦 family 🇺🇸🇫🇷"),
    ("emoji_new", "🫠🥰 melting"),
    ("control_nul", "a\x00b"),
    ("control_bell", "bell\x07x\x7fy"),
    ("control_ansi", "\x1b[31mred\x1b[0m"),
    ("control_nel", "a\u0085b\u008dc"),
    ("zero_width", "zero\u200bwidth a\u200cb\u200dc"),
    ("bom_and_joiners", "\ufeffBOM \u2060word\u2060joiner soft\u00adhyphen"),
    ("replacement_char", "bad\ufffdchar"),
    ("private_use", "q\ue000r \U000f0000s"),
    ("unassigned", "x\u0378y"),
    ("long_word_150", "a" * 150),
    ("long_word_repeated", "supercalifragilistic" * 6),
    ("word_100", "x" * 100),
    ("word_101", "y" * 101),
    ("word_100_accented", "é" * 100),
    ("word_101_accented", "é" * 101),
    ("long_words_in_text", "short " + "z" * 120 + " tail"),
    ("punctuation", "Hello!!! What?!... (yes) [no] {maybe} <tag> \"quoted\" 'single'"),
    ("latex_quotes", "``latex quotes'' and it''s ``nested ``deep'' ''"),
    ("unicode_punct", "em—dash – en ‘curly’ “double” ¿Qué? ¡Hola! … «guillemets» 「括弧」"),
    ("symbols", "$5.00 + 3% = #1 @user ^_^ a|b ~tilde `tick` \\back/slash"),
    ("numbers", "1,000,000.50 3.14159 2nd 10th 1e-9 0x1F"),
    ("url_email", "e-mail: foo.bar@baz.com http://x.y/z?q=1&r=2#frag"),
    ("math_compat", "x² + y³ = z½ ﬁne ｆｕｌｌｗｉｄｔｈ ①②③ Ⅻ ™ ® © ℃"),
    ("scripts", "Привет мир مرحبا بالعالم שלום नमस्ते ไทย"),
    ("hangul_jamo", "\u1100\u1161\u11a8"),
    ("special_tokens_bert", "[CLS] hello [SEP] the [MASK] is[MASK][MASK] [mask] [UNK]x"),
    ("special_tokens_angle", "<cls> hello <sep> the <mask> is<mask>  <mask> <MASK> <unk>x"),
    ("special_tokens_padded", "a [MASK]b <mask>c   <mask>   d"),
    ("added_words", "Hello hello HELLO xHellox [x] a[x]b [x]"),
    ("very_long_text", " ".join(["the quick brown fox jumps over the lazy dog"] * 70)),
]

HARD_PAIRS = [
    ("pair_empty_first", "", "second sentence"),
    ("pair_empty_both", "", ""),
    ("pair_long_first", " ".join(["alpha beta gamma"] * 60), "short one"),
    ("pair_long_second", "short one", " ".join(["delta epsilon"] * 80)),
    ("pair_special", "[MASK] <mask>", "[SEP] <sep>"),
    ("pair_unicode", "Café 😀", "我爱 naïve"),
]

TRUNCATION_SETTINGS = [
    ("longest_first_24", dict(max_length=24, strategy="longest_first", direction="right"), None),
    ("longest_first_25_left", dict(max_length=25, strategy="longest_first", direction="left"), None),
    ("only_first_20", dict(max_length=20, strategy="only_first", direction="right"), None),
    ("only_second_20_left", dict(max_length=20, strategy="only_second", direction="left"), None),
    ("pairs_max_3", dict(max_length=3, strategy="longest_first", direction="right"), None),
    ("pad_fixed_40", dict(max_length=32, strategy="longest_first", direction="right"),
     dict(length=40, direction="right", pad_to_multiple_of=None)),
    ("pad_left_multiple_16", dict(max_length=30, strategy="longest_first", direction="right"),
     dict(length=None, direction="left", pad_to_multiple_of=16)),
]


def read_glue(glue_dir):
    cases = []
    for task, filename, columns, every, limit in GLUE_SELECTION:
        path = os.path.join(glue_dir, task, filename)
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        if isinstance(columns[0], str):
            header, rows = rows[0], rows[1:]
            indices = [header.index(c) for c in columns]
        else:
            indices = columns
        taken = 0
        for row_index in range(0, len(rows), every):
            row = rows[row_index]
            texts = [row[i] for i in indices]
            case = {"name": f"{task}-dev-{row_index}", "a": texts[0]}
            if len(texts) > 1:
                case["b"] = texts[1]
            cases.append(case)
            taken += 1
            if taken == limit:
                break
    return cases


def hard_cases():
    cases = [{"name": name, "a": text} for name, text in HARD_SINGLE]
    cases += [{"name": name, "a": a, "b": b} for name, a, b in HARD_PAIRS]
    return cases


def bert_vocab(shared):
    with open(os.path.join(shared, "vocab", "bert-base-uncased", "vocab.txt"), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def derived_vocab(bert_tokens, specials, plain_count):
    """Specials first, then the first plain_count ASCII tokens of BERT's vocab, then every ##c
    continuation of a printable ASCII character so that every ASCII word stays encodable."""
    vocab = {token: i for i, token in enumerate(specials)}
    plain = [t for t in bert_tokens
             if t.isascii() and not (t.startswith("[") and t.endswith("]")) and t not in vocab]
    for token in plain[:plain_count]:
        vocab.setdefault(token, len(vocab))
    for code in range(33, 127):
        for token in (chr(code), "##" + chr(code)):
            vocab.setdefault(token, len(vocab))
    return vocab


def ultrafastbert_style(bert_tokens):
    """The UltraFastBERT/crammedBERT tokenizer layout of docs/model.md section 3 on a small vocab."""
    specials = ["<pad>", "<unk>", "<cls>", "<sep>", "<mask>", "<eot>"]
    vocab = derived_vocab(bert_tokens, specials, 9000)
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="<unk>", continuing_subword_prefix="##",
                                     max_input_chars_per_word=100))
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace("``", '"'),
        normalizers.Replace("''", '"'),
        normalizers.NFD(),
        normalizers.Lowercase(),
        normalizers.StripAccents(),
        normalizers.Replace(Regex(" {2,}"), " "),
        normalizers.Replace(Regex(r"[^\x00-\x7F]+"), ""),
    ])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="$A <sep>", pair="<cls> $A <sep> $B <sep>",
        special_tokens=[("<cls>", vocab["<cls>"]), ("<sep>", vocab["<sep>"])])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials
                            if t != "<mask>"])
    # Like RoBERTa's mask token: it swallows the spaces before it.
    tok.add_special_tokens([AddedToken("<mask>", special=True, normalized=False, lstrip=True)])
    return tok


def mixed_pipeline(bert_tokens):
    """Exercises the remaining pieces: NFKC, Strip, Prepend, string Replace, WhitespaceSplit and
    Punctuation behaviours in a Sequence, BertProcessing, and added tokens with single_word,
    rstrip and normalized content."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = derived_vocab(bert_tokens, specials, 2500)
    vocab.setdefault("_", len(vocab))
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", continuing_subword_prefix="##",
                                     max_input_chars_per_word=40))
    tok.normalizer = normalizers.Sequence([
        normalizers.NFKC(),
        normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=True,
                                   lowercase=False),
        normalizers.Lowercase(),
        normalizers.Replace("!!", "!"),
        normalizers.Strip(left=True, right=True),
        normalizers.Prepend("_ "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Punctuation(behavior="merged_with_previous"),
        pre_tokenizers.Punctuation(behavior="contiguous"),
    ])
    tok.post_processor = processors.BertProcessing(("[SEP]", vocab["[SEP]"]),
                                                   ("[CLS]", vocab["[CLS]"]))
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    tok.add_tokens([AddedToken("Hello", normalized=True),
                    AddedToken("[x]", single_word=True, normalized=False),
                    AddedToken("<mask>", rstrip=True, normalized=False, special=True)])
    return tok


def punctuation_pipeline(bert_tokens):
    """Other split behaviours and normalization forms on the same small vocabulary."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = derived_vocab(bert_tokens, specials, 2500)
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", continuing_subword_prefix="##",
                                     max_input_chars_per_word=100))
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(),
                                           normalizers.NFC(), normalizers.Lowercase(),
                                           normalizers.Strip(left=False, right=True)])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(),
        pre_tokenizers.Punctuation(behavior="merged_with_next"),
        pre_tokenizers.Punctuation(behavior="removed"),
    ])
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS]:2 $A:3 [SEP]:4 $B:5 [SEP] [SEP]:6",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tok


def encode_all(tok, cases, indices, with_tokens):
    results = []
    for i in indices:
        case = cases[i]
        enc = tok.encode(case["a"], case["b"]) if "b" in case else tok.encode(case["a"])
        result = {"input": i, "ids": enc.ids, "offsets": enc.offsets}
        if any(enc.type_ids):
            result["type_ids"] = enc.type_ids
        if "b" in case:
            result["sequence_ids"] = enc.sequence_ids
        if with_tokens(case):
            result["tokens"] = enc.tokens
        results.append(result)
    return results


def settings_results(tok_json, cases, indices):
    settings = []
    for name, truncation, padding in TRUNCATION_SETTINGS:
        tok = Tokenizer.from_str(tok_json)
        tok.enable_truncation(**truncation)
        if padding:
            tok.enable_padding(**padding)
        results = []
        for i in indices:
            case = cases[i]
            if truncation["max_length"] < tok.num_special_tokens_to_add("b" in case):
                # tokenizers subtracts in unsigned arithmetic and wraps around to "no limit";
                # we refuse such a max_length instead.
                results.append({"input": i, "error": "max_length below the special tokens"})
                continue
            try:
                enc = tok.encode(case["a"], case["b"]) if "b" in case else tok.encode(case["a"])
            except Exception as error:  # the C++ side must refuse the same inputs
                results.append({"input": i, "error": str(error)})
                continue
            result = {"input": i, "ids": enc.ids, "offsets": enc.offsets}
            if any(enc.type_ids):
                result["type_ids"] = enc.type_ids
            if "b" in case:
                result["sequence_ids"] = enc.sequence_ids
            if padding:
                result["attention_mask"] = enc.attention_mask
            results.append(result)
        settings.append({"name": name, "truncation": truncation, "padding": padding,
                         "results": results})
    return settings


def batch_results(tok_json, cases, indices):
    """Padding to the longest of a batch (BatchLongest), for a batch of singles and of pairs."""
    tok = Tokenizer.from_str(tok_json)
    tok.enable_padding(direction="right")
    batches = {}
    for kind in ("singles", "pairs"):
        chosen = [i for i in indices if ("b" in cases[i]) == (kind == "pairs")]
        texts = [(cases[i]["a"], cases[i]["b"]) if kind == "pairs" else cases[i]["a"] for i in chosen]
        encs = tok.encode_batch(texts)
        batches[kind] = {"inputs": chosen,
                         "results": [{"ids": e.ids, "offsets": e.offsets,
                                      "sequence_ids": e.sequence_ids,
                                      "attention_mask": e.attention_mask} for e in encs]}
    return batches


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", default=os.path.join(repo, "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(repo, "tests", "data", "tokenizer"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    cases = read_glue(os.path.join(args.shared_data, "glue")) + hard_cases()
    hard_names = {name for name, *_ in HARD_SINGLE + HARD_PAIRS}
    write_json(os.path.join(args.out, "inputs.json"), cases)

    bert_tokens = bert_vocab(args.shared_data)
    every_input = list(range(len(cases)))
    # The pipeline-exercising tokenizers see every hard case and a quarter of the GLUE ones.
    sampled = [i for i, c in enumerate(cases) if c["name"] in hard_names or i % 4 == 0]
    tokenizers = {
        "bert_base_uncased": (Tokenizer.from_file(os.path.join(
            args.shared_data, "vocab", "bert-base-uncased", "tokenizer.json")), None, every_input),
        "ultrafastbert_style": (ultrafastbert_style(bert_tokens), "ultrafastbert_style",
                                every_input),
        "mixed_pipeline": (mixed_pipeline(bert_tokens), "mixed_pipeline", sampled),
        "punctuation_pipeline": (punctuation_pipeline(bert_tokens), "punctuation_pipeline",
                                 sampled),
    }
    # Truncation/padding on every hard pair, one GLUE pair in five, the long singles and a few
    # short ones.
    subset = [i for i, c in enumerate(cases)
              if ("b" in c and (c["name"] in hard_names or i % 5 == 0))
              or c["name"] in ("very_long_text", "long_words_in_text", "empty")
              or c["name"] in ("SST-2-dev-9", "CoLA-dev-21")]
    batch = ([i for i, c in enumerate(cases) if c["name"].startswith("SST-2")][:8] +
             [i for i, c in enumerate(cases) if c["name"].startswith("MRPC")][:8])

    for name, (tok, directory, indices) in tokenizers.items():
        if directory:
            os.makedirs(os.path.join(args.out, directory), exist_ok=True)
            tok.save(os.path.join(args.out, directory, "tokenizer.json"))
        tok_json = tok.to_str()
        golden = {
            "tokenizer": name,
            "generator": f"tokenizers {__import__('tokenizers').__version__}",
            "results": encode_all(tok, cases, indices, lambda c: c["name"] in hard_names),
            "settings": settings_results(tok_json, cases, subset),
            "batch": batch_results(tok_json, cases, batch),
        }
        write_json(os.path.join(args.out, f"goldens_{name}.json"), golden)
    print(f"{len(cases)} inputs, {len(tokenizers)} tokenizers written to {args.out}")


if __name__ == "__main__":
    main()
