"""The server half of benchmarks/test_bench_network.py, run in its own process.

    python benchmarks/netserver.py --impl {asyncio,fastio,raw} --loop {default,uvloop}

Listens on 127.0.0.1 on a free port per workload, and prints them on one
line to stdout::

    ready echo=PORT frames=PORT pingpong=PORT bulk=PORT http=PORT ...

then reads commands from stdin, one per line:

    cpu    prints "cpu SECONDS errors N": this process's user+system CPU time
           so far (getrusage(RUSAGE_SELF)) and how many connection handlers
           have failed; the benchmark asks before and after each workload.
    quit   (or EOF on stdin) closes the listeners and exits.

Tracebacks of failed handlers go to stderr.

The handlers, for ``--impl asyncio`` and ``--impl fastio`` (the same code on
that module's ``start_server``):

    echo      line = await reader.readline(); writer.write(line), with
              await writer.drain() every DRAIN_EVERY lines.
    frames    header = await reader.readexactly(4); body = await
              reader.readexactly(n); writer.write(header + body), with
              await writer.drain() every DRAIN_EVERY frames.
    pingpong  line = await reader.readline(); writer.write(line);
              await writer.drain().
    bulk      await reader.read(65536) until EOF, then writes the byte count
              as a decimal line.
    tcpbulk   the same with read(10 MiB): the reading half of pyperformance's
              asyncio_tcp, whose client reads 10 MiB writes with read(10 MiB).
    http      head = await reader.readuntil(b"\r\n\r\n");
              writer.write(HTTP_RESPONSE) (140 bytes); await writer.drain().
    echo1k    data = await reader.read(ECHO_READ); writer.write(data);
              await writer.drain() (uvloop's examples/bench echo server shape).
    churn     line = await reader.readline(); writer.write(line);
              await writer.drain(); then writer.close() and wait_closed():
              one request per connection.

``--impl raw`` is the baseline: an ``asyncio.Protocol`` per workload that
takes every complete line (echo, pingpong) or frame (frames) out of what
``data_received()`` got as a bytes object of its own, as a hand-written
protocol handing messages to an application would, and echoes them all in
one ``transport.write()`` per ``data_received()``; for bulk and tcpbulk it
counts bytes; for http it answers each complete request head with
HTTP_RESPONSE, all in one write; for echo1k it writes back what it got; for
churn it writes back the first line and closes the transport.
"""
import argparse
import asyncio
import os
import resource
import struct
import sys
import traceback

DRAIN_EVERY = 64
BULK_READ = 65536
TCPBULK_READ = 10 * 1024 * 1024
ECHO_READ = 65536
HTTP_END = b"\r\n\r\n"
# A keep-alive answer of 140 bytes, as a small HTTP/1.1 server sends it.
HTTP_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Date: Mon, 07 Dec 2026 04:30:00 GMT\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length: 14\r\n"
    b"Connection: keep-alive\r\n"
    b"\r\n"
    b"Hello, World!\n"
)
assert len(HTTP_RESPONSE) == 140
WORKLOADS = ("echo", "frames", "pingpong", "bulk", "tcpbulk", "http", "echo1k", "churn")
# A frame's header: its length, big-endian.
FRAME_LENGTH = struct.Struct(">I")

errors = 0


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def handler_failed(name):
    global errors
    errors += 1
    print(f"netserver: {name} handler failed:", file=sys.stderr)
    traceback.print_exc(file=sys.stderr)
    sys.stderr.flush()


# -- streams (asyncio or fastio) --------------------------------------------


async def _close(writer):
    writer.close()
    try:
        await writer.wait_closed()
    except (ConnectionError, OSError):
        pass


async def stream_echo(reader, writer):
    try:
        readline, write, drain = reader.readline, writer.write, writer.drain
        n = 0
        while True:
            line = await readline()
            if not line:
                break
            write(line)
            n += 1
            if n == DRAIN_EVERY:
                n = 0
                await drain()
        await drain()
    except Exception:  # noqa: BLE001 - reported
        handler_failed("echo")
    finally:
        await _close(writer)


