"""readinto(), fastio's own: read(n) into the caller's buffer.

Each test runs with every spelling (`into`): the compiled reader's
``readinto()`` method, ``fastio.readinto()`` on fastio's reader, and
``fastio.readinto()`` on asyncio's reader (the portable path, and so the
fallback's).  Where a test states what the answer is, asyncio's ``read(n)``
plus a copy, or ``io.BytesIO.readinto()`` for a buffer it refuses, is the
reference it is checked against.
"""
import array
import asyncio
import io
import mmap
import sys

import pytest

import fastio
from support import RecordingTransport
from test_reader_helpers import finish_cancelled, run, spin, start


class Spelling:
    def __init__(self, name, module, call):
        self.name, self.module, self.call = name, module, call

    def reader(self, **kwargs):
        return self.module.StreamReader(**kwargs)

    def __call__(self, reader, buffer):
        return self.call(reader, buffer)


SPELLINGS = [
    pytest.param(Spelling("method", fastio, lambda reader, buffer: reader.readinto(buffer)),
                 marks=pytest.mark.compiled, id="method"),
    pytest.param(Spelling("function", fastio, fastio.readinto), id="function-on-fastio"),
    pytest.param(Spelling("function", asyncio, fastio.readinto), id="function-on-asyncio"),
]


@pytest.fixture(params=SPELLINGS)
def into(request):
    return request.param


def reads_into_its_own_buffer(into):
    """The compiled reader, which copies from its own buffer (rather than
    awaiting read() and copying what it returns)."""
    return into.module is fastio and fastio.COMPILED


# --------------------------------------------------------------------------
# What it returns and copies


def test_copies_what_read_would_return(into, loop):
    r = into.reader(loop=loop)
    r.feed_data(b"hello world")
    buffer = bytearray(b"#" * 5)
    assert run(loop, into(r, buffer)) == 5
    assert buffer == b"hello"
    big = bytearray(b"#" * 10)
    assert run(loop, into(r, big)) == 6
    assert big == b" world####"
    assert not r._buffer


@pytest.mark.parametrize("make, length", [
    (lambda: bytearray(6), 6),
    (lambda: memoryview(bytearray(10))[2:8], 6),
    (lambda: array.array("i", [0, 0]), 8),  # counted in bytes, as recv_into() counts
    (lambda: memoryview(bytearray(12)).cast("B", (2, 6)), 12),
    (lambda: mmap.mmap(-1, 6), 6),
], ids=["bytearray", "memoryview-slice", "array-i", "2d-memoryview", "mmap"])
def test_buffer_kinds_are_filled_by_their_bytes(into, loop, make, length):
    data = bytes(range(1, 21))
    r = into.reader(loop=loop)
    r.feed_data(data)
    buffer = make()
    assert run(loop, into(r, buffer)) == length
    assert memoryview(buffer).tobytes() == data[:length]
    assert bytes(r._buffer) == data[length:]


def test_zero_at_eof_and_for_an_empty_buffer(into, loop):
    r = into.reader(loop=loop)
    # An empty buffer answers at once, as read(0) does: no wait for data.
    assert run(loop, into(r, bytearray())) == 0
    r.feed_data(b"ab")
    assert run(loop, into(r, memoryview(bytearray(4))[4:])) == 0
    r.feed_eof()
    buffer = bytearray(4)
    assert run(loop, into(r, buffer)) == 2
    assert run(loop, into(r, buffer)) == 0
    assert buffer == b"ab\0\0"


def test_waits_for_data_then_takes_what_came(into, loop):
    r = into.reader(loop=loop)
    buffer = bytearray(b"#" * 8)
    task = start(loop, into(r, buffer))
    assert not task.done() and r._waiter is not None
    r.feed_data(b"abc")
    assert run(loop, task) == 3
    assert buffer == b"abc#####"


def test_set_exception_is_raised_and_nothing_written(into, loop):
    r = into.reader(loop=loop)
    buffer = bytearray(b"#" * 4)
    task = start(loop, into(r, buffer))
    error = ConnectionResetError("reset")
    r.set_exception(error)
    with pytest.raises(ConnectionResetError) as info:
        run(loop, task)
    assert info.value is error
    assert buffer == b"####"
    r.feed_data(b"late")
    # As read(0): the exception before the empty buffer's answer.
    for target in (buffer, bytearray()):
        with pytest.raises(ConnectionResetError):
            run(loop, into(r, target))
    assert buffer == b"####" and bytes(r._buffer) == b"late"


