"""StreamReader waiters: one reader at a time, set_exception() wake-ups and
cancellation safety.  Each test runs on ``asyncio`` and on ``fastio``."""
import asyncio
import copy
from unittest import mock

import pytest

from support import RecordingTransport
from test_reader_helpers import finish_cancelled, run, spin, start

SECOND_READERS = [
    ("read", (5,), "read"),
    ("read", (-1,), "read"),
    ("read", (), "read"),
    ("readline", (), "readuntil"),
    ("readuntil", (b"\n",), "readuntil"),
    ("readuntil", (b"--",), "readuntil"),
    ("readexactly", (3,), "readexactly"),
]


# --------------------------------------------------------------------------
# Only one coroutine may wait for data
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method, args, func_name", SECOND_READERS)
def test_second_waiting_reader_is_refused(impl, loop, method, args, func_name):
    r = impl.StreamReader(loop=loop)
    first = start(loop, r.read(10))
    waiter = r._waiter
    assert waiter is not None
    with pytest.raises(RuntimeError) as info:
        run(loop, getattr(r, method)(*args))
    assert info.value.args == (
        f"{func_name}() called while another coroutine is already waiting for incoming data",
    )
    # the first reader is undisturbed
    assert r._waiter is waiter
    r.feed_data(b"payload")
    assert run(loop, first) == b"payload"
    assert r._waiter is None


@pytest.mark.parametrize("method, args, func_name", SECOND_READERS)
def test_second_reader_refused_inside_a_coroutine(impl, loop, method, args, func_name):
    # Both reads awaited from coroutines the loop runs one after the other:
    # the refused one's await must find no result beside its error (a debug
    # build asserts it), whatever the first await left where it looks.
    r = impl.StreamReader(loop=loop)

    async def first():
        return await r.read(10)

    async def second():
        return await getattr(r, method)(*args)

    first_task = loop.create_task(first())
    second_task = loop.create_task(second())
    with pytest.raises(RuntimeError, match=rf"^{func_name}\(\) called while another"):
        run(loop, second_task)
    r.feed_data(b"payload")
    assert run(loop, first_task) == b"payload"


@pytest.mark.parametrize("first_method, first_args", [
    ("readexactly", (10,)), ("readline", ()), ("readuntil", (b"!!",)), ("read", (-1,)),
])
def test_any_waiting_reader_blocks_others(impl, loop, first_method, first_args):
    r = impl.StreamReader(loop=loop)
    first = start(loop, getattr(r, first_method)(*first_args))
    assert r._waiter is not None
    with pytest.raises(RuntimeError, match=r"^readexactly\(\) called while another"):
        run(loop, r.readexactly(1))
    r.set_exception(OSError("stop"))
    with pytest.raises(OSError):
        run(loop, first)


def test_second_reader_that_need_not_wait_succeeds(impl, loop):
    # The check is made only when a reader has to wait.
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"ab")
    first = start(loop, r.readexactly(5))
    assert r._waiter is not None
    assert run(loop, r.read(1)) == b"a"  # buffered data: no wait, no error
    assert run(loop, r.read(0)) == b""
    assert run(loop, r.readexactly(0)) == b""
    r.feed_data(b"cdefgh")
    assert run(loop, first) == b"bcdef"
    assert bytes(r._buffer) == b"gh"


# --------------------------------------------------------------------------
# set_exception wakes the waiter
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method, args", [
    ("read", (5,)), ("read", (-1,)), ("readline", ()), ("readuntil", (b"\r\n",)),
    ("readexactly", (4,)),
])
def test_set_exception_wakes_waiter(impl, loop, method, args):
    r = impl.StreamReader(loop=loop)
    task = start(loop, getattr(r, method)(*args))
    waiter = r._waiter
    assert waiter is not None
    exc = ConnectionResetError("reset by peer")
    r.set_exception(exc)
    assert r._waiter is None  # dropped synchronously
    assert waiter.done() and waiter.exception() is exc
    with pytest.raises(ConnectionResetError) as info:
        run(loop, task)
    assert info.value is exc
    assert r.exception() is exc


