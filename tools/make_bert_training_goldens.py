#!/usr/bin/env python3
"""Writes the golden data of the BERT training parity test (tests/data/train/parity_bert_*).

transformers' BertForMaskedLM and BertForSequenceClassification, initialised by transformers
with a fixed seed, train a tiny model for a few steps in float32 as ufb does: no dropout (eval
mode), torch.optim.AdamW with weight decay on every tensor but biases and LayerNorms,
clip_grad_norm_, one learning rate per step. The batches are padded (attention_mask) and hold
sentence pairs (token_type_ids 0, then 1).

It also writes tests/data/train/bert_mlm/: a tiny BertForMaskedLM (config.json,
model.safetensors) over the 30 tokens of tests/data/cli/tokenizer.json, for the CLI tests of
`ufb train mlm` / `ufb train glue` on BERT.

Per model directory it stores what save_pretrained writes (config.json, model.safetensors: the
initial weights) and goldens.safetensors: the batches (input_ids, token_type_ids: [steps, batch,
length]; lengths: [steps, batch]; labels: [steps, batch, length] for masked LM, [steps, batch]
for classification, targets for regression), the learning rate and the loss of each step and
the weights after the last step ("final.<name>", named without the `bert.` prefix). Needs torch,
transformers and safetensors. Fixed seeds: rerunning reproduces the files.

    python3 tools/make_bert_training_goldens.py [--out tests/data/train]
"""
import argparse
import pathlib

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification

ROOT = pathlib.Path(__file__).resolve().parent.parent
STEPS, BATCH, LENGTH = 4, 3, 12
OPTIMIZER = dict(betas=(0.9, 0.98), eps=1e-12, weight_decay=0.01)
CLIP_NORM = 0.5
IGNORED = -100
MASK_ID = 4


def tiny_config(**changes):
    config = dict(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=24, max_position_embeddings=16, type_vocab_size=2,
                  initializer_range=0.05, pad_token_id=0)
    config.update(changes)
    return BertConfig(**config)


def batches(vocab, generator, masked_lm):
    ids = torch.randint(5, vocab, (STEPS, BATCH, LENGTH), generator=generator)
    lengths = torch.randint(LENGTH // 2, LENGTH + 1, (STEPS, BATCH), generator=generator)
    lengths[:, 0] = LENGTH
    positions = torch.arange(LENGTH)
    mask = positions < lengths[..., None]
    types = (positions >= (lengths[..., None] // 2)).long() * mask
    ids[..., 0] = 2  # [CLS]
    labels = None
    if masked_lm:
        labels = torch.full_like(ids, IGNORED)
        predicted = (torch.rand(ids.shape, generator=generator) < 0.25) & mask
        predicted[..., 1] = True  # every sequence predicts something
        labels[predicted] = ids[predicted]
        ids[predicted] = MASK_ID
    ids[~mask] = 0
    return ids, types, lengths, mask, labels


def write(out_dir, model, seed, head):
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    model.eval()  # no dropout; gradients still flow
    generator = torch.Generator().manual_seed(seed)
    ids, types, lengths, mask, labels = batches(model.config.vocab_size, generator, head == "mlm")
    if head == "classification":
        labels = torch.randint(0, model.config.num_labels, (STEPS, BATCH), generator=generator)
    elif head == "regression":
        labels = torch.rand((STEPS, BATCH), generator=generator) * 5.0
    named = dict(model.named_parameters())
    no_decay = [w for n, w in named.items() if "bias" in n or "LayerNorm" in n]
    decay = [w for n, w in named.items() if not ("bias" in n or "LayerNorm" in n)]
    optimizer = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=1e-3, foreach=False, **OPTIMIZER)
    rates = torch.tensor([3e-3, 2e-3, 1e-3, 5e-4], dtype=torch.float64)
    losses = []
    for step in range(STEPS):
        for group in optimizer.param_groups:
            group["lr"] = float(rates[step])
        optimizer.zero_grad()
        output = model(input_ids=ids[step], token_type_ids=types[step], attention_mask=mask[step].long(),
                       labels=labels[step])
        output.loss.backward()
        torch.nn.utils.clip_grad_norm_(list(named.values()), CLIP_NORM)
        optimizer.step()
        losses.append(output.loss.item())
    goldens = {"input_ids": ids.to(torch.int32), "token_type_ids": types.to(torch.int32),
               "lengths": lengths.to(torch.int32), "learning_rates": rates,
               "losses": torch.tensor(losses, dtype=torch.float64)}
    goldens["labels"] = labels.to(torch.float32 if head == "regression" else torch.int32)
    for name, tensor in model.state_dict().items():
        name = name.removeprefix("bert.")
        if name in ("cls.predictions.decoder.weight", "cls.predictions.decoder.bias", "embeddings.position_ids"):
            continue  # the tied decoder and the decoder bias's alias
        goldens["final." + name] = tensor.detach().clone().contiguous()
    save_file(goldens, str(out_dir / "goldens.safetensors"))
    print(out_dir, "losses", losses)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests/data/train")
    args = parser.parse_args()
    torch.manual_seed(4)
    BertForMaskedLM(tiny_config(vocab_size=30, hidden_act="gelu")).save_pretrained(args.out / "bert_mlm")
    torch.manual_seed(1)
    write(args.out / "parity_bert_mlm", BertForMaskedLM(tiny_config(hidden_act="gelu")), 1, "mlm")
    torch.manual_seed(2)
    write(args.out / "parity_bert_classification",
          BertForSequenceClassification(tiny_config(hidden_act="gelu_new", num_labels=3)), 2, "classification")
    torch.manual_seed(3)
    write(args.out / "parity_bert_regression",
          BertForSequenceClassification(tiny_config(hidden_act="relu", num_labels=1)), 3, "regression")


if __name__ == "__main__":
    main()
