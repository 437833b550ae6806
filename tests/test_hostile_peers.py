"""Peers that misbehave, over real sockets on 127.0.0.1: floods into a
server that never reads, a line longer than any limit, thousands of idle or
half-sent connections, a peer that never reads what the server writes,
resets in the middle of a read or a write, and storms of reads cancelled by
wait_for().  Each runs on asyncio's streams and fastio's (``impl``), on
asyncio's loop and uvloop (``net_loop``), with the bounds asyncio's own rules
give; `make stress` runs them at full size and prints the figures.
"""
import asyncio
import os
import random
import resource
import socket
import struct
import subprocess
import sys
import textwrap

import pytest

from peers import (
    raise_fd_limit,
    record,
    server,
    size,
    snapshot,
    traced,
    traced_growth,
    wait_until,
)

pytestmark = pytest.mark.network

LIMIT = 64 * 1024
# The most a transport hands over in one read: asyncio's socket transports
# and uvloop both receive up to 256 KiB at a time.
RECEIVE_MAX = 256 * 1024
# asyncio's pause rule: a reader past 2 * limit pauses its transport, after
# the read that took it there.
BUFFER_BOUND = 2 * LIMIT + RECEIVE_MAX
HIGH_WATER = 64 * 1024  # asyncio's (and fastio's) default high-water mark
BATCH = 64 * 1024       # the most fastio's writer holds before handing over


def arun(loop, coro, timeout):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def reset(sock):
    """Close with an RST rather than a FIN (SO_LINGER on, zero timeout)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


async def sampled_peak(get, until):
    """The largest value get() takes, polled every millisecond until until()."""
    peak = 0
    while not until():
        peak = max(peak, get())
        await asyncio.sleep(0.001)
    return max(peak, get())


def test_flood_into_a_server_that_never_reads(impl, net_loop, request):
    """The server's buffer stays under asyncio's pause rule however much the
    peer sends; the kernel's buffers take the rest, then the peer stalls."""
    total = size(16, 512) * 1024 * 1024
    connections = []

    async def handle(reader, writer):
        connections.append((reader, writer))

    async def main():
        async with server(impl, handle, limit=LIMIT) as port:
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setblocking(False)
            sent, stalled, peak = 0, False, 0
            chunk = b"x" * 65536
            try:
                while sent < total:
                    try:
                        await asyncio.wait_for(net_loop.sock_sendall(sock, chunk), 0.5)
                    except asyncio.TimeoutError:
                        stalled = True
                        break
                    sent += len(chunk)
                    if connections:
                        peak = max(peak, len(connections[0][0]._buffer))
                await wait_until(lambda: connections, 5, "the connection")
                reader, writer = connections[0]
                await asyncio.sleep(0.2)
                peak = max(peak, len(reader._buffer))
                assert peak <= BUFFER_BOUND, peak
                if stalled:
                    assert reader._paused
                record(request, "peak buffered", peak, "bytes")
                record(request, "sent before the peer stalled", sent if stalled else None, "bytes")
            finally:
                sock.close()
                for _, writer in connections:
                    writer.close()

    arun(net_loop, main(), 60 if size(0, 1) else 20)


def asyncio_readline_messages(limit):
    """What asyncio's readline() says of a line over the limit: without its
    newline yet, and with it."""
    loop = asyncio.new_event_loop()
    try:
        messages = set()
        for data in (b"x" * (limit + 1), b"x" * (limit + 1) + b"\n"):
            reader = asyncio.StreamReader(limit=limit, loop=loop)
            reader.feed_data(data)
            with pytest.raises(ValueError) as caught:
                loop.run_until_complete(reader.readline())
            messages.add(str(caught.value))
        return messages
    finally:
        loop.close()


