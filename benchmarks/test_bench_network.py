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
    ping-pong   CONNECTIONS connections, each sending one 64-byte line and
                waiting for its echo before the next, ROUND_TRIPS times, all
                driven by one epoll loop; each reply must equal its request.
    bulk        BULK_MIB MiB client -> server in 1 MiB sendall()s, then
                shutdown(SHUT_WR); the server's byte count must match.

What is measured is the server's CPU time (user + system, from getrusage in
the server, asked for over its stdin just before and just after the workload)
and the wall time of the workload as the client sees it. Connection set-up is
outside the measurement for line echo, frames and ping-pong (each connection
first makes one untimed exchange, so the server has accepted it and its
handler is running); bulk's server answers only at EOF, so its accept, the
EOF handling and the reply are inside it (a few syscalls next to 256 MiB).

ROUND_TRIPS is 1,000 rather than more to keep the module at about two
minutes on a 2-core machine: ping-pong is the slowest workload in wall time.

Every (workload, loop, server) row is measured REPEATS times; the runs go
repetition by repetition, and inside one the three servers of a (workload,
loop) pair run back to back, so the rows compared with each other are
measured close together in time. Each run is one pytest-benchmark benchmark
(``pedantic``, one round) whose ``extra_info`` holds the figures;
benchmarks/report.py keeps the best of the repetitions.
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

SERVER_SCRIPT = Path(__file__).with_name("netserver.py")
SERVERS = ("asyncio", "fastio", "raw")
LOOPS = ("default", "uvloop")
REPEATS = 3

N_LINES = 200_000
N_FRAMES = 200_000
CONNECTIONS = 50
ROUND_TRIPS = 1_000
BULK_MIB = 256

LINE_SIZE = 64
FRAME_PAYLOAD = 60
BULK_CHUNK = 1024 * 1024
RECV_SIZE = 1024 * 1024

START_TIMEOUT = 30.0  # server start-up, until it prints its ports
CONTROL_TIMEOUT = 10.0  # one stdin/stdout command
SOCKET_TIMEOUT = 30.0  # any one blocking send/recv of the client
RUN_TIMEOUT = 60.0  # ping-pong, end to end

# id -> (name in the JSON and the report, unit, messages per run, description)
WORKLOADS = {
    "echo": ("line echo", "line", N_LINES,
             f"{N_LINES:,} pipelined {LINE_SIZE}-byte lines on one connection; the server"
             " echoes each with write(), drain() every 64 lines."),
    "frames": ("frames", "frame", N_FRAMES,
               f"{N_FRAMES:,} pipelined frames (4-byte length + {FRAME_PAYLOAD} bytes) on one"
               " connection; readexactly(4) + readexactly(n), one write() per frame,"
               " drain() every 64."),
    "pingpong": ("ping-pong", "round trip", CONNECTIONS * ROUND_TRIPS,
                 f"{CONNECTIONS} connections x {ROUND_TRIPS:,} request/reply round trips of a"
                 f" {LINE_SIZE}-byte line; readline, write, drain per line."),
    "bulk": ("bulk", "MiB", BULK_MIB,
             f"{BULK_MIB} MiB client -> server; read(65536) until EOF, then the byte count"
             " is sent back."),
}


# -- payloads ---------------------------------------------------------------


def _line(tag, i):
    """A 64-byte line, distinct for each (tag, i)."""
    return (b"%s %09d " % (tag, i)).ljust(LINE_SIZE - 1, b"x") + b"\n"


def _frame(i):
    payload = (b"frame %09d " % i).ljust(FRAME_PAYLOAD, b".")
    return struct.pack(">I", len(payload)) + payload


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
        elif name == "bulk":
            data = bytes(range(256)) * (BULK_CHUNK // 256)
        _payloads[name] = data
    return _payloads[name]


assert len(_line(b"c49", ROUND_TRIPS)) == LINE_SIZE
assert len(_frame(N_FRAMES)) == 4 + FRAME_PAYLOAD


# -- server processes ---------------------------------------------------------


class ServerError(Exception):
    pass


class Server:
    """One netserver.py process; ``cpu()`` asks for its CPU seconds so far."""

    def __init__(self, impl, loop):
        self.impl, self.loop = impl, loop
        self.name = f"{impl} streams" if impl != "raw" else "raw Protocol"
        env = dict(os.environ)
        # The server imports the same fastio as this process.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_fastio_root(), env.get("PYTHONPATH")]))
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), "--impl", impl, "--loop", loop],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )
        self._out = b""
        try:
            ready = self._readline(START_TIMEOUT).split()
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


