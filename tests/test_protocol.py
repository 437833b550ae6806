"""StreamReaderProtocol: readers of every kind behind it, client_connected_cb,
eof_received(), the closed future, flow control, and library subclasses
defined before fastio.install().

Every test runs on ``asyncio`` and on ``fastio`` (conftest.py's ``impl``).
The transport is test_writer.FakeWriteTransport.  Where asyncio versions
differ (what happens to a callback's task, its errors...), the test runs the
same scenario on asyncio's own protocol and compares what the loop's
exception handler was given.
"""
import asyncio
import contextlib
import gc
import inspect
import re
import ssl
import sys
import types

import pytest

import fastio
from support import installed as support_installed
from support.writing import FakeWriteTransport, data_stream
from test_reader_helpers import run, spin

PY = sys.version_info[:2]


def _reports_callback_errors():
    """This asyncio's connection_made() reports the error of a coroutine
    client_connected_cb itself and closes the transport (from a 3.11 patch
    release on: Debian's 3.11.2 does not): its nested callback says so."""
    code = asyncio.streams.StreamReaderProtocol.connection_made.__code__
    return any(isinstance(const, types.CodeType)
               and "Unhandled exception in client_connected_cb" in const.co_consts
               for const in code.co_consts)


REPORTS_CALLBACK_ERRORS = _reports_callback_errors()

# As a library defines them when it is imported: before any install().
assert not fastio.installed()


class LibraryProtocol(asyncio.StreamReaderProtocol):
    """A library's protocol, subclassing asyncio's at import time."""

    def __init__(self, *args, **kwds):
        super().__init__(*args, **kwds)
        self.events = []

    def connection_made(self, transport):
        self.events.append("made")
        super().connection_made(transport)

    def data_received(self, data):
        self.events.append(("data", data))
        super().data_received(data)

    def eof_received(self):
        self.events.append("eof")
        return super().eof_received()

    def connection_lost(self, exc):
        self.events.append(("lost", exc))
        super().connection_lost(exc)


class LibraryReader(asyncio.StreamReader):
    """A library's reader, subclassing asyncio's at import time."""


class LibraryWriter(asyncio.StreamWriter):
    """A library's writer, subclassing asyncio's at import time."""


@contextlib.contextmanager
def installed(impl):
    """support.installed(), then a check that asyncio's originals are back."""
    with support_installed(impl):
        yield
    assert not fastio.installed()
    assert asyncio.StreamWriter is LibraryWriter.__bases__[0]


class Harness:
    """Transports for a test, all marked closed when it ends, and a place to
    keep writers alive until then (a writer collected while its transport
    is open warns on 3.11+)."""

    def __init__(self, loop):
        self.loop = loop
        self.transports = []
        self.kept = []
        self.contexts = []

    def transport(self, protocol=None, **kwds):
        transport = FakeWriteTransport(self.loop, **kwds)
        transport.protocol = protocol
        self.transports.append(transport)
        return transport

    def keep(self, *objects):
        self.kept.extend(objects)

    def record_errors(self):
        self.loop.set_exception_handler(lambda loop, context: self.contexts.append(context))


@pytest.fixture
def harness(loop):
    h = Harness(loop)
    try:
        yield h
    finally:
        loop.set_exception_handler(None)
        for transport in h.transports:
            transport.closing = True
        del h.kept[:]


def made(module, harness, reader="default", cb=None, protocol_cls=None, **transport_kw):
    """A protocol of `module` (or protocol_cls) with connection_made() done."""
    loop = harness.loop
    if reader == "default":
        reader = module.StreamReader(loop=loop)
    cls = protocol_cls or module.StreamReaderProtocol
    protocol = cls(reader, cb, loop=loop)
    transport = harness.transport(protocol, **transport_kw)
    protocol.connection_made(transport)
    return protocol, transport, reader


