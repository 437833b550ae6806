"""StreamReader with arguments of the wrong type: the same exception type and
message as asyncio, raised at the same moment (before or after waiting for
data), and no buffered data lost.  Each test runs on ``asyncio`` and on
``fastio``."""
import asyncio
import sys

import pytest

from support import RecordingTransport, interpreter_message
from test_reader_helpers import run, spin, start

if sys.version_info >= (3, 13):
    STR_FEED_MESSAGE = "expected iterable of integers; got: 'str'"
else:
    STR_FEED_MESSAGE = "'str' object cannot be interpreted as an integer"
SLICE_MESSAGE = "slice indices must be integers or None or have an __index__ method"
# From 3.15 asyncio's reads take with bytearray.take_bytes(n), not buffer[:n].
TAKE_BYTES = sys.version_info >= (3, 15)
FLOAT_N_MESSAGE = "n must be an integer or None" if TAKE_BYTES else SLICE_MESSAGE


# --------------------------------------------------------------------------
# feed_data
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, exc_type, message",
    [
        ("text", TypeError, STR_FEED_MESSAGE),
        ("\u00e9", TypeError, STR_FEED_MESSAGE),
        (5, TypeError, "can't extend bytearray with int"),
        (1.5, TypeError, "can't extend bytearray with float"),
        (True, TypeError, "can't extend bytearray with bool"),
        ([1, 256], ValueError, "byte must be in range(0, 256)"),
        ([-1], ValueError, "byte must be in range(0, 256)"),
        ([65, "a"], TypeError, "'str' object cannot be interpreted as an integer"),
        ([1.0], TypeError, "'float' object cannot be interpreted as an integer"),
    ],
    ids=["str", "non-ascii-str", "int", "float", "bool", "list-256", "list-neg",
         "list-with-str", "list-with-float"],
)
def test_feed_bad_data_raises_and_keeps_buffer(impl, loop, data, exc_type, message):
    r = impl.StreamReader(limit=1, loop=loop)
    t = RecordingTransport()
    r.set_transport(t)
    r.feed_data(b"ok")
    task = start(loop, r.readexactly(3))  # resumes nothing: not paused
    waiter = r._waiter
    with pytest.raises(exc_type) as info:
        r.feed_data(data)
    assert type(info.value) is exc_type
    assert str(info.value) == interpreter_message(message, lambda: bytearray(b"ok").extend(data))
    assert bytes(r._buffer) == b"ok"
    assert r._waiter is waiter and not waiter.done()  # nobody woken
    assert t.calls == []  # no flow-control decision either
    r.feed_data(b"!")
    assert run(loop, task) == b"ok!"


@pytest.mark.parametrize("data", ["", None, 0, 0.0, False, [], ()], ids=repr)
def test_feed_falsy_non_bytes_is_a_no_op(impl, loop, data):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"x")
    task = start(loop, r.readexactly(2))
    waiter = r._waiter
    r.feed_data(data)
    assert bytes(r._buffer) == b"x"
    assert r._waiter is waiter and not waiter.done()
    r.feed_data(b"y")
    assert run(loop, task) == b"xy"


def test_feed_list_of_ints(impl, loop):
    r = impl.StreamReader(limit=1, loop=loop)
    t = RecordingTransport()
    r.set_transport(t)
    task = start(loop, r.read(10))
    r.feed_data([104, 105])
    assert bytes(r._buffer) == b"hi"
    assert r._waiter is None  # woken
    assert t.calls == []
    r.feed_data([33])  # 3 > 2 * limit
    assert t.calls == ["pause_reading"]
    assert run(loop, task) == b"hi!"


def test_feed_iterator_of_ints(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(iter(b"abc"))
    r.feed_data(x for x in (100, 101))
    r.feed_eof()
    assert run(loop, r.read()) == b"abcde"


def test_feed_bad_data_after_eof_asserts_first(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    for data in ("text", 5, [256]):
        with pytest.raises(AssertionError, match="^feed_data after feed_eof$"):
            r.feed_data(data)


# --------------------------------------------------------------------------
# readuntil / readline separators
# --------------------------------------------------------------------------


def test_readuntil_str_separator_with_data(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"ab\ncd")
    with pytest.raises(TypeError) as info:
        run(loop, r.readuntil("\n"))
    assert str(info.value) == interpreter_message(
        "argument should be integer or bytes-like object, not 'str'",
        lambda: bytearray().find("\n"))
    assert bytes(r._buffer) == b"ab\ncd"
    assert run(loop, r.readline()) == b"ab\n"


def test_readuntil_str_separator_waits_for_data_first(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readuntil("\n"))
    assert not task.done()
    assert r._waiter is not None
    r.feed_data(b"line\n")
    with pytest.raises(TypeError) as info:
        run(loop, task)
    assert str(info.value) == interpreter_message(
        "argument should be integer or bytes-like object, not 'str'",
        lambda: bytearray().find("\n"))
    assert r._waiter is None
    assert run(loop, r.readline()) == b"line\n"


def test_readuntil_str_separator_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readuntil("--"))
    assert (info.value.partial, info.value.expected) == (b"", None)


def test_readuntil_str_separator_longer_than_buffer(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"a")
    task = start(loop, r.readuntil("--"))  # len 2: nothing to search yet
    assert not task.done()
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, task)
    assert info.value.partial == b"a"


