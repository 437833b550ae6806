"""Transports, protocols, loops and readers fastio does not know get asyncio's calls.

fastio takes a shortcut (reads an attribute for a method's answer, holds
writes, asks the transport what asyncio never asks) only where it has proven
the object is one it knows.  Anything else, a unittest.mock.Mock or a wrapper
that provides its methods per instance through __getattr__ among them, must
see exactly the calls asyncio makes, on the instance, in its order, and give
the same results and errors.  Each body runs on asyncio and on fastio.
"""
import asyncio
import socket
from unittest import mock
from unittest.mock import call

import pytest

from test_reader_helpers import run, spin

# fastio's calls and skips on a known transport (fastio/_core/transports.pxi).
SHORTCUT_METHODS = ("is_closing", "write", "writelines",
                    "get_write_buffer_limits", "get_write_buffer_size")


class Delegating:
    """Provides its target's attributes per instance, through __getattr__,
    logging each name looked up."""

    def __init__(self, target):
        self._target = target
        self.looked_up = []

    def __getattr__(self, name):
        self.looked_up.append(name)
        return getattr(self._target, name)


def await_error(obj):
    """The TypeError `await obj` raises in this interpreter's own coroutine."""
    async def awaiting():
        await obj
    coro = awaiting()
    with pytest.raises(TypeError) as caught:
        coro.send(None)
    return str(caught.value)


def mock_transport():
    transport = mock.Mock()
    transport.is_closing.return_value = False
    # What fastio used to ask when holding writes: would fail if asked.
    transport.get_write_buffer_limits.side_effect = RuntimeError("closed")
    transport.get_write_buffer_size.return_value = mock.Mock()
    return transport


def writer_on(impl, loop, transport, protocol=None):
    """A reader, protocol and writer of `impl` on `transport`, with requests
    unread in the reader (where fastio holds writes for transports it knows)."""
    reader = impl.StreamReader(loop=loop)
    if protocol is None:
        protocol = impl.StreamReaderProtocol(reader, loop=loop)
        protocol.connection_made(transport)
    writer = impl.StreamWriter(transport, protocol, reader, loop)
    reader.feed_data(b"first request\nsecond request\n")
    return writer, protocol, reader


@pytest.fixture
def socket_transport(loop):
    """asyncio's own socket transport (fastio knows it), with its protocol's
    reader; the peer socket.  Closed at the end."""
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    holder = {}

    def factory():
        holder["protocol"] = asyncio.Protocol()
        return holder["protocol"]

    transport, _ = loop.run_until_complete(loop.connect_accepted_socket(factory, ours))
    yield transport, peer
    transport.abort()
    spin(loop)
    peer.close()


def test_drain_on_a_mock_transport(impl, loop):
    transport = mock_transport()
    writer, _, _ = writer_on(impl, loop, transport)
    transport.reset_mock()
    writer.write(b"first answer\n")
    writer.write(b"second answer\n")
    assert run(loop, writer.drain()) is None
    assert transport.mock_calls == [
        call.write(b"first answer\n"), call.write(b"second answer\n"), call.is_closing()]
    transport.is_closing.return_value = True  # closed: its writer may go quietly


def test_drain_on_a_closing_mock_transport_yields_then_asks_the_protocol(impl, loop):
    transport = mock_transport()
    writer, protocol, _ = writer_on(impl, loop, transport)
    transport.is_closing.return_value = True
    drain = writer.drain()
    assert drain.send(None) is None  # asyncio's sleep(0)
    with mock.patch.object(protocol, "_drain_helper", mock.AsyncMock()) as helper:
        with pytest.raises(StopIteration):
            drain.send(None)
    helper.assert_awaited_once_with()


def test_drain_on_a_delegating_transport(impl, loop, socket_transport):
    real, peer = socket_transport
    transport = Delegating(real)
    writer, _, _ = writer_on(impl, loop, transport)
    transport.looked_up.clear()
    writer.write(b"first answer\n")
    assert transport.looked_up == ["write"]  # at once: nothing held
    writer.write(b"second answer\n")
    assert run(loop, writer.drain()) is None
    assert transport.looked_up == ["write", "write", "is_closing"]
    assert peer.recv(100) == b"first answer\nsecond answer\n"
    writer.close()


