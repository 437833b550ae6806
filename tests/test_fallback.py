"""The fallback: without its extension fastio is asyncio's streams.

Each case imports fastio afresh in a child process (the choice is made once,
at import), from the same place this run imports it.
"""
import asyncio
import os
import subprocess
import sys
import textwrap

import pytest

import fastio
from fastio import _extension

# Run in the child after its way of losing the extension: what a user of the
# fallback sees.
CHECKS = textwrap.dedent(
    """
    import asyncio, asyncio.streams, fastio
    print(fastio.NOT_COMPILED_BECAUSE)
    assert fastio.COMPILED is False
    for name in asyncio.streams.__all__:
        assert getattr(fastio, name) is getattr(asyncio.streams, name), name
    assert fastio.__all__ == [*asyncio.streams.__all__, "install", "uninstall", "installed",
                              "readinto"]
    # readinto(): the portable spelling works on asyncio's reader, which
    # has no method of that name.
    async def read_into():
        reader = fastio.StreamReader()
        reader.feed_data(b"fallback")
        reader.feed_eof()
        buffer = bytearray(5)
        return await fastio.readinto(reader, buffer), buffer, await reader.read()
    assert not hasattr(fastio.StreamReader, "readinto")
    assert asyncio.run(read_into()) == (5, bytearray(b"fallb"), b"ack")
    def snapshot():
        return [dict(vars(m)) for m in (asyncio, asyncio.streams)]
    before = snapshot()
    fastio.install()
    assert fastio.installed() and snapshot() == before
    fastio.uninstall()
    assert not fastio.installed() and snapshot() == before
    """
)


def run_child(code, **environ):
    env = dict(os.environ, **environ)
    # The fastio this run tests (installed or in place), not another.
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(fastio.__file__))
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=os.path.dirname(__file__),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_no_extensions_variable():
    out = run_child(CHECKS, FASTIO_NO_EXTENSIONS="1")
    assert out == "FASTIO_NO_EXTENSIONS is set\n"


cpython_only = pytest.mark.skipif(sys.implementation.name != "cpython",
                                  reason="only CPython tries to import the extension")


@cpython_only
def test_extension_that_cannot_be_imported():
    # None in sys.modules makes `import fastio._buffer` raise ImportError, as
    # a missing or unloadable .so does.
    code = "import sys; sys.modules['fastio._buffer'] = None\n" + CHECKS
    out = run_child(code, FASTIO_NO_EXTENSIONS="")
    assert out.startswith("the extension cannot be imported (")


NEWER = (_extension.NEWEST_VERIFIED[0], _extension.NEWEST_VERIFIED[1] + 1)
UNVERIFIED = (f"CPython {NEWER[0]}.{NEWER[1]} is newer than 3.15, the newest this release was "
              "verified on (set FASTIO_UNVERIFIED_PYTHON=1 to use the extension)")
FREE_THREADED = "this is a free-threaded CPython, where the compiled core is not thread-safe"
NO_GIL = {"free_threaded": True}


@pytest.mark.parametrize("environ, implementation, more, expected", [
    ({}, "cpython", {}, None),
    ({"FASTIO_NO_EXTENSIONS": ""}, "cpython", {}, None),
    ({"FASTIO_NO_EXTENSIONS": "1"}, "cpython", {}, "FASTIO_NO_EXTENSIONS is set"),
    ({}, "pypy", {}, "pypy is not CPython"),
    ({"FASTIO_NO_EXTENSIONS": "1"}, "pypy", {}, "FASTIO_NO_EXTENSIONS is set"),
    ({}, "cpython", NO_GIL, FREE_THREADED),
    ({"FASTIO_UNVERIFIED_PYTHON": "1"}, "cpython", NO_GIL, FREE_THREADED),
    ({"FASTIO_NO_EXTENSIONS": "1"}, "cpython", NO_GIL, "FASTIO_NO_EXTENSIONS is set"),
])
@pytest.mark.parametrize("version", [(3, 9), _extension.NEWEST_VERIFIED, NEWER])
def test_the_rule(environ, implementation, more, version, expected):
    assert _extension.not_built_because(environ, implementation, **more) == expected
    if expected is None and version > _extension.NEWEST_VERIFIED:
        # Built there, so that the variable can turn it on.
        expected = None if environ.get("FASTIO_UNVERIFIED_PYTHON") else UNVERIFIED
    assert _extension.unwanted_because(environ, implementation, version=version, **more) == expected


@pytest.mark.parametrize("environ, expected", [
    ({}, UNVERIFIED),
    ({"FASTIO_UNVERIFIED_PYTHON": ""}, UNVERIFIED),
    ({"FASTIO_UNVERIFIED_PYTHON": "1", "FASTIO_NO_EXTENSIONS": "1"}, "FASTIO_NO_EXTENSIONS is set"),
])
@cpython_only
def test_a_newer_python_than_verified(environ, expected):
    # The child takes itself for the next minor version while fastio is imported.
    code = ("import sys\nreal = sys.version_info\n"
            f"sys.version_info = ({NEWER[0]}, {NEWER[1]}, 0, 'final', 0)\n"
            "import fastio\nsys.version_info = real\n") + CHECKS
    out = run_child(code, **{"FASTIO_NO_EXTENSIONS": "", **environ})
    assert out == expected + "\n"


@pytest.mark.compiled
def test_a_newer_python_with_the_variable():
    code = ("import sys\nreal = sys.version_info\n"
            f"sys.version_info = ({NEWER[0]}, {NEWER[1]}, 0, 'final', 0)\n"
            "import fastio\nsys.version_info = real\n"
            "import asyncio\n"
            "assert fastio.COMPILED and fastio.NOT_COMPILED_BECAUSE is None\n"
            "assert fastio.StreamReader is not asyncio.StreamReader\n")
    run_child(code, FASTIO_NO_EXTENSIONS="", FASTIO_UNVERIFIED_PYTHON="1")


@cpython_only
def test_a_free_threaded_python():
    # The child's sysconfig says Py_GIL_DISABLED while fastio is imported.
    code = ("import sysconfig\nreal = sysconfig.get_config_var\n"
            "sysconfig.get_config_var = (\n"
            "    lambda name: 1 if name == 'Py_GIL_DISABLED' else real(name))\n"
            "import fastio\nsysconfig.get_config_var = real\n") + CHECKS
    out = run_child(code, FASTIO_NO_EXTENSIONS="", FASTIO_UNVERIFIED_PYTHON="1")
    assert out == FREE_THREADED + "\n"


def test_the_flag_matches_the_streams():
    assert fastio.COMPILED == (fastio.NOT_COMPILED_BECAUSE is None)
    assert (fastio.StreamReader is asyncio.StreamReader) == (not fastio.COMPILED)
