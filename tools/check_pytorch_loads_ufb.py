#!/usr/bin/env python3
"""Checks that a checkpoint ufb wrote (`ufb train mlm` / `ufb train glue`) loads in PyTorch.

The model directory's tokenizer.json is loaded by Hugging Face `tokenizers`, its config.json and
model.safetensors by the independent PyTorch implementation of docs/model.md §2 in
make_model_goldens.py (float64); both run a padded batch of texts, and `ufb dump` runs the same
ids. Prints the largest difference of the final hidden states and of the masked-LM (or
classification) logits relative to their scale, the FFF tokens routed differently (a routing
logit within float32 rounding of 0 can flip), and exits 1 above the tolerance.

    python3 tools/check_pytorch_loads_ufb.py --ufb build/ufb --model runs/fff "some text" ...
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_model_goldens import CrammedBertReference  # noqa: E402

DEFAULT_TEXTS = ["Paris is the capital of France.", "She opened the door and walked into the garden.",
                 "It was the best of times, it was the worst of times."]


def relative_difference(a, b):
    return float(numpy.abs(a - b).max() / max(numpy.abs(b).max(), 1e-30))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ufb", required=True)
    parser.add_argument("--model", required=True, type=pathlib.Path)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("texts", nargs="*", default=DEFAULT_TEXTS)
    args = parser.parse_args()

    tokenizer = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    encodings = [tokenizer.encode(text).ids for text in args.texts]
    length = max(map(len, encodings))
    arch = json.loads((args.model / "config.json").read_text())["arch"]
    pad = arch["embedding"]["pad_token_id"]
    ids = numpy.full((len(encodings), length), pad, dtype=numpy.int64)
    mask = numpy.zeros((len(encodings), length), dtype=numpy.int64)
    for b, encoding in enumerate(encodings):
        ids[b, : len(encoding)] = encoding
        mask[b, : len(encoding)] = 1

    state_dict = load_file(str(args.model / "model.safetensors"))
    reference = CrammedBertReference(arch, state_dict)
    hidden = reference(torch.from_numpy(ids), torch.from_numpy(mask).to(torch.float64))
    if "decoder.weight" in state_dict:
        head_name, head = "mlm_logits", reference.mlm_logits(hidden)
    else:
        head_name, head = "cls_logits", reference.classify(reference.pooler_features(hidden))

    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        numpy.save(work / "ids.npy", ids)
        numpy.save(work / "mask.npy", mask)
        subprocess.run([args.ufb, "dump", "--model", str(args.model), "--input-ids", str(work / "ids.npy"),
                        "--attention-mask", str(work / "mask.npy"), "--out", str(work / "dump")], check=True)
        ufb_hidden = numpy.load(work / "dump" / "hidden.npy")
        ufb_head = numpy.load(work / "dump" / f"{head_name}.npy")
        flipped = 0
        if reference.trace["fff_nodes"]:
            ufb_nodes = numpy.load(work / "dump" / "fff_nodes.npy")
            torch_nodes = torch.stack(reference.trace["fff_nodes"]).numpy()
            real = mask.astype(bool)[None, :, :, None, None]
            flipped = int(((ufb_nodes != torch_nodes) & real).any(axis=(-1, -2)).sum())

    # Padding positions are computed by both but carry nothing: compare the real tokens.
    real = mask.astype(bool)
    hidden_difference = relative_difference(ufb_hidden[real], hidden.numpy()[real])
    head_reference = head.numpy()
    head_difference = relative_difference(ufb_head[real] if head_name == "mlm_logits" else ufb_head,
                                          head_reference[real] if head_name == "mlm_logits" else head_reference)
    print(f"{args.model}: {len(encodings)} texts, {int(real.sum())} tokens; PyTorch (float64) vs ufb: "
          f"hidden {hidden_difference:.2e}, {head_name} {head_difference:.2e} of their scale; "
          f"FFF tokens routed differently: {flipped}; smallest |routing logit| {reference.min_routing_logit:.2e}")
    if max(hidden_difference, head_difference) > args.tolerance and flipped == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
