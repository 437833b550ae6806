"""StreamReader.read(), readexactly() and feed_data() with the data types the
stdlib accepts.  Each test runs on ``asyncio`` and on ``fastio``."""
import array
import asyncio
import random

import pytest

from support import refuses_strided_views
from test_reader_helpers import run, spin, start

# --------------------------------------------------------------------------
# feed_data
# --------------------------------------------------------------------------


@pytest.mark.parametrize("empty", [b"", bytearray(), memoryview(b""), array.array("b"),
                                   memoryview(b"abc")[3:]])
def test_empty_feed_is_a_no_op(impl, loop, empty):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(3))
    waiter = r._waiter
    r.feed_data(empty)
    assert not r._buffer
    assert r._waiter is waiter and not waiter.done()  # not woken
    spin(loop)
    assert not task.done()
    r.feed_data(b"ok")
    assert run(loop, task) == b"ok"


def test_feed_bytes_appends(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"line1\n")
    r.feed_data(b"line2")
    assert bytes(r._buffer) == b"line1\nline2"
    assert len(r._buffer) == 11


@pytest.mark.parametrize(
    "data, expected",
    [
        (bytearray(b"from bytearray"), b"from bytearray"),
        (memoryview(b"from memoryview"), b"from memoryview"),
        (memoryview(b"0123456789")[2:6], b"2345"),
        (memoryview(bytearray(b"xyz"))[1:], b"yz"),
        (array.array("B", [1, 2, 255]), b"\x01\x02\xff"),
        (array.array("i", [1, -1]), array.array("i", [1, -1]).tobytes()),
        (memoryview(array.array("i", [7, 8, 9])), array.array("i", [7, 8, 9]).tobytes()),
        (memoryview(array.array("h", [1, 2, 3, 4]))[1:3], array.array("h", [2, 3]).tobytes()),
        (memoryview(b"abcdef").cast("B", (2, 3)), b"abcdef"),
    ],
    ids=["bytearray", "memoryview", "sliced-mv", "mv-of-bytearray", "array-B",
         "array-i", "mv-array-i", "sliced-mv-array-h", "2d-mv"],
)
def test_feed_bytes_like(impl, loop, data, expected):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"<")
    r.feed_data(data)
    r.feed_data(b">")
    assert bytes(r._buffer) == b"<" + expected + b">"
    r.feed_eof()
    got = run(loop, r.read())
    assert type(got) is bytes
    assert got == b"<" + expected + b">"


@pytest.mark.parametrize(
    "view",
    [memoryview(b"abcdef")[::2], memoryview(array.array("i", [1, 2, 3, 4]))[::2]],
    ids=["bytes-step-2", "int-array-step-2"],
)
@refuses_strided_views
def test_feed_non_contiguous_memoryview_is_refused(impl, loop, view):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(10))
    r.feed_data(b"keep")
    spin(loop)
    assert run(loop, task) == b"keep"
    r.feed_data(b"before")
    with pytest.raises(TypeError) as info:
        r.feed_data(view)
    assert str(info.value) == "can't set bytearray slice from memoryview"
    assert bytes(r._buffer) == b"before"
    r.feed_data(b"after")
    assert run(loop, r.read(100)) == b"beforeafter"


def test_feed_copies_the_data(impl, loop):
    # The reader must not keep a view on the caller's buffer.
    r = impl.StreamReader(loop=loop)
    source = bytearray(b"original")
    r.feed_data(source)
    source[:] = b"XXXXXXXX"
    source.extend(b"grown")  # would fail with BufferError if still exported
    view_source = bytearray(b"viewed")
    view = memoryview(view_source)
    r.feed_data(view)
    view.release()
    view_source[0:1] = b"V"
    view_source.extend(b"!")
    r.feed_eof()
    assert run(loop, r.read()) == b"originalviewed"


