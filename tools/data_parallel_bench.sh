#!/usr/bin/env bash
# Data-parallel training throughput on one machine: the same `ufb train mlm` run as one process
# with T threads and as T MPI ranks of one thread each (same global batch), median tokens/s of
# the logged steps after the first and the median share of the wall time spent in the gradient
# allreduce (log.jsonl's comm_share).
#
#   tools/data_parallel_bench.sh UFB TOKENIZER DATA_DIR CONFIG STEPS BATCH [T]
#
# e.g. tools/data_parallel_bench.sh build/ufb tokenizer.json ../shared/data/corpus/gutenberg \
#        bench/experiment/fff_256x4_depth7.json 12 32 2
set -euo pipefail
ufb=$1 tokenizer=$2 data=$3 config=$4 steps=$5 batch=$6 threads=${7:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

median() {  # median of field $2 in log $1, steps after the first
  sed -n "s/.*\"$2\":\([0-9.e+-]*\).*/\1/p" "$1" | tail -n +2 | sort -g |
    awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}

run() {  # run NAME THREADS LAUNCHER... : one training run, then its line of the table
  local name=$1 out="$work/$1" run_threads=$2
  shift 2
  mkdir -p "$out"
  [ -f "$work/tokens.safetensors" ] && cp "$work/tokens.safetensors" "$out/"
  "$@" "$ufb" train mlm --config "$config" --tokenizer "$tokenizer" --data "$data" --out "$out" \
    --steps "$steps" --batch "$batch" --threads "$run_threads" --log-every 1 --checkpoint-every 1000000 >"$out/stderr.txt" 2>&1 ||
    { cat "$out/stderr.txt" >&2; exit 1; }
  [ -f "$work/tokens.safetensors" ] || cp "$out/tokens.safetensors" "$work/"
  printf '%-28s %10.0f tokens/s   allreduce %5.2f%% of the step   final loss %s\n' "$name" \
    "$(median "$out/log.jsonl" tokens_per_s)" "$(awk "BEGIN{print 100*$(median "$out/log.jsonl" comm_share)}")" \
    "$(sed -n 's/.*"loss":\([0-9.]*\).*/\1/p' "$out/log.jsonl" | tail -1)"
}

echo "$(basename "$config" .json): $steps steps of $batch x seq tokens; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
run "1 process x $threads threads" "$threads" env
run "$threads ranks x 1 thread" 1 mpirun -np "$threads" --oversubscribe
