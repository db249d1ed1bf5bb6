#!/usr/bin/env python3
"""Times the encoders of `ufb bench model` in PyTorch and ONNX Runtime, on the same machine,
so that ufb's figures have peers measured in the same session.

Models (random weights at initialisation scale, float32, sequence length 128 by default):
  bert-base-shape          12 layers, hidden 768, 12 heads, dense feedforward 3072
  crammedbert-dense-3072   16 layers, same widths (crammedBERT's encoder)
  ultrafastbert-1x11       16 layers, FFF depth 11 in the "gather" form: per level, gather each
                           token's node row of W_in and W_out (what a PyTorch/ONNX user can run)
The encoder is docs/model.md §2 (pre-LayerNorm, interleaved QKV, erf GELU); BERT-base's post-LN
layout costs the same. Timed: the encoder forward pass on random token ids, no padding.

    pip install torch onnxruntime onnx onnxscript
    python3 tools/bench_peers.py [--batch 1,8] [--threads 1,2] [--json peers.json]

With --model DIR (a sentence-transformers directory such as the all-MiniLM-L6-v2 that
scripts/fetch-models.sh fetches), it times sentence embedding instead, on real text: the first
--sentences (1024) sentences of GLUE STS-B dev as the file gives them (pair 0's sentence1,
sentence2, pair 1's, ...), for each --batch (default 1,32) and --threads:
  sentence-transformers  SentenceTransformer(DIR).encode(sentences, batch_size=B), PyTorch f32
                         (it sorts the texts by length, longest first, before batching)
  onnxruntime            the directory's BertModel + its mean pooling + L2 normalisation exported
                         with torch.onnx.export (dynamic batch and length), f32, run with
                         intra_op_num_threads = threads on batches of the same length-sorted order,
                         tokenization by the directory's fast tokenizer included (checked against
                         sentence-transformers' output: max_abs_diff in the rows)
  onnxruntime-int8       (with --runtimes ...,onnxruntime-int8) the same graph after ONNX
                         Runtime's quantize_dynamic (int8 weights, activations quantized per call)
  ufb (with --ufb PATH)  PATH embed --model DIR --file F --batch-size B --threads T --out X.npy
                         --dtype D for each D of --ufb-dtypes (default f32);
                         the per-sentence time is (wall time on the N sentences - wall time on
                         the first sentence alone) / (N - 1), both medians of the repeats, so
                         process start and model load drop out
Each time is the median of at least --min-repeats runs over all the sentences; the table gives
ms per sentence.

    python3 tools/bench_peers.py --model ~/.cache/ufb/models/all-MiniLM-L6-v2 \\
        [--batch 1,32] [--threads 1,2] [--ufb build/apps/ufb/ufb] [--json peers.json]
"""
import argparse
import json
import math
import os
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F


