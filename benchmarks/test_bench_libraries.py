"""Client libraries, unchanged, on plain asyncio and after ``fastio.install()``.

What a program gets from ``fastio.install()`` without changing its code: the
same library calls timed on asyncio's streams and on fastio's, on asyncio's
default event loop and on uvloop (the ``loop`` fixture, parametrized):

    redis SET/GET             redis-py (``redis.asyncio``, its pure-Python
                              parser) against a real redis-server: SET then
                              GET of one key, awaited one at a time.
    redis pipeline(100)       the same client: pipelines of 100 commands (50
                              SET/GET pairs, no MULTI/EXEC), one execute() each.
    aiomcache set/get         aiomcache against a real memcached: set then get
                              of one key, awaited one at a time.
    aiomcache multi_get(100)  one multi_get of 100 keys, repeated.
    subprocess readline       ``asyncio.create_subprocess_exec``: a Python child
                              writes N_LINES lines to its stdout, the parent
                              reads them with ``proc.stdout.readline()``.

Fairness between the two: for fastio, ``install()`` comes before the client
connects (or the child is started) and ``uninstall()`` after the client is
closed (the ``installed`` fixture); every benchmark has a fresh event loop and
a fresh client, connected and filled before the timer starts, and checks that
the connection it made really reads through the implementation under test;
one redis-server and one memcached serve the whole run, both implementations;
and the passes (see conftest.py) interleave the implementations.

redis-py must not use hiredis: with it, redis-py reads the stream in large
``read()`` chunks and parses them in C, so its readline/readexactly path would
not be measured. The redis benchmarks skip if hiredis is installed.
"""
import asyncio
import gc
import sys

import pytest

# asyncio's own class, taken before any install() replaces the name.
ASYNCIO_READER = asyncio.streams.StreamReader

N_SEQUENTIAL = 1_000  # commands per round, SET/GET alternating
N_PIPELINES, PIPELINE = 40, 100  # pipelines per round, commands per pipeline
N_MULTI_GET, MULTI_KEYS = 100, 100  # multi_gets per round, keys per multi_get
N_LINES = 1_000_000  # lines per subprocess run, as the issue asks
LINE_SIZE = 64
VALUE = b"v" * 64  # every value stored

# Name in the JSON and the report -> what one round does, for the report.
WORKLOADS = {
    "redis SET/GET": f"{N_SEQUENTIAL:,} commands, SET then GET of one key, each awaited"
                     " before the next (redis-py's pure-Python parser, as for pipeline).",
    "redis pipeline(100)": f"{N_PIPELINES} pipelines of {PIPELINE} commands ({PIPELINE // 2}"
                           f" SET/GET pairs of {len(VALUE)}-byte values, transaction=False).",
    "aiomcache set/get": f"{N_SEQUENTIAL:,} commands, set then get of one key, each awaited"
                         " before the next.",
    "aiomcache multi_get(100)": f"{N_MULTI_GET} multi_get of {MULTI_KEYS} keys holding"
                                f" {len(VALUE)}-byte values.",
    "subprocess readline": f"a Python child writes {N_LINES:,} {LINE_SIZE}-byte lines to"
                           " stdout; proc.stdout.readline() until EOF, then proc.wait().",
}

LOOPS = ("default", "uvloop")
loop_kinds = pytest.mark.parametrize("loop", LOOPS, indirect=True)


# -- fixtures -----------------------------------------------------------------


def _serve(kind):
    """Run a ``servers.Server(kind)`` for a fixture; skip if it is not installed."""
    servers = pytest.importorskip("servers")
    try:
        server = servers.Server(kind).start()
    except servers.Unavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    yield from _serve("redis")


@pytest.fixture(scope="session")
def memcached_server():
    yield from _serve("memcached")


@pytest.fixture
def installed(impl):
    """``fastio.install()`` in force for the whole benchmark when impl is fastio."""
    if impl.__name__ != "fastio":
        yield
        return
    if not hasattr(impl, "install"):
        pytest.skip("fastio has no install()")
    impl.install()
    try:
        yield
    finally:
        impl.uninstall()


def run_checking_streams(loop, impl, coro):
    """Run ``coro`` on ``loop``, and check the StreamReaders it created are ``impl``'s.

    Fails if it created none, or one of another class: a library that kept
    asyncio's class from import time would otherwise be timed twice on asyncio.
    """
    gc.collect()
    before = {id(obj) for obj in gc.get_objects() if isinstance(obj, ASYNCIO_READER)}
    result = loop.run_until_complete(coro)
    made = [
        type(obj)
        for obj in gc.get_objects()
        if isinstance(obj, ASYNCIO_READER) and id(obj) not in before
    ]
    assert made, "the client created no StreamReader"
    assert all(cls is impl.StreamReader for cls in made), (
        f"readers made: {made}, not {impl.StreamReader}")
    return result


