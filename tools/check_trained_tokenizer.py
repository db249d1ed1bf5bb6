#!/usr/bin/env python3
"""Checks a tokenizer.json written by `ufb tokenizer train` against Hugging Face `tokenizers`.

1. `tokenizers` loads the file, and it and `ufb tokenize` give the same ids and tokens for
   sample lines of the corpus (and of GLUE, if given), text pairs included.
2. With --compare-training, `tokenizers`' own WordPieceTrainer is trained on the same cleaned
   corpus with the same options, and the two vocabularies are compared (shared tokens, tokens
   with the same id). They may differ where pair counts tie: tokenizers numbers the "##"
   characters in hash-map order, which also varies between its own runs.

Needs `tokenizers` (pip install tokenizers, e.g. in a virtual environment). Example:

    python3 tools/check_trained_tokenizer.py --ufb build/ufb --tokenizer tok.json \
        --corpus ../shared/data/corpus/gutenberg --glue ../shared/data/glue \
        --compare-training --vocab-size 8192 --lowercase --strip-accents
"""
import argparse
import json
import pathlib
import random
import subprocess
import sys
import tempfile
import time

from tokenizers import Tokenizer, normalizers, pre_tokenizers, trainers
from tokenizers.models import WordPiece

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def clean_document(raw):
    """BOM, CRLF and the Project Gutenberg header/footer removed (as ufb's corpus reader does)."""
    text = raw.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def marker(line, what):
        line = line.lstrip(" \t").upper()
        return line.startswith("***") and what in line and "PROJECT GUTENBERG" in line

    start = next((i for i, line in enumerate(lines) if marker(line, "START OF")), None)
    if start is None:
        return "\n".join(lines)
    end = next((i for i in range(start + 1, len(lines))
                if marker(lines[i], "END OF") or (lines[i].lstrip(" \t").upper().startswith("END OF")
                                                  and "PROJECT GUTENBERG" in lines[i].upper())), len(lines))
    return "\n".join(lines[start + 1:end])


def corpus_files(paths):
    files = []
    for path in map(pathlib.Path, paths):
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")]
        else:
            files.append(path)
    return sorted(files)


def sample_inputs(documents, glue_dir, count, seed):
    rng = random.Random(seed)
    lines = [line for doc in documents for line in doc.split("\n") if line.strip()]
    inputs = [{"text": line} for line in rng.sample(lines, min(count, len(lines)))]
    for _ in range(count // 4):  # pairs: two corpus lines
        inputs.append({"text": rng.choice(lines), "text_pair": rng.choice(lines)})
    if glue_dir:
        for tsv in sorted(pathlib.Path(glue_dir).glob("*/dev*.tsv")):
            rows = tsv.read_text(encoding="utf-8-sig").splitlines()[1:]
            for row in rng.sample(rows, min(count // 10, len(rows))):
                fields = [f for f in row.split("\t") if f.strip() and not f.strip().isdigit()]
                if fields:
                    inputs.append({"text": max(fields, key=len)})
    return inputs


def ufb_tokenize(ufb, tokenizer_path, inputs):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as file:
        for item in inputs:
            file.write(json.dumps(item, ensure_ascii=False) + "\n")
    result = subprocess.run([ufb, "tokenize", "--tokenizer", tokenizer_path, "--file", file.name],
                            capture_output=True, text=True, check=True)
    pathlib.Path(file.name).unlink()
    return [json.loads(line) for line in result.stdout.splitlines()]


def compare_tokenization(args, documents):
    hf = Tokenizer.from_file(args.tokenizer)
    inputs = sample_inputs(documents, args.glue, args.samples, args.seed)
    ours = ufb_tokenize(args.ufb, args.tokenizer, inputs)
    mismatches = 0
    for item, mine in zip(inputs, ours):
        theirs = hf.encode(item["text"], item.get("text_pair"))
        if theirs.ids != mine["ids"] or theirs.tokens != mine["tokens"]:
            mismatches += 1
            if mismatches <= 5:
                print(f"MISMATCH {item}\n  tokenizers: {theirs.tokens}\n  ufb:        {mine['tokens']}")
    tokens = sum(len(o["ids"]) for o in ours)
    print(f"tokenization: {len(inputs)} inputs ({tokens} tokens), {mismatches} differ"
          f" (tokenizers loaded the file: vocab {hf.get_vocab_size()})")
    return mismatches == 0 and len(ours) == len(inputs)


def compare_training(args, documents):
    tokenizer = Tokenizer(WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=args.lowercase, strip_accents=args.strip_accents)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=args.vocab_size, min_frequency=args.min_frequency,
                                        special_tokens=SPECIAL_TOKENS, show_progress=False)
    start = time.time()
    tokenizer.train_from_iterator(documents, trainer=trainer)
    seconds = time.time() - start
    theirs = tokenizer.get_vocab()
    ours = json.loads(pathlib.Path(args.tokenizer).read_text(encoding="utf-8"))["model"]["vocab"]
    shared = set(theirs) & set(ours)
    same_id = sum(1 for token in shared if theirs[token] == ours[token])
    print(f"training: tokenizers' WordPieceTrainer took {seconds:.1f} s; vocab sizes ufb {len(ours)}, "
          f"tokenizers {len(theirs)}; shared tokens {len(shared)} ({100 * len(shared) / len(theirs):.2f} %), "
          f"same id {same_id}")
    only_theirs = sorted(set(theirs) - shared, key=theirs.get)[:20]
    only_ours = sorted(set(ours) - shared, key=ours.get)[:20]
    print(f"  only in tokenizers' (first 20 by id): {only_theirs}\n  only in ufb's: {only_ours}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ufb", default="build/ufb")
    parser.add_argument("--tokenizer", required=True, help="tokenizer.json written by ufb tokenizer train")
    parser.add_argument("--corpus", nargs="+", required=True)
    parser.add_argument("--glue", help="GLUE directory: also compare on its dev texts")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare-training", action="store_true")
    parser.add_argument("--vocab-size", type=int, default=30522)
    parser.add_argument("--min-frequency", type=int, default=0)
    parser.add_argument("--lowercase", action="store_true")
    parser.add_argument("--strip-accents", action="store_true")
    args = parser.parse_args()
    documents = [clean_document(path.read_bytes()) for path in corpus_files(args.corpus)]
    identical = compare_tokenization(args, documents)
    if args.compare_training:
        compare_training(args, documents)
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
