"""The reader's separator search (fastio/_core/reader.pxi, over ring_find()).

Separators split across feeds, longer than the data, containing NUL bytes,
several separators at once, and the "scan memory" that lets a search resume
after bytes already proven separator-free.

Tests about what a read returns run on asyncio too (the ``impl`` fixture), so
each expectation is checked against the real thing; tests of the view's
search() are fastio only.
"""
import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastio
from buffer_support import RANDOM, MiB, asyncio_search, pattern, reader_with
from support import compiled
from test_reader_helpers import finish_cancelled, run, spin, start

# ---------------------------------------------------------------------------
# Separators at feed borders


def test_readline_fed_byte_by_byte(impl, loop):
    r = impl.StreamReader(loop=loop)
    data = b"hello world\nsecond line\n"
    task = start(loop, r.readline())
    for i in range(len(data)):
        r.feed_data(data[i:i + 1])
        spin(loop, 2)
        if i < data.index(b"\n"):
            assert not task.done()
    assert task.result() == b"hello world\n"
    assert run(loop, r.readline()) == b"second line\n"
    assert not r._buffer


@pytest.mark.parametrize("sep, pieces, expected", [
    (b"\r\n", [b"abc\r", b"\n"], b"abc\r\n"),
    (b"\r\n", [b"a\r", b"b\r", b"\r", b"\n", b"tail"], b"a\rb\r\r\n"),
    (b"aab", [b"a", b"a", b"a", b"b"], b"aaab"),
    (b"abab", [b"ab", b"a", b"ab", b"ab"], b"abaabab"),
    (b"abcabd", [b"abcab", b"cabd"], b"abcabcabd"),
    (b"END", [b"xxE", b"NxE", b"N", b"D", b"E", b"ND"], b"xxENxEND"),
    (b"\x00\x00", [b"a\x00", b"\x00b"], b"a\x00\x00"),
    (b"--boundary--", [b"body-", b"-bound", b"ary-", b"-", b"rest"], b"body--boundary--"),
])
def test_separator_split_across_feeds(impl, loop, sep, pieces, expected):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readuntil(sep))
    fed = b""
    for piece in pieces:
        r.feed_data(piece)
        fed += piece
        spin(loop)
        assert task.done() == (sep in fed)
    assert task.result() == expected
    assert bytes(r._buffer) == fed[len(expected):]


@pytest.mark.parametrize("sep", [b"\n", b"\r\n", b"aab", b"XYZXY"])
def test_separator_fed_byte_by_byte_without_waiting_reader(impl, loop, sep):
    """Each readuntil() call starts, finds nothing and is cancelled; the
    separator still has to be found when it completes."""
    data = b"aXYZXaabXYZXYXY\r\n-\n"
    r = impl.StreamReader(loop=loop)
    for i in range(len(data)):
        r.feed_data(data[i:i + 1])
        if sep in data[:i + 1]:
            break
        task = start(loop, r.readuntil(sep))
        assert not task.done()
        task.cancel()
        finish_cancelled(loop, task)
    end = data.index(sep) + len(sep)
    assert run(loop, r.readuntil(sep)) == data[:end]


@pytest.mark.parametrize("name", ["asyncio", "fastio"])
@RANDOM
@given(
    data=st.binary(max_size=60).map(lambda b: bytes(b"ab"[x % 2] for x in b)),
    sep=st.sampled_from([b"a", b"b", b"ab", b"ba", b"aab", b"abab", b"bbab", b"aaaa"]),
    cuts=st.lists(st.integers(0, 60), max_size=8),
)
def test_readuntil_random_chunking(mloop, name, data, sep, cuts):
    mod = asyncio if name == "asyncio" else fastio
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    pieces = [data[a:b] for a, b in zip(bounds, bounds[1:])]
    r = mod.StreamReader(loop=mloop)
    task = start(mloop, r.readuntil(sep))
    fed = b""
    for piece in pieces:
        r.feed_data(piece)
        fed += piece
        spin(mloop, 2)
        assert task.done() == (sep in fed)
        if task.done():
            break
    if not task.done():
        r.feed_eof()
        with pytest.raises(asyncio.IncompleteReadError) as info:
            run(mloop, task)
        assert info.value.partial == data
        return
    end = fed.index(sep) + len(sep)
    assert task.result() == fed[:end]
    assert bytes(r._buffer) == fed[end:]


