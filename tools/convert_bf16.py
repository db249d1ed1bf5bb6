#!/usr/bin/env python3
"""Rounds every tensor of a safetensors file to bfloat16 (half the bytes; the engine widens bf16
to float32 on loading), keeping the metadata. How the built-in model was made small enough to ship.

    python3 tools/convert_bf16.py runs/mini/model.safetensors models/ufb-mini-fff/model.safetensors
"""
import argparse

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("destination")
    args = parser.parse_args()
    with safe_open(args.source, "pt") as source:
        metadata = source.metadata()
    tensors = {name: t.to(torch.bfloat16).contiguous() for name, t in load_file(args.source).items()}
    save_file(tensors, args.destination, metadata=metadata)
    print(f"{args.destination}: {len(tensors)} tensors, {sum(t.numel() for t in tensors.values())} values in bf16")


if __name__ == "__main__":
    main()
