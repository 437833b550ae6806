"""The connection functions over real sockets, on asyncio's event loop and
on uvloop's: echo on 127.0.0.1, ::1 and Unix sockets, keyword pass-through,
TLS (ssl=, and writer.start_tls() on 3.11+), mixed readers and writers,
install()/uninstall() and asyncio's subprocess streams.

Every test runs on ``asyncio`` and on ``fastio`` (conftest.py's ``impl``),
each on both event loops (``net_loop``).  Only loopback addresses and Unix
sockets in a fresh temporary directory are used; every wait is bounded.
"""
import asyncio
import contextlib
import os
import random
import shutil
import socket
import ssl
import sys
import tempfile
import warnings

import pytest

import fastio
from support import compiled, installed

pytestmark = pytest.mark.network

PY = sys.version_info[:2]
TIMEOUT = 10
NAMES = ("StreamReader", "StreamWriter", "StreamReaderProtocol", "open_connection",
         "start_server", "open_unix_connection", "start_unix_server")
HAS_UNIX = hasattr(socket, "AF_UNIX")
needs_unix = pytest.mark.skipif(not HAS_UNIX, reason="no Unix sockets on this platform")

# asyncio's own objects, taken when this module is imported (not installed).
assert not fastio.installed()
ORIGINALS = {(module, name): getattr(module, name)
             for module in (asyncio, asyncio.streams)
             for name in NAMES if hasattr(module, name)}


# --------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _never_left_installed():
    yield
    leaked = fastio.installed()
    fastio.uninstall()
    assert not leaked, "a test left fastio installed"
    for (module, name), original in ORIGINALS.items():
        assert getattr(module, name) is original, name


def is_uvloop(loop):
    return type(loop).__module__.startswith("uvloop")


def arun(loop, coro, timeout=TIMEOUT):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def ipv6_loopback():
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture(params=["127.0.0.1", "::1"])
def host(request):
    if request.param == "::1" and not ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback (::1 cannot be bound)")
    return request.param


@pytest.fixture
def unix_path():
    if not HAS_UNIX:
        pytest.skip("no Unix sockets on this platform")
    # A short directory of its own: Unix socket paths are limited to ~100 bytes.
    directory = tempfile.mkdtemp(prefix="fastio-")
    try:
        yield os.path.join(directory, "s")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def tls():
    """(server context, client context) for a CA and a certificate for
    localhost / 127.0.0.1 / ::1 made by trustme."""
    trustme = pytest.importorskip(
        "trustme", reason="trustme (requirements/dev.in) is not installed")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    client = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(client)
    return server, client


class Echo:
    """A client_connected_cb that echoes until EOF, noting what it was given."""

    def __init__(self):
        self.seen = []
        self.tasks = []
        self.errors = []

    async def __call__(self, reader, writer):
        self.seen.append((type(reader), type(writer), writer))
        self.tasks.append(asyncio.current_task())
        try:
            await self.serve(reader, writer)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def serve(self, reader, writer):
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    async def finish(self):
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=TIMEOUT)
        assert self.errors == []


@contextlib.asynccontextmanager
async def serving(server):
    try:
        yield server
    finally:
        server.close()
        await server.wait_closed()


async def exchange(reader, writer):
    """Pipelined small and large writes, then request/response: what comes
    back is exactly what was sent."""
    sent = bytearray()
    for i in range(40):
        for j in range(25):
            sent += b"%d.%d;" % (i, j)
        if i % 8 == 0:
            sent += bytes([i]) * 40000
    reading = asyncio.ensure_future(reader.readexactly(len(sent)))
    at = 0
    for i in range(40):
        for j in range(25):
            piece = b"%d.%d;" % (i, j)
            writer.write(piece)
            at += len(piece)
        if i % 8 == 0:
            writer.write(sent[at:at + 40000])
            at += 40000
        if i % 3 == 0:
            await writer.drain()
        else:
            await asyncio.sleep(0)
    await writer.drain()
    assert await reading == bytes(sent)
    for i in range(30):
        writer.write(b"ping ")
        writer.write(b"%d\n" % i)
        assert await reader.readline() == b"ping %d\n" % i


