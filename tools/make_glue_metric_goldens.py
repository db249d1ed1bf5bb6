"""Expected GLUE metric values from scikit-learn and SciPy, for tests/data/glue/metric_goldens.json.

The GLUE reference code scores tasks with sklearn's accuracy_score, f1_score and
matthews_corrcoef and SciPy's pearsonr and spearmanr; ufb's own implementations are tested
against these values. Needs numpy, scikit-learn and scipy (e.g. in a virtual environment):

    python3 tools/make_glue_metric_goldens.py
"""
import json
import pathlib

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

ROOT = pathlib.Path(__file__).resolve().parent.parent


def classification_case(rng, size, classes, agreement):
    labels = rng.integers(0, classes, size)
    noise = rng.integers(0, classes, size)
    predictions = np.where(rng.random(size) < agreement, labels, noise)
    return {
        "predictions": predictions.tolist(),
        "labels": labels.tolist(),
        "accuracy": accuracy_score(labels, predictions),
        # GLUE's F1 is binary; for more classes it is still the F1 of class 1 against the rest.
        "f1": f1_score(labels == 1, predictions == 1, zero_division=0),
        "matthews": matthews_corrcoef(labels, predictions),
    }


def regression_case(rng, size, step):
    targets = rng.uniform(0, 5, size)
    predictions = targets + rng.normal(0, 1.5, size)
    if step:  # rounding makes ties, which Spearman must rank by their average
        targets = np.round(targets / step) * step
        predictions = np.round(predictions / step) * step
    targets, predictions = np.round(targets, 4), np.round(predictions, 4)  # short, exact in the JSON
    return {
        "predictions": predictions.tolist(),
        "targets": targets.tolist(),
        "pearson": float(pearsonr(predictions, targets)[0]),
        "spearman": float(spearmanr(predictions, targets)[0]),
    }


def main():
    rng = np.random.default_rng(20261126)
    classification = [classification_case(rng, size, classes, agreement)
                      for size, classes, agreement in [(1, 2, 1.0), (7, 2, 0.5), (33, 2, 0.8), (257, 2, 0.6),
                                                       (300, 2, 0.9), (50, 3, 0.7), (301, 3, 0.4)]]
    regression = [regression_case(rng, size, step)
                  for size, step in [(2, 0), (9, 0), (101, 0), (400, 0), (17, 1.0), (200, 0.2), (300, 0.5)]]
    out = ROOT / "tests" / "data" / "glue" / "metric_goldens.json"
    out.write_text(json.dumps({"classification": classification, "regression": regression}) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