def test_set_exception_with_cancelled_waiter(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(1))
    waiter = r._waiter
    task.cancel()  # cancels the waiter future at once
    assert waiter.cancelled()
    exc = RuntimeError("after cancel")
    r.set_exception(exc)  # must not try to set an exception on it
    assert r._waiter is None
    assert r.exception() is exc
    finish_cancelled(loop, task)
    with pytest.raises(RuntimeError, match="after cancel"):
        run(loop, r.read(1))


def test_set_exception_with_assigned_cancelled_waiter(impl, loop):
    r = impl.StreamReader(loop=loop)
    fut = loop.create_future()
    fut.cancel()
    r._waiter = fut
    r.set_exception(ValueError("v"))
    assert r._waiter is None
    assert isinstance(r.exception(), ValueError)


def test_set_exception_with_done_waiter_raises(impl, loop):
    # A waiter that was already given a result cannot take an exception.
    r = impl.StreamReader(loop=loop)
    fut = loop.create_future()
    fut.set_result(None)
    r._waiter = fut
    with pytest.raises(asyncio.InvalidStateError):
        r.set_exception(ValueError("v"))
    assert r._waiter is None
    assert isinstance(r.exception(), ValueError)


# IncompleteReadError(b"part", None) in words.
UNDEFINED_EXPECTED = "4 bytes read on a total of undefined expected bytes"

# What readline() does with readuntil()'s errors applies to those the wait
# raises too (asyncio's readline() catches them around all of readuntil()).
WAKING_ERRORS = [
    # (method, args, error, outcome: ("returns", value) or ("raises", type, text))
    ("readline", (), asyncio.IncompleteReadError(b"part", None), ("returns", b"part")),
    ("readline", (), asyncio.LimitOverrunError("too long", 1), ("raises", ValueError, "too long")),
    ("readline", (), OSError("gone"), ("raises", OSError, "gone")),
    ("__anext__", (), asyncio.IncompleteReadError(b"", None), ("raises", StopAsyncIteration, "")),
    ("__anext__", (), asyncio.IncompleteReadError(b"p", None), ("returns", b"p")),
    ("readuntil", (b"--",), asyncio.IncompleteReadError(b"part", None),
     ("raises", asyncio.IncompleteReadError, UNDEFINED_EXPECTED)),
    ("readuntil", (b"--",), asyncio.LimitOverrunError("too long", 1),
     ("raises", asyncio.LimitOverrunError, "too long")),
    ("readexactly", (5,), asyncio.IncompleteReadError(b"part", None),
     ("raises", asyncio.IncompleteReadError, UNDEFINED_EXPECTED)),
    ("readexactly", (5,), OSError("gone"), ("raises", OSError, "gone")),
]


def outcome_of(loop, awaitable):
    try:
        return ("returns", run(loop, awaitable))
    except BaseException as exc:  # noqa: BLE001 - compared by the caller
        return ("raises", type(exc), str(exc))


@pytest.mark.parametrize("method, args, error, expected", WAKING_ERRORS)
def test_errors_that_wake_a_waiting_read(impl, loop, method, args, error, expected):
    error = copy.copy(error)  # raising the shared one each run would grow its traceback
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"xy")
    task = start(loop, getattr(r, method)(*args))
    r.set_exception(error)
    assert outcome_of(loop, task) == expected
    assert r._waiter is None
    # readline() drops what was buffered when it turns a LimitOverrunError
    # into ValueError (no separator at e.consumed); otherwise nothing is taken.
    assert bytes(r._buffer) == (b"" if expected[1] is ValueError else b"xy")