def test_long_line_in_small_pieces_waiting(impl, loop):
    line = pattern(MiB - 1) + b"\n"
    r = impl.StreamReader(limit=2 * MiB, loop=loop)
    task = start(loop, r.readline())
    for i in range(0, len(line), 100):
        r.feed_data(line[i:i + 100])
        spin(loop, 1)
    spin(loop)
    assert task.result() == line
    assert not r._buffer
    if compiled(impl):
        assert r._buffer.allocated == 0


def test_long_line_in_small_pieces_then_readline(impl, loop):
    line = pattern(MiB - 1) + b"\n"
    r = impl.StreamReader(limit=2 * MiB, loop=loop)
    for i in range(0, len(line), 100):
        r.feed_data(line[i:i + 100])
    r.feed_data(b"next")
    assert run(loop, r.readline()) == line
    assert bytes(r._buffer) == b"next"


def test_long_line_over_limit_in_small_pieces(impl, loop):
    r = impl.StreamReader(limit=1000, loop=loop)
    task = start(loop, r.readline())
    fed = 0
    while not task.done():
        r.feed_data(b"x" * 100)
        fed += 100
        spin(loop, 2)
    # Given up once more than the limit was searched: what was fed is dropped.
    assert 1000 < fed <= 1200
    with pytest.raises(ValueError):
        task.result()
    assert not r._buffer


# ---------------------------------------------------------------------------
# Separators longer than the data


def test_separator_longer_than_data_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"ab")
    task = start(loop, r.readuntil(b"abcdef"))
    assert not task.done()
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, task)
    assert info.value.partial == b"ab"
    assert info.value.expected is None


def test_separator_longer_than_data_until_it_arrives(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    task = start(loop, r.readuntil(b"abcdef"))
    r.feed_data(b"de")
    spin(loop)
    assert not task.done()
    r.feed_data(b"fg")
    assert run(loop, task) == b"abcdef"
    assert bytes(r._buffer) == b"g"


@pytest.mark.compiled
def test_view_with_separator_longer_than_data(loop):
    r = reader_with(loop, b"abc", junk=b"abcdef")
    buf = r._buffer
    assert buf.find(b"abcdef") == -1
    assert buf.find(b"abcd") == -1
    assert not buf.startswith(b"abcdef")
    assert buf.search([b"abcdef"], 0) is None
    assert buf.search([b"abcd", b"abcdef"], 0) is None
    assert fastio.StreamReader(loop=loop)._buffer.search([b"x"], 0) is None
    assert fastio.StreamReader(loop=loop)._buffer.search([b"x", b"yy"], 0) is None


# ---------------------------------------------------------------------------
# NUL bytes


def test_nul_bytes_in_data(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"\x00a\x00\x00b\n\x00")
    assert run(loop, r.readline()) == b"\x00a\x00\x00b\n"
    r.feed_data(b"\x00\x00\n")
    assert run(loop, r.readline()) == b"\x00\x00\x00\n"
    r.feed_data(b"\x00" * 10)
    assert run(loop, r.readexactly(10)) == b"\x00" * 10
    assert not r._buffer


@pytest.mark.parametrize("sep", [b"\x00", b"\x00\x00", b"a\x00b", b"\x00\n", b"\n\x00"])
def test_nul_bytes_in_separator(impl, loop, sep):
    data = b"x\x00a\x00\x00a\x00b\x00\n\n\x00y"
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readuntil(sep))
    for i in range(len(data)):
        r.feed_data(data[i:i + 1])
        spin(loop, 2)
    end = data.index(sep) + len(sep)
    assert task.result() == data[:end]
    assert bytes(r._buffer) == data[end:]


