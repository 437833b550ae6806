"""Loopback network benchmarks: a server process per implementation, a cheap client here.

Each server (benchmarks/netserver.py: asyncio streams, fastio streams, or a
raw ``asyncio.Protocol`` baseline, on asyncio's default loop or on uvloop)
runs in its own process on 127.0.0.1 and is started the first time a
benchmark needs it (then given a short untimed run of every workload) and
stopped at the end of this module. The client is plain
blocking or non-blocking sockets in this process, so that its own cost stays
small next to the server's:

    line echo   N_LINES 64-byte lines, pre-built, sent with one sendall() in a
                thread while this thread recv_into()s the echo; the echo must
                equal what was sent.
    frames      N_FRAMES length-prefixed frames (4-byte big-endian length +
                60-byte payload), the same way.
    bulk        BULK_MIB MiB client -> server in 1 MiB sendall()s, then
                shutdown(SHUT_WR); the server's byte count must match.
    asyncio_tcp TCPBULK_CHUNKS x 10 MiB sendall()s, the same way; the server
                reads with read(10 MiB), as the reading side of pyperformance's
                asyncio_tcp benchmark does (its other side, 10 MiB writes and
                drains, is the transport's work whatever the streams).

and the request/response workloads, CONNECTIONS connections driven by one
epoll loop, each sending its next request only when the whole reply to the
previous one is in, and each reply checked:

    ping-pong   ROUND_TRIPS 64-byte lines per connection, echoed.
    HTTP        ROUND_TRIPS HTTP/1.1 request heads of about 175 bytes per
                connection, each answered with a 140-byte response.
    1 KiB echo  ROUND_TRIPS 1,000-byte messages per connection, echoed by
                read(n) + write (uvloop's examples/bench echo shape).
    churn       CHURN_CONNECTIONS connections, CONNECTIONS at a time: connect,
                send one line, read the echo and the server's close, close;
                measured per connection.

What is measured is the server's CPU time (user + system, from getrusage in
the server, asked for over its stdin just before and just after the workload)
and the wall time of the workload as the client sees it. Connection set-up is
outside the measurement for line echo, frames and the request/response
workloads (each connection first makes one untimed exchange, so the server
has accepted it and its handler is running); churn measures it and nothing
else; the bulk servers answer only at EOF, so their accept, the EOF handling
and the reply are inside it (a few syscalls next to hundreds of MiB).

Every (workload, loop, server) is measured several times: REPEATS for the
pipelined workloads, whose ratios are far from 1, and PAIRS for the others.
The runs go repetition by repetition; inside one, the three servers of a
(workload, loop) run back to back, asyncio before fastio in odd repetitions
and after it in even ones, the raw protocol last. benchmarks/report.py
compares the servers repetition by repetition (fastio / asyncio of the same
repetition is one pair) and prints the median pair with the lowest and the
highest.

FASTIO_BENCH_SCALE (default 1) multiplies every count, for quick checks;
the figures of a scaled-down run are not comparable with a full one. Each run
is one pytest-benchmark benchmark (``pedantic``, one round) whose
``extra_info`` holds the figures.
"""
import importlib
import os
import select
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from netserver import HTTP_RESPONSE
from workloads import LOOPS, NET_SERVERS

SERVER_SCRIPT = Path(__file__).with_name("netserver.py")

REPEATS = 3  # pipelined and bulk workloads
PAIRS = 5  # request/response and asyncio_tcp: asyncio/fastio pairs
SCALE = float(os.environ.get("FASTIO_BENCH_SCALE", "1"))


def scaled(count):
    return max(1, round(count * SCALE))


N_LINES = scaled(200_000)
N_FRAMES = scaled(200_000)
CONNECTIONS = 50
ROUND_TRIPS = scaled(2_000)  # per connection
CHURN_CONNECTIONS = scaled(20_000)
BULK_MIB = scaled(256)
TCPBULK_CHUNKS = scaled(32)

LINE_SIZE = 64
FRAME_PAYLOAD = 60
ECHO_SIZE = 1000
BULK_CHUNK = 1024 * 1024
TCPBULK_CHUNK = 10 * 1024 * 1024
RECV_SIZE = 1024 * 1024

