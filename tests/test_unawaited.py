"""A read or drain() made and dropped without being awaited warns as
asyncio's coroutine does: RuntimeWarning, "coroutine '<qualname>' was never
awaited", reported where it was dropped, and with origin tracking
(sys.set_coroutine_origin_tracking_depth, asyncio's debug mode, -X dev)
where it was made.  Each body runs on asyncio and on fastio."""
import asyncio
import gc
import inspect
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

# Each operation: the stream (0 reader, 1 writer), method, arguments, and
# the asyncio function whose coroutine it stands for.
OPERATIONS = {
    "readline": (0, "readline", (), asyncio.StreamReader.readline),
    "readuntil": (0, "readuntil", (b"!",), asyncio.StreamReader.readuntil),
    "readexactly": (0, "readexactly", (2,), asyncio.StreamReader.readexactly),
    "read": (0, "read", (2,), asyncio.StreamReader.read),
    "__anext__": (0, "__anext__", (), asyncio.StreamReader.__anext__),
    "drain": (1, "drain", (), asyncio.StreamWriter.drain),
}
ROOT = Path(__file__).resolve().parent.parent


def method(streams, name):
    stream, attribute, args, function = OPERATIONS[name]
    return getattr(streams[stream], attribute), args, function


class Transport(asyncio.Transport):
    def is_closing(self):
        return True  # its writer may go without a ResourceWarning

    def write(self, data):
        pass


@pytest.fixture
def streams(impl, loop):
    reader = impl.StreamReader(loop=loop)
    protocol = impl.StreamReaderProtocol(reader, loop=loop)
    transport = Transport()
    protocol.connection_made(transport)
    return reader, impl.StreamWriter(transport, protocol, reader, loop)


@pytest.fixture
def origin_depth():
    """Origin tracking to the given depth, for the test."""
    before = sys.get_coroutine_origin_tracking_depth()
    yield sys.set_coroutine_origin_tracking_depth
    sys.set_coroutine_origin_tracking_depth(before)


def recorded(caught):
    return [(w.category, str(w.message), w.filename, w.lineno) for w in caught]


# Where and when the warning comes is CPython's: an object is finalized the
# moment its last reference goes, and -X dev tracks coroutine origins.  (On
# other interpreters fastio's names are asyncio's own anyway.)
cpython_finalization = pytest.mark.skipif(
    sys.implementation.name != "cpython",
    reason="warns where CPython finalizes the dropped coroutine")


@cpython_finalization
@pytest.mark.parametrize("name", OPERATIONS)
def test_dropped_unawaited_warns(streams, name):
    make, args, function = method(streams, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        make(*args)  # made and dropped here
        gc.collect()
    message = f"coroutine '{function.__qualname__}' was never awaited"
    assert recorded(caught) == [(RuntimeWarning, message, __file__, line)]


@pytest.mark.parametrize("name", OPERATIONS)
def test_warning_says_where_it_was_made_with_origin_tracking(streams, origin_depth, name):
    make, args, function = method(streams, name)
    origin_depth(2)

    def maker():
        return make(*args)

    made_at = inspect.currentframe().f_lineno + 1
    operation = maker()
    maker_line = maker.__code__.co_firstlineno + 1
    assert operation.cr_origin == (
        (__file__, maker_line, "maker"),
        (__file__, made_at, test_warning_says_where_it_was_made_with_origin_tracking.__name__),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del operation
        gc.collect()
    (warning,) = caught
    assert str(warning.message) == "\n".join([
        f"coroutine '{function.__qualname__}' was never awaited",
        "Coroutine created at (most recent call last)",
        f'  File "{__file__}", line {made_at}, in '
        f"{test_warning_says_where_it_was_made_with_origin_tracking.__name__}",
        "    operation = maker()",
        f'  File "{__file__}", line {maker_line}, in maker',
        "    return make(*args)",
    ])


def test_no_origin_without_tracking(streams, origin_depth):
    origin_depth(0)
    operation = streams[0].readline()
    assert operation.cr_origin is None
    operation.close()


@pytest.mark.parametrize("finish", ["awaited", "closed", "thrown into"])
def test_no_warning_once_awaited_closed_or_thrown_into(streams, loop, finish):
    reader, writer = streams
    reader.feed_data(b"line\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        operation = reader.readline()
        if finish == "awaited":
            assert loop.run_until_complete(operation) == b"line\n"
        elif finish == "closed":
            operation.close()
        else:
            with pytest.raises(ValueError):
                operation.throw(ValueError)
        del operation
        gc.collect()
    assert recorded(caught) == []


def test_a_failing_warning_is_unraisable(streams):
    # With warnings as errors, the warning raised in a finalizer can only be
    # reported to sys.unraisablehook: about the dropped object, or from 3.14
    # on with a message naming it and no object.
    reported = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: reported.append(
        (unraisable.exc_type, str(unraisable.exc_value), unraisable.object, unraisable.err_msg))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            streams[0].readline()
            gc.collect()
    finally:
        sys.unraisablehook = hook
    assert len(reported) == 1
    exc_type, message, obj, err_msg = reported[0]
    assert exc_type is RuntimeWarning
    assert message == "coroutine 'StreamReader.readline' was never awaited"
    if sys.version_info >= (3, 14):
        assert obj is None
        assert err_msg.startswith("Exception ignored while finalizing coroutine <")
        assert "StreamReader.readline" in err_msg
    else:
        assert obj.__qualname__ == "StreamReader.readline"


@cpython_finalization
def test_dev_mode_shows_where_it_was_made(impl, tmp_path):
    script = tmp_path / "unawaited.py"
    script.write_text(textwrap.dedent(f"""\
        import asyncio
        import {impl.__name__}

        async def main():
            reader = {impl.__name__}.StreamReader()
            reader.readline()

        asyncio.run(main())
        """))
    result = subprocess.run([sys.executable, "-X", "dev", str(script)], capture_output=True,
                            text=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0
    assert (f"{script}:6: RuntimeWarning: coroutine 'StreamReader.readline' was never awaited\n"
            "Coroutine created at (most recent call last)\n") in result.stderr
    assert f'  File "{script}", line 6, in main\n    reader.readline()\n' in result.stderr
