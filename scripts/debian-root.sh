# Sourced by scripts/fresh-machine.sh and scripts/wheel-check.sh: a minimal Debian 12 root
# (mmdebstrap --variant=minbase) from this machine's apt sources, with /proc, /sys, /dev and a
# /tmp tmpfs mounted, that a trap unmounts and (unless UFB_FRESH_ROOT names it) deletes on exit.
# Needs root. Defines:
#   debian_root_create ROOT [PACKAGE,...]   build the root, with those packages installed too
#   debian_root_bind SOURCE TARGET [ro]     bind-mount SOURCE at TARGET until exit
# and sets debian_root (the root's path).

if [ "$(id -u)" -ne 0 ]; then
  echo "$(basename "$0"): must run as root (it builds a Debian root and chroots into it)" >&2
  exit 1
fi
if ! command -v mmdebstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi

debian_root_mounts=()
debian_root=
debian_root_keep=${UFB_FRESH_ROOT:+yes}
debian_root_cleanup() {
  local status=$?
  local index
  # Unmount in reverse order; the recursive binds are rslaves, so nothing reaches the host's mounts.
  for (( index=${#debian_root_mounts[@]} - 1; index >= 0; index-- )); do
    umount -R "${debian_root_mounts[index]}" 2>/dev/null || umount -lR "${debian_root_mounts[index]}" || true
  done
  if [ -n "$debian_root" ] && [ -z "$debian_root_keep" ]; then rm -rf --one-file-system "$debian_root"; fi
  exit "$status"
}
trap debian_root_cleanup EXIT
trap 'exit 130' INT TERM

debian_root_bind() {
  mkdir -p "$2"
  mount --rbind "$1" "$2"
  mount --make-rslave "$2"
  debian_root_mounts+=("$2")
  if [ "${3:-}" = ro ]; then mount -o remount,bind,ro "$2"; fi
}

debian_root_create() {
  debian_root=$1
  mmdebstrap --quiet --variant=minbase --mode=root ${2:+--include="$2"} bookworm "$debian_root" \
    /etc/apt/sources.list.d/debian.sources
  # The host's apt options (proxies, mirror quirks) are how any machine here reaches the archive;
  # its local certificate authorities and pip options are how it reaches PyPI. Debian's
  # ca-certificates package, once installed, rebuilds the bundle from
  # /usr/local/share/ca-certificates too.
  cp /etc/apt/apt.conf.d/* "$debian_root/etc/apt/apt.conf.d/" 2>/dev/null || true
  if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$debian_root/usr/local/share/ca-certificates"
    cp -r /usr/local/share/ca-certificates/. "$debian_root/usr/local/share/ca-certificates/"
  fi
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$debian_root/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$debian_root/etc/ssl/certs/"
  fi
  if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$debian_root/etc/pip.conf"; fi
  mount -t proc proc "$debian_root/proc"
  debian_root_mounts+=("$debian_root/proc")
  debian_root_bind /sys "$debian_root/sys"
  debian_root_bind /dev "$debian_root/dev"
  mount -t tmpfs -o size=4g tmpfs "$debian_root/tmp"
  debian_root_mounts+=("$debian_root/tmp")
}