def describe(contexts, transport):
    """Exception-handler contexts as comparable data (no addresses, task
    numbers or line numbers)."""
    def text(value):
        value = re.sub(r"0x[0-9a-f]+", "0xADDR", str(value))
        value = re.sub(r"Task-\d+", "Task-N", value)
        return re.sub(r"\.py:\d+", ".py:N", value)

    out = []
    for context in contexts:
        item = {}
        for key, value in context.items():
            if key == "exception":
                item[key] = (type(value), value.args)
            elif key == "transport":
                item[key] = "the transport" if value is transport else text(repr(value))
            elif key == "source_traceback":
                item[key] = [(frame.name, frame.filename) for frame in value][-1:]
            elif isinstance(value, asyncio.Future):
                item[key] = type(value).__name__
            else:
                item[key] = text(value)
        out.append(item)
    return out


# --------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------


def test_protocol_is_asyncios(impl):
    assert issubclass(impl.StreamReaderProtocol, asyncio.streams.StreamReaderProtocol)
    assert issubclass(impl.StreamReaderProtocol, asyncio.streams.FlowControlMixin)


def test_connection_made_is_the_interpreters_own_code(impl):
    mine = impl.StreamReaderProtocol.connection_made
    stock = asyncio.streams.StreamReaderProtocol.connection_made
    assert mine.__code__ is stock.__code__
    assert mine.__qualname__ == "StreamReaderProtocol.connection_made"
    assert mine.__name__ == "connection_made"
    assert mine.__doc__ == stock.__doc__
    # The rest of the protocol is inherited as it is, but for receiving
    # (data_received() compiled, and the BufferedProtocol methods), which
    # the tests with `deliver` compare with asyncio's.
    for name in ("__init__", "eof_received", "connection_lost",
                 "pause_writing", "resume_writing", "_drain_helper", "_get_close_waiter",
                 "__del__"):
        assert getattr(impl.StreamReaderProtocol, name) is getattr(
            asyncio.streams.StreamReaderProtocol, name), name


@pytest.mark.parametrize("name", ["open_connection", "start_server",
                                  "open_unix_connection", "start_unix_server"])
def test_connection_functions_are_the_interpreters_own_code(impl, name):
    if not hasattr(asyncio.streams, name):
        pytest.skip(f"asyncio has no {name} on this platform")
    mine, stock = getattr(impl, name), getattr(asyncio.streams, name)
    assert mine.__code__ is stock.__code__
    assert mine.__defaults__ == stock.__defaults__
    assert mine.__kwdefaults__ == stock.__kwdefaults__
    assert mine.__name__ == name
    assert mine.__doc__ == stock.__doc__
    assert inspect.signature(mine) == inspect.signature(stock)
    assert inspect.iscoroutinefunction(mine)


# --------------------------------------------------------------------------
# Readers behind the protocol
# --------------------------------------------------------------------------


def _subclass_of(base):
    class RecordingReader(base):
        def __init__(self, *args, **kwds):
            super().__init__(*args, **kwds)
            self.seen = []

        def feed_data(self, data):
            self.seen.append(("data", bytes(data)))
            super().feed_data(data)

        def feed_eof(self):
            self.seen.append("eof")
            super().feed_eof()

        def set_exception(self, exc):
            self.seen.append(("exception", exc))
            super().set_exception(exc)

    return RecordingReader


READER_KINDS = ["impl", "asyncio", "impl-subclass", "asyncio-subclass"]


def via_data_received(protocol, data):
    protocol.data_received(data)


def via_transport(protocol, data):
    """Deliver `data` as asyncio's transports do: into get_buffer()'s buffer,
    then buffer_updated(), for a BufferedProtocol; else data_received()."""
    if not isinstance(protocol, asyncio.BufferedProtocol):
        protocol.data_received(bytes(data))
        return
    data = memoryview(bytes(data))
    while data:
        buffer = protocol.get_buffer(-1)
        n = min(len(buffer), len(data))
        assert n > 0
        buffer[:n] = data[:n]
        protocol.buffer_updated(n)
        data = data[n:]


@pytest.fixture(params=[via_data_received, via_transport], ids=["data_received", "transport"])
def deliver(request):
    return request.param


