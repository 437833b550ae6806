"""asyncio's stream classes on fastio's compiled buffers.

StreamReader and StreamWriter are compiled cores (fastio/_buffer.pyx)
combined with asyncio's classes, so isinstance() holds and whatever fastio
does not do itself is the running asyncio's own code.
"""
import asyncio
import socket
import weakref
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


class StreamWriter(WriterCore, asyncio.StreamWriter):
    """asyncio's StreamWriter with small writes gathered (see WriterCore).

    Everything that does not write is asyncio's own: __init__, __repr__,
    wait_closed(), get_extra_info(), is_closing(), can_write_eof(),
    start_tls() and __del__ as the running interpreter has them, and drain()
    after handing over what is held.
    """

    def __init__(self, transport, protocol, reader, loop):
        super().__init__(transport, protocol, reader, loop)
        if isinstance(reader, ReaderCore):
            reader._writer_ref = weakref.ref(self)


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
