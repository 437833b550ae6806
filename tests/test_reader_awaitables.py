"""What the read methods return behaves as the coroutines asyncio's return.

fastio's read methods return a compiled awaitable instead of a coroutine,
and reuse one that has finished when nothing else holds it; a program must
see neither.  Each test runs on ``asyncio`` and on ``fastio``.
"""
import asyncio
import gc
import weakref

import pytest

from test_reader_helpers import run, start

# (method, args, fed before, result), each answered at once.
READS = [
    ("readline", (), b"ab\ncd", b"ab\n"),
    ("readuntil", (b"--",), b"ab--cd", b"ab--"),
    ("readexactly", (3,), b"abcd", b"abc"),
    ("read", (2,), b"abcd", b"ab"),
]
IDS = [read[0] for read in READS]


def fed_reader(impl, loop, data):
    r = impl.StreamReader(loop=loop)
    r.feed_data(data)
    return r


@pytest.mark.parametrize("method, args, data, result", READS, ids=IDS)
def test_a_read_is_a_coroutine_that_runs_only_when_awaited(impl, loop, method, args, data,
                                                             result):
    r = fed_reader(impl, loop, data)
    pending = getattr(r, method)(*args)
    assert asyncio.iscoroutine(pending)
    assert bytes(r._buffer) == data
    pending.close()
    assert bytes(r._buffer) == data
    assert run(loop, getattr(r, method)(*args)) == result


@pytest.mark.parametrize("method, args, data, result", READS, ids=IDS)
def test_an_answered_read_cannot_be_awaited_again(impl, loop, method, args, data, result):
    r = fed_reader(impl, loop, result * 2)
    kept = getattr(r, method)(*args)
    with pytest.raises(StopIteration) as info:
        kept.send(None)
    assert info.value.value == result
    # Another read made while the program still holds the first: the first
    # stays finished, and the new one reads.
    after = getattr(r, method)(*args)
    with pytest.raises(RuntimeError, match="^cannot reuse already awaited coroutine$"):
        kept.send(None)
    assert run(loop, after) == result
    assert bytes(r._buffer) == b""


def test_a_read_that_waited_cannot_be_awaited_again(impl, loop):
    r = impl.StreamReader(loop=loop)
    kept = r.readline()
    task = start(loop, kept)
    r.feed_data(b"late\n")
    assert run(loop, task) == b"late\n"
    r.feed_data(b"next\n")
    after = r.readline()
    with pytest.raises(RuntimeError, match="^cannot reuse already awaited coroutine$"):
        kept.send(None)
    assert run(loop, after) == b"next\n"


def test_a_read_closed_unstarted_reads_nothing_when_sent(impl, loop):
    r = fed_reader(impl, loop, b"ab\n")
    closed = r.readline()
    closed.close()
    with pytest.raises(RuntimeError, match="^cannot reuse already awaited coroutine$"):
        closed.send(None)
    assert bytes(r._buffer) == b"ab\n"


def test_sending_a_value_into_an_unstarted_read_is_refused(impl, loop):
    r = fed_reader(impl, loop, b"ab\n")
    pending = r.readline()
    with pytest.raises(TypeError, match="^can't send non-None value to a just-started coroutine$"):
        pending.send(1)
    assert bytes(r._buffer) == b"ab\n"
    pending.close()


def test_throwing_into_an_unstarted_read_raises_it_and_reads_nothing(impl, loop):
    r = fed_reader(impl, loop, b"ab\n")
    pending = r.readline()
    with pytest.raises(ZeroDivisionError):
        pending.throw(ZeroDivisionError())
    assert bytes(r._buffer) == b"ab\n"
    with pytest.raises(RuntimeError, match="^cannot reuse already awaited coroutine$"):
        pending.send(None)


def test_reads_in_a_row_each_answer(impl, loop):
    # Finished reads dropped at once, as `await reader.readline()` does.
    r = fed_reader(impl, loop, b"".join(b"%d\n" % i for i in range(50)))

    async def lines():
        return [await r.readline() for _ in range(50)]

    assert run(loop, lines()) == [b"%d\n" % i for i in range(50)]


def test_a_finished_read_keeps_nothing_alive(impl, loop):
    r = fed_reader(impl, loop, b"ab\ncd")
    assert run(loop, r.readline()) == b"ab\n"
    task = start(loop, r.readexactly(5))
    r.feed_data(b"efg")
    assert run(loop, task) == b"cdefg"
    del task
    gone = weakref.ref(r)
    del r
    gc.collect()
    assert gone() is None
