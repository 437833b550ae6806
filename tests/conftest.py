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
import sysconfig

import pytest

import fastio
from fastio import _extension
from support import current_loop, refleak_check

# Autouse: the writers support.writing.connect() made are retired as each
# test ends (one collected later, its loop closed, warns on 3.13).
from support.writing import _retire_writers  # noqa: F401


def pytest_report_header(config):
    how = "compiled" if fastio.COMPILED else f"asyncio's streams ({fastio.NOT_COMPILED_BECAUSE})"
    return f"fastio {fastio.__version__} from {os.path.dirname(fastio.__file__)}: {how}"


def pytest_addoption(parser):
    parser.addoption("--installed", action="store_true",
                     help="fail unless fastio is imported from site-packages (an installed "
                          "wheel or sdist), not from a checkout")
    refleak_check.add_options(parser)


def pytest_configure(config):
    refleak_check.register(config)


def pytest_sessionstart(session):
    """The ImportError fallback is for users: a run where the extension
    should load but does not (not built, left out of a wheel) fails rather
    than passing on asyncio's streams."""
    if session.config.getoption("installed"):
        package_dir = os.path.dirname(os.path.dirname(os.path.abspath(fastio.__file__)))
        site_dirs = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
        if package_dir not in site_dirs:
            pytest.exit(f"--installed, but fastio comes from {package_dir}, not from "
                        f"{' or '.join(sorted(site_dirs))}", returncode=pytest.ExitCode.USAGE_ERROR)
    if not fastio.COMPILED and _extension.unwanted_because() is None:
        pytest.exit(f"fastio's extension should be in use but {fastio.NOT_COMPILED_BECAUSE}: "
                    f"build it (make build), or set {_extension.ENVIRONMENT_VARIABLE}=1 "
                    "to test the fallback", returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_runtest_setup(item):
    if item.get_closest_marker("compiled") and not fastio.COMPILED:
        pytest.skip("tests fastio's compiled extension, which is not in use: "
                    f"{fastio.NOT_COMPILED_BECAUSE}")


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


def _new_uvloop():
    try:
        import uvloop
    except ImportError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"uvloop cannot be imported here ({exc})")
    return uvloop.new_event_loop()


@pytest.fixture(params=["asyncio-loop", "uvloop"])
def net_loop(request):
    """A fresh event loop of each kind, set as the current one."""
    loop = asyncio.new_event_loop() if request.param == "asyncio-loop" else _new_uvloop()
    yield from current_loop(loop)


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


def pytest_terminal_summary(terminalreporter):
    """The figures the hostile-peer and leak tests measured, asyncio and
    fastio side by side (`make stress` runs them at full size)."""
    from peers import FULL, figures_table
    lines = figures_table()
    if lines:
        terminalreporter.section(f"hostile peers and leaks ({'full' if FULL else 'suite'} sizes)")
        for line in lines:
            terminalreporter.write_line(line)
