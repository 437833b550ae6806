#!/bin/sh
# lock.sh PYTHON [--upgrade]: the locks every interpreter installs from,
# made by uv (itself locked in requirements/uv.txt, installed into .venv-uv
# by PYTHON the first time).  Without --upgrade each lock keeps its pins and
# gains (or loses) only what an edit of requirements/*.in asks; with it,
# every lock takes the newest versions its interpreter can.  One lock per
# interpreter that tools/find_python.sh finds for VERSIONS, or else
# tools/debian_root.sh provides (and pypy3, if on PATH):
# requirements/<tag>.txt; then uv's own; then the one lock of each
# requirements/suites-*.in, for every interpreter, its markers choosing;
# then pyproject.toml's build requirement takes the locks' Cython
# (tools/build_requires.py).
set -eu
: "${VERSIONS:?the interpreters to lock for (make passes its VERSIONS)}"
python=$1
shift
uv=.venv-uv/bin/uv
if [ ! -x "$uv" ]; then
  "$python" -m venv .venv-uv
  .venv-uv/bin/python -m pip -q install --require-hashes -r requirements/uv.txt
fi
# $run: what runs uv where the interpreter is (the Debian root's `run` for
# the versions tools/debian_root.sh provides and the machine lacks).
run=""
compile() {
  $run "$uv" pip compile -q "$@" --generate-hashes --custom-compile-command "make lock (or make upgrade-deps)"
}
pytag="import sys; print(f'{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}')"
for v in $VERSIONS; do
  py=$(tools/find_python.sh "$v")
  if [ -z "$py" ] && tools/debian_root.sh provides "$v"; then py="debian-root:$v"; fi
  echo "$py"
done | { cat; command -v pypy3 || true; } | while read -r py; do
  [ -n "$py" ] || continue
  case $py in
    debian-root:*) v=${py#debian-root:}; py=python$v; run="tools/debian_root.sh run $v --" ;;
    *) run="" ;;
  esac
  tag=$($run "$py" -c "$pytag")
  compile "$@" --python "$py" requirements/dev.in -o "requirements/$tag.txt"
  echo "== $py: requirements/$tag.txt"
done
run=""
compile "$@" requirements/uv.in -o requirements/uv.txt
for in in requirements/suites-*.in; do
  compile "$@" --universal --python-version 3.9 "$in" -o "${in%.in}.txt"
  echo "== every interpreter: ${in%.in}.txt"
done
"$python" tools/build_requires.py