async def stream_frames(reader, writer):
    try:
        readexactly, write, drain = reader.readexactly, writer.write, writer.drain
        from_bytes = int.from_bytes
        n = 0
        while True:
            try:
                header = await readexactly(4)
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    raise
                break  # EOF between frames
            body = await readexactly(from_bytes(header, "big"))
            write(header + body)
            n += 1
            if n == DRAIN_EVERY:
                n = 0
                await drain()
        await drain()
    except Exception:  # noqa: BLE001 - reported
        handler_failed("frames")
    finally:
        await _close(writer)


async def stream_pingpong(reader, writer):
    try:
        readline, write, drain = reader.readline, writer.write, writer.drain
        while True:
            line = await readline()
            if not line:
                break
            write(line)
            await drain()
    except Exception:  # noqa: BLE001 - reported
        handler_failed("pingpong")
    finally:
        await _close(writer)


def stream_count(size):
    """A handler that read(size)s until EOF and then writes the byte count."""

    async def stream_bulk(reader, writer):
        try:
            read = reader.read
            total = 0
            while True:
                data = await read(size)
                if not data:
                    break
                total += len(data)
            writer.write(b"%d\n" % total)
            await writer.drain()
        except Exception:  # noqa: BLE001 - reported
            handler_failed(f"bulk read({size})")
        finally:
            await _close(writer)

    return stream_bulk


async def stream_http(reader, writer):
    try:
        readuntil, write, drain = reader.readuntil, writer.write, writer.drain
        while True:
            try:
                await readuntil(HTTP_END)
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    raise
                break  # EOF between requests
            write(HTTP_RESPONSE)
            await drain()
    except Exception:  # noqa: BLE001 - reported
        handler_failed("http")
    finally:
        await _close(writer)


async def stream_echo1k(reader, writer):
    try:
        read, write, drain = reader.read, writer.write, writer.drain
        while True:
            data = await read(ECHO_READ)
            if not data:
                break
            write(data)
            await drain()
    except Exception:  # noqa: BLE001 - reported
        handler_failed("echo1k")
    finally:
        await _close(writer)


async def stream_churn(reader, writer):
    try:
        writer.write(await reader.readline())
        await writer.drain()
    except Exception:  # noqa: BLE001 - reported
        handler_failed("churn")
    finally:
        await _close(writer)


STREAM_HANDLERS = {
    "echo": stream_echo,
    "frames": stream_frames,
    "pingpong": stream_pingpong,
    "bulk": stream_count(BULK_READ),
    "tcpbulk": stream_count(TCPBULK_READ),
    "http": stream_http,
    "echo1k": stream_echo1k,
    "churn": stream_churn,
}


# -- raw asyncio.Protocol baseline --------------------------------------------


class RawBase(asyncio.Protocol):
    transport = None
    pending = b""

    def connection_made(self, transport):
        self.transport = transport

    # Flow control: stop reading while the peer is not taking our output.
    def pause_writing(self):
        self.transport.pause_reading()

    def resume_writing(self):
        self.transport.resume_reading()

    def connection_lost(self, exc):
        self.transport = None


class RawLines(RawBase):
    """echo and pingpong: each complete line taken out as its own bytes object
    (what an application would be handed), all echoed in one write."""

    def data_received(self, data):
        try:
            if self.pending:
                data = self.pending + data
            lines = data.split(b"\n")
            self.pending = lines.pop()  # the unterminated rest, often b""
            if lines:
                lines.append(b"")
                self.transport.write(b"\n".join(lines))
        except Exception:  # noqa: BLE001 - reported
            handler_failed("raw lines")
            self.transport.abort()


