"""Inputs that once crashed the interpreter in fastio's C code, where asyncio
raises an exception or answers.

Each test gives the input through the same door a program, a transport or a
peer could, and checks asyncio's answer where asyncio has the same API (the
``impl`` fixture runs it on both) or, for fastio's own API, the documented
behaviour.  A regression here is a segfault or a sanitizer report
(`make sanitize`), so every test also checks that no byte was lost.
"""
import array
import sys

import pytest

import fastio
from buffer_support import asyncio_search
from support.writing import FakeWriteTransport, connect
from test_reader_helpers import run

MULTIPLE_SEPARATORS = sys.version_info >= (3, 13)


class ClaimsThree(bytes):
    """A separator whose len() is not the length of its bytes."""

    def __len__(self):
        return 3


# --------------------------------------------------------------------------
# 1. The separator search
# --------------------------------------------------------------------------


@pytest.mark.compiled
@pytest.mark.parametrize("data", [b"", b"abc", b"a\nb\n"], ids=["empty", "abc", "lines"])
def test_search_without_separators(loop, data):
    reader = fastio.StreamReader(loop=loop)
    reader.feed_data(data)
    with pytest.raises(ValueError, match="Separator should contain at least one element"):
        reader._buffer.search([], 0)
    assert bytes(reader._buffer) == data


SEPARATOR_LISTS = [
    [b""], [b"", b"\n"], [b"\n", b""], [b"", b"", b"xyz"], [b"\n", b"\r\n"],
    [ClaimsThree(b"")], [b"\n", ClaimsThree(b"")], [ClaimsThree(b"b\n"), b"\n"],
    [memoryview(array.array("I", [0x0A0A0A0A]))], [b"b", memoryview(b"\n")],
]


@pytest.mark.compiled
@pytest.mark.parametrize("separators", SEPARATOR_LISTS, ids=repr)
@pytest.mark.parametrize("data", [b"", b"\n", b"ab\r\nb\n\n\n\nxyz"], ids=repr)
@pytest.mark.parametrize("start", [0, 1, 3, 100, -2])
def test_search_matches_asyncio(loop, data, separators, start):
    reader = fastio.StreamReader(loop=loop)
    reader.feed_data(data)
    assert reader._buffer.search(separators, start) == asyncio_search(
        data, separators, max(start, 0))
    assert bytes(reader._buffer) == data


@pytest.mark.skipif(not MULTIPLE_SEPARATORS, reason="tuple separators are new in 3.13")
@pytest.mark.parametrize("separators", [
    (ClaimsThree(b""), b"\n"), (b"\n", ClaimsThree(b"")), (ClaimsThree(b""),),
    (memoryview(array.array("I", [0x0A0A0A0A])), b"z"),
], ids=repr)
@pytest.mark.parametrize("fed_first", [True, False], ids=["fed", "waits"])
def test_readuntil_separators_whose_len_differs(impl, loop, separators, fed_first):
    reader = impl.StreamReader(loop=loop)

    async def main():
        if fed_first:
            reader.feed_data(b"abcdef\n\n\n\nz")
        else:
            loop.call_soon(reader.feed_data, b"abcdef\n\n\n\nz")
        try:
            return ("ok", await reader.readuntil(separators))
        except Exception as exc:  # noqa: BLE001 - compared
            return ("raised", type(exc), str(exc))

    outcome = run(loop, main())
    expected = asyncio_search(b"abcdef\n\n\n\nz", sorted(separators, key=len), 0)
    assert outcome == ("ok", b"abcdef\n\n\n\nz"[:expected[1]])
    assert bytes(reader._buffer) == b"abcdef\n\n\n\nz"[expected[1]:]


# --------------------------------------------------------------------------
# 2. A limit __init__ would refuse, set afterwards
# --------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [-1, -0.5])
def test_read_to_eof_with_a_negative_limit(impl, loop, limit):
    # asyncio's read() reads limit-sized blocks by calling read(limit): with
    # a negative limit that recurses until Python stops it.
    reader = impl.StreamReader(loop=loop)
    reader.feed_data(b"abc")
    reader._limit = limit
    with pytest.raises(RecursionError, match="^maximum recursion depth exceeded"):
        run(loop, reader.read())
    assert bytes(reader._buffer) == b"abc"
    reader._limit = 2
    reader.feed_eof()
    assert run(loop, reader.read()) == b"abc"


class ConsumingLimit:
    """A limit whose comparison empties the reader's buffer: a count taken
    before the comparison is stale after it."""

    def __init__(self, reader):
        self.reader = reader

    def __floor__(self):
        return 1 << 20

    def __rmul__(self, other):
        return self

    def __lt__(self, other):
        del self.reader._buffer[:]
        return False

    __gt__ = __lt__


def test_limit_comparison_consumes_the_buffer(impl, loop):
    # asyncio takes the match's end from what is there after comparing with
    # the limit: a slice, b"", before 3.15; take_bytes(), an IndexError, then.
    reader = impl.StreamReader(loop=loop)
    reader.feed_data(b"line\nmore")
    reader._limit = ConsumingLimit(reader)
    if sys.version_info >= (3, 15):
        with pytest.raises(IndexError) as info:
            run(loop, reader.readuntil(bytearray(b"\n")))
        assert str(info.value) == "can't take 5 bytes outside size 0"
    else:
        assert run(loop, reader.readuntil(bytearray(b"\n"))) == b""
    assert bytes(reader._buffer) == b""


# --------------------------------------------------------------------------
# 3. A receive buffer the transport releases
# --------------------------------------------------------------------------


