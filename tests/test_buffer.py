"""The compiled ring buffer behind fastio.StreamReader.

The ring (fastio/_buffer.pyx: ``Ring`` and the ``ring_*`` functions) is only
reachable through ``reader._buffer`` (a ReadBufferView) and the reader's read
methods, so that is how it is tested here:

* storage management, seen through ``ReadBufferView.allocated``: geometric
  growth, compaction before growth, storage freed when drained, shrinking
  after a large burst is mostly read;
* separator search: separators split across feeds, longer than the data,
  containing NUL bytes, several separators at once, and the "scan memory"
  that lets a search resume after bytes already proven separator-free;
* the bytearray face of the view (find, startswith, indexing, slicing, del,
  ==), compared with bytearray itself on random inputs.

Tests about what a read returns run on asyncio too (the ``impl`` fixture), so
each expectation is checked against the real thing; tests about storage and
the view's extra methods are fastio only.
"""
import array
import asyncio
import functools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastio
from test_reader_helpers import finish_cancelled, run, spin, start

KiB = 1024
MiB = 1024 * KiB

# The ring's tuning constants (fastio/_buffer.pyx).
MIN_CAPACITY = 16
SHRINK_ABOVE = 64 * KiB

# Deterministic: the same examples on every run.
RANDOM = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def mloop():
    """One loop for a whole module: hypothesis tests cannot use ``loop``."""
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


@functools.lru_cache(maxsize=64)
def pattern(n, salt=0):
    """n pseudo-random bytes (no b"\\n"): a cursor or a copy off by any
    number of bytes shows as different content."""
    return random.Random(salt).randbytes(n).replace(b"\n", b"N")


def reader_with(loop, data=b"", *, junk=b"", chunks=None, limit=None):
    """A fastio reader holding `data`.

    `junk` is fed first and consumed afterwards, so the live bytes do not
    start at the beginning of the block; `chunks` splits `data` into feeds.
    """
    r = fastio.StreamReader(loop=loop) if limit is None else fastio.StreamReader(limit=limit, loop=loop)
    if junk:
        r.feed_data(junk)
    for chunk in (chunks if chunks is not None else [data]):
        r.feed_data(chunk)
    if junk:
        del r._buffer[:len(junk)]
    assert r._buffer == data
    return r


def check_storage(buf):
    """Invariants of the ring's storage, whatever was done to it."""
    size, allocated = len(buf), buf.allocated
    assert allocated >= size
    # Storage is held exactly while bytes are.
    assert (allocated == 0) == (size == 0)
    # A large block is never left mostly empty (shrink below capacity / 8).
    assert allocated <= max(SHRINK_ABOVE, 8 * size + 8)


# ---------------------------------------------------------------------------
# A fresh reader, and growth


def test_fresh_reader_holds_no_storage(loop):
    r = fastio.StreamReader(loop=loop)
    buf = r._buffer
    assert buf.allocated == 0
    assert len(buf) == 0
    assert not buf
    assert bytes(buf) == b""
    assert buf == b""


def test_empty_feed_allocates_nothing(loop):
    r = fastio.StreamReader(loop=loop)
    r.feed_data(b"")
    r.feed_data(bytearray())
    r.feed_data(memoryview(b""))
    assert r._buffer.allocated == 0


def test_small_feed_allocates_what_it_holds(loop):
    # As a bytearray grows: a connection holding a few bytes of a partial
    # message holds a small block, not a page.
    r = fastio.StreamReader(loop=loop)
    r.feed_data(b"x" * 10)
    assert 10 <= r._buffer.allocated <= MIN_CAPACITY
    sizes = {r._buffer.allocated}
    for _ in range(100):
        r.feed_data(b"y")
        sizes.add(r._buffer.allocated)
    # Geometric growth: a reallocation per doubling, not per feed.
    assert sorted(sizes) == [16, 32, 64, 128]
    assert r._buffer == b"x" * 10 + b"y" * 100


