#!/usr/bin/env bash
# The pytest suite of tests/python: the Python package ufb (`pip install .`) against the command
# line and sentence-transformers' goldens, and `ufb serve` driven by the real Python clients of
# TEI and OpenAI (huggingface_hub.InferenceClient, openai), compared with the ufb command line.
# Creates (once) a virtual environment with the pinned packages of tests/python/requirements.txt
# in UFB_TEST_VENV (default: .venv-test/ in the checkout, ignored by git); reinstalls only when
# that file changes. Where the environment cannot be made (no python3-venv, no network), says why
# in one line and exits 0: the suite is skipped, not failed.
# Usage: scripts/python-tests.sh [BUILD_DIR] [PYTEST_ARGS...]   (BUILD_DIR default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
venv=${UFB_TEST_VENV:-.venv-test}
requirements=tests/python/requirements.txt
stamp=$venv/.requirements.sha256
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)

skip() { echo "python-tests: skipped: $*"; exit 0; }

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  log=$(mktemp /tmp/ufb-python-tests.XXXXXX.log)
  python3 -m venv "$venv" >"$log" 2>&1 ||
    skip "cannot create a virtual environment in $venv (python3-venv missing? see $log)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >>"$log" 2>&1 ||
    skip "cannot install $requirements into $venv (no network? see $log)"
  echo "$wanted" >"$stamp"
  rm -f "$log"
fi

# `pip install .` of the package into the environment, built in BUILD_DIR: the C++ there is
# already compiled with the same flags, so only the extension module compiles (no second build of
# the library). No build isolation: scikit-build-core and nanobind are pinned in the requirements.
# --config-settings in full: Debian 12's pip (23.0) has no -C.
log=$(mktemp /tmp/ufb-python-install.XXXXXX.log)
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-build-isolation --no-deps \
    --force-reinstall --config-settings=build-dir="$build_dir" . >"$log" 2>&1; then
  tail -n 40 "$log"
  echo "python-tests: pip install . failed (whole log: $log)" >&2
  exit 1
fi
rm -f "$log"

status=0
UFB_BINARY="$PWD/$build_dir/ufb" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python "$@" || status=$?
# 5: no tests collected (all deselected by PYTEST_ARGS, say), which is no failure.
if [ "$status" -eq 5 ]; then status=0; fi
exit "$status"
