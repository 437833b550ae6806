# pyright: strict
"""Mistakes a type checker must catch in a program on fastio.

Each marked line ends in ``# E: mypy=CODE pyright=RULE`` (``# E<3.13:`` and
the like: only for those Python versions); tests/typing/check.py runs both
checkers for every version and fails unless each marked line is reported
with exactly those codes and no other line is reported at all.  Nothing
here is ever run.
"""
import asyncio
import sys

import fastio


async def misspelt_and_misused(reader: fastio.StreamReader, writer: fastio.StreamWriter) -> None:
    await writer.drian()  # E: mypy=attr-defined pyright=reportAttributeAccessIssue,reportUnknownMemberType
    writer.write("text")  # E: mypy=arg-type pyright=reportArgumentType
    writer.writelines(["a", "b"])  # E: mypy=list-item pyright=reportArgumentType
    writer.transport.pause_reading()  # E: mypy=attr-defined pyright=reportAttributeAccessIssue,reportUnknownMemberType
    reader.feed_data("text")  # E: mypy=arg-type pyright=reportArgumentType
    reader.set_exception(KeyboardInterrupt())  # E: mypy=arg-type pyright=reportArgumentType
    await reader.read("10")  # E: mypy=arg-type pyright=reportArgumentType
    await reader.readexactly()  # E: mypy=call-arg pyright=reportCallIssue
    await reader.readinto("text")  # E: mypy=arg-type pyright=reportArgumentType
    await fastio.readinto(reader, "text")  # E: mypy=arg-type pyright=reportArgumentType


async def wrong_results(reader: fastio.StreamReader) -> None:
    text: str = await reader.readline()  # E: mypy=assignment pyright=reportAssignmentType
    data: bytes = reader.read()  # E: mypy=assignment pyright=reportAssignmentType
    copied: bytes = await fastio.readinto(reader, bytearray(4))  # E: mypy=assignment pyright=reportAssignmentType
    print(text, data, copied)
    print(reader.exception().args)  # E: mypy=union-attr pyright=reportOptionalMemberAccess
    for _ in reader:  # E: mypy=attr-defined pyright=reportGeneralTypeIssues,reportUnknownVariableType
        pass


async def separators(reader: fastio.StreamReader) -> None:
    # A tuple of separators is readuntil()'s from 3.13 on only.
    await reader.readuntil((b"\r\n", b"\n"))  # E<3.13: mypy=arg-type pyright=reportArgumentType
    await reader.readuntil("\n")  # E: mypy=arg-type pyright=reportArgumentType


def one_argument(reader: fastio.StreamReader) -> None:
    print(reader)


async def connections() -> None:
    await fastio.open_connection(8080)  # E: mypy=arg-type pyright=reportArgumentType
    server: asyncio.Server = await fastio.open_connection("localhost", 80)  # E: mypy=assignment pyright=reportAssignmentType
    print(server)
    await fastio.start_server(one_argument, "127.0.0.1", 0)  # E: mypy=arg-type pyright=reportArgumentType
    if sys.platform != "win32":
        await fastio.start_unix_server(one_argument, "/tmp/s")  # E: mypy=arg-type pyright=reportArgumentType
        await fastio.open_unix_connection(5)  # E: mypy=arg-type pyright=reportArgumentType


def installing() -> None:
    fastio.install(True)  # E: mypy=call-arg pyright=reportCallIssue
    if fastio.installed() == "yes":  # E: mypy=comparison-overlap pyright=reportUnnecessaryComparison
        fastio.uninstall()
