"""The ring's storage behind fastio.StreamReader (fastio/_core/ring.pxi).

The ring is only reachable through ``reader._buffer`` (a ReadBufferView) and
the reader's read methods, so that is how it is tested here, seen through
``ReadBufferView.allocated``: geometric growth, compaction before growth,
storage freed when drained, shrinking after a large burst is mostly read,
and a model of random feeds and consumptions against a bytearray.

Tests about what a read returns run on asyncio too (the ``impl`` fixture);
tests about storage are fastio only.
"""
import array
import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastio
from buffer_support import MIN_CAPACITY, RANDOM, KiB, MiB, check_storage, pattern, reader_with
from support import refuses_strided_views
from test_reader_helpers import run, spin, start

# ---------------------------------------------------------------------------
# A fresh reader, and growth


@pytest.mark.compiled
def test_fresh_reader_holds_no_storage(loop):
    r = fastio.StreamReader(loop=loop)
    buf = r._buffer
    assert buf.allocated == 0
    assert len(buf) == 0
    assert not buf
    assert bytes(buf) == b""
    assert buf == b""


@pytest.mark.compiled
def test_empty_feed_allocates_nothing(loop):
    r = fastio.StreamReader(loop=loop)
    r.feed_data(b"")
    r.feed_data(bytearray())
    r.feed_data(memoryview(b""))
    assert r._buffer.allocated == 0


@pytest.mark.compiled
def test_small_feed_allocates_what_it_holds(loop):
    # As a bytearray grows: a connection holding a few bytes of a partial
    # message holds a block of just those bytes, not a page.
    r = fastio.StreamReader(loop=loop)
    r.feed_data(b"x" * 10)
    assert r._buffer.allocated == 10
    sizes = {r._buffer.allocated}
    for _ in range(100):
        r.feed_data(b"y")
        sizes.add(r._buffer.allocated)
    # Geometric growth: a reallocation per doubling, not per feed.
    assert sorted(sizes) == [10, 20, 40, 80, 160]
    assert r._buffer == b"x" * 10 + b"y" * 100


@pytest.mark.compiled
def test_a_tiny_block_grows_to_the_smallest_size_at_once(loop):
    r = fastio.StreamReader(loop=loop)
    r.feed_data(b"x")
    assert r._buffer.allocated == 1
    r.feed_data(b"y")
    assert r._buffer.allocated == MIN_CAPACITY
    assert r._buffer == b"xy"


@pytest.mark.compiled
def test_many_feeds_keep_content_exact(loop):
    r = fastio.StreamReader(loop=loop)
    expected = bytearray()
    for i in range(2000):
        chunk = pattern(1 + (i * 37) % 700, salt=i)
        r.feed_data(chunk)
        expected += chunk
        assert len(r._buffer) == len(expected)
    assert r._buffer == expected
    assert bytes(r._buffer) == expected
    check_storage(r._buffer)


@pytest.mark.compiled
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


@pytest.mark.compiled
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


@pytest.mark.parametrize("bad", [
    "text", 5, [256],
    pytest.param(memoryview(b"aabbcc")[::2], marks=refuses_strided_views),
], ids=["str", "int", "list-256", "sliced-memoryview"])
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


@pytest.mark.compiled
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


@pytest.mark.compiled
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


@pytest.mark.compiled
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


@pytest.mark.compiled
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


@pytest.mark.compiled
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


@pytest.mark.compiled
def test_drained_by_waiting_readline_frees_storage(loop):
    r = fastio.StreamReader(loop=loop)
    task = start(loop, r.readline())
    for piece in (b"abc", b"def", b"\n"):
        r.feed_data(piece)
        spin(loop)
    assert task.result() == b"abcdef\n"
    assert r._buffer.allocated == 0


@pytest.mark.compiled
def test_drained_by_readline_overrun_frees_storage(loop):
    r = fastio.StreamReader(limit=10, loop=loop)
    r.feed_data(b"x" * 100)
    with pytest.raises(ValueError):
        run(loop, r.readline())
    assert len(r._buffer) == 0
    assert r._buffer.allocated == 0


@pytest.mark.compiled
def test_drained_by_eof_partial_frees_storage(loop):
    r = fastio.StreamReader(loop=loop)
    r.feed_data(b"partial")
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readexactly(100))
    assert info.value.partial == b"partial"
    assert r._buffer.allocated == 0


@pytest.mark.compiled
def test_reader_refilled_after_draining(loop):
    r = fastio.StreamReader(loop=loop)
    for i in range(50):
        line = pattern(10 + i * 100, salt=i) + b"\n"
        r.feed_data(line)
        assert run(loop, r.readline()) == line
        assert r._buffer.allocated == 0


@pytest.mark.compiled
def test_deleting_last_byte_by_index_frees_storage(loop):
    r = reader_with(loop, b"z")
    del r._buffer[0]
    assert r._buffer.allocated == 0


# ---------------------------------------------------------------------------
# Shrinking after a burst


@pytest.mark.compiled
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


@pytest.mark.compiled
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


@pytest.mark.compiled
def test_shrink_by_slicing_and_del(loop):
    data = pattern(2 * MiB)
    r = fastio.StreamReader(loop=loop)
    r.feed_data(data)
    del r._buffer[:len(data) - 10]
    assert r._buffer == data[-10:]
    assert r._buffer.allocated < 64 * KiB
    r.feed_data(b"more")
    assert r._buffer == data[-10:] + b"more"


@pytest.mark.compiled
def test_half_read_large_block_is_kept(loop):
    """No needless copy while most of the block is still live."""
    data = pattern(MiB)
    r = fastio.StreamReader(loop=loop)
    r.feed_data(data)
    allocated = r._buffer.allocated
    assert run(loop, r.readexactly(MiB // 2)) == data[:MiB // 2]
    assert r._buffer.allocated == allocated
    assert r._buffer == data[MiB // 2:]


@pytest.mark.compiled
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


@pytest.mark.compiled
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