def make_reader(kind, impl, loop, **kwds):
    base = impl.StreamReader if kind.startswith("impl") else asyncio.streams.StreamReader
    if kind.endswith("subclass"):
        base = _subclass_of(base)
    return base(loop=loop, **kwds)


@pytest.mark.parametrize("kind", READER_KINDS)
def test_reader_gets_data_and_eof(impl, loop, harness, kind, deliver):
    reader = make_reader(kind, impl, loop)
    protocol, transport, _ = made(impl, harness, reader)
    assert reader._transport is transport
    deliver(protocol, b"first ")
    deliver(protocol, bytearray(b"second\n"))
    assert protocol.eof_received() is True
    assert run(loop, reader.readline()) == b"first second\n"
    assert run(loop, reader.read()) == b""
    assert reader.at_eof()
    if kind.endswith("subclass"):
        assert reader.seen == [("data", b"first "), ("data", b"second\n"), "eof"]


@pytest.mark.parametrize("kind", READER_KINDS)
def test_read_waiting_while_data_arrives(impl, loop, harness, kind, deliver):
    reader = make_reader(kind, impl, loop)
    protocol, transport, _ = made(impl, harness, reader)
    task = loop.create_task(reader.readexactly(6))
    spin(loop)
    assert not task.done()
    deliver(protocol, b"abc")
    spin(loop)
    assert not task.done()
    deliver(protocol, b"defg")
    spin(loop)
    assert task.result() == b"abcdef"
    protocol.connection_lost(None)
    assert run(loop, reader.read()) == b"g"


@pytest.mark.parametrize("kind", READER_KINDS)
def test_reader_flow_control_reaches_the_transport(impl, loop, harness, kind, deliver):
    reader = make_reader(kind, impl, loop, limit=4)
    protocol, transport, _ = made(impl, harness, reader)
    deliver(protocol, b"123456789")      # over 2 * limit
    assert transport.reading == ["pause_reading"]
    assert run(loop, reader.read(6)) == b"123456"
    assert transport.reading == ["pause_reading", "resume_reading"]


@pytest.mark.parametrize("kind", READER_KINDS)
def test_connection_lost_with_exception(impl, loop, harness, kind):
    reader = make_reader(kind, impl, loop)
    protocol, transport, _ = made(impl, harness, reader)
    waiting = loop.create_task(reader.read(10))
    spin(loop)
    exc = ConnectionResetError(104, "reset by peer")
    protocol.connection_lost(exc)
    spin(loop)
    assert waiting.exception() is exc
    assert reader.exception() is exc
    with pytest.raises(ConnectionResetError) as info:
        run(loop, reader.readline())
    assert info.value is exc
    assert protocol._closed.done() and protocol._closed.exception() is exc
    if kind.endswith("subclass"):
        assert reader.seen == [("exception", exc)]


@pytest.mark.parametrize("kind", READER_KINDS)
def test_connection_lost_without_exception(impl, loop, harness, kind):
    reader = make_reader(kind, impl, loop)
    protocol, transport, _ = made(impl, harness, reader)
    protocol.data_received(b"rest")
    waiting = loop.create_task(reader.read())
    spin(loop)
    protocol.connection_lost(None)
    spin(loop)
    assert waiting.result() == b"rest"
    assert reader.at_eof()
    assert protocol._closed.result() is None
    assert protocol._stream_reader is None
    assert protocol._transport is None
    assert getattr(protocol, "_task", None) is None
    if kind.endswith("subclass"):
        assert reader.seen == [("data", b"rest"), "eof"]


def test_protocol_without_reader(impl, loop, harness, deliver):
    protocol, transport, _ = made(impl, harness, reader=None)
    deliver(protocol, b"dropped")
    assert protocol.eof_received() is True
    protocol.connection_lost(None)
    assert protocol._closed.result() is None


def test_reader_collected_before_data_arrives(impl, loop, harness, deliver):
    # The protocol holds its reader weakly (no callback): once the program
    # drops it, data and EOF go nowhere.
    protocol, transport, reader = made(impl, harness, reader="default")
    del reader
    gc.collect()
    assert protocol._stream_reader is None
    deliver(protocol, b"nobody")
    assert protocol.eof_received() is True
    protocol.connection_lost(None)


