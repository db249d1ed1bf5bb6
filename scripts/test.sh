#!/usr/bin/env bash
# Runs every test of ufb, in phases; all of them by default, in this order:
#   release   the Release build (build/), with the CUDA backend where the CUDA toolkit is
#             installed (its numeric tests run only where a GPU is), and the whole suite, after
#             scripts/fetch-models.sh has fetched the real checkpoints into the model cache
#             (where it cannot, a warning, and the tests that need them skip); then the pytest
#             suite of tests/python, `ufb serve` driven by the real huggingface_hub and openai
#             clients (scripts/python-tests.sh: skipped with a line saying why where its virtual
#             environment cannot be made)
#   sanitize  an AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/, -O1, no CUDA)
#             and the whole suite in it (the real checkpoints fetched likewise)
#   fuzz      each libFuzzer target for 30 s from its committed seeds (docs/fuzzing.md)
# Usage: scripts/test.sh [release] [sanitize] [fuzz]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$(date +%s)
phase() { echo "test.sh: [$(( $(date +%s) - start )) s] $*"; }

phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(release sanitize fuzz)
for name in "${phases[@]}"; do
  case $name in
    release | sanitize | fuzz) ;;
    *) echo "test.sh: unknown phase '$name' (expected release, sanitize or fuzz)" >&2; exit 2 ;;
  esac
done

# The real checkpoints the model tests compare against (cached; fast once fetched).
fetch_models() {
  phase "fetching models"
  scripts/fetch-models.sh ||
    echo "test.sh: warning: scripts/fetch-models.sh failed; the tests that need a real checkpoint skip"
}

release() {
  local cuda_options=()
  local nvcc_path
  nvcc_path=$(command -v nvcc || true)
  if [ -z "$nvcc_path" ] && [ -x /usr/local/cuda/bin/nvcc ]; then nvcc_path=/usr/local/cuda/bin/nvcc; fi
  if [ -n "$nvcc_path" ]; then
    echo "test.sh: CUDA toolkit found at $nvcc_path: building the CUDA backend as well"
    cuda_options=(-DUFB_CUDA=ON "-DCMAKE_CUDA_COMPILER=$nvcc_path")
  else
    echo "test.sh: no CUDA toolkit found: CPU build only"
  fi
  phase "release build"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${cuda_options[@]}"
  cmake --build build -j "$jobs"
  fetch_models
  phase "release tests"
  ctest --test-dir build --output-on-failure -j "$jobs"
  phase "python client tests"
  scripts/python-tests.sh build
}

# -O1 and line tables only (-g1): the sanitizers find the same faults as at -O2, the build takes
# a fraction of the time, and reports still name file and line.
sanitize() {
  phase "sanitizer build"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DUFB_SANITIZE=ON
  cmake --build build-asan -j "$jobs"
  fetch_models
  phase "sanitizer tests"
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
}

fuzz() {
  phase "fuzzing"
  scripts/fuzz.sh 30
}

for name in "${phases[@]}"; do "$name"; done
phase "done"
