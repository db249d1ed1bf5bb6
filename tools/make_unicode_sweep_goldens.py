#!/usr/bin/env python3
"""Generate tests/data/tokenizer/unicode_sweep.jsonl: random texts from all over Unicode and the
ids Hugging Face `tokenizers` gives them, for tests/tokenizer/unicode_sweep_test.cc.

Usage: python tools/make_unicode_sweep_goldens.py [--shared-data DIR] [--out FILE] [--count N]

The texts mix ASCII words with code points drawn uniformly from all of Unicode, from a chosen
plane, from named blocks (scripts, CJK, punctuation, symbols, emoji, private use, specials),
from combining marks, whitespace, controls and punctuation, and most often from the code points
where tokenizers' older Unicode tables disagree with current ones (see make_unicode_tables.py).
Each is encoded by
  bert               the shared BERT uncased tokenizer.json
  bert_vocab_txt     BertWordPieceTokenizer(vocab.txt, lowercase=True), what ufb builds from a
                     vocab.txt
  ultrafastbert_style, punctuation_pipeline, mixed_pipeline
                     the derived tokenizers of make_tokenizer_goldens.py (the cramming-style
                     layout, and pipelines with every normal form and pre-tokenizer)
The first line records the generator, the seed and the layout of the rows; each further line is
one text and its ids by each tokenizer (null where they equal the first tokenizer's).
"""

import argparse
import json
import os
import random
import string
import unicodedata

import tokenizers
from tokenizers import BertWordPieceTokenizer, Tokenizer, normalizers, pre_tokenizers

from make_unicode_tables import CODE_POINTS, bert_normalizer, composition_pairs, run_probe

SEED = 20240523

# A few blocks of every kind, so that each script, symbol set and special area turns up.
BLOCKS = [
    (0x0000, 0x007F), (0x0080, 0x00FF), (0x0100, 0x024F), (0x0250, 0x02FF), (0x0300, 0x036F),
    (0x0370, 0x03FF), (0x0400, 0x052F), (0x0530, 0x058F), (0x0590, 0x05FF), (0x0600, 0x06FF),
    (0x0700, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0FFF), (0x1000, 0x10FF), (0x1100, 0x11FF),
    (0x1200, 0x13FF), (0x1400, 0x19FF), (0x1A00, 0x1CFF), (0x1D00, 0x1DFF), (0x1E00, 0x1FFF),
    (0x2000, 0x206F), (0x2070, 0x20FF), (0x2100, 0x24FF), (0x2500, 0x2BFF), (0x2C00, 0x2E7F),
    (0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3100, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xA000, 0xA4CF), (0xA4D0, 0xABFF), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF), (0xE000, 0xF8FF),
    (0xF900, 0xFAFF), (0xFB00, 0xFDFF), (0xFE00, 0xFE6F), (0xFE70, 0xFEFF), (0xFF00, 0xFFEF),
    (0xFFF0, 0xFFFF), (0x10000, 0x107FF), (0x10800, 0x10FFF), (0x11000, 0x11FFF),
    (0x12000, 0x1343F), (0x16800, 0x16FFF), (0x1AFF0, 0x1B2FF), (0x1D000, 0x1D7FF),
    (0x1E000, 0x1E8FF), (0x1E900, 0x1EEFF), (0x1F000, 0x1F2FF), (0x1F300, 0x1FAFF),
    (0x1FB00, 0x1FBFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF), (0x2F800, 0x2FA1F),
    (0x30000, 0x323AF), (0xE0000, 0xE007F), (0xE0100, 0xE01EF), (0xF0000, 0x10FFFF),
]
PLANES = [0, 1, 2, 3, 14, 15, 16]
WORDS = ["the", "cat", "naive", "resume", "cafe", "hello", "world", "token", "under", "score",
         "x", "a", "i", "is", "was", "running", "unbelievable", "A", "The", "HELLO", "id",
         "42", "3.14", "e-mail", "don't", "x_y", "##ing", "[MASK]", "[UNK]", "<mask>", "``", "''"]


def version_sensitive():
    """Code points where tokenizers disagrees with what this Python's (newer) Unicode data
    implies: where a tokenizer built on current tables goes wrong. Only steers the sampling."""
    def category(c):
        return unicodedata.category(chr(c))

    def stripped(c):
        return "".join(ch for ch in unicodedata.normalize("NFD", chr(c))
                       if unicodedata.category(ch) != "Mn")

    checks = [
        (bert_normalizer(clean_text=True), "", "", lambda c, out: (out == "") != (
            c in (0, 0xFFFD) or category(c) in ("Cc", "Cf", "Co") and chr(c) not in "\t\n\r")),
        (bert_normalizer(strip_accents=True), "", "", lambda c, out: out != stripped(c)),
        (normalizers.StripAccents(), "", "",
         lambda c, out: (out == "") != category(c).startswith("M")),
        (normalizers.NFKD(), "", "", lambda c, out: out != unicodedata.normalize("NFKD", chr(c))),
        (normalizers.NFD(), "\u0345", "",
         lambda c, out: out != unicodedata.normalize("NFD", "\u0345" + chr(c))),
        (normalizers.Lowercase(), "", "", lambda c, out: out != chr(c).lower()),
        (pre_tokenizers.BertPreTokenizer(), "a", "a",
         lambda c, out: (out == ["a", chr(c), "a"]) != (
             category(c).startswith("P") or chr(c) in string.punctuation)),
        (pre_tokenizers.Whitespace(), "a", "a",
         lambda c, out: (out == ["a" + chr(c) + "a"]) != (
             category(c)[0] in "LM" or category(c) in ("Nd", "Pc"))),
    ]
    sensitive = set()
    for component, prefix, suffix, differs in checks:
        outputs = run_probe(component, prefix, suffix)
        sensitive |= {c for c, out in zip(CODE_POINTS, outputs) if differs(c, out)}
    return sorted(sensitive)