@pytest.mark.compiled
def test_view_search_past_nul_bytes(loop):
    data = b"\x00\x00\x00xyz\x00\x00w"
    r = reader_with(loop, data, junk=b"\x00junk")
    buf = r._buffer
    assert buf.find(b"xyz") == 3
    assert buf.find(b"\x00") == 0
    assert buf.find(b"\x00", 1) == 1
    assert buf.find(b"\x00\x00w") == 6
    assert buf.find(0) == 0
    assert buf.find(0, 3) == 6
    assert buf.startswith(b"\x00\x00\x00x")
    assert buf.startswith(b"\x00\x00w", 6)
    assert buf.search([b"\x00w"], 0) == (7, 9)
    assert buf.search([b"z\x00", b"\x00\x00w"], 0) == (5, 7)
    assert buf[0] == 0 and buf[-1] == ord("w")
    assert buf == data


# ---------------------------------------------------------------------------
# search(): several separators


@pytest.mark.compiled
@pytest.mark.parametrize("data, seps, start, expected", [
    # The match that ends first wins, even if another starts earlier.
    (b"012345", [b"34", b"12345"], 0, (3, 5)),
    (b"--long--X", [b"X", b"long"], 0, (2, 6)),
    # A tie on the end goes to the shortest (the list comes sorted so).
    (b"abcd", [b"d", b"cd", b"bcd"], 0, (3, 4)),
    (b"xx\r\n", [b"\n", b"\r\n"], 0, (3, 4)),
    (b"xx\r\n", [b"\r\n", b"xx\r\n"], 0, (2, 4)),
    # Only matches that start at or after `start`.
    (b"abcabc", [b"bc", b"abc"], 2, (4, 6)),
    (b"abcabc", [b"bc", b"abc"], 5, None),
    (b"abcabc", [b"c", b"abc"], 6, None),
    (b"abcabc", [b"c", b"abc"], 100, None),
    (b"abc", [b"x", b"yz"], 0, None),
    (b"", [b"x", b"yz"], 0, None),
    (b"aaa", [b"aaaa", b"aaaaa"], 0, None),
    # Overlapping candidates.
    (b"aaab", [b"ab", b"aab", b"aaab"], 0, (2, 4)),
    (b"abababx", [b"abx", b"babx"], 0, (4, 7)),
])
def test_search_several_separators(loop, data, seps, start, expected):
    r = reader_with(loop, data, junk=b"\x00junk\n")
    assert r._buffer.search(seps, start) == expected
    # Searching changes nothing.
    assert r._buffer == data


@pytest.mark.compiled
@pytest.mark.parametrize("data, sep, start, expected", [
    (b"abc\n", b"\n", 0, (3, 4)),
    (b"abc\n", b"\n", 4, None),
    (b"a\nb\n", b"\n", 2, (3, 4)),
    (b"abcabc", b"ca", 0, (2, 4)),
    (b"abc", b"abcd", 0, None),
])
def test_search_one_separator(loop, data, sep, start, expected):
    r = reader_with(loop, data, junk=b"junk\n")
    assert r._buffer.search([sep], start) == expected
    # Twice: the second search may resume from the scan memory.
    assert r._buffer.search([sep], start) == expected


@pytest.mark.compiled
def test_search_rejects_what_bytearray_find_rejects(loop):
    r = reader_with(loop, b"abc")
    for bad in (["x"], [None], [b"a", "bc"]):
        with pytest.raises(TypeError):
            r._buffer.search(bad, 0)
    assert r._buffer == b"abc"


