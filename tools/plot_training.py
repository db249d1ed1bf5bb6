#!/usr/bin/env python3
"""Draws training loss curves from `ufb train` logs (log.jsonl) into a PNG.

Each LABEL=LOG argument is one curve: the logged loss against the tokens seen (masked-LM logs)
or the step (fine-tuning logs). Needs matplotlib.

    python3 tools/plot_training.py --out loss.png FFF=runs/fff/log.jsonl dense=runs/dense/log.jsonl
"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_log(path):
    with open(path) as log:
        return [json.loads(line) for line in log if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="PNG to write")
    parser.add_argument("--title", default="masked-LM training loss")
    parser.add_argument("curves", nargs="+", metavar="LABEL=LOG")
    args = parser.parse_args()

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    x_label = "step"
    for curve in args.curves:
        label, _, path = curve.partition("=")
        if not path:
            parser.error(f"expected LABEL=LOG, got {curve!r}")
        entries = read_log(path)
        if not entries:
            parser.error(f"{path}: no log lines")
        x_key = "tokens_seen" if "tokens_seen" in entries[0] else "step"
        x_label = "tokens seen" if x_key == "tokens_seen" else "step"
        axes.plot([e[x_key] for e in entries], [e["loss"] for e in entries], label=label, linewidth=1.2)
    axes.set_xlabel(x_label)
    axes.set_ylabel("loss")
    axes.set_title(args.title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
