#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, AddressSanitizer + UndefinedBehaviorSanitizer) and
# runs each for SECONDS (default 30) from its committed seeds. Fails on any crash, sanitizer
# finding, leak, timeout or out-of-memory; the input that caused it is left in build-fuzz/crashes/.
# Inputs that found new coverage go to build-fuzz/corpus/TARGET, never into the repository.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: see fuzz/CMakeLists.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
targets=("${@:2}")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(safetensors torch_pickle pytorch_bin pytorch_bin_records config tokenizer_json tokenize serve_request)
fi

# The tokenize target fuzzes BERT's tokenizer.json from the shared data beside the checkout.
bert_tokenizer=../shared/data/vocab/bert-base-uncased/tokenizer.json
if [ ! -e "$bert_tokenizer" ] && [[ " ${targets[*]} " == *" tokenize "* ]]; then
  echo "fuzz.sh: tokenize skipped: needs $bert_tokenizer, which is missing"
  for index in "${!targets[@]}"; do [ "${targets[index]}" != tokenize ] || unset "targets[index]"; done
  targets=("${targets[@]}")
fi

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DUFB_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "${UFB_BUILD_JOBS:-$(nproc)}" --target "${targets[@]/%/_fuzzer}"

dictionary_of() {
  case $1 in
    torch_pickle | pytorch_bin | pytorch_bin_records) echo fuzz/dict/pickle.dict ;;
    tokenize) ;;
    *) echo fuzz/dict/json.dict ;;
  esac
}

mkdir -p build-fuzz/crashes build-fuzz/logs
for target in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$target"
  options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
           -artifact_prefix="build-fuzz/crashes/$target-")
  dictionary=$(dictionary_of "$target")
  if [ -n "$dictionary" ]; then options+=(-dict="$dictionary"); fi
  log=build-fuzz/logs/$target.log
  if ! "build-fuzz/fuzz/${target}_fuzzer" "${options[@]}" "build-fuzz/corpus/$target" \
       "fuzz/corpus/$target" >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz.sh: $target failed; the input is in build-fuzz/crashes/ (log: $log)"
    exit 1
  fi
  echo "fuzz.sh: $target: ${seconds} s, $(grep -E '^stat::number_of_executed_units' "$log" |
    awk '{print $2}') runs, no finding; $(grep -E '^(#[0-9]+)\s+DONE' "$log" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9/a-zA-Z]+')"
done
