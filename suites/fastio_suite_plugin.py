"""The pytest plugin both runs of another project's suite load (`make suites`).

Loaded with ``-p fastio_suite_plugin``, it is imported while pytest reads its
command line: before the suite's conftest.py files and test modules import
the library.  With FASTIO_SUITE_IMPL=fastio it calls fastio.install() then,
so whatever the library binds at import time (``from asyncio import
StreamReader``, its subclasses of asyncio.StreamReaderProtocol) is fastio's,
as for a user who installs fastio first.  With FASTIO_SUITE_IMPL=asyncio it
leaves asyncio alone and fastio unimported.

Either way it collects garbage after each test (pytest_runtest_teardown),
and writes each test's outcome to the JSON file named by
FASTIO_SUITE_OUTCOMES, and on fastio, how many objects of fastio's stream
classes were constructed: the proof that the run was on fastio.
"""
import collections
import gc
import json
import os
import threading

import pytest

IMPL = os.environ["FASTIO_SUITE_IMPL"]
if IMPL not in ("asyncio", "fastio"):
    raise ValueError(f"FASTIO_SUITE_IMPL={IMPL!r}: asyncio or fastio")

# nodeid -> {phase: outcome}, and the message of a failure or skip.
_phases = collections.defaultdict(dict)
_messages = {}
# "<fastio class>" and "<fastio class> as <module.qualname>" -> count.
_constructed = collections.Counter()


def _count_constructions():
    """Count every object made from a class whose metaclass is fastio's
    (fastio's three stream classes and the library's subclasses of them).

    The count is taken in the metaclass's __call__, which nothing in fastio
    or asyncio defines: the objects, their classes and their behaviour are
    what they would be without it.  Servers in aiosmtpd's suite run in
    threads, hence the lock.
    """
    from fastio import streams

    bases = (streams.StreamReader, streams.StreamWriter, streams.StreamReaderProtocol)
    lock = threading.Lock()
    make = type.__call__

    def counting_call(cls, *args, **kwargs):
        obj = make(cls, *args, **kwargs)
        for base in bases:
            # type's own check: not _Replacing's, which also accepts asyncio's.
            if type.__subclasscheck__(base, cls):
                name = base.__name__
                if cls is not base:
                    name += f" as {cls.__module__}.{cls.__qualname__}"
                with lock:
                    _constructed[name] += 1
        return obj

    streams._Replacing.__call__ = counting_call


if IMPL == "fastio":
    import fastio

    if not fastio.COMPILED:
        # Its names would be asyncio's own: the two runs would be one.
        raise RuntimeError(f"fastio's extension is not in use: {fastio.NOT_COMPILED_BECAUSE}")
    fastio.install()
    _count_constructions()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    # Objects a test leaves in reference cycles are finalized here, after
    # its fixtures, in both runs: otherwise whenever a collection happens
    # to fall, which depends on how many objects each implementation
    # allocates, and an error in their __del__ (an unraisable exception,
    # an error under the suites' warning filters) is blamed on whichever
    # test is running then.
    gc.collect()


def _message(report):
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(longrepr)
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def pytest_runtest_logreport(report):
    if hasattr(report, "wasxfail"):
        outcome = "xfailed" if report.skipped else "xpassed"
    else:
        outcome = report.outcome
    _phases[report.nodeid][report.when] = outcome
    if outcome not in ("passed", "xpassed") and report.nodeid not in _messages:
        _messages[report.nodeid] = _message(report)


def pytest_collectreport(report):
    if report.failed:
        _phases[report.nodeid]["collect"] = "failed"
        _messages[report.nodeid] = _message(report)


def outcome_of(phases):
    """One word for a test's run: what it did, and an error around it."""
    if phases.get("collect") == "failed":
        return "error in collection"
    setup = phases.get("setup", "passed")
    if setup == "failed":
        outcome = "error in setup"
    elif setup != "passed":
        outcome = setup  # skipped, or xfailed by a fixture's pytest.xfail()
    else:
        outcome = phases.get("call", "not run")
    if phases.get("teardown") == "failed":
        outcome += " + error in teardown"
    return outcome


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["FASTIO_SUITE_OUTCOMES"], "w") as f:
        json.dump({
            "impl": IMPL,
            "exitstatus": int(exitstatus),
            "outcomes": {nodeid: outcome_of(p) for nodeid, p in _phases.items()},
            "messages": _messages,
            "constructed": dict(_constructed),
        }, f, indent=1, sort_keys=True)
