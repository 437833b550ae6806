"""asyncio's stream classes on fastio's compiled buffers.

StreamReader and StreamWriter are compiled cores (fastio/_buffer.pyx)
combined with asyncio's classes, so isinstance() holds and whatever fastio
does not do itself is the running asyncio's own code.
"""
import asyncio
import socket
from asyncio.streams import _DEFAULT_LIMIT

from . import _buffer, _compat, _install
from ._buffer import ReaderCore, WriterCore

__all__ = (
    "StreamReader", "StreamWriter", "StreamReaderProtocol",
    "open_connection", "start_server",
)
if hasattr(socket, "AF_UNIX"):
    __all__ += ("open_unix_connection", "start_unix_server")

_asyncio_streams = asyncio.streams


class _Replacing(type):
    """While fastio.install() is in effect, asyncio's names are fastio's
    classes, yet code from before then still makes asyncio's own objects (a
    library's subclass of asyncio.StreamReader, say) and checks them against
    those names, as asyncio's StreamWriter does its reader.  So the checks
    also accept what the replaced asyncio class would."""

    def __instancecheck__(cls, obj):
        if type.__instancecheck__(cls, obj):
            return True
        replaced = _install.replaced_class(cls)
        return replaced is not None and isinstance(obj, replaced)

    def __subclasscheck__(cls, subclass):
        if type.__subclasscheck__(cls, subclass):
            return True
        replaced = _install.replaced_class(cls)
        return replaced is not None and issubclass(subclass, replaced)


class StreamReader(ReaderCore, asyncio.StreamReader, metaclass=_Replacing):
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


class StreamWriter(WriterCore, asyncio.StreamWriter, metaclass=_Replacing):
    """asyncio's StreamWriter with small writes gathered (see WriterCore).

    Everything that does not write is asyncio's own: __init__, __repr__,
    wait_closed(), get_extra_info(), is_closing(), can_write_eof(),
    start_tls() and __del__ as the running interpreter has them, and drain()
    when it has anything to wait for (WriterCore.drain); __init__ pairs a
    fastio reader as it sets ``_reader`` (WriterCore._reader).
    """


# asyncio's __init__ sets an attribute of its own on every writer.
_buffer.allocate_as_object(StreamWriter)


class StreamReaderProtocol(asyncio.StreamReaderProtocol, asyncio.BufferedProtocol,
                           metaclass=_Replacing):
    """asyncio's StreamReaderProtocol, making fastio writers for servers.

    It is also a BufferedProtocol, so socket transports receive into one
    buffer per event loop rather than a new bytes object per read (see
    _buffer.get_buffer); for transports that call data_received() (pipes,
    uvloop), that is compiled too.  Both feed exactly as asyncio's
    data_received() does.
    """

    data_received = _buffer.data_received
    get_buffer = _buffer.get_buffer
    buffer_updated = _buffer.buffer_updated


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
