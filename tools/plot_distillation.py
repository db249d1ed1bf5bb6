#!/usr/bin/env python3
"""Quality against speed of distilled students (docs/distillation.png) from the JSON lines of
tools/distill_eval.py: STS-B dev Spearman x100 against `ufb embed` speed-up over the teacher
(its first line), each point labelled with its shape and feedforward FLOP reduction.

Usage: tools/plot_distillation.py results.jsonl out.png
"""
import json
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    teacher = rows[0]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        speedup = teacher["ms_per_sentence"] / row["ms_per_sentence"]
        name = os.path.basename(row["model"].rstrip("/"))
        ax.scatter(speedup, row["spearman"], color="tab:red" if row is teacher else "tab:blue")
        label = f"{name} (teacher)" if row is teacher else f"{name}\n{row['ff_flops_reduction']:.0f}x fewer FF FLOPs"
        ax.annotate(label, (speedup, row["spearman"]), textcoords="offset points", xytext=(6, -10), fontsize=7)
    ax.axhline(0.96 * teacher["spearman"], color="gray", linestyle="--", linewidth=1)
    ax.text(ax.get_xlim()[0], 0.96 * teacher["spearman"], " 96 % of the teacher", va="bottom", fontsize=7, color="gray")
    ax.set_xlabel(f"ufb embed speed-up over the teacher ({teacher['threads']} threads, {teacher['dtype']}, batch 32)")
    ax.set_ylabel("STS-B dev Spearman x100 (zero-shot)")
    ax.set_title("all-MiniLM-L6-v2 distilled into FFF students")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    folder = os.path.dirname(os.path.abspath(sys.argv[2]))
    with tempfile.NamedTemporaryFile(suffix=".png", dir=folder, delete=False) as f:
        fig.savefig(f.name, dpi=120)
    os.chmod(f.name, 0o644)
    os.replace(f.name, sys.argv[2])


if __name__ == "__main__":
    main()