@pytest.mark.parametrize("method, args, error, expected", WAKING_ERRORS)
def test_errors_thrown_into_a_waiting_read(impl, loop, method, args, error, expected):
    # What a Task's throw() does to the read it awaits, by hand.
    error = copy.copy(error)
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"xy")
    read = getattr(r, method)(*args)
    waiter = read.send(None)
    assert waiter is r._waiter
    try:
        read.throw(error)
    except StopIteration as stop:
        got = ("returns", stop.value)
    except BaseException as exc:  # noqa: BLE001 - compared below
        got = ("raises", type(exc), str(exc))
    assert got == expected
    assert r._waiter is None
    assert not waiter.done()
    with pytest.raises(RuntimeError, match="^cannot reuse already awaited coroutine$"):
        read.send(None)


def test_closing_a_waiting_readline_clears_the_waiter(impl, loop):
    r = impl.StreamReader(loop=loop)
    read = r.readline()
    read.send(None)
    assert r._waiter is not None
    read.close()
    assert r._waiter is None
    r.feed_data(b"ok\n")
    assert run(loop, r.readline()) == b"ok\n"


def test_a_woken_readline_clears_a_waiter_set_meanwhile(impl, loop):
    # asyncio's _wait_for_data() ends with `self._waiter = None` whoever set
    # it: a second read that starts waiting after the first was woken, but
    # before it runs, loses its waiter, and the first waits on a new one.
    r = impl.StreamReader(loop=loop)
    first = start(loop, r.readline())
    r.feed_data(b"no newline")
    second = r.readuntil(b"!")
    second_waiter = second.send(None)
    assert r._waiter is second_waiter
    spin(loop)
    assert not first.done()
    assert r._waiter is not None and r._waiter is not second_waiter
    r.feed_data(b"\n")
    spin(loop)
    assert first.result() == b"no newline\n"
    assert not second_waiter.done()
    second.close()
    assert r._waiter is None


def test_feed_eof_wakes_waiter(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readline())
    waiter = r._waiter
    r.feed_eof()
    assert r._waiter is None
    assert waiter.done() and waiter.result() is None
    assert run(loop, task) == b""


# --------------------------------------------------------------------------
# Cancellation loses no data
# --------------------------------------------------------------------------


def test_cancel_pending_readexactly(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readexactly(8))
    r.feed_data(b"abc")
    spin(loop)  # the reader woke up, found too little and waits again
    assert not task.done()
    task.cancel()
    finish_cancelled(loop, task)
    assert r._waiter is None
    r.feed_data(b"defgh")
    assert run(loop, r.readexactly(8)) == b"abcdefgh"


def test_cancel_readexactly_after_wakeup(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readexactly(4))
    r.feed_data(b"abcdef")  # enough data, but the task is cancelled before it runs
    task.cancel()
    finish_cancelled(loop, task)
    assert r._waiter is None
    assert bytes(r._buffer) == b"abcdef"
    assert run(loop, r.readexactly(4)) == b"abcd"


@pytest.mark.parametrize("sep", [b"\n", b"\r\n", b"<<>>"])
def test_cancel_pending_readuntil(impl, loop, sep):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readuntil(sep))
    r.feed_data(b"first part " + sep[:-1])
    spin(loop)
    assert not task.done()
    task.cancel()
    finish_cancelled(loop, task)
    assert r._waiter is None
    r.feed_data(sep[-1:] + b"second")
    assert run(loop, r.readuntil(sep)) == b"first part " + sep
    assert bytes(r._buffer) == b"second"


def test_cancel_pending_readline(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readline())
    r.feed_data(b"hel")
    spin(loop)
    task.cancel()
    finish_cancelled(loop, task)
    assert r._waiter is None
    r.feed_data(b"lo\nworld\n")
    assert run(loop, r.readline()) == b"hello\n"
    assert run(loop, r.readline()) == b"world\n"


def test_cancel_readline_after_wakeup(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readline())
    r.feed_data(b"line\n")
    task.cancel()
    finish_cancelled(loop, task)
    assert run(loop, r.readline()) == b"line\n"


