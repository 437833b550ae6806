"""asyncio's stream classes on fastio's compiled buffers.

The read methods of StreamReader come from the compiled ReaderCore: each
first asks the buffer for the answer asyncio would give right now.  Only when
that answer is "wait" or "raise" does it run the ``_*_slow`` method here:
asyncio's own algorithm, written against the same buffer, so both paths give
identical results, errors and buffer contents.
"""
import asyncio
import socket
import weakref
from asyncio.exceptions import IncompleteReadError, LimitOverrunError
from asyncio.streams import _DEFAULT_LIMIT

from . import _compat
from ._buffer import ReaderCore, WriterCore

__all__ = (
    "StreamReader", "StreamWriter", "StreamReaderProtocol",
    "open_connection", "start_server",
)
if hasattr(socket, "AF_UNIX"):
    __all__ += ("open_unix_connection", "start_unix_server")

_asyncio_streams = asyncio.streams


class StreamReader(ReaderCore, asyncio.StreamReader):
    _source_traceback = None

    def __repr__(self):
        info = ["StreamReader"]
        if self._buffer:
            info.append(f"{len(self._buffer)} bytes")
        if self._eof:
            info.append("eof")
        if self._limit != _DEFAULT_LIMIT:
            info.append(f"limit={self._limit}")
        if self._waiter:
            info.append(f"waiter={self._waiter!r}")
        if self._exception:
            info.append(f"exception={self._exception!r}")
        if self._transport:
            info.append(f"transport={self._transport!r}")
        if self._paused:
            info.append("paused")
        return "<{}>".format(" ".join(info))

    async def _wait_for_data(self, func_name):
        # One waiter links feed_data() to one read coroutine: with two, which
        # of them gets the next data would be arbitrary.
        if self._waiter is not None:
            raise RuntimeError(
                f"{func_name}() called while another coroutine is "
                f"already waiting for incoming data")

        assert not self._eof, "_wait_for_data after EOF"

        self._flush_writer()

        # Waiting while paused would deadlock (readexactly(n) with n > limit).
        if self._paused:
            self._paused = False
            self._transport.resume_reading()

        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def _readline_slow(self):
        sep = b"\n"
        seplen = len(sep)
        try:
            line = await self.readuntil(sep)
        except IncompleteReadError as e:
            return e.partial
        except LimitOverrunError as e:
            if self._buffer.startswith(sep, e.consumed):
                del self._buffer[:e.consumed + seplen]
            else:
                self._buffer.clear()
            self._maybe_resume_transport()
            raise ValueError(e.args[0])
        return line

    async def _readuntil_slow(self, separator):
        separators, min_seplen, max_seplen = _compat.separators(separator)
        if self._exception is not None:
            raise self._exception

        buf = self._buffer
        # No separator begins before `offset`.
        offset = 0
        while True:
            buflen = len(buf)
            if buflen - offset >= min_seplen:
                match = buf.search(separators, offset)
                if match is not None:
                    break
                # The longest separator may have arrived all but its last byte.
                offset = max(0, buflen + 1 - max_seplen)
                if offset > self._limit:
                    raise LimitOverrunError(
                        "Separator is not found, and chunk exceed the limit", offset)

            # Checked after the search: the last chunk before EOF may have
            # completed a separator.
            if self._eof:
                raise IncompleteReadError(buf.take_prefix(None), None)

            await self._wait_for_data("readuntil")

        match_start, match_end = match
        if match_start > self._limit:
            raise LimitOverrunError(
                "Separator is found, but chunk is longer than limit", match_start)
        chunk = buf.take_prefix(match_end)
        self._maybe_resume_transport()
        return chunk

    async def _read_slow(self, n):
        if self._exception is not None:
            raise self._exception

        if n == 0:
            return b""

        if n < 0:
            # Read limit-sized blocks until EOF: waiting for everything at
            # once would deadlock once the transport pauses at 2 * limit.
            blocks = []
            while True:
                block = await self.read(self._limit)
                if not block:
                    break
                blocks.append(block)
            return b"".join(blocks)

        if not self._buffer and not self._eof:
            await self._wait_for_data("read")

        # Fewer than n bytes buffered is fine: read() returns what there is.
        data = self._buffer.take_prefix(n)
        self._maybe_resume_transport()
        return data

    async def _readexactly_slow(self, n):
        if n < 0:
            raise ValueError("readexactly size can not be less than zero")

        if self._exception is not None:
            raise self._exception

        if n == 0:
            return b""

        while len(self._buffer) < n:
            if self._eof:
                raise IncompleteReadError(self._buffer.take_prefix(None), n)
            await self._wait_for_data("readexactly")

        data = self._buffer.take_prefix(None if len(self._buffer) == n else n)
        self._maybe_resume_transport()
        return data

    async def _anext_slow(self):
        val = await self.readline()
        if val == b"":
            raise StopAsyncIteration
        return val


class StreamWriter(WriterCore, asyncio.StreamWriter):
    """asyncio's StreamWriter with small writes gathered (see WriterCore).

    Everything that does not write is asyncio's own: __init__, __repr__,
    wait_closed(), get_extra_info(), is_closing(), can_write_eof(),
    start_tls() and __del__ as the running interpreter has them.
    """

    def __init__(self, transport, protocol, reader, loop):
        super().__init__(transport, protocol, reader, loop)
        if isinstance(reader, ReaderCore):
            reader._writer_ref = weakref.ref(self)

    async def drain(self):
        # asyncio's drain() decides on the transport's buffer and the
        # protocol's pause state: hand over what is held first, so both are
        # what they would be with asyncio.
        self._flush()
        await super().drain()


class StreamReaderProtocol(asyncio.StreamReaderProtocol):
    """asyncio's StreamReaderProtocol, making fastio writers for servers."""


# The interpreter's own functions and connection_made(), run with fastio's
# classes in their globals: each version's signatures, checks and warnings
# come from the running asyncio itself, with nothing copied.
_names = _compat.namespace_with(
    _asyncio_streams,
    StreamReader=StreamReader,
    StreamWriter=StreamWriter,
    StreamReaderProtocol=StreamReaderProtocol,
)
StreamReaderProtocol.connection_made = _compat.rebind(
    asyncio.StreamReaderProtocol.connection_made, _names, __name__, StreamReaderProtocol)
open_connection = _compat.rebind(_asyncio_streams.open_connection, _names, __name__)
start_server = _compat.rebind(_asyncio_streams.start_server, _names, __name__)
if hasattr(socket, "AF_UNIX"):
    open_unix_connection = _compat.rebind(_asyncio_streams.open_unix_connection, _names, __name__)
    start_unix_server = _compat.rebind(_asyncio_streams.start_unix_server, _names, __name__)