async def finish_client(reader, writer):
    if writer.can_write_eof():
        writer.write_eof()
        assert await reader.read() == b""
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()


# --------------------------------------------------------------------------
# Echo over TCP and Unix sockets
# --------------------------------------------------------------------------


def test_tcp_echo(impl, net_loop, host):
    echo = Echo()

    async def body():
        server = await impl.start_server(echo, host, 0)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader, writer = await impl.open_connection(host, port)
            assert type(reader) is impl.StreamReader
            assert type(writer) is impl.StreamWriter
            assert writer.get_extra_info("peername")[:2] == (host, port)
            await exchange(reader, writer)
            await finish_client(reader, writer)
            await echo.finish()

    arun(net_loop, body())
    assert [(r, w) for r, w, _ in echo.seen] == [(impl.StreamReader, impl.StreamWriter)]


def test_unix_echo(impl, net_loop, unix_path):
    echo = Echo()

    async def body():
        server = await impl.start_unix_server(echo, unix_path)
        async with serving(server):
            reader, writer = await impl.open_unix_connection(unix_path)
            assert type(reader) is impl.StreamReader
            assert type(writer) is impl.StreamWriter
            await exchange(reader, writer)
            await finish_client(reader, writer)
            await echo.finish()

    arun(net_loop, body())
    assert [(r, w) for r, w, _ in echo.seen] == [(impl.StreamReader, impl.StreamWriter)]


class LineEcho(Echo):
    """Echoes line by line, draining every 64 lines: with pipelined input,
    fastio's writer batches the answers while requests wait unread."""

    async def serve(self, reader, writer):
        n = 0
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(line)
            n += 1
            if n % 64 == 0:
                await writer.drain()
        await writer.drain()
        writer.write_eof()


@pytest.mark.parametrize("client_reads", ["along", "after a pause"])
def test_pipelined_line_echo(impl, net_loop, client_reads):
    # Lines of 1 byte to 30 KiB; the client sends all of them while it reads
    # the echo in another task, which (second case) first lets the server's
    # output back up until its drain() waits.
    echo = LineEcho()
    rnd = random.Random(11)
    lines = [b"%d:" % i + b"x" * rnd.choice([0, 1, 60, 500, 4000, 30000]) + b"\n"
             for i in range(4000)]
    sent = b"".join(lines)

    async def body():
        server = await impl.start_server(echo, "127.0.0.1", 0)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader, writer = await impl.open_connection("127.0.0.1", port)

            async def receive():
                if client_reads != "along":
                    await asyncio.sleep(0.2)
                return await reader.read()

            receiving = asyncio.ensure_future(receive())
            for i in range(0, len(lines), 100):
                writer.writelines(lines[i:i + 100])
                await writer.drain()
            writer.write_eof()
            assert await receiving == sent
            writer.close()
            await writer.wait_closed()
            await echo.finish()

    arun(net_loop, body(), timeout=60)


def test_many_clients_at_once(impl, net_loop):
    echo = Echo()

    async def client(port, n):
        reader, writer = await impl.open_connection("127.0.0.1", port)
        for i in range(50):
            writer.write(b"c%d-" % n)
            writer.write(b"%d\n" % i)
        lines = [await reader.readline() for _ in range(50)]
        assert lines == [b"c%d-%d\n" % (n, i) for i in range(50)]
        await finish_client(reader, writer)

    async def body():
        server = await impl.start_server(echo, "127.0.0.1", 0)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            await asyncio.gather(*(client(port, n) for n in range(20)))
            await echo.finish()

    arun(net_loop, body())
    assert len(echo.seen) == 20
    assert all(w is impl.StreamWriter for _, w, _ in echo.seen)