def test_cancel_pending_read(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(4))
    task.cancel()
    finish_cancelled(loop, task)
    assert r._waiter is None
    r.feed_data(b"data")
    assert run(loop, r.read(4)) == b"data"


def test_cancel_read_after_wakeup(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(4))
    r.feed_data(b"xy")
    task.cancel()
    finish_cancelled(loop, task)
    assert r._waiter is None
    r.feed_data(b"z")
    assert run(loop, r.read(10)) == b"xyz"


def test_cancel_read_all_drops_what_it_had_collected(impl, loop):
    # read(-1) gathers chunks in the coroutine itself: once cancelled,
    # what it already took out of the buffer is gone.
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"taken")
    task = start(loop, r.read(-1))
    assert not r._buffer
    task.cancel()
    finish_cancelled(loop, task)
    assert r._waiter is None
    r.feed_data(b"later")
    r.feed_eof()
    assert run(loop, r.read(-1)) == b"later"


def test_cancelled_waiter_future_directly(impl, loop):
    # Cancelling the waiter future (not the task) makes the read raise
    # CancelledError and clears the waiter.
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"ab")
    task = start(loop, r.readexactly(3))
    r._waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        run(loop, task)
    assert r._waiter is None
    assert bytes(r._buffer) == b"ab"


def test_cancel_while_paused_keeps_data_and_state(impl, loop):
    r = impl.StreamReader(limit=2, loop=loop)
    t = RecordingTransport()
    r.set_transport(t)
    r.feed_data(b"12345")
    task = start(loop, r.readexactly(9))  # resumes the transport to wait
    assert t.calls == ["pause_reading", "resume_reading"]
    task.cancel()
    finish_cancelled(loop, task)
    assert bytes(r._buffer) == b"12345"
    assert r._paused is False
    r.feed_data(b"6789")
    assert t.calls == ["pause_reading", "resume_reading", "pause_reading"]
    assert run(loop, r.readexactly(9)) == b"123456789"
    assert t.calls == ["pause_reading", "resume_reading", "pause_reading", "resume_reading"]


def test_reader_usable_again_after_cancel(impl, loop):
    r = impl.StreamReader(loop=loop)
    for _ in range(3):
        task = start(loop, r.readuntil(b";"))
        task.cancel()
        finish_cancelled(loop, task)
        assert r._waiter is None
    task = start(loop, r.readuntil(b";"))
    r.feed_data(b"ok;")
    assert run(loop, task) == b"ok;"


# --------------------------------------------------------------------------
# _wait_for_data() called directly (libraries reach for it)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("wake", ["feed_data", "feed_eof"])
def test_wait_for_data_returns_when_woken(impl, loop, wake):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r._wait_for_data("mine"))
    assert not task.done() and r._waiter is not None
    if wake == "feed_data":
        r.feed_data(b"x")
    else:
        r.feed_eof()
    assert run(loop, task) is None
    assert r._waiter is None


def test_wait_for_data_raises_the_set_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r._wait_for_data("mine"))
    exc = ConnectionResetError("gone")
    r.set_exception(exc)
    with pytest.raises(ConnectionResetError) as info:
        run(loop, task)
    assert info.value is exc
    assert r._waiter is None


def test_wait_for_data_cancelled_leaves_no_waiter(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r._wait_for_data("mine"))
    task.cancel()
    finish_cancelled(loop, task)
    assert r._waiter is None
    r.feed_data(b"after\n")
    assert run(loop, r.readline()) == b"after\n"


def test_wait_for_data_refused_while_another_waits(impl, loop):
    r = impl.StreamReader(loop=loop)
    first = start(loop, r.readline())
    waiter = r._waiter
    with pytest.raises(RuntimeError,
                       match=r"^mine\(\) called while another coroutine is already waiting"):
        run(loop, r._wait_for_data("mine"))
    assert r._waiter is waiter
    r.feed_data(b"line\n")
    assert run(loop, first) == b"line\n"