class RawFrames(RawBase):
    """frames: each complete length-prefixed frame taken out as its own bytes
    object, all echoed in one write."""

    def data_received(self, data, unpack_from=FRAME_LENGTH.unpack_from):
        try:
            if self.pending:
                data = self.pending + data
            size = len(data)
            pos = 0
            frames = []
            append = frames.append
            while size - pos >= 4:
                end = pos + 4 + unpack_from(data, pos)[0]
                if end > size:
                    break
                append(data[pos:end])
                pos = end
            self.pending = data[pos:]
            if frames:
                self.transport.write(b"".join(frames))
        except Exception:  # noqa: BLE001 - reported
            handler_failed("raw frames")
            self.transport.abort()

    def eof_received(self):
        if self.pending:
            global errors
            errors += 1
            print(f"netserver: raw frames: {len(self.pending)} bytes of a partial frame"
                  " at EOF", file=sys.stderr)


class RawBulk(RawBase):
    """bulk: count the bytes; at EOF write the count (the transport then closes)."""

    total = 0

    def data_received(self, data):
        self.total += len(data)

    def eof_received(self):
        self.transport.write(b"%d\n" % self.total)
        # Returning a false value closes the transport once that is sent.


class RawHttp(RawBase):
    """http: one HTTP_RESPONSE per complete request head, all in one write."""

    def data_received(self, data):
        try:
            if self.pending:
                data = self.pending + data
            heads = data.split(HTTP_END)
            self.pending = heads.pop()
            if heads:
                self.transport.write(HTTP_RESPONSE * len(heads))
        except Exception:  # noqa: BLE001 - reported
            handler_failed("raw http")
            self.transport.abort()


class RawEcho(RawBase):
    """echo1k: writes back what it got."""

    def data_received(self, data):
        self.transport.write(data)


class RawChurn(RawBase):
    """churn: writes back the first line, then closes."""

    def data_received(self, data):
        if self.pending:
            data = self.pending + data
        end = data.find(b"\n") + 1
        if end:
            self.transport.write(data[:end])
            self.transport.close()
        else:
            self.pending = data


RAW_PROTOCOLS = {
    "echo": RawLines,
    "frames": RawFrames,
    "pingpong": RawLines,
    "bulk": RawBulk,
    "tcpbulk": RawBulk,
    "http": RawHttp,
    "echo1k": RawEcho,
    "churn": RawChurn,
}


# -- process -------------------------------------------------------------------


async def serve(impl):
    loop = asyncio.get_running_loop()
    servers = {}
    if impl == "raw":
        for name in WORKLOADS:
            servers[name] = await loop.create_server(RAW_PROTOCOLS[name], "127.0.0.1", 0)
    else:
        module = __import__(impl)
        for name in WORKLOADS:
            servers[name] = await module.start_server(STREAM_HANDLERS[name], "127.0.0.1", 0)
    ports = " ".join(f"{name}={srv.sockets[0].getsockname()[1]}" for name, srv in servers.items())

    done = loop.create_future()
    pending = bytearray()

    def on_stdin():
        chunk = os.read(0, 4096)
        if not chunk:
            if not done.done():
                done.set_result(None)
            return
        pending.extend(chunk)
        while b"\n" in pending:
            end = pending.index(b"\n")
            command = bytes(pending[:end]).strip()
            del pending[: end + 1]
            if command == b"cpu":
                os.write(1, b"cpu %r errors %d\n" % (cpu_seconds(), errors))
            elif command == b"quit":
                if not done.done():
                    done.set_result(None)
            else:
                os.write(1, b"error unknown command %r\n" % command)

    loop.add_reader(0, on_stdin)
    os.write(1, f"ready {ports}\n".encode())
    try:
        await done
    finally:
        loop.remove_reader(0)
        for srv in servers.values():
            srv.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=("asyncio", "fastio", "raw"), required=True)
    parser.add_argument("--loop", choices=("default", "uvloop"), default="default")
    args = parser.parse_args(argv)

    if args.loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(serve(args.impl))
    finally:
        asyncio.set_event_loop(None)
        loop.close()


if __name__ == "__main__":
    main()
