"""The bytearray face of ``reader._buffer`` (fastio/_core/buffer_view.pxi).

find, startswith, indexing, slicing, del, ==, len, bool, bytes() and repr,
compared with bytearray itself on random inputs (fastio only: asyncio's
``_buffer`` is a bytearray).
"""
import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastio
from buffer_support import RANDOM, check_storage, pattern, reader_with

# The view is the compiled extension's own type.
pytestmark = pytest.mark.compiled


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
    for other in (_equal_forms(data + b"x") + _equal_forms(b"x" + data[1:])
                  + _equal_forms(data[:-1] + b"y")):
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
