"""fastio: asyncio streams with the hot path compiled.

The names mirror ``asyncio.streams``; ``install()`` puts them in place of
asyncio's so code that looks them up at call time (``asyncio.open_connection``,
asyncio's subprocess support...) runs on fastio, and ``uninstall()`` puts
asyncio's back.
"""
import asyncio
import asyncio.streams
import sys
from types import ModuleType
from typing import Any

from . import streams
from .streams import (
    StreamReader,
    StreamReaderProtocol,
    StreamWriter,
    open_connection,
    start_server,
)

# streams.py asks socket for AF_UNIX, as asyncio does; type checkers know
# the platform instead (tests/test_api.py: the two agree).
if sys.platform != "win32":
    from .streams import open_unix_connection, start_unix_server

__all__ = [
    "StreamReader", "StreamWriter", "StreamReaderProtocol", "open_connection", "start_server",
]
if sys.platform != "win32":
    __all__ += ["open_unix_connection", "start_unix_server"]
__all__ += ["install", "uninstall", "installed"]
__version__ = "0.1.0"

# (module, name) -> asyncio's object, while installed.
_replaced: dict[tuple[ModuleType, str], Any] = {}


def install() -> None:
    """Use fastio's streams wherever asyncio's are looked up by name."""
    if _replaced:
        return
    for module in (asyncio, asyncio.streams):
        for name in streams.__all__:
            _replaced[module, name] = getattr(module, name)
            setattr(module, name, getattr(streams, name))
    for name in ("StreamReader", "StreamWriter", "StreamReaderProtocol"):
        streams._replacing[getattr(streams, name)] = _replaced[asyncio.streams, name]


def uninstall() -> None:
    """Put asyncio's own streams back, exactly as they were."""
    streams._replacing.clear()
    while _replaced:
        (module, name), original = _replaced.popitem()
        setattr(module, name, original)


def installed() -> bool:
    """True between install() and uninstall()."""
    return bool(_replaced)