@pytest.mark.parametrize("name", SHORTCUT_METHODS)
def test_a_method_replaced_on_a_known_transport_is_called_as_asyncio_calls_it(
        impl, loop, socket_transport, name):
    transport, peer = socket_transport
    calls = []
    original = getattr(transport, name)

    def replacement(*args):
        calls.append(args)
        return original(*args)

    setattr(transport, name, replacement)  # as mock.patch.object does
    writer, _, _ = writer_on(impl, loop, transport)
    writer.write(b"first answer\n")
    writer.write(b"second answer\n")
    assert run(loop, writer.drain()) is None
    expected = {
        "write": [(b"first answer\n",), (b"second answer\n",)],
        "is_closing": [()],
    }
    assert calls == expected.get(name, [])
    assert peer.recv(100) == b"first answer\nsecond answer\n"
    writer.close()


def test_a_reader_exception_method_replaced_on_the_instance(impl, loop):
    transport = mock_transport()
    writer, _, reader = writer_on(impl, loop, transport)
    error = ConnectionAbortedError("from the replaced exception()")
    with mock.patch.object(reader, "exception", return_value=error) as exception:
        with pytest.raises(ConnectionAbortedError) as caught:
            run(loop, writer.drain())
    assert caught.value is error
    exception.assert_called_once_with()
    transport.is_closing.assert_not_called()
    transport.is_closing.return_value = True


def test_a_reader_subclass_exception_method(impl, loop):
    asked = []

    class Reader(impl.StreamReader):
        def exception(self):
            asked.append(True)
            return super().exception()

    transport = mock_transport()
    reader = Reader(loop=loop)
    protocol = impl.StreamReaderProtocol(reader, loop=loop)
    protocol.connection_made(transport)
    writer = impl.StreamWriter(transport, protocol, reader, loop)
    reader.feed_data(b"unread\n")
    writer.write(b"answer\n")
    assert run(loop, writer.drain()) is None
    assert asked == [True]
    transport.is_closing.return_value = True


def test_a_drain_helper_replaced_on_the_protocol(impl, loop):
    transport = mock_transport()
    writer, protocol, _ = writer_on(impl, loop, transport)
    with mock.patch.object(protocol, "_drain_helper", mock.AsyncMock()) as helper:
        assert run(loop, writer.drain()) is None
    helper.assert_awaited_once_with()
    transport.is_closing.return_value = True


def test_a_delegating_protocol(impl, loop):
    transport = mock_transport()
    reader = impl.StreamReader(loop=loop)
    real = impl.StreamReaderProtocol(reader, loop=loop)
    real.connection_made(transport)
    protocol = Delegating(real)
    writer, _, _ = writer_on(impl, loop, transport, protocol)
    writer.write(b"answer\n")
    assert run(loop, writer.drain()) is None
    assert protocol.looked_up == ["_drain_helper"]
    transport.is_closing.return_value = True


def test_a_mock_protocol(impl, loop):
    transport = mock_transport()
    protocol = mock.Mock()
    writer, _, _ = writer_on(impl, loop, transport, protocol)
    with pytest.raises(TypeError) as caught:
        run(loop, writer.drain())
    assert str(caught.value) == await_error(protocol._drain_helper.return_value)
    assert protocol.mock_calls == [call._drain_helper()]
    transport.is_closing.return_value = True


def test_a_read_that_waits_on_a_delegating_loop(impl, loop):
    wrapped = Delegating(loop)
    reader = impl.StreamReader(loop=wrapped)
    task = loop.create_task(reader.readline())
    spin(loop)
    assert not task.done()
    assert wrapped.looked_up == ["get_debug", "create_future"]
    reader.feed_data(b"line\n")
    assert run(loop, task) == b"line\n"


def test_a_loop_whose_futures_cannot_be_awaited(impl, loop):
    fake_loop = mock.Mock()
    fake_loop.get_debug.return_value = False
    not_awaitable = object()
    fake_loop.create_future.return_value = not_awaitable
    reader = impl.StreamReader(loop=fake_loop)
    with pytest.raises(TypeError) as caught:
        run(loop, reader.readexactly(3))
    assert str(caught.value) == await_error(not_awaitable)
    assert reader._waiter is None  # _wait_for_data()'s finally
    assert fake_loop.mock_calls == [call.get_debug(), call.create_future()]


