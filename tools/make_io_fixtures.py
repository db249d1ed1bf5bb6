#!/usr/bin/env python3
"""Writes the small model directories that tests/io reads (tests/data/io/).

Each directory holds a config.json in the layout crammedBERT checkpoints use and the same random
state dict twice: model.safetensors (written by the safetensors library) and pytorch_model.bin
(written by torch.save). Tensor names and shapes follow docs/model.md §3; the values are random with a
fixed seed, so rerunning the script reproduces the files. Needs torch and safetensors.

    python3 tools/make_io_fixtures.py [--out tests/data/io]
"""
import argparse
import collections
import copy
import json
import pathlib

import torch
from safetensors.torch import save_file

BASE_ARCH = {
    "architectures": ["ScriptableCrammedBERT"],
    "num_transformer_layers": 2,
    "hidden_size": 8,
    "intermed_type": "fff",
    "intermed_size": 2,
    "intermed_depth": 2,
    "hidden_dropout_prob": 0.1,
    "norm": "LayerNorm",
    "norm_eps": 1e-12,
    "norm_scheme": "pre",
    "nonlin": "GELU",
    "tie_weights": True,
    "decoder_bias": False,
    "sparse_prediction": 0.25,
    "loss": "cross-entropy",
    "objective_layout": "MLM",
    "embedding": {
        "vocab_size": 30,
        "pos_embedding": "scaled-sinusoidal",
        "dropout_prob": 0.1,
        "pad_token_id": 0,
        "max_seq_length": 16,
        "embedding_dim": 8,
        "normalization": True,
        "stable_low_precision": False,
    },
    "attention": {
        "type": "self-attention",
        "causal_attention": False,
        "num_attention_heads": 2,
        "dropout_prob": 0.1,
        "skip_output_projection": False,
        "qkv_bias": False,
        "rotary_embedding": False,
        "seq_op_in_fp32": False,
        "sequence_op": "torch-softmax",
    },
    "init": {"type": "normal", "std": 0.02},
    "ffn_layer_frequency": 1,
    "skip_head_transform": True,
    "use_bias": False,
    "final_norm": True,
    "num_labels": None,
    "classification_head": {
        "pooler": "avg",
        "include_ff_layer": True,
        "head_dim": 6,
        "nonlin": "Tanh",
        "classifier_dropout": 0.1,
    },
}


