#!/usr/bin/env bash
# Load benchmark of `ufb serve` with wrk (Debian package `wrk`): requests/s and p50/p99 latency
# at 1, 8 and 64 concurrent connections, the server's resident memory before and after at
# least 100k requests, and every non-2xx answer counted.
#
#   tools/serve_load.sh [MODEL_DIR] [TOKENIZER] [ROUTE] [SECONDS_PER_LEVEL]
#
# Defaults: the tiny test classifier and tokenizer of tests/data, route /embed, 10 s per level.
# UFB_LOAD_BODY overrides the JSON body; UFB_SERVE_ARGS the server's extra options (default
# "--threads 1": a model this small gains nothing from a second OpenMP thread, and on a shared
# machine an OpenMP team's barriers wait for descheduled threads). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-tests/data/model/fff_cls_avg}
tokenizer=${2:-tests/data/cli/tokenizer.json}
route=${3:-/embed}
seconds=${4:-10}
ufb=${UFB_BINARY:-build/ufb}
command -v wrk > /dev/null || { echo "serve_load.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }

log=$(mktemp)
# shellcheck disable=SC2086  # UFB_SERVE_ARGS holds several words
"$ufb" serve --model "$model" --tokenizer "$tokenizer" --port 0 ${UFB_SERVE_ARGS:---threads 1} > "$log" 2>&1 &
server=$!
trap 'kill $server 2> /dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
port=$(grep -o 'listening on http://[^ ]*' "$log" | sed 's/.*://')
url="http://127.0.0.1:$port$route"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
answered() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^ufb_requests_total/ {sum += $2} END {print sum + 0}'; }

# wrk's latency lines read "50%  1.23ms"; convert to milliseconds.
percentile_ms() {
  awk -v p="$1%" '$1 == p {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+/, "", v);
    f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; printf "%.2f", v * f}'
}

wrk -t 2 -c 8 -d 2s -s tools/serve_load.lua "$url" > /dev/null  # warm-up
rss_before=$(rss_kib)
requests_before=$(answered)

echo "| connections | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---:|---:|---:|---:|---:|"
for connections in 1 8 64; do
  threads=$((connections < 2 ? 1 : 2))
  out=$(wrk -t "$threads" -c "$connections" -d "${seconds}s" --latency -s tools/serve_load.lua "$url")
  rps=$(echo "$out" | awk '/^Requests\/sec/ {printf "%.0f", $2}')
  p50=$(echo "$out" | percentile_ms 50)
  p99=$(echo "$out" | percentile_ms 99)
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  errors=$(echo "$out" | awk '/Socket errors/ {print}')
  echo "| $connections | $rps | $p50 | $p99 | ${non2xx:-0} |${errors:+ $errors}"
done
# Memory after at least 100k and 200k requests: a leak grows with each round, a warm server not.
run_until() {
  while [ $(( $(answered) - requests_before )) -lt "$1" ]; do
    wrk -t 2 -c 8 -d 5s -s tools/serve_load.lua "$url" > /dev/null
  done
}
run_until 100000
rss_100k=$(rss_kib)
requests_100k=$(( $(answered) - requests_before ))
run_until 200000
rss_200k=$(rss_kib)
echo
echo "server RSS: ${rss_before} KiB after warm-up, ${rss_100k} KiB after $requests_100k more requests," \
     "${rss_200k} KiB after $(( $(answered) - requests_before ))"
curl -s "http://127.0.0.1:$port/metrics" | grep '^ufb_requests_total'
