# pyright: strict
"""A typed program on fastio, as a user writes one.

`make typecheck` runs mypy --strict and pyright (strict) over it for every
Python version: it must pass clean, and each assert_type() fails if a
checker sees another type, Any included.  tests/test_typing_program.py runs
it, so it is a program that works, not only one that type-checks.
"""
import asyncio
import os
import sys
import tempfile
from typing import Optional

from typing_extensions import assert_type

import fastio


async def echo_lines(reader: fastio.StreamReader, writer: fastio.StreamWriter) -> None:
    async for line in reader:
        assert_type(line, bytes)
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


# A callback written for asyncio's classes serves a fastio server too.
async def echo_block(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    block = await reader.readexactly(4)
    writer.write(block)
    await writer.drain()
    writer.close()


def port_of(server: asyncio.Server) -> int:
    address: tuple[str, int] = server.sockets[0].getsockname()
    return address[1]


async def tcp_round_trip() -> list[bytes]:
    server = await fastio.start_server(echo_lines, "127.0.0.1", 0, limit=2**16)
    assert_type(server, asyncio.Server)
    async with server:
        connection = await fastio.open_connection("127.0.0.1", port_of(server))
        assert_type(connection, tuple[fastio.StreamReader, fastio.StreamWriter])
        reader, writer = connection
        writer.write(b"ping\r\n")
        writer.writelines([b"a", bytearray(b"b"), memoryview(b"c\n")])
        writer.write_eof()
        await writer.drain()
        got: list[bytes] = []
        got.append(await reader.readuntil(b"\r\n"))
        got.append(await reader.readline())
        rest = await reader.read()
        assert_type(rest, bytes)
        got.append(rest)
        assert_type(reader.at_eof(), bool)
        assert_type(reader.exception(), Optional[Exception])
        assert_type(writer.transport, asyncio.WriteTransport)
        assert_type(writer.can_write_eof(), bool)
        writer.close()
        await writer.wait_closed()
    return got


async def several_separators() -> bytes:
    reader = fastio.StreamReader()
    reader.feed_data(b"key=value;")
    reader.feed_eof()
    if sys.version_info >= (3, 13):
        return await reader.readuntil((b";", b"\n"))
    return await reader.readuntil(b";")


async def into_a_buffer() -> bytes:
    reader = fastio.StreamReader()
    reader.feed_data(b"0123456789")
    reader.feed_eof()
    buffer = bytearray(8)
    count = await fastio.readinto(reader, memoryview(buffer)[:4])
    assert_type(count, int)
    if fastio.COMPILED:
        # fastio's own method: asyncio's reader, which fastio's names are
        # where it is not compiled, has none.
        count += await reader.readinto(memoryview(buffer)[count:])
    else:
        count += await fastio.readinto(reader, memoryview(buffer)[count:])
    return bytes(buffer[:count])


async def unix_round_trip() -> bytes:
    if sys.platform == "win32":
        return b"four"
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "echo.sock")
        server = await fastio.start_unix_server(echo_block, path)
        assert_type(server, asyncio.Server)
        async with server:
            reader, writer = await fastio.open_unix_connection(path)
            assert_type(reader, fastio.StreamReader)
            writer.write(b"four")
            block = await reader.readexactly(4)
            writer.close()
            await writer.wait_closed()
        return block


async def through_asyncio_names() -> bool:
    """Code that calls asyncio.open_connection gets fastio's streams."""
    server = await fastio.start_server(echo_block, "127.0.0.1", 0)
    async with server:
        fastio.install()
        try:
            assert_type(fastio.installed(), bool)
            reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
            writer.write(b"four")
            await reader.readexactly(4)
            writer.close()
            await writer.wait_closed()
        finally:
            fastio.uninstall()
    return isinstance(reader, fastio.StreamReader)


async def main() -> None:
    assert await tcp_round_trip() == [b"ping\r\n", b"abc\n", b""]
    assert await several_separators() == b"key=value;"
    assert await into_a_buffer() == b"01234567"
    assert await unix_round_trip() == b"four"
    assert await through_asyncio_names()
    assert not fastio.installed()


if __name__ == "__main__":
    asyncio.run(main())
