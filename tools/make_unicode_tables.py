#!/usr/bin/env python3
"""Probe Hugging Face `tokenizers` code point by code point and write the Unicode tables of ufb's
tokenizer, plus per-block digests of every probe for the C++ test that checks them.

Usage: python tools/make_unicode_tables.py [--tables FILE] [--digests FILE]

Writes
  src/tokenizer/unicode_tables.inc            the range tables src/tokenizer/unicode.cc uses
  tests/data/tokenizer/unicode_code_points.json  CRC-32 of each probe's outputs per block of
                                               4096 code points, for tests/tokenizer/
                                               unicode_code_points_test.cc

`tokenizers` does not take its character properties from one Unicode version: punctuation,
controls and nonspacing marks come from the unicode_categories crate (Unicode 8), normalization
and the StripAccents marks from unicode-normalization-alignments (Unicode 9), whitespace and
lowercasing from Rust's standard library and \\w from the regex engines (Unicode 16). So
instead of reading any Unicode data, this script asks the real components about each of the
1,112,064 scalar values and records what they do. Rerun it (pip install tokenizers) when
moving to another `tokenizers` release, and commit both outputs.
"""

import argparse
import json
import os
import unicodedata
import zlib

import tokenizers
from tokenizers import AddedToken, Tokenizer, models, normalizers, pre_tokenizers

CODE_POINTS = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
BLOCK_SIZE = 0x1000
# U+0345 has the highest canonical combining class (240) and U+0334 the lowest (1): a code point
# after U+0345 or before U+0334 is reordered by NFD exactly when its own class is nonzero.
HIGHEST_CLASS_MARK = "\u0345"
LOWEST_CLASS_MARK = "\u0334"


def bert_normalizer(**option):
    options = dict(clean_text=False, handle_chinese_chars=False, strip_accents=False,
                   lowercase=False)
    options.update(option)
    return normalizers.BertNormalizer(**options)


# (name, component, text before and after the code point). The C++ test builds the component of
# the same name; a pre-tokenizer probe surrounds the code point with letters so that splitting
# at it shows.
PROBES = [
    ("BertNormalizer.clean_text", bert_normalizer(clean_text=True), "", ""),
    ("BertNormalizer.handle_chinese_chars", bert_normalizer(handle_chinese_chars=True), "", ""),
    ("BertNormalizer.strip_accents", bert_normalizer(strip_accents=True), "", ""),
    ("BertNormalizer.lowercase", bert_normalizer(lowercase=True), "", ""),
    ("Lowercase", normalizers.Lowercase(), "", ""),
    ("StripAccents", normalizers.StripAccents(), "", ""),
    ("Strip", normalizers.Strip(), "", ""),
    ("NFD", normalizers.NFD(), "", ""),
    ("NFC", normalizers.NFC(), "", ""),
    ("NFKD", normalizers.NFKD(), "", ""),
    ("NFKC", normalizers.NFKC(), "", ""),
    ("NFD", normalizers.NFD(), HIGHEST_CLASS_MARK, ""),
    ("NFD", normalizers.NFD(), "", LOWEST_CLASS_MARK),
    ("NFC", normalizers.NFC(), "A", ""),
    ("BertPreTokenizer", pre_tokenizers.BertPreTokenizer(), "a", "a"),
    ("Whitespace", pre_tokenizers.Whitespace(), "a", "a"),
    ("WhitespaceSplit", pre_tokenizers.WhitespaceSplit(), "a", "a"),
    ("Punctuation", pre_tokenizers.Punctuation(), "a", "a"),
]


def run_probe(component, prefix, suffix):
    """The output for every code point: a normalized text, or a pre-tokenizer's list of words."""
    texts = (prefix + chr(c) + suffix for c in CODE_POINTS)
    if isinstance(component, normalizers.Normalizer):
        return [component.normalize_str(text) for text in texts]
    return [[word for word, _ in component.pre_tokenize_str(text)] for text in texts]


