#!/usr/bin/env python3
"""Times ufb's Python module against `ufb embed` and sentence-transformers on real sentences.

The sentences: the first --sentences (1000) of GLUE STS-B dev as the file gives them (pair 0's
sentence1, sentence2, pair 1's, ...). The model: a sentence-transformers directory such as the
all-MiniLM-L6-v2 that scripts/fetch-models.sh fetches. Timed, each at --batch-size (32) and
--threads (0: every core), as the median of --repeats runs after one warm-up run:
  ufb.Model.encode       Model(DIR, threads=T).encode(sentences, batch_size=B), in this process
  ufb embed              BINARY embed --model DIR --file F --batch-size B --threads T --out X.npy,
                         wall time minus that of the same command on the first sentence alone
                         (process start and model load drop out)
  sentence-transformers  SentenceTransformer(DIR, device="cpu").encode(sentences, batch_size=B)
                         with torch.set_num_threads(T), run by --reference-python (an interpreter
                         with torch and sentence-transformers) in a process of its own; skipped
                         with a line saying why when it cannot be run
The table gives seconds per run and sentences per second, and each row's largest difference
from Model.encode's vectors.

    python3 tools/bench_encode.py --model ~/.cache/ufb/models/all-MiniLM-L6-v2 \\
        --stsb ../shared/data/glue/STS-B/dev.tsv [--binary build/ufb] [--reference-python PY]
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def read_sentences(path, count):
    sentences = []
    with open(path, encoding="utf-8") as file:
        next(file)  # header
        for line in file:
            columns = line.rstrip("\n").split("\t")
            sentences += [columns[-3], columns[-2]]
            if len(sentences) >= count:
                break
    return sentences[:count]


def median_seconds(run, repeats):
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_module(args, sentences):
    import ufb

    model = ufb.Model(args.model, threads=args.threads)
    vectors = model.encode(sentences, batch_size=args.batch_size)
    return median_seconds(lambda: model.encode(sentences, batch_size=args.batch_size), args.repeats), vectors


def time_cli(args, sentences, directory):
    def command(file, out):
        return [args.binary, "embed", "--model", args.model, "--file", file, "--batch-size", str(args.batch_size),
                "--threads", str(args.threads), "--out", out]

    all_file, one_file = directory / "all.txt", directory / "one.txt"
    all_file.write_text("".join(s + "\n" for s in sentences), encoding="utf-8")
    one_file.write_text(sentences[0] + "\n", encoding="utf-8")
    out = directory / "vectors.npy"
    run_all = lambda: subprocess.run(command(all_file, out), check=True, capture_output=True)
    run_one = lambda: subprocess.run(command(one_file, directory / "one.npy"), check=True, capture_output=True)
    seconds = median_seconds(run_all, args.repeats) - median_seconds(run_one, args.repeats)
    return seconds, np.load(out)


def time_sentence_transformers(args, sentences_file, out):
    """In this process (with --reference-worker): SentenceTransformer.encode."""
    import torch
    from sentence_transformers import SentenceTransformer

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    sentences = pathlib.Path(sentences_file).read_text(encoding="utf-8").splitlines()
    model = SentenceTransformer(args.model, device="cpu")
    vectors = model.encode(sentences, batch_size=args.batch_size)
    seconds = median_seconds(lambda: model.encode(sentences, batch_size=args.batch_size), args.repeats)
    np.save(out, vectors)
    print(json.dumps({"seconds": seconds, "torch": torch.__version__}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--stsb", default=str(pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" /
                                          "glue" / "STS-B" / "dev.tsv"))
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--binary", default=str(pathlib.Path(__file__).resolve().parents[1] / "build" / "ufb"))
    parser.add_argument("--reference-python", default=sys.executable)
    parser.add_argument("--reference-worker", nargs=2, metavar=("SENTENCES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference_worker:
        time_sentence_transformers(args, *args.reference_worker)
        return

    sentences = read_sentences(args.stsb, args.sentences)
    rows = []
    module_seconds, module_vectors = time_module(args, sentences)
    rows.append(("ufb.Model.encode", module_seconds, 0.0))
    with tempfile.TemporaryDirectory() as scratch:
        directory = pathlib.Path(scratch)
        cli_seconds, cli_vectors = time_cli(args, sentences, directory)
        rows.append(("ufb embed", cli_seconds, float(np.abs(cli_vectors - module_vectors).max())))
        (directory / "sentences.txt").write_text("".join(s + "\n" for s in sentences), encoding="utf-8")
        worker = [args.reference_python, __file__, "--model", args.model, "--batch-size", str(args.batch_size),
                  "--threads", str(args.threads), "--repeats", str(args.repeats), "--reference-worker",
                  str(directory / "sentences.txt"), str(directory / "st.npy")]
        result = subprocess.run(worker, capture_output=True, text=True)
        if result.returncode == 0:
            reference = json.loads(result.stdout.strip().splitlines()[-1])
            st_vectors = np.load(directory / "st.npy")
            rows.append((f"sentence-transformers (torch {reference['torch']})", reference["seconds"],
                         float(np.abs(st_vectors - module_vectors).max())))
        else:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"bench_encode: sentence-transformers skipped: {args.reference_python}: {last}")

    print(f"{len(sentences)} STS-B dev sentences, batch {args.batch_size}, threads {args.threads or os.cpu_count()}, "
          f"median of {args.repeats}")
    print(f"{'':44} {'s/run':>8} {'sent/s':>8} {'vs encode':>10} {'max |diff|':>11}")
    for name, seconds, difference in rows:
        print(f"{name:44} {seconds:8.3f} {len(sentences) / seconds:8.1f} {seconds / module_seconds:9.2f}x "
              f"{difference:11.2e}")


if __name__ == "__main__":
    main()