class Encoder(torch.nn.Module):
    def __init__(self, layers, hidden=768, heads=12, ff="dense", width=3072, depth=11, vocab=32768):
        super().__init__()
        self.heads, self.ff, self.depth = heads, ff, depth
        std = 0.02
        self.embedding = torch.nn.Parameter(torch.randn(vocab, hidden) * std)
        positions = torch.arange(512, dtype=torch.float32)[:, None]
        frequencies = torch.exp(torch.arange(0, hidden, 2, dtype=torch.float32) * (-math.log(10000.0) / hidden))
        table = torch.zeros(512, hidden)
        table[:, 0::2] = torch.sin(positions * frequencies)
        table[:, 1::2] = torch.cos(positions * frequencies)
        self.register_buffer("positions", table)
        self.norms = torch.nn.ModuleList(torch.nn.LayerNorm(hidden, eps=1e-12) for _ in range(2 * layers + 2))
        self.qkv = torch.nn.ParameterList(torch.nn.Parameter(torch.randn(3 * hidden, hidden) * std) for _ in range(layers))
        self.out = torch.nn.ParameterList(torch.nn.Parameter(torch.randn(hidden, hidden) * std) for _ in range(layers))
        neurons = 2 ** (depth + 1) - 1 if ff == "fff" else width
        self.w_in = torch.nn.ParameterList(torch.nn.Parameter(torch.randn(neurons, hidden) * std) for _ in range(layers))
        self.b_in = torch.nn.ParameterList(torch.nn.Parameter(torch.randn(neurons) * std) for _ in range(layers))
        # FFF: W_out stored node-major [neurons, hidden] so a gather takes whole rows.
        self.w_out = torch.nn.ParameterList(torch.nn.Parameter(torch.randn(neurons, hidden) * std) for _ in range(layers))

    def attention(self, x, layer):
        batch, length, hidden = x.shape
        d = hidden // self.heads
        qkv = (x @ self.qkv[layer].T).view(batch, length, self.heads, 3, d).permute(3, 0, 2, 1, 4)
        context = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return context.permute(0, 2, 1, 3).reshape(batch, length, hidden) @ self.out[layer].T

    def feedforward(self, x, layer):
        if self.ff == "dense":
            return F.gelu(x @ self.w_in[layer].T + self.b_in[layer]) @ self.w_out[layer]
        tokens = x.reshape(-1, x.shape[-1])
        node = torch.zeros(tokens.shape[0], dtype=torch.long)
        y = torch.zeros_like(tokens)
        for _ in range(self.depth + 1):
            logit = (tokens * self.w_in[layer][node]).sum(-1) + self.b_in[layer][node]
            y = y + F.gelu(logit)[:, None] * self.w_out[layer][node]
            node = 2 * node + 1 + (logit > 0).long()
        return y.view_as(x)

    def forward(self, ids):
        x = self.norms[0](self.embedding[ids] + self.positions[: ids.shape[1]])
        for layer in range(len(self.qkv)):
            x = x + self.attention(self.norms[2 * layer + 1](x), layer)
            x = x + self.feedforward(self.norms[2 * layer + 2](x), layer)
        return self.norms[-1](x)


MODELS = {
    "bert-base-shape": dict(layers=12, ff="dense", width=3072),
    "crammedbert-dense-3072": dict(layers=16, ff="dense", width=3072),
    "ultrafastbert-1x11": dict(layers=16, ff="fff", depth=11),
}