def test_data_after_eof_fails_alike(impl, loop, harness, deliver):
    protocol, transport, reader = made(impl, harness)
    protocol.eof_received()
    with pytest.raises(AssertionError, match="^feed_data after feed_eof$"):
        deliver(protocol, b"late")
    assert run(loop, reader.read()) == b""


def test_data_larger_than_one_receive(impl, loop, harness, deliver):
    # More than a socket transport reads at once (256 KiB), in one delivery.
    reader = impl.StreamReader(loop=loop, limit=2**20)
    protocol, transport, _ = made(impl, harness, reader)
    data = bytes(i for i in range(256) if i != 10) * 4096 + b"\n"
    deliver(protocol, data)
    assert run(loop, reader.readline()) == data


def test_protocol_subclass_sees_every_receive(impl, loop, harness, deliver):
    class Counting(impl.StreamReaderProtocol):
        def data_received(self, data):
            seen.append(data)
            super().data_received(data)

    seen = []
    protocol, transport, reader = made(impl, harness, protocol_cls=Counting)
    deliver(protocol, b"one\n")
    deliver(protocol, b"two\n")
    assert seen == [b"one\n", b"two\n"] and all(type(d) is bytes for d in seen)
    assert run(loop, reader.readuntil(b"two\n")) == b"one\ntwo\n"


def test_protocol_subclass_with_its_own_stream_reader(impl, loop, harness, deliver):
    # data_received() finds the reader through self._stream_reader.
    other = impl.StreamReader(loop=loop)

    class Redirecting(impl.StreamReaderProtocol):
        @property
        def _stream_reader(self):
            return other

    protocol, transport, reader = made(impl, harness, protocol_cls=Redirecting)
    deliver(protocol, b"elsewhere\n")
    assert len(reader._buffer) == 0
    assert run(loop, other.readline()) == b"elsewhere\n"


@pytest.mark.parametrize("owner, name", [("protocol", "data_received"), ("reader", "feed_data")])
def test_method_patched_on_the_instance(impl, loop, harness, deliver, owner, name):
    # As mock.patch.object does it: set on the instance, then deleted.
    protocol, transport, reader = made(impl, harness)
    target = protocol if owner == "protocol" else reader
    seen = []
    original = getattr(target, name)
    setattr(target, name, lambda data: (seen.append(data), original(data)))
    deliver(protocol, b"patched\n")
    assert seen == [b"patched\n"]
    delattr(target, name)
    deliver(protocol, b"plain\n")
    assert seen == [b"patched\n"]
    assert run(loop, reader.read(100)) == b"patched\nplain\n"


@pytest.mark.compiled
def test_one_receive_buffer_per_loop(loop, harness):
    # The buffer a transport receives into is the loop's, not the
    # connection's: an idle connection holds none of it.
    first, _, _ = made(fastio, harness)
    second, _, _ = made(fastio, harness)
    assert isinstance(first, asyncio.BufferedProtocol)
    buffer = first.get_buffer(-1)
    assert second.get_buffer(100) is buffer
    assert len(buffer) >= 64 * 1024 and not buffer.readonly
    other_loop = asyncio.new_event_loop()
    try:
        elsewhere = fastio.StreamReaderProtocol(
            fastio.StreamReader(loop=other_loop), loop=other_loop)
        assert elsewhere.get_buffer(-1) is not buffer
    finally:
        other_loop.close()


@pytest.mark.compiled
@pytest.mark.parametrize("nbytes", [-1, 256 * 1024 + 1])
def test_buffer_updated_beyond_the_buffer(loop, harness, nbytes):
    protocol, transport, reader = made(fastio, harness)
    protocol.get_buffer(-1)
    with pytest.raises(ValueError, match="buffer_updated"):
        protocol.buffer_updated(nbytes)
    assert len(reader._buffer) == 0


