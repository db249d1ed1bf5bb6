#!/usr/bin/env python3
"""Writes tiny sentence-transformers model directories and their goldens
(tests/data/sentence_transformers/<name>/).

The test data of docs/model.md §5's sentence-transformers directories: each is a complete model
directory as `SentenceTransformer.save()` (sentence-transformers 6.3) writes it: modules.json,
sentence_bert_config.json, config_sentence_transformers.json, config.json, model.safetensors,
tokenizer.json, tokenizer_config.json (model_max_length 12), 1_Pooling/config.json, and
2_Dense/{config.json,model.safetensors} or 2_Normalize/config.json; completed with what older
versions wrote and downloaded checkpoints have (see complete_for_older_readers): max_seq_length
12 and do_lower_case in sentence_bert_config.json, vocab.txt, special_tokens_map.json, on a tiny random transformers BertModel
(hidden 32, 2 layers, 4 heads, intermediate 48, max_position_embeddings 16; every parameter
redrawn at a scale that matters, as tools/make_bert_goldens.py does) and a tiny WordPiece
tokenizer built with `tokenizers` (BertNormalizer lowercasing and stripping accents,
BertPreTokenizer, "[CLS] A [SEP]" / "[CLS] A [SEP] B [SEP]" templates; the vocabulary is
VOCAB below: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4, words, ## pieces).

Directories:
  mean_normalize  Pooling mean + Normalize (the layout of all-MiniLM-L6-v2)
  cls_dense_tanh  Pooling cls + Dense 32 -> 16 with Tanh, no Normalize
  max_meansqrt    Pooling max and mean_sqrt_len_tokens, concatenated (64 wide). Its
                  1_Pooling/config.json is rewritten in the legacy form (pooling_mode_* flags
                  and word_embedding_dimension) that sentence-transformers before 6 wrote and
                  that the checkpoints people download have; the other two keep what
                  sentence-transformers 6 writes ("embedding_dimension", "pooling_mode": a name
                  or a list, concatenated in the list's order). sentence-transformers loads
                  either and the goldens are checked to come out the same after the rewrite.

Each also gets texts.txt (the N texts, one a line: one longer than 12 tokens so truncation
matters, one with capitals and accents, one with a word outside the vocabulary) and
goldens.safetensors: `embeddings` [N, D] F32 from `model.encode(texts, convert_to_numpy=True)`
with the model in float64 (`model.double()`; stored rounded to float32), and to tell a tokenizer
fault from a model fault, the tokenizer's `input_ids` and `attention_mask` [N, 12] I32 (padded
to max_seq_length with [PAD] = 0). `float32_max_abs_diff`
in the printout says how far a float32 run of sentence-transformers lies from them.

Needs torch, transformers, sentence-transformers, tokenizers, safetensors, numpy
(tools/requirements-reference.txt). Fixed seeds: rerunning reproduces the files.

    python3 tools/make_sentence_transformers_goldens.py [--out tests/data/sentence_transformers]
"""
import argparse
import json
import pathlib
import shutil
import sys
import tempfile

import numpy
import torch
from safetensors.numpy import save_file
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import Dense, Normalize, Transformer
from sentence_transformers.sentence_transformer.modules import Pooling

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_bert_goldens import randomize  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_SEQ_LENGTH = 12
HIDDEN = 32

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + """
the a an and of to in on at with is are was it he she they we this that for from
cat cats dog sat mat run runs park house big small red blue green old new good day night
man woman child play plays guitar eat eats food car street water tree quick brown fox
jump over lazy then away hello world cafe open un thing happen very
. , ! ? '
##s ##ing ##ed ##er ##ly ##able ##believ ##ness ##es ##y
""".split()

TEXTS = [
    "The cat sat on the mat.",
    "A man plays the guitar in the park",
    "The Café is OPEN, Crème Brûlée!",
    "the quick brown fox jumps over the lazy dog and then runs away from the big old house",
    "unbelievable things happen every day",
    "hello world",
]

MODELS = {
    "mean_normalize": dict(seed=21, pooling="mean", dense=False, normalize=True),
    "cls_dense_tanh": dict(seed=22, pooling="cls", dense=True, normalize=False),
    "max_meansqrt": dict(seed=23, pooling=("max", "mean_sqrt_len_tokens"), dense=False,
                         normalize=False, legacy_pooling_config=True),
}


def make_tokenizer():
    tokenizer = Tokenizer(models.WordPiece({t: i for i, t in enumerate(VOCAB)}, unk_token="[UNK]",
                                           max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                      strip_accents=None, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", sep_token="[SEP]",
                                   pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]",
                                   model_max_length=MAX_SEQ_LENGTH)


