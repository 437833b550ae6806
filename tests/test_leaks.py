"""Nothing leaks over many operations: feeding and reading (readinto() too),
and connections opened, used and closed one after another.  tracemalloc snapshots taken after
a warm-up and at the end (peers.traced_growth) must differ by no more than
what caches and free lists account for, far less than a byte per operation.
Sizes: 100,000 feed/read pairs and 2,000 connections in the suite; a million
and 100,000 under `make stress`.
"""
import asyncio
import gc

import pytest

import fastio
from peers import record, server, size, snapshot, traced, traced_growth

# More than this left allocated after all the operations is a leak: a byte
# kept per feed/read would be 100 KB in the suite, 1 MB at full size.
ALLOWED_GROWTH = 32 * 1024


def steady_growth(loop, run, warm_up, count):
    """Traced bytes that run(count) leaves behind once run(warm_up) has
    filled every cache and free list."""
    with traced():
        loop.run_until_complete(run(warm_up))
        gc.collect()
        before = snapshot()
        loop.run_until_complete(run(count))
        gc.collect()
        return traced_growth(before)


def test_feed_and_read_hold_nothing_after(impl, loop, request):
    operations = size(100_000, 1_000_000)
    reader = impl.StreamReader(loop=loop)
    lines = [b"x" * n + b"\n" for n in (1, 10, 100, 1000, 5000)]

    async def feed_and_read(count):
        for i in range(count):
            line = lines[i % len(lines)]
            reader.feed_data(line)
            assert await reader.readline() == line
            reader.feed_data(line + line[:3])
            assert await reader.readexactly(len(line)) == line
            assert await reader.read(3) == line[:3]

    growth = steady_growth(loop, feed_and_read, 1000, operations // 2)
    record(request, f"tracemalloc growth after {operations:,} feed+read", growth, "bytes")
    assert growth < ALLOWED_GROWTH, growth


def test_readinto_holds_nothing_after(impl, loop, request):
    # readinto() answering at once, after a wait, and refusing a buffer.
    operations = size(30_000, 300_000)
    reader = impl.StreamReader(loop=loop)
    buffer = bytearray(64)
    released = memoryview(bytearray(4))
    released.release()

    async def feed_and_read_into(count):
        for i in range(count):
            reader.feed_data(b"x" * (i % 100 + 1))
            while reader._buffer:
                assert await fastio.readinto(reader, buffer)
            waiting = loop.create_task(fastio.readinto(reader, memoryview(buffer)[:8]))
            await asyncio.sleep(0)
            reader.feed_data(b"late")
            assert await waiting == 4
            with pytest.raises(TypeError):
                await fastio.readinto(reader, released)

    growth = steady_growth(loop, feed_and_read_into, 300, operations // 3)
    record(request, f"tracemalloc growth after {operations:,} readinto", growth, "bytes")
    assert growth < ALLOWED_GROWTH, growth


@pytest.mark.network
def test_sequential_connections_hold_nothing_after(impl, net_loop, request):
    connections = size(2_000, 100_000)

    async def echo(reader, writer):
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def one(port):
        reader, writer = await impl.open_connection("127.0.0.1", port)
        writer.write(b"hello\n")
        assert await reader.readline() == b"hello\n"
        writer.close()
        await writer.wait_closed()

    async def main():
        async with server(impl, echo) as port:
            for _ in range(200):
                await one(port)
            await asyncio.sleep(0.05)
            gc.collect()
            before = snapshot()
            for _ in range(connections):
                await one(port)
            await asyncio.sleep(0.05)
            gc.collect()
            return traced_growth(before)

    with traced():
        growth = net_loop.run_until_complete(asyncio.wait_for(main(), 3600))
    record(request, f"tracemalloc growth after {connections:,} connections", growth, "bytes")
    assert growth < ALLOWED_GROWTH, growth
