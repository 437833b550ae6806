#!/bin/sh
# check_sdist.sh SDIST: every file git tracks that building or testing needs
# is in SDIST (whatever new .pyx, .pxi or test file appears), and nothing
# generated (C, shared objects, annotated HTML) is.
set -eu
listed=$(tar tzf "$1" | sed 's,^[^/]*/,,')
status=0
for f in $(git ls-files fastio tests requirements tools LICENSE README.md pyproject.toml setup.py MANIFEST.in); do
  if ! printf '%s\n' "$listed" | grep -qxF "$f"; then echo "missing from $1: $f" >&2; status=1; fi
done
generated=$(printf '%s\n' "$listed" | grep -E '\.(c|so|html)$' || true)
if [ -n "$generated" ]; then echo "generated files in $1: $generated" >&2; status=1; fi
[ $status = 0 ] && echo "$1: $(printf '%s\n' "$listed" | grep -c '[^/]$') files, none missing, none generated"
exit $status
