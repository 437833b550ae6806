#!/bin/sh
# wheel_for.sh PYTHON AUDITWHEEL SDIST WHEELHOUSE: PYTHON's wheel of SDIST,
# stripped and repaired to a manylinux tag by AUDITWHEEL (patchelf beside
# it), left in WHEELHOUSE, then checked where there is no compiler
# (check_wheel.sh).  `make wheels` runs it once per interpreter, inside the
# Debian root for the versions that come from there.
set -eu
python=$1 auditwheel=$2 sdist=$3 wheelhouse=$4
here=$(dirname "$0")
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
"$python" -m pip --disable-pip-version-check -q wheel --no-deps --no-cache-dir -w "$raw" "$sdist"
PATH="$(dirname "$auditwheel"):$PATH" "$auditwheel" repair --strip -w "$wheelhouse" "$raw"/*.whl
tag=$("$python" -c "import sys; print(f'cp{sys.version_info[0]}{sys.version_info[1]}')")
"$here/check_wheel.sh" "$python" "$wheelhouse"/fastio-*-"$tag"-*.whl
