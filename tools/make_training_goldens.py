#!/usr/bin/env python3
"""Writes the golden data of the training parity test (tests/data/train/parity_*).

An independent PyTorch implementation of docs/model.md §1-§2, written from the spec, trains a tiny
crammedBERT model (FFF or dense feedforward) for a few masked-LM steps in float32, as ufb does:
the loss is the cross-entropy over the predicted positions only, the decoder is the word
embedding (tied, with nn.Embedding's padding_idx), FFF routing is hard and autograd sends
gradients through the visited nodes only; torch.optim.AdamW with weight decay on every tensor but
biases and norms, clip_grad_norm_, one learning rate per step, no dropout.

Per model directory it stores config.json, model.safetensors (the initial weights) and
goldens.safetensors: the batches (input_ids, labels: [steps, batch, length]), the learning rate
of each step, the loss of each step and the weights after the last step ("final.<name>").
Needs torch, safetensors and numpy. Fixed seeds: rerunning reproduces the files.

    python3 tools/make_training_goldens.py [--out tests/data/train]
"""
import argparse
import json
import math
import pathlib

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
STEPS, BATCH, LENGTH = 5, 3, 16
OPTIMIZER = dict(betas=(0.9, 0.98), eps=1e-12, weight_decay=0.01)
CLIP_NORM = 0.5
IGNORED = -100


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


