#!/usr/bin/env python3
"""Writes tests/data/glue/models/SST-2: a tiny random two-label classification model.

The GLUE command tests need a model whose num_labels fits the binary GLUE tasks (the models of
tests/data/model have 3 labels and 1). It is drawn like those models, by make_model_goldens.py,
with its own seed; its goldens are not needed and not kept. Needs torch and safetensors.

    python3 tools/make_glue_test_model.py
"""
import pathlib

from make_model_goldens import ROOT, make_arch, write_model


def main():
    directory = ROOT / "tests" / "data" / "glue" / "models" / "SST-2"
    write_model(directory, make_arch(), 2, [12, 5, 9, 1], seed=6)
    (directory / "goldens.safetensors").unlink()


if __name__ == "__main__":
    main()