def test_a_second_waiter_gets_reads_error(into, loop):
    r = into.reader(loop=loop)
    first = start(loop, into(r, bytearray(2)))
    with pytest.raises(RuntimeError) as info:
        run(loop, into(r, bytearray(2)))
    assert str(info.value) == ("read() called while another coroutine is already "
                               "waiting for incoming data")
    first.cancel()
    finish_cancelled(loop, first)


def test_cancelled_while_waiting_takes_and_writes_nothing(into, loop):
    r = into.reader(loop=loop)
    buffer = bytearray(b"#" * 4)
    task = start(loop, into(r, buffer))
    task.cancel()
    r.feed_data(b"data")
    finish_cancelled(loop, task)
    assert buffer == b"####"
    assert bytes(r._buffer) == b"data"
    assert run(loop, into(r, buffer)) == 4 and buffer == b"data"


# --------------------------------------------------------------------------
# Buffers it cannot fill: io's readinto() TypeError, nothing read


def _released():
    view = memoryview(bytearray(4))
    view.release()
    return view


BAD_BUFFERS = [
    (lambda: b"read-only", "bytes"),
    (lambda: memoryview(b"read-only"), "read-only memoryview"),
    (lambda: memoryview(bytearray(8))[::2], "non-contiguous"),
    (_released, "released memoryview"),
    (lambda: mmap.mmap(-1, 4, prot=mmap.PROT_READ), "read-only mmap"),
    (lambda: "text", "str"),
    (lambda: 4, "int"),
    (lambda: None, "None"),
]


@pytest.mark.parametrize("make", [make for make, _ in BAD_BUFFERS],
                         ids=[name for _, name in BAD_BUFFERS])
def test_refused_buffers_raise_io_readintos_error(into, loop, make):
    with pytest.raises(TypeError) as reference:
        io.BytesIO(b"data").readinto(make())
    r = into.reader(loop=loop)
    r.feed_data(b"data")
    operation = into(r, make())
    with pytest.raises(TypeError) as info:
        run(loop, operation)
    assert str(info.value) == str(reference.value)
    assert info.value.__context__ is None
    assert bytes(r._buffer) == b"data"
    # Checked first, before the reader's exception or an empty wait.
    r.set_exception(ValueError("set"))
    with pytest.raises(TypeError):
        run(loop, into(r, make()))


# --------------------------------------------------------------------------
# The buffer changed by Python code while the read waits


def test_compiled_reader_takes_the_buffer_again_when_copying(into, loop):
    if not reads_into_its_own_buffer(into):
        pytest.skip("the portable path keeps the buffer exported (next test)")
    r = into.reader(loop=loop)
    buffer = bytearray(b"#" * 8)
    task = start(loop, into(r, buffer))
    del buffer[3:]  # shrunk while it waits: its new length is what is read
    r.feed_data(b"abcdef")
    assert run(loop, task) == 3
    assert buffer == b"abc" and bytes(r._buffer) == b"def"
    assert run(loop, into(r, buffer)) == 3

    view = memoryview(bytearray(4))
    task = start(loop, into(r, view))
    view.release()
    r.feed_data(b"gh")
    with pytest.raises(TypeError) as info:
        run(loop, task)
    assert str(info.value) == ("readinto() argument must be read-write bytes-like "
                               "object, not memoryview")
    assert bytes(r._buffer) == b"gh"  # nothing taken


def exported_bytearrays_refuse_resizing():
    buffer = bytearray(8)
    with memoryview(buffer):
        try:
            del buffer[3:]
        except BufferError:
            return True
    return False


@pytest.mark.skipif(not exported_bytearrays_refuse_resizing(),
                    reason="this interpreter lets an exported bytearray be resized (PyPy)")
def test_portable_path_keeps_the_buffer_exported_while_waiting(into, loop):
    if reads_into_its_own_buffer(into):
        pytest.skip("the compiled reader takes the buffer only to copy (previous test)")
    r = into.reader(loop=loop)
    buffer = bytearray(b"#" * 8)
    task = start(loop, into(r, buffer))
    with pytest.raises(BufferError):
        del buffer[3:]
    r.feed_data(b"abcdef")
    assert run(loop, task) == 6
    assert buffer == b"abcdef##"
    buffer.extend(b"!")  # released once done


