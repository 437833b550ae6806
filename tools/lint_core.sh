#!/bin/sh
# lint_core.sh VENV: cython-lint over the compiled core (settings in
# pyproject.toml), running VENV's pycodestyle.  cython-lint runs its checks
# of names and inlining on .pyx and .pxd files only, not on the .pxi files
# _buffer.pyx includes, so each .pxi is checked once more as a .pyx of its
# own, beside a copy of the .pxd, and reported under its own name.
set -u
venv=$(realpath "$1")
rc=0
PATH="$venv/bin:$PATH" cython-lint fastio || rc=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in fastio/_core/*.pxi; do
  n=$(basename "$f" .pxi)
  cp "$f" "$tmp/$n.pyx"
  cp fastio/_buffer.pxd "$tmp/$n.pxd"
done
cp pyproject.toml "$tmp/"
(cd "$tmp" && "$venv/bin/cython-lint" --no-pycodestyle *.pxd *.pyx) >"$tmp/out" || rc=1
sed -e "s|$tmp/\([a-z_]*\)\.pyx|fastio/_core/\1.pxi|g" -e "s|$tmp/[a-z_]*\.pxd|fastio/_buffer.pxd|g" \
  "$tmp/out" | sort -u -t: -k1,1 -k2,2n
exit $rc