def test_growth_is_geometric(loop):
    r = fastio.StreamReader(loop=loop)
    sizes = []
    for i in range(1024):
        r.feed_data(pattern(1000, salt=i))
        allocated = r._buffer.allocated
        assert allocated >= len(r._buffer)
        if not sizes or sizes[-1] != allocated:
            sizes.append(allocated)
    # About 1 MB in 1024 feeds: a handful of reallocations, not one per feed.
    assert len(sizes) <= 12, sizes
    for smaller, larger in zip(sizes, sizes[1:]):
        assert larger >= 2 * smaller, sizes
    # Nor wildly more than needed.
    assert sizes[-1] < 2 * len(r._buffer) + MIN_CAPACITY
    assert r._buffer == b"".join(pattern(1000, salt=i) for i in range(1024))


def test_one_large_feed(loop):
    data = pattern(3 * MiB + 5)
    r = fastio.StreamReader(loop=loop)
    r.feed_data(data)
    assert r._buffer == data
    assert len(data) <= r._buffer.allocated < 2 * len(data)


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, "array", "list"])
def test_feed_accepts_what_bytearray_extend_accepts(loop, kind):
    data = pattern(3000)
    if kind == "array":
        obj = array.array("B", data)
    elif kind == "list":
        obj = list(data)
    else:
        obj = kind(data)
    r = reader_with(loop, b"head", junk=b"junk")
    r.feed_data(obj)
    assert r._buffer == b"head" + data


@pytest.mark.parametrize("bad", ["text", 5, [256], memoryview(b"aabbcc")[::2]],
                         ids=["str", "int", "list-256", "sliced-memoryview"])
def test_feed_rejects_what_bytearray_extend_rejects(impl, loop, bad):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"head")
    with pytest.raises(Exception) as expected:
        bytearray().extend(bad)
    with pytest.raises(expected.type):
        r.feed_data(bad)
    assert bytes(r._buffer) == b"head"
    assert run(loop, r.read(10)) == b"head"


# ---------------------------------------------------------------------------
# Compaction: consumed bytes make room before the block grows


def test_compaction_reuses_the_block(loop):
    first = pattern(1500)
    r = fastio.StreamReader(loop=loop)
    r.feed_data(first)
    allocated = r._buffer.allocated
    del r._buffer[:1400]
    assert r._buffer.allocated == allocated
    more = pattern(900, salt=3)
    # 100 live + 900 new fit in the block once the consumed bytes are gone.
    r.feed_data(more)
    assert r._buffer.allocated == allocated
    assert r._buffer == first[1400:] + more


def test_streaming_stays_in_one_block(loop):
    """Feed and read the same amount many times: once the block has grown
    to what the stream holds at its fullest, it never grows again."""
    r = fastio.StreamReader(loop=loop)
    r.feed_data(pattern(300))
    expected = bytearray(pattern(300))
    allocated = None
    for i in range(1000):
        chunk = pattern(700, salt=i)
        r.feed_data(chunk)
        expected += chunk
        if allocated is None:
            allocated = r._buffer.allocated
        assert r._buffer.allocated == allocated
        got = run(loop, r.readexactly(700))
        assert got == expected[:700]
        del expected[:700]
        assert r._buffer == expected
    assert r._buffer.allocated == allocated


def test_growth_after_partial_consumption_keeps_content(loop):
    """Consumed prefix, then a feed too large for the block: a new block
    gets exactly the live bytes followed by the new ones."""
    r = fastio.StreamReader(loop=loop)
    r.feed_data(pattern(2000))
    del r._buffer[:500]
    big = pattern(50000, salt=9)
    r.feed_data(big)
    assert r._buffer == pattern(2000)[500:] + big
    check_storage(r._buffer)