def test_read_pipe_transport_uses_data_received(impl, loop):
    # Pipe transports call data_received() only.
    import os

    async def main():
        reader = impl.StreamReader()
        read_fd, write_fd = os.pipe()
        with open(read_fd, "rb", buffering=0) as pipe:
            transport, _ = await loop.connect_read_pipe(
                lambda: impl.StreamReaderProtocol(reader), pipe)
            try:
                os.write(write_fd, b"through a pipe\nrest")
                os.close(write_fd)
                return [await reader.readline(), await reader.read()]
            finally:
                transport.close()
                await asyncio.sleep(0)

    assert run(loop, main()) == [b"through a pipe\n", b"rest"]


# --------------------------------------------------------------------------
# eof_received() and SSL
# --------------------------------------------------------------------------


@pytest.mark.parametrize("over_ssl", [False, True])
def test_eof_received_over_ssl_or_not(impl, loop, harness, over_ssl):
    extra = {"sslcontext": ssl.create_default_context()} if over_ssl else None
    protocol, transport, reader = made(impl, harness, extra=extra)
    assert protocol._over_ssl is over_ssl
    # True keeps a plain transport open for writing; False is what an SSL
    # transport wants to hear.
    assert protocol.eof_received() is (not over_ssl)
    assert reader.at_eof()


def test_eof_received_before_connection_made(impl, loop):
    reader = impl.StreamReader(loop=loop)
    protocol = impl.StreamReaderProtocol(reader, loop=loop)
    assert protocol._over_ssl is False
    assert protocol.eof_received() is True
    assert reader.at_eof()


@pytest.mark.skipif(PY < (3, 11),
                    reason="_replace_writer/_replace_transport (start_tls) from 3.11 on")
def test_replacing_the_transport_updates_over_ssl(impl, loop, harness):
    protocol, transport, reader = made(impl, harness, cb=lambda r, w: harness.keep(w))
    writer = harness.kept[-1]
    tls = harness.transport(protocol, extra={"sslcontext": ssl.create_default_context()})
    if PY >= (3, 13) or hasattr(protocol, "_replace_transport"):
        protocol._replace_transport(tls)
    else:
        writer._transport = tls
        protocol._replace_writer(writer)
    assert protocol._transport is tls
    assert protocol._over_ssl is True
    assert protocol.eof_received() is False


# --------------------------------------------------------------------------
# The closed future and wait_closed()
# --------------------------------------------------------------------------


def test_wait_closed_after_clean_close(impl, loop, harness):
    protocol, transport, reader = made(impl, harness, cb=lambda r, w: harness.keep(w))
    writer = harness.kept[-1]
    waiting = loop.create_task(writer.wait_closed())
    spin(loop)
    assert not waiting.done()
    writer.close()
    spin(loop)   # the fake transport calls connection_lost(None) soon
    assert waiting.result() is None
    assert protocol._get_close_waiter(writer) is protocol._closed


def test_wait_closed_after_connection_lost_with_exception(impl, loop, harness):
    protocol, transport, reader = made(impl, harness, cb=lambda r, w: harness.keep(w))
    writer = harness.kept[-1]
    exc = BrokenPipeError(32, "broken")
    protocol.connection_lost(exc)
    with pytest.raises(BrokenPipeError) as info:
        run(loop, writer.wait_closed())
    assert info.value is exc


def test_unawaited_closed_future_is_not_reported(impl, loop, harness):
    # Nobody awaits wait_closed(): the protocol retrieves the exception when
    # it goes away, so the loop reports nothing.
    harness.record_errors()
    protocol, transport, reader = made(impl, harness)
    protocol.connection_lost(OSError("lost"))
    transport.protocol = None
    del protocol, reader
    gc.collect()
    spin(loop)
    assert harness.contexts == []


@pytest.mark.skipif(PY < (3, 10), reason="3.9's __del__ assumes a complete protocol")
def test_closed_future_of_a_half_made_protocol(impl, loop):
    # A protocol whose __init__ failed early: its __del__ stays quiet.
    class Failing(impl.StreamReaderProtocol):
        def __init__(self):
            raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        Failing()
    gc.collect()


