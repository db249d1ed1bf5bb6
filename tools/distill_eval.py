#!/usr/bin/env python3
"""Scores a teacher and its distilled students (docs/distillation.md) with `ufb embed`:

  spearman      STS-B dev zero-shot: Spearman x100 between the cosine similarity of each pair's
                two embeddings and the gold score (sentence-transformers'
                EmbeddingSimilarityEvaluator, cosine)
  teacher_cos   mean cosine between the model's and the teacher's embedding of the 3000 STS-B dev
                sentences (never seen in distillation)
  ff_flops      multiply-adds x2 per token of one layer's feedforward block: dense 4*H*I, FFF
                4*H*(D+1)*T (a visited neuron costs a dot product in and an axpy out)
  ms_per_sentence  `ufb embed --file` on the 3000 sentences, batch 32: (wall time on all - wall
                time on the first sentence alone) / (N - 1), medians of --repeats runs, so that
                process start and model load drop out

Usage: tools/distill_eval.py --ufb build/ufb --teacher DIR [--students DIR...] [--threads 2]
           [--dtype f32] [--repeats 3] [--json results.jsonl]
Needs numpy and scipy.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.stats import spearmanr

HERE = os.path.dirname(os.path.abspath(__file__))


def read_stsb(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r["sentence1"], r["sentence2"], float(r["score"])) for r in rows]


def embed(ufb, model, file, out, threads, dtype):
    subprocess.run([ufb, "embed", "--model", model, "--file", file, "--out", out, "--threads", str(threads),
                    "--dtype", dtype, "--batch-size", "32"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return np.load(out)


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def ff_flops(model):
    with open(os.path.join(model, "config.json")) as f:
        config = json.load(f)
    hidden = config["hidden_size"]
    if config.get("feedforward_type") == "fff":
        return 4 * hidden * (config["fff_depth"] + 1) * config["fff_trees"], \
            f"FFF depth {config['fff_depth']}, {config['fff_trees']} trees"
    return 4 * hidden * config["intermediate_size"], f"dense {config['intermediate_size']}"


def unit(rows):
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ufb", required=True)
    parser.add_argument("--teacher", required=True)
    parser.add_argument("--students", nargs="*", default=[])
    parser.add_argument("--stsb", default=os.path.join(HERE, "..", "..", "shared", "data", "glue", "STS-B", "dev.tsv"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", default="f32")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="append one JSON line per model")
    args = parser.parse_args()

    pairs = read_stsb(args.stsb)
    gold = np.array([score for _, _, score in pairs])
    with tempfile.TemporaryDirectory() as work:
        sentences = os.path.join(work, "sentences.txt")
        first = os.path.join(work, "first.txt")
        with open(sentences, "w", encoding="utf-8") as f:
            for a, b, _ in pairs:
                f.write(f"{a}\n{b}\n")
        with open(first, "w", encoding="utf-8") as f:
            f.write(pairs[0][0] + "\n")
        count = 2 * len(pairs)
        out = os.path.join(work, "embeddings.npy")
        teacher = unit(embed(args.ufb, args.teacher, sentences, out, args.threads, args.dtype))
        teacher_flops, _ = ff_flops(args.teacher)
        models = [args.teacher] + args.students
        rows = []
        for model in models:
            vectors = unit(embed(args.ufb, model, sentences, out, args.threads, args.dtype))
            cosines = np.sum(vectors[0::2] * vectors[1::2], axis=1)
            flops, kind = ff_flops(model)
            rows.append({"model": os.path.basename(os.path.normpath(model)), "feedforward": kind,
                         "spearman": 100 * spearmanr(cosines, gold).correlation,
                         "teacher_cos": float(np.mean(np.sum(vectors * teacher, axis=1))), "ff_flops": flops,
                         "ff_flops_reduction": teacher_flops / flops, "ms_per_sentence": float("nan"),
                         "threads": args.threads, "dtype": args.dtype, "sentences": count})
        # Rounds over all models, so that a machine's drift spreads over all of them alike.
        times = {model: ([], []) for model in models}
        for _ in range(args.repeats):
            for model in models:
                command = [args.ufb, "embed", "--model", model, "--threads", str(args.threads), "--dtype",
                           args.dtype, "--batch-size", "32", "--out", out, "--file"]
                times[model][0].append(timed(command + [sentences]))
                times[model][1].append(timed(command + [first]))
        print(f"{'model':40} {'feedforward':24} {'spearman':>9} {'teacher_cos':>11} {'ff_flops':>10} {'ms/sentence':>11}")
        for model, row in zip(models, rows):
            if args.repeats > 0:
                all_times, one_times = times[model]
                row["ms_per_sentence"] = 1000 * (statistics.median(all_times) - statistics.median(one_times)) / (count - 1)
            print(f"{os.path.basename(os.path.normpath(model)):40} {row['feedforward']:24} {row['spearman']:9.4f} "
                  f"{row['teacher_cos']:11.4f} {row['ff_flops']:10d} {row['ms_per_sentence']:11.3f}", flush=True)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