@pytest.fixture
def redis_client(impl, loop, installed, redis_server):
    redis_asyncio = pytest.importorskip("redis.asyncio")
    from redis.utils import HIREDIS_AVAILABLE

    if HIREDIS_AVAILABLE:
        pytest.skip("hiredis is installed: redis-py would parse with it, not the streams")
    client = redis_asyncio.Redis(host=redis_server.host, port=redis_server.port)

    async def connect():
        assert await client.ping()
        await client.flushall()

    run_checking_streams(loop, impl, connect())
    yield client
    # aclose() in recent redis-py, where close() is deprecated; older ones have only close().
    loop.run_until_complete((getattr(client, "aclose", None) or client.close)())


@pytest.fixture
def memcached_client(impl, loop, installed, memcached_server):
    aiomcache = pytest.importorskip("aiomcache")
    client = aiomcache.Client(memcached_server.host, memcached_server.port, pool_size=1)

    async def connect():
        await client.flush_all()

    run_checking_streams(loop, impl, connect())
    yield client
    loop.run_until_complete(client.close())


def run(bench, request, workload, library, **kwargs):
    """``bench(...)`` with what the report needs to place a library benchmark.

    ``library`` is the module that drives the streams; its version, if it has
    one, goes into the report.
    """
    extra = {
        "event_loop": request.node.callspec.params["loop"],
        "library": library,
        "desc": WORKLOADS[workload],
    }
    version = getattr(sys.modules[library], "__version__", None)
    if version:
        extra["library_version"] = version
    return bench(workload, extra=extra, **kwargs)


def run_sequential(bench, request, workload, library, client, key):
    """SET then GET of ``key``, each awaited, with a client whose set/get take (key, bytes)."""

    async def body(client):
        set_, get = client.set, client.get
        for i in range(N_SEQUENTIAL // 2):
            await set_(key, b"%d" % i)
            value = await get(key)
        return value

    last = run(
        bench, request, workload, library, ops=N_SEQUENTIAL, unit="command", rounds=5,
        setup=lambda: client, body=body,
    )
    assert last == b"%d" % (N_SEQUENTIAL // 2 - 1)


# -- redis-py -----------------------------------------------------------------


@loop_kinds
def test_redis_sequential(bench, redis_client, request):
    run_sequential(bench, request, "redis SET/GET", "redis", redis_client, "seq")


@loop_kinds
def test_redis_pipeline(bench, redis_client, request):
    keys = [f"pipe:{i}" for i in range(PIPELINE // 2)]

    async def body(client):
        for _ in range(N_PIPELINES):
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.set(key, VALUE)
                pipe.get(key)
            replies = await pipe.execute()
        return replies

    last = run(
        bench, request, "redis pipeline(100)", "redis", ops=N_PIPELINES * PIPELINE,
        unit="command", rounds=4, setup=lambda: redis_client, body=body,
    )
    assert last == [True, VALUE] * (PIPELINE // 2)


# -- aiomcache ------------------------------------------------------------------


@loop_kinds
def test_memcached_sequential(bench, memcached_client, request):
    run_sequential(bench, request, "aiomcache set/get", "aiomcache", memcached_client, b"seq")


@loop_kinds
def test_memcached_multi_get(bench, memcached_client, loop, request):
    keys = [b"multi:%d" % i for i in range(MULTI_KEYS)]

    async def fill():
        for key in keys:
            await memcached_client.set(key, VALUE)

    loop.run_until_complete(fill())

    async def body(client):
        multi_get = client.multi_get
        for _ in range(N_MULTI_GET):
            values = await multi_get(*keys)
        return values

    last = run(
        bench, request, "aiomcache multi_get(100)", "aiomcache",
        ops=N_MULTI_GET * MULTI_KEYS, unit="value", rounds=8,
        setup=lambda: memcached_client, body=body,
    )
    assert last == (VALUE,) * MULTI_KEYS


# -- asyncio subprocess ---------------------------------------------------------

# Writes "ready", then argv[1] lines of argv[2] bytes in blocks of 1,000 lines.
CHILD = """\
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout.buffer
out.write(b"ready\\n")
out.flush()
block = (b"x" * (size - 1) + b"\\n") * 1000
for _ in range(n // 1000):
    out.write(block)
out.write(block[: n % 1000 * size])
out.flush()
"""


@loop_kinds
def test_subprocess_readline(bench, impl, loop, installed, request):
    started = []

    def setup():
        # The child is started, and has started writing, before the timer starts.
        proc = run_checking_streams(loop, impl, asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, str(N_LINES), str(LINE_SIZE),
            stdout=asyncio.subprocess.PIPE,
        ))
        started.append(proc)
        assert loop.run_until_complete(proc.stdout.readline()) == b"ready\n"
        return proc

    async def body(proc):
        readline = proc.stdout.readline
        lines = 0
        while True:
            line = await readline()
            if not line:
                break
            lines += 1
            last = line
        await proc.wait()
        return lines, last, proc.returncode

    try:
        result = run(
            bench, request, "subprocess readline", "asyncio.subprocess", ops=N_LINES,
            unit="line", rounds=1, warmup_rounds=0, setup=setup, body=body,
        )
    finally:
        for proc in started:  # a failed run leaves no child behind
            if proc.returncode is None:
                proc.kill()
                loop.run_until_complete(proc.wait())
    assert result == (N_LINES, b"x" * (LINE_SIZE - 1) + b"\n", 0)
