#!/usr/bin/env python3
"""Writes tiny Hugging Face BERT checkpoints and their goldens (tests/data/bert/<name>/).

The test data of docs/model.md §5 (the `model_type: "bert"` family): each directory is a
checkpoint exactly as transformers writes it (`save_pretrained(dir, safe_serialization=True)`:
config.json and model.safetensors), built with transformers' own classes, plus
goldens.safetensors computed by transformers itself in float64 (`model.double()`, eval mode,
eager attention) on one right-padded batch of 4 sequences of different lengths, two of them
pairs (token_type_ids 1 on the second segment, its final [SEP] included).

Models (hidden 32, 2 layers, 4 heads, intermediate 48, max_position_embeddings 16, 2 token types):
  mlm_gelu            BertForMaskedLM, gelu (erf), tie_word_embeddings, vocab 77
  mlm_prefix_variant  the same checkpoint and goldens with the tensor names transformers does not
                      write: transformers writes `bert.embeddings...`, `cls.predictions...`; this
                      one has the `bert.` prefix stripped (`embeddings...`, `cls.predictions...`)
  base_gelu_new       BertModel with pooler, gelu_new (tanh), layer_norm_eps 1e-7
  cls_single_relu     BertForSequenceClassification, 3 labels, single_label_classification, relu
  cls_multi_label     4 labels, multi_label_classification, gelu_pytorch_tanh
  cls_regression      1 label, regression, gelu

After transformers' initialisation every parameter is overwritten with random values of a
scale that makes each of them matter (matrices and embeddings N(0, 0.3), biases N(0, 0.2),
LayerNorm weights 1 + N(0, 0.2), LayerNorm biases N(0, 0.2)), so a test that drops a bias,
a LayerNorm or the token types fails clearly.

goldens.safetensors (the C++ tests read these names):
  input_ids       [B, S] I32   0 ([PAD]) at padded positions; 2 = [CLS], 3 = [SEP]
  lengths         [B] I32
  token_type_ids  [B, S] I32
  hidden          [B*S, H] F32 last_hidden_state at every position, padding positions included
  pooler_output   [B, H] F32   models with a pooler (base_gelu_new, cls_*)
  mlm_positions   [K, 2] I32   (sequence, position), MLM models
  mlm_logits      [K, V] F32   MLM models
  logits          [B, num_labels] F32 classifiers (before softmax / sigmoid)

Needs torch, transformers, safetensors, numpy (tools/requirements-reference.txt). Fixed seeds:
rerunning with the same package versions reproduces the files byte for byte.

    python3 tools/make_bert_goldens.py [--out tests/data/bert]
"""
import argparse
import pathlib
import shutil

import numpy
import torch
from safetensors.numpy import save_file as save_numpy
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAD, CLS, SEP = 0, 2, 3
FIRST_WORD = 5  # ids below are [PAD], [UNK], [CLS], [SEP], [MASK]
SEQ = 12        # padded batch length (max_position_embeddings is 16)

MODELS = {
    "mlm_gelu": dict(cls=BertForMaskedLM, seed=11, vocab=77, hidden_act="gelu",
                     tie_word_embeddings=True),
    "base_gelu_new": dict(cls=BertModel, seed=12, vocab=90, hidden_act="gelu_new",
                          layer_norm_eps=1e-7),
    "cls_single_relu": dict(cls=BertForSequenceClassification, seed=13, vocab=90, hidden_act="relu",
                            num_labels=3, problem_type="single_label_classification"),
    "cls_multi_label": dict(cls=BertForSequenceClassification, seed=14, vocab=90,
                            hidden_act="gelu_pytorch_tanh", num_labels=4,
                            problem_type="multi_label_classification"),
    "cls_regression": dict(cls=BertForSequenceClassification, seed=15, vocab=90, hidden_act="gelu",
                           num_labels=1, problem_type="regression"),
}


def make_config(spec):
    extra = {k: v for k, v in spec.items() if k not in ("cls", "seed", "vocab")}
    return BertConfig(vocab_size=spec["vocab"], hidden_size=32, num_hidden_layers=2,
                      num_attention_heads=4, intermediate_size=48, max_position_embeddings=16,
                      type_vocab_size=2, pad_token_id=PAD, **extra)


