"""pytest --refleaks=WARMUPS:RUNS (make refleaks): on a debug build, each
test runs as usual, and then, if that took less than --refleaks-seconds, is
run again and again: WARMUPS runs in all (the reported one first), then RUNS
whose growth of the interpreter's total reference count is compared.  A test
that added references on each of those RUNS is reported as leaking (the
rule of CPython's regrtest -R, per test: refcounts.reference_deltas()); so
is one that fails only when run again.  Either fails the session, and both
are listed at its end.  Longer tests (random programs, loops of thousands
of connections) run once: repeating them would multiply the suite's time,
and what they exercise, the short ones exercise too.  So do the tests on
uvloop, whose references the debug build does not count (on_uvloop()).

A test run on asyncio's streams and on fastio's (the `impl` parameter) is
judged against its asyncio twin: references that asyncio's own run adds as
well (the interpreter's, the test's) are reported, and fail the
session only where fastio's run adds more on every counted run than
asyncio's did on any (fastio_leaks()).

tests/conftest.py adds its options and registers it when --refleaks is
given; tests/test_refleak_check.py plants leaks for it to find.
"""
import re
import sys
import time

import pytest
from _pytest.runner import runtestprotocol

from support.refcounts import reference_deltas

# The impl parameter's value in a node id: test_x[fastio-uvloop].
FASTIO_ID = re.compile(r"(?<=[\[-])fastio(?=[-\]])")
# (not the loop parameter's "asyncio-loop")
ASYNCIO_ID = re.compile(r"(?<=[\[-])asyncio(?=[-\]])(?!-loop)")


def asyncio_twin(nodeid):
    """The node id of the same test on asyncio's streams, or None."""
    twin = FASTIO_ID.sub("asyncio", nodeid, count=1)
    return twin if twin != nodeid else None


def on_uvloop(item):
    """Whether the test runs on uvloop.  Its wheel is a release build, whose
    reference changes the debug build's total does not see (Py_INCREF and
    Py_DECREF count only where compiled with Py_REF_DEBUG): the total drifts
    with every object uvloop hands over, by more or less as fastio's run and
    asyncio's do different work (seen: hundreds to thousands per run, either
    way), so such a run says nothing about leaks."""
    params = getattr(item, "callspec", None)
    return params is not None and any(
        isinstance(value, str) and value == "uvloop" for value in params.params.values())


def parse(spec):
    """'1:2' -> (1, 2)."""
    try:
        warmups, runs = (int(part) for part in spec.split(":"))
    except ValueError:
        raise pytest.UsageError(f"--refleaks wants WARMUPS:RUNS, not {spec!r}") from None
    if warmups < 1 or runs < 1:
        raise pytest.UsageError(f"--refleaks {spec}: the reported run is the first warm-up, "
                                "and at least one run is counted")
    return warmups, runs


class RefleakCheck:
    def __init__(self, warmups, runs, max_seconds):
        self.warmups = warmups
        self.runs = runs
        self.max_seconds = max_seconds
        self.deltas = {}  # node id -> references added by each counted run
        self.leaks = {}  # the node ids of deltas that added on every run
        self.failing_again = []  # node ids of tests that failed only when repeated
        self.counted = 0
        self.once = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        started = time.perf_counter()
        reports = runtestprotocol(item, nextitem=nextitem, log=True)
        quick = time.perf_counter() - started <= self.max_seconds
        if quick and all(report.passed for report in reports) and not on_uvloop(item):
            self.repeat(item, nextitem)
        else:
            self.once += 1
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def repeat(self, item, nextitem):
        failed = False

        def step():
            nonlocal failed
            # Function-scoped fixtures anew; each run tears down what the
            # next test does not share, as the reported one did.
            item._initrequest()
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
            failed = failed or any(report.failed for report in reports)

        deltas = reference_deltas(step, self.warmups - 1, self.runs)
        self.counted += 1
        if failed:
            self.failing_again.append(item.nodeid)
        else:
            self.deltas[item.nodeid] = deltas
            if all(delta > 0 for delta in deltas):
                self.leaks[item.nodeid] = deltas

    def fastio_leaks(self):
        """The leaks that are fastio's: none of a run on asyncio's streams,
        and of a run on fastio's only those that added more on every counted
        run than its asyncio twin did on any (regrtest's every-run rule, the
        twin's highest taken as zero).  The two runs' counts are not paired
        run by run: the growth both share moves by a reference or so
        between runs (seen on 3.14's debug build: asyncio [1, 2], fastio
        [2, 2] where a per-connection leak would add hundreds)."""
        own = {}
        for nodeid, deltas in self.leaks.items():
            if ASYNCIO_ID.search(nodeid):
                continue
            twin = asyncio_twin(nodeid)
            theirs = self.deltas.get(twin) if twin else None
            if theirs is not None and min(deltas) <= max(theirs):
                continue
            own[nodeid] = deltas
        return own

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("reference leaks")
        own = self.fastio_leaks()
        for nodeid, deltas in self.leaks.items():
            whose = "" if nodeid in own else " (asyncio's run adds as many: not fastio's)"
            terminalreporter.write_line(
                f"{nodeid} leaked {deltas} references, sum={sum(deltas)}{whose}")
        for nodeid in self.failing_again:
            terminalreporter.write_line(f"{nodeid} failed when run again")
        terminalreporter.write_line(
            f"{len(own)} leaking ({len(self.leaks) - len(own)} more as on asyncio), "
            f"{len(self.failing_again)} failing when repeated; "
            f"{self.counted} tests run {self.warmups}+{self.runs} times and counted, "
            f"{self.once} run once (skipped, failed, on uvloop, "
            f"or longer than {self.max_seconds} s)")

    def pytest_sessionfinish(self, session):
        failed = self.fastio_leaks() or self.failing_again
        if failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def add_options(parser):
    parser.addoption("--refleaks", metavar="WARMUPS:RUNS",
                     help="on a debug build, run each short test WARMUPS+RUNS times (the "
                          "reported run first) and fail on any that adds references on each "
                          "of the RUNS (support/refleak_check.py)")
    parser.addoption("--refleaks-seconds", type=float, default=1.0, metavar="S",
                     help="--refleaks repeats only the tests whose first run took S "
                          "seconds or less (default 1)")


def register(config):
    spec = config.getoption("refleaks")
    if spec is None:
        return
    if not hasattr(sys, "gettotalrefcount"):
        raise pytest.UsageError(
            "--refleaks counts references with sys.gettotalrefcount(): run it on a debug "
            "build (make refleaks REFLEAK_PYTHON=python3.11-dbg)")
    config.pluginmanager.register(
        RefleakCheck(*parse(spec), config.getoption("refleaks_seconds")), "refleak_check")