def test_wait_for_data_after_eof_is_an_assertion(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    with pytest.raises(AssertionError, match="^_wait_for_data after EOF$"):
        run(loop, r._wait_for_data("mine"))


def test_wait_for_data_resumes_a_paused_transport(impl, loop):
    r = impl.StreamReader(loop=loop, limit=2)
    transport = RecordingTransport()
    r.set_transport(transport)
    r.feed_data(b"12345")
    assert transport.calls == ["pause_reading"]
    task = start(loop, r._wait_for_data("mine"))
    assert transport.calls == ["pause_reading", "resume_reading"]
    r.feed_data(b"6")
    assert run(loop, task) is None


def test_wait_for_data_is_lazy_like_a_coroutine(impl, loop):
    r = impl.StreamReader(loop=loop)
    waiting = r._wait_for_data("mine")
    assert asyncio.iscoroutine(waiting)
    assert r._waiter is None          # nothing happens until it is awaited
    waiting.close()
    assert r._waiter is None
    with pytest.raises(ZeroDivisionError):
        r._wait_for_data("mine").throw(ZeroDivisionError())
    assert r._waiter is None


def test_reads_wait_through_an_overridden_wait_for_data(impl, loop):
    calls = []

    class Reader(impl.StreamReader):
        async def _wait_for_data(self, func_name):
            calls.append(func_name)
            await super()._wait_for_data(func_name)

    r = Reader(loop=loop)
    task = start(loop, r.readline())
    r.feed_data(b"ab")
    spin(loop)
    r.feed_data(b"c\n")
    assert run(loop, task) == b"abc\n"
    task = start(loop, r.readexactly(2))
    r.feed_data(b"xy")
    assert run(loop, task) == b"xy"
    assert calls == ["readuntil", "readuntil", "readexactly"]


@pytest.mark.parametrize("method, args, feeds, result, waits", [
    ("readline", (), [b"a", b"b", b"-\n"], b"ab-\n", 2),
    ("readuntil", (b"--",), [b"a", b"-", b"-\n"], b"a--", 2),
    ("readexactly", (4,), [b"a", b"b", b"cd"], b"abcd", 2),
    ("read", (4,), [b"a"], b"a", 0),   # read() waits once, before the patch
])
def test_wait_for_data_patched_on_a_waiting_reader_is_used_from_its_next_wait(
        impl, loop, method, args, feeds, result, waits):
    # The read methods look _wait_for_data up each time they wait.
    calls = []
    r = impl.StreamReader(loop=loop)
    task = start(loop, getattr(r, method)(*args))
    original = r._wait_for_data

    async def recording(func_name):
        calls.append(func_name)
        await original(func_name)

    with mock.patch.object(r, "_wait_for_data", recording):
        for data in feeds:
            r.feed_data(data)
            spin(loop)
        assert run(loop, task) == result
    assert calls == ["readuntil" if method == "readline" else method] * waits
    task = start(loop, r.readuntil(b"!"))
    assert len(calls) == waits
    task.cancel()
    finish_cancelled(loop, task)


def test_a_woken_read_returns_what_is_buffered_even_nothing(impl, loop):
    # read() waits once: if another read took the bytes between its
    # wake-up and its turn, it returns b"" (and readexactly() waits on).
    r = impl.StreamReader(loop=loop)
    reading = start(loop, r.read(5))
    r.feed_data(b"ab")
    with pytest.raises(StopIteration) as taken:
        r.read(2).send(None)
    assert taken.value.value == b"ab"
    spin(loop)
    assert reading.done() and reading.result() == b""
    exactly = start(loop, r.readexactly(2))
    r.feed_data(b"c")
    with pytest.raises(StopIteration):
        r.read(1).send(None)
    spin(loop)
    assert not exactly.done() and r._waiter is not None
    r.feed_data(b"de")
    assert run(loop, exactly) == b"de"
