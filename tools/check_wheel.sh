#!/bin/sh
# check_wheel.sh PYTHON WHEEL: install WHEEL into a fresh virtualenv of
# PYTHON where no C compiler can be found and Cython is absent, then import
# fastio and echo a line through it (tools/echo_check.py).
set -eu
python=$1
wheel=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv "$tmp/venv"
# PATH holds the virtualenv alone: no cc, gcc or clang to fall back on.
run() { env -i HOME="$tmp" PATH="$tmp/venv/bin" "$@"; }
for cc in cc gcc clang; do
  if run /bin/sh -c "command -v $cc" >/dev/null; then echo "$cc is on PATH" >&2; exit 1; fi
done
run "$tmp/venv/bin/python" -m pip --disable-pip-version-check -q install --no-index --no-deps "$wheel"
if run "$tmp/venv/bin/python" -c "import Cython" 2>/dev/null; then echo "Cython is installed" >&2; exit 1; fi
cd "$tmp"
run "$tmp/venv/bin/python" -I "$here/echo_check.py"