def test_interleaved_feeds_and_reads_with_many_sizes(loop):
    r = fastio.StreamReader(loop=loop)
    expected = bytearray()
    for i in range(600):
        chunk = pattern((i * 7919) % 9000 + 1, salt=i)
        r.feed_data(chunk)
        expected += chunk
        n = (i * 104729) % (len(expected) + 1)
        if i % 3 == 0:
            got = run(loop, r.readexactly(n))
        elif i % 3 == 1:
            got = r._buffer.take_prefix(n)
        else:
            got = bytes(expected[:n])
            del r._buffer[:n]
        assert got == expected[:n]
        del expected[:n]
        assert r._buffer == expected
        check_storage(r._buffer)


# ---------------------------------------------------------------------------
# Storage freed when drained


DRAINS = {
    "readline": lambda loop, r: run(loop, r.readline()),
    "readuntil": lambda loop, r: run(loop, r.readuntil(b"\n")),
    "readexactly": lambda loop, r: run(loop, r.readexactly(len(r._buffer))),
    "read(n)": lambda loop, r: run(loop, r.read(len(r._buffer))),
    "read(more)": lambda loop, r: run(loop, r.read(10 * MiB)),
    "read()": lambda loop, r: (r.feed_eof(), run(loop, r.read()))[1],
    "del[:]": lambda loop, r: r._buffer.__delitem__(slice(None)),
    "del[:n]": lambda loop, r: r._buffer.__delitem__(slice(None, len(r._buffer))),
    "clear": lambda loop, r: r._buffer.clear(),
    "take_prefix": lambda loop, r: r._buffer.take_prefix(None),
    "async-for": lambda loop, r: run(loop, r.__anext__()),
}


@pytest.mark.parametrize("size", [1, 5000, 200 * KiB])
@pytest.mark.parametrize("drain", sorted(DRAINS))
def test_drained_reader_frees_storage(loop, drain, size):
    data = pattern(size - 1) + b"\n"
    r = fastio.StreamReader(limit=MiB, loop=loop)
    r.feed_data(b"junk")
    del r._buffer[:4]
    r.feed_data(data)
    assert r._buffer.allocated >= size
    got = DRAINS[drain](loop, r)
    if got is not None:
        assert got == data
    assert len(r._buffer) == 0
    assert r._buffer.allocated == 0


def test_drained_by_waiting_readline_frees_storage(loop):
    r = fastio.StreamReader(loop=loop)
    task = start(loop, r.readline())
    for piece in (b"abc", b"def", b"\n"):
        r.feed_data(piece)
        spin(loop)
    assert task.result() == b"abcdef\n"
    assert r._buffer.allocated == 0


def test_drained_by_readline_overrun_frees_storage(loop):
    r = fastio.StreamReader(limit=10, loop=loop)
    r.feed_data(b"x" * 100)
    with pytest.raises(ValueError):
        run(loop, r.readline())
    assert len(r._buffer) == 0
    assert r._buffer.allocated == 0


def test_drained_by_eof_partial_frees_storage(loop):
    r = fastio.StreamReader(loop=loop)
    r.feed_data(b"partial")
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readexactly(100))
    assert info.value.partial == b"partial"
    assert r._buffer.allocated == 0


def test_reader_refilled_after_draining(loop):
    r = fastio.StreamReader(loop=loop)
    for i in range(50):
        line = pattern(10 + i * 100, salt=i) + b"\n"
        r.feed_data(line)
        assert run(loop, r.readline()) == line
        assert r._buffer.allocated == 0


def test_deleting_last_byte_by_index_frees_storage(loop):
    r = reader_with(loop, b"z")
    del r._buffer[0]
    assert r._buffer.allocated == 0


# ---------------------------------------------------------------------------
# Shrinking after a burst