# --------------------------------------------------------------------------
# Flow control
# --------------------------------------------------------------------------


def test_pause_and_resume_writing(impl, loop, harness):
    protocol, transport, reader = made(impl, harness)
    assert protocol._paused is False
    protocol.pause_writing()
    assert protocol._paused is True
    with pytest.raises(AssertionError):
        protocol.pause_writing()
    protocol.resume_writing()
    assert protocol._paused is False
    with pytest.raises(AssertionError):
        protocol.resume_writing()


def test_pause_and_resume_are_logged_in_debug_mode(impl, loop, harness, caplog):
    loop.set_debug(True)
    protocol, transport, reader = made(impl, harness)
    with caplog.at_level("DEBUG", logger="asyncio"):
        protocol.pause_writing()
        protocol.resume_writing()
    messages = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert [m[m.rindex("> ") + 2:] for m in messages if "writing" in m] == [
        "pauses writing", "resumes writing"]
    assert all(f"<{impl.StreamReaderProtocol.__module__}.StreamReaderProtocol object at " in m
               for m in messages if "writing" in m)
    loop.set_debug(False)


def test_drain_helper_follows_pause_state(impl, loop, harness):
    protocol, transport, reader = made(impl, harness)
    run(loop, protocol._drain_helper())
    protocol.pause_writing()
    task = loop.create_task(protocol._drain_helper())
    spin(loop)
    assert not task.done()
    protocol.resume_writing()
    spin(loop)
    assert task.result() is None
    protocol.connection_lost(None)
    with pytest.raises(ConnectionResetError, match="^Connection lost$"):
        run(loop, protocol._drain_helper())


def test_writer_drain_waits_for_transport_driven_pause(impl, loop, harness):
    # The transport pauses the protocol as the peer stops reading; drain()
    # waits until it resumes.
    protocol, transport, reader = made(impl, harness, cb=lambda r, w: harness.keep(w))
    writer = harness.kept[-1]
    transport.set_write_buffer_limits(high=1000)
    for _ in range(30):
        writer.write(b"z" * 100)
    task = loop.create_task(writer.drain())
    spin(loop)
    assert not task.done() and protocol._paused
    transport.peer_read()
    spin(loop)
    assert task.result() is None and not protocol._paused


# --------------------------------------------------------------------------
# client_connected_cb
# --------------------------------------------------------------------------


def test_sync_callback_gets_reader_and_writer(impl, loop, harness):
    calls = []

    def cb(reader, writer):
        calls.append((reader, writer))
        harness.keep(writer)
        return "ignored"

    protocol, transport, reader = made(impl, harness, cb=cb)
    assert len(calls) == 1
    r, w = calls[0]
    assert r is reader
    assert type(w) is impl.StreamWriter
    assert w._protocol is protocol and w._reader is reader and w._loop is loop
    assert w.transport is transport
    assert protocol._strong_reader is None
    assert getattr(protocol, "_task", None) is None
    if PY < (3, 13):
        assert protocol._stream_writer is w
    # The writer works, and the reader gets the connection's data.
    w.write(b"hello")
    protocol.data_received(b"hi\n")
    assert run(loop, r.readline()) == b"hi\n"
    spin(loop)
    assert data_stream(transport.calls) == [b"hello"]


def test_server_protocol_keeps_its_reader_until_connected(impl, loop, harness):
    calls = []
    protocol = impl.StreamReaderProtocol(impl.StreamReader(loop=loop),
                                         lambda r, w: calls.append((r, harness.keep(w))),
                                         loop=loop)
    gc.collect()
    assert protocol._stream_reader is not None     # held strongly so far
    transport = harness.transport(protocol)
    protocol.connection_made(transport)
    assert calls and calls[0][0] is protocol._stream_reader