def serialize(output):
    """Bytes the C++ test builds the same way: 0xFF ends each word, 0xFE each probe (neither byte
    occurs in UTF-8)."""
    if isinstance(output, str):
        return output.encode("utf-8") + b"\xfe"
    return b"".join(word.encode("utf-8") + b"\xff" for word in output) + b"\xfe"


def block_digests(outputs):
    digests = {}
    for c, output in zip(CODE_POINTS, outputs):
        block = c // BLOCK_SIZE
        digests[block] = zlib.crc32(serialize(output), digests.get(block, 0))
    return " ".join(f"{digests[block]:08x}" for block in sorted(digests))


def where(outputs, predicate):
    """The code points whose output satisfies predicate(character, output)."""
    return {c for c, output in zip(CODE_POINTS, outputs) if predicate(chr(c), output)}


def require_equal(what, first, second):
    if first != second:
        differing = " ".join(f"U+{c:04X}" for c in sorted(first ^ second)[:20])
        raise SystemExit(f"{what} differ at {differing}: one ufb table cannot serve both")


def added_token_word_characters():
    """Code points that keep a single_word added token from matching (Rust regex \\w)."""
    tok = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.add_tokens([AddedToken("x", single_word=True)])
    encodings = tok.encode_batch(["x" + chr(c) for c in CODE_POINTS])
    return {c for c, encoding in zip(CODE_POINTS, encodings) if encoding.tokens == ["[UNK]"]}


