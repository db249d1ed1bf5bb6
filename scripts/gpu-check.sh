#!/usr/bin/env bash
# The checks a machine with an NVIDIA GPU runs on a CUDA build (docs/cuda.md), in one go: the CUDA
# tests (the kernels and the encoder against the CPU), compute-sanitizer's memcheck and racecheck
# on the encoder's tests where it is installed, then `ufb bench model --device cuda` on the
# BERT-base shape and UltraFastBERT-1x11 at batch 1, 32 and 256. Everything it prints goes to
# OUT_DIR/gpu-check.log as well, the benchmark's rows to OUT_DIR/bench-model-cuda.json.
#
# Usage: scripts/gpu-check.sh BUILD_DIR OUT_DIR   (BUILD_DIR configured with -DUFB_CUDA=ON)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/gpu-check.sh BUILD_DIR OUT_DIR" >&2; exit 2; }
build=$1
out=$2
mkdir -p "$out"
exec > >(tee "$out/gpu-check.log") 2>&1
start=$(date +%s)
step() { echo "gpu-check: [$(( $(date +%s) - start )) s] $*"; }

nvidia-smi -L
step "CUDA tests"
status=0
"$build/tests/cuda/ufb_cuda_test" || status=1
if command -v compute-sanitizer >/dev/null || [ -x /usr/local/cuda/bin/compute-sanitizer ]; then
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  for tool in memcheck racecheck; do
    step "compute-sanitizer --tool $tool on the encoder's tests"
    "$sanitizer" --tool "$tool" --error-exitcode 1 "$build/tests/cuda/ufb_cuda_test" \
      --gtest_filter='Cuda*:-*Concurrent*' || status=1
  done
else
  step "compute-sanitizer not found: memcheck and racecheck not run"
fi
step "ufb bench model --device cuda"
"$build/ufb" bench model --device cuda --batch 1,32,256 --seq 128 --min-seconds 1 \
  --json "$out/bench-model-cuda.json" || status=1
step "done (status $status)"
exit "$status"
