"""Read-side throughput: StreamReader's read methods on realistic inputs.

Each test feeds its data in ``setup`` (not timed) and times a coroutine that
reads it all back inside one ``run_until_complete``. The pre-fed workloads also
feed EOF, which changes nothing for the reads measured but makes a reader that
loses data return early instead of hanging the run; the checks after each
benchmark catch that. ``rounds`` are per pass (see conftest.py).
"""
import asyncio
import struct

import pytest


def prefed(impl, chunks):
    """A reader holding `chunks` and EOF: reads of it never wait."""
    reader = impl.StreamReader()
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    return reader

# -- 1. readline over pre-fed 64-byte lines ----------------------------------

N_LINES = 10_000
# 64 bytes each, numbered so the checks can tell them apart.
LINES = [b"%08d " % i + b"x" * 54 + b"\n" for i in range(N_LINES)]
assert {len(line) for line in LINES} == {64}


def test_readline(bench, impl):
    data = b"".join(LINES)

    def setup():
        return prefed(impl, [data])

    async def body(reader):
        readline = reader.readline
        for _ in range(N_LINES):
            line = await readline()
        return line

    last = bench("readline", ops=N_LINES, unit="line", setup=setup, body=body, rounds=25)
    assert last == LINES[-1]


# -- 2. feed 4 KiB (64 lines), readline until drained, repeated --------------

CHUNK_LINES = 64
CHUNK = b"".join(LINES[:CHUNK_LINES])
REPEATS = 200
assert len(CHUNK) == 4096


def test_fed_then_read(bench, impl):
    async def body(reader):
        feed_data, readline = reader.feed_data, reader.readline
        for _ in range(REPEATS):
            feed_data(CHUNK)
            for _ in range(CHUNK_LINES):
                line = await readline()
        return line

    last = bench(
        "fed-then-read",
        ops=REPEATS * CHUNK_LINES,
        unit="line",
        setup=impl.StreamReader,
        body=body,
        rounds=25,
    )
    assert last == LINES[CHUNK_LINES - 1]


# -- 3. length-prefixed frames: readexactly(4) + readexactly(60) -------------

N_FRAMES = 10_000
PAYLOAD = 60
# A real big-endian length header; the body reads a fixed 60 bytes rather than
# parsing it, so the time measured is the reader's, not int.from_bytes's.
FRAMES = [
    struct.pack(">I", PAYLOAD) + (b"%08d" % i).ljust(PAYLOAD, b".") for i in range(N_FRAMES)
]


def test_readexactly_frames(bench, impl):
    data = b"".join(FRAMES)

    def setup():
        return prefed(impl, [data])

    async def body(reader):
        readexactly = reader.readexactly
        for _ in range(N_FRAMES):
            await readexactly(4)
            payload = await readexactly(PAYLOAD)
        return payload

    last = bench(
        "readexactly (frames)", ops=N_FRAMES, unit="frame", setup=setup, body=body, rounds=25
    )
    assert last == FRAMES[-1][4:]


# -- 4. readuntil(b"\r\n\r\n") over HTTP request heads ------------------------

