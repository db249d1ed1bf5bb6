#!/usr/bin/env python3
"""Times the encoders of `ufb bench model` in PyTorch, ONNX Runtime and OpenVINO, on the same
machine, so that ufb's figures have peers measured in the same session.

Models (random weights at initialisation scale, float32, sequence length 128 by default):
  bert-base-shape          12 layers, hidden 768, 12 heads, dense feedforward 3072
  crammedbert-dense-3072   16 layers, same widths (crammedBERT's encoder)
  ultrafastbert-1x11       16 layers, FFF depth 11 in the "gather" form: per level, gather each
                           token's node row of W_in and W_out (what a PyTorch/ONNX user can run)
The encoder is docs/model.md §2 (pre-LayerNorm, interleaved QKV, erf GELU); BERT-base's post-LN
layout costs the same. Timed: the encoder forward pass on random token ids, no padding.

Runtimes (--runtimes, default pytorch,onnxruntime; every one of both modes):
  pytorch           PyTorch f32 (with --model: sentence-transformers)
  pytorch-bf16      the same under torch.autocast("cpu", dtype=torch.bfloat16)
  onnxruntime       the model exported with torch.onnx.export, ONNX Runtime's CPU provider, f32
  onnxruntime-int8  that graph after ONNX Runtime's quantize_dynamic (int8 weights, activations
                    quantized per call)
  openvino          that graph (f32) compiled by OpenVINO for the CPU at its default precision
                    (bf16 where the CPU has AVX512-BF16 or AMX, else f32; the row says which)
  openvino-f32      the same with the precision hint f32
  openvino-int8     the onnxruntime-int8 graph compiled by OpenVINO (it runs the quantized
                    MatMulInteger ops in int8)
On an NVIDIA GPU (timed once, whatever --threads says; the host waits for the GPU after each call):
  pytorch-cuda               PyTorch f32 on the GPU (its default: no TF32 in matmuls)
  pytorch-cuda-bf16          weights and activations in bf16 (model.to(bfloat16)), attention by
                             scaled_dot_product_attention (its flash/memory-efficient kernels)
  pytorch-cuda-bf16-compile  that model compiled by torch.compile

    pip install --no-deps -r tools/requirements-reference.txt
    python3 tools/bench_peers.py [--batch 1,8] [--threads 1,2] [--runtimes ...] [--json peers.json]

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
  openvino, openvino-int8, pytorch-bf16: as above, on the same graphs and batches
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
import copy
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
        node = torch.zeros(tokens.shape[0], dtype=torch.long, device=tokens.device)
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


def cuda_model(model, runtime, cache):
    """The model on the GPU as a pytorch-cuda* runtime runs it, made once per runtime."""
    if runtime not in cache:
        dtype = torch.float32 if runtime == "pytorch-cuda" else torch.bfloat16
        on_gpu = copy.deepcopy(model).to("cuda", dtype)
        cache[runtime] = torch.compile(on_gpu) if runtime.endswith("-compile") else on_gpu
    return cache[runtime]


def export_onnx(model, inputs, path, input_names, output_names, dynamic_axes):
    """torch.onnx.export once per path (opset 17, TorchScript exporter)."""
    if not os.path.exists(path):
        with torch.no_grad():
            torch.onnx.export(model, inputs, path, input_names=input_names, output_names=output_names,
                              dynamic_axes=dynamic_axes, opset_version=17, dynamo=False)
    return path


def quantized_onnx(path):
    """ONNX Runtime's dynamic quantization of the graph at `path`: int8 weights, activations
    quantized per call (its QuantType.QInt8 weights)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    int8_path = path.replace(".onnx", ".int8.onnx")
    if not os.path.exists(int8_path):
        quantize_dynamic(path, int8_path, weight_type=QuantType.QInt8)
    return int8_path


