"""Echo one line through a fastio server and client on 127.0.0.1, with the
compiled extension in use (for checking an installed wheel)."""
import asyncio
import sys

import fastio


async def main():
    async def echo(reader, writer):
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    server = await fastio.start_server(echo, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        reader, writer = await fastio.open_connection("127.0.0.1", port)
        writer.write(b"hello fastio\n")
        line = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        await writer.wait_closed()
    return line, type(reader)


line, reader_type = asyncio.run(main())
assert fastio.COMPILED, fastio.NOT_COMPILED_BECAUSE
assert reader_type is fastio.StreamReader and line == b"hello fastio\n", (reader_type, line)
print(f"{sys.implementation.name} {sys.version.split()[0]}: echoed {line!r} "
      f"through {fastio.__file__}")