N_HEADS = 5_000
_AGENTS = (
    b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    b"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    b"(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    b"curl/8.5.0",
    b"python-httpx/0.27.0",
)


def _http_head(i):
    """A plausible request head of 300-500 bytes; varies with ``i``."""
    lines = [
        b"GET /api/v1/items/%d?page=%d&sort=name HTTP/1.1" % (i, i % 7),
        b"Host: service-%d.internal.example:8080" % (i % 13),
        b"User-Agent: " + _AGENTS[i % len(_AGENTS)],
        b"Accept: application/json, text/plain;q=0.9, */*;q=0.8",
        b"Accept-Encoding: gzip, deflate, br",
        b"Accept-Language: en-GB,en;q=0.7",
        b"Connection: keep-alive",
        b"X-Request-Id: %024x" % (i * 2654435761 % 2**64),
    ]
    if i % 3 == 0:
        lines.append(b"Cookie: session=%040x" % (i * 40503))
    if i % 5 == 0:
        lines.append(b"Cache-Control: no-cache")
    return b"\r\n".join(lines) + b"\r\n\r\n"


HEADS = [_http_head(i) for i in range(N_HEADS)]
assert all(300 <= len(head) <= 500 for head in HEADS), sorted({len(h) for h in HEADS})


def test_readuntil_http(bench, impl):
    data = b"".join(HEADS)

    def setup():
        return prefed(impl, [data])

    async def body(reader):
        readuntil = reader.readuntil
        for _ in range(N_HEADS):
            head = await readuntil(b"\r\n\r\n")
        return head

    last = bench("readuntil", ops=N_HEADS, unit="head", setup=setup, body=body, rounds=25)
    assert last == HEADS[-1]


# -- 5. bulk read(65536) over 16 MiB fed in 64 KiB chunks ---------------------

BULK_CHUNK = 64 * 1024
BULK_CHUNKS = [bytes([i % 251]) * BULK_CHUNK for i in range(256)]  # 16 MiB


def test_read_bulk(bench, impl):
    def setup():
        return prefed(impl, BULK_CHUNKS)

    async def body(reader):
        read = reader.read
        for _ in range(len(BULK_CHUNKS)):
            data = await read(BULK_CHUNK)
        return data

    last = bench(
        "bulk read(65536)", ops=len(BULK_CHUNKS), unit="64 KiB", setup=setup, body=body, rounds=15
    )
    assert last == BULK_CHUNKS[-1]


# -- 5b. bulk readinto a reused 64 KiB buffer, over the same 16 MiB ------------
#
# fastio's own readinto() against what a caller of asyncio's reader writes
# for it: read(65536) and the copy into its buffer.


def test_readinto_bulk(bench, impl):
    buffer = bytearray(BULK_CHUNK)

    async def read_and_copy(reader):
        read = reader.read
        for _ in range(len(BULK_CHUNKS)):
            data = await read(BULK_CHUNK)
            buffer[:len(data)] = data
        return len(data)

    async def readinto(reader):
        into = reader.readinto
        for _ in range(len(BULK_CHUNKS)):
            count = await into(buffer)
        return count

    # (asyncio's reader has no readinto(): the caller reads and copies.)
    count = bench(
        "bulk readinto(65536)", ops=len(BULK_CHUNKS), unit="64 KiB",
        setup=lambda: prefed(impl, BULK_CHUNKS),
        body=readinto if hasattr(impl.StreamReader, "readinto") else read_and_copy, rounds=15,
    )
    assert count == BULK_CHUNK and buffer == BULK_CHUNKS[-1]


# -- 6. one long line fed 100 bytes at a time to a pending readline -----------

LONG_LIMIT = 4 * 1024 * 1024  # above both sizes, the same for both


@pytest.mark.parametrize(
    "size, label, rounds",
    [(256 * 1024, "256 KiB", 5), (1024 * 1024, "1 MiB", 2)],
    ids=["256KiB", "1MiB"],
)
def test_long_line(bench, impl, size, label, rounds):
    line = b"y" * (size - 1) + b"\n"
    pieces = [line[i : i + 100] for i in range(0, size, 100)]

    def setup():
        return impl.StreamReader(limit=LONG_LIMIT)

    async def body(reader):
        feed_data, sleep = reader.feed_data, asyncio.sleep
        pending = asyncio.ensure_future(reader.readline())
        await sleep(0)  # readline starts and waits for data
        for piece in pieces:
            feed_data(piece)
            # Let the pending readline wake up and look at every piece, as it
            # would with a transport delivering them one by one.
            await sleep(0)
        return await pending

    result = bench(
        f"long line {label}",
        ops=size,
        unit="byte",
        setup=setup,
        body=body,
        rounds=rounds,
        warmup_rounds=1,
        extra={"line_bytes": size},
    )
    assert result == line
