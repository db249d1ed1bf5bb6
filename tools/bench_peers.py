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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", default="1,8")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--runtimes", default="pytorch,onnxruntime")
    parser.add_argument("--min-seconds", type=float, default=2.0)
    parser.add_argument("--min-repeats", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
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