def test_shrink_after_large_burst(loop):
    total = 10 * MiB
    r = fastio.StreamReader(loop=loop)
    for i in range(10):
        r.feed_data(pattern(MiB, salt=i))
    assert r._buffer.allocated >= total
    head = run(loop, r.readexactly(total - 1000))
    assert head == b"".join(pattern(MiB, salt=i) for i in range(10))[:total - 1000]
    assert r._buffer == pattern(MiB, salt=9)[-1000:]
    # 1000 bytes left: the 10 MiB block is not kept for them.
    assert r._buffer.allocated < 64 * KiB
    check_storage(r._buffer)
    assert run(loop, r.read(1000)) == pattern(MiB, salt=9)[-1000:]
    assert r._buffer.allocated == 0


def test_shrink_while_reading_gradually(loop):
    data = pattern(4 * MiB)
    r = fastio.StreamReader(loop=loop)
    r.feed_data(data)
    peak = r._buffer.allocated
    pos = 0
    while pos < len(data):
        got = run(loop, r.readexactly(min(32 * KiB, len(data) - pos)))
        assert got == data[pos:pos + len(got)]
        pos += len(got)
        check_storage(r._buffer)
        if 0 < len(r._buffer) < MiB // 8:
            assert r._buffer.allocated < peak
    assert r._buffer.allocated == 0


def test_shrink_by_slicing_and_del(loop):
    data = pattern(2 * MiB)
    r = fastio.StreamReader(loop=loop)
    r.feed_data(data)
    del r._buffer[:len(data) - 10]
    assert r._buffer == data[-10:]
    assert r._buffer.allocated < 64 * KiB
    r.feed_data(b"more")
    assert r._buffer == data[-10:] + b"more"


def test_half_read_large_block_is_kept(loop):
    """No needless copy while most of the block is still live."""
    data = pattern(MiB)
    r = fastio.StreamReader(loop=loop)
    r.feed_data(data)
    allocated = r._buffer.allocated
    assert run(loop, r.readexactly(MiB // 2)) == data[:MiB // 2]
    assert r._buffer.allocated == allocated
    assert r._buffer == data[MiB // 2:]


def test_small_block_is_not_shrunk_below_minimum(loop):
    r = fastio.StreamReader(loop=loop)
    r.feed_data(pattern(1000))
    allocated = r._buffer.allocated
    del r._buffer[:999]
    assert r._buffer.allocated == allocated
    assert r._buffer == pattern(1000)[999:]


# ---------------------------------------------------------------------------
# A model of the ring: random feeds and consumptions


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("feed"), st.integers(1, 40000)),
        st.tuples(st.just("feed"), st.integers(1, 300)),
        st.tuples(st.sampled_from(["del", "take", "readexactly", "read"]),
                  st.floats(0, 1)),
        st.tuples(st.just("clear"), st.none()),
    ),
    max_size=40,
)


@RANDOM
@given(ops=OPS)
def test_ring_against_a_bytearray_model(mloop, ops):
    r = fastio.StreamReader(loop=mloop)
    buf = r._buffer
    model = bytearray()
    for step, (op, arg) in enumerate(ops):
        if op == "feed":
            chunk = pattern(arg, salt=step)
            r.feed_data(chunk)
            model += chunk
        elif op == "clear":
            buf.clear()
            model.clear()
        else:
            n = int(arg * len(model))
            if op == "del":
                del buf[:n]
            elif op == "take":
                assert buf.take_prefix(n) == model[:n]
            elif op == "readexactly":
                assert run(mloop, r.readexactly(n)) == model[:n]
            elif n:  # read(0) is b"" and read() waits for EOF
                assert run(mloop, r.read(n)) == model[:n]
            del model[:n]
        assert len(buf) == len(model)
        assert buf == model
        check_storage(buf)


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
    if impl is fastio:
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


def test_search_rejects_what_bytearray_find_rejects(loop):
    r = reader_with(loop, b"abc")
    for bad in (["x"], [None], [b"a", "bc"]):
        with pytest.raises(TypeError):
            r._buffer.search(bad, 0)
    assert r._buffer == b"abc"


