"""StreamReader flow control: pause_reading()/resume_reading() on the transport.
Each test runs on ``asyncio`` and on ``fastio`` and checks the exact list of
calls the transport received."""
import asyncio

import pytest

from support import RecordingTransport
from test_reader_helpers import run, spin, start

PAUSE = "pause_reading"
RESUME = "resume_reading"


def reader_with_transport(impl, loop, limit, **kwargs):
    r = impl.StreamReader(limit=limit, loop=loop)
    t = RecordingTransport(**kwargs)
    r.set_transport(t)
    return r, t


class CountingTransport(RecordingTransport):
    """A transport that cannot pause, counting every attempt."""

    def __init__(self):
        super().__init__(can_pause=False)
        self.attempts = 0

    def pause_reading(self):
        self.attempts += 1
        super().pause_reading()


def test_pause_threshold_is_strictly_over_twice_the_limit(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=4)
    r.feed_data(b"12345678")  # 2 * limit: not yet
    assert t.calls == []
    assert r._paused is False
    r.feed_data(b"9")  # 2 * limit + 1
    assert t.calls == [PAUSE]
    assert r._paused is True
    r.feed_data(b"more data")  # already paused: no second call
    assert t.calls == [PAUSE]


def test_pause_on_a_single_big_feed(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=3)
    r.feed_data(b"x" * 7)
    assert t.calls == [PAUSE]


def test_no_pause_without_transport(impl, loop):
    r = impl.StreamReader(limit=1, loop=loop)
    r.feed_data(b"x" * 100)
    assert r._paused is False
    assert r._transport is None


def test_no_pause_with_empty_feed(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=2)
    r.feed_data(b"1234")
    r.feed_data(b"")
    assert t.calls == []


def test_resume_when_read_reaches_limit(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=4)
    r.feed_data(b"abcdefghi")  # 9 > 8
    assert run(loop, r.read(4)) == b"abcd"  # 5 left: > limit
    assert t.calls == [PAUSE]
    assert r._paused is True
    assert run(loop, r.read(1)) == b"e"  # 4 left: == limit
    assert t.calls == [PAUSE, RESUME]
    assert r._paused is False
    assert run(loop, r.read(4)) == b"fghi"
    assert t.calls == [PAUSE, RESUME]


@pytest.mark.parametrize(
    "method, args",
    [("read", (6,)), ("readexactly", (6,)), ("readuntil", (b"\n",)), ("readline", ())],
)
def test_each_read_method_resumes(impl, loop, method, args):
    r, t = reader_with_transport(impl, loop, limit=5)
    r.feed_data(b"aaaaa\nbbbbb")  # 11 > 10
    assert t.calls == [PAUSE]
    assert run(loop, getattr(r, method)(*args)) == b"aaaaa\n"
    assert bytes(r._buffer) == b"bbbbb"  # == limit
    assert t.calls == [PAUSE, RESUME]
    assert r._paused is False


@pytest.mark.parametrize(
    "method, args",
    [("read", (5,)), ("readexactly", (5,)), ("readuntil", (b"\n",)), ("readline", ())],
)
def test_read_methods_do_not_resume_above_limit(impl, loop, method, args):
    r, t = reader_with_transport(impl, loop, limit=5)
    r.feed_data(b"aaaa\nbbbbbb")  # 11 > 10
    assert len(run(loop, getattr(r, method)(*args))) == 5
    assert len(r._buffer) == 6
    assert t.calls == [PAUSE]
    assert r._paused is True


def test_read_all_resumes_and_pauses_again(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=2)
    r.feed_data(b"0123456789")
    assert t.calls == [PAUSE]
    task = start(loop, r.read(-1))
    # read(-1) reads in chunks of `limit`; the buffer is drained and the
    # reader now waits for more
    assert t.calls == [PAUSE, RESUME]
    assert not task.done()
    r.feed_data(b"abcdefghij")
    assert t.calls == [PAUSE, RESUME, PAUSE]
    spin(loop)
    assert t.calls == [PAUSE, RESUME, PAUSE, RESUME]
    r.feed_eof()
    assert run(loop, task) == b"0123456789abcdefghij"


def test_waiting_while_paused_resumes_first(impl, loop):
    # readexactly(n) with n > 2 * limit would deadlock if the transport
    # stayed paused while the reader waits for the rest.
    r, t = reader_with_transport(impl, loop, limit=2)
    r.feed_data(b"12345")
    assert t.calls == [PAUSE]
    task = start(loop, r.readexactly(12))
    assert t.calls == [PAUSE, RESUME]
    assert r._paused is False
    r.feed_data(b"6789")  # 9 > 4: paused again, the reader resumes when it waits
    assert t.calls == [PAUSE, RESUME, PAUSE]
    spin(loop)
    assert t.calls == [PAUSE, RESUME, PAUSE, RESUME]
    r.feed_data(b"abcd")
    assert run(loop, task) == b"123456789abc"
    assert bytes(r._buffer) == b"d"
    assert t.calls == [PAUSE, RESUME, PAUSE, RESUME, PAUSE, RESUME]
    assert r._paused is False


def test_readuntil_waiting_while_paused_resumes(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=4)
    sep = b"0123456789"  # longer than the buffered data
    r.feed_data(b"xx0123456")
    assert t.calls == [PAUSE]
    task = start(loop, r.readuntil(sep))
    assert not task.done()
    assert t.calls == [PAUSE, RESUME]
    r.feed_data(b"789")
    assert t.calls == [PAUSE, RESUME, PAUSE]
    assert run(loop, task) == b"xx0123456789"
    assert t.calls == [PAUSE, RESUME, PAUSE, RESUME]


