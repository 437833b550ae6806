"""StreamReader: construction, repr, state queries, private attributes and
subclassing.

Every test runs on ``asyncio`` and on ``fastio`` (see conftest.py); the
asyncio run proves the expectation on the running interpreter.
"""
import asyncio
import sys
import warnings
from unittest import mock

import pytest

from support import RecordingTransport
from test_reader_helpers import run, spin, start

DEFAULT_LIMIT = 2 ** 16


def recorded(func):
    """Call ``func`` and return (result or exception, warnings) as comparable data."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = func()
        except Exception as exc:  # noqa: BLE001 - compared by the caller
            result = exc
    return result, [(w.category, str(w.message), w.filename) for w in caught]


# --------------------------------------------------------------------------
# Constructor
# --------------------------------------------------------------------------


def test_default_limit(impl, loop):
    r = impl.StreamReader(loop=loop)
    assert r._limit == DEFAULT_LIMIT == 65536
    assert r._loop is loop


def test_custom_limit_is_kept(impl, loop):
    r = impl.StreamReader(limit=7, loop=loop)
    assert r._limit == 7
    r = impl.StreamReader(13, loop)  # positional, like asyncio's signature
    assert r._limit == 13
    assert r._loop is loop


@pytest.mark.parametrize("limit", [0, -1, -(2 ** 70)])
def test_non_positive_limit_rejected(impl, loop, limit):
    with pytest.raises(ValueError) as info:
        impl.StreamReader(limit=limit, loop=loop)
    assert info.value.args == ("Limit cannot be <= 0",)


def test_limit_checked_before_looking_up_a_loop(impl, loop):
    # With no current loop the limit error still wins over the loop error.
    asyncio.set_event_loop(None)
    with pytest.raises(ValueError, match=r"^Limit cannot be <= 0$"):
        impl.StreamReader(limit=0)


def test_non_numeric_limit_fails_on_comparison(impl, loop):
    with pytest.raises(TypeError) as info:
        impl.StreamReader(limit="5", loop=loop)
    assert str(info.value) == "'<=' not supported between instances of 'str' and 'int'"


def test_is_a_stdlib_stream_reader(impl, loop):
    r = impl.StreamReader(loop=loop)
    assert isinstance(r, asyncio.StreamReader)


def test_initial_state(impl, loop):
    r = impl.StreamReader(loop=loop)
    assert r._eof is False
    assert r._waiter is None
    assert r._exception is None
    assert r._transport is None
    assert r._paused is False
    assert len(r._buffer) == 0
    assert not r._buffer
    assert r.exception() is None
    assert r.at_eof() is False


def test_no_loop_uses_current_loop_without_warning(impl, loop):
    r, caught = recorded(lambda: impl.StreamReader())
    assert not isinstance(r, Exception), r
    assert r._loop is loop
    assert caught == []


def test_no_loop_inside_coroutine_uses_running_loop(impl, loop):
    # Even with no current loop set, a reader made in a coroutine binds to
    # the running loop, silently.
    asyncio.set_event_loop(None)

    async def make():
        return recorded(lambda: impl.StreamReader(limit=3))

    r, caught = run(loop, make())
    assert not isinstance(r, Exception), r
    assert r._loop is loop
    assert r._limit == 3
    assert caught == []


def test_no_loop_and_no_current_loop_raises(impl, loop):
    asyncio.set_event_loop(None)
    result, caught = recorded(lambda: impl.StreamReader())
    assert type(result) is RuntimeError
    assert str(result) == "There is no current event loop in thread 'MainThread'."
    assert caught == []


def _untouched_policy_outcome(module):
    """StreamReader() under a policy on which set_event_loop() was never
    called: the error, or whether it took the policy's new loop; warnings."""
    with warnings.catch_warnings():
        # The policy functions themselves are deprecated from 3.14 on.
        warnings.simplefilter("ignore", DeprecationWarning)
        old_policy = asyncio.get_event_loop_policy()
        policy = asyncio.DefaultEventLoopPolicy()
        asyncio.set_event_loop_policy(policy)
    try:
        r, caught = recorded(lambda: module.StreamReader())
        if isinstance(r, Exception):
            return (type(r), str(r)), caught
        created = policy.get_event_loop()
        created.close()
        return ("took the policy's loop", r._loop is created), caught
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            asyncio.set_event_loop_policy(old_policy)