def test_search_accepts_bytes_like_separators(loop):
    r = reader_with(loop, b"abc\r\ndef")
    assert r._buffer.search([bytearray(b"\r\n")], 0) == (3, 5)
    assert r._buffer.search([memoryview(b"c\r"), b"\r\nd"], 0) == (2, 4)


def _reference_search(data, seps, start):
    """asyncio 3.13's readuntil(): the earliest-ending match of the
    separators (sorted by length), the first one listed on a tie."""
    best = None
    for sep in seps:
        at = bytearray(data).find(sep, start)
        if at != -1 and (best is None or at + len(sep) < best[1]):
            best = (at, at + len(sep))
    return best


AB = st.lists(st.sampled_from(b"ab\x00"), max_size=50).map(bytes)
SEP = st.lists(st.sampled_from(b"ab\x00"), min_size=1, max_size=4).map(bytes)


@RANDOM
@given(data=AB, seps=st.lists(SEP, min_size=1, max_size=4), start=st.integers(0, 55),
       junk=st.binary(max_size=20))
def test_search_against_reference(mloop, data, seps, start, junk):
    seps = sorted(seps, key=len)
    r = reader_with(mloop, data, junk=junk)
    assert r._buffer.search(seps, start) == _reference_search(data, seps, start)


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


@pytest.mark.parametrize("consume", ["read", "readexactly", "del", "clear-and-refeed", "take_prefix"])
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
        if impl is asyncio:
            del r._buffer[:6]
        else:
            assert r._buffer.take_prefix(6) == b"xxxxxx"
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


# ---------------------------------------------------------------------------
# The bytearray face: find() and startswith()


BYTES = st.lists(st.sampled_from(b"ab\x00\n"), max_size=30).map(bytes)
# Non-empty: the empty separator is tested exhaustively below.
NEEDLE = st.lists(st.sampled_from(b"ab\x00\n"), min_size=1, max_size=4).map(bytes)
SUB = st.one_of(
    NEEDLE,
    st.sampled_from(b"ab\x00\n"),  # an int: bytearray.find(97)
    NEEDLE.map(bytearray),
    NEEDLE.map(memoryview),
)
START = st.integers(-40, 40)
JUNK = st.binary(max_size=10)


@RANDOM
@given(data=BYTES, sub=SUB, start=START, junk=JUNK)
def test_find_against_bytearray(mloop, data, sub, start, junk):
    r = reader_with(mloop, data, junk=junk)
    assert r._buffer.find(sub, start) == bytearray(data).find(sub, start)
    assert r._buffer.find(sub) == bytearray(data).find(sub)


@RANDOM
@given(data=BYTES, prefix=st.one_of(
    NEEDLE,
    NEEDLE.map(bytearray),
    st.lists(NEEDLE, max_size=3).map(tuple),
), start=START, junk=JUNK)
def test_startswith_against_bytearray(mloop, data, prefix, start, junk):
    r = reader_with(mloop, data, junk=junk)
    assert r._buffer.startswith(prefix, start) == bytearray(data).startswith(prefix, start)
    assert r._buffer.startswith(prefix) == bytearray(data).startswith(prefix)


EMPTY_CASES = [(data, start) for data in (b"", b"a", b"abc") for start in range(-5, 6)]


def test_find_empty_against_bytearray(loop):
    # bytearray finds b"" at every position 0..len, and nowhere past the end.
    mismatches = []
    for data, start in EMPTY_CASES:
        got = reader_with(loop, data, junk=b"junk")._buffer.find(b"", start)
        expected = bytearray(data).find(b"", start)
        if got != expected:
            mismatches.append(f"{data!r}.find(b'', {start}): {got}, bytearray: {expected}")
    assert not mismatches, "\n".join(mismatches)