def composition_pairs():
    """(first, second, composite) for every primary composite of this Python's Unicode data,
    Hangul syllables included, as candidates for composition in tokenizers' older tables."""
    pairs = []
    for c in range(0x110000):
        if 0xAC00 <= c <= 0xD7A3:  # Hangul: LV = L + V, LVT = LV + T
            index = c - 0xAC00
            if index % 28:
                pairs.append((c - index % 28, 0x11A7 + index % 28, c))
            else:
                pairs.append((0x1100 + index // 588, 0x1161 + index % 588 // 28, c))
            continue
        fields = unicodedata.decomposition(chr(c)).split()
        if len(fields) != 2 or fields[0].startswith("<"):
            continue
        first, second = (int(field, 16) for field in fields)
        if unicodedata.normalize("NFC", chr(first) + chr(second)) == chr(c):
            pairs.append((first, second, c))
    return pairs


def ranges(code_points):
    merged = []
    for c in sorted(code_points):
        if merged and merged[-1][1] == c - 1:
            merged[-1][1] = c
        else:
            merged.append([c, c])
    return merged


def inert_in_current_unicode(c, composing):
    """True where every Unicode version from this Python's onwards leaves c alone in every
    normal form: assigned (the stability policy freezes decompositions and combining classes of
    assigned characters), no decomposition, class 0, in no composition. Private use and
    surrogates stay out: ufb's normalization hides unknown code points behind a private-use
    placeholder."""
    character = chr(c)
    return (unicodedata.category(character) not in ("Cn", "Co", "Cs")
            and not unicodedata.decomposition(character)
            and unicodedata.combining(character) == 0 and c not in composing)


def normalization_known(acted_on, composed_pairs, all_pairs):
    """What tokenizers' normalization tables act on (code points they decompose or reorder, and
    the parts of pairs they compose), widened over characters no Unicode version acts on so
    that the table stays small. utf8proc sees everything outside it as an inert placeholder."""
    known = set(acted_on) | {0}  # from U+0000, so that widening takes in all of ASCII
    for first, second, _ in composed_pairs:
        known |= {first, second}
    composing = {c for first, second, _ in all_pairs for c in (first, second)}
    widened = []
    for first, last in ranges(known):
        if widened and all(inert_in_current_unicode(c, composing)
                           for c in range(widened[-1][1] + 1, first)):
            widened[-1][1] = last
        else:
            widened.append([first, last])
    return widened


def lowercase_runs(lowercase):
    """(first, last, stride, delta): every stride-th code point from first to last lowercases to
    itself plus delta. Multi-character lowercases are returned apart."""
    runs, special = [], {}
    for c in sorted(lowercase):
        lower = lowercase[c]
        if len(lower) > 1:
            special[c] = lower
            continue
        delta = ord(lower) - c
        if runs and runs[-1][3] == delta and c - runs[-1][1] in (1, 2) and \
                runs[-1][2] in (0, c - runs[-1][1]):
            runs[-1][2] = c - runs[-1][1]
            runs[-1][1] = c
        else:
            runs.append([c, c, 0, delta])
    return [(first, last, stride or 1, delta) for first, last, stride, delta in runs], special


def wrap(cells, indent="    ", width=100):
    """Fills lines of at most `width` columns with comma-separated cells."""
    lines = [indent]
    for cell in cells:
        if len(lines[-1]) + len(cell) + 1 > width:
            lines[-1] = lines[-1].rstrip()
            lines.append(indent)
        lines[-1] += cell + ", "
    return "\n".join(line.rstrip() for line in lines)


def format_table(kind, name, comment, cells):
    return f"// {comment}\nconstexpr {kind} {name}[] = {{\n{wrap(cells)}\n}};\n"


def utf8_literal(text):
    return '"' + "".join(f"\\x{byte:02X}" for byte in text.encode("utf-8")) + '"'


def write_tables(path, tables, lowercase):
    runs, special = lowercase
    parts = [
        "// Generated by tools/make_unicode_tables.py from Hugging Face tokenizers "
        f"{tokenizers.__version__}; do not edit.\n"
        "// Each table lists the inclusive code point ranges where the named tokenizers component\n"
        "// was observed to have the property (see the script for the probes). Included by\n"
        "// src/tokenizer/unicode.cc.\n"]
    parts += [format_table("CodePointRange", name, comment,
                           [f"{{0x{first:04X}, 0x{last:04X}}}" for first, last in table])
              for name, comment, table in tables]
    parts.append(format_table(
        "LowercaseRun", "kLowercaseRuns",
        "Lowercase: every stride-th code point of [first, last] maps to itself + delta.",
        [f"{{0x{first:04X}, 0x{last:04X}, {stride}, {delta}}}"
         for first, last, stride, delta in runs]))
    parts.append(format_table(
        "SpecialLowercase", "kSpecialLowercases", "Lowercases of more than one code point.",
        [f"{{0x{c:04X}, {utf8_literal(text)}}}" for c, text in sorted(special.items())]))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=os.path.join(repo, "src", "tokenizer",
                                                         "unicode_tables.inc"))
    parser.add_argument("--digests", default=os.path.join(repo, "tests", "data", "tokenizer",
                                                          "unicode_code_points.json"))
    args = parser.parse_args()

    probes, found = [], {}
    for name, component, prefix, suffix in PROBES:
        outputs = run_probe(component, prefix, suffix)
        probes.append({"name": name, "prefix": prefix, "suffix": suffix,
                       "digests": block_digests(outputs)})
        key = (name, prefix, suffix)
        if key == ("BertNormalizer.clean_text", "", ""):
            found["control"] = where(outputs, lambda ch, out: out == "")
            found["clean_text space"] = where(outputs, lambda ch, out: out == " " and ch != " ")
        elif key == ("BertNormalizer.handle_chinese_chars", "", ""):
            found["chinese"] = where(outputs, lambda ch, out: out == " " + ch + " ")
        elif key == ("BertNormalizer.strip_accents", "", ""):
            found["nonspacing mark"] = where(outputs, lambda ch, out: out == "")
        elif key in (("BertNormalizer.lowercase", "", ""), ("Lowercase", "", "")):
            found[name] = {c: out for c, out in zip(CODE_POINTS, outputs) if out != chr(c)}
        elif key == ("StripAccents", "", ""):
            found["mark"] = where(outputs, lambda ch, out: out == "")
        elif key == ("Strip", "", ""):
            found["Strip whitespace"] = where(outputs, lambda ch, out: out == "")
        elif name == "NFKD" or (name == "NFD" and (prefix or suffix)):
            found.setdefault("normalized", set()).update(
                where(outputs, lambda ch, out: out != prefix + ch + suffix))
        elif name == "BertPreTokenizer":
            found["whitespace"] = where(outputs, lambda ch, out: out == ["a", "a"])
            found["punctuation"] = where(outputs, lambda ch, out: out == ["a", ch, "a"])
        elif name == "Whitespace":
            found["word"] = where(outputs, lambda ch, out: out == ["a" + ch + "a"])
            found["Whitespace whitespace"] = where(outputs, lambda ch, out: out == ["a", "a"])
        elif name == "WhitespaceSplit":
            found["WhitespaceSplit whitespace"] = where(outputs, lambda ch, out: out == ["a", "a"])
        elif name == "Punctuation":
            found["Punctuation punctuation"] = where(outputs, lambda ch, out: out == ["a", ch, "a"])
        print(f"probed {name} {prefix!r} {suffix!r}", flush=True)

    # Each ufb predicate serves several components; they must agree for one table to do.
    for other in ("Whitespace", "WhitespaceSplit", "Strip"):
        require_equal(f"BertPreTokenizer and {other} whitespace", found["whitespace"],
                      found[f"{other} whitespace"])
    # clean_text removes controls first, so the whitespace controls (VT, FF, NEL) are gone.
    require_equal("BertPreTokenizer and BertNormalizer whitespace",
                  found["whitespace"] - found["control"], found["clean_text space"] | {0x20})
    require_equal("BertPreTokenizer and Punctuation punctuation", found["punctuation"],
                  found["Punctuation punctuation"])
    require_equal("Whitespace and single_word added token \\w", found["word"],
                  added_token_word_characters())
    require_equal("Lowercase and BertNormalizer lowercasing", set(found["Lowercase"].items()),
                  set(found["BertNormalizer.lowercase"].items()))

    all_pairs = composition_pairs()
    nfc = normalizers.NFC()
    composed = [(a, b, c) for a, b, c in all_pairs
                if nfc.normalize_str(chr(a) + chr(b)) == chr(c)]
    known = normalization_known(found["normalized"], composed, all_pairs)

    tables = [
        ("kWhitespaceRanges", "White_Space: Rust's char::is_whitespace, as every component "
         "uses it.", ranges(found["whitespace"])),
        ("kPunctuationRanges", "ASCII punctuation and unicode_categories' P* (BertPreTokenizer, "
         "Punctuation).", ranges(found["punctuation"])),
        ("kWordRanges", "Regex \\w (Whitespace pre-tokenizer, single_word added tokens).",
         ranges(found["word"])),
        ("kControlRanges", "What BertNormalizer's clean_text removes: NUL, U+FFFD and "
         "unicode_categories' Cc, Cf, Co\n// but \\t, \\n, \\r.", ranges(found["control"])),
        ("kChineseRanges", "The CJK ideograph blocks BertNormalizer surrounds with spaces.",
         ranges(found["chinese"])),
        ("kNonspacingMarkRanges", "What BertNormalizer's strip_accents removes after NFD: "
         "unicode_categories' Mn.", ranges(found["nonspacing mark"])),
        ("kMarkRanges", "What the StripAccents normalizer removes: combining marks of "
         "unicode-normalization-alignments.", ranges(found["mark"])),
        ("kNormalizationKnownRanges", "Code points tokenizers' NFD/NFC/NFKD/NFKC act on "
         "(decompose, reorder or compose), widened\n// over assigned characters that no Unicode "
         "version normalizes.", known),
    ]
    write_tables(args.tables, tables, lowercase_runs(found["Lowercase"]))
    with open(args.digests, "w", encoding="utf-8") as f:
        json.dump({"generator": f"tokenizers {tokenizers.__version__}",
                   "block_size": BLOCK_SIZE, "probes": probes}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(PROBES)} probes over {len(CODE_POINTS)} code points; tables in {args.tables}")


if __name__ == "__main__":
    main()
