"""What differs between the asyncio versions fastio follows, in one place.

fastio behaves like the interpreter it runs on; each difference is a value or
a small function here, and the stream classes use it unconditionally.
"""
from __future__ import annotations

import operator
import sys
import types
from collections.abc import Sized
from typing import Any

_VERSION = sys.version_info[:2]

# The name asyncio.streams calls on its `events` module to find the loop when
# none is given.  It is looked up at call time, as asyncio does, so tests that
# patch asyncio.streams.events see the same call.
GET_EVENT_LOOP = "_get_event_loop" if (3, 10) <= _VERSION < (3, 12) else "get_event_loop"

# The TypeError `await` raises for an object it cannot await, given the
# type's name: reworded in 3.14.
NOT_AWAITABLE = ("'%s' object can't be awaited" if _VERSION >= (3, 14)
                 else "object %s can't be used in 'await' expression")

# readuntil() takes a tuple of separators from 3.13 on.
MULTIPLE_SEPARATORS = _VERSION >= (3, 13)


def separators(separator: Sized | tuple[Sized, ...]) -> tuple[list[Sized], int, int]:
    """readuntil()'s separators, shortest first, with asyncio's checks.

    Returns (separators, min_seplen, max_seplen).  Before 3.13 a tuple is just
    an object whose len() is taken, and bytearray.find() rejects it later, as
    there.
    """
    seps: list[Sized]
    if MULTIPLE_SEPARATORS and isinstance(separator, tuple):
        seps = sorted(separator, key=len)
        if not seps:
            raise ValueError("Separator should contain at least one element")
    else:
        seps = [separator]
    min_seplen = len(seps[0])
    if min_seplen == 0:
        raise ValueError("Separator should be at least one-byte string")
    return seps, min_seplen, len(seps[-1])


# From 3.15 asyncio's reads consume with bytearray.take_bytes(n) where they
# sliced buffer[:n] before: other errors for an odd n, and an IndexError
# where a slice would have stopped at the end.
TAKE_BYTES = _VERSION >= (3, 15)


def taken(n: Any, size: int) -> int:
    """How many of `size` buffered bytes asyncio's reads consume for `n`:
    what buffer[:n] holds, or from 3.15 what buffer.take_bytes(n) takes,
    with their errors."""
    if not TAKE_BYTES:
        return slice(None, n).indices(size)[1]
    if n is None:
        return size
    if not hasattr(type(n), "__index__"):
        raise TypeError("n must be an integer or None")
    index = operator.index(n)
    if not -sys.maxsize - 1 <= index <= sys.maxsize:
        raise IndexError(f"cannot fit '{type(n).__name__}' into an index-sized integer")
    if index < 0:
        index += size
    if not 0 <= index <= size:
        raise IndexError(f"can't take {index} bytes outside size {size}")
    return index


def read_taken(n: Any, size: int) -> int:
    """read(n)'s share of `size` buffered bytes: from 3.15 asyncio takes
    min(len(buffer), n)."""
    return taken(min(size, n) if TAKE_BYTES else n, size)


def readexactly_taken(n: Any, size: int) -> int:
    """readexactly(n)'s share once `size` >= n bytes are buffered: before
    3.15 all of them when size == n (a float n included), else buffer[:n]."""
    if not TAKE_BYTES and size == n:
        return size
    return taken(n, size)


def namespace_with(module: types.ModuleType, **names: object) -> dict[str, Any]:
    """A copy of module's globals with some names bound to other objects."""
    namespace = dict(vars(module))
    namespace.update(names)
    return namespace


def rebind(func: types.FunctionType, namespace: dict[str, Any], module: str,
           owner: type | None = None) -> types.FunctionType:
    """func's code (the running interpreter's) looking names up in namespace.

    The copy says it belongs to `module` (and, with `owner`, to that class);
    its code, defaults and closure stay the original's.
    """
    copy = types.FunctionType(
        func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__)
    copy.__kwdefaults__ = func.__kwdefaults__
    copy.__doc__ = func.__doc__
    copy.__dict__.update(func.__dict__)
    copy.__module__ = module
    if owner is not None:
        copy.__qualname__ = f"{owner.__qualname__}.{func.__name__}"
    return copy