def test_a_line_longer_than_any_limit(impl, net_loop, request):
    """readline() raises asyncio's ValueError for each overlong piece, holds
    no more than the pause rule allows, and the stream goes on after it."""
    length = size(8, 256) * 1024 * 1024
    expected_messages = asyncio_readline_messages(LIMIT)
    seen = {"errors": 0, "messages": set(), "after": None, "peak": 0}

    async def handle(reader, writer):
        done = []
        sampler = asyncio.ensure_future(
            sampled_peak(lambda: len(reader._buffer), lambda: done))
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError as exc:
                    seen["errors"] += 1
                    seen["messages"].add(str(exc))
                    continue
                if line == b"after\n" or not line:
                    seen["after"] = line
                    break
        finally:
            done.append(True)
            seen["peak"] = await sampler
        writer.write(b"done\n")
        await writer.drain()
        writer.close()

    async def main():
        async with server(impl, handle, limit=LIMIT) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            chunk = b"y" * (1024 * 1024)
            seen["rss before"] = max_rss()
            for _ in range(length // len(chunk)):
                writer.write(chunk)
                await writer.drain()
            writer.write(b"tail\nafter\n")
            assert await reader.readline() == b"done\n"
            writer.close()
            await writer.wait_closed()

    arun(net_loop, main(), 120 if size(0, 1) else 30)
    rss_growth = max_rss() - seen["rss before"]
    assert seen["after"] == b"after\n"
    assert seen["errors"] >= 1
    assert seen["messages"] <= expected_messages, seen["messages"]
    assert seen["peak"] <= BUFFER_BOUND, seen["peak"]
    # The whole line never sits in memory (this discriminates at full size).
    assert rss_growth < max(length // 2, 32 << 20), rss_growth
    record(request, f"peak buffered (1 ms samples), {length >> 20} MiB line", seen["peak"], "bytes")
    record(request, "peak RSS growth", rss_growth, "bytes")
    record(request, "ValueErrors", seen["errors"], "count")


CLIENTS = textwrap.dedent("""
    import resource, socket, sys
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    port, count, partial = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        if partial:
            sock.sendall(partial)
        socks.append(sock)
    print("ready", flush=True)
    sys.stdin.readline()
""")


def max_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.parametrize("partial", [b"", b"GET /01234"], ids=["idle", "partial-line"])
def test_thousands_of_connections_waiting_in_readline(impl, net_loop, request, partial):
    """Connections that send nothing, or a 10-byte partial line, and wait:
    the memory each costs the server, and a new client is still answered.
    The clients are another process, so each side has its own file limit."""
    limit = raise_fd_limit()
    count = min(size(500, 10000), limit - 200)
    waiting = []

    async def handle(reader, writer):
        waiting.append(reader)
        line = await reader.readline()
        writer.write(line)
        await writer.drain()
        writer.close()

    async def main():
        async with server(impl, handle, backlog=4096) as port:
            rss_before = rss_bytes()
            before = snapshot()
            child = subprocess.Popen(
                [sys.executable, "-c", CLIENTS, str(port), str(count), partial.decode()],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            try:
                assert await net_loop.run_in_executor(None, child.stdout.readline) == b"ready\n"
                await wait_until(
                    lambda: len(waiting) == count
                    and all(len(r._buffer) == len(partial) for r in waiting),
                    60, "every connection in readline() with its bytes")
                per_connection = traced_growth(before) / count
                rss_per_connection = (rss_bytes() - rss_before) / count
                # A new client is still answered.
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"ping\n")
                assert await asyncio.wait_for(reader.readline(), 10) == b"ping\n"
                writer.close()
                await writer.wait_closed()
            finally:
                child.stdin.close()
                child.wait(30)
                child.stdout.close()
            # No per-connection receive buffer (256 KiB) or similar: what a
            # waiting connection costs is small.
            assert per_connection < 16 * 1024, per_connection
            kind = f"{count:,} {'partial-line' if partial else 'idle'}"
            record(request, f"traced per connection, {kind}", round(per_connection), "bytes")
            record(request, f"RSS per connection, {kind}", round(rss_per_connection), "bytes")

    with traced():
        arun(net_loop, main(), 300 if size(0, 1) else 60)


def test_a_peer_that_never_reads_what_the_server_writes(impl, net_loop, request):
    """Pipelined requests from a peer that never reads the replies: the
    server's writes, drained every 64, stop at the high-water mark plus one
    batch, and drain() waits instead of buffering more."""
    requests = size(20000, 200000)
    reply = b"r" * 1000 + b"\n"
    seen = {"peak": 0, "answered": 0, "blocked": False}

    async def handle(reader, writer):
        transport = writer._transport  # not writer.transport: fastio would stop holding
        while seen["answered"] < requests:
            if not await reader.readline():
                break
            writer.write(reply)
            seen["answered"] += 1
            seen["peak"] = max(seen["peak"], transport.get_write_buffer_size())
            if seen["answered"] % 64 == 0:
                try:
                    await asyncio.wait_for(writer.drain(), 1)
                except asyncio.TimeoutError:
                    seen["blocked"] = True
                    break
        transport.abort()

    async def main():
        async with server(impl, handle) as port:
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setblocking(False)
            try:
                await net_loop.sock_sendall(sock, b"GET\n" * requests)
                await wait_until(lambda: seen["blocked"] or seen["answered"] >= requests,
                                 60, "the server to block or finish")
            finally:
                sock.close()

    arun(net_loop, main(), 120 if size(0, 1) else 60)
    assert seen["blocked"], "the peer's buffers took every reply: make the test bigger"
    assert seen["peak"] <= HIGH_WATER + BATCH + len(reply), seen["peak"]
    # fastio's writer holds up to one more batch itself, not counted here.
    record(request, "peak transport buffer", seen["peak"], "bytes")
    record(request, "replies before drain() blocked", seen["answered"], "count")


def test_resets_in_the_middle_of_reads_and_writes(impl, net_loop, request):
    """A peer that resets while the server waits in readexactly(), or while it
    writes and drains: the server sees a ConnectionResetError (a
    ConnectionError for writes), and goes on answering new clients."""
    rounds = size(20, 1000)
    outcomes = {"read": [], "write": []}

    async def handle(reader, writer):
        mode = await reader.readexactly(1)
        try:
            if mode == b"r":
                await reader.readexactly(1 << 20)
            elif mode == b"w":
                while True:
                    writer.write(b"w" * 65536)
                    await writer.drain()
            else:
                writer.write(await reader.readline())
                await writer.drain()
        except Exception as exc:  # noqa: BLE001 - counted by the test
            outcomes["read" if mode == b"r" else "write"].append(type(exc))
        finally:
            writer.close()

    async def main():
        async with server(impl, handle) as port:
            for _ in range(rounds):
                for mode in (b"r", b"w"):
                    sock = socket.create_connection(("127.0.0.1", port))
                    sock.setblocking(False)
                    await net_loop.sock_sendall(sock, mode + b"z" * 1000)
                    if mode == b"w":
                        await net_loop.sock_recv(sock, 65536)  # the server is writing
                    else:
                        await asyncio.sleep(0.002)  # the server is reading
                    reset(sock)
            await wait_until(lambda: len(outcomes["read"]) == len(outcomes["write"]) == rounds,
                             30, "every reset seen")
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"lhello\n")
            assert await reader.readline() == b"hello\n"
            writer.close()
            await writer.wait_closed()

    arun(net_loop, main(), 120 if size(0, 1) else 30)
    assert set(outcomes["read"]) == {ConnectionResetError}, outcomes["read"]
    assert all(issubclass(t, ConnectionError) for t in outcomes["write"]), outcomes["write"]
    record(request, "resets (read + write)", 2 * rounds, "count")


def stream_of_records(rng, total):
    """Bytes with newlines and NULs at random places (what the storm's
    readline() and readuntil() stop at)."""
    out = bytearray()
    while len(out) < total:
        out += bytes(rng.randrange(1, 256) for _ in range(rng.randrange(0, 200)))
        out += rng.choice([b"\n", b"\x00", b""])
    return bytes(out[:total])


def test_cancellation_storm_loses_no_byte(impl, net_loop, request):
    """Reads of every kind under wait_for() with timeouts so short that most
    are cancelled: what the completed reads return is the stream, byte for
    byte, in order."""
    rng = random.Random(1234)
    stream = stream_of_records(rng, size(512, 16384) * 1024)
    got = []
    counts = {"cancelled": 0, "completed": 0}

    async def handle(reader, writer):
        while True:
            op = rng.randrange(4)
            if op == 0:
                read = reader.readline()
            elif op == 1:
                read = reader.readuntil(b"\x00")
            elif op == 2:
                read = reader.readexactly(rng.randrange(1, 3000))
            else:
                read = reader.read(rng.randrange(1, 3000))
            try:
                data = await asyncio.wait_for(read, rng.choice([0, 0.00005, 0.0005, 0.002]))
            except asyncio.TimeoutError:
                counts["cancelled"] += 1
                continue
            except asyncio.IncompleteReadError as exc:
                data = exc.partial
            counts["completed"] += 1
            got.append(data)
            if reader.at_eof():
                break
        writer.write(b"done\n")
        await writer.drain()
        writer.close()

    async def main():
        async with server(impl, handle) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            sender = random.Random(99)
            at = 0
            while at < len(stream):
                n = sender.randrange(1, 20000)
                writer.write(stream[at:at + n])
                at += n
                await writer.drain()
                if sender.random() < 0.3:
                    await asyncio.sleep(0.001)
            writer.write_eof()
            assert await reader.readline() == b"done\n"
            writer.close()
            await writer.wait_closed()

    arun(net_loop, main(), 300 if size(0, 1) else 60)
    assert b"".join(got) == stream
    assert counts["cancelled"] > 0
    record(request, "reads cancelled", counts["cancelled"], "count")
    record(request, "reads completed", counts["completed"], "count")
