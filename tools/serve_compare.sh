#!/usr/bin/env bash
# ufb serve against infinity-emb (PyPI: an embedding server with the OpenAI API) on the same
# model, machine and thread count: requests/s and p50/p99 latency at 1, 8 and 64 connections,
# one short text per request, with wrk (tools/serve_load.lua). ufb is driven on /embed (TEI)
# and /v1/embeddings (OpenAI), infinity on its /embeddings (OpenAI).
#
#   tools/serve_compare.sh MODEL_DIR [SECONDS_PER_LEVEL] [THREADS]
#
# INFINITY (default: infinity_emb on the PATH) is the infinity-emb command, e.g. from a venv
# made with `python3 -m venv V && V/bin/pip install "infinity-emb[all]"`. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: tools/serve_compare.sh MODEL_DIR [SECONDS_PER_LEVEL] [THREADS]}
seconds=${2:-10}
threads=${3:-2}
ufb=${UFB_BINARY:-build/ufb}
infinity=${INFINITY:-infinity_emb}
command -v wrk > /dev/null || { echo "serve_compare.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }

logs=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done; rm -rf "$logs"; }
trap cleanup EXIT

"$ufb" serve --model "$model" --port 0 --threads "$threads" > "$logs/ufb.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$logs/ufb.log" && break; sleep 0.1; done
ufb_port=$(grep -o 'listening on http://[^ ]*' "$logs/ufb.log" | sed 's/.*://')

infinity_port=$((20000 + RANDOM % 20000))
OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads \
  "$infinity" v2 --model-id "$model" --host 127.0.0.1 --port "$infinity_port" --device cpu --engine torch \
  > "$logs/infinity.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$infinity_port/models" > /dev/null && break; sleep 0.2; done

percentile_ms() {
  awk -v p="$1%" '$1 == p {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+/, "", v);
    f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; printf "%.2f", v * f}'
}
text="paris is the capital of france ."
openai_body="{\"model\": \"m\", \"input\": \"$text\"}"
echo "| server | route | connections | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---:|---:|---:|---:|---:|"
for target in "ufb|http://127.0.0.1:$ufb_port/embed|{\"inputs\": \"$text\"}" \
              "ufb|http://127.0.0.1:$ufb_port/v1/embeddings|$openai_body" \
              "infinity-emb|http://127.0.0.1:$infinity_port/embeddings|$openai_body"; do
  IFS='|' read -r server url body <<< "$target"
  export UFB_LOAD_BODY=$body
  wrk -t 2 -c 8 -d 3s -s tools/serve_load.lua "$url" > /dev/null  # warm-up
  for connections in 1 8 64; do
    out=$(wrk -t "$((connections < 2 ? 1 : 2))" -c "$connections" -d "${seconds}s" --latency -s tools/serve_load.lua "$url")
    rps=$(echo "$out" | awk '/^Requests\/sec/ {printf "%.0f", $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    echo "| $server | ${url#http://127.0.0.1:*/} | $connections | $rps | $(echo "$out" | percentile_ms 50) | $(echo "$out" | percentile_ms 99) | ${non2xx:-0} |"
  done
done
