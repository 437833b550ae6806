#!/usr/bin/env python3
"""Fuzz the writer: write() and writelines() of odd objects while the
connection's reader holds unread bytes or not, drain() as a task and by hand,
pauses of the transport, close and write_eof in the middle.  The bytes that
reach fastio's transport must be a prefix of asyncio's at every step and the
same once the loop has run (fastio may hold small writes until then)."""
import asyncio

import atheris
from fuzz_reader import LOOP, Pair, send
from harness import bytes_like, drive, fastio, main, outcome, run_turns

HIGH_WATER = 64


class Transport(asyncio.Transport):
    """Takes what a socket transport takes, records the bytes, and pauses
    its protocol past HIGH_WATER buffered bytes until told to drain."""

    def __init__(self, protocol):
        super().__init__()
        self.protocol = protocol
        self.written = bytearray()
        self.buffered = 0
        self.closing = False
        self.eof = False
        self.paused = False
        self.on_write = None  # a hostile transport's callback
        self.calls = []  # pause_reading / resume_reading, as Pair compares

    def write(self, data):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be a bytes-like object, "
                            f"not {type(data).__name__!r}")
        if self.eof:
            raise RuntimeError("Cannot call write() after write_eof()")
        data = bytes(data)
        self.written += data
        self.buffered += len(data)
        if self.buffered > HIGH_WATER and not self.paused:
            self.paused = True
            self.protocol.pause_writing()
        if self.on_write is not None:
            self.on_write()

    def drained(self):
        self.buffered = 0
        if self.paused:
            self.paused = False
            self.protocol.resume_writing()

    def get_write_buffer_size(self):
        return self.buffered

    def get_write_buffer_limits(self):
        return (HIGH_WATER // 4, HIGH_WATER)

    def write_eof(self):
        self.eof = True

    def can_write_eof(self):
        return True

    def is_closing(self):
        return self.closing

    def close(self):
        if not self.closing:
            self.closing = True
            LOOP.call_soon(self.protocol.connection_lost, None)

    def get_extra_info(self, name, default=None):
        return default

    def pause_reading(self):
        self.calls.append("pause")

    def resume_reading(self):
        self.calls.append("resume")


def odd_lines(fdp, kind):
    """writelines()'s argument: a list, a generator, or not iterable."""
    items = [bytes_like(kind, fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 40)))
             for _ in range(fdp.ConsumeIntInRange(0, 3))]
    shape = fdp.ConsumeIntInRange(0, 2)
    if shape == 0:
        return items
    if shape == 1:
        return (item for item in items)
    return 42


class Connection(Pair):
    def __init__(self, fdp):
        super().__init__(fdp, transports=False)
        self.protocols, self.transports, self.writers = [], [], []
        for module, reader in zip((asyncio, fastio), self.readers):
            protocol = module.StreamReaderProtocol(reader, loop=LOOP)
            transport = Transport(protocol)
            protocol.connection_made(transport)
            self.protocols.append(protocol)
            self.transports.append(transport)
            self.writers.append(module.StreamWriter(transport, protocol, reader, LOOP))
        self.drains = []

    def check_state(self, what):
        super().check_state(what)
        a, f = (bytes(t.written) for t in self.transports)
        if not self.diverged and not a.startswith(f):
            raise AssertionError(f"{what}: fastio wrote {f!r}, asyncio {a!r}")

    def on_writers(self, what, call):
        a, f = [outcome(call, writer) for writer in self.writers]
        self.same(a, f, what)

    def write(self, fdp):
        kind = fdp.ConsumeIntInRange(0, 9)
        payload = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 40)) * fdp.PickValueInList([1, 500])
        self.on_writers("write", lambda w: w.write(bytes_like(kind, payload)))

    def writelines(self, fdp):
        kind = fdp.ConsumeIntInRange(0, 9)
        consumed = fdp.ConsumeBytes(200)  # the same lines for both writers
        self.on_writers("writelines", lambda w: w.writelines(
            odd_lines(atheris.FuzzedDataProvider(consumed), kind)))

    def drain(self, fdp):
        if fdp.ConsumeBool():
            self.drains.append([LOOP.create_task(w.drain()) for w in self.writers])
            return
        coros = [w.drain() for w in self.writers]
        a, f = [send(coro, None) for coro in coros]
        self.same(a, f, "drain() by hand")
        for coro in coros:
            coro.close()

    def transport_drained(self, fdp):
        for transport in self.transports:
            transport.drained()

    def close(self, fdp):
        self.on_writers("close", lambda w: w.close())

    def write_eof(self, fdp):
        self.on_writers("write_eof", lambda w: w.write_eof())

    def hostile(self, fdp):
        """fastio's transport closes, from within its next write(), the last
        read started by hand: the one whose start hands over held writes
        (asyncio's reader never writes, so this is fastio's side alone)."""
        transport = self.transports[1]

        def close_the_read():
            transport.on_write = None
            if self.starting is not None:
                self.diverged = True
                outcome(self.starting[1].close)
        transport.on_write = close_the_read

    def finish(self):
        super().finish()
        for drain in self.drains:
            for task in drain:
                task.cancel()
        for transport in self.transports:
            transport.drained()
        run_turns(LOOP, 2)
        self.same(*(bytes(t.written) for t in self.transports), "bytes written")


WRITER_STEPS = [
    Connection.write, Connection.write, Connection.writelines, Connection.drain,
    Connection.transport_drained, Connection.close, Connection.write_eof, Connection.hostile,
    Pair.feed, Pair.start_by_hand, Pair.step_by_hand, Pair.start_task, Pair.run,
]


def test_one_input(data):
    drive(data, Connection, WRITER_STEPS)


if __name__ == "__main__":
    main(test_one_input)
