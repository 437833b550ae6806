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
PYTEST_ARGS ?=

.PHONY: all build debug test test-all bench wheel clean

all: build

$(VENV)/.deps: tests/requirements.txt benchmarks/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r tests/requirements.txt -r benchmarks/requirements.txt
	touch $@

build: $(VENV)/.deps
	$(PY) setup.py -q build_ext --inplace

# Bounds checks, line tracing and annotated HTML (fastio/_buffer.html).
debug: $(VENV)/.deps
	FASTIO_DEBUG=1 $(PY) setup.py -q build_ext --inplace --force

test: build
	$(PY) -m pytest tests $(PYTEST_ARGS)

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

bench: build
	$(PY) -m pytest benchmarks -q -p no:randomly --benchmark-json=.benchmarks/latest.json --benchmark-columns=median,ops --benchmark-sort=name
	$(PY) benchmarks/report.py .benchmarks/latest.json

wheel: $(VENV)/.deps
	rm -rf dist .venv-wheelcheck
	$(PIP) wheel --no-deps -w dist .
	$(PYTHON) -m venv .venv-wheelcheck
	.venv-wheelcheck/bin/python -m pip --disable-pip-version-check -q install --no-index dist/fastio-*.whl
	cd / && $(CURDIR)/.venv-wheelcheck/bin/python -c "import fastio, fastio._buffer; print('wheel ok:', fastio.__file__)"
	! .venv-wheelcheck/bin/python -c "import Cython" 2>/dev/null

clean:
	rm -rf build dist .venv-wheelcheck fastio/*.c fastio/*.so fastio/*.html