@pytest.mark.parametrize("name", ["cancelled", "set_result"])
@pytest.mark.parametrize("where", ["instance", "subclass"])
def test_a_waiter_whose_method_is_replaced_is_woken_through_it(impl, loop, name, where):
    # fastio calls the compiled Future's methods directly only on exactly
    # that class with nothing set on the instance.
    calls = []

    def logged(method):
        def replaced(*args):
            calls.append(name)
            return method(*args)
        return replaced

    class Future(asyncio.Future):
        pass

    setattr(Future, name, logged(getattr(asyncio.Future, name)))

    def create_future():
        if where == "subclass":
            return Future(loop=loop)
        future = loop.__class__.create_future(loop)
        setattr(future, name, logged(getattr(future, name)))
        return future

    loop.create_future = create_future
    reader = impl.StreamReader(loop=loop)
    task = loop.create_task(reader.readline())
    spin(loop)
    reader.feed_data(b"line\n")
    assert calls == [name]
    assert run(loop, task) == b"line\n"


def test_a_protocol_with_its_own_attribute_lookup(impl, loop):
    looked_up = []

    class Protocol(impl.StreamReaderProtocol):
        def __getattribute__(self, name):
            looked_up.append(name)
            return super().__getattribute__(name)

    reader = impl.StreamReader(loop=loop)
    protocol = Protocol(reader, loop=loop)
    looked_up.clear()
    protocol.data_received(b"line\n")
    assert "_stream_reader" in looked_up
    assert run(loop, reader.readline()) == b"line\n"


def test_a_reader_with_its_own_attribute_lookup(impl, loop):
    looked_up = []

    class Reader(impl.StreamReader):
        def __getattribute__(self, name):
            looked_up.append(name)
            return super().__getattribute__(name)

    reader = Reader(loop=loop)
    reader.feed_data(b"line\n")
    looked_up.clear()
    assert run(loop, reader.readline()) == b"line\n"
    assert "readuntil" in looked_up  # asyncio's readline() calls self.readuntil()


def test_a_reader_class_changed_after_readers_of_it_were_made(impl, loop):
    # fastio learns what a reader class replaces once per class as it is:
    # another class, or the same class changed, is looked at anew.
    class Reader(impl.StreamReader):
        pass

    class Other(impl.StreamReader):
        async def readuntil(self, separator=b"\n"):
            return b"Other.readuntil"

    async def readuntil(self, separator=b"\n"):
        return b"set on the class"

    first = Reader(loop=loop)
    first.feed_data(b"line\n")
    assert run(loop, first.readline()) == b"line\n"
    other = Other(loop=loop)
    other.feed_data(b"line\n")
    assert run(loop, other.readline()) == b"Other.readuntil"
    Reader.readuntil = readuntil
    second = Reader(loop=loop)
    second.feed_data(b"line\n")
    assert run(loop, second.readline()) == b"set on the class"
    first.feed_data(b"line\n")
    assert run(loop, first.readline()) == b"set on the class"
    del Reader.readuntil
    assert run(loop, second.readline()) == b"line\n"


def test_a_reader_method_set_under_a_str_subclass_name(impl, loop):
    class Name(str):
        pass

    async def readuntil(separator=b"\n"):
        return b"set on the instance"

    reader = impl.StreamReader(loop=loop)
    reader.feed_data(b"line\n")
    setattr(reader, Name("readuntil"), readuntil)
    assert run(loop, reader.readline()) == b"set on the instance"
    delattr(reader, Name("readuntil"))
    assert run(loop, reader.readline()) == b"line\n"


def received(peer):
    try:
        return peer.recv(100)
    except BlockingIOError:
        return b""


@pytest.mark.compiled
def test_writes_are_held_on_a_transport_fastio_knows(impl, loop, socket_transport):
    # The counterpart of the tests above: on asyncio's own socket transport
    # fastio does hold writes while requests are unread, until the end of
    # the loop iteration.
    transport, peer = socket_transport
    writer, _, _ = writer_on(impl, loop, transport)
    writer.write(b"first answer\n")
    at_once = received(peer)
    assert at_once == (b"" if impl.__name__ == "fastio" else b"first answer\n")
    spin(loop)
    assert at_once + received(peer) == b"first answer\n"
    writer.close()
