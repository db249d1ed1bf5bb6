#!/usr/bin/env bash
# Builds ufb twice, as released and under AddressSanitizer + UndefinedBehaviorSanitizer, and
# runs the whole test suite in both builds. Where the CUDA toolkit is installed, the release
# build also compiles and links the CUDA backend; its numeric tests run only where a GPU is.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$(date +%s)
phase() { echo "test.sh: [$(( $(date +%s) - start )) s] $*"; }

cuda_options=()
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
phase "release tests"
ctest --test-dir build --output-on-failure -j "$jobs"

phase "sanitizer build"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUFB_SANITIZE=ON
cmake --build build-asan -j "$jobs"
phase "sanitizer tests"
ctest --test-dir build-asan --output-on-failure -j "$jobs"

# Each libFuzzer target for 30 s from its committed seeds (docs/fuzzing.md).
phase "fuzzing"
scripts/fuzz.sh 30
phase "done"
