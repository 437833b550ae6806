# Every target does its own set-up: a virtualenv per interpreter, the build and
# test dependencies, and the compiled extension, so a fresh clone needs only
# Python 3 and a C compiler.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# The interpreters `make test-all` looks for: under pyenv, else on PATH
# (each candidate must run: a pyenv shim for an inactive version does not).
VERSIONS ?= 3.9 3.10 3.11 3.12 3.13
PYENV_ROOT ?= $(HOME)/.pyenv
# Each interpreter installs from its own lock: requirements/cpython3.11.txt...
PYTAG_CODE := import sys; print(f'{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}')
PYTAG := $(shell $(PYTHON) -c "$(PYTAG_CODE)")
LOCK := requirements/$(PYTAG).txt
PYTEST_ARGS ?=
# apt-get needs root; elsewhere sudo, if it asks no password.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo -n)
SERVER_PACKAGES := redis-server memcached

.PHONY: all build debug servers test test-all suites bench wheel clean lock upgrade-deps lint typecheck

all: build

# The stamp is a copy of the lock the virtualenv was made from: when the lock
# changes the virtualenv is made anew, so it holds exactly what the lock says.
$(VENV)/.deps: $(LOCK)
	@test -f $(LOCK) || { echo "no lock for $(PYTAG): run make upgrade-deps with PYTHON=$(PYTHON)"; exit 1; }
	@cmp -s $(LOCK) $@ 2>/dev/null || rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes --no-deps -r $(LOCK)
	cp $(LOCK) $@

build: $(VENV)/.deps
	$(PY) setup.py -q build_ext --inplace

# Bounds checks, line tracing and annotated HTML (fastio/_buffer.html).
debug: $(VENV)/.deps
	FASTIO_DEBUG=1 $(PY) setup.py -q build_ext --inplace --force

# The real servers tests/integration and the library benchmarks talk to.
# Where they cannot be installed, those tests skip and say why.
servers:
	@command -v redis-server >/dev/null 2>&1 && command -v memcached >/dev/null 2>&1 || \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive sh -c \
	    'apt-get install -y -q --no-install-recommends $(SERVER_PACKAGES) || \
	     { apt-get update -q && apt-get install -y -q --no-install-recommends $(SERVER_PACKAGES); }' || \
	  echo "servers: could not install $(SERVER_PACKAGES); tests/integration will skip"

test: build servers
	$(PY) -m pytest tests $(PYTEST_ARGS)

# Other projects' own test suites, each run on asyncio and under
# fastio.install() in a virtualenv of its own (.venv-suites): fails on any
# test whose outcome differs (suites/run.py).  SUITES=aioftp runs one.
SUITES ?=
suites: build
	$(PY) suites/run.py $(SUITES)

test-all:
	@set -e; found=0; for v in $(VERSIONS); do \
	  py=; for c in $$(ls -d $(PYENV_ROOT)/versions/$$v.*/bin/python$$v 2>/dev/null | sort -V -r) $$(command -v python$$v || true); do \
	    if "$$c" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$$v'.split('.'))))" 2>/dev/null; then py=$$c; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then echo "== Python $$v: not found, skipped"; continue; fi; \
	  found=$$((found + 1)); \
	  echo "== Python $$v: $$py"; \
	  $(MAKE) --no-print-directory test PYTHON=$$py VENV=.venv-$$v; \
	done; \
	test $$found -gt 0 || { echo "no interpreter found"; exit 1; }

# Lint rules only (pyproject.toml [tool.ruff]); nothing is reformatted.
# cython-lint checks the compiled core, running the virtualenv's pycodestyle.
# mypy --strict and pyright over the package and tests/typing for each
# Python version (tests/typing/check.py); the stubs against the built module
# (stubtest); pyright's completeness score of the public API, 100 % or fail
# (without its check for a newer pyright: the run reads nothing online).
typecheck: build
	$(PY) tests/typing/check.py
	PYTHONPATH=$(CURDIR) $(PY) -m mypy.stubtest --allowlist tests/typing/stubtest-allowlist.txt fastio
	PYTHONPATH=$(CURDIR) PYRIGHT_PYTHON_IGNORE_WARNINGS=1 $(VENV)/bin/pyright --verifytypes fastio

