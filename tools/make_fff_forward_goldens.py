#!/usr/bin/env python3
"""Goldens for ufb.fff_forward from the FFF authors' package, `fastfeedforward` (PyPI, 0.2.1).

Usage: python tools/make_fff_forward_goldens.py [--out tests/data/python/fff_fastfeedforward.npz]

fastfeedforward's FFF routes with its nodes and answers with a small MLP per leaf; ufb's FFF (the
UltraFastBERT layer) adds GELU(x·W_in[node] + b_in[node])·W_out[node] of every node on the
path. The second is the first with leaf MLPs built from the path: for a tree of depth D, an FFF
of depth D whose node n routes with (W_in[n], b_in[n]) and whose leaf j has width D + 1, hidden
weights and biases the W_in rows and b_in of the D + 1 nodes from the root to ufb's leaf j,
output weights their W_out rows, no output bias, and exact GELU. Several trees are several such
FFFs summed. This script builds those modules from random ufb weights, runs them in eval mode
(hard routing) and stores inputs, ufb weights and the outputs; tests/python/test_fff_forward.py
compares ufb.fff_forward with them. The tests never import torch.
"""

import argparse
import pathlib

import numpy as np
import torch
from fastfeedforward import FFF

ROOT = pathlib.Path(__file__).resolve().parents[1]

# (hidden, depth, trees, tokens): awkward widths, several trees, BERT's width. fastfeedforward's
# eval pass cannot run depth 0 (a tree with no routing node).
CASES = [(13, 3, 1, 17), (33, 5, 2, 40), (100, 6, 1, 50), (768, 3, 1, 6)]


def path_to_leaf(depth: int, leaf: int) -> list:
    """Heap indices of the nodes from the root to leaf number `leaf` of a tree of depth `depth`."""
    node = 2 ** depth - 1 + leaf
    path = [node]
    while node > 0:
        node = (node - 1) // 2
        path.append(node)
    return path[::-1]


def fastfeedforward_tree(w_in, b_in, w_out, depth: int) -> FFF:
    hidden = w_in.shape[1]
    fff = FFF(hidden, depth + 1, hidden, depth, activation=torch.nn.GELU())
    internal = 2 ** depth - 1
    with torch.no_grad():
        fff.node_weights.copy_(torch.from_numpy(w_in[:internal]))
        fff.node_biases.copy_(torch.from_numpy(b_in[:internal, None]))
        for leaf in range(2 ** depth):
            path = path_to_leaf(depth, leaf)
            fff.w1s[leaf].copy_(torch.from_numpy(w_in[path].T))
            fff.b1s[leaf].copy_(torch.from_numpy(b_in[path]))
            fff.w2s[leaf].copy_(torch.from_numpy(w_out[path]))
            fff.b2s[leaf].zero_()
    return fff.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests" / "data" / "python" / "fff_fastfeedforward.npz")
    args = parser.parse_args()
    rng = np.random.default_rng(20261206)
    arrays = {}
    for hidden, depth, trees, tokens in CASES:
        nodes = 2 ** (depth + 1) - 1
        scale = 1.0 / np.sqrt(hidden)
        w_in = (rng.standard_normal((trees * nodes, hidden)) * scale).astype(np.float32)
        b_in = (rng.standard_normal(trees * nodes) * 0.1).astype(np.float32)
        w_out = (rng.standard_normal((trees * nodes, hidden)) * scale).astype(np.float32)
        x = rng.standard_normal((tokens, hidden)).astype(np.float32)
        y = torch.zeros(tokens, hidden)
        with torch.no_grad():
            for tree in range(trees):
                rows = slice(tree * nodes, (tree + 1) * nodes)
                y += fastfeedforward_tree(w_in[rows], b_in[rows], w_out[rows], depth)(torch.from_numpy(x))
        name = f"h{hidden}_d{depth}_t{trees}_n{tokens}"
        arrays.update({f"{name}.x": x, f"{name}.w_in": w_in, f"{name}.b_in": b_in, f"{name}.w_out": w_out,
                       f"{name}.y": y.numpy()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(args.out)
    print(f"wrote {args.out} ({len(CASES)} cases)")


if __name__ == "__main__":
    main()