def test_coroutine_callback_runs_as_a_task(impl, loop, harness):
    seen = []

    async def cb(reader, writer):
        harness.keep(writer)
        seen.append(asyncio.current_task())
        line = await reader.readline()
        writer.write(line.upper())
        await writer.drain()
        writer.close()
        return "result"

    protocol, transport, reader = made(impl, harness, cb=cb)
    spin(loop)
    assert len(seen) == 1
    task = seen[0]
    if PY >= (3, 10):
        assert protocol._task is task
    protocol.data_received(b"ping\n")
    spin(loop)
    assert task.result() == "result"
    assert data_stream(transport.calls) == [b"PING\n", "close"]


def _callback_outcome(module, loop, harness, body):
    """Run a coroutine callback to its end on a `module` protocol; what the
    loop's exception handler got, and what happened to the transport."""
    harness.contexts = []
    harness.record_errors()
    tasks = []

    async def cb(reader, writer):
        harness.keep(writer)
        tasks.append(asyncio.current_task())
        await body(reader, writer)

    protocol, transport, reader = made(module, harness, cb=cb)
    spin(loop)
    if tasks and not tasks[0].done() and body is _forever:
        tasks[0].cancel()
        spin(loop)
    protocol.connection_lost(None)
    tasks.clear()
    del protocol, reader
    gc.collect()
    spin(loop)
    gc.collect()
    return describe(harness.contexts, transport), data_stream(transport.calls)


async def _raises(reader, writer):
    writer.write(b"partial")
    raise LookupError("handler failed")


async def _forever(reader, writer):
    await asyncio.get_running_loop().create_future()


async def _returns(reader, writer):
    writer.write(b"done")


@pytest.mark.parametrize("body", [_raises, _forever, _returns],
                         ids=["raises", "cancelled", "returns"])
def test_coroutine_callback_outcome_like_asyncio(impl, loop, harness, body):
    got = _callback_outcome(impl, loop, harness, body)
    expected = _callback_outcome(asyncio, loop, harness, body)
    assert got == expected


def test_coroutine_callback_error_is_reported(impl, loop, harness):
    contexts, calls = _callback_outcome(impl, loop, harness, _raises)
    assert len(contexts) == 1
    assert contexts[0]["exception"] == (LookupError, ("handler failed",))
    if REPORTS_CALLBACK_ERRORS:
        assert contexts[0]["message"] == "Unhandled exception in client_connected_cb"
        assert contexts[0]["transport"] == "the transport"
        assert calls == [b"partial", "close"]
    else:
        assert contexts[0]["message"] == "Task exception was never retrieved"
        assert calls == [b"partial"]


def _sync_callback_outcome(module, harness):
    """A plain callback raising in connection_made(): what escaped, what the
    loop's exception handler got, and what happened to the transport."""
    harness.contexts = []
    harness.record_errors()
    transports = []

    def cb(reader, writer):
        harness.keep(writer)
        transports.append(writer.transport)
        raise KeyError("sync")

    try:
        made(module, harness, cb=cb)
    except KeyError as exc:
        escaped = repr(exc)
    else:
        escaped = None
    return escaped, describe(harness.contexts, transports[0]), data_stream(transports[0].calls)


def test_sync_callback_error_like_asyncio(impl, loop, harness):
    got = _sync_callback_outcome(impl, harness)
    assert got == _sync_callback_outcome(asyncio, harness)
    escaped, contexts, calls = got
    if PY >= (3, 14):
        # Reported to the loop and the connection closed, as for a coroutine.
        assert escaped is None
        assert len(contexts) == 1
        assert contexts[0]["message"] == "Unhandled exception in client_connected_cb"
        assert contexts[0]["exception"] == (KeyError, ("sync",))
        assert calls == ["close"]
    else:
        assert (escaped, contexts, calls) == ("KeyError('sync')", [], [])


# --------------------------------------------------------------------------
# Rejected connections and debug tracebacks
# --------------------------------------------------------------------------


def test_rejected_connection(impl, loop, harness):
    def scenario(module):
        harness.contexts = []
        harness.record_errors()
        reader = module.StreamReader(loop=loop)
        protocol = module.StreamReaderProtocol(reader, loop=loop)
        protocol._reject_connection = True
        transport = harness.transport(protocol)
        protocol.connection_made(transport)
        return (describe(harness.contexts, transport), data_stream(transport.calls),
                reader._transport)

    got = scenario(impl)
    assert got == scenario(asyncio)
    contexts, calls, reader_transport = got
    assert calls == ["abort"]
    assert reader_transport is None
    assert [c["message"] for c in contexts] == [
        'An open stream was garbage collected prior to establishing network '
        'connection; call "stream.close()" explicitly.']


