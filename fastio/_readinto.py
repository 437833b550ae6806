"""readinto(): what the buffer it fills must be, and how it is filled from a
reader that has no readinto() of its own (asyncio's, and so fastio's where
its extension is not used).

The rule for the buffer is socket.recv_into()'s and file.readinto()'s:
anything the buffer protocol hands out writable and C-contiguous, its length
counted in bytes; anything else is their TypeError, worded as io's.  The compiled reader
(fastio/_core/reader.pxi) takes the buffer in C and raises refused() from
here, so both say the same.  This module imports nothing from fastio: the
compiled core imports it.
"""
from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


def refused(buffer: object) -> TypeError:
    """The error for a buffer readinto() cannot fill: the one io's
    readinto() gives for it, in the running interpreter's words."""
    try:
        # Reads nothing: an empty file's readinto() only checks its argument.
        io.BytesIO().readinto(buffer)  # type: ignore[arg-type]
    except TypeError as error:
        return TypeError(*error.args)
    # Taken there and not here (an exporter that changed its mind).
    return TypeError("readinto() argument must be read-write bytes-like object, "
                     f"not {type(buffer).__name__}")


def writable_bytes(buffer: WriteableBuffer) -> memoryview:
    """`buffer` as a writable memoryview of its bytes, or refused()."""
    try:
        view = memoryview(buffer)
    except (TypeError, ValueError, BufferError):
        # Not a buffer, a released memoryview, or an exporter that refuses:
        # raised below, so that no error of memoryview()'s is its context.
        view = None
    if view is None:
        raise refused(buffer)
    if view.readonly or not view.c_contiguous:
        view.release()
        raise refused(buffer)
    with view:
        return view.cast("B")


async def read_and_copy(reader: asyncio.StreamReader, buffer: WriteableBuffer) -> int:
    """readinto() on a reader without one: read(n) for n, the buffer's length
    in bytes, and the copy.  The buffer stays exported while the read waits,
    so resizing it meanwhile raises BufferError where that is done, rather
    than leaving read bytes with nowhere to go."""
    with writable_bytes(buffer) as view:
        data = await reader.read(len(view))
        view[:len(data)] = data
    return len(data)
