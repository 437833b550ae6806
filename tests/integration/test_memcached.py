"""aiomcache against a real memcached, on plain asyncio and under fastio.install().

aiomcache opens its connections with ``asyncio.open_connection`` looked up at
call time, so under install() every reply it parses goes through fastio's
readline() (status lines, ``VALUE`` headers, ``STAT`` lines) and readexactly()
(value blocks, up to the server's 1 MiB item limit).

Tests either run one body twice (``streams``) with the same expectations, or
run a program under both and assert the two outcomes equal (``on_both``),
which is how the failures are checked: exception type, message and what the
client does next.
"""
import asyncio
import random

import pytest

import fastio
from compare import on_both

aiomcache = pytest.importorskip(
    "aiomcache", reason="aiomcache (requirements/dev.in) is not installed")

pytestmark = [pytest.mark.integration, pytest.mark.network]

TIMEOUT = 10

assert not fastio.installed()
ASYNCIO_READER = asyncio.StreamReader
ASYNCIO_WRITER = asyncio.StreamWriter


def arun(loop, coro, timeout=TIMEOUT):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


async def attempt(awaitable):
    """What a caller sees of one client call: ("ok", value) or ("raised", type, message)."""
    try:
        return ("ok", await awaitable)
    except Exception as exc:  # noqa: BLE001 - compared between the two runs
        return ("raised", type(exc), str(exc))


def payload(seed, size):
    """`size` reproducible bytes that include CR, LF and "END\\r\\n" runs, so a
    value read with readline() instead of readexactly() would come out wrong."""
    rng = random.Random(seed)
    pieces, total = [], 0
    while total < size:
        piece = rng.choice([b"\r\n", b"END\r\n", b"\n", b"VALUE k 0 1\r\n",
                            rng.randbytes(rng.randrange(1, 300))])
        pieces.append(piece)
        total += len(piece)
    return b"".join(pieces)[:size]


async def connection_types(client):
    """The reader and writer classes aiomcache's pool connected with."""
    conn = await client._pool.acquire()
    try:
        return type(conn.reader), type(conn.writer)
    finally:
        client._pool.release(conn)


def expected_types(streams):
    if streams == "fastio":
        return fastio.StreamReader, fastio.StreamWriter
    return ASYNCIO_READER, ASYNCIO_WRITER


# --------------------------------------------------------------------------
# Storage and retrieval
# --------------------------------------------------------------------------


def test_set_get_gets_cas(streams, loop, memcached_server):
    values = {
        b"empty": b"",
        b"crlf": b"\r\n",
        b"end-marker": b"END\r\n",
        b"header-lookalike": b"VALUE other 0 5\r\nhello\r\nEND\r\n",
        b"binary": bytes(range(256)) * 4,
        b"mixed": payload(1, 70_000),
    }

    async def body():
        client = aiomcache.Client(memcached_server.host, memcached_server.port)
        try:
            await client.flush_all()
            types = await connection_types(client)
            for key, value in values.items():
                assert await client.set(key, value) is True
            got = {key: await client.get(key) for key in values}
            missing = (await client.get(b"never-set"), await client.get(b"never-set", b"dflt"))
            value, token = await client.gets(b"crlf")
            cas_ok = await client.cas(b"crlf", b"new", token)
            cas_stale = await client.cas(b"crlf", b"newer", token)
            after_cas = await client.get(b"crlf")
            return types, got, missing, (value, type(token)), cas_ok, cas_stale, after_cas
        finally:
            await client.close()

    types, got, missing, gets, cas_ok, cas_stale, after_cas = arun(loop, body())
    assert types == expected_types(streams)
    assert got == values
    assert missing == (None, b"dflt")
    assert gets == (b"\r\n", int)
    assert (cas_ok, cas_stale, after_cas) == (True, False, b"new")


