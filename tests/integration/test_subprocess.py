"""asyncio's subprocess pipes, on plain asyncio and under fastio.install().

asyncio.subprocess makes a child's stdout and stderr readers and its stdin
writer by looking up ``asyncio.streams.StreamReader`` / ``StreamWriter`` when
the child starts, so install() reaches them with no change to the caller.
The children are this interpreter running a short program; what they write
is built from the same expressions the test checks it against.

Tests either run one body twice (``streams``) with the same expectations, or
run a program under both and assert the two outcomes equal (``on_both``),
which is how the endings are checked: which exception, its message,
``partial``, ``expected`` and ``consumed``, and the child's return code.
"""
import asyncio
import contextlib
import os
import random
import signal
import sys
import zlib
from asyncio.subprocess import PIPE

import pytest

import fastio
from compare import on_both

pytestmark = [pytest.mark.integration]

TIMEOUT = 20
MILLION = 1_000_000

assert not fastio.installed()
ASYNCIO_READER = asyncio.streams.StreamReader
ASYNCIO_WRITER = asyncio.streams.StreamWriter


def arun(loop, coro, timeout=TIMEOUT):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


async def spawn(code, *args, stdin=None, **kwargs):
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, *map(str, args),
        stdin=stdin, stdout=PIPE, stderr=PIPE, **kwargs)


async def reap(proc):
    """Kill the child if it still runs, read what is left of its output and
    wait for it: the pipes and the transport end closed whatever happened."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    if proc.stdin is not None:
        proc.stdin.close()
    await proc.communicate()


async def ending(awaitable):
    """What a caller sees of one read: ("ok", data) or the exception with
    the attributes asyncio's stream errors carry."""
    try:
        return ("ok", await awaitable)
    except Exception as exc:  # noqa: BLE001 - compared between the two runs
        attrs = {name: getattr(exc, name)
                 for name in ("partial", "expected", "consumed") if hasattr(exc, name)}
        return ("raised", type(exc), str(exc), attrs)


def expected_types(streams):
    if streams == "fastio":
        return fastio.StreamReader, fastio.StreamWriter
    return ASYNCIO_READER, ASYNCIO_WRITER


# A child writes `count` numbered lines in one go.
LINES_CHILD = """\
import sys
sys.stdout.buffer.write(b"".join(b"%d\\n" % i for i in range(int(sys.argv[1]))))
"""


def test_a_million_lines_with_readline(streams, loop):
    async def body():
        proc = await spawn(LINES_CHILD, MILLION)
        try:
            count, crc, malformed = 0, 0, 0
            readline = proc.stdout.readline
            for _ in range(MILLION + 1):
                line = await readline()
                if not line:
                    break
                count += 1
                crc = zlib.crc32(line, crc)
                if line.find(b"\n") != len(line) - 1:
                    malformed += 1
            err = await proc.stderr.read()
            code = await proc.wait()
            return type(proc.stdout), count, crc, malformed, err, code
        finally:
            await reap(proc)

    kind, count, crc, malformed, err, code = arun(loop, body())
    assert kind is expected_types(streams)[0]
    assert count == MILLION and malformed == 0
    assert crc == zlib.crc32(b"".join(b"%d\n" % i for i in range(MILLION)))
    assert (err, code) == (b"", 0)


# A child writes `size` reproducible random bytes.
BINARY_CHILD = """\
import random, sys
sys.stdout.buffer.write(random.Random(int(sys.argv[1])).randbytes(int(sys.argv[2])))
"""
BINARY_SEED = 4
BLOCK = 65536
BINARY_SIZE = 48 * BLOCK + 1234     # a short block last


