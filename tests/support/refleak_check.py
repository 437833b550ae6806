"""pytest --refleaks=WARMUPS:RUNS (make refleaks): on a debug build, each
test runs as usual, and then, if that took less than --refleaks-seconds, is
run again and again: WARMUPS runs in all (the reported one first), then RUNS
whose growth of the interpreter's total reference count is compared.  A test
that added references on each of those RUNS is reported as leaking (the
rule of CPython's regrtest -R, per test: refcounts.reference_deltas()); so
is one that fails only when run again.  Either fails the session, and both
are listed at its end.  Longer tests (random programs, loops of thousands
of connections) run once: repeating them would multiply the suite's time,
and what they exercise, the short ones exercise too.

tests/conftest.py registers it when the option is given.
"""
import sys
import time

import pytest
from _pytest.runner import runtestprotocol

from support.refcounts import reference_deltas


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
        self.leaks = {}  # node id -> references added by each counted run
        self.failing_again = []  # node ids of tests that failed only when repeated
        self.counted = 0
        self.once = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        started = time.perf_counter()
        reports = runtestprotocol(item, nextitem=nextitem, log=True)
        quick = time.perf_counter() - started <= self.max_seconds
        if quick and all(report.passed for report in reports):
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
        elif all(delta > 0 for delta in deltas):
            self.leaks[item.nodeid] = deltas

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("reference leaks")
        for nodeid, deltas in self.leaks.items():
            terminalreporter.write_line(
                f"{nodeid} leaked {deltas} references, sum={sum(deltas)}")
        for nodeid in self.failing_again:
            terminalreporter.write_line(f"{nodeid} failed when run again")
        terminalreporter.write_line(
            f"{len(self.leaks)} leaking, {len(self.failing_again)} failing when repeated; "
            f"{self.counted} tests run {self.warmups}+{self.runs} times and counted, "
            f"{self.once} run once (skipped, failed, or longer than {self.max_seconds} s)")

    def pytest_sessionfinish(self, session):
        if (self.leaks or self.failing_again) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