def test_server_writer_is_told_of_a_client_that_leaves(impl, net_loop):
    # The client resets the connection while the server writes 20 MB with
    # drain(): the server's drain() reports the loss instead of waiting
    # forever.
    outcome = []

    async def handler(reader, writer):
        try:
            outcome.append(("read", await reader.read()))
            for _ in range(20000):
                writer.write(b"x" * 1000)
                await writer.drain()
            outcome.append("wrote everything")
        except ConnectionError:
            outcome.append("connection error")
        finally:
            writer.close()
            handled.set()

    async def body():
        nonlocal handled
        handled = asyncio.Event()
        server = await impl.start_server(handler, "127.0.0.1", 0)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader, writer = await impl.open_connection("127.0.0.1", port)
            writer.write(b"by")
            writer.write(b"e")
            writer.write_eof()
            assert await reader.readexactly(1) == b"x"  # the server is writing
            writer.transport.abort()
            await handled.wait()

    handled = None
    arun(net_loop, body())
    assert outcome == [("read", b"bye"), "connection error"]


# --------------------------------------------------------------------------
# Keyword arguments pass through as with asyncio
# --------------------------------------------------------------------------


def test_sock_keyword(impl, net_loop):
    echo = Echo()

    async def body():
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        server = await impl.start_server(echo, sock=listener)
        async with serving(server):
            port = listener.getsockname()[1]
            client = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            client.setblocking(False)
            reader, writer = await impl.open_connection(sock=client)
            assert writer.get_extra_info("socket").fileno() == client.fileno()
            writer.write(b"via ")
            writer.write(b"sock\n")
            assert await reader.readline() == b"via sock\n"
            await finish_client(reader, writer)
            await echo.finish()

    arun(net_loop, body())


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT") or not sys.platform.startswith("linux"),
                    reason="reuse_port= is tested on Linux")
def test_reuse_port_keyword(impl, net_loop):
    echo = Echo()

    async def body():
        first = await impl.start_server(echo, "127.0.0.1", 0, reuse_port=True)
        async with serving(first):
            port = first.sockets[0].getsockname()[1]
            second = await impl.start_server(echo, "127.0.0.1", port, reuse_port=True)
            async with serving(second):
                for sock in first.sockets + second.sockets:
                    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
                reader, writer = await impl.open_connection("127.0.0.1", port)
                writer.write(b"shared\n")
                assert await reader.readline() == b"shared\n"
                await finish_client(reader, writer)
                await echo.finish()

    arun(net_loop, body())


def test_limit_keyword(impl, net_loop):
    limits = []

    async def handler(reader, writer):
        limits.append(reader._limit)
        try:
            await reader.readline()
        except ValueError as exc:
            writer.write(b"server: %s\n" % str(exc).encode())
        writer.close()

    async def body():
        server = await impl.start_server(handler, "127.0.0.1", 0, limit=10)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader, writer = await impl.open_connection("127.0.0.1", port, limit=100)
            assert reader._limit == 100
            writer.write(b"a line longer than ten bytes\n")
            answer = await reader.readline()
            writer.close()
            await writer.wait_closed()
            return answer

    answer = arun(net_loop, body())
    assert limits == [10]
    # Found or not depends on how the line arrived: either is over the limit.
    assert answer in (b"server: Separator is not found, and chunk exceed the limit\n",
                      b"server: Separator is found, but chunk is longer than limit\n")