def state_dict(arch, num_labels, dtype, generator):
    """A crammedBERT state dict in the order the PyTorch modules register their tensors."""
    hidden = arch["hidden_size"]
    vocab = arch["embedding"]["vocab_size"]
    if arch["intermed_type"] == "fff":
        width = arch["intermed_size"] * (2 ** (arch["intermed_depth"] + 1) - 1)
    else:
        width = arch["intermed_size"]

    def rand(*shape):
        return torch.randn(*shape, generator=generator).to(dtype)

    sd = collections.OrderedDict()
    sd["encoder.embedding.word_embedding.weight"] = rand(vocab, hidden)
    if arch["embedding"]["pos_embedding"] == "learned":
        sd["encoder.embedding.pos_embedding.embedding.weight"] = rand(
            arch["embedding"]["max_seq_length"], hidden)
        # A persistent int64 buffer of cramming's learned positions; it carries no weights.
        sd["encoder.embedding.pos_embedding.position_ids"] = torch.arange(
            arch["embedding"]["max_seq_length"]).expand((1, -1)).contiguous()
    else:
        sd["encoder.embedding.pos_embedding.scale_factor"] = rand(1)
    sd["encoder.embedding.norm.weight"] = rand(hidden)
    sd["encoder.embedding.norm.bias"] = rand(hidden)
    heads = arch["attention"]["num_attention_heads"]
    for i in range(arch["num_transformer_layers"]):
        p = f"encoder.layers.{i}."
        sd[p + "norm1.weight"] = rand(hidden)
        sd[p + "norm1.bias"] = rand(hidden)
        sd[p + "norm2.weight"] = rand(hidden)
        sd[p + "norm2.bias"] = rand(hidden)
        sd[p + "attn.self_attention.query_key_value.weight"] = rand(3 * hidden, hidden)
        sd[p + "attn.self_attention.norm_factor"] = torch.tensor(hidden // heads).rsqrt().to(dtype)
        sd[p + "attn.dense.weight"] = rand(hidden, hidden)
        if arch["intermed_type"] == "fff":
            sd[p + "ffn.linear_in.weight"] = rand(width, hidden)
            sd[p + "ffn.linear_in.bias"] = rand(width)
            sd[p + "ffn.linear_out.weight"] = rand(hidden, width)
        else:
            sd[p + "ffn.dense_in.weight"] = rand(width, hidden)
            sd[p + "ffn.dense_out.weight"] = rand(hidden, width)
    sd["encoder.final_norm.weight"] = rand(hidden)
    sd["encoder.final_norm.bias"] = rand(hidden)
    if num_labels is None:
        # Tied: the same tensor under both names, as the model's state_dict() gives it.
        sd["decoder.weight"] = sd["encoder.embedding.word_embedding.weight"]
    else:
        head_dim = arch["classification_head"]["head_dim"]
        sd["pooler.dense.weight"] = rand(head_dim, hidden)
        sd["pooler.dense.bias"] = rand(head_dim)
        sd["head.weight"] = rand(num_labels, head_dim)
        sd["head.bias"] = rand(num_labels)
    return sd


def write_model(directory, arch, num_labels, dtype, seed, drop_tied_copy):
    directory.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    sd = state_dict(arch, num_labels, dtype, generator)
    arch = copy.deepcopy(arch)
    arch["num_labels"] = num_labels
    config = {"architectures": ["ScriptableLMForPreTraining" if num_labels is None
                                else "ScriptableLMForSequenceClassification"],
              "model_type": "crammedBERT", "arch": arch, "torch_dtype": "float32",
              "transformers_version": "4.35.2"}
    (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    torch.save(sd, directory / "pytorch_model.bin")
    # safetensors refuses tensors sharing memory: drop the tied copy (as Hugging Face's
    # save_pretrained does) or store it as a separate copy.
    flat = collections.OrderedDict()
    for name, tensor in sd.items():
        if name == "decoder.weight" and drop_tied_copy:
            continue
        flat[name] = tensor.clone()
    save_file(flat, directory / "model.safetensors", metadata={"format": "pt"})


def write_views(directory, generator):
    """Storage views torch.save keeps: offsets into a shared storage, a Parameter, a transpose."""
    directory.mkdir(parents=True, exist_ok=True)
    base = torch.randn(4, 3, generator=generator)
    views = collections.OrderedDict()
    views["base"] = base
    views["row"] = base[2]             # storage offset 6, shares base's storage
    views["rows"] = base[1:3]          # storage offset 3
    views["param"] = torch.nn.Parameter(torch.randn(2, 2, generator=generator))
    views["half"] = torch.randn(5, generator=generator).half()
    views["bf16"] = torch.randn(5, generator=generator).bfloat16()
    views["scalar"] = torch.tensor(0.5)
    views["ones"] = torch.ones(2, 1, 3)  # size-1 dimension: any stride is contiguous
    torch.save(views, directory / "views.bin")
    save_file({k: v.detach().clone().contiguous() for k, v in views.items()},
              directory / "views.safetensors")
    torch.save({"transposed": base.t()}, directory / "noncontiguous.bin")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent.parent /
                                              "tests" / "data" / "io"))
    out = pathlib.Path(parser.parse_args().out)

    write_model(out / "fff_mlm", BASE_ARCH, None, torch.float32, seed=1, drop_tied_copy=True)

    dense = copy.deepcopy(BASE_ARCH)
    dense["intermed_type"] = "ff"
    dense["intermed_size"] = 16
    del dense["intermed_depth"]
    dense["embedding"]["pos_embedding"] = "learned"
    write_model(out / "dense_mlm", dense, None, torch.bfloat16, seed=2, drop_tied_copy=False)

    classifier = copy.deepcopy(BASE_ARCH)
    classifier["classification_head"]["pooler"] = "zero_index"
    write_model(out / "fff_cls", classifier, 3, torch.float16, seed=3, drop_tied_copy=False)

    write_views(out / "views", torch.Generator().manual_seed(4))


if __name__ == "__main__":
    main()
