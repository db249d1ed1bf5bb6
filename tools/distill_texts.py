#!/usr/bin/env python3
"""The text `ufb distill` learns from (docs/distillation.md): one text per line, from the shared
data folder: the GLUE train sentences (SST-2, CoLA, MRPC, RTE, WNLI, STS-B; never a dev or test
file: STS-B dev is what the students are scored on) and sentences of the Gutenberg books.

Deterministic: the same data folder and --seed give the same file. Written atomically.

Usage: tools/distill_texts.py --data ../shared/data --out texts.txt [--book-sentences 200000]
"""
import argparse
import csv
import os
import random
import re
import sys
import tempfile

# (task folder, column names or indices of the texts, whether the file has a header)
GLUE_TRAIN = [
    ("SST-2", ["sentence"], True),
    ("CoLA", [3], False),
    ("MRPC", ["#1 String", "#2 String"], True),
    ("RTE", ["sentence1", "sentence2"], True),
    ("WNLI", ["sentence1", "sentence2"], True),
    ("STS-B", ["sentence1", "sentence2"], True),
]

SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z])")


def glue_texts(data):
    for task, columns, header in GLUE_TRAIN:
        path = os.path.join(data, "glue", task, "train.tsv")
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            names = next(rows) if header else None
            indices = [names.index(c) if isinstance(c, str) else c for c in columns]
            for row in rows:
                for i in indices:
                    if i < len(row):
                        yield row[i]


def book_sentences(data):
    folder = os.path.join(data, "corpus", "gutenberg")
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for paragraph in re.split(r"\n\s*\n", text):
            paragraph = " ".join(paragraph.split())
            for sentence in SENTENCE_END.split(paragraph):
                words = sentence.split()
                # Whole sentences of ordinary length: no headings, tables of contents or fragments.
                if 5 <= len(words) <= 60 and sentence[0].isupper():
                    yield sentence


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the shared data folder (glue/, corpus/gutenberg/)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--book-sentences", type=int, default=200000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    def clean(text):
        return " ".join(text.split())

    glue = list(dict.fromkeys(t for t in map(clean, glue_texts(args.data)) if t))
    books = list(dict.fromkeys(map(clean, book_sentences(args.data))))
    random.Random(args.seed).shuffle(books)
    seen = set(glue)
    texts = glue + [t for t in books if t not in seen][: args.book_sentences]
    folder = os.path.dirname(os.path.abspath(args.out))
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False) as f:
        f.write("\n".join(texts) + "\n")
    os.replace(f.name, args.out)
    print(f"{len(glue)} GLUE train texts and {len(texts) - len(glue)} book sentences -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