async def _outcome(awaitable_factory):
    """(exception type, message, warnings) of awaiting what the factory makes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = await awaitable_factory()
        except Exception as exc:  # noqa: BLE001 - compared by the caller
            outcome = (type(exc), str(exc))
        else:
            if isinstance(result, tuple):
                result[1].close()
                await result[1].wait_closed()
            else:
                result.close()
                await result.wait_closed()
            outcome = None
    return outcome, [(w.category, str(w.message), os.path.basename(w.filename)) for w in caught]


@pytest.mark.parametrize("case", ["open-handshake-timeout", "server-handshake-timeout",
                                  "open-unknown-keyword", "server-unknown-keyword",
                                  "open-loop-keyword", "open-ssl-without-hostname"])
def test_keyword_errors_like_asyncio(impl, net_loop, case, tls):
    echo = Echo()

    async def body(module):
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            calls = {
                "open-handshake-timeout": lambda: module.open_connection(
                    "127.0.0.1", port, ssl_handshake_timeout=5),
                "server-handshake-timeout": lambda: module.start_server(
                    echo, "127.0.0.1", 0, ssl_handshake_timeout=5),
                "open-unknown-keyword": lambda: module.open_connection(
                    "127.0.0.1", port, no_such_option=1),
                "server-unknown-keyword": lambda: module.start_server(
                    echo, "127.0.0.1", 0, no_such_option=1),
                "open-loop-keyword": lambda: module.open_connection(
                    "127.0.0.1", port, loop=asyncio.get_running_loop()),
                "open-ssl-without-hostname": lambda: module.open_connection(
                sock=unconnected, ssl=tls[1]),
            }
            with socket.socket() as unconnected:
                result = await _outcome(calls[case])
            await echo.finish()
            return result

    got = arun(net_loop, body(impl))
    expected = arun(net_loop, body(asyncio))
    assert got == expected
    if case.endswith("handshake-timeout"):
        assert got[0] == (ValueError, "ssl_handshake_timeout is only meaningful with ssl")


@needs_unix
def test_unix_keyword_errors_like_asyncio(impl, net_loop, unix_path):
    async def body(module):
        results = []
        for factory in (
            lambda: module.start_unix_server(Echo(), unix_path, ssl_handshake_timeout=5),
            lambda: module.open_unix_connection(unix_path + "-missing"),
            lambda: module.open_unix_connection(unix_path, no_such_option=1),
        ):
            results.append(await _outcome(factory))
        return results

    got = arun(net_loop, body(impl))
    assert got == arun(net_loop, body(asyncio))
    assert got[0][0] == (ValueError, "ssl_handshake_timeout is only meaningful with ssl")


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------


def test_tls_echo(impl, net_loop, tls, host):
    server_ctx, client_ctx = tls
    echo = Echo()

    async def body():
        server = await impl.start_server(echo, host, 0, ssl=server_ctx,
                                         ssl_handshake_timeout=TIMEOUT)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader, writer = await impl.open_connection(
                host, port, ssl=client_ctx, server_hostname="localhost",
                ssl_handshake_timeout=TIMEOUT)
            assert writer.get_extra_info("sslcontext") is not None
            assert writer.get_extra_info("peercert")
            assert writer._protocol._over_ssl is True
            assert writer.can_write_eof() is False
            await exchange(reader, writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            await echo.finish()

    arun(net_loop, body())
    (reader_type, writer_type, server_writer), = echo.seen
    assert (reader_type, writer_type) == (impl.StreamReader, impl.StreamWriter)
    assert server_writer._protocol._over_ssl is True


def test_tls_eof_from_the_peer(impl, net_loop, tls):
    # Over TLS the protocol answers eof_received() with False; the reader
    # still sees EOF.
    server_ctx, client_ctx = tls

    async def handler(reader, writer):
        writer.write(b"greeting and goodbye")
        await writer.drain()
        writer.close()

    async def body():
        server = await impl.start_server(handler, "127.0.0.1", 0, ssl=server_ctx)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader, writer = await impl.open_connection(
                "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost")
            data = await reader.read()
            assert reader.at_eof()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            return data

    assert arun(net_loop, body()) == b"greeting and goodbye"


@pytest.mark.skipif(PY < (3, 11), reason="StreamWriter.start_tls() is new in 3.11")
def test_start_tls_end_to_end(impl, net_loop, tls):
    server_ctx, client_ctx = tls
    server_side = []

    async def handler(reader, writer):
        try:
            assert await reader.readline() == b"HELLO\n"
            writer.write(b"HELLO ")
            writer.write(b"YOURSELF\n")
            assert await reader.readline() == b"STARTTLS\n"
            # Two small writes, the second one held by fastio: start_tls()
            # must send both in the clear before the connection turns TLS
            # (the client starts its handshake once it has the whole line).
            writer.write(b"GO")
            writer.write(b" AHEAD\n")
            await writer.start_tls(server_ctx)
            server_side.append((writer.get_extra_info("sslcontext") is not None,
                                writer._protocol._over_ssl))
            while True:
                line = await reader.readline()
                if not line:
                    break
                writer.write(b"secure ")
                writer.write(line)
        except Exception as exc:  # noqa: BLE001 - reported below
            server_side.append(exc)
        finally:
            writer.close()
            handled.set()

    async def body():
        nonlocal handled
        handled = asyncio.Event()
        server = await impl.start_server(handler, "127.0.0.1", 0)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader, writer = await impl.open_connection("127.0.0.1", port)
            plain = writer.transport
            writer.write(b"HEL")
            writer.write(b"LO\n")
            assert await reader.readline() == b"HELLO YOURSELF\n"
            writer.write(b"START")
            writer.write(b"TLS\n")
            assert await reader.readline() == b"GO AHEAD\n"
            await writer.start_tls(client_ctx, server_hostname="localhost",
                                   ssl_handshake_timeout=TIMEOUT)
            assert writer.transport is not plain
            assert writer.get_extra_info("sslcontext") is not None
            assert writer._protocol._over_ssl is True
            for i in range(20):
                writer.write(b"line ")
                writer.write(b"%d\n" % i)
                assert await reader.readline() == b"secure line %d\n" % i
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            await handled.wait()

    handled = None
    arun(net_loop, body())
    assert server_side == [(True, True)]


# --------------------------------------------------------------------------
# Mixed use: a stock asyncio writer around fastio's reader, and the reverse
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mix", ["impl-reader+asyncio-writer", "asyncio-reader+impl-writer"])
def test_mixed_reader_and_writer(impl, net_loop, mix):
    reader_mod, writer_mod = (impl, asyncio) if mix.startswith("impl") else (asyncio, impl)
    echo = Echo()

    async def body():
        loop = asyncio.get_running_loop()
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader = reader_mod.StreamReader(loop=loop)
            protocol = reader_mod.StreamReaderProtocol(reader, loop=loop)
            transport, _ = await loop.create_connection(lambda: protocol, "127.0.0.1", port)
            writer = writer_mod.StreamWriter(transport, protocol, reader, loop)
            assert type(reader) is reader_mod.StreamReader
            assert type(writer) is writer_mod.StreamWriter
            await exchange(reader, writer)
            await finish_client(reader, writer)
            await echo.finish()

    arun(net_loop, body())


# --------------------------------------------------------------------------
# install() / uninstall()
# --------------------------------------------------------------------------


def test_install_swaps_the_names_and_uninstall_restores_them(impl):
    names = [name for name in NAMES if hasattr(asyncio.streams, name)]
    with installed(impl):
        for module in (asyncio, asyncio.streams):
            for name in names:
                assert getattr(module, name) is getattr(impl, name), (module.__name__, name)
        # Idempotent: a second install() changes nothing, and one uninstall()
        # still restores asyncio's own objects.
        if impl is fastio:
            fastio.install()
            assert fastio.installed()
            assert asyncio.open_connection is fastio.open_connection
    for (module, name), original in ORIGINALS.items():
        assert getattr(module, name) is original
    if impl is fastio:
        fastio.uninstall()   # a second uninstall() is harmless
        assert not fastio.installed()
    for (module, name), original in ORIGINALS.items():
        assert getattr(module, name) is original


def test_install_touches_nothing_else(impl):
    def snapshot():
        return {module.__name__: dict(vars(module)) for module in (asyncio, asyncio.streams)}

    before = snapshot()
    with installed(impl):
        during = snapshot()
    after = snapshot()
    assert after == before
    for module_name, namespace in during.items():
        changed = {k for k in namespace if namespace[k] is not before[module_name].get(k)}
        if compiled(impl):
            assert changed == {n for n in NAMES if n in namespace}
        else:
            # asyncio, or fastio's fallback: its names are asyncio's own.
            assert changed == set()


def test_code_using_asyncio_names_gets_the_installed_streams(impl, net_loop):
    seen = []

    async def handler(reader, writer):
        seen.append((type(reader), type(writer)))
        writer.write(await reader.readline())
        writer.close()

    async def body():
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        async with serving(server):
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            seen.append((type(reader), type(writer)))
            writer.write(b"through ")
            writer.write(b"asyncio\n")
            assert await reader.readline() == b"through asyncio\n"
            writer.close()
            await writer.wait_closed()

    with installed(impl):
        arun(net_loop, body())
    assert seen == [(impl.StreamReader, impl.StreamWriter)] * 2


@needs_unix
def test_unix_functions_through_asyncio_after_install(impl, net_loop, unix_path):
    seen = []

    async def handler(reader, writer):
        seen.append(type(writer))
        writer.write(await reader.read(5))
        writer.close()

    async def body():
        server = await asyncio.start_unix_server(handler, unix_path)
        async with serving(server):
            reader, writer = await asyncio.open_unix_connection(unix_path)
            seen.append(type(writer))
            writer.write(b"u")
            writer.write(b"nix!!")
            assert await reader.read() == b"unix!"
            writer.close()
            await writer.wait_closed()

    with installed(impl):
        arun(net_loop, body())
    assert seen == [impl.StreamWriter] * 2


def test_subprocess_streams_after_install(impl, net_loop):
    child = ("import sys\n"
             "data = sys.stdin.buffer.read()\n"
             "sys.stdout.buffer.write(data.upper())\n"
             "sys.stdout.buffer.write(b'\\nbye\\n')\n")

    async def body():
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", child,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        try:
            types = (type(proc.stdout), type(proc.stdin))
            for i in range(200):
                proc.stdin.write(b"line ")
                proc.stdin.write(b"%d;" % i)
            await proc.stdin.drain()
            proc.stdin.close()
            first = await proc.stdout.readuntil(b"\n")
            rest = await proc.stdout.read()
        finally:
            with contextlib.suppress(ProcessLookupError):
                if proc.returncode is None:
                    await asyncio.wait_for(proc.wait(), TIMEOUT)
        return types, first, rest, proc.returncode

    with installed(impl):
        types, first, rest, code = arun(net_loop, body(), timeout=30)
    assert types == (impl.StreamReader, impl.StreamWriter)
    assert first == b"".join(b"LINE %d;" % i for i in range(200)) + b"\n"
    assert rest == b"bye\n"
    assert code == 0


def test_subprocess_communicate_after_install(impl, net_loop):
    async def body():
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read()[::-1])",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        out, err = await proc.communicate(b"abcdef" * 1000)
        return type(proc.stdout), out, err, proc.returncode

    with installed(impl):
        kind, out, err, code = arun(net_loop, body(), timeout=30)
    assert kind is impl.StreamReader
    assert out == (b"abcdef" * 1000)[::-1]
    assert err is None and code == 0


def test_uninstall_in_finally_after_a_failure(impl, net_loop):
    # A failing body inside installed() still leaves asyncio as it was
    # (checked again by the autouse fixture).
    with pytest.raises(ZeroDivisionError):
        with installed(impl):
            assert asyncio.StreamWriter is impl.StreamWriter
            raise ZeroDivisionError
    for (module, name), original in ORIGINALS.items():
        assert getattr(module, name) is original