def test_read_returns_bytes_not_views(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(bytearray(b"abcdefghij\nklmnop\n"))
    r.feed_data(memoryview(b"qrs"))
    results = [
        run(loop, r.read(2)),
        run(loop, r.readexactly(3)),
        run(loop, r.readline()),
        run(loop, r.readuntil(b"n")),
    ]
    r.feed_eof()
    results.append(run(loop, r.read()))
    assert results == [b"ab", b"cde", b"fghij\n", b"klmn", b"op\nqrs"]
    assert [type(x) for x in results] == [bytes] * 5


def test_feed_after_eof_asserts(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    r.feed_eof()
    for data in (b"x", b"", bytearray(b"y"), None):
        with pytest.raises(AssertionError) as info:
            r.feed_data(data)
        assert info.value.args == ("feed_data after feed_eof",)
    assert bytes(r._buffer) == b"abc"


def test_feed_wakes_waiting_reader(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(10))
    assert r._waiter is not None
    assert not task.done()
    r.feed_data(b"hi")
    assert r._waiter is None  # woken (and forgotten) synchronously
    assert run(loop, task) == b"hi"


def test_feed_with_cancelled_waiter(impl, loop):
    r = impl.StreamReader(loop=loop)
    fut = loop.create_future()
    fut.cancel()
    r._waiter = fut
    r.feed_data(b"a")  # must not raise InvalidStateError
    assert r._waiter is None
    fut2 = loop.create_future()
    fut2.cancel()
    r._waiter = fut2
    r.feed_eof()
    assert r._waiter is None
    assert run(loop, r.read()) == b"a"


# --------------------------------------------------------------------------
# read(n)
# --------------------------------------------------------------------------


def test_read_zero(impl, loop):
    r = impl.StreamReader(loop=loop)
    assert run(loop, r.read(0)) == b""  # no wait on an empty buffer
    assert r._waiter is None
    r.feed_data(b"abc")
    assert run(loop, r.read(0)) == b""
    assert bytes(r._buffer) == b"abc"


def test_read_positive(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"0123456789")
    assert run(loop, r.read(1)) == b"0"
    assert run(loop, r.read(4)) == b"1234"
    assert bytes(r._buffer) == b"56789"


def test_read_more_than_buffered_returns_what_is_there(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    r.feed_data(b"de")
    assert run(loop, r.read(100)) == b"abcde"
    assert not r._buffer


def test_read_huge_n(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"xyz")
    assert run(loop, r.read(2 ** 100)) == b"xyz"


def test_read_waits_for_data(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(5))
    assert not task.done()
    r.feed_data(b"ab")
    r.feed_data(b"cdefg")  # both chunks are there when the reader wakes up
    assert run(loop, task) == b"abcde"
    assert bytes(r._buffer) == b"fg"


def test_read_returns_first_chunk_without_waiting_for_n(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(5))
    r.feed_data(b"ab")
    assert run(loop, task) == b"ab"


def test_read_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"tail")
    r.feed_eof()
    assert run(loop, r.read(10)) == b"tail"
    assert run(loop, r.read(10)) == b""
    assert run(loop, r.read()) == b""
    assert run(loop, r.read(0)) == b""


def test_read_woken_by_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.read(3))
    r.feed_eof()
    assert run(loop, task) == b""
    assert r.at_eof()


@pytest.mark.parametrize("n", [-1, -2, -(2 ** 70)])
def test_read_all_until_eof(impl, loop, n):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"chunk1 ")
    task = start(loop, r.read(n))
    r.feed_data(b"chunk2 ")
    spin(loop)
    r.feed_data(b"chunk3")
    spin(loop)
    assert not task.done()
    r.feed_eof()
    assert run(loop, task) == b"chunk1 chunk2 chunk3"
    assert r.at_eof()


def test_read_all_default_argument(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"everything")
    r.feed_eof()
    assert run(loop, r.read()) == b"everything"


def test_read_all_many_feeds_larger_than_limit(impl, loop):
    r = impl.StreamReader(limit=5, loop=loop)
    chunks = [bytes([65 + i % 26]) * (i + 1) for i in range(40)]

    async def produce():
        for chunk in chunks:
            r.feed_data(chunk)
            await asyncio.sleep(0)
        r.feed_eof()

    async def main():
        reader = loop.create_task(r.read(-1))
        await produce()
        return await reader

    assert run(loop, main()) == b"".join(chunks)


def test_read_all_with_everything_already_buffered(impl, loop):
    r = impl.StreamReader(limit=3, loop=loop)
    payload = bytes(range(256)) * 4
    r.feed_data(payload)
    r.feed_eof()
    assert run(loop, r.read(-1)) == payload
    assert r.at_eof()


def test_read_with_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"buffered")
    exc = ValueError("broken")
    r.set_exception(exc)
    for n in (5, -1, 0):
        with pytest.raises(ValueError) as info:
            run(loop, r.read(n))
        assert info.value is exc
    assert bytes(r._buffer) == b"buffered"


def test_read_exception_wins_over_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    r.set_exception(OSError("x"))
    with pytest.raises(OSError):
        run(loop, r.read())


# --------------------------------------------------------------------------
# readexactly(n)
# --------------------------------------------------------------------------


def test_readexactly(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"0123456789")
    assert run(loop, r.readexactly(3)) == b"012"
    assert run(loop, r.readexactly(7)) == b"3456789"
    assert not r._buffer