def test_no_loop_with_untouched_policy(impl, loop):
    # Such a policy creates a loop before 3.14, warning from 3.12 on
    # (pointing at the caller's line); from 3.14 on it raises.
    got = _untouched_policy_outcome(impl)
    assert got == _untouched_policy_outcome(asyncio)
    result, caught = got
    if sys.version_info >= (3, 14):
        assert result == (RuntimeError, "There is no current event loop in thread 'MainThread'.")
        assert caught == []
        return
    assert result == ("took the policy's loop", True)
    if sys.version_info >= (3, 12):
        assert caught == [(DeprecationWarning, "There is no current event loop", __file__)]
    else:
        assert caught == []


def test_debug_mode_records_where_the_reader_was_made(impl, loop):
    r = impl.StreamReader(loop=loop)
    assert r._source_traceback is None
    loop.set_debug(True)
    r, line = impl.StreamReader(loop=loop), sys._getframe().f_lineno
    frame = r._source_traceback[-1]
    assert (frame.filename, frame.lineno, frame.name) == (
        __file__, line, "test_debug_mode_records_where_the_reader_was_made")


# --------------------------------------------------------------------------
# at_eof / exception / set_exception / feed_eof
# --------------------------------------------------------------------------


def test_at_eof_transitions(impl, loop):
    r = impl.StreamReader(loop=loop)
    assert not r.at_eof()
    r.feed_data(b"ab\ncd")
    assert not r.at_eof()
    r.feed_eof()
    assert not r.at_eof()  # eof seen but data left
    assert run(loop, r.readline()) == b"ab\n"
    assert not r.at_eof()
    assert run(loop, r.read(1)) == b"c"
    assert not r.at_eof()
    assert run(loop, r.read(5)) == b"d"
    assert r.at_eof() is True
    r.feed_eof()  # a second feed_eof is harmless
    assert r.at_eof() is True


def test_exception_roundtrip(impl, loop):
    r = impl.StreamReader(loop=loop)
    exc = ValueError("boom")
    r.set_exception(exc)
    assert r.exception() is exc
    assert r._exception is exc
    other = OSError("second")
    r.set_exception(other)
    assert r.exception() is other


def test_exception_does_not_touch_buffer_or_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"kept")
    r.set_exception(ConnectionResetError("gone"))
    assert bytes(r._buffer) == b"kept"
    assert not r.at_eof()
    # feeding is still allowed after an exception
    r.feed_data(b"+more")
    assert bytes(r._buffer) == b"kept+more"
    r.feed_eof()
    assert r._eof is True


def test_set_exception_none_clears_it(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"xy")
    r.set_exception(RuntimeError("x"))
    with pytest.raises(RuntimeError):
        run(loop, r.read(1))
    r.set_exception(None)
    assert r.exception() is None
    assert run(loop, r.read(1)) == b"x"


# --------------------------------------------------------------------------
# async iteration
# --------------------------------------------------------------------------


def test_async_iteration_yields_lines_then_stops(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"one\ntwo\n\nthree")
    r.feed_eof()

    async def collect():
        return [line async for line in r]

    assert run(loop, collect()) == [b"one\n", b"two\n", b"\n", b"three"]
    assert r.at_eof()


def test_async_iteration_waits_for_data(impl, loop):
    r = impl.StreamReader(loop=loop)
    got = []

    async def consume():
        async for line in r:
            got.append(line)
        return "done"

    task = start(loop, consume())
    assert got == []
    r.feed_data(b"a\nb")
    spin(loop)
    assert got == [b"a\n"]
    r.feed_data(b"c\n")
    spin(loop)
    assert got == [b"a\n", b"bc\n"]
    assert not task.done()
    r.feed_eof()
    assert run(loop, task) == "done"
    assert got == [b"a\n", b"bc\n"]


