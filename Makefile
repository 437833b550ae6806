# Every target does its own set-up: a virtualenv per interpreter, the build and
# test dependencies, and the compiled extension, so a fresh clone needs only
# Python 3 and a C compiler.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# The interpreters `make test-all` looks for: under pyenv, else on PATH
# (each candidate must run: a pyenv shim for an inactive version does not),
# else in the Debian root of tools/debian_root.sh (3.14, 3.15).
VERSIONS ?= 3.9 3.10 3.11 3.12 3.13 3.14 3.15
PYENV_ROOT ?= $(HOME)/.pyenv
# Each interpreter installs from its own lock: requirements/cpython3.11.txt...
PYTAG_CODE := import sys; print(f'{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}')
PYTAG := $(shell $(PYTHON) -c "$(PYTAG_CODE)")
LOCK := requirements/$(PYTAG).txt
PYTEST_ARGS ?=
comma := ,
SERVER_PACKAGES := redis-server memcached

FIND_PYTHON := tools/find_python.sh
DEBIAN_ROOT := tools/debian_root.sh
# Where `make wheels` leaves the manylinux wheels, one per interpreter.
WHEELHOUSE := dist/wheelhouse
# What `make test-installed` installs and tests: the wheel `make wheel` made.
INSTALL ?= $(wildcard dist/fastio-*.whl)

# $(call each_python,COMMANDS): COMMANDS for every interpreter of VERSIONS
# found, with $$v its version, $$py its path and $$run what runs a command
# where it is (empty on this machine, the Debian root's `run` there); fails
# if none is found, and under CI=true if any is missing.
define each_python
	@set -e; found=0; for v in $(VERSIONS); do \
	  py=$$(PYENV_ROOT=$(PYENV_ROOT) $(FIND_PYTHON) $$v); run=""; \
	  if [ -z "$$py" ] && $(DEBIAN_ROOT) provides $$v; then py=python$$v; run="$(DEBIAN_ROOT) run $$v --"; fi; \
	  if [ -z "$$py" ]; then \
	    if [ "$$CI" = true ]; then echo "== Python $$v: not found (CI needs every one)"; exit 1; fi; \
	    echo "== Python $$v: not found, skipped"; continue; \
	  fi; \
	  found=$$((found + 1)); \
	  echo "== Python $$v: $$py$${run:+ (Debian root)}"; \
	  $(1); \
	done; \
	test $$found -gt 0 || { echo "no interpreter found"; exit 1; }
endef

.PHONY: all build debug servers fuzz-tools pypy refleaks refleaks-all test test-all suites test-fallback test-installed test-sdist test-wheel bench chart profile lint typecheck wheel wheels clean lock upgrade-deps sanitize fuzz fuzz-smoke stress

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

# The whole suite against the extension built with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc's), in a copy of the tree under build/ so the
# in-place build stays the normal one.  Python's allocator is bypassed so ASan
# sees every object; any report ends the run with a failure.  Leak detection
# is off: CPython does not free its interned strings, static types and
# module state at exit, so LeakSanitizer would report the interpreter itself.
SANITIZE_DIR := build/sanitize
SANITIZE_RUN := env LD_PRELOAD="$$(gcc -print-file-name=libasan.so)" PYTHONMALLOC=malloc \
  ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:exitcode=99 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99

