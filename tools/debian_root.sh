#!/bin/sh
# debian_root.sh: the CPython versions pyenv here lacks (3.14, 3.15), from
# Debian's unstable suite, in a root made with debootstrap.  The Makefile
# runs an interpreter through it wherever one of a supported version is not
# on the machine; nothing else uses it.
#
#   debian_root.sh provides VERSION        exit 0 if the root has python VERSION
#   debian_root.sh ensure                  make the root unless it is up to date
#   debian_root.sh run VERSION -- CMD...   CMD inside the root, in the current
#                                          directory, the checkout at its own path
#
# The root (FASTIO_DEBIAN_ROOT, /var/cache/fastio/debian-unstable by default)
# lives outside the clone so a kept machine reuses it; it is only a cache: one
# that is missing, was made for another package list, or whose interpreters
# do not run is made anew (ensure).  Each run mounts what it needs in a mount
# namespace of its own, so two runs do not see each other's mounts and none
# outlives its run.  Needs root.
set -eu

VERSIONS="3.14 3.15"
ROOT=${FASTIO_DEBIAN_ROOT:-/var/cache/fastio/debian-unstable}
# What the suite, the wheels and the debug interpreters need.  Changing the
# list makes the root anew (the stamp holds it).
PACKAGES="gcc libc6-dev make ca-certificates redis-server memcached"
for v in $VERSIONS; do
  PACKAGES="$PACKAGES python$v python$v-dev python$v-venv python$v-dbg libpython$v-testsuite"
done
STAMP=$ROOT/.fastio-packages
here=$(dirname "$(realpath "$0")")
checkout=$(dirname "$here")

die() { echo "debian_root.sh: $*" >&2; exit 1; }

provides() {
  for v in $VERSIONS; do [ "$v" = "$1" ] && return 0; done
  return 1
}

# The host's Debian mirror (the first URIs of its apt sources that serve
# the main archive, not the security one), so the root comes from where the
# host's packages come from.
mirror() {
  awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null
  awk '$1 == "deb" && $2 !~ /security/ && $2 !~ /^\[/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true
}

healthy() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PACKAGES" ] || return 1
  for v in $VERSIONS; do
    chroot "$ROOT" "python$v" -c "import test.test_asyncio.test_streams" 2>/dev/null || return 1
  done
}

# Pip inside the root is configured as on the host: its configuration files,
# its CA bundle, and (through the environment, which runs keep) PIP_* and
# any file a PIP_* variable names.
copy_host_config() {
  for f in /etc/resolv.conf /etc/hosts /etc/pip.conf /etc/ssl/certs/ca-certificates.crt; do
    if [ -e "$f" ]; then mkdir -p "$ROOT$(dirname "$f")" && cp -L "$f" "$ROOT$f"; fi
  done
  if [ -d /etc/xdg/pip ]; then mkdir -p "$ROOT/etc/xdg" && rm -rf "$ROOT/etc/xdg/pip" && cp -rL /etc/xdg/pip "$ROOT/etc/xdg/"; fi
  env | sed -n 's/^PIP_[A-Z_]*=//p' | while read -r value; do
    if [ -f "$value" ]; then mkdir -p "$ROOT$(dirname "$value")" && cp -L "$value" "$ROOT$value"; fi
  done
}

make_root() {
  mirror=$(mirror | head -n 1)
  [ -n "$mirror" ] || die "no Debian mirror in the host's apt sources"
  "$here/apt_install.sh" debootstrap
  echo "debian_root.sh: making $ROOT from $mirror (unstable)"
  rm -rf "$ROOT"
  mkdir -p "$ROOT"
  # Bookworm's debian-archive-keyring verifies unstable's Release (it is
  # signed with the 12/bookworm and 13/trixie archive keys).
  debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    unstable "$ROOT" "$mirror" >"$ROOT.log" 2>&1 || die "debootstrap failed: $ROOT.log"
  # A mirror frozen at a date serves a Release past its Valid-Until; the
  # signature is still checked.  No service starts inside the root.
  echo 'Acquire::Check-Valid-Until "false";' >"$ROOT/etc/apt/apt.conf.d/99fastio"
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod +x "$ROOT/usr/sbin/policy-rc.d"
  copy_host_config
  in_root /bin/sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $PACKAGES && apt-get clean" \
    >>"$ROOT.log" 2>&1 || die "installing the packages failed: $ROOT.log"
  echo "$PACKAGES" >"$STAMP"
}

# The root up to date; made anew (holding the lock alone, so after the runs
# using the old one have ended) when it is not.  A healthy root costs no
# wait, so runs go on side by side.
ensure() {
  [ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mount)"
  mkdir -p "$(dirname "$ROOT")"
  exec 9>"$ROOT.lock"
  if ! healthy; then
    flock 9
    healthy || make_root
    healthy || die "the root at $ROOT does not run python $VERSIONS"
  fi
  copy_host_config
  # Shared until the caller ends: no one remakes the root under a run.
  flock -s 9
}

# CMD in the root with /proc, /dev and the checkout mounted, in a mount
# namespace of this run's own: the mounts vanish with it even if it is
# killed, and the trap unmounts them on any ordinary exit.
in_root() {
  unshare --mount --propagation private /bin/sh -eu -c '
    root=$1 checkout=$2 cwd=$3; shift 3
    trap "umount -l \"\$root\$checkout\" \"\$root/dev\" \"\$root/proc\" 2>/dev/null || true" EXIT
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mkdir -p "$root$checkout"
    mount --bind "$checkout" "$root$checkout"
    # A directory a PIP_* variable names (find-links, say) at its own path.
    for dir in $(env | sed -n "s/^PIP_[A-Z_]*=//p"); do
      if [ -d "$dir" ] && [ "${dir#/}" != "$dir" ]; then mkdir -p "$root$dir" && mount --bind "$dir" "$root$dir"; fi
    done
    chroot "$root" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
  ' in_root "$ROOT" "$checkout" "$(pwd)" "$@"
}

case "${1:-}" in
  provides)
    [ $# -eq 2 ] || die "usage: debian_root.sh provides VERSION"
    provides "$2" ;;
  ensure)
    ensure ;;
  run)
    [ $# -ge 4 ] && [ "$3" = "--" ] || die "usage: debian_root.sh run VERSION -- COMMAND..."
    provides "$2" || die "python $2 does not come from the root (it has $VERSIONS)"
    version=$2; shift 3
    case "$(pwd)/" in "$checkout"/*) ;; *) die "run it from inside the checkout ($checkout)" ;; esac
    ensure
    echo "== debian_root.sh: python$version in $ROOT: $*" >&2
    in_root /usr/bin/env HOME=/root PATH=/usr/local/bin:/usr/bin:/bin "$@" ;;
  *)
    die "usage: debian_root.sh provides VERSION | ensure | run VERSION -- COMMAND..." ;;
esac