def test_readexactly_zero(impl, loop):
    r = impl.StreamReader(loop=loop)
    assert run(loop, r.readexactly(0)) == b""
    assert r._waiter is None
    r.feed_eof()
    assert run(loop, r.readexactly(0)) == b""


@pytest.mark.parametrize("n", [-1, -(2 ** 70)])
def test_readexactly_negative(impl, loop, n):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    with pytest.raises(ValueError) as info:
        run(loop, r.readexactly(n))
    assert info.value.args == ("readexactly size can not be less than zero",)
    assert bytes(r._buffer) == b"abc"


def test_readexactly_negative_checked_before_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.set_exception(OSError("x"))
    with pytest.raises(ValueError, match="^readexactly size can not be less than zero$"):
        run(loop, r.readexactly(-1))


def test_readexactly_gathers_several_feeds(impl, loop):
    r = impl.StreamReader(limit=2, loop=loop)
    task = start(loop, r.readexactly(10))
    for piece in (b"ab", b"c", b"defg", b"hijkl"):
        assert not task.done()
        r.feed_data(piece)
        spin(loop)
    assert task.result() == b"abcdefghij"
    assert bytes(r._buffer) == b"kl"


def test_readexactly_larger_than_limit(impl, loop):
    r = impl.StreamReader(limit=4, loop=loop)
    r.feed_data(b"x" * 50)
    assert run(loop, r.readexactly(40)) == b"x" * 40
    assert len(r._buffer) == 10


def test_readexactly_eof_raises_incomplete(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    task = start(loop, r.readexactly(10))
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, task)
    err = info.value
    assert isinstance(err, EOFError)
    assert err.partial == b"abc"
    assert type(err.partial) is bytes
    assert err.expected == 10
    assert str(err) == "3 bytes read on a total of 10 expected bytes"
    assert not r._buffer  # the partial data is handed over, not kept
    assert r.at_eof()


def test_readexactly_at_eof_with_empty_buffer(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readexactly(2))
    assert (info.value.partial, info.value.expected) == (b"", 2)
    assert str(info.value) == "0 bytes read on a total of 2 expected bytes"


def test_readexactly_huge_n_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"ab")
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readexactly(2 ** 80))
    assert info.value.expected == 2 ** 80
    assert info.value.partial == b"ab"


def test_readexactly_enough_data_despite_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abcdef")
    r.feed_eof()
    assert run(loop, r.readexactly(4)) == b"abcd"
    assert run(loop, r.readexactly(2)) == b"ef"
    assert r.at_eof()


def test_readexactly_with_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"0123456789")
    exc = ConnectionResetError("peer")
    r.set_exception(exc)
    for n in (1, 0):
        with pytest.raises(ConnectionResetError) as info:
            run(loop, r.readexactly(n))
        assert info.value is exc
    assert bytes(r._buffer) == b"0123456789"


def test_readexactly_woken_by_exception_keeps_data(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readexactly(5))
    r.feed_data(b"ab")
    spin(loop)
    exc = OSError("late")
    r.set_exception(exc)
    with pytest.raises(OSError) as info:
        run(loop, task)
    assert info.value is exc
    assert bytes(r._buffer) == b"ab"
    assert r._waiter is None


# --------------------------------------------------------------------------
# Byte order survives any mix of feeds and reads
# --------------------------------------------------------------------------


def test_interleaved_feeds_and_reads_keep_the_stream(impl, loop):
    rng = random.Random(20240601)
    r = impl.StreamReader(limit=2 ** 20, loop=loop)
    sent = bytearray()
    received = bytearray()
    pattern = bytes(range(251)) * 1000  # a prime period: misplaced bytes show
    counter = 0
    for _ in range(400):
        size = rng.choice([1, 7, 100, 2048, 5000, 70000, 200000])
        start_at = counter % 251
        chunk = pattern[start_at:start_at + size]
        counter += size
        if rng.random() < 0.2:
            chunk = chunk[: size // 2] + b"\n" + chunk[size // 2:]
        r.feed_data(chunk)
        sent += chunk
        pending = len(sent) - len(received)
        assert len(r._buffer) == pending
        op = rng.choice(["read", "readexactly", "readline", "all", "none"])
        if op == "read":
            received += run(loop, r.read(rng.randint(1, pending)))
        elif op == "readexactly":
            received += run(loop, r.readexactly(rng.randint(0, pending)))
        elif op == "readline" and b"\n" in sent[len(received):]:
            received += run(loop, r.readline())
        elif op == "all":
            received += run(loop, r.read(pending))
            assert not r._buffer
        assert bytes(r._buffer) == bytes(sent[len(received):])
    r.feed_eof()
    received += run(loop, r.read())
    assert received == sent