def onnx_runner(runtime, path, threads):
    """For an ONNX runtime of the module docstring: (run(feed) -> first output, precision)."""
    if runtime.startswith("onnxruntime"):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        return (lambda feed: session.run(None, feed)[0]), "int8" if runtime.endswith("int8") else "f32"
    import openvino as ov
    config = {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY"}
    if runtime == "openvino-f32":
        config["INFERENCE_PRECISION_HINT"] = "f32"
    compiled = ov.Core().compile_model(path, "CPU", config)
    request = compiled.create_infer_request()
    precision = {"bf16": "bf16", "f32": "f32", "f16": "f16"}.get(compiled.get_property("INFERENCE_PRECISION_HINT").to_string(),
                                                              str(compiled.get_property("INFERENCE_PRECISION_HINT")))
    return (lambda feed: request.infer(feed)[0]), ("int8+" if runtime.endswith("int8") else "") + precision


def onnx_path_of(runtime, f32_path):
    return quantized_onnx(f32_path) if runtime.endswith("int8") else f32_path


def runtime_versions():
    """The versions of the peers this environment has, for the JSON output."""
    import importlib.metadata
    versions = {}
    for package in ("torch", "onnxruntime", "openvino", "sentence-transformers", "transformers"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def autocast_of(runtime):
    """The context a PyTorch runtime runs in: bf16 autocast for pytorch-bf16."""
    import contextlib
    return torch.autocast("cpu", dtype=torch.bfloat16) if runtime == "pytorch-bf16" else contextlib.nullcontext()


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
        runtimes = args.runtimes.split(",")
        onnx_runtimes = [r for r in runtimes if r.startswith(("onnxruntime", "openvino"))]
        if onnx_runtimes:
            bert = BertModel.from_pretrained(args.model, attn_implementation="eager").eval()
            example = tokenizer(sentences[:2], padding=True, truncation=True, max_length=max_length,
                                return_tensors="pt")
            names = ["input_ids", "attention_mask", "token_type_ids"]
            axes = {n: {0: "batch", 1: "length"} for n in names}
            axes["embedding"] = {0: "batch"}
            onnx_path = export_onnx(PooledBert(bert), tuple(example[n] for n in names),
                                    os.path.join(directory, "model.onnx"), names, ["embedding"], axes)
        for threads in map(int, args.threads.split(",")):
            torch.set_num_threads(threads)
            runners = {runtime: onnx_runner(runtime, onnx_path_of(runtime, onnx_path), threads)
                       for runtime in onnx_runtimes}
            for batch in map(int, args.batch.split(",")):
                rows = {}
                for runtime in ("pytorch", "pytorch-bf16"):
                    if runtime not in runtimes:
                        continue
                    def run_pytorch():
                        with torch.inference_mode(), autocast_of(runtime):
                            return st.encode(sentences, convert_to_numpy=True, batch_size=batch)
                    diff = float(numpy.abs(run_pytorch() - reference).max())
                    name = "sentence-transformers" + ("-bf16" if runtime.endswith("bf16") else "")
                    precision = "bf16" if runtime.endswith("bf16") else "f32"
                    rows[name] = (time_calls(run_pytorch, args.min_seconds, args.min_repeats), diff, precision)
                for runtime, (run, precision) in runners.items():
                    def run_onnx():
                        out = numpy.empty((count, reference.shape[1]), dtype=numpy.float32)
                        for start in range(0, count, batch):
                            chosen = order[start:start + batch]
                            features = tokenizer([sentences[i] for i in chosen], padding=True, truncation=True,
                                                 max_length=max_length, return_tensors="np")
                            feed = {n: features[n].astype(numpy.int64) for n in
                                    ("input_ids", "attention_mask", "token_type_ids")}
                            out[chosen] = run(feed)
                        return out
                    diff = float(numpy.abs(run_onnx() - reference).max())
                    rows[runtime] = (time_calls(run_onnx, args.min_seconds, args.min_repeats), diff, precision)
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
                    rows[f"ufb {dtype}"] = (per, diff, dtype)
                for runtime, ((median, low, high), diff, dtype) in rows.items():
                    row = {"model": os.path.basename(os.path.normpath(args.model)), "runtime": runtime,
                           "batch": batch, "threads": threads, "sentences": count, "dtype": dtype,
                           "median_ms_per_sentence": 1e3 * median / count,
                           "min_ms_per_sentence": 1e3 * low / count, "max_ms_per_sentence": 1e3 * high / count,
                           "max_abs_diff_vs_sentence_transformers": diff}
                    results.append(row)
                    extra = f"  (max |diff| vs sentence-transformers {diff:.1e})" if diff is not None else ""
                    print(f"{row['model']:20} {runtime:22} batch {batch:3} threads {threads}: "
                          f"{row['median_ms_per_sentence']:8.3f} ms/sentence{extra}", flush=True)
    print(f"\n{'runtime':22} {'precision':>9} {'batch':>5} {'threads':>7} {'ms/sentence':>12} {'min':>8} {'max':>8}")
    for row in results:
        print(f"{row['runtime']:22} {row['dtype']:>9} {row['batch']:5} {row['threads']:7} "
              f"{row['median_ms_per_sentence']:12.3f} {row['min_ms_per_sentence']:8.3f} {row['max_ms_per_sentence']:8.3f}")
    if args.json:
        with open(args.json + ".tmp", "w") as out:
            json.dump({**runtime_versions(), "results": results}, out, indent=2)
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
    if "pytorch-cuda" in args.runtimes and not torch.cuda.is_available():
        parser.error("the pytorch-cuda runtimes need a GPU that this PyTorch can use (torch.cuda.is_available())")
    torch.manual_seed(1)
    results = []
    with tempfile.TemporaryDirectory() as directory, torch.inference_mode():
        for name in args.models.split(","):
            model = Encoder(**MODELS[name]).eval()
            on_gpu = {}
            thread_counts = list(map(int, args.threads.split(",")))
            for threads in thread_counts:
                torch.set_num_threads(threads)
                for batch in map(int, args.batch.split(",")):
                    ids = torch.randint(0, 32768, (batch, args.seq))
                    for runtime in args.runtimes.split(","):
                        if runtime.startswith("pytorch-cuda"):
                            if threads != thread_counts[0]:
                                continue
                            gpu_model, gpu_ids = cuda_model(model, runtime, on_gpu), ids.to("cuda")

                            def call(gpu_model=gpu_model, gpu_ids=gpu_ids):
                                gpu_model(gpu_ids)
                                torch.cuda.synchronize()
                            precision = "f32" if runtime == "pytorch-cuda" else "bf16"
                        elif runtime.startswith("pytorch"):
                            def call(runtime=runtime):
                                with autocast_of(runtime):
                                    return model(ids)
                            precision = "bf16" if runtime.endswith("bf16") else "f32"
                        else:
                            path = export_onnx(model, (ids,), os.path.join(directory, f"{name}.onnx"), ["ids"],
                                               ["hidden"], {"ids": {0: "batch"}, "hidden": {0: "batch"}})
                            run, precision = onnx_runner(runtime, onnx_path_of(runtime, path), threads)
                            feed = {"ids": ids.numpy()}
                            call = lambda: run(feed)
                        median, low, high = time_calls(call, args.min_seconds, args.min_repeats)
                        row = {"model": name, "runtime": runtime, "batch": batch, "threads": threads,
                               "seq": args.seq, "dtype": precision, "median_ms_per_seq": 1e3 * median / batch,
                               "min_ms_per_seq": 1e3 * low / batch, "max_ms_per_seq": 1e3 * high / batch}
                        results.append(row)
                        print(f"{name:24} {runtime:16} {precision:>9} batch {batch} threads {threads}: "
                              f"{row['median_ms_per_seq']:8.1f} ms/seq", flush=True)
    if args.json:
        with open(args.json + ".tmp", "w") as out:
            json.dump({**runtime_versions(), "results": results}, out, indent=2)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