def test_binary_output_with_readexactly():
    seen_types = []

    async def program():
        proc = await spawn(BINARY_CHILD, BINARY_SEED, BINARY_SIZE)
        try:
            seen_types.append(type(proc.stdout))
            crc, blocks = 0, 0
            for _ in range(BINARY_SIZE // BLOCK):
                crc = zlib.crc32(await proc.stdout.readexactly(BLOCK), crc)
                blocks += 1
            last = await ending(proc.stdout.readexactly(BLOCK))
            after = (await ending(proc.stdout.readexactly(1)),
                     await proc.stdout.read(), proc.stdout.at_eof())
            return blocks, crc, last, after, await proc.stderr.read(), await proc.wait()
        finally:
            await reap(proc)

    plain, fast = on_both(program, timeout=TIMEOUT)
    assert plain == fast
    assert seen_types == [ASYNCIO_READER, fastio.StreamReader]
    data = random.Random(BINARY_SEED).randbytes(BINARY_SIZE)
    tail = data[len(data) - len(data) % BLOCK:]
    assert plain[0] == "ok"
    blocks, crc, last, after, err, code = plain[1]
    assert (blocks, crc) == (len(data) // BLOCK, zlib.crc32(data[:len(data) - len(tail)]))
    assert last[:2] == ("raised", asyncio.IncompleteReadError)
    assert last[3] == {"partial": tail, "expected": BLOCK}
    assert after[0][3] == {"partial": b"", "expected": 1}
    assert after[1:] == (b"", True)
    assert (err, code) == (b"", 0)


# A child reads all of stdin, then writes it to stdout three times and
# reversed to stderr, in interleaved pieces: it blocks on a full pipe unless
# the parent reads both while it feeds stdin.
COMMUNICATE_CHILD = """\
import sys
data = sys.stdin.buffer.read()
backwards = data[::-1]
out, err = sys.stdout.buffer, sys.stderr.buffer
step = 10000
for i in range(0, len(data), step):
    out.write(data[i:i + step] * 3)
    err.write(backwards[i:i + step])
out.flush()
err.flush()
sys.exit(5)
"""


def test_communicate_with_large_stdout_and_stderr(streams, loop):
    data = random.Random(5).randbytes(1_500_000)

    async def body():
        proc = await spawn(COMMUNICATE_CHILD, stdin=PIPE)
        try:
            types = type(proc.stdout), type(proc.stdin)
            out, err = await proc.communicate(data)
            return types, out, err, proc.returncode
        finally:
            await reap(proc)

    types, out, err, code = arun(loop, body())
    assert types == expected_types(streams)
    step = 10000
    assert out == b"".join(data[i:i + step] * 3 for i in range(0, len(data), step))
    assert err == data[::-1]
    assert code == 5


# A child writes `count` lines and part of one more, then dies: by
# os._exit() with nothing more written, or killed by the parent while it
# waits on stdin.  Before that it writes a byte to the fd in argv[3], so the
# parent kills it only once all of its output is in the pipes.
DYING_CHILD = """\
import os, sys
out = sys.stdout.buffer
out.write(b"".join(b"line %d\\n" % i for i in range(int(sys.argv[1]))) + b"half a li")
out.flush()
sys.stderr.buffer.write(b"no newline on stderr either")
sys.stderr.buffer.flush()
os.write(int(sys.argv[3]), b"!")
if sys.argv[2] == "exit":
    os._exit(3)
sys.stdin.read()
"""
DYING_LINES = 20000


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_child_that_dies_mid_line(how):
    async def program():
        written_r, written_w = os.pipe()
        try:
            try:
                proc = await spawn(DYING_CHILD, DYING_LINES, how, written_w,
                                   stdin=PIPE, pass_fds=(written_w,))
            finally:
                os.close(written_w)
            try:
                return await read_until_death(proc, written_r)
            finally:
                await reap(proc)
        finally:
            os.close(written_r)

    async def read_until_death(proc, written_r):
        count, crc = 0, 0
        for _ in range(DYING_LINES):
            line = await proc.stdout.readuntil(b"\n")
            count += 1
            crc = zlib.crc32(line, crc)
        # The child has nothing left to block on, so this read is short.
        assert await asyncio.get_running_loop().run_in_executor(
            None, os.read, written_r, 1) == b"!"
        if how == "kill":
            proc.kill()
        seen = [
            await ending(proc.stdout.readuntil(b"\n")),
            await ending(proc.stdout.readline()),
            await ending(proc.stdout.readexactly(5)),
            proc.stdout.at_eof(),
            await ending(proc.stderr.readexactly(100)),
            await ending(proc.stderr.readline()),
        ]
        return count, crc, seen, await proc.wait()

    plain, fast = on_both(program, timeout=TIMEOUT)
    assert plain == fast
    assert plain[0] == "ok"
    count, crc, seen, code = plain[1]
    assert count == DYING_LINES
    assert crc == zlib.crc32(b"".join(b"line %d\n" % i for i in range(DYING_LINES)))
    line_cut, line_after, exactly_after, at_eof, err_cut, err_after = seen
    assert line_cut[:2] == ("raised", asyncio.IncompleteReadError)
    assert line_cut[3] == {"partial": b"half a li", "expected": None}
    assert line_after == ("ok", b"")
    assert exactly_after[3] == {"partial": b"", "expected": 5}
    assert at_eof is True
    assert err_cut[3] == {"partial": b"no newline on stderr either", "expected": 100}
    assert err_after == ("ok", b"")
    assert code == (3 if how == "exit" else -signal.SIGKILL)


# A child copies stdin to stdout as it comes.
ECHO_CHILD = """\
import os
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        break
    while chunk:
        chunk = chunk[os.write(1, chunk):]
"""


def test_async_for_over_stdout_while_feeding_stdin(streams, loop):
    rng = random.Random(6)
    lines = [b"x" * rng.choice([0, 1, 2, 79, 4000, 60000]) + b"\n" for _ in range(3000)]
    data = b"".join(lines) + b"no newline at the end"

    async def feed(writer):
        for i in range(0, len(data), 50000):
            writer.write(data[i:i + 50000])
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def body():
        proc = await spawn(ECHO_CHILD, stdin=PIPE)
        try:
            types = type(proc.stdout), type(proc.stdin)
            feeding = asyncio.ensure_future(feed(proc.stdin))
            try:
                got = [line async for line in proc.stdout]
                await feeding
            finally:
                feeding.cancel()
            return types, got, await proc.stderr.read(), await proc.wait()
        finally:
            await reap(proc)

    types, got, err, code = arun(loop, body())
    assert types == expected_types(streams)
    assert got == data.splitlines(keepends=True)
    assert (err, code) == (b"", 0)


# A child writes records ending in SEPARATOR: "split" ones with the
# separator spread over four writes, "whole" ones in a single write (at most
# PIPE_BUF bytes, so the reader gets all of it at once: how the reader's
# buffer is filled does not decide what readuntil() says).  Last, a run of
# bytes that never meets a separator, and EOF.
RECORDS_CHILD = """\
import os, sys
def put(data):
    while data:
        data = data[os.write(1, data):]
for arg in sys.argv[1:]:
    how, size = arg.split(":")
    record = b"r" * int(size)
    if how == "split":
        put(record + b"\\r\\n-")
        put(b"-")
        put(b"\\r")
        put(b"\\n")
    elif how == "whole":
        put(record + b"\\r\\n--\\r\\n")
    else:
        put(record + b"\\r\\n-")
"""
SEPARATOR = b"\r\n--\r\n"
LIMIT = 1024
RECORDS = [("split", 0), ("split", 10), ("split", 1000), ("split", LIMIT - 1),
           ("split", LIMIT), ("whole", 20), ("whole", LIMIT + 1), ("whole", 3000),
           ("split", 7), ("cut", 3000)]


def test_readuntil_over_a_pipe():
    async def program():
        proc = await spawn(RECORDS_CHILD, *(f"{how}:{size}" for how, size in RECORDS), limit=LIMIT)
        try:
            seen = []
            for _ in range(2 * len(RECORDS)):
                result = await ending(proc.stdout.readuntil(SEPARATOR))
                if result[0] == "raised" and result[1] is asyncio.LimitOverrunError:
                    # Too long for the limit: what readuntil() left in the
                    # buffer is still there to read.
                    skipped = await proc.stdout.read(result[3]["consumed"])
                    result += (skipped,)
                seen.append(result)
                if result[0] == "raised" and result[1] is not asyncio.LimitOverrunError:
                    break
            seen.append(await ending(proc.stdout.readuntil(b"\n")))
            seen.append(await ending(proc.stdout.readuntil(b"")))
            return seen, await proc.stderr.read(), await proc.wait()
        finally:
            await reap(proc)

    plain, fast = on_both(program, timeout=TIMEOUT)
    assert plain == fast
    assert plain[0] == "ok"
    seen, err, code = plain[1]
    assert (err, code) == (b"", 0)
    # A record whose separator starts within the limit comes back whole;
    # past it, readuntil() raises and leaves the record to read(), and the
    # separator alone comes next.
    expected_ok = []
    for how, size in RECORDS:
        if how != "cut":
            expected_ok.append(b"r" * size + SEPARATOR if size <= LIMIT else SEPARATOR)
    assert [s[1] for s in seen if s[0] == "ok"] == expected_ok
    overruns = [s for s in seen if s[1] is asyncio.LimitOverrunError]
    assert [(s[3]["consumed"], s[4]) for s in overruns[:2]] == [
        (size, b"r" * size) for how, size in RECORDS if how == "whole" and size > LIMIT]
    assert len(overruns) == 3       # and the cut-off run, with no separator
    cut = overruns[2][4] + seen[-3][3]["partial"]
    assert cut == b"r" * 3000 + b"\r\n-"
    assert [s[1] for s in seen[-3:]] == [
        asyncio.IncompleteReadError, asyncio.IncompleteReadError, ValueError]


@pytest.mark.parametrize("separator",
                         [SEPARATOR, (SEPARATOR, b"\n"), (b"\n", SEPARATOR), (), (b"",)],
                         ids=["one", "long-first", "short-first", "none", "empty"])
def test_readuntil_with_several_separators(separator):
    """readuntil() of a tuple: from Python 3.13 the shortest chunk that ends
    in any of them; before, a TypeError once there is data to search."""
    async def program():
        proc = await spawn(RECORDS_CHILD, "split:5", "whole:3", "cut:2", limit=LIMIT)
        try:
            seen = [await ending(proc.stdout.readuntil(separator)) for _ in range(4)]
            return seen, await proc.stdout.read(), await proc.wait()
        finally:
            await reap(proc)

    plain, fast = on_both(program, timeout=TIMEOUT)
    assert plain == fast
    assert plain[0] == "ok"


def test_install_reaches_subprocess_pipes(loop):
    code = "import sys; sys.stdout.write(sys.stdin.read().upper())"

    async def start_and_talk(data, uninstall_midway=False):
        proc = await spawn(code, stdin=PIPE)
        try:
            types = type(proc.stdout), type(proc.stderr), type(proc.stdin)
            if uninstall_midway:
                fastio.uninstall()
            return types, await proc.communicate(data)
        finally:
            await reap(proc)

    fastio.install()
    try:
        under = arun(loop, start_and_talk(b"under"))
        # A child started while installed keeps its fastio streams after
        # uninstall(), and they still work.
        midway = arun(loop, start_and_talk(b"midway", uninstall_midway=True))
    finally:
        fastio.uninstall()
    after = arun(loop, start_and_talk(b"after"))

    fastio_types = (fastio.StreamReader, fastio.StreamReader, fastio.StreamWriter)
    asyncio_types = (ASYNCIO_READER, ASYNCIO_READER, ASYNCIO_WRITER)
    assert under == (fastio_types, (b"UNDER", b""))
    assert midway == (fastio_types, (b"MIDWAY", b""))
    assert after == (asyncio_types, (b"AFTER", b""))
    assert (asyncio.streams.StreamReader, asyncio.streams.StreamWriter) == (
        ASYNCIO_READER, ASYNCIO_WRITER)