@pytest.mark.compiled
def test_search_accepts_bytes_like_separators(loop):
    r = reader_with(loop, b"abc\r\ndef")
    assert r._buffer.search([bytearray(b"\r\n")], 0) == (3, 5)
    assert r._buffer.search([memoryview(b"c\r"), b"\r\nd"], 0) == (2, 4)


AB = st.lists(st.sampled_from(b"ab\x00"), max_size=50).map(bytes)
SEP = st.lists(st.sampled_from(b"ab\x00"), min_size=1, max_size=4).map(bytes)


@pytest.mark.compiled
@RANDOM
@given(data=AB, seps=st.lists(SEP, min_size=1, max_size=4), start=st.integers(0, 55),
       junk=st.binary(max_size=20))
def test_search_against_reference(mloop, data, seps, start, junk):
    seps = sorted(seps, key=len)
    r = reader_with(mloop, data, junk=junk)
    assert r._buffer.search(seps, start) == asyncio_search(data, seps, start)


# ---------------------------------------------------------------------------
# Scan memory


def _answer_now(coro):
    """Run a read coroutine one step: ("at once", result), ("raised", error)
    or ("waited",) if it had to wait for data (it is then closed)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return ("at once", stop.value)
    except Exception as exc:  # noqa: BLE001 - compared by the caller
        return ("raised", type(exc).__name__)
    coro.close()
    return ("waited",)


def _scan_memory_scenario(mod, loop, consume_before_resume):
    """b"a" fed; readline() waits; b"a" fed; read(1) takes a byte; b"\\na"
    fed; a second readline() can answer from the buffer at once.

    The waiting readline() keeps asyncio's search offset across its wait;
    the read(1) makes it stale, and what the waiting readline() then
    searches must not be remembered as separator-free from the start of the
    buffer, or the second readline() misses the newline (and, finding the
    first one waiting, raises RuntimeError).
    """
    events = []
    r = mod.StreamReader(loop=loop)
    r.feed_data(b"a")
    task1 = start(loop, r.readline())
    events.append(("task1 done", task1.done()))
    r.feed_data(b"a")
    if consume_before_resume:
        # read(1) answers at once: it runs before task1 wakes up.
        events.append(("read(1)",) + _answer_now(r.read(1)))
    else:
        # task1 wakes up (and searches) first, then read(1) runs.
        task2 = start(loop, r.read(1))
        events.append(("read(1)", task2.result()))
    spin(loop)
    events.append(("buffer", bytes(r._buffer)))
    r.feed_data(b"\na")
    spin(loop)
    events.append(("task1 done", task1.done()))
    events.append(("buffer", bytes(r._buffer)))
    if task1.done():
        events.append(("task1", task1.result()))
    else:
        events.append(("readline",) + _answer_now(r.readline()))
    events.append(("buffer", bytes(r._buffer)))
    r.feed_eof()
    spin(loop)
    events.append(("task1", task1.result()))
    return events


@pytest.mark.parametrize("consume_before_resume", [False, True])
def test_scan_memory_after_stale_offset_matches_asyncio(consume_before_resume):
    results = {}
    for mod in (asyncio, fastio):
        loop = asyncio.new_event_loop()
        try:
            results[mod.__name__] = _scan_memory_scenario(mod, loop, consume_before_resume)
        finally:
            loop.close()
    assert results["fastio"] == results["asyncio"]
    if not consume_before_resume:
        assert ("readline", "at once", b"a\n") in results["asyncio"]


def test_scan_memory_stale_offset_readline_returns_at_once(loop):
    """The regression itself, stated directly."""
    r = fastio.StreamReader(loop=loop)
    r.feed_data(b"a")
    task1 = start(loop, r.readline())
    r.feed_data(b"a")
    task2 = start(loop, r.read(1))
    assert task2.result() == b"a"
    r.feed_data(b"\na")
    spin(loop)
    assert not task1.done()
    task3 = start(loop, r.readline())
    assert task3.done()
    assert task3.result() == b"a\n"
    task1.cancel()
    finish_cancelled(loop, task1)
    assert bytes(r._buffer) == b"a"


@pytest.mark.parametrize(
    "consume", ["read", "readexactly", "del", "clear-and-refeed", "take_prefix"])
def test_scan_memory_forgotten_on_consumption(impl, loop, consume):
    """A search finds nothing, the buffer is consumed some other way and
    refilled with a separator early on: the next search finds it."""
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"xxxxxxxx")
    task = start(loop, r.readuntil(b"\r\n"))
    task.cancel()
    finish_cancelled(loop, task)
    if consume == "read":
        assert run(loop, r.read(6)) == b"xxxxxx"
    elif consume == "readexactly":
        assert run(loop, r.readexactly(6)) == b"xxxxxx"
    elif consume == "del":
        del r._buffer[:6]
    elif consume == "take_prefix":
        # take_prefix() is the compiled view's; elsewhere its effect is del.
        if compiled(impl):
            assert r._buffer.take_prefix(6) == b"xxxxxx"
        else:
            del r._buffer[:6]
    else:
        r._buffer.clear()
        r.feed_data(b"xx")
    r.feed_data(b"\r\nxxxx")
    assert run(loop, r.readuntil(b"\r\n")) == b"xx\r\n"


def test_scan_memory_per_separator(impl, loop):
    """What was scanned for one separator says nothing about another."""
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"ab\r\ncd")
    task = start(loop, r.readuntil(b"\r\n\r\n"))
    task.cancel()
    finish_cancelled(loop, task)
    assert run(loop, r.readuntil(b"\r\n")) == b"ab\r\n"
    r.feed_data(b"e\nf")
    assert run(loop, r.readline()) == b"cde\n"


def test_scan_memory_keeps_overlap_for_long_separator(impl, loop):
    """The last len(sep) - 1 bytes searched may begin a separator."""
    r = impl.StreamReader(loop=loop)
    for piece in (b"xx<EN", b"D", b">"):
        task = start(loop, r.readuntil(b"<END>"))
        task.cancel()
        finish_cancelled(loop, task)
        r.feed_data(piece)
    assert run(loop, r.readuntil(b"<END>")) == b"xx<END>"


@pytest.mark.parametrize("cancel_after_feed", [False, True])
def test_cancelled_readuntil_recalled_finds_separator(impl, loop, cancel_after_feed):
    sep = b"<END>"
    pieces = [b"xx", b"<", b"E", b"N", b"D", b">tail"]
    r = impl.StreamReader(loop=loop)
    for piece in pieces:
        task = start(loop, r.readuntil(sep))
        assert not task.done()
        if cancel_after_feed:
            # The waiter already has its result when the task is cancelled.
            r.feed_data(piece)
            task.cancel()
            finish_cancelled(loop, task)
        else:
            task.cancel()
            finish_cancelled(loop, task)
            r.feed_data(piece)
    assert bytes(r._buffer) == b"xx<END>tail"
    assert run(loop, r.readuntil(sep)) == b"xx<END>"
    assert bytes(r._buffer) == b"tail"


def test_cancelled_readuntil_many_times(impl, loop):
    r = impl.StreamReader(loop=loop)
    for i in range(300):
        task = start(loop, r.readuntil(b"\r\n"))
        task.cancel()
        finish_cancelled(loop, task)
        r.feed_data(b"\r" if i % 2 else b"y")
    r.feed_data(b"\n")
    assert run(loop, r.readuntil(b"\r\n")) == b"y\r" * 150 + b"\n"
    assert not r._buffer


def test_cancelled_readuntil_then_other_read_then_recall(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abcdef")
    task = start(loop, r.readuntil(b"f\n"))
    task.cancel()
    finish_cancelled(loop, task)
    assert run(loop, r.read(5)) == b"abcde"
    task = start(loop, r.readuntil(b"f\n"))
    r.feed_data(b"\n")
    assert run(loop, task) == b"f\n"
