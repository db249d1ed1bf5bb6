"""ufb.fff_forward (the native FFF kernel) against a NumPy reference of docs/model.md §1: at
each level l = x·W_in[node] + b_in[node], y += GELU_erf(l)·W_out[node], then node 2·node+2 if
l > 0 else 2·node+1; the trees' outputs add. Routing must be identical, outputs equal to float32
rounding. And against the FFF authors' own package, `fastfeedforward`, in eval mode, through
goldens from tools/make_fff_forward_goldens.py (which says how its leaf MLPs express this layer)."""

import math

import numpy as np
import pytest

import ufb
from paths import DATA

erf = np.vectorize(math.erf)


def reference(x, w_in, b_in, w_out, depth, trees):
    """In float64: (y, leaves [tokens, trees], nodes [tokens, trees, depth+1])."""
    x, w_in, b_in, w_out = (np.asarray(a, dtype=np.float64) for a in (x, w_in, b_in, w_out))
    nodes_per_tree = 2 ** (depth + 1) - 1
    tokens = x.shape[0]
    y = np.zeros_like(x)
    nodes = np.zeros((tokens, trees, depth + 1), dtype=np.int32)
    for tree in range(trees):
        node = np.zeros(tokens, dtype=np.int64)
        for level in range(depth + 1):
            neuron = tree * nodes_per_tree + node
            logit = np.einsum("th,th->t", x, w_in[neuron]) + b_in[neuron]
            gelu = 0.5 * logit * (1.0 + erf(logit / math.sqrt(2.0)))
            y += gelu[:, None] * w_out[neuron]
            nodes[:, tree, level] = node
            node = np.where(logit > 0, 2 * node + 2, 2 * node + 1)
    return y, nodes[:, :, -1], nodes


def weights(rng, hidden, depth, trees):
    neurons = trees * (2 ** (depth + 1) - 1)
    scale = 1.0 / math.sqrt(hidden)
    return (rng.standard_normal((neurons, hidden), dtype=np.float32) * scale,
            rng.standard_normal(neurons, dtype=np.float32) * 0.1,
            rng.standard_normal((neurons, hidden), dtype=np.float32) * scale)


# Awkward sizes: hidden sizes that fill no SIMD vector evenly, depth 0 (one neuron), several
# trees, batches of one token, of odd sizes and large enough to bucket by subtree.
CASES = [(1, 0, 1, 1), (7, 1, 1, 5), (13, 3, 2, 17), (33, 5, 3, 130), (100, 7, 1, 64), (768, 11, 1, 33),
         (65, 4, 4, 1000)]


@pytest.mark.parametrize("hidden,depth,trees,tokens", CASES)
def test_fff_forward_equals_numpy_reference(hidden, depth, trees, tokens):
    rng = np.random.default_rng(hidden * 1000 + depth * 10 + trees)
    w_in, b_in, w_out = weights(rng, hidden, depth, trees)
    x = rng.standard_normal((tokens, hidden), dtype=np.float32)
    y, leaves, nodes = ufb.fff_forward(x, w_in, b_in, w_out, depth, trees)
    expected_y, expected_leaves, expected_nodes = reference(x, w_in, b_in, w_out, depth, trees)
    np.testing.assert_array_equal(nodes, expected_nodes)
    np.testing.assert_array_equal(leaves, expected_leaves)
    assert y.shape == (tokens, hidden) and y.dtype == np.float32
    scale = max(1.0, float(np.abs(expected_y).max()))
    np.testing.assert_allclose(y, expected_y, rtol=0, atol=1e-5 * scale)


def test_fff_forward_converts_float64_lists_and_fortran_order():
    rng = np.random.default_rng(7)
    w_in, b_in, w_out = weights(rng, 16, 2, 1)
    x = rng.standard_normal((9, 16), dtype=np.float32)
    expected = ufb.fff_forward(x, w_in, b_in, w_out, 2)
    actual = ufb.fff_forward(np.asfortranarray(x.astype(np.float64)), w_in.astype(np.float64), b_in.tolist(),
                             np.asfortranarray(w_out), 2)
    for got, wanted in zip(actual, expected):
        np.testing.assert_array_equal(got, wanted)


@pytest.mark.parametrize("change,message", [
    (dict(depth=17), r"depth must be 0\.\.16, not 17"),
    (dict(depth=-1), r"depth must be 0\.\.16, not -1"),
    (dict(trees=0), r"trees must be at least 1, not 0"),
    (dict(trees=2), r"w_in has shape \[7, 4\], expected \[14, 4\]"),
    (dict(x=np.zeros(4, dtype=np.float32)), r"x must be 2-D \[tokens, hidden\], not 1-D"),
    (dict(b_in=np.zeros(6, dtype=np.float32)), r"b_in has shape \[6\], expected \[7\]"),
    (dict(w_out=np.zeros((4, 7), dtype=np.float32)), r"w_out has shape \[4, 7\], expected \[7, 4\]"),
    (dict(x="text"), r"fff_forward: x: expected a float32 array"),
    (dict(depth=2.0), r"depth must be an int, not float"),
])
def test_fff_forward_refuses_bad_input(change, message):
    arguments = dict(x=np.ones((3, 4), dtype=np.float32), w_in=np.ones((7, 4), dtype=np.float32),
                     b_in=np.ones(7, dtype=np.float32), w_out=np.ones((7, 4), dtype=np.float32), depth=2, trees=1)
    arguments.update(change)
    with pytest.raises(ufb.Error, match=message):
        ufb.fff_forward(**arguments)


def test_fff_forward_with_no_tokens():
    y, leaves, nodes = ufb.fff_forward(np.zeros((0, 4), np.float32), np.ones((3, 4), np.float32),
                                       np.ones(3, np.float32), np.ones((3, 4), np.float32), 1)
    assert y.shape == (0, 4) and leaves.shape == (0, 1) and nodes.shape == (0, 1, 2)


FASTFEEDFORWARD = DATA / "python" / "fff_fastfeedforward.npz"


def fastfeedforward_cases():
    with np.load(FASTFEEDFORWARD) as goldens:
        return sorted({name.split(".")[0] for name in goldens.files})


@pytest.mark.parametrize("case", fastfeedforward_cases())
def test_fff_forward_equals_fastfeedforward(case):
    """The leaf MLPs differ from leaf to leaf, so equal outputs also mean equal routing."""
    hidden, depth, trees, tokens = (int(part[1:]) for part in case.split("_"))
    with np.load(FASTFEEDFORWARD) as goldens:
        x, w_in, b_in, w_out, expected = (goldens[f"{case}.{key}"] for key in ("x", "w_in", "b_in", "w_out", "y"))
    assert x.shape == (tokens, hidden)
    y, _, _ = ufb.fff_forward(x, w_in, b_in, w_out, depth, trees)
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-5 * max(1.0, float(np.abs(expected).max())))