# $(call instrumented_copy,DIR,CC,SANITIZERS): setup.py, fastio/, tests/ and
# what tests read (tools/, requirements/)
# copied to DIR and the extension built there with -fsanitize=SANITIZERS.
define instrumented_copy
	rm -rf $(1) && mkdir -p $(1)
	cp -r setup.py pyproject.toml README.md LICENSE fastio tests tools requirements $(1)/
	rm -f $(1)/fastio/*.so $(1)/fastio/*.c
	cd $(1) && CC=$(2) FASTIO_SANITIZE=$(3) $(abspath $(PY)) setup.py -q build_ext --inplace
endef

sanitize: $(VENV)/.deps servers
	$(call instrumented_copy,$(SANITIZE_DIR),gcc,address$(comma)undefined)
	cd $(SANITIZE_DIR) && $(SANITIZE_RUN) $(abspath $(PY)) -c "import fastio._buffer as b, os; assert b.__file__.startswith(os.getcwd()), b.__file__"
	cd $(SANITIZE_DIR) && $(SANITIZE_RUN) $(abspath $(PY)) -m pytest tests -q --capture=sys $(PYTEST_ARGS)

# Coverage-guided fuzzing (fuzz/*.py, atheris) of the extension built by clang
# for libFuzzer's coverage, ASan and UBSan.  atheris's wheels carry no ASan
# runtime with libFuzzer in it, so one is linked here from clang's (less its
# .preinit_array object, which a shared library may not have); preloaded, it
# puts both before anything allocates, and atheris uses its libFuzzer.
# `make fuzz FUZZ_SECONDS=n` runs each harness n seconds from the committed
# seeds (fuzz/corpus/NAME) and what earlier runs found (build/fuzz/corpus/);
# findings are written as build/fuzz/NAME-crash-*.
FUZZ_DIR := build/fuzz
FUZZ_SECONDS ?= 300
FUZZ_HARNESSES := reader receive writer
FUZZ_RT = $(shell clang -print-resource-dir)/lib/linux
FUZZ_RUN = env LD_PRELOAD=$(abspath $(FUZZ_DIR))/asan_with_fuzzer.so PYTHONMALLOC=malloc \
  PYTHONPATH=$(abspath $(FUZZ_DIR)) ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1

# clang and its compiler-rt (the sanitizer and libFuzzer runtimes), from
# Debian where they are missing.
FUZZ_PACKAGES := clang libclang-rt-dev
fuzz-tools:
	@test -f "$(FUZZ_RT)/libclang_rt.fuzzer_no_main-x86_64.a" || tools/apt_install.sh $(FUZZ_PACKAGES)

$(FUZZ_DIR)/asan_with_fuzzer.so: | fuzz-tools
	mkdir -p $(FUZZ_DIR)
	cp $(FUZZ_RT)/libclang_rt.asan-x86_64.a $(FUZZ_DIR)/asan.a
	ar d $(FUZZ_DIR)/asan.a asan_preinit.cpp.o
	clang -shared -o $@ -Wl,--whole-archive $(FUZZ_DIR)/asan.a \
	  $(FUZZ_RT)/libclang_rt.fuzzer_no_main-x86_64.a -Wl,--no-whole-archive \
	  -lstdc++ -lpthread -ldl -lrt -lm

fuzz: $(VENV)/.deps fuzz-tools $(FUZZ_DIR)/asan_with_fuzzer.so
	$(call instrumented_copy,$(FUZZ_DIR)/tree,clang,fuzzer-no-link$(comma)address$(comma)undefined)
	rm -rf $(FUZZ_DIR)/fastio && cp -r $(FUZZ_DIR)/tree/fastio $(FUZZ_DIR)/
	FUZZ_RUN="$(FUZZ_RUN)" tools/fuzz.sh $(PY) $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# CI: a minute per harness from the committed seeds.
fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=60

# The hostile-peer and leak tests at full size (tests/peers.py says which),
# their figures printed for asyncio and fastio side by side.
stress: build
	FASTIO_STRESS=1 $(PY) -m pytest tests/test_hostile_peers.py tests/test_leaks.py -q $(PYTEST_ARGS)

# Reference leaks, counted by a debug interpreter (REFLEAK_PYTHON: Debian's
# python3.11-dbg, installed if missing; any other with sys.gettotalrefcount)
# with fastio built for it in REFLEAK_VENV: CPython's regrtest -R 3:3 over the
# interpreter's own test_streams under fastio.install(), then the whole suite,
# each test of a second or less run again up to REFLEAKS (warm-ups:counted)
# times, failing on one that adds references on every counted run
# (tests/support/refleak_check.py).  Every test's first run is the reported
# one, so this is also the suite on the debug interpreter, whose assertions
# check what a release build does not.
REFLEAK_PYTHON ?= python3.11-dbg
REFLEAK_VENV ?= .venv-dbg
REFLEAKS ?= 2:2
# What the suite half counts (REFLEAK_TESTS=tests/test_refcounts.py: the
# reference-count tests only).
REFLEAK_TESTS ?= tests
refleaks:
	tools/debug_python.sh $(REFLEAK_PYTHON)
	$(MAKE) --no-print-directory build servers PYTHON=$(REFLEAK_PYTHON) VENV=$(REFLEAK_VENV)
	PYTHONPATH=$(CURDIR) $(REFLEAK_VENV)/bin/python tools/cpython_refleaks.py
	$(REFLEAK_VENV)/bin/python -m pytest $(REFLEAK_TESTS) --refleaks=$(REFLEAKS) $(PYTEST_ARGS)

# make refleaks on REFLEAK_PYTHON, then on the debug interpreters of the
# Debian root (python3.14-dbg, python3.15-dbg; the root is made if missing),
# counting REFLEAK_DEBIAN_TESTS there (CI: the reference-count tests, for
# time: the whole suite counted takes about 15 minutes on each).
DEBIAN_DEBUG_VERSIONS := 3.14 3.15
REFLEAK_DEBIAN_TESTS ?= $(REFLEAK_TESTS)
refleaks-all: refleaks
	@set -e; for v in $(DEBIAN_DEBUG_VERSIONS); do \
	  echo "== python$$v-dbg (Debian root)"; \
	  $(DEBIAN_ROOT) run $$v -- $(MAKE) --no-print-directory refleaks \
	    REFLEAK_PYTHON=python$$v-dbg REFLEAK_VENV=.venv-dbg-$$v REFLEAK_TESTS="$(REFLEAK_DEBIAN_TESTS)"; \
	done

# The real servers tests/integration and the library benchmarks talk to.
# Where they cannot be installed, those tests skip and say why.
servers:
	@command -v redis-server >/dev/null 2>&1 && command -v memcached >/dev/null 2>&1 || \
	  tools/apt_install.sh $(SERVER_PACKAGES) || \
	  echo "servers: could not install $(SERVER_PACKAGES); tests/integration will skip"

test: build servers
	$(PY) -m pytest tests $(PYTEST_ARGS)

# Other projects' own test suites, each run on asyncio and under
# fastio.install() in a virtualenv of its own (.venv-suites): fails on any
# test whose outcome differs (suites/run.py).  SUITES=aioftp runs one.
SUITES ?=
suites: build
	$(PY) suites/run.py $(SUITES)


# PyPy (pypy3 and its venv module), from Debian where it is missing; a
# machine that cannot install it skips PyPy, except under CI=true.
PYPY_PACKAGES := pypy3 pypy3-venv
pypy:
	@command -v pypy3 >/dev/null || tools/apt_install.sh $(PYPY_PACKAGES) || \
	  { echo "pypy: could not install $(PYPY_PACKAGES)"; test "$$CI" != true; }

# Every CPython 3.9-3.15 found (3.14 and 3.15 in the Debian root where not),
# then PyPy (pypy3, installed where missing): there `pip install .` builds no
# extension and the suite runs on the fallback.
test-all: pypy
	$(call each_python,$$run $(MAKE) --no-print-directory test PYTHON=$$py VENV=.venv-$$v)
	@if command -v pypy3 >/dev/null; then \
	  echo "== PyPy: $$(command -v pypy3)"; \
	  $(MAKE) --no-print-directory test-installed PYTHON=pypy3 VENV=.venv-pypy3 INSTALL=.; \
	else echo "== PyPy: pypy3 not found, skipped"; test "$$CI" != true; fi

# The suite on asyncio's own streams, as fastio runs where its extension is
# not used; the tests of the compiled workings skip (marker `compiled`).
test-fallback: build servers
	FASTIO_NO_EXTENSIONS=1 $(PY) -m pytest tests $(PYTEST_ARGS)

# The suite against fastio installed into $(VENV) from $(INSTALL), run from
# inside the virtualenv so that the checkout's fastio/ is not on sys.path;
# --installed fails the run unless fastio is imported from site-packages.
test-installed: $(VENV)/.deps servers
	@test -n "$(INSTALL)" || { echo "nothing to install: make wheel, or give INSTALL="; exit 1; }
	$(PIP) install --no-deps --force-reinstall $(INSTALL)
	cd $(VENV) && $(CURDIR)/$(PY) -m pytest -c $(CURDIR)/pyproject.toml $(CURDIR)/tests --installed $(PYTEST_ARGS)

# The sdist installed with pip (so compiled there) on every interpreter
# found, and the suite run against each installation.
test-sdist: wheel
	$(call each_python,$(MAKE) --no-print-directory test-installed PYTHON=$$py VENV=.venv-sdist-$$v INSTALL="$$(ls dist/fastio-*.tar.gz)")

# CI's run against a wheel: a file left out of it fails the suite.
test-wheel: wheel
	$(MAKE) --no-print-directory test-installed VENV=.venv-wheel INSTALL="$$(ls dist/fastio-*.whl)"

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

# The tables print; the chart is drawn from the same run into BENCH_CHART,
# the image README.md shows (commit it with the tables it goes with).
# `make chart` draws it again from the last run without measuring.
# FASTIO_BENCH_SCALE=0.1 make bench: the network workloads at a tenth of their
# counts, for a quick check (figures not comparable with a full run).
BENCH_JSON ?= .benchmarks/latest.json
BENCH_CHART ?= docs/benchmarks.png

bench: build servers
	$(PY) -m pytest benchmarks -q -p no:randomly --benchmark-json=$(BENCH_JSON) --benchmark-columns=median,ops --benchmark-sort=name
	$(PY) benchmarks/report.py $(BENCH_JSON)
	$(PY) benchmarks/chart.py $(BENCH_JSON) $(BENCH_CHART)

chart: $(VENV)/.deps
	$(PY) benchmarks/chart.py $(BENCH_JSON) $(BENCH_CHART)

# Instructions (callgrind), system calls (strace -c) and Python-level calls
# (cProfile) per request/response round trip in each network server, one
# connection at a time (benchmarks/profile_roundtrip.py): deterministic, so
# run it before and after a change.  Tables to stdout and PROFILE_DIR/tables.md,
# the dumps and listings beside them; docs/profiles.md keeps a run's tables.
PROFILE_DIR ?= build/profile
PROFILE_ARGS ?=

profile: build
	tools/apt_install.sh valgrind strace
	mkdir -p $(PROFILE_DIR)
	$(PY) benchmarks/profile_roundtrip.py --out $(PROFILE_DIR) $(PROFILE_ARGS) | tee $(PROFILE_DIR)/tables.md

# ruff over the Python files, then cython-lint over the compiled core,
# each included .pxi too (tools/lint_core.sh); settings in pyproject.toml.
lint: $(VENV)/.deps
	$(VENV)/bin/ruff check .
	tools/lint_core.sh $(VENV)

# The sdist, then a wheel built from it (as a package index builds one),
# checked: the sdist holds every tracked source and test file and nothing
# generated; the wheel installs and runs where there is no compiler.
wheel: $(VENV)/.deps
	rm -rf dist
	$(PY) -m build -o dist .
	tools/check_sdist.sh dist/fastio-*.tar.gz
	tools/check_wheel.sh $(PYTHON) dist/fastio-*.whl

# One wheel per interpreter found (tools/wheel_for.sh), each built from the
# sdist, stripped and repaired to a manylinux tag by auditwheel, then checked
# where there is no compiler; each one's tag and size is printed.  In the
# Debian root, whose interpreters have no pip, the virtualenv's pip and
# auditwheel do it.
wheels: wheel
	rm -rf $(WHEELHOUSE)
	$(call each_python,\
	  venv=$(VENV); \
	  if [ -n "$$run" ]; then \
	    venv=.venv-$$v; $$run $(MAKE) --no-print-directory $$venv/.deps PYTHON=$$py VENV=$$venv; \
	    py=$$venv/bin/python; \
	  fi; \
	  $$run tools/wheel_for.sh $$py $$venv/bin/auditwheel dist/fastio-*.tar.gz $(WHEELHOUSE))
	@for whl in $(WHEELHOUSE)/*.whl; do \
	  echo "$$(basename $$whl): $$(stat -c %s $$whl) bytes, .so $$(unzip -l $$whl '*.so' | awk 'NR==4 {print $$1}') bytes"; \
	done

# `make lock` after editing requirements/*.in: each interpreter's lock keeps
# its pins and gains (or loses) only what the edit asks.  `make upgrade-deps`:
# every lock again with the newest versions each interpreter takes
# (tools/lock.sh; review the diff).  Both then write the locks' Cython into
# pyproject.toml's build requirement (tools/build_requires.py), so a user's
# sdist build uses the tested one.
lock:
	VERSIONS="$(VERSIONS)" PYENV_ROOT=$(PYENV_ROOT) tools/lock.sh $(PYTHON)
upgrade-deps:
	VERSIONS="$(VERSIONS)" PYENV_ROOT=$(PYENV_ROOT) tools/lock.sh $(PYTHON) --upgrade

clean:
	rm -rf build dist .venv-wheel .venv-sdist-* fastio/*.c fastio/*.so fastio/*.html