def _protocol(loop):
    reader = fastio.StreamReader(loop=loop)
    protocol = fastio.StreamReaderProtocol(reader, loop=loop)
    return protocol, reader


@pytest.mark.compiled
def test_receive_buffer_released_before_buffer_updated(loop):
    # asyncio's StreamReaderProtocol takes data_received() only; fastio's
    # receives into a buffer, and a transport may release the view it got
    # (`with protocol.get_buffer(n) as buf:`) before it says what it wrote.
    protocol, reader = _protocol(loop)
    with protocol.get_buffer(-1) as buf:
        buf[:6] = b"hello\n"
    protocol.buffer_updated(6)
    assert bytes(reader._buffer) == b"hello\n"
    # The next transport is handed a view it can use.
    other, other_reader = _protocol(loop)
    for proto in (protocol, other):
        view = proto.get_buffer(-1)
        view[:3] = b"abc"
        proto.buffer_updated(3)
    assert bytes(reader._buffer) == b"hello\nabc"
    assert bytes(other_reader._buffer) == b"abc"


@pytest.mark.compiled
def test_receive_buffer_resized_through_its_owner(loop):
    # A transport that kept the view's bytearray and, once the view was
    # released, shrank it: buffer_updated() cannot read past what is left.
    protocol, reader = _protocol(loop)
    view = protocol.get_buffer(-1)
    storage = view.obj
    view.release()
    storage.clear()
    with pytest.raises(ValueError, match="buffer_updated"):
        protocol.buffer_updated(5)
    assert bytes(reader._buffer) == b""
    view = protocol.get_buffer(-1)
    assert len(view) >= 64 * 1024
    view[:2] = b"ok"
    protocol.buffer_updated(2)
    assert bytes(reader._buffer) == b"ok"


# --------------------------------------------------------------------------
# 4. A transport re-entering the read that made it write
# --------------------------------------------------------------------------


def _running_coroutine_errors():
    """What a coroutine says to send(), throw() and close() while it runs."""
    errors = {}

    async def body(action):
        try:
            action(coro)
        except ValueError as exc:
            errors[action.__name__] = str(exc)

    def send(c):
        c.send(None)

    def throw(c):
        c.throw(KeyError("x"))

    def close(c):
        c.close()

    for action in (send, throw, close):
        coro = body(action)
        with pytest.raises(StopIteration):
            coro.send(None)
    return errors


class ReenteringTransport(FakeWriteTransport):
    """Writes, then calls `on_write` (from inside the read that flushed)."""

    on_write = None

    def write(self, data):
        super().write(data)
        if self.on_write is not None:
            self.on_write()


if fastio.COMPILED:
    # A transport fastio knows, as FakeWriteTransport is: it holds writes for it.
    from fastio._buffer import _trust_transport_class

    _trust_transport_class(ReenteringTransport)


@pytest.mark.compiled
@pytest.mark.parametrize("action", ["send", "throw", "close"])
def test_transport_write_reenters_the_waiting_read(loop, action):
    # The reader holds a request, so the writer holds the answer; a read that
    # must wait hands the answer to the transport first, and this transport
    # then touches the read operation the program is running.  A coroutine
    # refuses that ("already executing"): so does the operation.
    expected = _running_coroutine_errors()[action]
    writer, transport, protocol, reader = connect(fastio, loop)
    transport.__class__ = ReenteringTransport
    reader.feed_data(b"req\n")
    writer.write(b"answer")
    assert transport.calls == []
    operation = reader.readexactly(100)
    seen = []

    def reenter():
        transport.on_write = None
        try:
            if action == "send":
                operation.send(None)
            elif action == "throw":
                operation.throw(KeyError("x"))
            else:
                operation.close()
        except ValueError as exc:
            seen.append(str(exc))
            raise

    transport.on_write = reenter
    with pytest.raises(ValueError) as info:
        operation.send(None)
    assert seen == [expected] and str(info.value) == expected
    assert transport.calls == [("write", b"answer")]
    assert reader._waiter is None
    with pytest.raises(RuntimeError, match="cannot reuse already awaited coroutine"):
        operation.send(None)
    assert bytes(reader._buffer) == b"req\n"
    assert run(loop, reader.readexactly(4)) == b"req\n"


# --------------------------------------------------------------------------
# 5. Empty prefixes and needles on an empty reader
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fed", [b"", b"ab"], ids=["empty", "fed"])
@pytest.mark.parametrize("needle", [b"", (b"",), (b"x", b""), memoryview(b"")], ids=repr)
@pytest.mark.parametrize("start", [0, 1, 2, 3, -1, -5, None, 10**30, -10**30], ids=repr)
def test_empty_prefix_and_needle(impl, loop, fed, needle, start):
    reader = impl.StreamReader(loop=loop)
    reader.feed_data(fed)
    assert reader._buffer.startswith(needle, start) is bytearray(fed).startswith(needle, start)
    if not isinstance(needle, tuple):
        assert reader._buffer.find(needle, start) == bytearray(fed).find(needle, start)
    assert reader._buffer == fed


@pytest.mark.parametrize("index", [2, -3, 10**30, -10**30, "1", 1.0, None], ids=repr)
def test_index_out_of_range_or_of_the_wrong_type(impl, loop, index):
    reader = impl.StreamReader(loop=loop)
    reader.feed_data(b"ab")
    with pytest.raises((IndexError, TypeError)) as expected:
        bytearray(b"ab")[index]
    with pytest.raises(expected.type) as info:
        reader._buffer[index]
    assert str(info.value) == str(expected.value)