def time_calls(call, min_seconds, min_repeats):
    call()  # warm-up
    times = []
    while len(times) < min_repeats or sum(times) < min_seconds:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def onnx_session(model, ids, threads, directory, name):
    import onnxruntime as ort
    path = os.path.join(directory, f"{name}.onnx")
    if not os.path.exists(path):
        torch.onnx.export(model, (ids,), path, input_names=["ids"], output_names=["hidden"],
                          dynamic_axes={"ids": {0: "batch"}, "hidden": {0: "batch"}}, opset_version=17,
                          dynamo=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def stsb_sentences(path, count):
    """The first `count` sentences of STS-B dev: sentence1, sentence2 of each pair in file order."""
    import csv
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        sentences = [s for row in rows for s in (row["sentence1"], row["sentence2"])]
    return sentences[:count]


class PooledBert(torch.nn.Module):
    """BertModel, mean pooling over the attention mask, L2 normalisation (all-MiniLM-L6-v2)."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return F.normalize(mean, p=2, dim=1)


def bench_sentence_model(args):
    import subprocess
    import numpy
    from sentence_transformers import SentenceTransformer
    from transformers import BertModel

    sentences = stsb_sentences(args.stsb, args.sentences)
    count = len(sentences)
    st = SentenceTransformer(args.model, device="cpu").eval()
    modules = [type(m).__name__ for m in st]
    pooling = getattr(st[1], "pooling_mode", None) if len(st) > 1 else None
    if pooling not in ("mean", ("mean",)) or modules[2:] != ["Normalize"]:
        print(f"note: onnxruntime runs mean pooling + Normalize; this model has {modules} ({pooling})")
    tokenizer, max_length = st.tokenizer, st.max_seq_length
    order = sorted(range(count), key=lambda i: -len(sentences[i]))  # sentence-transformers' order
    reference = st.encode(sentences, convert_to_numpy=True, batch_size=32)
    results = []
    with tempfile.TemporaryDirectory() as directory:
        text_file = os.path.join(directory, "sentences.txt")
        one_file = os.path.join(directory, "one.txt")
        with open(text_file, "w", encoding="utf-8") as f:
            f.writelines(s + "\n" for s in sentences)
        with open(one_file, "w", encoding="utf-8") as f:
            f.write(sentences[0] + "\n")
        onnx_path = os.path.join(directory, "model.onnx")
        if "onnxruntime" in args.runtimes:
            bert = BertModel.from_pretrained(args.model, attn_implementation="eager").eval()
            example = tokenizer(sentences[:2], padding=True, truncation=True, max_length=max_length,
                                return_tensors="pt")
            names = ["input_ids", "attention_mask", "token_type_ids"]
            axes = {n: {0: "batch", 1: "length"} for n in names}
            axes["embedding"] = {0: "batch"}
            with torch.no_grad():
                torch.onnx.export(PooledBert(bert), tuple(example[n] for n in names), onnx_path,
                                  input_names=names, output_names=["embedding"], dynamic_axes=axes,
                                  opset_version=17, dynamo=False)
        int8_path = os.path.join(directory, "model.int8.onnx")
        if "onnxruntime-int8" in args.runtimes:
            # ONNX Runtime's dynamic quantization: int8 weights, activations quantized per call.
            from onnxruntime.quantization import QuantType, quantize_dynamic
            quantize_dynamic(onnx_path, int8_path, weight_type=QuantType.QInt8)
        for threads in map(int, args.threads.split(",")):
            torch.set_num_threads(threads)
            sessions = {}
            for runtime, path in (("onnxruntime", onnx_path), ("onnxruntime-int8", int8_path)):
                if runtime not in args.runtimes:
                    continue
                import onnxruntime as ort
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                sessions[runtime] = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            for batch in map(int, args.batch.split(",")):
                rows = {}
                if "sentence-transformers" in args.runtimes or "pytorch" in args.runtimes:
                    call = lambda: st.encode(sentences, convert_to_numpy=True, batch_size=batch)
                    rows["sentence-transformers"] = (time_calls(call, args.min_seconds, args.min_repeats), None)
                for runtime, session in sessions.items():
                    def run_onnx():
                        out = numpy.empty((count, reference.shape[1]), dtype=numpy.float32)
                        for start in range(0, count, batch):
                            chosen = order[start:start + batch]
                            features = tokenizer([sentences[i] for i in chosen], padding=True, truncation=True,
                                                 max_length=max_length, return_tensors="np")
                            feed = {n: features[n].astype(numpy.int64) for n in
                                    ("input_ids", "attention_mask", "token_type_ids")}
                            out[chosen] = session.run(None, feed)[0]
                        return out
                    diff = float(numpy.abs(run_onnx() - reference).max())
                    rows[runtime] = (time_calls(run_onnx, args.min_seconds, args.min_repeats), diff)
                for dtype in args.ufb_dtypes.split(",") if args.ufb else []:
                    def ufb(file):
                        command = [args.ufb, "embed", "--model", args.model, "--file", file,
                                   "--batch-size", str(batch), "--threads", str(threads), "--dtype", dtype,
                                   "--out", os.path.join(directory, os.path.basename(file) + ".npy")]
                        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    full = time_calls(lambda: ufb(text_file), args.min_seconds, args.min_repeats)
                    one = time_calls(lambda: ufb(one_file), args.min_seconds, args.min_repeats)
                    per = tuple((f - one[0]) / max(count - 1, 1) * count for f in full)
                    diff = float(numpy.abs(numpy.load(text_file + ".npy").astype(numpy.float32)
                                           - reference).max())
                    rows[f"ufb {dtype}"] = (per, diff)
                for runtime, ((median, low, high), diff) in rows.items():
                    dtype = "int8" if runtime.endswith("int8") else "f32"
                    row = {"model": os.path.basename(os.path.normpath(args.model)), "runtime": runtime,
                           "batch": batch, "threads": threads, "sentences": count, "dtype": dtype,
                           "median_ms_per_sentence": 1e3 * median / count,
                           "min_ms_per_sentence": 1e3 * low / count, "max_ms_per_sentence": 1e3 * high / count,
                           "max_abs_diff_vs_sentence_transformers": diff}
                    results.append(row)
                    extra = f"  (max |diff| vs sentence-transformers {diff:.1e})" if diff is not None else ""
                    print(f"{row['model']:20} {runtime:22} batch {batch:3} threads {threads}: "
                          f"{row['median_ms_per_sentence']:8.3f} ms/sentence{extra}", flush=True)
    print(f"\n{'runtime':22} {'batch':>5} {'threads':>7} {'ms/sentence':>12} {'min':>8} {'max':>8}")
    for row in results:
        print(f"{row['runtime']:22} {row['batch']:5} {row['threads']:7} {row['median_ms_per_sentence']:12.3f} "
              f"{row['min_ms_per_sentence']:8.3f} {row['max_ms_per_sentence']:8.3f}")
    if args.json:
        import onnxruntime
        import sentence_transformers
        with open(args.json + ".tmp", "w") as out:
            json.dump({"torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
                       "sentence_transformers": sentence_transformers.__version__,
                       "results": results}, out, indent=2)
        os.replace(args.json + ".tmp", args.json)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", help="batch sizes (default 1,8; with --model 1,32)")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--runtimes", default="pytorch,onnxruntime",
                        help="with --model, pytorch means sentence-transformers")
    parser.add_argument("--min-seconds", type=float, default=2.0)
    parser.add_argument("--min-repeats", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("--model", help="a sentence-transformers directory: time sentence embedding")
    parser.add_argument("--stsb", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                       "shared", "data", "glue", "STS-B", "dev.tsv"),
                        help="GLUE STS-B dev.tsv (with --model)")
    parser.add_argument("--sentences", type=int, default=1024, help="how many sentences (with --model)")
    parser.add_argument("--ufb", help="the ufb binary, timed as well (with --model)")
    parser.add_argument("--ufb-dtypes", default="f32", help="ufb's precisions to time (with --ufb): f32,bf16,int8")
    args = parser.parse_args()
    if args.model:
        args.batch = args.batch or "1,32"
        return bench_sentence_model(args)
    args.batch = args.batch or "1,8"
    torch.manual_seed(1)
    results = []
    with tempfile.TemporaryDirectory() as directory, torch.inference_mode():
        for name in args.models.split(","):
            model = Encoder(**MODELS[name]).eval()
            for threads in map(int, args.threads.split(",")):
                torch.set_num_threads(threads)
                for batch in map(int, args.batch.split(",")):
                    ids = torch.randint(0, 32768, (batch, args.seq))
                    for runtime in args.runtimes.split(","):
                        if runtime == "pytorch":
                            call = lambda: model(ids)
                        else:
                            session = onnx_session(model, ids, threads, directory, name)
                            feed = {"ids": ids.numpy()}
                            call = lambda: session.run(None, feed)
                        median, low, high = time_calls(call, args.min_seconds, args.min_repeats)
                        row = {"model": name, "runtime": runtime, "batch": batch, "threads": threads,
                               "seq": args.seq, "dtype": "f32", "median_ms_per_seq": 1e3 * median / batch,
                               "min_ms_per_seq": 1e3 * low / batch, "max_ms_per_seq": 1e3 * high / batch}
                        results.append(row)
                        print(f"{name:24} {runtime:12} batch {batch} threads {threads}: "
                              f"{row['median_ms_per_seq']:8.1f} ms/seq", flush=True)
    if args.json:
        with open(args.json + ".tmp", "w") as out:
            json.dump({"torch": torch.__version__, "results": results}, out, indent=2)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
