"""redis-py's asyncio client (``redis.asyncio``) against a real redis-server,
on plain asyncio and with ``fastio.install()`` in force.

redis-py opens its connections with ``asyncio.open_connection`` looked up at
call time, so install() reaches it.  Every client here is given redis-py's
pure-Python parser for its protocol (RESP2 or RESP3) explicitly, so whether or
not hiredis is installed, replies are read with the stream's ``readline()``
and ``readexactly()``.

Each check holds for both: a test parametrized by ``streams`` with one set of
expectations, or one program run on each with ``outcome()`` and the two
results compared, exception type and message included.  Only 127.0.0.1;
every wait is bounded.
"""
import asyncio
import re

import pytest

import fastio
from compare import on_both

pytest.importorskip("redis", reason="redis (requirements/dev.in) is not installed")
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

try:
    from redis._parsers import _AsyncRESP2Parser, _AsyncRESP3Parser
    PARSERS = {2: _AsyncRESP2Parser, 3: _AsyncRESP3Parser}
except ImportError:  # redis-py < 5: RESP2 only, its parser beside the connection
    from redis.asyncio.connection import PythonParser
    PARSERS = {2: PythonParser}

pytestmark = [pytest.mark.integration, pytest.mark.network]

TIMEOUT = 10
MiB = 1 << 20

# The protocol redis-py speaks unless told (RESP2 before 8.0, RESP3 since).
LIBRARY_PROTOCOL = redis.asyncio.Connection().protocol
PROTOCOLS = [pytest.param(p, id=f"resp{p}", marks=pytest.mark.skipif(
    p not in PARSERS, reason="this redis-py has no RESP3")) for p in (2, 3)]

# asyncio's own classes, taken when this module is imported (not installed).
assert not fastio.installed()
ASYNCIO_READER = asyncio.StreamReader
ASYNCIO_WRITER = asyncio.StreamWriter


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def make_client(server, pool_class=None, protocol=LIBRARY_PROTOCOL, **kwargs):
    """A client on its own pool, with redis-py's pure-Python parser for
    `protocol` and no retries (a retry would hide the first error and add
    back-off sleeps)."""
    pool_class = pool_class or redis.asyncio.ConnectionPool
    single = kwargs.pop("single_connection_client", False)
    pool = pool_class(
        host=server.host, port=server.port, protocol=protocol,
        parser_class=PARSERS[protocol],
        retry=Retry(NoBackoff(), 0), socket_connect_timeout=TIMEOUT, **kwargs,
    )
    return redis.asyncio.Redis(connection_pool=pool, single_connection_client=single)


async def aclose(obj):
    """Close a client or pub/sub object: aclose() on redis-py >= 5.0.1,
    close() before (where newer versions warn that it is deprecated)."""
    closer = getattr(obj, "aclose", None) or obj.close
    await closer()


async def close_client(client):
    await aclose(client)
    # Redis(connection_pool=...) leaves the pool open: it is ours to close.
    await client.connection_pool.disconnect()


def describe(exc):
    return (type(exc), str(exc))


