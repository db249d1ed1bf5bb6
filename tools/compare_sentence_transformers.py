#!/usr/bin/env python3
"""Compares `ufb embed` with sentence-transformers on a sentence-transformers model directory,
over every sentence of GLUE's STS-B dev set.

Both columns of all dev pairs (interleaved: line 2i is pair i's sentence1, line 2i+1 its
sentence2) go to a text file, one sentence a line, which is embedded twice:
  ufb                    PATH embed --model DIR --file SENTENCES.txt --out X.npy --threads N
                         (a float32 [N, D] .npy; the directory's own pooling and normalisation)
  sentence-transformers  SentenceTransformer(DIR).encode(sentences), float32, on the CPU
Printed: the smallest cosine between the two embeddings of a sentence, the largest absolute
difference of any component, and each side's STS-B Spearman x 100 (as sentence-transformers'
EmbeddingSimilarityEvaluator computes it for cosine), to 4 decimals, plus ufb's wall time.
Without --ufb only the sentence-transformers half runs (its Spearman). With --min-cosine or
--max-spearman-gap, the exit status is 1 when ufb falls outside them.

Needs sentence-transformers, torch, scipy, numpy (tools/requirements-reference.txt).

    scripts/fetch-models.sh
    python3 tools/compare_sentence_transformers.py --ufb build/apps/ufb/ufb \\
        --model ~/.cache/ufb/models/all-MiniLM-L6-v2 [--threads 2] [--stsb dev.tsv] \\
        [--min-cosine 0.9999] [--max-spearman-gap 0.05] [--ufb-arg=--batch-size --ufb-arg=32]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_minilm_goldens import default_model_dir, default_stsb, read_stsb, spearman_cosine_x100  # noqa: E402


def write_sentences(pairs, path):
    sentences = [s for s1, s2, _ in pairs for s in (s1, s2)]
    for i, s in enumerate(sentences):
        # ufb reads a TAB as a text pair and a line opening with '{' as possible JSON.
        if "\t" in s or "\n" in s or not s.strip() or s.lstrip().startswith("{"):
            raise SystemExit(f"sentence {i} cannot go on one line of --file: {s!r}")
    path.write_text("".join(s + "\n" for s in sentences), encoding="utf-8")
    return sentences


def run_ufb(ufb, model, sentences_file, out, threads, extra):
    command = [str(ufb), "embed", "--model", str(model), "--file", str(sentences_file),
               "--out", str(out), "--threads", str(threads), *extra]
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"{' '.join(command)} exited with {result.returncode}")
    return numpy.load(out), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ufb", type=pathlib.Path, help="the ufb binary (without it: only sentence-transformers)")
    parser.add_argument("--model", type=pathlib.Path, default=default_model_dir(),
                        help="a sentence-transformers directory (default: the fetched all-MiniLM-L6-v2)")
    parser.add_argument("--stsb", type=pathlib.Path, default=default_stsb(), help="GLUE STS-B dev.tsv")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads of both sides")
    parser.add_argument("--batch-size", type=int, default=32, help="sentence-transformers' batch size")
    parser.add_argument("--ufb-arg", action="append", default=[], help="one more argument for ufb embed")
    parser.add_argument("--min-cosine", type=float, help="fail when any sentence's cosine is below")
    parser.add_argument("--max-spearman-gap", type=float, help="fail when the Spearmans (x100) differ more")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(args.threads)

    pairs = read_stsb(args.stsb)
    scores = [score for _, _, score in pairs]
    with tempfile.TemporaryDirectory() as scratch:
        sentences_file = pathlib.Path(scratch) / "sentences.txt"
        sentences = write_sentences(pairs, sentences_file)
        ours = None
        if args.ufb:
            ours, seconds = run_ufb(args.ufb, args.model, sentences_file, pathlib.Path(scratch) / "ufb.npy",
                                    args.threads, args.ufb_arg)
            print(f"ufb embed: {len(sentences)} sentences in {seconds:.2f} s (wall, load included)")

    model = SentenceTransformer(str(args.model), device="cpu").eval()
    start = time.perf_counter()
    theirs = model.encode(sentences, convert_to_numpy=True, batch_size=args.batch_size)
    print(f"sentence-transformers encode: {len(sentences)} sentences in {time.perf_counter() - start:.2f} s")
    theirs_spearman = spearman_cosine_x100(theirs[0::2], theirs[1::2], scores)
    print(f"pairs: {len(pairs)}, embedding width: {theirs.shape[1]}")
    print(f"sentence-transformers Spearman x100: {theirs_spearman:.4f}")
    if ours is None:
        return 0

    if ours.shape != theirs.shape:
        raise SystemExit(f"ufb gave {ours.shape} ({ours.dtype}), sentence-transformers {theirs.shape}")
    ours64, theirs64 = ours.astype(numpy.float64), theirs.astype(numpy.float64)
    cosine = (ours64 * theirs64).sum(1) / (numpy.linalg.norm(ours64, axis=1) * numpy.linalg.norm(theirs64, axis=1))
    worst = int(numpy.argmin(cosine))
    difference = numpy.abs(ours64 - theirs64)
    ours_spearman = spearman_cosine_x100(ours[0::2], ours[1::2], scores)
    print(f"ufb Spearman x100:                   {ours_spearman:.4f}")
    print(f"smallest cosine(ufb, st):            {cosine[worst]:.6f} (line {worst + 1}: {sentences[worst][:60]!r})")
    print(f"largest |ufb - st|:                  {difference.max():.3e} (line {int(difference.max(1).argmax()) + 1})")
    failed = False
    if args.min_cosine is not None and cosine[worst] < args.min_cosine:
        print(f"FAIL: cosine {cosine[worst]:.6f} < {args.min_cosine}")
        failed = True
    if args.max_spearman_gap is not None and abs(ours_spearman - theirs_spearman) > args.max_spearman_gap:
        print(f"FAIL: Spearman gap {abs(ours_spearman - theirs_spearman):.4f} > {args.max_spearman_gap}")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