class TextMaker:
    def __init__(self, rng):
        self.rng = rng
        self.sensitive = version_sensitive()
        self.marks = [c for c in CODE_POINTS if unicodedata.category(chr(c)).startswith("M")]
        self.spaces = [c for c in range(0x3001) if chr(c).isspace()] + [0x3000]
        self.controls = [c for c in CODE_POINTS
                         if unicodedata.category(chr(c)) in ("Cc", "Cf")] + [0xFFFD]
        self.punctuation = [c for c in CODE_POINTS if unicodedata.category(chr(c)).startswith("P")]
        self.pairs = composition_pairs()
        self.samplers = [
            (3, lambda: self.rng.choice(self.sensitive)),
            (3, lambda: self.scalar(*self.rng.choice(BLOCKS))),
            (1, lambda: self.scalar(*self.plane(self.rng.choice(PLANES)))),
            (1, lambda: self.scalar(0, 0x10FFFF)),
            (1, lambda: self.rng.choice(self.marks)),
            (1, lambda: self.rng.choice(self.punctuation)),
            (0.5, lambda: self.rng.choice(self.spaces)),
            (0.5, lambda: self.rng.choice(self.controls)),
        ]

    def scalar(self, first, last):
        """A code point of [first, last] that is not a surrogate."""
        while 0xD800 <= (c := self.rng.randint(first, last)) <= 0xDFFF:
            pass
        return c

    @staticmethod
    def plane(number):
        return number << 16, number << 16 | 0xFFFF

    def code_points(self):
        weights = [weight for weight, _ in self.samplers]
        sampler = self.rng.choices([draw for _, draw in self.samplers], weights)[0]
        return "".join(chr(sampler()) for _ in range(self.rng.randint(1, 3)))

    def piece(self):
        kind = self.rng.choices(["word", "code points", "marked", "pair"], [3, 5, 1, 1])[0]
        if kind == "word":
            return self.rng.choice(WORDS)
        if kind == "code points":
            return self.code_points()
        if kind == "marked":  # a base and marks in random order, for reordering and composing
            base = self.rng.choice("aeiouAEOUnNcCsSzZ") if self.rng.random() < 0.5 else \
                self.code_points()[0]
            return base + "".join(chr(self.rng.choice(self.marks))
                                  for _ in range(self.rng.randint(1, 3)))
        first, second, composite = self.rng.choice(self.pairs)
        return chr(first) + chr(second) if self.rng.random() < 0.7 else chr(composite)

    def text(self):
        text = ""
        for _ in range(self.rng.randint(1, 8)):
            text += (" " if text and self.rng.random() < 0.5 else "") + self.piece()
        return text


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", default=os.path.join(repo, "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(repo, "tests", "data", "tokenizer",
                                                      "unicode_sweep.jsonl"))
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()

    bert_dir = os.path.join(args.shared_data, "vocab", "bert-base-uncased")
    test_dir = os.path.join(repo, "tests", "data", "tokenizer")
    encoders = {
        "bert": Tokenizer.from_file(os.path.join(bert_dir, "tokenizer.json")),
        "bert_vocab_txt": BertWordPieceTokenizer(os.path.join(bert_dir, "vocab.txt"),
                                                 lowercase=True),
    }
    for name in ("ultrafastbert_style", "punctuation_pipeline", "mixed_pipeline"):
        encoders[name] = Tokenizer.from_file(os.path.join(test_dir, name, "tokenizer.json"))

    maker = TextMaker(random.Random(SEED))
    texts = [maker.text() for _ in range(args.count)]
    ids = {name: [encoding.ids for encoding in encoder.encode_batch(texts)]
           for name, encoder in encoders.items()}
    columns = list(encoders)
    same_as_first = 0
    with open(args.out, "w", encoding="utf-8") as f:
        header = {"generator": f"tokenizers {tokenizers.__version__}", "seed": SEED,
                  "texts": len(texts), "row": ["text"] + columns,
                  "null": f"the same ids as {columns[0]}"}
        f.write(json.dumps(header) + "\n")
        for i, text in enumerate(texts):
            row = [text, ids[columns[0]][i]]
            for name in columns[1:]:
                same = ids[name][i] == ids[columns[0]][i]
                row.append(None if same else ids[name][i])
                same_as_first += same
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(texts)} texts written to {args.out}; {same_as_first} encodings the same as "
          f"{columns[0]}'s")


if __name__ == "__main__":
    main()