def build(spec, scratch):
    """The tiny BertModel and tokenizer in `scratch`, and the SentenceTransformer over them."""
    torch.manual_seed(spec["seed"])
    generator = torch.Generator().manual_seed(2000 + spec["seed"])
    config = BertConfig(vocab_size=len(VOCAB), hidden_size=HIDDEN, num_hidden_layers=2,
                        num_attention_heads=4, intermediate_size=48, max_position_embeddings=16,
                        type_vocab_size=2, pad_token_id=0, hidden_act="gelu")
    bert = BertModel(config)
    randomize(bert, generator)
    bert.save_pretrained(scratch, safe_serialization=True)
    make_tokenizer().save_pretrained(scratch)
    modules = [Transformer(str(scratch), max_seq_length=MAX_SEQ_LENGTH),
               Pooling(HIDDEN, pooling_mode=spec["pooling"])]
    if spec["dense"]:
        dense = Dense(modules[-1].get_embedding_dimension(), 16, activation_function=torch.nn.Tanh())
        with torch.no_grad():
            dense.linear.weight.copy_(0.3 * torch.randn(dense.linear.weight.shape, generator=generator))
            dense.linear.bias.copy_(0.2 * torch.randn(dense.linear.bias.shape, generator=generator))
        modules.append(dense)
    if spec["normalize"]:
        modules.append(Normalize())
    return SentenceTransformer(modules=modules, device="cpu")


def legacy_pooling_config(path):
    """Rewrites 1_Pooling/config.json with the pooling_mode_* flags of sentence-transformers < 6."""
    config = json.loads(path.read_text())
    modes = config["pooling_mode"]
    modes = [modes] if isinstance(modes, str) else modes
    legacy = {"word_embedding_dimension": config["embedding_dimension"],
              "pooling_mode_cls_token": "cls" in modes,
              "pooling_mode_mean_tokens": "mean" in modes,
              "pooling_mode_max_tokens": "max" in modes,
              "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens" in modes,
              "pooling_mode_weightedmean_tokens": "weightedmean" in modes,
              "pooling_mode_lasttoken": "lasttoken" in modes,
              "include_prompt": config.get("include_prompt", True)}
    path.write_text(json.dumps(legacy, indent=4) + "\n")


def complete_for_older_readers(directory):
    """Adds what sentence-transformers 6 / transformers 5 no longer write but checkpoints have.

    sentence-transformers 6 keeps max_seq_length only as the tokenizer's model_max_length
    (tokenizer_config.json) and leaves it and do_lower_case out of sentence_bert_config.json;
    older versions (and all-MiniLM-L6-v2) write both there, and 6 still reads them. transformers 5
    writes no vocab.txt or special_tokens_map.json for a tokenizers-backed tokenizer; transformers
    4 wrote both (vocab.txt: one token a line, in id order).
    """
    path = directory / "sentence_bert_config.json"
    config = json.loads(path.read_text())
    config = {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False, **config}
    path.write_text(json.dumps(config, indent=4) + "\n")
    (directory / "vocab.txt").write_text("".join(t + "\n" for t in VOCAB))
    special = {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]",
               "sep_token": "[SEP]", "unk_token": "[UNK]"}
    (directory / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")


def encode64(directory):
    model = SentenceTransformer(str(directory), device="cpu").double().eval()
    embeddings = model.encode(TEXTS, convert_to_numpy=True, batch_size=4)
    assert embeddings.dtype == numpy.float64, embeddings.dtype
    return embeddings, model


def write(out_dir, name, spec):
    directory = out_dir / name
    if directory.exists():
        shutil.rmtree(directory)
    with tempfile.TemporaryDirectory() as scratch:
        model = build(spec, pathlib.Path(scratch))
        model.save(str(directory))
    complete_for_older_readers(directory)
    (directory / "texts.txt").write_text("".join(t + "\n" for t in TEXTS))
    # README.md is the model card sentence-transformers writes; it changes with the date and
    # the package versions, and nothing reads it.
    (directory / "README.md").unlink(missing_ok=True)
    embeddings, model = encode64(directory)
    assert model.max_seq_length == MAX_SEQ_LENGTH, model.max_seq_length
    if spec.get("legacy_pooling_config"):
        legacy_pooling_config(directory / "1_Pooling" / "config.json")
        again, _ = encode64(directory)
        assert numpy.array_equal(embeddings, again), "the legacy pooling config changes the output"
    model32 = SentenceTransformer(str(directory), device="cpu").eval()
    e32 = model32.encode(TEXTS, convert_to_numpy=True, batch_size=4)
    features = model32[0].tokenizer(TEXTS, truncation=True, max_length=MAX_SEQ_LENGTH,
                                    padding="max_length", return_tensors="np")
    tokens = features["input_ids"]
    save_file({"embeddings": embeddings.astype(numpy.float32),
               "input_ids": features["input_ids"].astype(numpy.int32),
               "attention_mask": features["attention_mask"].astype(numpy.int32)},
              str(directory / "goldens.safetensors"))
    return embeddings, float(numpy.abs(e32 - embeddings).max()), tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path,
                        default=ROOT / "tests" / "data" / "sentence_transformers")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    for name, spec in MODELS.items():
        embeddings, diff32, tokens = write(args.out, name, spec)
        files = sorted(str(p.relative_to(args.out / name)) for p in (args.out / name).rglob("*"))
        size = sum(p.stat().st_size for p in (args.out / name).rglob("*") if p.is_file())
        print(f"{name}: embeddings {list(embeddings.shape)}, float32_max_abs_diff {diff32:.2e}, "
              f"{size} bytes: {' '.join(files)}")
    print("token ids of the texts (last model):")
    for row in tokens.tolist():
        print("   ", row)


if __name__ == "__main__":
    main()