def run(coro):
    """Run `coro` on a new event loop, bounded."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(coro, TIMEOUT))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def payload(size, seed=0):
    """`size` bytes using every byte value, with CR/LF pairs throughout: a
    bulk reply must be read by length, never split at a line end."""
    unit = bytes((i * 7 + seed) % 256 for i in range(509)) + b"\r\n"
    return (unit * (size // len(unit) + 1))[:size]


@pytest.fixture
def prefix(request):
    """Keys of this test alone (the asyncio and fastio runs differ in name),
    with nothing a glob pattern would treat specially."""
    return "fastio-test:" + re.sub(r"[^\w-]", "_", request.node.name) + ":"


# --------------------------------------------------------------------------
# install() reaches redis-py's connections
# --------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_connections_use_the_installed_streams(redis_server, streams, protocol):
    async def main():
        client = make_client(redis_server, protocol=protocol, single_connection_client=True)
        try:
            assert await client.ping() is True
            conn = client.connection
            return (type(conn._reader), type(conn._writer), type(conn._parser),
                    conn._parser._stream is conn._reader)
        finally:
            await close_client(client)

    reader, writer, parser, parser_reads_reader = run(main())
    if streams == "fastio":
        assert (reader, writer) == (fastio.StreamReader, fastio.StreamWriter)
    else:
        assert (reader, writer) == (ASYNCIO_READER, ASYNCIO_WRITER)
    # redis-py's own Python parser reads the stream, not hiredis.
    assert parser is PARSERS[protocol]
    assert parser_reads_reader


def test_uninstall_gives_new_connections_asyncio_classes(redis_server):
    async def connection_classes():
        client = make_client(redis_server, single_connection_client=True)
        try:
            assert await client.ping() is True
            return type(client.connection._reader), type(client.connection._writer)
        finally:
            await close_client(client)

    fastio.install()
    try:
        installed = run(connection_classes())
    finally:
        fastio.uninstall()
    assert installed == (fastio.StreamReader, fastio.StreamWriter)
    assert run(connection_classes()) == (ASYNCIO_READER, ASYNCIO_WRITER)


# --------------------------------------------------------------------------
# Commands and replies
# --------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_set_get_incr(redis_server, streams, prefix, protocol):
    binary = bytes(range(256)) + b"\r\n$-1\r\n*3\r\n" + b"\r" * 10 + b"\n"

    async def main():
        client = make_client(redis_server, protocol=protocol)
        try:
            assert await client.set(prefix + "text", "héllo") is True
            assert await client.get(prefix + "text") == "héllo".encode()
            assert await client.set(prefix + "binary", binary) is True
            assert await client.get(prefix + "binary") == binary
            assert await client.set(prefix + "empty", b"") is True
            assert await client.get(prefix + "empty") == b""
            assert await client.get(prefix + "missing") is None
            assert await client.mget(
                [prefix + "text", prefix + "missing", prefix + "binary"]
            ) == ["héllo".encode(), None, binary]
            assert await client.incr(prefix + "n") == 1
            assert await client.incr(prefix + "n") == 2
            assert await client.incrby(prefix + "n", 40) == 42
            assert await client.get(prefix + "n") == b"42"
            assert await client.rpush(prefix + "list", b"a", b"\r\n", b"") == 3
            assert await client.lrange(prefix + "list", 0, -1) == [b"a", b"\r\n", b""]
            assert await client.delete(
                prefix + "text", prefix + "binary", prefix + "empty",
                prefix + "n", prefix + "list", prefix + "missing") == 5
            # A client decoding replies reads the same bytes as str.
            text = make_client(redis_server, protocol=protocol, decode_responses=True)
            try:
                await text.set(prefix + "text", "héllo\r\nwörld")
                assert await text.get(prefix + "text") == "héllo\r\nwörld"
                await text.delete(prefix + "text")
            finally:
                await close_client(text)
        finally:
            await close_client(client)

    run(main())


async def _wrong_type(server, prefix):
    client = make_client(server)
    try:
        await client.set(prefix + "k", "a string")
        try:
            await client.lpush(prefix + "k", "x")
        finally:
            # The error was a reply like any other: the connection goes on.
            assert await client.get(prefix + "k") == b"a string"
            await client.delete(prefix + "k")
    finally:
        await close_client(client)


async def _not_an_integer(server, prefix):
    client = make_client(server)
    try:
        await client.set(prefix + "k", "seven")
        try:
            await client.incr(prefix + "k")
        finally:
            await client.delete(prefix + "k")
    finally:
        await close_client(client)


async def _unknown_command(server, prefix):
    client = make_client(server)
    try:
        await client.execute_command("NO-SUCH-COMMAND", prefix, b"\r\n")
    finally:
        await close_client(client)


async def _wrong_arity(server, prefix):
    client = make_client(server)
    try:
        await client.execute_command("GET", prefix + "a", prefix + "b")
    finally:
        await close_client(client)


@pytest.mark.parametrize("program, message_start", [
    (_wrong_type, "WRONGTYPE Operation against a key holding the wrong kind of value"),
    (_not_an_integer, "value is not an integer or out of range"),
    (_unknown_command, "unknown command 'NO-SUCH-COMMAND'"),
    (_wrong_arity, "wrong number of arguments for 'get' command"),
], ids=["wrong-type", "not-an-integer", "unknown-command", "wrong-arity"])
def test_server_errors_are_the_same(redis_server, prefix, program, message_start):
    plain, fast = on_both(program, redis_server, prefix)
    assert plain[:2] == ("raised", redis.ResponseError), plain
    assert plain[2].startswith(message_start), plain
    assert fast == plain


# --------------------------------------------------------------------------
# Pipelines
# --------------------------------------------------------------------------


@pytest.mark.parametrize("transaction", [True, False], ids=["multi-exec", "plain"])
def test_pipeline_of_100_commands(redis_server, streams, prefix, transaction):
    async def main():
        client = make_client(redis_server)
        try:
            async with client.pipeline(transaction=transaction) as pipe:
                for i in range(25):
                    pipe.set(f"{prefix}{i}", payload(i * 37, seed=i))
                    pipe.get(f"{prefix}{i}")
                    pipe.incr(prefix + "counter")
                    pipe.get(prefix + "missing")
                results = await pipe.execute()
            assert len(results) == 100
            for i in range(25):
                assert results[4 * i:4 * i + 4] == [True, payload(i * 37, seed=i), i + 1, None]
            await client.delete(prefix + "counter", *(f"{prefix}{i}" for i in range(25)))
        finally:
            await close_client(client)

    run(main())


async def _pipeline_with_an_error(server, prefix, transaction, raise_on_error):
    client = make_client(server)
    try:
        await client.delete(prefix + "s")
        async with client.pipeline(transaction=transaction) as pipe:
            pipe.set(prefix + "s", "a string")
            for i in range(49):
                pipe.incr(prefix + "s" if i == 30 else prefix + "n")
            pipe.lpush(prefix + "s", "x")
            pipe.get(prefix + "s")
            results = await pipe.execute(raise_on_error=raise_on_error)
        await client.delete(prefix + "s", prefix + "n")
        return [describe(r) if isinstance(r, Exception) else r for r in results]
    finally:
        await close_client(client)


@pytest.mark.parametrize("raise_on_error", [True, False], ids=["raise", "return"])
@pytest.mark.parametrize("transaction", [True, False], ids=["multi-exec", "plain"])
def test_pipeline_errors_are_the_same(redis_server, prefix, transaction, raise_on_error):
    plain, fast = on_both(_pipeline_with_an_error, redis_server, prefix,
                          transaction, raise_on_error)
    if raise_on_error:
        assert plain[:2] == ("raised", redis.ResponseError), plain
        assert "of pipeline caused error" in plain[2], plain
    else:
        assert plain[0] == "ok", plain
        results = plain[1]
        assert len(results) == 52
        assert results[31][0] is redis.ResponseError
        assert results[50][0] is redis.ResponseError
        assert results[51] == b"a string"
    assert fast == plain


# --------------------------------------------------------------------------
# Pub/sub
# --------------------------------------------------------------------------


async def next_message(pubsub):
    """The next message of any kind (bounded by the caller's wait_for)."""
    for _ in range(TIMEOUT * 10):
        message = await pubsub.get_message(timeout=0.1)
        if message is not None:
            return message
    raise AssertionError("no pub/sub message came")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_pubsub(redis_server, streams, prefix, protocol):
    channel, pattern = prefix + "ch", prefix + "p*"
    bodies = [b"", b"one", b"\r\n", payload(70000, seed=3)] + [b"%d" % i for i in range(20)]

    async def main():
        client = make_client(redis_server, protocol=protocol)
        publisher = make_client(redis_server, protocol=protocol)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(channel)
            await pubsub.psubscribe(pattern)
            confirmations = [await next_message(pubsub) for _ in range(2)]
            assert [(m["type"], m["channel"], m["data"]) for m in confirmations] == [
                ("subscribe", channel.encode(), 1), ("psubscribe", pattern.encode(), 2)]

            for body in bodies:
                assert await publisher.publish(channel, body) == 1
            assert await publisher.publish(prefix + "pattern-only", b"p") == 1
            received = [await next_message(pubsub) for _ in range(len(bodies) + 1)]
            assert [(m["type"], m["channel"], m["data"]) for m in received] == (
                [("message", channel.encode(), body) for body in bodies]
                + [("pmessage", (prefix + "pattern-only").encode(), b"p")])

            await pubsub.unsubscribe(channel)
            await pubsub.punsubscribe(pattern)
            endings = [await next_message(pubsub) for _ in range(2)]
            assert [(m["type"], m["data"]) for m in endings] == [
                ("unsubscribe", 1), ("punsubscribe", 0)]
            assert await publisher.publish(channel, b"nobody") == 0
        finally:
            await aclose(pubsub)
            await close_client(publisher)
            await close_client(client)

    run(main())


# --------------------------------------------------------------------------
# Large values and many tasks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [MiB, MiB + 1, 5 * MiB + 3], ids=["1MiB", "1MiB+1", "5MiB+3"])
def test_large_values_round_trip(redis_server, streams, prefix, size):
    value = payload(size, seed=size % 251)

    async def main():
        client = make_client(redis_server)
        try:
            assert await client.set(prefix + "big", value) is True
            assert await client.strlen(prefix + "big") == size
            assert await client.get(prefix + "big") == value
            assert await client.getrange(prefix + "big", size - 10, -1) == value[-10:]
            # Two large replies back to back in one multi-bulk reply.
            assert await client.set(prefix + "big2", value[::-1]) is True
            assert await client.mget(prefix + "big", prefix + "big2") == [value, value[::-1]]
            await client.delete(prefix + "big", prefix + "big2")
        finally:
            await close_client(client)

    run(main())


@pytest.mark.parametrize("pool", ["unbounded", "blocking-4"])
def test_50_concurrent_tasks_on_one_pool(redis_server, streams, prefix, pool):
    async def worker(client, n):
        key = f"{prefix}{n}"
        value = payload(1000 + n * 100, seed=n)
        await client.set(key, value)
        for _ in range(10):
            await client.incr(key + ":count")
        got = await client.get(key)
        return got == value, await client.get(key + ":count")

    async def main():
        if pool == "unbounded":
            client = make_client(redis_server)
        else:
            client = make_client(redis_server, pool_class=redis.asyncio.BlockingConnectionPool,
                                 max_connections=4, timeout=TIMEOUT)
        try:
            results = await asyncio.gather(*(worker(client, n) for n in range(50)))
            assert results == [(True, b"10")] * 50
            expected = fastio.StreamReader if streams == "fastio" else ASYNCIO_READER
            connections = client.connection_pool._available_connections
            assert connections
            assert all(type(conn._reader) is expected for conn in connections)
            await client.delete(*(f"{prefix}{n}" for n in range(50)),
                                *(f"{prefix}{n}:count" for n in range(50)))
        finally:
            await close_client(client)

    run(main())


async def _until(condition):
    """Wait (bounded) for `condition()` to hold while the loop runs."""
    for _ in range(TIMEOUT * 200):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


async def _stale_connection(server, prefix, how):
    """Leave a connection in the pool with a reply unread, or closed by the
    server, and see what the pool's next command gets.  redis-py decides
    from the stream: ``at_eof()``, and since 5.x ``_buffer`` (on RESP2: with
    RESP3, redis-py 8 skips the check for its maintenance notifications)."""
    client, admin = make_client(server, protocol=2), make_client(server)
    try:
        await client.set(prefix + "k", b"value")
        pool = client.connection_pool
        conn = await pool.get_connection()
        reader = conn._reader
        if how == "unread-reply":
            await conn.send_command("PING")
            await _until(lambda: len(reader._buffer) > 0)
        else:
            await conn.send_command("CLIENT", "ID")
            client_id = await conn.read_response()
            await admin.execute_command("CLIENT", "KILL", "ID", client_id)
            await _until(reader.at_eof)
        await pool.release(conn)
        got = await client.get(prefix + "k")
        await client.delete(prefix + "k")
        return got, conn._reader is reader
    finally:
        await close_client(admin)
        await close_client(client)


@pytest.mark.parametrize("how", ["unread-reply", "closed-by-server"])
def test_pool_checks_stale_connections_the_same(redis_server, prefix, how):
    plain, fast = on_both(_stale_connection, redis_server, prefix, how)
    assert plain[0] == "ok", plain
    if how == "closed-by-server":
        # At EOF: the pool connects again and the GET is answered.
        assert plain[1] == (b"value", False)
    else:
        # Newer redis-py sees the bytes waiting and connects again; older
        # looks at EOF only, keeps the connection and reads the stale PONG.
        assert plain[1] in [(b"value", False), (b"PONG", True)], plain
    assert fast == plain


# --------------------------------------------------------------------------
# Timeouts and cancellation
# --------------------------------------------------------------------------


async def _blocking_read_times_out(server, prefix):
    """BLPOP waits 5 s on the server; the client gives up after 0.5 s."""
    client = make_client(server, socket_timeout=0.5)
    try:
        await client.delete(prefix + "empty")
        try:
            await client.blpop([prefix + "empty"], timeout=5)
        except redis.TimeoutError as exc:
            error = describe(exc)
        else:
            raise AssertionError("BLPOP did not time out")
        # redis-py dropped that connection; the client connects again.
        await client.rpush(prefix + "empty", b"x")
        # (A tuple before redis-py 8, a list since.)
        return error, list(await client.blpop([prefix + "empty"], timeout=1))
    finally:
        await close_client(client)


def test_read_timeout_is_the_same(redis_server, prefix):
    plain, fast = on_both(_blocking_read_times_out, redis_server, prefix)
    assert plain[0] == "ok", plain
    error, after = plain[1]
    assert error == (redis.TimeoutError,
                     f"Timeout reading from {redis_server.host}:{redis_server.port}")
    assert after == [(prefix + "empty").encode(), b"x"]
    assert fast == plain


async def _cancel_mid_reply(server, prefix):
    """Cancel a GET while its 8 MiB reply is arriving, then use the client."""
    size = 8 * MiB
    value = payload(size)
    client = make_client(server, single_connection_client=True)
    try:
        await client.set(prefix + "big", value)
        conn = client.connection
        reader = conn._reader
        task = asyncio.ensure_future(client.get(prefix + "big"))
        # An event-loop pass reads at most a few hundred KiB from a socket, so
        # the reply comes in over many passes: cancel once part of it is here.
        for _ in range(100000):
            await asyncio.sleep(0)
            if len(reader._buffer) > 0 or task.done():
                break
        midway = not task.done() and 0 < len(reader._buffer) < size
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            cancelled = True
        else:
            cancelled = False
        # redis-py drops a connection whose reply was cut short...
        dropped = conn._reader is None and not conn.is_connected
        # ...and the same client reads whole replies after.
        again = await client.get(prefix + "big") == value
        small = await client.incr(prefix + "n")
        reconnected = conn._reader is not None and conn._reader is not reader
        await client.delete(prefix + "big", prefix + "n")
        return {"midway": midway, "cancelled": cancelled, "dropped": dropped,
                "again": again, "small": small, "reconnected": reconnected}
    finally:
        await close_client(client)


def test_cancel_mid_reply_is_the_same(redis_server, prefix):
    plain, fast = on_both(_cancel_mid_reply, redis_server, prefix)
    assert plain == ("ok", {"midway": True, "cancelled": True, "dropped": True,
                            "again": True, "small": 1, "reconnected": True})
    assert fast == plain


# --------------------------------------------------------------------------
# The server killed mid-pipeline
# --------------------------------------------------------------------------


async def _observe_after_kill(client, task):
    """What the pipeline's caller and the next command see."""
    observed = []
    for attempt in (lambda: asyncio.wait_for(task, TIMEOUT), client.ping):
        try:
            await attempt()
        except redis.RedisError as exc:
            observed.append(describe(exc))
        else:
            observed.append("no error")
    return observed


async def _killed_while_pipeline_blocks(server):
    """99 replies arrive, then the server dies while BLPOP, the 100th
    command, waits."""
    client, watcher = make_client(server), make_client(server)
    try:
        async with client.pipeline(transaction=False) as pipe:
            for _ in range(99):
                pipe.incr("killed:n")
            pipe.blpop(["killed:empty"], timeout=0)
            task = asyncio.ensure_future(pipe.execute())
            for _ in range(TIMEOUT * 100):
                if (await watcher.info("clients"))["blocked_clients"] == 1:
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("the pipeline never blocked")
            server.kill()
            return await _observe_after_kill(client, task)
    finally:
        await close_client(watcher)
        await close_client(client)


async def _killed_mid_reply(server):
    """The server dies once a transaction's 25 MiB reply has begun to arrive
    (more than the kernel's socket buffers hold: the rest dies with it)."""
    client = make_client(server)
    try:
        await client.set("killed:big", payload(256 * 1024))
        # The pool's one connection, which the pipeline will take.
        [conn] = client.connection_pool._available_connections
        reader = conn._reader
        async with client.pipeline(transaction=True) as pipe:
            for _ in range(100):
                pipe.get("killed:big")
            task = asyncio.ensure_future(pipe.execute())
            for _ in range(100000):
                await asyncio.sleep(0)
                if len(reader._buffer) > 0 or task.done():
                    break
            if task.done():
                raise AssertionError("the reply came before the server could be killed")
            server.kill()
            return await _observe_after_kill(client, task)
    finally:
        await close_client(client)


@pytest.mark.parametrize("program", [_killed_while_pipeline_blocks, _killed_mid_reply],
                         ids=["blocked", "mid-reply"])
def test_server_killed_mid_pipeline(own_server, program):
    server = own_server("redis")
    # Started again on the same port, so the messages (which name it) can match.
    plain, fast = on_both(program, server, between=server.start)
    assert plain[0] == "ok", plain
    pipeline_error, next_error = plain[1]
    # The rest of the reply never comes: the stream's EOF, in redis-py's words.
    assert pipeline_error == (redis.ConnectionError, "Connection closed by server.")
    # Nobody listens on the port any more.
    assert next_error[0] is redis.ConnectionError
    assert f"connecting to {server.host}:{server.port}" in next_error[1], next_error
    assert fast == plain
