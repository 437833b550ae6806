"""fastio: asyncio streams with the hot path compiled.

The names mirror ``asyncio.streams``; ``install()`` puts them in place of
asyncio's so code that looks them up at call time (``asyncio.open_connection``,
asyncio's subprocess support...) runs on fastio, and ``uninstall()`` puts
asyncio's back.

``readinto(reader, buffer)`` is fastio's own: read() into a buffer the caller
owns, on any asyncio-compatible reader (install() puts it nowhere in asyncio).

``COMPILED`` says which implementation is in use.  It is False, and fastio's
names are asyncio's own classes and functions (so ``install()`` and
``uninstall()`` change nothing), when ``FASTIO_NO_EXTENSIONS`` is set, on
interpreters other than CPython, or when the compiled extension cannot be
imported; ``NOT_COMPILED_BECAUSE`` then says which of these it was.
"""
import asyncio
import asyncio.streams
import sys
from collections.abc import Coroutine
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

from . import _extension, _install, _readinto

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from ._buffer import ReaderCore


def _select_streams() -> "tuple[ModuleType, Optional[str]]":
    """The streams fastio's names come from, and why they are not the
    compiled ones (None when they are)."""
    because = _extension.unwanted_because()
    if because is not None:
        return asyncio.streams, because
    try:
        from . import streams
    except ImportError as exc:
        # The wheel or build lacks a usable fastio._buffer: asyncio's own
        # streams still do the job, only slower.
        return asyncio.streams, f"the extension cannot be imported ({exc})"
    return streams, None


_streams, NOT_COMPILED_BECAUSE = _select_streams()
COMPILED: bool = NOT_COMPILED_BECAUSE is None
# The readers readinto() leaves to their own readinto() method: the compiled ones.
_READS_INTO: "tuple[type[ReaderCore], ...]" = (_streams.ReaderCore,) if COMPILED else ()

if TYPE_CHECKING:
    # Type checkers see the compiled classes; without them the names are the
    # asyncio classes these subclass.
    from .streams import (
        StreamReader,
        StreamReaderProtocol,
        StreamWriter,
        open_connection,
        start_server,
    )
    if sys.platform != "win32":
        from .streams import open_unix_connection, start_unix_server
else:
    StreamReader = _streams.StreamReader
    StreamWriter = _streams.StreamWriter
    StreamReaderProtocol = _streams.StreamReaderProtocol
    open_connection = _streams.open_connection
    start_server = _streams.start_server
    # streams.py asks socket for AF_UNIX, as asyncio does; type checkers know
    # the platform instead (tests/test_api.py: the two agree).
    if sys.platform != "win32":
        open_unix_connection = _streams.open_unix_connection
        start_unix_server = _streams.start_unix_server

__all__ = [
    "StreamReader", "StreamWriter", "StreamReaderProtocol", "open_connection", "start_server",
]
if sys.platform != "win32":
    __all__ += ["open_unix_connection", "start_unix_server"]
__all__ += ["install", "uninstall", "installed", "readinto"]
__version__ = "0.1.0"


def install() -> None:
    """Use fastio's streams wherever asyncio's are looked up by name."""
    _install.install(_streams)


def uninstall() -> None:
    """Put asyncio's own streams back, exactly as they were."""
    _install.uninstall()


def installed() -> bool:
    """True between install() and uninstall()."""
    return _install.installed()


def readinto(
    reader: asyncio.StreamReader, buffer: "WriteableBuffer"
) -> "Coroutine[Any, Any, int]":
    """Wait as ``reader.read(n)`` does, n being the buffer's length in bytes,
    and copy what it returns into ``buffer``: the count, 0 at EOF (or for an
    empty buffer).  ``buffer`` is anything writable and C-contiguous, as for
    ``socket.recv_into()``; else TypeError, raised when awaited, before
    anything is read.

    On fastio's compiled reader this is its ``readinto()``, which copies
    from its buffer with no bytes object between; on any other reader
    (asyncio's, or fastio's names without the extension) it awaits
    ``reader.read(n)`` and copies that.  The portable spelling: where fastio
    is not compiled, ``StreamReader`` is asyncio's, which has no readinto().
    """
    if isinstance(reader, _READS_INTO):
        return reader.readinto(buffer)
    return _readinto.read_and_copy(reader, buffer)
