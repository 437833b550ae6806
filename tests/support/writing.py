"""The writer tests' recording transport, and connect(), which makes a
writer on one as open_connection() would; test_writer.py, test_protocol.py
and test_memory_safety.py use them."""
import asyncio

import pytest

import fastio

HIGH = 64 * 1024          # asyncio's default high-water mark


# --------------------------------------------------------------------------
# A recording transport
# --------------------------------------------------------------------------


class FakeWriteTransport(asyncio.Transport):
    """A write transport whose peer reads only when the test says so.

    It records write/writelines/write_eof/close/abort in call order, checks
    its arguments as asyncio's socket transports do (type, then write_eof,
    then emptiness: an empty write is no call at all), keeps what was written
    as "buffered" until ``peer_read()``, and pauses / resumes the protocol
    around its watermarks like asyncio's transports.
    """

    def __init__(self, loop=None, *, extra=None, can_write_eof=True):
        super().__init__(extra)
        self.loop = loop
        self.protocol = None
        self.calls = []          # (kind, bytes) or (kind,)
        self.objects = []        # the objects write() was given, in order
        self.received = 0        # bytes handed over so far
        self.buffered = 0        # of those, bytes the peer has not read
        self.closing = False
        self.eof = False
        self.paused = False
        self.reading = []        # pause_reading / resume_reading calls
        self._can_write_eof = can_write_eof
        self.set_write_buffer_limits()

    def __repr__(self):
        return "<FakeWriteTransport>"

    # -- writing ----------------------------------------------------------

    def _check(self, data):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be a bytes-like object, "
                            f"not {type(data).__name__!r}")
        if self.eof:
            raise RuntimeError("Cannot call write() after write_eof()")

    def _take(self, kind, data):
        self.calls.append((kind, data))
        self.received += len(data)
        self.buffered += len(data)
        if not self.paused and self.buffered > self.high and self.protocol:
            self.paused = True
            self.protocol.pause_writing()

    def write(self, data):
        self._check(data)
        self.objects.append(data)
        if not data:
            return
        self._take("write", bytes(data))

    def writelines(self, list_of_data):
        # asyncio.WriteTransport.writelines(): join, then write.
        data = b"".join(list_of_data)
        self._check(data)
        if data:
            self._take("writelines", data)

    def write_eof(self):
        if self.closing or self.eof:
            return
        self.eof = True
        self.calls.append(("write_eof",))

    def can_write_eof(self):
        return self._can_write_eof

    def _lose(self):
        if self.loop is not None and self.protocol is not None and not self.loop.is_closed():
            self.loop.call_soon(self.protocol.connection_lost, None)

    def close(self):
        self.calls.append(("close",))
        if not self.closing:
            self.closing = True
            self._lose()

    def abort(self):
        self.calls.append(("abort",))
        self.buffered = 0
        if not self.closing:
            self.closing = True
            self._lose()

    def is_closing(self):
        return self.closing

    # -- flow control -----------------------------------------------------

    def get_write_buffer_size(self):
        return self.buffered

    def set_write_buffer_limits(self, high=None, low=None):
        if high is None:
            high = HIGH if low is None else 4 * low
        if low is None:
            low = high // 4
        self.high, self.low = high, low

    def get_write_buffer_limits(self):
        return (self.low, self.high)

    def peer_read(self, n=None):
        """The peer reads n (default: all) buffered bytes."""
        n = self.buffered if n is None else min(n, self.buffered)
        self.buffered -= n
        if self.paused and self.buffered <= self.low:
            self.paused = False
            self.protocol.resume_writing()
        return n

    # -- the read side a StreamReader uses ---------------------------------

    def pause_reading(self):
        self.reading.append("pause_reading")

    def resume_reading(self):
        self.reading.append("resume_reading")

    def is_reading(self):
        return True


if fastio.COMPILED:
    # fastio holds writes only for transports it knows (asyncio's, uvloop's);
    # this one behaves as theirs do, so the tests see fastio's batches on it.
    from fastio._buffer import _trust_transport_class

    _trust_transport_class(FakeWriteTransport)


def data_stream(calls):
    """Recorded calls as a stream: consecutive data joined, controls by name."""
    out = []
    for kind, *data in calls:
        if kind in ("write", "writelines"):
            if out and isinstance(out[-1], bytes):
                out[-1] += data[0]
            else:
                out.append(data[0])
        else:
            out.append(kind)
    return out


# Writers made by connect(), kept until the test ends: a writer collected
# while its transport is open warns (3.11+), which fails the test.
_WRITERS = []


@pytest.fixture(autouse=True)
def _retire_writers():
    yield
    for writer in _WRITERS:
        writer._transport.closing = True
    del _WRITERS[:]


def connect(module, loop, *, with_reader=True, reader=None, keep=True, **transport_kw):
    """A writer of `module` on a FakeWriteTransport, as open_connection() makes it.

    Returns (writer, transport, protocol, reader).  With keep=False the test
    owns the writer's life (see the ResourceWarning tests).
    """
    if reader is None and with_reader:
        reader = module.StreamReader(loop=loop)
    protocol = module.StreamReaderProtocol(reader, loop=loop)
    transport = FakeWriteTransport(loop, **transport_kw)
    transport.protocol = protocol
    protocol.connection_made(transport)
    writer = module.StreamWriter(transport, protocol, reader, loop)
    if keep:
        _WRITERS.append(writer)
    return writer, transport, protocol, reader
