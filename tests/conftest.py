"""Every behaviour test runs twice: once on asyncio's streams, once on fastio's.

A test asks for ``impl`` (the module under test: ``asyncio`` or ``fastio``) and
builds what it needs from it, so each expectation is checked against the real
thing in the same run.
"""
import asyncio
import contextlib
import importlib
import os
import signal
import sys

import pytest

from support import current_loop


@pytest.fixture(params=["asyncio", "fastio"])
def impl(request):
    return importlib.import_module(request.param)


@pytest.fixture
def loop():
    yield from current_loop(asyncio.new_event_loop())


@pytest.fixture(scope="module")
def mloop():
    """One loop for a whole module: hypothesis tests cannot use ``loop``."""
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


def _children():
    """The processes this one started that are still there (Linux /proc)."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        if ppid == me and state != "Z":  # a zombie has ended, unreaped
            found.append((int(entry), name))
    return found


def pytest_sessionfinish(session, exitstatus):
    """No server or child a test started outlives the run: one that did is
    killed here, and the run fails saying which."""
    if not os.path.isdir("/proc"):
        return
    left = _children()
    for pid, _ in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if left:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        sys.stderr.write(f"\nprocesses left running by the tests (killed): {left}\n")