class Model(torch.nn.Module):
    def __init__(self, arch):
        super().__init__()
        self.arch = arch
        hidden, vocab = arch["hidden_size"], arch["embedding"]["vocab_size"]
        self.params = torch.nn.ParameterDict()
        self.buffers_ = {}

        def add(name, *shape, kind="normal"):
            if kind == "normal":
                value = torch.randn(*shape) * 0.2
            elif kind == "ones":
                value = torch.ones(*shape)
            else:
                value = torch.zeros(*shape)
            self.params[name.replace(".", "/")] = torch.nn.Parameter(value)

        add("encoder.embedding.word_embedding.weight", vocab, hidden)
        with torch.no_grad():
            self.p("encoder.embedding.word_embedding.weight")[arch["embedding"]["pad_token_id"]] = 0
        self.params["encoder/embedding/pos_embedding/scale_factor"] = torch.nn.Parameter(torch.tensor([0.7]))
        for norm in ["encoder.embedding.norm"]:
            add(norm + ".weight", hidden, kind="ones")
            add(norm + ".bias", hidden, kind="zeros")
        width = self.width()
        for i in range(arch["num_transformer_layers"]):
            prefix = f"encoder.layers.{i}."
            for norm in ["norm1", "norm2"]:
                add(prefix + norm + ".weight", hidden, kind="ones")
                add(prefix + norm + ".bias", hidden, kind="zeros")
            add(prefix + "attn.self_attention.query_key_value.weight", 3 * hidden, hidden)
            heads = arch["attention"]["num_attention_heads"]
            self.buffers_[prefix + "attn.self_attention.norm_factor"] = torch.tensor(hidden // heads).rsqrt()
            add(prefix + "attn.dense.weight", hidden, hidden)
            if self.fff():
                add(prefix + "ffn.linear_in.weight", width, hidden)
                add(prefix + "ffn.linear_in.bias", width, kind="normal")
                add(prefix + "ffn.linear_out.weight", hidden, width)
            else:
                add(prefix + "ffn.dense_in.weight", width, hidden)
                add(prefix + "ffn.dense_out.weight", hidden, width)
        add("encoder.final_norm.weight", hidden, kind="ones")
        add("encoder.final_norm.bias", hidden, kind="zeros")

    def fff(self):
        return self.arch["intermed_type"] == "fff"

    def width(self):
        if self.fff():
            return self.arch["intermed_size"] * (2 ** (self.arch["intermed_depth"] + 1) - 1)
        return self.arch["intermed_size"]

    def p(self, name):
        return self.params[name.replace(".", "/")]

    def named_weights(self):
        return {name.replace("/", "."): tensor for name, tensor in self.params.items()}

    def state_dict_for_file(self):
        weights = {name: tensor.detach().clone() for name, tensor in self.named_weights().items()}
        weights.update({name: tensor.clone() for name, tensor in self.buffers_.items()})
        weights["decoder.weight"] = weights["encoder.embedding.word_embedding.weight"].clone()
        return weights

    def norm(self, x, prefix):
        return F.layer_norm(x, x.shape[-1:], self.p(prefix + ".weight"), self.p(prefix + ".bias"),
                            self.arch["norm_eps"])

    def fff_layer(self, x, prefix):
        trees, depth = self.arch["intermed_size"], self.arch["intermed_depth"]
        nodes = 2 ** (depth + 1) - 1
        w_in, b_in = self.p(prefix + "ffn.linear_in.weight"), self.p(prefix + "ffn.linear_in.bias")
        w_out = self.p(prefix + "ffn.linear_out.weight")
        y = torch.zeros_like(x)
        for tree in range(trees):
            node = torch.zeros(x.shape[0], dtype=torch.long)
            for _ in range(depth + 1):
                neuron = tree * nodes + node
                logit = (x * w_in[neuron]).sum(-1) + b_in[neuron]
                y = y + gelu(logit)[:, None] * w_out[:, neuron].T
                node = torch.where(logit > 0, 2 * node + 2, 2 * node + 1)
        return y

    def forward(self, ids, labels):
        arch = self.arch
        batch, length = ids.shape
        hidden = arch["hidden_size"]
        heads = arch["attention"]["num_attention_heads"]
        d = hidden // heads
        words = F.embedding(ids, self.p("encoder.embedding.word_embedding.weight"),
                            padding_idx=arch["embedding"]["pad_token_id"])
        frequencies = torch.exp(torch.arange(0, hidden, 2, dtype=torch.float32) * (-math.log(10000.0) / hidden))
        angles = torch.arange(length, dtype=torch.float32)[:, None] * frequencies[None, :]
        table = torch.zeros(length, hidden)
        table[:, 0::2] = torch.sin(angles)
        table[:, 1::2] = torch.cos(angles)
        x = self.norm(words + self.p("encoder.embedding.pos_embedding.scale_factor") * table, "encoder.embedding.norm")
        for i in range(arch["num_transformer_layers"]):
            prefix = f"encoder.layers.{i}."
            qkv = self.norm(x, prefix + "norm1") @ self.p(prefix + "attn.self_attention.query_key_value.weight").T
            qkv = qkv.view(batch, length, heads, 3 * d).transpose(1, 2)
            q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
            scores = (q @ k.transpose(-1, -2)) * self.buffers_[prefix + "attn.self_attention.norm_factor"]
            context = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(batch, length, hidden)
            x = x + context @ self.p(prefix + "attn.dense.weight").T
            normed = self.norm(x, prefix + "norm2").reshape(-1, hidden)
            if self.fff():
                update = self.fff_layer(normed, prefix)
            else:
                update = gelu(normed @ self.p(prefix + "ffn.dense_in.weight").T) @ self.p(prefix + "ffn.dense_out.weight").T
            x = x + update.view(batch, length, hidden)
        x = self.norm(x, "encoder.final_norm").reshape(-1, hidden)
        predicted = labels.reshape(-1) != IGNORED
        logits = x[predicted] @ self.p("encoder.embedding.word_embedding.weight").T
        return F.cross_entropy(logits, labels.reshape(-1)[predicted])


def batches(vocab, generator):
    ids = torch.randint(5, vocab, (STEPS, BATCH, LENGTH), generator=generator)
    labels = torch.full_like(ids, IGNORED)
    predicted = torch.rand(ids.shape, generator=generator) < 0.25
    labels[predicted] = ids[predicted]
    ids[predicted] = 4  # the mask id of tests/data/cli/tokenizer.json
    return ids.to(torch.int32), labels.to(torch.int32)


def write(out_dir, arch_changes, seed):
    config = json.loads((ROOT / "tests/data/train/config.json").read_text())
    config["arch"].update(arch_changes)
    torch.manual_seed(seed)
    model = Model(config["arch"])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(model.state_dict_for_file(), str(out_dir / "model.safetensors"))

    weights = model.named_weights()
    no_decay = [w for n, w in weights.items() if "bias" in n or "norm" in n]
    decay = [w for n, w in weights.items() if not ("bias" in n or "norm" in n)]
    optimizer = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=1e-3, foreach=False, **OPTIMIZER)
    ids, labels = batches(config["arch"]["embedding"]["vocab_size"], torch.Generator().manual_seed(seed))
    rates = torch.tensor([3e-3, 2e-3, 2e-3, 1e-3, 5e-4], dtype=torch.float64)
    losses = []
    for step in range(STEPS):
        for group in optimizer.param_groups:
            group["lr"] = float(rates[step])
        optimizer.zero_grad()
        loss = model(ids[step].long(), labels[step].long())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(weights.values()), CLIP_NORM)
        optimizer.step()
        losses.append(loss.item())
    goldens = {"input_ids": ids, "labels": labels, "learning_rates": rates,
               "losses": torch.tensor(losses, dtype=torch.float64)}
    for name, tensor in model.state_dict_for_file().items():
        goldens["final." + name] = tensor
    save_file(goldens, str(out_dir / "goldens.safetensors"))
    print(out_dir, "losses", losses)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests/data/train")
    args = parser.parse_args()
    write(args.out / "parity_fff", {}, 1)
    write(args.out / "parity_dense", {"intermed_type": "ff", "intermed_size": 24, "intermed_depth": 0}, 2)


if __name__ == "__main__":
    main()
