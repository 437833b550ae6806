#!/bin/sh
# wheel_for.sh PYTHON AUDITWHEEL SDIST WHEELHOUSE: PYTHON's wheel of SDIST,
# stripped and repaired to a manylinux tag by AUDITWHEEL (patchelf beside
# it), left in WHEELHOUSE, then checked: tagged manylinux_2_17, and working
# where there is no compiler (check_wheel.sh).  `make wheels` runs it once
# per interpreter, inside the Debian root for the versions from there.
set -eu
python=$1 auditwheel=$2 sdist=$3 wheelhouse=$4
here=$(dirname "$0")
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
"$python" -m pip --disable-pip-version-check -q wheel --no-deps --no-cache-dir -w "$raw" "$sdist"
PATH="$(dirname "$auditwheel"):$PATH" "$auditwheel" repair --strip -w "$wheelhouse" "$raw"/*.whl
tag=$("$python" -c "import sys; print(f'cp{sys.version_info[0]}{sys.version_info[1]}')")
wheel=$(ls "$wheelhouse"/fastio-*-"$tag"-*.whl)
# Every wheel as old a platform as the oldest (3.9's): auditwheel gives the
# oldest tag the extension's symbols allow, so a newer one means a newer
# glibc symbol crept in (from the Debian root's compiler, say).
case "$wheel" in
  *manylinux_2_17_*) ;;
  *) echo "wheel_for.sh: $(basename "$wheel") is not manylinux_2_17" >&2
     "$auditwheel" show "$wheel" >&2
     exit 1 ;;
esac
"$here/check_wheel.sh" "$python" "$wheel"
