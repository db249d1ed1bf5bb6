#!/usr/bin/env bash
# Training throughput of an FFF model against the same encoder with a dense feedforward:
# `ufb train mlm` for a few steps per config, median tokens/s of the steps after the first.
#
#   tools/train_throughput.sh UFB TOKENIZER DATA_DIR THREADS STEPS BATCH CONFIG...
#
# e.g. tools/train_throughput.sh build/ufb ../shared/data/vocab/bert-base-uncased/tokenizer.json \
#        some_text_folder 2 5 8 bench/train_configs/fff_768x16_depth11.json \
#        bench/train_configs/dense_768x16_width3072.json
set -euo pipefail
ufb=$1 tokenizer=$2 data=$3 threads=$4 steps=$5 batch=$6
shift 6
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for config in "$@"; do
  out="$work/$(basename "$config" .json)"
  "$ufb" train mlm --config "$config" --tokenizer "$tokenizer" --data "$data" --out "$out" \
    --steps "$steps" --batch "$batch" --threads "$threads" --log-every 1 --checkpoint-every 1000000 \
    2>/dev/null
  median=$(sed -n 's/.*"tokens_per_s":\([0-9.e+-]*\).*/\1/p' "$out/log.jsonl" | tail -n +2 | sort -g |
           awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
  echo "$(basename "$config" .json): median $median tokens/s over steps 2..$steps (batch $batch, $threads threads)"
done
