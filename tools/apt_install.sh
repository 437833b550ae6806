#!/bin/sh
# apt_install.sh PACKAGE...: installs the Debian packages of the list that are
# not installed yet, so a fresh machine gets what a make target needs and a
# machine that has them pays one dpkg query.  The package lists are refreshed
# only when an install from the current ones fails (a fresh machine's may be
# empty or old).  Another apt run holding dpkg's lock is waited for, not
# failed on.  Needs root, or sudo that asks no password.
set -eu
missing=""
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo -n"; fi
echo "apt_install:$missing"
install() {
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends $missing
}
install || { $sudo apt-get -o DPkg::Lock::Timeout=600 update -q && install; }
