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

if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-machine: must run as root (it builds a Debian root and chroots into it)" >&2
  exit 1
fi
if ! command -v mmdebstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi

# README's quick-start block: the first ```sh block after the "## Quick start" heading.
quick_start=$(awk '/^## Quick start/ { section = 1 }
                   section && /^```sh$/ { inside = 1; next }
                   inside && /^```$/ { exit }
                   inside { print }' README.md)
if [ -z "$quick_start" ]; then
  echo "fresh-machine: README.md has no \`\`\`sh block under '## Quick start'" >&2
  exit 1
fi

keep_root=${UFB_FRESH_ROOT:+yes}
root=${UFB_FRESH_ROOT:-$(mktemp -d /var/tmp/ufb-fresh.XXXXXX)}
mounts=()
cleanup() {
  local status=$?
  local index
  # Unmount in reverse order; the recursive binds are rslaves, so nothing reaches the host's mounts.
  for (( index=${#mounts[@]} - 1; index >= 0; index-- )); do
    umount -R "${mounts[index]}" 2>/dev/null || umount -lR "${mounts[index]}" || true
  done
  if [ -z "$keep_root" ]; then rm -rf --one-file-system "$root"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building a minimal Debian 12 root in $root"
mmdebstrap --quiet --variant=minbase --mode=root bookworm "$root" /etc/apt/sources.list.d/debian.sources
# The host's apt options (proxies, mirror quirks) are how any machine here reaches the archive;
# its local certificate authorities and pip options are how it reaches PyPI (scripts/fetch-models.sh
# and the Python client tests). Debian's ca-certificates package, once installed, rebuilds the
# bundle from /usr/local/share/ca-certificates too.
cp /etc/apt/apt.conf.d/* "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
if [ -d /usr/local/share/ca-certificates ]; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
fi
if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$root/etc/pip.conf"; fi

bind() {  # bind SOURCE TARGET [ro]
  mkdir -p "$2"
  mount --rbind "$1" "$2"
  mount --make-rslave "$2"
  mounts+=("$2")
  if [ "${3:-}" = ro ]; then mount -o remount,bind,ro "$2"; fi
}
mount -t proc proc "$root/proc"; mounts+=("$root/proc")
bind /sys "$root/sys"
bind /dev "$root/dev"
mount -t tmpfs -o size=4g tmpfs "$root/tmp"; mounts+=("$root/tmp")

# The CUDA toolkit is no Debian package: where this machine has one, the release phase builds the
# CUDA backend with it too (README's set-up command and quick start never see it: they run first
# and configure without CUDA).
if [ -x /usr/local/cuda/bin/nvcc ]; then bind "$(readlink -f /usr/local/cuda)" "$root/usr/local/cuda" ro; fi

workdir=/work
git clone --quiet --no-hardlinks "$repo" "$root$workdir/ufb"
if [ -d "$repo/../shared" ] && [ -z "${UFB_FRESH_WITHOUT_SHARED:-}" ]; then
  bind "$(cd "$repo/../shared" && pwd)" "$root$workdir/shared" ro
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