def test_source_traceback_in_debug_mode(impl, loop):
    loop.set_debug(True)
    try:
        reader = impl.StreamReader(loop=loop)
        protocol = impl.StreamReaderProtocol(reader, loop=loop)
        assert protocol._source_traceback is reader._source_traceback
        assert reader._source_traceback
        last = reader._source_traceback[-1]
        assert (last.filename, last.name) == (__file__, "test_source_traceback_in_debug_mode")
    finally:
        loop.set_debug(False)


def test_no_source_traceback_normally(impl, loop):
    reader = impl.StreamReader(loop=loop)
    protocol = impl.StreamReaderProtocol(reader, loop=loop)
    assert protocol._source_traceback is None
    assert reader._source_traceback is None


# --------------------------------------------------------------------------
# User subclasses, and library classes defined before install()
# --------------------------------------------------------------------------


def test_user_subclass_of_the_protocol(impl, loop, harness):
    class Proto(impl.StreamReaderProtocol):
        def __init__(self, *args, **kwds):
            super().__init__(*args, **kwds)
            self.events = []

        def data_received(self, data):
            self.events.append(data)
            super().data_received(data)

    writers = []
    protocol, transport, reader = made(
        impl, harness, cb=lambda r, w: (writers.append(w), harness.keep(w)), protocol_cls=Proto)
    assert type(writers[0]) is impl.StreamWriter
    protocol.data_received(b"xy")
    assert protocol.events == [b"xy"]
    assert run(loop, reader.read(2)) == b"xy"


def test_library_protocol_defined_before_install(impl, loop, harness):
    with installed(impl):
        writers = []

        def cb(reader, writer):
            writers.append(writer)
            harness.keep(writer)

        reader = asyncio.StreamReader(loop=loop)
        assert type(reader) is impl.StreamReader
        protocol = LibraryProtocol(reader, cb, loop=loop)
        transport = harness.transport(protocol)
        protocol.connection_made(transport)
        writer = writers[0]
        # Its connection_made() is asyncio's: after install() it makes the
        # StreamWriter asyncio.streams names, which is fastio's.
        assert type(writer) is impl.StreamWriter
        writer.write(b"out")
        protocol.data_received(b"in\n")
        assert run(loop, reader.readline()) == b"in\n"
        assert protocol.eof_received() is True
        run(loop, writer.drain())
        writer.close()
        spin(loop)
        assert protocol.events == ["made", ("data", b"in\n"), "eof", ("lost", None)]
        assert data_stream(transport.calls) == [b"out", "close"]
        run(loop, writer.wait_closed())


def test_library_protocol_client_side_after_install(impl, loop, harness):
    with installed(impl):
        reader = LibraryReader(loop=loop)
        protocol = LibraryProtocol(reader, loop=loop)
        transport = harness.transport(protocol)
        protocol.connection_made(transport)
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        harness.keep(writer)
        assert type(writer) is impl.StreamWriter
        writer.write(b"request")
        protocol.data_received(b"response")
        protocol.eof_received()
        assert run(loop, reader.read()) == b"response"
        run(loop, writer.drain())
        assert data_stream(transport.calls) == [b"request"]


def test_library_writer_defined_before_install(impl, loop, harness):
    with installed(impl):
        reader = asyncio.StreamReader(loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        transport = harness.transport(protocol)
        protocol.connection_made(transport)
        writer = LibraryWriter(transport, protocol, reader, loop)
        harness.keep(writer)
        writer.write(b"plain")
        run(loop, writer.drain())
        assert data_stream(transport.calls) == [b"plain"]
        protocol.data_received(b"x")
        protocol.eof_received()
        assert run(loop, reader.read()) == b"x"
