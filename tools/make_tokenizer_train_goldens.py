#!/usr/bin/env python3
"""Hugging Face `tokenizers`' view of WordPiece training on tests/data/tokenizer_train.

Writes tests/data/tokenizer_train/goldens.json with
- the vocabulary tokenizers' WordPieceTrainer learns from the cleaned excerpt (BertNormalizer
  lowercase + strip accents, BertPreTokenizer, special tokens [PAD] [UNK] [CLS] [SEP] [MASK]).
  tokenizers numbers the "##" characters in hash-map order, so where pair counts tie its
  vocabulary changes from run to run: the file keeps the tokens of every one of RUNS runs
  ("always") and of any of them ("ever");
- the tokens tokenizers gives sample texts with the tokenizer.json that `ufb tokenizer train`
  writes for the same corpus (so the test checks ufb's file reads back as tokenizers reads it).

Needs `tokenizers` and a built ufb:

    python3 tools/make_tokenizer_train_goldens.py --ufb build/ufb
"""
import argparse
import json
import pathlib
import subprocess
import tempfile

from tokenizers import Tokenizer, normalizers, pre_tokenizers, trainers
from tokenizers.models import WordPiece

from check_trained_tokenizer import SPECIAL_TOKENS, clean_document

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "tokenizer_train"
VOCAB_SIZE = 300
RUNS = 30
SAMPLES = ["Alice was beginning to get very tired of sitting by her sister on the bank.",
           "\u201cCurioser and curiouser!\u201d cried Alice (she was so much surprised).",
           "Ésta es una frase con acentos: naïve café, déjà vu.",
           "The Rabbit-Hole went straight on like a tunnel for some way, and then dipped suddenly down."]


def tokenizers_vocabulary(document):
    tokenizer = Tokenizer(WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=VOCAB_SIZE, special_tokens=SPECIAL_TOKENS, show_progress=False)
    tokenizer.train_from_iterator([document], trainer=trainer)
    return set(tokenizer.get_vocab())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ufb", default=str(ROOT / "build" / "ufb"))
    args = parser.parse_args()
    document = clean_document((DATA / "alice_excerpt.txt").read_bytes())
    vocabularies = [tokenizers_vocabulary(document) for _ in range(RUNS)]
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "tokenizer.json"
        subprocess.run([args.ufb, "tokenizer", "train", "--corpus", str(DATA / "alice_excerpt.txt"), "--vocab-size",
                        str(VOCAB_SIZE), "--lowercase", "--strip-accents", "--out", str(path)], check=True)
        trained = Tokenizer.from_file(str(path))
    goldens = {"vocab_size": VOCAB_SIZE,
               "vocabulary_always": sorted(set.intersection(*vocabularies)),
               "vocabulary_ever": sorted(set.union(*vocabularies)),
               "samples": [{"text": text, "tokens": trained.encode(text).tokens} for text in SAMPLES]}
    (DATA / "goldens.json").write_text(json.dumps(goldens, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {DATA / 'goldens.json'}: {len(goldens['vocabulary_always'])} tokens in all {RUNS} runs, "
          f"{len(goldens['vocabulary_ever'])} in any")


if __name__ == "__main__":
    main()
