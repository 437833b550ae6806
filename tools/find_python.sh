#!/bin/sh
# find_python.sh VERSION: the path of a working python VERSION (3.11, say),
# the newest under pyenv first, else on PATH; nothing if there is none.  Each
# candidate must run and be that version: a pyenv shim for an inactive
# version is not.
v=$1
for c in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" 2>/dev/null | sort -V -r) \
         $(command -v "python$v" || true); do
  if "$c" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$v'.split('.'))))" 2>/dev/null; then
    echo "$c"
    exit 0
  fi
done
