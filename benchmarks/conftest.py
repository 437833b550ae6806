"""Shared pieces of the benchmark suite.

Every benchmark runs in the same session on ``asyncio.StreamReader`` and on
``fastio.StreamReader`` (the ``impl`` fixture), so that
``benchmarks/report.py`` can compare the two from one JSON file measured on one
machine at one time.

A benchmark calls the ``bench`` fixture with a setup function (untimed: builds
the reader and feeds it) and a coroutine function (timed: the whole inner loop,
run by a single ``loop.run_until_complete``), and says how many operations one
round performs, so the report can divide a round's time by that count.

Every benchmark runs in PASSES passes, and the whole suite runs pass by pass
(all of pass 1, then all of pass 2, ...), so the rounds of one workload are
spread over the run instead of falling into one busy moment of a shared
machine; the report pools a workload's rounds from all passes.
"""
import asyncio
import importlib
import os
import platform
import sys
from pathlib import Path

import pytest

from workloads import IMPLS, LOOPS

# The tests' helpers, imported from there: tests/support (current_loop) and,
# for test_bench_libraries.py to start redis-server and memcached,
# tests/integration/servers.py.
TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path += [str(TESTS), str(TESTS / "integration")]
from support import current_loop  # noqa: E402 - found through the line above

PASSES = 5


def pytest_configure(config):
    # pytest-benchmark opens --benchmark-json for writing without creating
    # its folder, and .benchmarks/ is not in git. Before 5.3 (Python 3.9
    # gets 5.2) the option is a file argparse has already opened: nothing to do.
    path = config.getoption("benchmark_json", None)
    if isinstance(path, (str, os.PathLike)):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def pytest_collection_modifyitems(items):
    # Stable sort: each pass keeps pytest's order, and pass 1 runs first.
    # Inside a pass, benchmarks parametrized by event loop run loop by loop,
    # so that asyncio's and fastio's runs on one loop come one after the other.
    items.sort(key=_order)


def _order(item):
    """(pass, event loop) of a benchmark that runs in passes; (0, 0) for the others."""
    callspec = getattr(item, "callspec", None)
    impl_param = callspec.params.get("impl") if callspec else None
    if not impl_param:
        return 0, 0
    return impl_param[1], LOOPS.index(callspec.params.get("loop", "default"))


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record what the report prints in its header, as measured."""
    machine_info["platform"] = platform.platform()
    machine_info["cpu_model"] = _cpu_model()
    try:
        machine_info["nproc"] = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        machine_info["nproc"] = os.cpu_count()


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware", "cpu model"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or None


@pytest.fixture(
    params=[(name, n) for n in range(PASSES) for name in IMPLS],
    ids=lambda param: f"{param[0]}-p{param[1] + 1}",
)
def impl(request):
    """The module under test: ``asyncio`` or ``fastio`` (skipped if unbuilt)."""
    name, _ = request.param
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        pytest.skip(f"{name} is not importable (run `make build`): {exc}")
    if not hasattr(module, "StreamReader"):
        pytest.skip(f"{name} has no StreamReader yet")
    return module


@pytest.fixture
def bench_pass(request):
    """Which pass this is, counting from 1."""
    return request.node.callspec.params["impl"][1] + 1


@pytest.fixture
def loop(request):
    """A fresh event loop per benchmark, set as current and closed afterwards.

    asyncio's default loop, or the one named by an indirect parametrization
    (``"default"`` or ``"uvloop"``; skipped if uvloop is not importable).
    """
    kind = getattr(request, "param", "default")
    if kind not in LOOPS:
        raise ValueError(f"unknown event loop {kind!r}")
    if kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    yield from current_loop(loop)


@pytest.fixture
def bench(benchmark, impl, loop, bench_pass):
    """Time ``loop.run_until_complete(body(setup()))`` for ``rounds`` rounds (per pass).

    ``setup()`` runs before every round and is not timed. ``body`` is a
    coroutine function taking what ``setup`` returned; it holds the whole inner
    loop, so one round costs one ``run_until_complete``, not one per operation.
    ``ops`` is the number of ``unit`` (line, frame, ...) a round processes;
    ``extra`` adds more fields to the JSON's ``extra_info``. Returns what
    ``body`` returned in the last round, for a correctness check.
    """

    def run(workload, *, ops, unit, setup, body, rounds, warmup_rounds=2, extra=None):
        benchmark.group = workload
        benchmark.extra_info.update(
            workload=workload,
            impl=impl.__name__,
            bench_pass=bench_pass,
            ops=ops,
            unit=unit,
            **(extra or {}),
        )
        return benchmark.pedantic(
            lambda state: loop.run_until_complete(body(state)),
            setup=lambda: ((setup(),), {}),
            rounds=rounds,
            warmup_rounds=warmup_rounds,
        )

    return run