START_TIMEOUT = 30.0  # server start-up, until it prints its ports
CONTROL_TIMEOUT = 10.0  # one stdin/stdout command
SOCKET_TIMEOUT = 30.0  # any one blocking send/recv of the client
RUN_TIMEOUT = 60.0  # request/response: the longest wait for any reply

ROUND_TRIPS_TEXT = f"{CONNECTIONS} connections x {ROUND_TRIPS:,} round trips"
# id -> (name in the JSON and the report, unit, messages per run, repetitions,
# description)
WORKLOADS = {
    "echo": ("line echo", "line", N_LINES, REPEATS,
             f"{N_LINES:,} pipelined {LINE_SIZE}-byte lines on one connection; the server"
             " echoes each with write(), drain() every 64 lines."),
    "frames": ("frames", "frame", N_FRAMES, REPEATS,
               f"{N_FRAMES:,} pipelined frames (4-byte length + {FRAME_PAYLOAD} bytes) on one"
               " connection; readexactly(4) + readexactly(n), one write() per frame,"
               " drain() every 64."),
    "pingpong": ("ping-pong", "round trip", CONNECTIONS * ROUND_TRIPS, PAIRS,
                 f"{ROUND_TRIPS_TEXT} of a {LINE_SIZE}-byte line; readline, write, drain"
                 " per line."),
    "http": ("HTTP keep-alive", "request", CONNECTIONS * ROUND_TRIPS, PAIRS,
             f"{ROUND_TRIPS_TEXT}: a request head of about 175 bytes,"
             f" readuntil(b'\\r\\n\\r\\n'), a {len(HTTP_RESPONSE)}-byte response, drain."),
    "echo1k": ("1 KiB echo", "message", CONNECTIONS * ROUND_TRIPS, PAIRS,
               f"{ROUND_TRIPS_TEXT} of a {ECHO_SIZE:,}-byte message; read(65536), write,"
               " drain (uvloop's echo server shape)."),
    "churn": ("churn", "connection", CHURN_CONNECTIONS, PAIRS,
              f"{CHURN_CONNECTIONS:,} connections, {CONNECTIONS} at a time: connect, one"
              f" {LINE_SIZE}-byte line, its echo, the server closes; per connection."),
    "bulk": ("bulk", "MiB", BULK_MIB, REPEATS,
             f"{BULK_MIB} MiB client -> server; read(65536) until EOF, then the byte count"
             " is sent back."),
    "tcpbulk": ("asyncio_tcp", "MiB", TCPBULK_CHUNKS * TCPBULK_CHUNK // 2**20, PAIRS,
                f"{TCPBULK_CHUNKS} x 10 MiB sendall()s client -> server; read(10 MiB) until"
                " EOF (pyperformance asyncio_tcp's reading side), then the byte count."),
}


# -- payloads ---------------------------------------------------------------


def _line(tag, i):
    """A 64-byte line, distinct for each (tag, i)."""
    return (b"%s %09d " % (tag, i)).ljust(LINE_SIZE - 1, b"x") + b"\n"


def _frame(i):
    payload = (b"frame %09d " % i).ljust(FRAME_PAYLOAD, b".")
    return struct.pack(">I", len(payload)) + payload


def _http_request(c, i):
    """A request head of about 175 bytes, distinct for each (c, i)."""
    return (
        b"GET /items/%d?page=%d HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\n"
        b"User-Agent: fastio-bench/1.0\r\n"
        b"Accept: application/json, */*;q=0.8\r\n"
        b"Accept-Encoding: gzip, deflate\r\n"
        b"Connection: keep-alive\r\n"
        b"\r\n" % (c, i)
    )


# 1 KiB echo: each connection cycles through a few messages of its own.
ECHO_VARIANTS = 8


def _message(c, i):
    return (b"%02d %d " % (c, i)).ljust(ECHO_SIZE, b"m")


_payloads = {}


