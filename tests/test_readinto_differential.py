"""readinto() against its model: ``read(n)`` on asyncio's reader, n being the
buffer's length in bytes, and the copy a caller makes.

The programs of test_reader_differential.py (feeds, EOF, set_exception,
cancellations, loop turns, every other read among them) gain a readinto
operation into a fresh buffer of a drawn kind and size; the model runs on
asyncio's reader, and the same program runs with fastio's compiled
``reader.readinto()`` and with ``fastio.readinto()`` on asyncio's reader (the
portable path, which is the fallback's).  Compared after every operation:
every read's outcome (a count, or the exception, or cancelled), every
buffer's bytes, the reader's buffer and state, and the transport's
pause/resume calls.
"""
import array
import asyncio
import mmap

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastio
from test_reader_differential import (
    DIFFERENTIAL,
    Chunk,
    Runner,
    _check_no_bytes_lost,
    _op,
    default_or_small_limits,
    programs,
    read_ops,
    run_differential,
    transports,
    weighted,
)


async def model(reader, buffer):
    """What a caller of asyncio's reader writes for readinto()."""
    view = memoryview(buffer).cast("B")
    data = await reader.read(len(view))
    view[:len(data)] = data
    return len(data)


def make_buffer(form, size):
    """A buffer of `size` bytes, filled with b"#" (so a copy shows)."""
    if form == "bytearray":
        return bytearray(b"#" * size)
    if form == "view-slice":
        return memoryview(bytearray(b"<" + b"#" * size + b">"))[1:1 + size]
    if form == "array":  # two bytes an item: its length is not its size
        return array.array("H", b"#" * (size - size % 2))
    return mmap.mmap(-1, size) if size else bytearray()


def contents(buffer):
    return bytes(buffer) if not isinstance(buffer, array.array) else buffer.tobytes()


class ReadintoRunner(Runner):
    """A Runner whose programs also read into buffers, with `into`."""

    def __init__(self, module, into, name, limit, transport):
        super().__init__(module, limit, transport)
        self.into = into
        self.name = name
        self.buffers = []

    def _apply(self, op):
        if op.name != "readinto":
            return super()._apply(op)
        buffer = make_buffer(*op.arg)
        self.buffers.append(buffer)
        reader, into = self.reader, self.into

        async def call():
            count = await into(reader, buffer)
            self.consumed.append(contents(buffer)[:count])
            return count

        task = self.loop.create_task(call())
        self.live.append((self.ntasks, task))
        self.ntasks += 1
        return None

    def observe(self):
        obs = super().observe()
        obs["readinto buffers"] = [contents(buffer) for buffer in self.buffers]
        return obs


readinto_op = _op("readinto", st.tuples(
    st.sampled_from(["bytearray", "bytearray", "view-slice", "array", "mmap"]),
    st.integers(0, 20)))
READS = (*read_ops, (readinto_op, 6))

SPELLINGS = {
    "method": (fastio, lambda reader, buffer: reader.readinto(buffer)),
    "function-on-asyncio": (asyncio, fastio.readinto),
}


def runners(spelling):
    module, into = SPELLINGS[spelling]
    return (lambda *args: ReadintoRunner(asyncio, model, "asyncio read()+copy", *args),
            lambda *args: ReadintoRunner(module, into, f"{module.__name__} {spelling}", *args))


# The compiled method exists only where fastio is compiled.  (The function
# on fastio's reader is that method, or, not compiled, the function on
# asyncio's: test_reader_readinto.py runs it; here it would repeat a run.)
spellings = pytest.mark.parametrize("spelling", [
    pytest.param("method", marks=pytest.mark.compiled), "function-on-asyncio"])


@spellings
@DIFFERENTIAL
@given(program=programs(reads=READS), limit=default_or_small_limits, transport=transports)
def test_readinto_matches_read_and_copy(spelling, program, limit, transport):
    expected, actual = run_differential(program, limit, transport, runners(spelling))
    _check_no_bytes_lost(expected)
    _check_no_bytes_lost(actual)


# Cancellations among readinto() calls only: every fed byte is read into a
# buffer or still buffered (a cancelled readinto() takes nothing).
cancel_program = st.lists(weighted(
    (_op("feed", st.builds(Chunk, st.just("bytes"), st.binary(max_size=8))), 4),
    (readinto_op, 3),
    (_op("cancel", st.integers(0, 3)), 3),
    (_op("wait"), 1),
), max_size=30)


@spellings
@DIFFERENTIAL
@given(program=cancel_program, transport=transports)
def test_cancelled_readinto_loses_no_bytes(spelling, program, transport):
    expected, actual = run_differential(program, None, transport, runners(spelling))
    assert not expected.lossy
    _check_no_bytes_lost(expected)
    _check_no_bytes_lost(actual)
