#!/usr/bin/env python3
"""Writes the golden data of the model tests (tests/data/model/).

An independent PyTorch implementation of docs/model.md §2, written from the spec (not from cramming),
runs tiny random crammedBERT models in float64 and stores, per model directory, config.json,
model.safetensors and goldens.safetensors: a padded batch of different lengths (input_ids,
lengths) and what the engine must reproduce (hidden states at every position, padding included;
masked-LM logits at some positions; pooler features and classification logits). It also stores
goldens for the model directories of tests/data/io (io_fixtures/<name>.safetensors).

Every FFF routing logit the reference computes is checked to lie well away from 0, so that
float32 rounding cannot flip a branch; a model whose draw misses that margin is redrawn.
Needs torch, safetensors and numpy. Fixed seeds: rerunning reproduces the files.

    python3 tools/make_model_goldens.py [--out tests/data/model]
"""
import argparse
import copy
import json
import math
import pathlib

import numpy
import torch
from safetensors.torch import load_file, save_file

from make_io_fixtures import BASE_ARCH

ROOT = pathlib.Path(__file__).resolve().parent.parent
# |FFF logit| below this could round to the other branch in float32.
ROUTING_MARGIN = 1e-3


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


class CrammedBertReference(torch.nn.Module):
    """docs/model.md §2 in float64: every position of the padded batch computed, as the original."""

    def __init__(self, arch, state_dict):
        super().__init__()
        self.arch = arch
        self.weights = {name: tensor.to(torch.float64) for name, tensor in state_dict.items()}
        self.min_routing_logit = math.inf
        # What `ufb dump` writes, recorded on the way (docs/model.md §2 names).
        self.trace = {"layer_hidden": [], "fff_nodes": [], "fff_logits": []}

    def w(self, name):
        return self.weights[name]

    def layer_norm(self, x, prefix):
        mean = x.mean(-1, keepdim=True)
        variance = ((x - mean) ** 2).mean(-1, keepdim=True)  # biased
        normed = (x - mean) / torch.sqrt(variance + self.arch["norm_eps"])
        return normed * self.w(prefix + ".weight") + self.w(prefix + ".bias")

    def embed(self, ids):
        hidden = self.arch["hidden_size"]
        e = self.w("encoder.embedding.word_embedding.weight")[ids]
        positions = torch.arange(ids.shape[1], dtype=torch.float64)
        if self.arch["embedding"]["pos_embedding"] == "scaled-sinusoidal":
            frequencies = torch.exp(torch.arange(0, hidden, 2, dtype=torch.float64) *
                                    (-math.log(10000.0) / hidden))
            angles = positions[:, None] * frequencies[None, :]
            table = torch.zeros(ids.shape[1], hidden, dtype=torch.float64)
            table[:, 0::2] = torch.sin(angles)
            table[:, 1::2] = torch.cos(angles[:, : hidden // 2])
            e = e + self.w("encoder.embedding.pos_embedding.scale_factor") * table
        else:
            e = e + self.w("encoder.embedding.pos_embedding.embedding.weight")[: ids.shape[1]]
        if self.arch["embedding"]["normalization"]:
            e = self.layer_norm(e, "encoder.embedding.norm")
        return e

    def attention(self, x, mask, prefix):
        batch, length, hidden = x.shape
        heads = self.arch["attention"]["num_attention_heads"]
        d = hidden // heads
        qkv = x @ self.w(prefix + "self_attention.query_key_value.weight").T
        # Per head h: columns h·3d … h·3d+d−1 query, then d key, then d value.
        qkv = qkv.view(batch, length, heads, 3, d).permute(3, 0, 2, 1, 4)  # [3, B, heads, S, d]
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(-1, -2) * self.w(prefix + "self_attention.norm_factor")
        scores = scores + (-10000.0 * (1.0 - mask))[:, None, None, :]
        context = torch.softmax(scores, dim=-1) @ value  # [B, heads, S, d]
        context = context.permute(0, 2, 1, 3).reshape(batch, length, hidden)
        return context @ self.w(prefix + "dense.weight").T

    def fff(self, x, prefix):
        depth = self.arch["intermed_depth"]
        nodes = 2 ** (depth + 1) - 1
        w_in = self.w(prefix + "linear_in.weight")
        b_in = self.w(prefix + "linear_in.bias")
        w_out = self.w(prefix + "linear_out.weight")
        tokens = x.reshape(-1, x.shape[-1])
        trees = self.arch["intermed_size"]
        y = torch.zeros_like(tokens)
        path_nodes = torch.zeros(tokens.shape[0], trees, depth + 1, dtype=torch.int32)
        path_logits = torch.zeros(tokens.shape[0], trees, depth + 1, dtype=torch.float64)
        for tree in range(trees):
            node = torch.zeros(tokens.shape[0], dtype=torch.long)
            for level in range(depth + 1):
                neuron = tree * nodes + node
                logit = (tokens * w_in[neuron]).sum(-1) + b_in[neuron]
                y += gelu(logit)[:, None] * w_out[:, neuron].T
                self.min_routing_logit = min(self.min_routing_logit, logit.abs().min().item())
                path_nodes[:, tree, level] = node.to(torch.int32)
                path_logits[:, tree, level] = logit
                node = torch.where(logit > 0, 2 * node + 2, 2 * node + 1)
        self.trace["fff_nodes"].append(path_nodes.view(*x.shape[:2], trees, depth + 1))
        self.trace["fff_logits"].append(path_logits.view(*x.shape[:2], trees, depth + 1))
        return y.view_as(x)

    def feedforward(self, x, prefix):
        if self.arch["intermed_type"] == "fff":
            return self.fff(x, prefix + "ffn.")
        return gelu(x @ self.w(prefix + "ffn.dense_in.weight").T) @ self.w(prefix + "ffn.dense_out.weight").T

    def forward(self, ids, mask):
        """Final hidden states [B, S, H] of a padded batch with its 0/1 mask."""
        x = self.embed(ids)
        self.trace["embeddings"] = x
        for i in range(self.arch["num_transformer_layers"]):
            prefix = f"encoder.layers.{i}."
            x = x + self.attention(self.layer_norm(x, prefix + "norm1"), mask, prefix + "attn.")
            x = x + self.feedforward(self.layer_norm(x, prefix + "norm2"), prefix)
            self.trace["layer_hidden"].append(x)
        if self.arch["final_norm"]:
            x = self.layer_norm(x, "encoder.final_norm")
        return x

    def mlm_logits(self, hidden):
        return hidden @ self.w("decoder.weight").T

    def pooler_features(self, hidden):
        if self.arch["classification_head"]["pooler"] == "avg":
            pooled = hidden.mean(dim=1)  # over all S positions, padding included
        else:
            pooled = hidden[:, 0]
        return torch.tanh(pooled @ self.w("pooler.dense.weight").T + self.w("pooler.dense.bias"))

    def classify(self, features):
        return features @ self.w("head.weight").T + self.w("head.bias")


def random_state_dict(arch, num_labels, generator):
    """Weights at trained-like scales: unit-scale activations, FFF logits ~N(0, 1)."""
    hidden = arch["hidden_size"]
    vocab = arch["embedding"]["vocab_size"]
    heads = arch["attention"]["num_attention_heads"]

    def randn(*shape, std=1.0, mean=0.0):
        return mean + std * torch.randn(*shape, generator=generator)

    sd = {"encoder.embedding.word_embedding.weight": randn(vocab, hidden)}
    if arch["embedding"]["pos_embedding"] == "learned":
        sd["encoder.embedding.pos_embedding.embedding.weight"] = randn(
            arch["embedding"]["max_seq_length"], hidden, std=0.5)
    else:
        sd["encoder.embedding.pos_embedding.scale_factor"] = torch.tensor([0.7])

    def norm(prefix):
        sd[prefix + ".weight"] = randn(hidden, std=0.2, mean=1.0)
        sd[prefix + ".bias"] = randn(hidden, std=0.1)

    if arch["embedding"]["normalization"]:
        norm("encoder.embedding.norm")
    for i in range(arch["num_transformer_layers"]):
        p = f"encoder.layers.{i}."
        norm(p + "norm1")
        norm(p + "norm2")
        sd[p + "attn.self_attention.query_key_value.weight"] = randn(3 * hidden, hidden, std=hidden ** -0.5)
        sd[p + "attn.self_attention.norm_factor"] = torch.tensor((hidden // heads) ** -0.5)
        sd[p + "attn.dense.weight"] = randn(hidden, hidden, std=hidden ** -0.5)
        if arch["intermed_type"] == "fff":
            width = arch["intermed_size"] * (2 ** (arch["intermed_depth"] + 1) - 1)
            levels = arch["intermed_depth"] + 1
            sd[p + "ffn.linear_in.weight"] = randn(width, hidden, std=hidden ** -0.5)
            sd[p + "ffn.linear_in.bias"] = randn(width, std=0.3)
            sd[p + "ffn.linear_out.weight"] = randn(hidden, width, std=(levels * arch["intermed_size"]) ** -0.5)
        else:
            width = arch["intermed_size"]
            sd[p + "ffn.dense_in.weight"] = randn(width, hidden, std=hidden ** -0.5)
            sd[p + "ffn.dense_out.weight"] = randn(hidden, width, std=width ** -0.5)
    if arch["final_norm"]:
        norm("encoder.final_norm")
    if num_labels is None:
        sd["decoder.weight"] = sd["encoder.embedding.word_embedding.weight"].clone()  # tied
    else:
        head_dim = arch["classification_head"]["head_dim"]
        sd["pooler.dense.weight"] = randn(head_dim, hidden, std=hidden ** -0.5)
        sd["pooler.dense.bias"] = randn(head_dim, std=0.1)
        sd["head.weight"] = randn(num_labels, head_dim, std=head_dim ** -0.5)
        sd["head.bias"] = randn(num_labels, std=0.1)
    return {name: tensor.to(torch.float32).contiguous() for name, tensor in sd.items()}


def random_batch(arch, lengths, generator):
    """input_ids [B, S] padded with pad_token_id, and the lengths; real tokens may equal the
    pad id (they are still real: the mask comes from the lengths)."""
    vocab = arch["embedding"]["vocab_size"]
    pad = arch["embedding"]["pad_token_id"]
    ids = torch.full((len(lengths), max(lengths)), pad, dtype=torch.int32)
    for b, length in enumerate(lengths):
        ids[b, :length] = torch.randint(0, vocab, (length,), generator=generator, dtype=torch.int32)
    ids[1, 0] = pad
    return ids, torch.tensor(lengths, dtype=torch.int32)


def goldens(arch, state_dict, ids, lengths):
    """Expected outputs and the smallest |FFF routing logit| met on the way."""
    model = CrammedBertReference(arch, state_dict)
    mask = (torch.arange(ids.shape[1])[None, :] < lengths[:, None].long()).to(torch.float64)
    hidden = model(ids.long(), mask)
    out = {"input_ids": ids, "lengths": lengths, "hidden": hidden}
    dump = {"embeddings": model.trace["embeddings"], "layer_hidden": torch.stack(model.trace["layer_hidden"]),
            "hidden": hidden}
    if "decoder.weight" in state_dict:
        # A few real positions of different sequences, in no particular order.
        positions = [(0, 0), (2, lengths[2].item() - 1), (1, 3), (0, lengths[0].item() - 1)]
        out["mlm_positions"] = torch.tensor(positions, dtype=torch.int32)
        out["mlm_logits"] = model.mlm_logits(torch.stack([hidden[b, p] for b, p in positions]))
        dump["mlm_logits"] = model.mlm_logits(hidden)
    else:
        features = model.pooler_features(hidden)
        out["pooler_features"] = features
        out["cls_logits"] = model.classify(features)
        dump["cls_logits"] = out["cls_logits"]
    if model.trace["fff_nodes"]:
        nodes = torch.stack(model.trace["fff_nodes"])
        depth = arch["intermed_depth"]
        dump["fff_nodes"] = nodes
        dump["fff_leaves"] = nodes[..., -1] - (2 ** depth - 1)
        dump["fff_logits"] = torch.stack(model.trace["fff_logits"])
    out.update({"dump." + name: value for name, value in dump.items()})
    out = {k: (v.to(torch.float32) if v.is_floating_point() else v).contiguous() for k, v in out.items()}
    return out, model.min_routing_logit


def make_arch(**changes):
    arch = copy.deepcopy(BASE_ARCH)
    arch.update(hidden_size=16, intermed_size=2, intermed_depth=2)
    arch["embedding"].update(vocab_size=50, max_seq_length=12, embedding_dim=16, pad_token_id=0)
    arch["attention"]["num_attention_heads"] = 2
    arch["classification_head"]["head_dim"] = 8
    for key, value in changes.items():
        if isinstance(value, dict):
            arch[key].update(value)
        elif value is None:
            arch.pop(key, None)
        else:
            arch[key] = value
    return arch


def write_model(directory, arch, num_labels, lengths, seed):
    for attempt in range(100):
        generator = torch.Generator().manual_seed(seed * 1000 + attempt)
        state_dict = random_state_dict(arch, num_labels, generator)
        ids, lengths_tensor = random_batch(arch, lengths, generator)
        expected, margin = goldens(arch, state_dict, ids, lengths_tensor)
        if margin >= ROUTING_MARGIN:
            break
    else:
        raise RuntimeError(f"{directory.name}: no draw keeps FFF logits away from 0")
    directory.mkdir(parents=True, exist_ok=True)
    config_arch = copy.deepcopy(arch)
    config_arch["num_labels"] = num_labels
    config = {"architectures": ["ScriptableLMForPreTraining" if num_labels is None
                                else "ScriptableLMForSequenceClassification"],
              "model_type": "crammedBERT", "arch": config_arch}
    (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(state_dict, directory / "model.safetensors")
    save_file(expected, directory / "goldens.safetensors")
    # The same batch as `ufb dump` takes it: int64 ids and a 0/1 mask, as NumPy files.
    mask = torch.arange(ids.shape[1])[None, :] < lengths_tensor[:, None].long()
    numpy.save(directory / "input_ids.npy", ids.numpy().astype(numpy.int64))
    numpy.save(directory / "attention_mask.npy", mask.numpy().astype(numpy.int64))
    print(f"{directory.name}: min |FFF logit| {margin:.3g}")


def write_io_fixture_goldens(directory):
    """Goldens for the model directories tests/io reads (F32, BF16 and F16 weights)."""
    directory.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(["fff_mlm", "dense_mlm", "fff_cls"]):
        source = ROOT / "tests" / "data" / "io" / name
        arch = json.loads((source / "config.json").read_text())["arch"]
        state_dict = load_file(source / "model.safetensors")
        if "head.weight" not in state_dict:  # tied: the file may store only the embedding
            state_dict.setdefault("decoder.weight", state_dict["encoder.embedding.word_embedding.weight"])
        generator = torch.Generator().manual_seed(100 + seed)
        ids, lengths = random_batch(arch, [7, 16, 3], generator)
        expected, margin = goldens(arch, state_dict, ids, lengths)
        if margin < ROUTING_MARGIN:
            raise RuntimeError(f"{name}: an FFF logit of {margin} is too close to 0")
        save_file(expected, directory / f"{name}.safetensors")
        print(f"io fixture {name}: min |FFF logit| {margin:.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "tests" / "data" / "model"))
    out = pathlib.Path(parser.parse_args().out)
    lengths = [12, 5, 9, 1]  # the longest is max_seq_length; one sequence is a single token
    write_model(out / "fff_mlm", make_arch(), None, lengths, seed=1)
    write_model(out / "dense_mlm", make_arch(intermed_type="ff", intermed_size=24, intermed_depth=None),
                None, lengths, seed=2)
    write_model(out / "fff_learned_mlm",
                make_arch(intermed_size=3, intermed_depth=1,
                          embedding={"pos_embedding": "learned", "normalization": False, "pad_token_id": 3},
                          attention={"num_attention_heads": 4}),
                None, [4, 11, 7], seed=3)
    write_model(out / "fff_cls_avg", make_arch(), 3, lengths, seed=4)
    write_model(out / "fff_cls_zero_index",
                make_arch(intermed_size=1, intermed_depth=3, final_norm=False,
                          classification_head={"pooler": "zero_index"}),
                1, [3, 10, 6], seed=5)
    write_io_fixture_goldens(out / "io_fixtures")


if __name__ == "__main__":
    main()
