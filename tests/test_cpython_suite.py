"""The running interpreter's own asyncio stream tests, on fastio.

CPython ships test/test_asyncio/test_streams.py with every interpreter; it
is run unmodified after fastio.install(), in a child process so the global
swap stays out of this one.
"""
import subprocess
import sys
import textwrap

import pytest

RUNNER = textwrap.dedent(
    """
    import asyncio, sys, unittest
    import fastio
    fastio.install()
    assert asyncio.StreamReader is fastio.StreamReader
    assert asyncio.streams.StreamWriter is fastio.StreamWriter
    assert asyncio.open_connection is fastio.open_connection
    from test.test_asyncio import test_streams
    suite = unittest.defaultTestLoader.loadTestsFromModule(test_streams)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    print("RAN", result.testsRun)
    sys.exit(0 if result.wasSuccessful() and result.testsRun else 1)
    """
)


def cpython_test_suite_available():
    try:
        import test.test_asyncio.test_streams  # noqa: F401 - probed
    except ImportError:
        return False
    return True


@pytest.mark.network
@pytest.mark.skipif(
    not cpython_test_suite_available(),
    reason="this interpreter was installed without its test package",
)
def test_cpython_test_streams_passes_on_fastio():
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-20000:] + proc.stderr[-20000:]
    assert "RAN" in proc.stdout
