"""Every reference the compiled core takes is given back.

The operations below each leave the fast paths for the coroutines that run
asyncio's algorithms (a read that raises, a line over the limit, a read to
EOF, a drain on a closing transport, a connection).  Each is repeated on a
fresh reader, after warm-up runs, and the interpreter's total reference
count must not grow with every run (regrtest -R's rule): on a debug build
(sys.gettotalrefcount()), for asyncio's streams and fastio's alike.  The
type of the coroutines fastio's core runs is counted on any CPython: it
gains a reference per coroutine and must lose it when the coroutine goes.
"""
import asyncio
import gc
import socket
import sys

import pytest

import fastio
from support.refcounts import leaks_every_run

needs_total_refcount = pytest.mark.skipif(
    not hasattr(sys, "gettotalrefcount"),
    reason="counting every reference needs a debug build (sys.gettotalrefcount())")


async def read_after_exception(impl, loop):
    reader = impl.StreamReader(loop=loop)
    reader.feed_data(b"line\n")
    reader.set_exception(ValueError("set"))
    with pytest.raises(ValueError):
        await reader.read(2)


async def readline_over_limit(impl, loop):
    reader = impl.StreamReader(limit=7, loop=loop)
    reader.feed_data(b"12345678\n")
    with pytest.raises(ValueError):
        await reader.readline()


async def readexactly_past_eof(impl, loop):
    reader = impl.StreamReader(loop=loop)
    reader.feed_data(b"abc")
    reader.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError):
        await reader.readexactly(5)


async def read_to_eof(impl, loop):
    reader = impl.StreamReader(loop=loop)
    reader.feed_data(b"abc")
    loop.call_soon(reader.feed_eof)
    assert await reader.read() == b"abc"


async def wait_then_fail(impl, loop):
    reader = impl.StreamReader(loop=loop)
    loop.call_soon(reader.set_exception, ValueError("set"))
    with pytest.raises(ValueError):
        await reader.readline()


async def connection(impl, loop):
    a, b = socket.socketpair()
    with b:
        reader, writer = await impl.open_connection(sock=a)
        writer.write(b"ping\n")
        await writer.drain()
        assert b.recv(5) == b"ping\n"
        b.sendall(b"pong\n")
        assert await reader.readline() == b"pong\n"
        writer.close()
        # On a closing transport: asyncio's drain() yields once, and by then
        # the connection is lost.
        with pytest.raises(ConnectionResetError):
            await writer.drain()
        await writer.wait_closed()


OPERATIONS = [read_after_exception, readline_over_limit, readexactly_past_eof,
              read_to_eof, wait_then_fail, connection]


def run(operation, impl, loop):
    return lambda: loop.run_until_complete(operation(impl, loop))


@needs_total_refcount
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
def test_total_references_do_not_grow(impl, loop, operation):
    assert not leaks_every_run(run(operation, impl, loop))


@pytest.mark.compiled
@pytest.mark.skipif(sys.implementation.name != "cpython", reason="counts CPython references")
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
def test_coroutine_type_gets_its_references_back(loop, operation):
    coroutine = fastio._buffer._read_slow(fastio.StreamReader(loop=loop), 0)
    coroutine_type = type(coroutine)
    coroutine.close()
    del coroutine
    step = run(operation, fastio, loop)
    step()
    gc.collect()
    before = sys.getrefcount(coroutine_type)
    for _ in range(20):
        step()
    gc.collect()
    assert sys.getrefcount(coroutine_type) == before