def test_aiter_returns_self_and_anext_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    assert r.__aiter__() is r
    r.feed_data(b"x\n")
    r.feed_eof()
    assert run(loop, r.__anext__()) == b"x\n"
    with pytest.raises(StopAsyncIteration):
        run(loop, r.__anext__())


def test_async_iteration_raises_set_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"line\n")
    r.set_exception(ConnectionAbortedError("aborted"))

    async def collect():
        return [line async for line in r]

    with pytest.raises(ConnectionAbortedError, match="aborted"):
        run(loop, collect())


# --------------------------------------------------------------------------
# __repr__
# --------------------------------------------------------------------------


def test_repr_default(impl, loop):
    assert repr(impl.StreamReader(loop=loop)) == "<StreamReader>"


def test_repr_with_bytes(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"12345")
    assert repr(r) == "<StreamReader 5 bytes>"


def test_repr_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    assert repr(r) == "<StreamReader eof>"


def test_repr_non_default_limit(impl, loop):
    assert repr(impl.StreamReader(limit=123, loop=loop)) == "<StreamReader limit=123>"
    assert repr(impl.StreamReader(limit=DEFAULT_LIMIT, loop=loop)) == "<StreamReader>"


def test_repr_waiter(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(1))
    waiter = r._waiter
    assert waiter is not None
    assert repr(r) == f"<StreamReader waiter={waiter!r}>"
    assert repr(waiter).startswith("<Future pending")
    r.feed_data(b"z")
    assert run(loop, task) == b"z"
    assert repr(r) == "<StreamReader>"


def test_repr_assigned_waiter(impl, loop):
    r = impl.StreamReader(loop=loop)
    fut = loop.create_future()
    r._waiter = fut
    assert repr(r) == "<StreamReader waiter=<Future pending>>"
    fut.set_result(None)
    assert repr(r) == "<StreamReader waiter=<Future finished result=None>>"
    r._waiter = None
    assert repr(r) == "<StreamReader>"


def test_repr_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.set_exception(ValueError("bad"))
    assert repr(r) == "<StreamReader exception=ValueError('bad')>"