@pytest.mark.parametrize(
    "sep, message",
    [(None, "object of type 'NoneType' has no len()"), (10, "object of type 'int' has no len()")],
    ids=["None", "int"],
)
def test_readuntil_separator_without_len(impl, loop, sep, message):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc\n")
    r.set_exception(OSError("checked later"))
    with pytest.raises(TypeError) as info:
        run(loop, r.readuntil(sep))
    assert str(info.value) == interpreter_message(message, lambda: len(sep))
    assert bytes(r._buffer) == b"abc\n"


# --------------------------------------------------------------------------
# read(n) / readexactly(n) with a non-int n
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, message",
    [("5", "'<' not supported between instances of 'str' and 'int'"),
     (None, "'<' not supported between instances of 'NoneType' and 'int'"),
     (b"1", "'<' not supported between instances of 'bytes' and 'int'")],
    ids=["str", "None", "bytes"],
)
def test_read_non_number_fails_at_once(impl, loop, n, message):
    r = impl.StreamReader(loop=loop)
    with pytest.raises(TypeError) as info:
        run(loop, r.read(n))  # would wait forever if it waited
    assert str(info.value) == message
    assert r._waiter is None
    r.feed_data(b"abc")
    with pytest.raises(TypeError):
        run(loop, r.read(n))
    assert bytes(r._buffer) == b"abc"


def test_read_non_number_exception_first(impl, loop):
    r = impl.StreamReader(loop=loop)
    exc = OSError("first")
    r.set_exception(exc)
    with pytest.raises(OSError) as info:
        run(loop, r.read("5"))
    assert info.value is exc


def test_read_float_waits_then_fails(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(2.0))
    assert not task.done()
    r.feed_data(b"abc")
    with pytest.raises(TypeError) as info:
        run(loop, task)
    assert str(info.value) == FLOAT_N_MESSAGE
    assert r._waiter is None
    assert bytes(r._buffer) == b"abc"
    assert run(loop, r.read(2)) == b"ab"  # the buffer is not left locked
    r.feed_data(b"d")
    assert bytes(r._buffer) == b"cd"


def test_read_float_zero_and_negative(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    assert run(loop, r.read(0.0)) == b""
    r.feed_eof()
    assert run(loop, r.read(-1.0)) == b"abc"


def test_read_float_at_eof_with_empty_buffer(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    if TAKE_BYTES:
        # take_bytes(min(0, 1.5)): nothing to take, and 0 is an integer.
        assert run(loop, r.read(1.5)) == b""
        return
    with pytest.raises(TypeError, match="^" + SLICE_MESSAGE.replace("(", r"\(") + "$"):
        run(loop, r.read(1.5))


@pytest.mark.parametrize("n", ["3", None])
def test_readexactly_non_number_fails_before_exception_check(impl, loop, n):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    r.set_exception(OSError("later"))
    with pytest.raises(TypeError) as info:
        run(loop, r.readexactly(n))
    assert str(info.value) == (
        f"'<' not supported between instances of '{type(n).__name__}' and 'int'")
    assert bytes(r._buffer) == b"abc"


def test_readexactly_float_exact_size(impl, loop):
    # Before 3.15 a buffer of exactly n bytes is taken whole, a float n too.
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readexactly(3.0))
    r.feed_data(b"ab")
    spin(loop)
    assert not task.done()
    r.feed_data(b"c")
    if TAKE_BYTES:
        with pytest.raises(TypeError) as info:
            run(loop, task)
        assert str(info.value) == FLOAT_N_MESSAGE
        assert bytes(r._buffer) == b"abc"
    else:
        assert run(loop, task) == b"abc"


def test_readexactly_float_with_more_data_fails(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abcd")
    with pytest.raises(TypeError) as info:
        run(loop, r.readexactly(3.0))
    assert str(info.value) == FLOAT_N_MESSAGE
    assert bytes(r._buffer) == b"abcd"
    assert run(loop, r.readexactly(4)) == b"abcd"


def test_readexactly_float_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"a")
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readexactly(2.5))
    assert info.value.partial == b"a"
    assert info.value.expected == 2.5
    assert str(info.value) == "1 bytes read on a total of 2.5 expected bytes"
    assert not r._buffer