def test_startswith_empty_against_bytearray(loop):
    # True at every position 0..len, False past the end.
    mismatches = []
    for data, start in EMPTY_CASES:
        for prefix in (b"", (b"z", b"")):
            got = reader_with(loop, data, junk=b"junk")._buffer.startswith(prefix, start)
            expected = bytearray(data).startswith(prefix, start)
            if got != expected:
                mismatches.append(
                    f"{data!r}.startswith({prefix!r}, {start}): {got}, bytearray: {expected}")
    assert not mismatches, "\n".join(mismatches)


def test_find_and_startswith_across_chunks(loop):
    r = reader_with(loop, b"hello world", chunks=[b"hel", b"lo w", b"orld"], junk=b"xx")
    buf = r._buffer
    assert buf.find(b"lo w") == 3
    assert buf.find(b"o", 5) == 7
    assert buf.find(b"o", -4) == 7
    assert buf.find(ord("w")) == 6
    assert buf.find(bytearray(b"rl")) == 8
    assert buf.find(memoryview(b"ld")) == 9
    assert buf.startswith(b"hello")
    assert buf.startswith(b"world", 6)
    assert buf.startswith(b"world", -5)
    assert buf.startswith((b"x", b"hell"))
    assert not buf.startswith((b"x", b"y"))


@pytest.mark.parametrize("bad", ["a", None, 256, -1, 1.5, [b"a"]])
def test_find_rejects_what_bytearray_rejects(loop, bad):
    r = reader_with(loop, b"abc")
    with pytest.raises(Exception) as expected:
        bytearray(b"abc").find(bad)
    with pytest.raises(expected.type):
        r._buffer.find(bad)


# ---------------------------------------------------------------------------
# Indexing, slicing and del


@RANDOM
@given(data=BYTES, index=st.integers(-35, 35), junk=JUNK)
def test_getitem_against_bytearray(mloop, data, index, junk):
    r = reader_with(mloop, data, junk=junk)
    try:
        expected = bytearray(data)[index]
    except IndexError:
        with pytest.raises(IndexError):
            r._buffer[index]
    else:
        assert r._buffer[index] == expected


SLICE_BOUND = st.one_of(st.none(), st.integers(-35, 35))


@RANDOM
@given(data=BYTES, a=SLICE_BOUND, b=SLICE_BOUND,
       step=st.one_of(st.none(), st.integers(-4, 4).filter(bool)), junk=JUNK)
def test_slice_against_bytearray(mloop, data, a, b, step, junk):
    r = reader_with(mloop, data, junk=junk)
    got = r._buffer[a:b:step]
    assert got == bytearray(data)[a:b:step]
    assert r._buffer == data  # slicing copies


@RANDOM
@given(data=BYTES, a=SLICE_BOUND, b=SLICE_BOUND,
       step=st.one_of(st.none(), st.integers(-4, 4).filter(bool)),
       then=st.binary(max_size=5), junk=JUNK)
def test_del_slice_against_bytearray(mloop, data, a, b, step, then, junk):
    r = reader_with(mloop, data, junk=junk)
    model = bytearray(data)
    del model[a:b:step]
    del r._buffer[a:b:step]
    assert r._buffer == model
    check_storage(r._buffer)
    # The ring stays usable after any deletion.
    r.feed_data(then)
    assert r._buffer == model + then
    check_storage(r._buffer)


@RANDOM
@given(data=BYTES, n=SLICE_BOUND, junk=JUNK)
def test_del_prefix_against_bytearray(mloop, data, n, junk):
    r = reader_with(mloop, data, junk=junk)
    model = bytearray(data)
    del model[:n]
    del r._buffer[:n]
    assert r._buffer == model
    check_storage(r._buffer)


@RANDOM
@given(data=BYTES, index=st.integers(-35, 35), junk=JUNK)
def test_del_index_against_bytearray(mloop, data, index, junk):
    r = reader_with(mloop, data, junk=junk)
    model = bytearray(data)
    try:
        del model[index]
    except IndexError:
        with pytest.raises(IndexError):
            del r._buffer[index]
    else:
        del r._buffer[index]
    assert r._buffer == model
    check_storage(r._buffer)


