#!/usr/bin/env python3
"""Fuzz the receiving path: what a transport may do to fastio's protocol
(get_buffer() and buffer_updated() with odd sizes and odd or released views,
data_received(), EOF, connection_lost()), compared with asyncio's protocol
given the same bytes through data_received(), with the readers read as in
fuzz_reader.py."""
import asyncio

import fuzz_reader
from fuzz_reader import LOOP, Pair
from harness import bytes_like, drive, fastio, main, outcome


class Transport(fuzz_reader.Transport):
    """A read transport, as connection_made() asks of it."""

    def get_extra_info(self, name, default=None):
        return default

    def is_closing(self):
        return False


class Connection(Pair):
    def __init__(self, fdp):
        super().__init__(fdp, transports=False)
        a, f = self.readers
        self.protocols = [asyncio.StreamReaderProtocol(a, loop=LOOP),
                          fastio.StreamReaderProtocol(f, loop=LOOP)]
        self.transports = [Transport(), Transport()]
        for protocol, transport in zip(self.protocols, self.transports):
            protocol.connection_made(transport)

    def on_protocols(self, what, call):
        a, f = [outcome(call, protocol) for protocol in self.protocols]
        self.same(a, f, what)

    def data_received(self, fdp):
        kind = fdp.ConsumeIntInRange(0, 9)
        payload = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 80))
        self.on_protocols("data_received", lambda p: p.data_received(bytes_like(kind, payload)))

    def receive_into_buffer(self, fdp):
        """What asyncio's socket transport does: recv_into(get_buffer()),
        then buffer_updated(n); asyncio's protocol gets those n bytes."""
        protocol = self.protocols[1]
        sizehint = fdp.PickValueInList([-1, 0, 1, 7, 65536, 1 << 30])
        buffer = protocol.get_buffer(sizehint)
        payload = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 80))
        at = fdp.ConsumeIntInRange(0, 3)
        buffer[at:at + len(payload)] = payload  # a transport filling part of it
        nbytes = at + len(payload)
        odd = fdp.ConsumeIntInRange(0, 5)
        if odd == 0:
            nbytes = fdp.PickValueInList([-1, len(buffer) + 1, 1 << 62])
        data = bytes(buffer[:nbytes]) if 0 <= nbytes <= len(buffer) else None
        if odd == 1:
            buffer.release()
        got = outcome(protocol.buffer_updated, nbytes)
        if data is None:
            self.same(ValueError, got[1],
                 f"buffer_updated({nbytes}) error")
        else:
            self.same(outcome(self.protocols[0].data_received, data), got, "buffer_updated")

    def eof_received(self, fdp):
        self.on_protocols("eof_received", lambda p: p.eof_received())

    def connection_lost(self, fdp):
        exc = ConnectionResetError("reset") if fdp.ConsumeBool() else None
        self.on_protocols("connection_lost", lambda p: p.connection_lost(exc))


RECEIVE_STEPS = [
    Connection.data_received, Connection.receive_into_buffer, Connection.receive_into_buffer,
    Connection.eof_received, Connection.connection_lost,
    Pair.start_task, Pair.start_by_hand, Pair.step_by_hand, Pair.run, Pair.view,
]


def test_one_input(data):
    drive(data, Connection, RECEIVE_STEPS)


if __name__ == "__main__":
    main(test_one_input)
