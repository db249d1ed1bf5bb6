#!/usr/bin/env bash
# Proves that the wheel of `pip wheel .` runs on another machine of the same kind that has only
# the run-time libraries docs/python.md lists: builds the wheel (in BUILD_DIR, default build, with
# the pinned build tools of scripts/python-tests.sh's environment), makes a minimal Debian 12 root
# with Python and those libraries only (no compiler, no -dev package, no ufb checkout), installs
# the wheel and NumPy into a new virtual environment there and runs the built-in model, an
# embedding and the FFF kernel.
#
# Usage: scripts/wheel-check.sh [BUILD_DIR]   (needs root, as scripts/fresh-machine.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
start=$(date +%s)
say() { echo "wheel-check: [$(( $(date +%s) - start )) s] $*"; }

# What the module links from the system (`ldd` of ufb/_ufb*.so), and Python to run it.
runtime_packages=libdnnl2,libopenblas0-openmp,libhwy1,libutf8proc2,libpcre2-8-0,libzip4,libgomp1
python_packages=python3,python3-venv,ca-certificates

source scripts/debian-root.sh

venv=${UFB_TEST_VENV:-.venv-test}
[ -x "$venv/bin/python" ] || { say "no $venv: run scripts/python-tests.sh first (it makes the build environment)"; exit 1; }
wheels=$(mktemp -d /var/tmp/ufb-wheel.XXXXXX)
say "pip wheel . (built in $build_dir)"
"$venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-build-isolation --no-deps \
  --config-settings=build-dir="$build_dir" --wheel-dir "$wheels" .
wheel=$(ls "$wheels"/ufb-*.whl)
say "built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"

root=${UFB_FRESH_ROOT:-$(mktemp -d /var/tmp/ufb-wheel-root.XXXXXX)}
say "building a minimal Debian 12 root with $runtime_packages"
debian_root_create "$root" "$runtime_packages,$python_packages"
cp "$wheel" "$root/tmp/"
numpy=$(grep -E '^numpy==' tests/python/requirements.txt)
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 /bin/bash -euo pipefail -c "
python3 -m venv /tmp/venv
/tmp/venv/bin/pip install --quiet --disable-pip-version-check '$numpy' /tmp/$(basename "$wheel")
cd /tmp && /tmp/venv/bin/python - <<'PY'
import numpy as np
import ufb

model = ufb.Model()
masks = model.fill_mask('the [MASK] of the house.')
print('fill_mask:', masks)
vectors = model.encode(['a first sentence', 'and a second one'])
assert vectors.shape[0] == 2 and np.isfinite(vectors).all(), vectors.shape
rng = np.random.default_rng(0)
x = rng.standard_normal((5, 16), dtype=np.float32)
w_in = rng.standard_normal((15, 16), dtype=np.float32)
y, leaves, _ = ufb.fff_forward(x, w_in, np.zeros(15, np.float32), w_in, depth=3)
assert y.shape == (5, 16) and leaves.shape == (5, 1), (y.shape, leaves.shape)
print('encode:', vectors.shape, 'fff_forward:', y.shape)
PY"
rm -rf "$wheels"
say "the wheel runs on a Debian 12 root with only Python and $runtime_packages"
