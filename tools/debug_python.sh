#!/bin/sh
# debug_python.sh NAME: makes sure the debug interpreter NAME (python3.11-dbg,
# say) is there to build fastio for and to count references with.  Debian's
# python3.X-dbg comes with the venv module and the test package regrtest
# needs (python3.X-venv, libpython3.X-testsuite), installed when missing.
set -eu
name=$1
case "$name" in
  python3.*-dbg)
    v=${name#python}; v=${v%-dbg}
    "$(dirname "$0")/apt_install.sh" "$name" "python$v-venv" "libpython$v-testsuite" ;;
esac
"$name" -c "import sys; sys.exit(not hasattr(sys, 'gettotalrefcount'))" || {
  echo "debug_python.sh: $name is not a debug interpreter (no sys.gettotalrefcount)" >&2
  exit 1
}