def test_multi_get_of_100_keys(streams, loop, memcached_server):
    keys = [b"key:%03d" % i for i in range(100)]
    # Every seventh key is never stored; the sizes run from 0 to ~40 KB.
    stored = {key: payload(i, (i * 397) % 40_000) for i, key in enumerate(keys) if i % 7}

    async def body():
        client = aiomcache.Client(memcached_server.host, memcached_server.port, pool_size=4)
        try:
            await client.flush_all()
            results = await asyncio.gather(*(client.set(k, v) for k, v in stored.items()))
            assert all(results)
            together = await client.multi_get(*keys)
            # The same keys one by one, several requests in flight on the pool.
            apart = await asyncio.gather(*(client.get(key) for key in keys))
            return together, tuple(apart)
        finally:
            await client.close()

    together, apart = arun(loop, body())
    expected = tuple(stored.get(key) for key in keys)
    assert together == expected
    assert apart == expected


def test_values_near_the_item_size_limit(memcached_server):
    seen_types = []

    async def program():
        client = aiomcache.Client(memcached_server.host, memcached_server.port)
        try:
            await client.flush_all()
            seen_types.append(await connection_types(client))
            # The server's item limit (-I, 1 MiB by default) holds the key,
            # the value and the item's header together.
            limit = int((await client.stats(b"settings"))[b"item_size_max"])
            under = payload(2, limit - 512)
            stored = await attempt(client.set(b"big", under))
            read_back = await client.get(b"big") == under
            at_limit = await attempt(client.set(b"big", b"a" * limit))
            over = await attempt(client.set(b"big", b"b" * (limit + 1)))
            # What is left under the key, and whether the client goes on.
            left = await attempt(client.get(b"big"))
            after = await attempt(client.set(b"small", b"fine"))
            return stored, read_back, at_limit, over, left, after, await client.get(b"small")
        finally:
            await client.close()

    plain, fast = on_both(program)
    assert plain == fast
    assert seen_types == [(ASYNCIO_READER, ASYNCIO_WRITER),
                          (fastio.StreamReader, fastio.StreamWriter)]
    assert plain[0] == "ok"
    stored, read_back, at_limit, over, left, after, small = plain[1]
    assert stored == ("ok", True) and read_back is True
    # memcached refuses both; aiomcache reports it as a ClientException.
    assert at_limit[:2] == over[:2] == ("raised", aiomcache.ClientException)
    assert after == ("ok", True) and small == b"fine"


def test_counters_and_conditional_commands(memcached_server):
    async def program():
        client = aiomcache.Client(memcached_server.host, memcached_server.port)
        calls = [
            ("set n", lambda: client.set(b"n", b"41")),
            ("incr", lambda: client.incr(b"n")),
            ("incr 1000", lambda: client.incr(b"n", 1000)),
            ("decr 2000", lambda: client.decr(b"n", 2000)),
            ("incr to 2**64-1", lambda: client.incr(b"n", 2**64 - 1)),
            ("incr wraps", lambda: client.incr(b"n", 1)),
            ("incr missing", lambda: client.incr(b"absent")),
            ("decr missing", lambda: client.decr(b"absent")),
            ("set text", lambda: client.set(b"text", b"abc")),
            ("incr text", lambda: client.incr(b"text")),
            ("add existing", lambda: client.add(b"text", b"x")),
            ("add new", lambda: client.add(b"fresh", b"x")),
            ("replace missing", lambda: client.replace(b"absent", b"x")),
            ("replace existing", lambda: client.replace(b"fresh", b"y")),
            ("append", lambda: client.append(b"text", b"\r\nEND")),
            ("prepend", lambda: client.prepend(b"text", b"VALUE ")),
            ("append missing", lambda: client.append(b"absent", b"x")),
            ("get text", lambda: client.get(b"text")),
            ("touch", lambda: client.touch(b"text", 1000)),
            ("touch missing", lambda: client.touch(b"absent", 1000)),
            ("delete", lambda: client.delete(b"fresh")),
            ("delete again", lambda: client.delete(b"fresh")),
            ("get deleted", lambda: client.get(b"fresh")),
            ("version", lambda: client.version()),
            ("stats", lambda: _stats_around_gets(client)),
            ("bad stats", lambda: client.stats(b"no-such-group")),
            ("after bad stats", lambda: client.get(b"n")),
            ("flush_all", lambda: client.flush_all()),
            ("get flushed", lambda: client.get(b"text")),
        ]
        try:
            await client.flush_all()
            return [(name, await attempt(call())) for name, call in calls]
        finally:
            await client.close()

    plain, fast = on_both(program)
    assert plain == fast
    assert plain[0] == "ok"
    results = dict(plain[1])
    # A sample of what memcached answered, so the comparison above compared
    # answers and not two identical failures.
    assert results["incr"] == ("ok", 42)
    assert results["incr to 2**64-1"] == ("ok", 2**64 - 1)
    assert results["incr wraps"] == ("ok", 0)
    assert results["incr text"][:2] == ("raised", aiomcache.ClientException)
    assert results["get text"] == ("ok", b"VALUE abc\r\nEND")
    assert results["version"][0] == "ok" and results["version"][1]
    names, deltas = results["stats"][1]
    assert {b"cmd_get", b"get_hits", b"get_misses", b"version"} <= set(names)
    assert deltas == (3, 2, 1)
    assert results["get flushed"] == ("ok", None)


