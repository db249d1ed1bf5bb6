#!/usr/bin/env bash
# Proves README.md on a machine that has nothing but Debian 12. Builds a minimal Debian 12 root
# (mmdebstrap --variant=minbase) from this machine's apt sources, puts a clean clone of the
# committed tree in it (with ../shared beside it, read-only, where this checkout has one), and
# runs inside it, as a new user would: README's quick-start block (set-up command, fill-mask,
# kernel benchmark) verbatim, then the release phase of README's test command.
#
# Usage: scripts/fresh-machine.sh [TEST_PHASE...]   (default: release; see scripts/test.sh)
# Needs root (debootstrapping, chroot, mounts). Environment: UFB_FRESH_ROOT=DIR builds the root
# there instead of a temporary directory and keeps it afterwards (for looking around);
# UFB_FRESH_WITHOUT_SHARED=1 leaves ../shared out, as for a clone of the repository alone.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(release)
start=$(date +%s)
say() { echo "fresh-machine: [$(( $(date +%s) - start )) s] $*"; }

source scripts/debian-root.sh

# README's quick-start block: the first ```sh block after the "## Quick start" heading.
quick_start=$(awk '/^## Quick start/ { section = 1 }
                   section && /^```sh$/ { inside = 1; next }
                   inside && /^```$/ { exit }
                   inside { print }' README.md)
if [ -z "$quick_start" ]; then
  echo "fresh-machine: README.md has no \`\`\`sh block under '## Quick start'" >&2
  exit 1
fi

root=${UFB_FRESH_ROOT:-$(mktemp -d /var/tmp/ufb-fresh.XXXXXX)}
say "building a minimal Debian 12 root in $root"
debian_root_create "$root"

# The CUDA toolkit is no Debian package: where this machine has one, the release phase builds the
# CUDA backend with it too (README's set-up command and quick start never see it: they run first
# and configure without CUDA).
if [ -x /usr/local/cuda/bin/nvcc ]; then debian_root_bind "$(readlink -f /usr/local/cuda)" "$root/usr/local/cuda" ro; fi

workdir=/work
git clone --quiet --no-hardlinks "$repo" "$root$workdir/ufb"
if [ -d "$repo/../shared" ] && [ -z "${UFB_FRESH_WITHOUT_SHARED:-}" ]; then
  debian_root_bind "$(cd "$repo/../shared" && pwd)" "$root$workdir/shared" ro
else
  say "no ../shared beside the clone: the tests that need it will skip"
fi

say "README quick start, inside the fresh root:"
printf '%s\n' "$quick_start" | sed 's/^/  $ /'
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 TERM=dumb /bin/bash -euo pipefail -c "cd $workdir/ufb
$quick_start
bash scripts/test.sh ${phases[*]}"
say "README's commands passed on a bare Debian 12 root"