bench: build servers
	$(PY) -m pytest benchmarks -q -p no:randomly --benchmark-json=.benchmarks/latest.json --benchmark-columns=median,ops --benchmark-sort=name
	$(PY) benchmarks/report.py .benchmarks/latest.json

# ruff over the Python files, then cython-lint over the compiled core
# (settings for both in pyproject.toml).  cython-lint runs its checks of names and
# inlining on .pyx and .pxd files only, not on the .pxi files _buffer.pyx
# includes, so each .pxi is checked once more as a .pyx of its own, beside a
# copy of the .pxd, and reported under its own name.
lint: $(VENV)/.deps
	$(VENV)/bin/ruff check .
	@rc=0; PATH="$(abspath $(VENV))/bin:$$PATH" cython-lint fastio || rc=1; \
	tmp=$$(mktemp -d); \
	for f in fastio/_core/*.pxi; do \
	  n=$$(basename $$f .pxi); cp $$f $$tmp/$$n.pyx; cp fastio/_buffer.pxd $$tmp/$$n.pxd; \
	done; \
	cp pyproject.toml $$tmp/; \
	(cd $$tmp && "$(abspath $(VENV))/bin/cython-lint" --no-pycodestyle *.pxd *.pyx) >$$tmp/out || rc=1; \
	sed -e "s|$$tmp/\([a-z_]*\)\.pyx|fastio/_core/\1.pxi|g" -e "s|$$tmp/[a-z_]*\.pxd|fastio/_buffer.pxd|g" \
	  $$tmp/out | sort -u -t: -k1,1 -k2,2n; \
	rm -rf $$tmp; exit $$rc

wheel: $(VENV)/.deps
	rm -rf dist .venv-wheelcheck
	$(PIP) wheel --no-deps -w dist .
	$(PYTHON) -m venv .venv-wheelcheck
	.venv-wheelcheck/bin/python -m pip --disable-pip-version-check -q install --no-index dist/fastio-*.whl
	cd / && $(CURDIR)/.venv-wheelcheck/bin/python -c "import fastio, fastio._buffer; print('wheel ok:', fastio.__file__)"
	! .venv-wheelcheck/bin/python -c "import Cython" 2>/dev/null

# `make lock` after editing requirements/*.in: each interpreter's lock keeps
# its pins and gains (or loses) only what the edit asks.  `make upgrade-deps`:
# every lock again with the newest versions each interpreter takes.  uv,
# itself locked in requirements/uv.txt, resolves them; review the diff.
# The virtualenvs of `make suites` install from requirements/suites-*.txt:
# one lock for every interpreter, its environment markers choosing.
lock: LOCK_FLAGS :=
upgrade-deps: LOCK_FLAGS := --upgrade
lock upgrade-deps:
	test -x .venv-uv/bin/uv || { $(PYTHON) -m venv .venv-uv && .venv-uv/bin/python -m pip -q install --require-hashes -r requirements/uv.txt; }
	@set -e; for v in $(VERSIONS); do \
	  py=$$(ls -d $(PYENV_ROOT)/versions/$$v.*/bin/python$$v 2>/dev/null | sort -V -r | head -1); \
	  echo $${py:-$$(command -v python$$v || true)}; \
	done | { cat; command -v pypy3 || true; } | while read -r py; do \
	  [ -n "$$py" ] || continue; \
	  tag=$$($$py -c "$(PYTAG_CODE)"); \
	  .venv-uv/bin/uv pip compile -q $(LOCK_FLAGS) --generate-hashes --custom-compile-command "make lock (or make upgrade-deps)" --python $$py requirements/dev.in -o requirements/$$tag.txt; \
	  echo "== $$py: requirements/$$tag.txt"; \
	done
	.venv-uv/bin/uv pip compile -q $(LOCK_FLAGS) --generate-hashes --custom-compile-command "make lock (or make upgrade-deps)" requirements/uv.in -o requirements/uv.txt
	@set -e; for in in requirements/suites-*.in; do \
	  .venv-uv/bin/uv pip compile -q $(LOCK_FLAGS) --generate-hashes --universal --python-version 3.9 --custom-compile-command "make lock (or make upgrade-deps)" $$in -o $${in%.in}.txt; \
	  echo "== every interpreter: $${in%.in}.txt"; \
	done

clean:
	rm -rf build dist .venv-wheelcheck fastio/*.c fastio/*.so fastio/*.html