async def _stats_around_gets(client):
    """The names `stats` lists, and how three gets (two hits) moved its counters."""
    counters = (b"cmd_get", b"get_hits", b"get_misses")
    before = await client.stats()
    await client.get(b"n")
    await client.get(b"text")
    await client.get(b"absent")
    after = await client.stats()
    return sorted(after), tuple(int(after[c]) - int(before[c]) for c in counters)


# --------------------------------------------------------------------------
# The server goes away
# --------------------------------------------------------------------------


def _crash_and_start(server):
    server.kill()
    server.start()


@pytest.mark.parametrize("how", ["restart", "crash-while-the-loop-runs", "down-then-up"])
def test_server_restart(own_server, how):
    """What aiomcache does when memcached goes away under its pooled connections.

    Only retrievals are issued on the connections that broke: aiomcache's
    simple commands (set, delete, version...) loop on readline() forever
    once a connection is at EOF, on asyncio as on fastio.
    """
    server = own_server("memcached")

    async def program():
        client = aiomcache.Client(server.host, server.port)
        seen = []
        try:
            seen.append(await attempt(client.set(b"k", b"before")))
            if how == "restart":
                server.restart()            # the loop does not run meanwhile
            elif how == "crash-while-the-loop-runs":
                await asyncio.get_running_loop().run_in_executor(None, _crash_and_start, server)
            else:
                server.kill()
            for _ in range(2):
                seen.append(await attempt(client.get(b"k")))
            if how == "down-then-up":
                server.start()
            seen.append(await attempt(client.get(b"k")))
            seen.append(await attempt(client.set(b"k", b"after")))
            seen.append(await attempt(client.get(b"k")))
            return seen
        finally:
            await client.close()

    plain, fast = on_both(program, timeout=TIMEOUT)
    # SIGKILL: memcached takes up to a second to act on own_server's SIGTERM.
    server.kill()
    assert plain == fast
    assert plain[0] == "ok"
    seen = plain[1]
    # Whatever came in between, the client recovered on the new server.
    assert seen[0] == ("ok", True)
    assert seen[-3:] == [("ok", None), ("ok", True), ("ok", b"after")]
    if how == "crash-while-the-loop-runs":
        # The pool saw both connections end and replaced them unasked.
        assert seen[1:3] == [("ok", None), ("ok", None)]
    else:
        # The first get went out on a dead connection.
        assert seen[1][:2] == ("raised", aiomcache.ClientException)
    if how == "down-then-up":
        # The next one found no server to connect to.
        assert seen[2][:2] == ("raised", ConnectionRefusedError)
