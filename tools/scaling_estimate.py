#!/usr/bin/env python3
"""Estimated data-parallel scaling of `ufb train mlm` to N ranks, from one machine's measurements.

A step of a global batch of B tokens on N ranks of one core each takes

    T(N) = B * c / N                      forward + backward, split over the ranks
         + u                              the AdamW update, which every rank repeats whole
         + 2 (N - 1) / N * S / W          ring allreduce of the S gradient bytes at W bytes/s
         + 2 (N - 1) * buckets * a        its latency: a per message, `buckets` collectives a step

where c (core-seconds per token) and u come from `tools/data_parallel_bench.sh` on this machine:
one process on T threads and T ranks of one thread run the same steps, so
    t_process = B_step c / T + u / T   and   t_ranks - t_allreduce = B_step c / T + u,
two equations for c and u. Efficiency is the speed-up over one rank, T(1) / T(N), divided by N;
the allreduce is not overlapped with the backward pass (overlap would hide at most the allreduce
column).

    tools/scaling_estimate.py --name fff_768x16 --params 161.9e6 --step-tokens 1024 \\
        --process-tokens-per-s 241 --ranks-tokens-per-s 203 --ranks-comm-share 0.1142 --threads 2
"""
import argparse


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True)
    parser.add_argument("--params", type=float, required=True, help="trainable float32 parameters")
    parser.add_argument("--step-tokens", type=float, required=True, help="tokens per step in the measurement")
    parser.add_argument("--process-tokens-per-s", type=float, required=True)
    parser.add_argument("--ranks-tokens-per-s", type=float, required=True)
    parser.add_argument("--ranks-comm-share", type=float, required=True)
    parser.add_argument("--threads", type=int, default=2, help="threads of the process = ranks measured")
    parser.add_argument("--global-batch-tokens", type=float, default=256 * 128)
    parser.add_argument("--latency", type=float, default=5e-6, help="seconds per message")
    parser.add_argument("--bucket-bytes", type=float, default=16 * 2**20)
    args = parser.parse_args()

    t = args.threads
    t_process = args.step_tokens / args.process_tokens_per_s
    t_ranks = args.step_tokens / args.ranks_tokens_per_s
    t_allreduce = t_ranks * args.ranks_comm_share
    # t_process = B c / t + u / t ; t_ranks - t_allreduce = B c / t + u
    u = (t_ranks - t_allreduce - t_process) * t / (t - 1)
    c = (t_process - u / t) * t / args.step_tokens
    if u < 0:  # ranks beat threads (threads lose more than the repeated update costs): c from the ranks
        u = 0.0
        c = (t_ranks - t_allreduce) * t / args.step_tokens
    size = 4 * args.params
    buckets = max(1, round(size / args.bucket_bytes))
    print(f"{args.name}: gradient {size / 1e6:.0f} MB; measured step {t_process:.2f} s (1 process x {t} threads), "
          f"{t_ranks:.2f} s ({t} ranks, allreduce {t_allreduce:.3f} s = {size / t_allreduce / 1e9:.2f} GB/s); "
          f"derived c = {1e3 * c:.2f} core-ms/token, AdamW update u = {u:.2f} s")
    b = args.global_batch_tokens
    print(f"global batch {b:.0f} tokens; ranks of one core each")
    one_rank = b * c + u
    print(f"one rank: {one_rank:.1f} s a step, {b / one_rank:.0f} tokens/s")
    print("| ranks | network | compute s | update s | allreduce s | step s | tokens/s | efficiency |")
    print("|---|---|---|---|---|---|---|---|")
    for name, bandwidth in (("10 Gb/s Ethernet", 1.25e9), ("100 Gb/s InfiniBand", 12.5e9)):
        for n in (8, 16, 32, 64):
            compute = b * c / n
            allreduce = 2 * (n - 1) / n * size / bandwidth + 2 * (n - 1) * buckets * args.latency
            step = compute + u + allreduce
            print(f"| {n} | {name} | {compute:.2f} | {u:.2f} | {allreduce:.2f} | {step:.2f} | {b / step:.0f} | "
                  f"{one_rank / step / n:.0%} |")


if __name__ == "__main__":
    main()