@pytest.mark.skipif(sys.version_info < (3, 12), reason="__buffer__ is 3.12's")
def test_an_exporter_that_reads_from_the_reader_meanwhile(into, loop):
    # Python code in the buffer protocol consumes the reader's bytes while
    # the copy takes (and releases) the buffer: no byte is copied twice or
    # lost, and nothing crashes.
    r = into.reader(loop=loop)
    storage = bytearray(b"#" * 4)
    taken = []

    class Exporter:
        def __buffer__(self, flags):
            if r._buffer:
                taken.append(bytes(r._buffer[:1]))
                del r._buffer[:1]
            return memoryview(storage)

        def __release_buffer__(self, view):
            if r._buffer:
                taken.append(bytes(r._buffer[:1]))
                del r._buffer[:1]

    r.feed_data(b"0123456789")
    count = run(loop, into(r, Exporter()))
    got = b"".join(taken[:-1]) + bytes(storage[:count]) + taken[-1] + bytes(r._buffer)
    assert sorted(got) == sorted(b"0123456789") and 0 < count <= 4


# --------------------------------------------------------------------------
# Flow control, as read() does it


async def read_via(into, reader, n):
    """read(n) spelt with readinto(): the model's results as bytes."""
    buffer = bytearray(n)
    count = await into(reader, buffer)
    return bytes(buffer[:count])


def asyncio_read(reader, n):
    return reader.read(n)


def test_resumes_reading_once_drained_below_the_limit(into, loop):
    def drive(reader, read):
        transport = RecordingTransport()
        reader.set_transport(transport)
        reader.feed_data(b"x" * 9)  # over 2 * limit: paused
        calls = [list(transport.calls)]
        for _ in range(3):
            assert run(loop, read(reader, 3)) == b"xxx"
            calls.append(list(transport.calls))
        return calls

    expected = drive(asyncio.StreamReader(limit=4, loop=loop), asyncio_read)
    assert expected[0] == ["pause_reading"] and "resume_reading" in expected[-1]
    got = drive(into.reader(limit=4, loop=loop),
                lambda reader, n: read_via(into, reader, n))
    assert got == expected


def test_dispatches_what_read_dispatches(into, loop):
    # A subclass replacing _wait_for_data() and _maybe_resume_transport():
    # they are called as asyncio's read() calls them.
    def subclass(base, calls):
        class Reader(base):
            async def _wait_for_data(self, func_name):
                calls.append(("wait", func_name))
                await super()._wait_for_data(func_name)

            def _maybe_resume_transport(self):
                calls.append("resume?")
                super()._maybe_resume_transport()
        return Reader(loop=loop)

    def drive(reader, read):
        reader.feed_data(b"abc")
        results = [run(loop, read(reader, 2)), run(loop, read(reader, 8))]
        task = start(loop, read(reader, 8))
        reader.feed_data(b"ef")
        results.append(run(loop, task))
        reader.feed_eof()
        results.append(run(loop, read(reader, 8)))
        return results

    expected_calls, calls = [], []
    expected = drive(subclass(asyncio.StreamReader, expected_calls), asyncio_read)
    assert expected == [b"ab", b"c", b"ef", b""]
    got = drive(subclass(into.module.StreamReader, calls),
                lambda reader, n: read_via(into, reader, n))
    assert (got, calls) == (expected, expected_calls)


# --------------------------------------------------------------------------
# Over a real socket, on both event loops


def test_over_a_socket(into, net_loop):
    payload = bytes(range(256)) * 800  # 200 KiB: several receives, maybe a pause

    async def send(reader, writer):
        writer.write(payload)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await into.module.start_server(send, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await into.module.open_connection("127.0.0.1", port, limit=4096)
            buffer = bytearray(5000)
            received = bytearray()
            while True:
                count = await asyncio.wait_for(into(reader, buffer), 30)
                if not count:
                    break
                received += buffer[:count]
            writer.close()
            await writer.wait_closed()
        return bytes(received)

    assert net_loop.run_until_complete(main()) == payload


def test_method_is_fastio_only(loop):
    assert not hasattr(asyncio.StreamReader, "readinto")
    assert hasattr(fastio.StreamReader, "readinto") == fastio.COMPILED


def test_nothing_is_read_until_awaited(into, loop):
    # An awaitable that reads nothing until awaited, as read()'s.
    r = into.reader(loop=loop)
    r.feed_data(b"ab")
    operation = into(r, bytearray(1))
    spin(loop)
    assert bytes(r._buffer) == b"ab"
    assert run(loop, operation) == 1