@RANDOM
@given(data=BYTES, n=SLICE_BOUND, junk=JUNK)
def test_take_prefix_against_slicing(mloop, data, n, junk):
    r = reader_with(mloop, data, junk=junk)
    assert r._buffer.take_prefix(n) == data[:n]
    model = bytearray(data)
    del model[:n]
    assert r._buffer == model
    check_storage(r._buffer)


def test_indexing_across_chunks(loop):
    r = reader_with(loop, b"0123456789", chunks=[b"012", b"3456", b"789"], junk=b"junk")
    buf = r._buffer
    assert [buf[i] for i in range(10)] == list(b"0123456789")
    assert [buf[i] for i in range(-10, 0)] == list(b"0123456789")
    assert buf[2:5] == b"234"
    assert buf[::-1] == b"9876543210"
    assert isinstance(buf[1:3], bytes)
    del buf[3]
    assert buf == b"012456789"
    del buf[-1]
    assert buf == b"01245678"
    del buf[2:4]
    assert buf == b"015678"
    del buf[::2]
    assert buf == b"168"
    del buf[:-1]
    assert buf == b"8"
    for index in (1, -2, 100):
        with pytest.raises(IndexError):
            buf[index]
        with pytest.raises(IndexError):
            del buf[index]
    assert buf == b"8"


def test_index_of_empty_buffer(loop):
    buf = fastio.StreamReader(loop=loop)._buffer
    for index in (0, -1):
        with pytest.raises(IndexError):
            buf[index]
        with pytest.raises(IndexError):
            del buf[index]
    assert buf[:] == b""
    del buf[:]
    del buf[1:5]
    assert buf.allocated == 0


# ---------------------------------------------------------------------------
# ==


def _equal_forms(data):
    return [
        data,
        bytearray(data),
        memoryview(data),
        memoryview(bytearray(data)),
        array.array("B", data),
    ]


@pytest.mark.parametrize("data", [b"", b"a", b"abc\x00def", pattern(5000)])
def test_equality_both_orders(loop, data):
    r = reader_with(loop, data, junk=b"junk")
    buf = r._buffer
    for other in _equal_forms(data):
        assert buf == other
        assert other == buf
        assert not buf != other
        assert not other != buf
    for other in _equal_forms(data + b"x") + _equal_forms(b"x" + data[1:]) + _equal_forms(data[:-1] + b"y"):
        if bytes(other) == data:
            continue
        assert buf != other
        assert other != buf
        assert not buf == other
        assert not other == buf


def test_equality_with_other_views(loop):
    a = reader_with(loop, b"same", junk=b"1")
    b = reader_with(loop, b"same", chunks=[b"sa", b"me"])
    c = reader_with(loop, b"diff")
    assert a._buffer == b._buffer
    assert a._buffer == a._buffer
    assert a._buffer != c._buffer
    assert not a._buffer == c._buffer


def test_equality_with_non_bytes(loop):
    buf = reader_with(loop, b"abc")._buffer
    for other in ("abc", 97, None, [97, 98, 99], object()):
        assert buf != other
        assert other != buf
        assert not buf == other
    with pytest.raises(TypeError):
        hash(buf)


def test_equality_with_non_contiguous_memoryview(loop):
    other = memoryview(b"aXbXcX")[::2]
    assert other == b"abc" and bytearray(b"abc") == other
    buf = reader_with(loop, b"abc")._buffer
    assert buf == other
    assert other == buf


def test_len_bool_bytes_repr(loop):
    r = reader_with(loop, b"ab\x00", junk=b"zz")
    buf = r._buffer
    assert len(buf) == 3
    assert buf
    assert bytes(buf) == b"ab\x00"
    assert "b'ab\\x00'" in repr(buf)
    buf.clear()
    assert len(buf) == 0
    assert not buf
    assert bytes(buf) == b""
