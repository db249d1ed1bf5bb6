#!/usr/bin/env python3
"""The GLUE dev table of several fine-tuned model sets, with the first set's retention.

Each LABEL=DIR is the OUT of tools/glue_experiment.sh: DIR/<task>/eval_dev/eval_results.json per
task. A task's score is the mean of its metrics x 100 (GLUE's convention); an undefined
correlation (constant predictions) counts as 0, as scikit-learn's Matthews correlation gives
it. Each set's average is over the tasks it has; retention is the first set's average over each
other set's, both over the tasks the two have in common.

    python3 tools/glue_results_table.py FFF=glue/fff dense=glue/dense
"""
import argparse
import json
import pathlib

TASK_ORDER = ["CoLA", "SST-2", "MRPC", "STS-B", "QQP", "MNLI", "QNLI", "RTE", "WNLI"]


def task_scores(directory):
    scores = {}
    for results in sorted(pathlib.Path(directory).glob("*/eval_dev/eval_results.json")):
        data = json.loads(results.read_text())
        metrics = data["metrics"]
        values = [0.0 if v is None else v for v in metrics.values()]
        scores[data["task"]] = (100 * sum(values) / len(values), metrics)
    return scores


def describe(metrics):
    return ", ".join(f"{name} {'undefined' if v is None else f'{100 * v:.1f}'}" for name, v in metrics.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", metavar="LABEL=DIR")
    args = parser.parse_args()
    labelled = [s.partition("=")[::2] for s in args.sets]
    scores = {label: task_scores(directory) for label, directory in labelled}
    present = {t for s in scores.values() for t in s}
    tasks = [t for t in TASK_ORDER if t in present] + sorted(present - set(TASK_ORDER))
    print("| task | " + " | ".join(label for label, _ in labelled) + " |")
    print("|---|" + "---|" * len(labelled))
    for task in tasks:
        cells = [f"{scores[label][task][0]:.1f} ({describe(scores[label][task][1])})" if task in scores[label]
                 else "not run" for label, _ in labelled]
        print(f"| {task} | " + " | ".join(cells) + " |")

    def average(label, over):
        return sum(scores[label][t][0] for t in over) / len(over)

    print("| **average** | " + " | ".join(f"**{average(label, list(scores[label])):.1f}** ({len(scores[label])} tasks)"
                                         for label, _ in labelled) + " |")
    first = labelled[0][0]
    for label, _ in labelled[1:]:
        common = [t for t in tasks if t in scores[first] and t in scores[label]]
        print(f"\n{first} / {label}: {100 * average(first, common) / average(label, common):.1f} % retention "
              f"({average(first, common):.1f} / {average(label, common):.1f}, over {', '.join(common)})")

if __name__ == "__main__":
    main()