def test_repr_transport(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.set_transport(RecordingTransport())
    assert repr(r) == "<StreamReader transport=<RecordingTransport>>"


def test_repr_assigned_transport(impl, loop):
    r = impl.StreamReader(loop=loop)
    r._transport = RecordingTransport()
    assert repr(r) == "<StreamReader transport=<RecordingTransport>>"


def test_repr_paused(impl, loop):
    r = impl.StreamReader(limit=2, loop=loop)
    r.set_transport(RecordingTransport())
    r.feed_data(b"abcde")
    assert repr(r) == "<StreamReader 5 bytes limit=2 transport=<RecordingTransport> paused>"


def test_repr_everything(impl, loop):
    r = impl.StreamReader(limit=4, loop=loop)
    r.set_transport(RecordingTransport())
    r.feed_data(b"123456789")
    r.feed_eof()
    r.set_exception(OSError(5, "io"))
    fut = loop.create_future()
    r._waiter = fut
    assert repr(r) == (
        "<StreamReader 9 bytes eof limit=4 waiter=<Future pending> "
        "exception=OSError(5, 'io') transport=<RecordingTransport> paused>"
    )
    fut.cancel()


def test_repr_of_subclass_still_says_streamreader(impl, loop):
    class MyReader(impl.StreamReader):
        pass

    r = MyReader(limit=9, loop=loop)
    r.feed_data(b"a")
    assert repr(r) == "<StreamReader 1 bytes limit=9>"


# --------------------------------------------------------------------------
# Private attributes that real code reads and writes
# --------------------------------------------------------------------------


def test_buffer_protocol_like_operations(impl, loop):
    r = impl.StreamReader(loop=loop)
    buf = r._buffer
    assert len(buf) == 0
    assert not buf
    assert bytes(buf) == b""
    assert buf == b""
    assert b"" == buf
    r.feed_data(b"hello ")
    r.feed_data(bytearray(b"world"))
    buf = r._buffer
    assert len(buf) == 11
    assert buf
    assert bool(buf) is True
    assert bytes(buf) == b"hello world"
    assert buf == b"hello world"
    assert b"hello world" == buf
    assert buf != b"hello"
    assert b"hello" != buf
    # a reference taken earlier follows the reader
    run(loop, r.read(6))
    r.feed_data(b"!")
    assert buf == b"world!"
    assert len(buf) == 6


def test_buffer_clear_empties_the_reader(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"discard me")
    r._buffer.clear()
    assert len(r._buffer) == 0
    assert bytes(r._buffer) == b""
    assert repr(r) == "<StreamReader>"
    r.feed_eof()
    assert r.at_eof()
    assert run(loop, r.read()) == b""


def test_buffer_after_partial_reads(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"0123456789")
    run(loop, r.read(3))
    assert len(r._buffer) == 7
    assert bytes(r._buffer) == b"3456789"
    assert r._buffer == b"3456789"
    r.feed_data(b"ab")
    assert bytes(r._buffer) == b"3456789ab"
    run(loop, r.readexactly(9))
    assert not r._buffer
    assert r._buffer == b""


def test_private_flags_reflect_state(impl, loop):
    r = impl.StreamReader(limit=1, loop=loop)
    t = RecordingTransport()
    r.set_transport(t)
    assert r._transport is t
    r.feed_data(b"abc")
    assert r._paused is True
    exc = EOFError("x")
    r.set_exception(exc)
    assert r._exception is exc
    r.feed_eof()
    assert r._eof is True
    assert r._loop is loop


def test_assigning_limit_takes_effect(impl, loop):
    r = impl.StreamReader(loop=loop)
    r._limit = 3
    assert r._limit == 3
    assert repr(r) == "<StreamReader limit=3>"
    r.feed_data(b"abcdef\n")
    with pytest.raises(ValueError, match="^Separator is found, but chunk is longer than limit$"):
        run(loop, r.readline())


def test_assigning_eof_takes_effect(impl, loop):
    r = impl.StreamReader(loop=loop)
    r._eof = True
    assert r._eof is True
    assert r.at_eof()
    assert run(loop, r.read()) == b""
    with pytest.raises(AssertionError):
        r.feed_data(b"x")
    r._eof = False
    r.feed_data(b"x")
    assert bytes(r._buffer) == b"x"


def test_assigning_exception_takes_effect(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"data")
    exc = KeyError("k")
    r._exception = exc
    assert r.exception() is exc
    with pytest.raises(KeyError):
        run(loop, r.read(1))
    r._exception = None
    assert run(loop, r.read(1)) == b"d"


def test_assigning_waiter_takes_effect(impl, loop):
    r = impl.StreamReader(loop=loop)
    fut = loop.create_future()
    r._waiter = fut
    assert r._waiter is fut
    # Someone else seems to be waiting: a read that must wait refuses.
    with pytest.raises(RuntimeError, match=r"^read\(\) called while another coroutine"):
        run(loop, r.read(1))
    # feed_data wakes (and forgets) the assigned waiter.
    r.feed_data(b"q")
    assert fut.done() and fut.result() is None
    assert r._waiter is None
    assert run(loop, r.read(1)) == b"q"


def test_assigning_transport_takes_effect(impl, loop):
    r = impl.StreamReader(limit=2, loop=loop)
    t = RecordingTransport()
    r._transport = t
    assert r._transport is t
    r.feed_data(b"abcd")
    assert t.calls == []
    r.feed_data(b"e")
    assert t.calls == ["pause_reading"]
    assert r._paused is True
    assert run(loop, r.read(3)) == b"abc"
    assert t.calls == ["pause_reading", "resume_reading"]
    # replacing the transport by hand is allowed and used from then on
    t2 = RecordingTransport()
    r._transport = t2
    r.feed_data(b"fghi")
    assert t2.calls == ["pause_reading"]
    assert t.calls == ["pause_reading", "resume_reading"]


def test_assigning_paused_takes_effect(impl, loop):
    r = impl.StreamReader(limit=2, loop=loop)
    t = RecordingTransport()
    r.set_transport(t)
    r._paused = True
    assert r._paused is True
    r.feed_data(b"abcdefg")  # already "paused": no second pause
    assert t.calls == []
    run(loop, r.read(5))
    assert t.calls == ["resume_reading"]
    assert r._paused is False


def test_assigning_loop(impl, loop):
    r = impl.StreamReader(loop=loop)
    other = asyncio.new_event_loop()
    try:
        r._loop = other
        assert r._loop is other
        r._loop = loop
        assert r._loop is loop
    finally:
        other.close()


def test_set_transport_twice_asserts(impl, loop):
    r = impl.StreamReader(loop=loop)
    t = RecordingTransport()
    r.set_transport(t)
    with pytest.raises(AssertionError) as info:
        r.set_transport(RecordingTransport())
    assert info.value.args == ("Transport already set",)
    assert r._transport is t


# --------------------------------------------------------------------------
# Subclassing
# --------------------------------------------------------------------------


class ProtocolTransport(RecordingTransport):
    """Enough of a transport for StreamReaderProtocol.connection_made()."""

    def get_extra_info(self, name, default=None):
        return default

    def is_closing(self):
        return False


def _recording_subclass(impl):
    class Recording(impl.StreamReader):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.events = []

        def feed_data(self, data):
            self.events.append(("data", bytes(data)))
            super().feed_data(data)

        def feed_eof(self):
            self.events.append(("eof",))
            super().feed_eof()

        def set_exception(self, exc):
            self.events.append(("exc", type(exc)))
            super().set_exception(exc)

    return Recording


def _protocol_classes(impl):
    # asyncio's protocol, plus the implementation's own one if it has one
    classes = [asyncio.StreamReaderProtocol]
    own = getattr(impl, "StreamReaderProtocol", asyncio.StreamReaderProtocol)
    if own is not asyncio.StreamReaderProtocol:
        classes.append(own)
    return classes


def test_subclass_feed_overrides_see_protocol_calls(impl, loop):
    for protocol_class in _protocol_classes(impl):
        r = _recording_subclass(impl)(limit=4, loop=loop)
        proto = protocol_class(r, loop=loop)
        t = ProtocolTransport()
        proto.connection_made(t)
        assert r._transport is t
        proto.data_received(b"ab\n")
        proto.data_received(b"cdefghij")
        assert t.calls == ["pause_reading"]
        proto.eof_received()
        assert r.events == [("data", b"ab\n"), ("data", b"cdefghij"), ("eof",)], protocol_class
        assert run(loop, r.readline()) == b"ab\n"
        assert run(loop, r.read()) == b"cdefghij"
        assert t.calls == ["pause_reading", "resume_reading"]
        proto.connection_lost(None)
        assert r.events[-1] == ("eof",)


def test_subclass_set_exception_sees_connection_lost(impl, loop):
    for protocol_class in _protocol_classes(impl):
        r = _recording_subclass(impl)(loop=loop)
        proto = protocol_class(r, loop=loop)
        proto.connection_made(ProtocolTransport())
        proto.data_received(b"x")
        proto.connection_lost(ConnectionResetError("reset"))
        assert r.events == [("data", b"x"), ("exc", ConnectionResetError)], protocol_class
        with pytest.raises(ConnectionResetError):
            run(loop, r.read())


def test_subclass_feed_data_override_used_by_direct_calls(impl, loop):
    class Upper(impl.StreamReader):
        def feed_data(self, data):
            super().feed_data(bytes(data).upper())

    r = Upper(loop=loop)
    r.feed_data(b"abc\n")
    assert run(loop, r.readline()) == b"ABC\n"


def test_readline_goes_through_overridden_readuntil(impl, loop):
    class Tracing(impl.StreamReader):
        seen = None

        async def readuntil(self, separator=b"\n"):
            self.seen = separator
            line = await super().readuntil(separator)
            return line.replace(b"\n", b"<NL>")

    r = Tracing(loop=loop)
    r.feed_data(b"hi\nthere")
    r.feed_eof()
    assert run(loop, r.readline()) == b"hi<NL>"
    assert r.seen == b"\n"
    # the IncompleteReadError raised by readuntil is turned into a partial line
    assert run(loop, r.readline()) == b"there"


def test_readline_turns_overridden_readuntil_errors_into_results(impl, loop):
    class Failing(impl.StreamReader):
        async def readuntil(self, separator=b"\n"):
            raise asyncio.IncompleteReadError(b"fake partial", None)

    r = Failing(loop=loop)
    assert run(loop, r.readline()) == b"fake partial"


def test_async_iteration_goes_through_overridden_readline(impl, loop):
    class Numbered(impl.StreamReader):
        count = 0

        async def readline(self):
            line = await super().readline()
            if line:
                self.count += 1
                return b"%d:" % self.count + line
            return line

    r = Numbered(loop=loop)
    r.feed_data(b"a\nb\n")
    r.feed_eof()

    async def collect():
        return [line async for line in r]

    assert run(loop, collect()) == [b"1:a\n", b"2:b\n"]


def test_read_all_goes_through_overridden_read(impl, loop):
    # asyncio's read(-1) is a loop of self.read(self._limit) calls.
    class Tracing(impl.StreamReader):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.sizes = []

        async def read(self, n=-1):
            self.sizes.append(n)
            return await super().read(n)

    r = Tracing(limit=3, loop=loop)
    r.feed_data(b"abcdefg")
    r.feed_eof()
    assert run(loop, r.read()) == b"abcdefg"
    assert r.sizes == [-1, 3, 3, 3, 3]


def test_readline_uses_readuntil_patched_on_the_instance(impl, loop):
    # asyncio looks self.readuntil up at call time, so patching one reader
    # (as test suites do with mock.patch.object) changes its readline().
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"a\nb\n")
    real = r.readuntil
    seen = []

    async def patched(separator=b"\n"):
        seen.append(separator)
        return (await real(separator)).upper()

    with mock.patch.object(r, "readuntil", patched):
        assert run(loop, r.readline()) == b"A\n"
    assert seen == [b"\n"]
    assert run(loop, r.readline()) == b"b\n"