def run_pingpong(server, port, lines, connections, round_trips):
    """``connections`` sockets, each doing ``round_trips`` strict request/replies."""
    socks = []
    try:
        for _ in range(connections):
            socks.append(_connect(port))
        for sock in socks:  # untimed: every handler is running
            sock.sendall(b"hello\n")
        for sock in socks:
            if _recv_line(sock) != b"hello\n":
                raise ServerError("greeting not echoed")
        for sock in socks:
            sock.setblocking(False)

        def client():
            ep = select.epoll()
            try:
                # fd -> [sock, lines, next index, partial reply]
                state = {}
                for sock, conn_lines in zip(socks, lines):
                    state[sock.fileno()] = [sock, conn_lines, 0, b""]
                    ep.register(sock.fileno(), select.EPOLLIN)
                    sock.send(conn_lines[0])
                active = len(state)
                deadline = time.monotonic() + RUN_TIMEOUT
                poll = ep.poll
                while active:
                    events = poll(1.0)
                    if not events:
                        if time.monotonic() > deadline:
                            raise ServerError(f"ping-pong: no reply in {RUN_TIMEOUT:g} s")
                        continue
                    for fd, _ in events:
                        st = state[fd]
                        sock, conn_lines, i, partial = st
                        reply = sock.recv(4096)
                        if not reply:
                            raise ServerError(f"ping-pong: connection closed at round trip {i}")
                        if partial:
                            reply = partial + reply
                        if len(reply) < LINE_SIZE:
                            st[3] = reply
                            continue
                        if reply != conn_lines[i]:
                            raise ServerError(
                                f"ping-pong: round trip {i}: got {reply!r}, sent {conn_lines[i]!r}")
                        st[3] = b""
                        i += 1
                        st[2] = i
                        if i == round_trips:
                            ep.unregister(fd)
                            active -= 1
                        elif sock.send(conn_lines[i]) != LINE_SIZE:
                            raise ServerError("ping-pong: short send")
                return sum(st[2] for st in state.values())
            finally:
                ep.close()

        cpu, wall, done = _measured(server, client)
    finally:
        for sock in socks:
            sock.close()
    if done != connections * round_trips:
        raise ServerError(f"ping-pong: {done} round trips, expected {connections * round_trips}")
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
    if name == "echo":
        data = payload("echo")
        data = data[: max(1, int(N_LINES * scale)) * LINE_SIZE]
        return run_pipelined(server, port, data, _line(b"hello", 0))
    if name == "frames":
        data = payload("frames")
        data = data[: max(1, int(N_FRAMES * scale)) * (4 + FRAME_PAYLOAD)]
        return run_pipelined(server, port, data, _frame(0))
    if name == "pingpong":
        return run_pingpong(server, port, payload("pingpong"), CONNECTIONS,
                            max(1, int(ROUND_TRIPS * scale)))
    if name == "bulk":
        return run_bulk(server, port, payload("bulk"), max(1, int(BULK_MIB * scale)))
    raise ValueError(name)


def _describe(exc):
    return f"{type(exc).__name__}: {exc}"


# -- the benchmarks ----------------------------------------------------------------

PARAMS = [
    (rep, workload, loop, impl)
    for rep in range(1, REPEATS + 1)
    for workload in WORKLOADS
    for loop in LOOPS
    for impl in SERVERS
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
    name, unit, messages, description = WORKLOADS[workload]
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
    if workload == "pingpong":
        benchmark.extra_info.update(net_connections=CONNECTIONS, net_round_trips=ROUND_TRIPS)
    if workload in ("echo", "frames"):
        benchmark.extra_info.update(net_message_bytes=LINE_SIZE, net_drain_every=64)