def randomize(model, generator):
    """Overwrites every parameter with values of a scale that matters (tied ones once)."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            shape = parameter.shape
            noise = torch.randn(shape, generator=generator, dtype=torch.float64)
            if "LayerNorm.weight" in name:
                value = 1.0 + 0.2 * noise
            elif parameter.dim() == 1:
                value = 0.2 * noise
            else:
                value = 0.3 * noise
            parameter.copy_(value.to(parameter.dtype))


def make_batch(vocab, generator):
    """4 sequences, right-padded to SEQ: single (12 = full), pair (9), single (5), pair (11)."""
    layouts = [(10, None), (4, 3), (3, None), (3, 5)]  # words of the first and second text
    input_ids = torch.full((len(layouts), SEQ), PAD, dtype=torch.int64)
    token_types = torch.zeros_like(input_ids)
    lengths = []
    for row, (first, second) in enumerate(layouts):
        words = lambda n: torch.randint(FIRST_WORD, vocab, (n,), generator=generator).tolist()
        ids = [CLS] + words(first) + [SEP]
        types = [0] * len(ids)
        if second is not None:
            ids += words(second) + [SEP]
            types += [1] * (second + 1)
        input_ids[row, :len(ids)] = torch.tensor(ids)
        token_types[row, :len(ids)] = torch.tensor(types)
        lengths.append(len(ids))
    lengths = torch.tensor(lengths)
    mask = (torch.arange(SEQ)[None, :] < lengths[:, None]).to(torch.int64)
    return input_ids, token_types, lengths, mask


def goldens(name, spec, model, generator):
    model = model.double().eval()
    input_ids, token_types, lengths, mask = make_batch(spec["vocab"], generator)
    batch, hidden_size = input_ids.shape[0], model.config.hidden_size
    out = {
        "input_ids": input_ids.to(torch.int32),
        "lengths": lengths.to(torch.int32),
        "token_type_ids": token_types.to(torch.int32),
    }
    with torch.no_grad():
        kwargs = dict(input_ids=input_ids, attention_mask=mask, token_type_ids=token_types)
        if isinstance(model, BertModel):
            result = model(**kwargs)
            hidden, pooled = result.last_hidden_state, result.pooler_output
        else:
            result = model(**kwargs, output_hidden_states=True)
            hidden = result.hidden_states[-1]
            pooled = model.bert(**kwargs).pooler_output if model.bert.pooler is not None else None
            if isinstance(model, BertForSequenceClassification):
                out["logits"] = result.logits.float()
            else:
                # Some positions of every sequence, the first ([CLS]) and last real one among them.
                picks = []
                for row in range(batch):
                    n = int(lengths[row])
                    chosen = sorted({0, n - 1, *torch.randperm(n, generator=generator)[:2].tolist()})
                    picks += [(row, position) for position in chosen]
                positions = torch.tensor(picks)
                out["mlm_positions"] = positions.to(torch.int32)
                out["mlm_logits"] = result.logits[positions[:, 0], positions[:, 1]].float()
        out["hidden"] = hidden.reshape(batch * SEQ, hidden_size).float()
        if pooled is not None:
            out["pooler_output"] = pooled.float()
    return {k: v.contiguous() for k, v in out.items()}


def write(out_dir, name, spec):
    torch.manual_seed(spec["seed"])
    generator = torch.Generator().manual_seed(1000 + spec["seed"])
    config = make_config(spec)
    config._attn_implementation = "eager"  # the spec's masked softmax, not a fused kernel
    model = spec["cls"](config)
    randomize(model, generator)
    directory = out_dir / name
    if directory.exists():
        shutil.rmtree(directory)
    # transformers writes config.json and model.safetensors. For BertForMaskedLM with
    # tie_word_embeddings it omits the tied cls.predictions.decoder.weight (and the decoder bias,
    # which is cls.predictions.bias under another name); BertModel and the classifiers keep
    # their pooler. The printout below lists what was written.
    model.save_pretrained(directory, safe_serialization=True)
    tensors = goldens(name, spec, model, generator)
    save_file(tensors, str(directory / "goldens.safetensors"))
    return directory, tensors


def check_reload(directory, spec, tensors):
    """transformers loads what it wrote and reproduces the goldens (float64 again)."""
    model = spec["cls"].from_pretrained(directory, attn_implementation="eager").double().eval()
    ids = tensors["input_ids"].long()
    mask = (torch.arange(SEQ)[None, :] < tensors["lengths"][:, None].long()).long()
    with torch.no_grad():
        body = model if isinstance(model, BertModel) else model.bert
        hidden = body(input_ids=ids, attention_mask=mask,
                      token_type_ids=tensors["token_type_ids"].long()).last_hidden_state
    assert torch.equal(hidden.reshape(-1, hidden.shape[-1]).float(), tensors["hidden"]), directory


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests" / "data" / "bert")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    for name, spec in MODELS.items():
        directory, tensors = write(args.out, name, spec)
        check_reload(directory, spec, tensors)
        names = list(load_file(str(directory / "model.safetensors")).keys())
        print(f"{name}: {len(names)} tensors, e.g. {names[0]} ... {names[-1]}; goldens "
              + ", ".join(f"{k}{list(v.shape)}" for k, v in tensors.items()))
        if name == "mlm_gelu":
            variant = args.out / "mlm_prefix_variant"
            if variant.exists():
                shutil.rmtree(variant)
            variant.mkdir()
            shutil.copy(directory / "config.json", variant / "config.json")
            shutil.copy(directory / "goldens.safetensors", variant / "goldens.safetensors")
            weights = load_file(str(directory / "model.safetensors"))
            assert all(k.startswith(("bert.", "cls.")) for k in weights), list(weights)
            renamed = {k.removeprefix("bert."): v for k, v in weights.items()}
            save_file(renamed, str(variant / "model.safetensors"), metadata={"format": "pt"})
            print(f"mlm_prefix_variant: {sorted(renamed)[:2]} ...")
    for directory in sorted(p for p in args.out.iterdir() if p.is_dir()):
        size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
        print(f"{directory.name}: {size} bytes")


if __name__ == "__main__":
    main()