def payload(name):
    """The pre-built data of one workload (built once, on first use)."""
    if name not in _payloads:
        if name == "echo":
            data = b"".join(_line(b"echo", i) for i in range(N_LINES))
        elif name == "frames":
            data = b"".join(_frame(i) for i in range(N_FRAMES))
        elif name == "pingpong":
            data = [
                [_line(b"c%02d" % c, i) for i in range(ROUND_TRIPS)] for c in range(CONNECTIONS)
            ]
        elif name == "http":
            data = [
                [_http_request(c, i) for i in range(ROUND_TRIPS)] for c in range(CONNECTIONS)
            ]
        elif name == "echo1k":
            data = []
            for c in range(CONNECTIONS):
                variants = [_message(c, v) for v in range(ECHO_VARIANTS)]
                data.append([variants[i % ECHO_VARIANTS] for i in range(ROUND_TRIPS)])
        elif name == "churn":
            data = [_line(b"churn", i) for i in range(CHURN_CONNECTIONS)]
        elif name == "bulk":
            data = bytes(range(256)) * (BULK_CHUNK // 256)
        elif name == "tcpbulk":
            data = b"x" * TCPBULK_CHUNK
        _payloads[name] = data
    return _payloads[name]


assert len(_line(b"c49", ROUND_TRIPS)) == LINE_SIZE
assert len(_frame(N_FRAMES)) == 4 + FRAME_PAYLOAD
assert all(170 <= len(_http_request(c, i)) <= 200 for c, i in ((0, 0), (49, 10**6)))
assert len(_message(49, 10**6)) == ECHO_SIZE


# -- server processes ---------------------------------------------------------


class ServerError(Exception):
    pass


class Server:
    """One netserver.py process; ``cpu()`` asks for its CPU seconds so far.

    ``prefix`` is a command to run it under (benchmarks/profile_roundtrip.py
    runs it under valgrind), ``start_timeout`` how long it may take to start.
    """

    def __init__(self, impl, loop, prefix=(), start_timeout=START_TIMEOUT):
        self.impl, self.loop = impl, loop
        self.name = f"{impl} streams" if impl != "raw" else "raw Protocol"
        env = dict(os.environ)
        # The server imports the same fastio as this process.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_fastio_root(), env.get("PYTHONPATH")]))
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, str(SERVER_SCRIPT), "--impl", impl, "--loop", loop],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )
        self._out = b""
        try:
            ready = self._readline(start_timeout).split()
            if not ready or ready[0] != b"ready":
                raise ServerError(f"unexpected first line {b' '.join(ready)!r}")
            self.ports = {k.decode(): int(v) for k, v in (w.split(b"=") for w in ready[1:])}
        except BaseException:
            self.stop()
            raise

    def _readline(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._out:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ServerError(f"{self.name} ({self.loop}): no answer in {timeout:g} s"
                                  + self.stderr_tail())
            chunk = os.read(fd, 4096)
            if not chunk:
                try:
                    status = self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    status = "still running, stdout closed"
                raise ServerError(f"{self.name} ({self.loop}) exited (status {status})"
                                  + self.stderr_tail())
            self._out += chunk
        line, _, self._out = self._out.partition(b"\n")
        return line

    def cpu(self):
        """(user+system CPU seconds of the server so far, handler errors so far)."""
        try:
            self.proc.stdin.write(b"cpu\n")
            self.proc.stdin.flush()
        except OSError as exc:
            raise ServerError(f"{self.name} ({self.loop}): {exc}" + self.stderr_tail()) from None
        words = self._readline(CONTROL_TIMEOUT).split()
        if len(words) != 4 or words[0] != b"cpu":
            raise ServerError(f"{self.name} ({self.loop}): bad answer {b' '.join(words)!r}")
        return float(words[1]), int(words[3])

    def stderr_tail(self, limit=4000):
        try:
            self.stderr.seek(0)
            text = self.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        return f"\n--- server stderr ---\n{text[-limit:]}" if text.strip() else ""

    def stop(self):
        proc = self.proc
        if proc.poll() is None:
            try:
                proc.stdin.write(b"quit\n")
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for f in (proc.stdin, proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.stderr.close()


def _fastio_root():
    """The folder to import fastio from: this process's, else the checkout's."""
    try:
        import fastio
    except ImportError:
        return str(SERVER_SCRIPT.resolve().parent.parent)
    return str(Path(fastio.__file__).resolve().parent.parent)


class ServerPool:
    """Servers started on first use, kept for the whole module.

    ``failed`` remembers (impl, loop, workload) that failed once, so that the
    later repetitions do not wait out the same timeouts again.
    """

    def __init__(self):
        self.servers = {}
        self.failed = {}
        self.warm_up_failed = {}

    def get(self, impl, loop):
        key = impl, loop
        if key not in self.servers:
            server = Server(impl, loop)
            self.servers[key] = server
            for name in WORKLOADS:  # a short untimed run of each first
                try:
                    run_workload(server, name, scale=0.02)
                except (ServerError, OSError) as exc:
                    self.warm_up_failed[impl, loop, name] = f"warm-up: {_describe(exc)}"
        return self.servers[key]

    def close(self):
        while self.servers:
            self.servers.popitem()[1].stop()


@pytest.fixture(scope="module")
def net_servers():
    pool = ServerPool()
    try:
        yield pool
    finally:
        pool.close()


# -- clients ---------------------------------------------------------------------


def _connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _recv_exactly(sock, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], min(n - got, RECV_SIZE))
        if not k:
            raise ServerError(f"connection closed after {got} of {n} bytes")
        got += k
    return buf


def _recv_line(sock, limit=100):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(limit)
        if not chunk:
            raise ServerError(f"connection closed before the end of the line: {data!r}")
        data += chunk
    return data


def _measured(server, client):
    """Run ``client()`` between two CPU readings; return (cpu s, wall s, result)."""
    cpu0, errors0 = server.cpu()
    t0 = time.perf_counter()
    result = client()
    wall = time.perf_counter() - t0
    cpu1, errors1 = server.cpu()
    if errors1 != errors0:
        raise ServerError(f"{server.name} ({server.loop}): {errors1 - errors0} handler(s)"
                          " failed" + server.stderr_tail())
    return cpu1 - cpu0, wall, result


def run_pipelined(server, port, data, greeting):
    """Send ``data`` in one sendall (in a thread) and read back as many bytes."""
    with _connect(port) as sock:
        # One untimed exchange: the server has accepted and is serving.
        sock.sendall(greeting)
        if _recv_exactly(sock, len(greeting)) != greeting:
            raise ServerError("greeting not echoed")
        failure = []

        def send():
            try:
                sock.sendall(data)
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                failure.append(exc)

        def client():
            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            try:
                return _recv_exactly(sock, len(data))
            finally:
                sender.join(SOCKET_TIMEOUT)

        cpu, wall, echoed = _measured(server, client)
    if failure:
        raise ServerError(f"sending failed: {failure[0]!r}")
    if echoed != data:
        at = next(i for i, (a, b) in enumerate(zip(echoed, data)) if a != b)
        raise ServerError(f"echo differs from what was sent at byte {at} of {len(data)}: "
                          f"{bytes(echoed[at:at + 40])!r} != {data[at:at + 40]!r}")
    return cpu, wall


def _recv_reply(sock, size, what):
    """A blocking socket's next ``size`` bytes: a whole reply, nothing more."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ServerError(f"{what}: connection closed after {len(data)} of {size} bytes")
        data += chunk
    return data


def run_request_reply(server, port, requests, answer=None):
    """One connection per list in ``requests``, each sending its requests one
    at a time, the next when the reply to the last is in: the same bytes
    back, or ``answer`` if given. The first request of each is the untimed
    exchange."""
    socks = []
    try:
        for _ in requests:
            socks.append(_connect(port))
        # Untimed: every handler is running.
        for sock, conn_requests in zip(socks, requests):
            sock.sendall(conn_requests[0])
        for sock, conn_requests in zip(socks, requests):
            expected = answer or conn_requests[0]
            if _recv_reply(sock, len(expected), "first exchange") != expected:
                raise ServerError("first exchange: wrong reply")
            sock.setblocking(False)

        def client():
            ep = select.epoll()
            try:
                # fd -> [sock, requests, next index, partial reply]
                state = {}
                for sock, conn_requests in zip(socks, requests):
                    state[sock.fileno()] = [sock, conn_requests, 1, b""]
                    ep.register(sock.fileno(), select.EPOLLIN)
                    sock.sendall(conn_requests[1])
                active = len(state)
                deadline = time.monotonic() + RUN_TIMEOUT
                poll = ep.poll
                while active:
                    events = poll(1.0)
                    if not events:
                        if time.monotonic() > deadline:
                            raise ServerError(f"no reply in {RUN_TIMEOUT:g} s")
                        continue
                    deadline = time.monotonic() + RUN_TIMEOUT
                    for fd, _ in events:
                        st = state[fd]
                        sock, conn_requests, i, partial = st
                        reply = sock.recv(65536)
                        if not reply:
                            raise ServerError(f"connection closed at round trip {i}")
                        if partial:
                            reply = partial + reply
                        expected = answer or conn_requests[i]
                        if len(reply) < len(expected):
                            st[3] = reply
                            continue
                        if reply != expected:
                            raise ServerError(
                                f"round trip {i}: got {reply[:80]!r}, expected {expected[:80]!r}")
                        st[3] = b""
                        i += 1
                        st[2] = i
                        if i == len(conn_requests):
                            ep.unregister(fd)
                            active -= 1
                        else:
                            sock.sendall(conn_requests[i])
                return sum(st[2] - 1 for st in state.values())
            finally:
                ep.close()

        cpu, wall, done = _measured(server, client)
    finally:
        for sock in socks:
            sock.close()
    expected_total = sum(len(conn_requests) - 1 for conn_requests in requests)
    if done != expected_total:
        raise ServerError(f"{done} round trips, expected {expected_total}")
    return cpu, wall


def run_churn(server, port, lines, parallel):
    """A connection per line, ``parallel`` at a time: connect, send the line,
    read its echo and the server's close, close."""

    def client():
        ep = select.epoll()
        # fd -> [sock, line, what came back]
        live = {}
        todo = iter(lines)

        def start():
            line = next(todo, None)
            if line is None:
                return
            sock = _connect(port)
            sock.sendall(line)
            sock.setblocking(False)
            live[sock.fileno()] = [sock, line, b""]
            ep.register(sock.fileno(), select.EPOLLIN)

        try:
            for _ in range(parallel):
                start()
            done = 0
            deadline = time.monotonic() + RUN_TIMEOUT
            while live:
                events = ep.poll(1.0)
                if not events and time.monotonic() > deadline:
                    raise ServerError(f"churn: no reply in {RUN_TIMEOUT:g} s")
                deadline = time.monotonic() + RUN_TIMEOUT
                for fd, _ in events:
                    st = live[fd]
                    sock, line = st[0], st[1]
                    chunk = sock.recv(4096)
                    if chunk:
                        st[2] += chunk
                        continue
                    if st[2] != line:
                        raise ServerError(f"churn: got {st[2]!r} before EOF, sent {line!r}")
                    ep.unregister(fd)
                    sock.close()
                    del live[fd]
                    done += 1
                    start()
            return done
        finally:
            ep.close()
            for st in live.values():
                st[0].close()

    cpu, wall, done = _measured(server, client)
    if done != len(lines):
        raise ServerError(f"churn: {done} connections, expected {len(lines)}")
    return cpu, wall


def run_bulk(server, port, chunk, chunks):
    """Send ``chunks`` x ``chunk``, half-close, and check the server's byte count."""
    with _connect(port) as sock:
        expected = len(chunk) * chunks

        def client():
            sendall = sock.sendall
            for _ in range(chunks):
                sendall(chunk)
            sock.shutdown(socket.SHUT_WR)
            return _recv_line(sock)

        cpu, wall, reply = _measured(server, client)
    if reply != b"%d\n" % expected:
        raise ServerError(f"bulk: server counted {reply!r}, sent {expected}")
    return cpu, wall


def run_workload(server, name, scale=1):
    """One measured run of workload ``name``; ``scale`` < 1 runs a smaller one."""
    port = server.ports[name]

    def part(count):
        return max(1, int(count * scale))

    if name == "echo":
        data = payload("echo")[: part(N_LINES) * LINE_SIZE]
        return run_pipelined(server, port, data, _line(b"hello", 0))
    if name == "frames":
        data = payload("frames")[: part(N_FRAMES) * (4 + FRAME_PAYLOAD)]
        return run_pipelined(server, port, data, _frame(0))
    if name in ("pingpong", "http", "echo1k"):
        # The first exchange is untimed: a connection does one more.
        requests = [reqs[: part(ROUND_TRIPS) + 1] for reqs in payload(name)]
        return run_request_reply(server, port, requests,
                                 HTTP_RESPONSE if name == "http" else None)
    if name == "churn":
        return run_churn(server, port, payload("churn")[: part(CHURN_CONNECTIONS)], CONNECTIONS)
    if name == "bulk":
        return run_bulk(server, port, payload("bulk"), part(BULK_MIB))
    if name == "tcpbulk":
        return run_bulk(server, port, payload("tcpbulk"), part(TCPBULK_CHUNKS))
    raise ValueError(name)


def _describe(exc):
    return f"{type(exc).__name__}: {exc}"


# -- the benchmarks ----------------------------------------------------------------

def server_order(rep):
    """The servers of repetition ``rep`` in the order they run: asyncio and
    fastio change places every repetition, so neither always goes first."""
    first, second, *rest = NET_SERVERS
    return (first, second, *rest) if rep % 2 else (second, first, *rest)


PARAMS = [
    (rep, workload, loop, impl)
    for rep in range(1, max(REPEATS, PAIRS) + 1)
    for workload, (*_, repetitions, _) in WORKLOADS.items()
    if rep <= repetitions
    for loop in LOOPS
    for impl in server_order(rep)
]


def _require(impl, loop):
    if loop == "uvloop":
        try:
            importlib.import_module("uvloop")
        except ImportError as exc:
            pytest.skip(f"uvloop is not importable: {exc}")
    if impl == "fastio":
        try:
            module = importlib.import_module("fastio")
        except ImportError as exc:
            pytest.skip(f"fastio is not importable (run `make build`): {exc}")
        if not hasattr(module, "start_server"):
            pytest.skip("fastio has no start_server")


@pytest.mark.parametrize(
    "rep, workload, loop, server_impl",
    PARAMS,
    ids=[f"r{rep}-{w}-{loop}-{impl}" for rep, w, loop, impl in PARAMS],
)
def test_network(benchmark, net_servers, rep, workload, loop, server_impl):
    _require(server_impl, loop)
    name, unit, messages, _, description = WORKLOADS[workload]
    key = server_impl, loop, workload
    if key in net_servers.failed:
        pytest.skip(f"failed in an earlier repetition: {net_servers.failed[key]}")
    try:
        server = net_servers.get(server_impl, loop)
        if key in net_servers.warm_up_failed:
            raise ServerError(net_servers.warm_up_failed.pop(key))
        payload(workload)  # built before the timer starts
        benchmark.group = f"network: {name}"
        cpu, wall = benchmark.pedantic(
            run_workload, args=(server, workload), rounds=1, iterations=1, warmup_rounds=0
        )
    except (ServerError, OSError) as exc:
        net_servers.failed[key] = _describe(exc).splitlines()[0]
        raise
    assert cpu >= 0 and wall > 0
    benchmark.extra_info.update(
        net_workload=name,
        net_loop=loop,
        net_server=server_impl,
        net_rep=rep,
        net_unit=unit,
        net_messages=messages,
        net_server_cpu_s=cpu,
        net_wall_s=wall,
        net_desc=description,
    )
    if workload in ("pingpong", "http", "echo1k"):
        benchmark.extra_info.update(net_connections=CONNECTIONS, net_round_trips=ROUND_TRIPS)
    if workload == "churn":
        benchmark.extra_info.update(net_parallel=CONNECTIONS)
    if workload in ("echo", "frames"):
        benchmark.extra_info.update(net_message_bytes=LINE_SIZE, net_drain_every=64)
