#!/usr/bin/env python3
"""Writes the FFF member of the BERT family, tiny, with goldens (tests/data/bert/fff_base/).

docs/model.md §5: a BERT whose intermediate/output dense pair is replaced in every layer by T
fast feedforward trees of depth D (§1) plus an output bias; everything else is transformers'
BertModel. The reference is transformers' own BertModel (float64, eval, eager attention) with
each layer's `intermediate` swapped for the trees and `output.dense` for the identity, so that
`output.LayerNorm(trees(h) + b + h)` runs exactly where BERT's feedforward would. Trees are
evaluated per docs/model.md §1 (every visited neuron contributes; strictly positive goes right);
every routing logit is checked to lie well away from 0 so float32 rounding cannot flip a branch.

Writes config.json (transformers' BertConfig plus feedforward_type "fff", fff_depth, fff_trees),
model.safetensors with ufb's names for the trees (encoder.layer.<i>.fff.linear_in.weight
[T·M, H], fff.linear_in.bias [T·M], fff.linear_out.weight [H, T·M], fff.linear_out.bias [H]),
and goldens.safetensors as tools/make_bert_goldens.py does (input_ids, lengths, token_type_ids,
hidden, pooler_output). Fixed seeds.

    python3 tools/make_bert_fff_goldens.py [--out tests/data/bert]
"""
import argparse
import json
import math
import pathlib
import shutil

import torch
from safetensors.torch import save_file
from transformers import BertModel

from make_bert_goldens import SEQ, make_batch, make_config, randomize

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPTH, TREES, VOCAB, SEED = 2, 2, 90, 21
ROUTING_MARGIN = 1e-3


class Trees(torch.nn.Module):
    """T FFF trees of depth D over the hidden state, with an output bias (docs/model.md §1, §5)."""

    def __init__(self, hidden, generator):
        super().__init__()
        nodes = TREES * ((2 << DEPTH) - 1)
        self.w_in = torch.nn.Parameter(0.3 * torch.randn(nodes, hidden, generator=generator, dtype=torch.float64))
        self.b_in = torch.nn.Parameter(0.2 * torch.randn(nodes, generator=generator, dtype=torch.float64))
        self.w_out = torch.nn.Parameter(0.3 * torch.randn(hidden, nodes, generator=generator, dtype=torch.float64))
        self.b_out = torch.nn.Parameter(0.2 * torch.randn(hidden, generator=generator, dtype=torch.float64))
        self.smallest_logit = math.inf

    def forward(self, x):
        tokens = x.reshape(-1, x.shape[-1])
        y = self.b_out.expand(tokens.shape[0], -1).clone()
        per_tree = (2 << DEPTH) - 1
        for tree in range(TREES):
            node = torch.zeros(tokens.shape[0], dtype=torch.int64)
            for level in range(DEPTH + 1):
                row = tree * per_tree + node
                logit = (tokens * self.w_in[row]).sum(-1) + self.b_in[row]
                self.smallest_logit = min(self.smallest_logit, logit.abs().min().item())
                gelu = 0.5 * logit * (1.0 + torch.erf(logit / math.sqrt(2.0)))
                y = y + gelu[:, None] * self.w_out[:, row].T
                if level < DEPTH:
                    node = torch.where(logit > 0, 2 * node + 2, 2 * node + 1)
        return y.reshape(x.shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests" / "data" / "bert")
    args = parser.parse_args()
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(1000 + SEED)
    config = make_config(dict(vocab=VOCAB, hidden_act="gelu"))
    config._attn_implementation = "eager"
    model = BertModel(config)
    randomize(model, generator)
    model = model.double().eval()
    trees = []
    for layer in model.encoder.layer:
        layer.intermediate = Trees(config.hidden_size, generator)
        layer.output.dense = torch.nn.Identity()
        trees.append(layer.intermediate)

    input_ids, token_types, lengths, mask = make_batch(VOCAB, generator)
    with torch.no_grad():
        result = model(input_ids=input_ids, attention_mask=mask, token_type_ids=token_types)
    margin = min(tree.smallest_logit for tree in trees)
    assert margin > ROUTING_MARGIN, f"a routing logit is {margin:.2e} from 0: change SEED"

    state = {}
    for name, tensor in model.state_dict().items():
        for tree_name, ufb_name in (("intermediate.w_in", "fff.linear_in.weight"),
                                    ("intermediate.b_in", "fff.linear_in.bias"),
                                    ("intermediate.w_out", "fff.linear_out.weight"),
                                    ("intermediate.b_out", "fff.linear_out.bias")):
            name = name.replace(tree_name, ufb_name)
        state[name] = tensor.float().contiguous()
    directory = args.out / "fff_base"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    config_json = json.loads(config.to_json_string())
    config_json.update(feedforward_type="fff", fff_depth=DEPTH, fff_trees=TREES)
    del config_json["intermediate_size"]
    (directory / "config.json").write_text(json.dumps(config_json, indent=2, sort_keys=True) + "\n")
    save_file(state, str(directory / "model.safetensors"))
    batch = input_ids.shape[0]
    save_file({
        "input_ids": input_ids.to(torch.int32).contiguous(),
        "lengths": lengths.to(torch.int32).contiguous(),
        "token_type_ids": token_types.to(torch.int32).contiguous(),
        "hidden": result.last_hidden_state.reshape(batch * SEQ, -1).float().contiguous(),
        "pooler_output": result.pooler_output.float().contiguous(),
    }, str(directory / "goldens.safetensors"))
    print(f"fff_base: {len(state)} tensors, smallest routing logit {margin:.3f}")


if __name__ == "__main__":
    main()