def test_readuntil_limit_error_leaves_transport_paused(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=4)
    r.feed_data(b"abcdefghi")
    with pytest.raises(asyncio.LimitOverrunError):
        run(loop, r.readuntil(b"\r\n"))
    r.feed_data(b"\r\n")
    with pytest.raises(asyncio.LimitOverrunError):
        run(loop, r.readuntil(b"\r\n"))
    # a limit error leaves the data and does not touch the transport
    assert t.calls == [PAUSE]
    assert r._paused is True
    assert len(r._buffer) == 11


def test_readline_overrun_resumes(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=3)
    r.feed_data(b"abcdefg\nhi")
    assert t.calls == [PAUSE]
    with pytest.raises(ValueError):
        run(loop, r.readline())
    assert bytes(r._buffer) == b"hi"
    assert t.calls == [PAUSE, RESUME]


def test_readline_overrun_without_newline_resumes(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=3)
    r.feed_data(b"abcdefg")
    with pytest.raises(ValueError):
        run(loop, r.readline())
    assert not r._buffer
    assert t.calls == [PAUSE, RESUME]


def test_incomplete_read_at_eof_does_not_resume(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=2)
    r.feed_data(b"abcdef")
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError):
        run(loop, r.readexactly(100))
    assert not r._buffer
    assert t.calls == [PAUSE]
    assert r._paused is True


def test_readuntil_incomplete_at_eof_does_not_resume(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=5)
    r.feed_data(b"abcdefghijk")
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError):
        run(loop, r.readuntil(b"\nXXXXXX"))
    assert not r._buffer
    assert t.calls == [PAUSE]
    assert r._paused is True


def test_read_with_exception_does_not_resume(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=1)
    r.feed_data(b"abc")
    r.set_exception(OSError("x"))
    with pytest.raises(OSError):
        run(loop, r.read(3))
    assert t.calls == [PAUSE]


def test_read_zero_does_not_resume(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=1)
    r.feed_data(b"abc")
    assert run(loop, r.read(0)) == b""
    assert run(loop, r.readexactly(0)) == b""
    assert t.calls == [PAUSE]


def test_transport_that_cannot_pause_is_forgotten(impl, loop):
    r = impl.StreamReader(limit=2, loop=loop)
    t = CountingTransport()
    r.set_transport(t)
    r.feed_data(b"1234")
    assert t.attempts == 0
    r.feed_data(b"5")
    assert t.attempts == 1
    assert r._transport is None
    assert r._paused is False
    r.feed_data(b"6789" * 10)
    assert t.attempts == 1
    assert run(loop, r.read(100)) == b"123456789" + b"6789" * 9
    assert t.calls == []
    # and a new transport may be set afterwards
    t2 = RecordingTransport()
    r.set_transport(t2)
    r.feed_data(b"abcde")
    assert t2.calls == [PAUSE]


def test_transport_that_cannot_pause_with_plain_recording_transport(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=1, can_pause=False)
    r.feed_data(b"abc")
    assert r._transport is None
    assert repr(r) == "<StreamReader 3 bytes limit=1>"
    run(loop, r.read(3))
    assert t.calls == []


def test_other_pause_errors_propagate(impl, loop):
    class Broken(RecordingTransport):
        def pause_reading(self):
            raise RuntimeError("transport is closing")

    r = impl.StreamReader(limit=1, loop=loop)
    t = Broken()
    r.set_transport(t)
    task = start(loop, r.read(1))
    with pytest.raises(RuntimeError, match="transport is closing"):
        r.feed_data(b"abc")
    # the data is kept, the waiter woken, the transport kept, not paused
    assert bytes(r._buffer) == b"abc"
    assert r._transport is t
    assert r._paused is False
    assert run(loop, task) == b"a"


def test_set_transport_twice_asserts_and_keeps_first(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=1)
    with pytest.raises(AssertionError, match="^Transport already set$"):
        r.set_transport(RecordingTransport())
    r.feed_data(b"abc")
    assert t.calls == [PAUSE]


def test_float_limit(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=2.5)
    assert repr(r) == "<StreamReader limit=2.5 transport=<RecordingTransport>>"
    r.feed_data(b"12\n")
    assert run(loop, r.readline()) == b"12\n"  # 2 <= 2.5
    r.feed_data(b"123\n")
    with pytest.raises(ValueError, match="^Separator is found, but chunk is longer than limit$"):
        run(loop, r.readline())
    r.feed_data(b"abcde")  # 5 is not > 5.0
    assert t.calls == []
    r.feed_data(b"f")
    assert t.calls == [PAUSE]
    assert run(loop, r.read(3)) == b"abc"  # 3 > 2.5
    assert t.calls == [PAUSE]
    assert run(loop, r.read(1)) == b"d"
    assert t.calls == [PAUSE, RESUME]


def test_huge_limit(impl, loop):
    r, t = reader_with_transport(impl, loop, limit=2 ** 70)
    assert repr(r) == "<StreamReader limit=1180591620717411303424 transport=<RecordingTransport>>"
    r.feed_data(b"x" * 100000)
    assert t.calls == []
    r.feed_data(b"\n")
    assert len(run(loop, r.readline())) == 100001
