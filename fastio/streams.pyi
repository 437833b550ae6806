# fastio's streams as type checkers see them: asyncio.streams's names with
# typeshed's signatures for each Python version.  At run time the functions
# are the running asyncio's own (streams.py rebinds them to fastio's
# classes), so the parameters here follow the version's asyncio.
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from _typeshed import StrPath
from typing_extensions import TypeAlias

from ._buffer import ReaderCore, WriterCore

if sys.platform == "win32":
    __all__ = (
        "StreamReader", "StreamWriter", "StreamReaderProtocol", "open_connection", "start_server",
    )
else:
    __all__ = (
        "StreamReader", "StreamWriter", "StreamReaderProtocol", "open_connection", "start_server",
        "open_unix_connection", "start_unix_server",
    )

_ClientConnectedCallback: TypeAlias = Callable[
    [StreamReader, StreamWriter], Awaitable[None] | None
]

class _Replacing(type):
    def __instancecheck__(cls, obj: object) -> bool: ...
    def __subclasscheck__(cls, subclass: type) -> bool: ...

class StreamReader(ReaderCore, asyncio.StreamReader, metaclass=_Replacing): ...

class StreamWriter(WriterCore, asyncio.StreamWriter, metaclass=_Replacing):
    def __init__(
        self,
        transport: asyncio.WriteTransport,
        protocol: asyncio.BaseProtocol,
        reader: asyncio.StreamReader | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None: ...

class StreamReaderProtocol(
    asyncio.StreamReaderProtocol, asyncio.BufferedProtocol, metaclass=_Replacing
):
    def connection_made(self, transport: asyncio.BaseTransport) -> None: ...
    def data_received(self, data: bytes) -> None: ...
    def get_buffer(self, sizehint: int) -> memoryview: ...
    def buffer_updated(self, nbytes: int) -> None: ...

if sys.version_info >= (3, 10):
    async def open_connection(
        host: str | None = None,
        port: int | str | None = None,
        *,
        limit: int = 65536,
        ssl_handshake_timeout: float | None = None,
        **kwds: Any,
    ) -> tuple[StreamReader, StreamWriter]: ...
    async def start_server(
        client_connected_cb: _ClientConnectedCallback,
        host: str | Sequence[str] | None = None,
        port: int | str | None = None,
        *,
        limit: int = 65536,
        ssl_handshake_timeout: float | None = None,
        **kwds: Any,
    ) -> asyncio.Server: ...

else:
    async def open_connection(
        host: str | None = None,
        port: int | str | None = None,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        limit: int = 65536,
        ssl_handshake_timeout: float | None = None,
        **kwds: Any,
    ) -> tuple[StreamReader, StreamWriter]: ...
    async def start_server(
        client_connected_cb: _ClientConnectedCallback,
        host: str | None = None,
        port: int | str | None = None,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        limit: int = 65536,
        ssl_handshake_timeout: float | None = None,
        **kwds: Any,
    ) -> asyncio.Server: ...

if sys.platform != "win32":
    if sys.version_info >= (3, 10):
        async def open_unix_connection(
            path: StrPath | None = None, *, limit: int = 65536, **kwds: Any
        ) -> tuple[StreamReader, StreamWriter]: ...
        async def start_unix_server(
            client_connected_cb: _ClientConnectedCallback,
            path: StrPath | None = None,
            *,
            limit: int = 65536,
            **kwds: Any,
        ) -> asyncio.Server: ...
    else:
        async def open_unix_connection(
            path: StrPath | None = None,
            *,
            loop: asyncio.AbstractEventLoop | None = None,
            limit: int = 65536,
            **kwds: Any,
        ) -> tuple[StreamReader, StreamWriter]: ...
        async def start_unix_server(
            client_connected_cb: _ClientConnectedCallback,
            path: StrPath | None = None,
            *,
            loop: asyncio.AbstractEventLoop | None = None,
            limit: int = 65536,
            **kwds: Any,
        ) -> asyncio.Server: ...