def test_async_iteration_uses_readline_patched_on_the_instance(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"x\ny\n")
    r.feed_eof()
    real = r.readline

    async def patched():
        return (await real()).replace(b"\n", b";")

    async def collect():
        return [line async for line in r]

    with mock.patch.object(r, "readline", patched):
        assert run(loop, collect()) == [b"x;", b"y;"]


def test_readline_uses_readuntil_patched_on_the_class_later(impl, loop):
    class Sub(impl.StreamReader):
        pass

    r = Sub(loop=loop)
    r.feed_data(b"one\ntwo\n")

    async def patched(self, separator=b"\n"):
        line = await impl.StreamReader.readuntil(self, separator)
        return b"<" + line + b">"

    with mock.patch.object(Sub, "readuntil", patched):
        assert run(loop, r.readline()) == b"<one\n>"
    assert run(loop, r.readline()) == b"two\n"


def test_private_hooks_overridden_in_subclass_are_called(impl, loop):
    # feed_data()/feed_eof()/set_exception() wake the reader through
    # self._wakeup_waiter() and the read methods end with
    # self._maybe_resume_transport().
    class Hooked(impl.StreamReader):
        def __init__(self, *args, **kwargs):
            self.hooks = []
            super().__init__(*args, **kwargs)

        def _wakeup_waiter(self):
            self.hooks.append("wakeup")
            super()._wakeup_waiter()

        def _maybe_resume_transport(self):
            self.hooks.append("maybe_resume")
            super()._maybe_resume_transport()

    r = Hooked(loop=loop)
    r.feed_data(b"ab\ncdef")
    assert r.hooks == ["wakeup"]
    assert run(loop, r.read(1)) == b"a"
    assert run(loop, r.readline()) == b"b\n"
    assert run(loop, r.readuntil(b"d")) == b"cd"
    assert run(loop, r.readexactly(1)) == b"e"
    assert r.hooks == ["wakeup"] + ["maybe_resume"] * 4
    r.feed_eof()
    assert r.hooks[-1] == "wakeup"
