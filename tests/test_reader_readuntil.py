"""StreamReader.readline() and readuntil(): separators, limits, EOF.
Each test runs on ``asyncio`` and on ``fastio``."""
import asyncio
import sys

import pytest

from support import interpreter_message
from test_reader_helpers import run, spin, start

TUPLES = sys.version_info >= (3, 13)  # readuntil() accepts a tuple of separators
needs_tuples = pytest.mark.skipif(not TUPLES, reason="tuple separators are new in 3.13")
before_tuples = pytest.mark.skipif(TUPLES, reason="3.13+ accepts tuple separators")

NOT_FOUND = "Separator is not found, and chunk exceed the limit"
TOO_LONG = "Separator is found, but chunk is longer than limit"


def feed_bytewise(loop, reader, data):
    for i in range(len(data)):
        reader.feed_data(data[i:i + 1])
        spin(loop, 2)


# --------------------------------------------------------------------------
# readline
# --------------------------------------------------------------------------


def test_readline_lines_from_one_chunk(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"first\nsecond\r\n\nrest")
    assert run(loop, r.readline()) == b"first\n"
    assert run(loop, r.readline()) == b"second\r\n"
    assert run(loop, r.readline()) == b"\n"
    assert bytes(r._buffer) == b"rest"


def test_readline_across_chunks(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readline())
    for piece in (b"he", b"ll", b"o wor", b"ld"):
        r.feed_data(piece)
        spin(loop)
        assert not task.done()
    r.feed_data(b"!\nnext")
    assert run(loop, task) == b"hello world!\n"
    assert bytes(r._buffer) == b"next"


def test_readline_partial_line_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"no newline")
    task = start(loop, r.readline())
    r.feed_eof()
    assert run(loop, task) == b"no newline"
    assert not r._buffer
    assert r.at_eof()


def test_readline_empty_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    assert run(loop, r.readline()) == b""
    assert run(loop, r.readline()) == b""


def test_readline_complete_line_before_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"a\nb\n")
    r.feed_eof()
    assert run(loop, r.readline()) == b"a\n"
    assert run(loop, r.readline()) == b"b\n"
    assert run(loop, r.readline()) == b""


def test_readline_line_of_exactly_limit(impl, loop):
    r = impl.StreamReader(limit=4, loop=loop)
    r.feed_data(b"abcd\nefgh\n")
    # the limit counts the line without its newline
    assert run(loop, r.readline()) == b"abcd\n"
    assert run(loop, r.readline()) == b"efgh\n"


def test_readline_overrun_with_newline_in_buffer(impl, loop):
    r = impl.StreamReader(limit=4, loop=loop)
    r.feed_data(b"abcde\nnext\n")
    with pytest.raises(ValueError) as info:
        run(loop, r.readline())
    assert type(info.value) is ValueError
    assert info.value.args == (TOO_LONG,)
    # the whole long line including its newline is dropped
    assert bytes(r._buffer) == b"next\n"
    assert run(loop, r.readline()) == b"next\n"


def test_readline_overrun_without_newline_clears_buffer(impl, loop):
    r = impl.StreamReader(limit=4, loop=loop)
    r.feed_data(b"abcdefgh")
    with pytest.raises(ValueError) as info:
        run(loop, r.readline())
    assert type(info.value) is ValueError
    assert info.value.args == (NOT_FOUND,)
    assert bytes(r._buffer) == b""
    # the rest of the long line comes back as a line of its own
    r.feed_data(b"ij\nkl\n")
    assert run(loop, r.readline()) == b"ij\n"
    assert run(loop, r.readline()) == b"kl\n"


def test_readline_overrun_while_waiting(impl, loop):
    r = impl.StreamReader(limit=3, loop=loop)
    task = start(loop, r.readline())
    r.feed_data(b"abc")  # exactly limit, still waiting
    spin(loop)
    assert not task.done()
    r.feed_data(b"d")
    with pytest.raises(ValueError, match="^" + NOT_FOUND + "$"):
        run(loop, task)
    assert not r._buffer
    assert r._waiter is None


def test_readline_overrun_newline_arrives_late(impl, loop):
    r = impl.StreamReader(limit=3, loop=loop)
    task = start(loop, r.readline())
    r.feed_data(b"abc")
    spin(loop)
    r.feed_data(b"d\nok\n")
    with pytest.raises(ValueError, match="^" + TOO_LONG + "$"):
        run(loop, task)
    assert bytes(r._buffer) == b"ok\n"


def test_readline_overrun_newline_in_later_part(impl, loop):
    r = impl.StreamReader(limit=2, loop=loop)
    r.feed_data(b"1\n22\n333\n4")
    assert run(loop, r.readline()) == b"1\n"
    assert run(loop, r.readline()) == b"22\n"
    with pytest.raises(ValueError, match="^" + TOO_LONG + "$"):
        run(loop, r.readline())
    assert bytes(r._buffer) == b"4"


def test_readline_with_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"line\n")
    exc = OSError("x")
    r.set_exception(exc)
    with pytest.raises(OSError) as info:
        run(loop, r.readline())
    assert info.value is exc
    assert bytes(r._buffer) == b"line\n"


def test_readline_woken_by_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readline())
    r.feed_data(b"part")
    spin(loop)
    r.set_exception(BrokenPipeError("pipe"))
    with pytest.raises(BrokenPipeError):
        run(loop, task)
    assert bytes(r._buffer) == b"part"


def test_readline_returns_partial_of_a_set_incomplete_read_error(impl, loop):
    # readline() treats any IncompleteReadError coming out of readuntil() as
    # end of stream, including one given to set_exception().
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"ignored\n")
    r.set_exception(asyncio.IncompleteReadError(b"from the error", 99))
    assert run(loop, r.readline()) == b"from the error"
    assert bytes(r._buffer) == b"ignored\n"


def test_readline_converts_a_set_limit_overrun_error(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"ab\ncd")
    r.set_exception(asyncio.LimitOverrunError("custom message", 2))
    with pytest.raises(ValueError) as info:
        run(loop, r.readline())
    assert info.value.args == ("custom message",)
    # the buffer has b"\n" at offset 2, so b"ab\n" is dropped
    assert bytes(r._buffer) == b"cd"


# --------------------------------------------------------------------------
# readuntil
# --------------------------------------------------------------------------


def test_readuntil_default_separator_is_newline(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"x\ny")
    assert run(loop, r.readuntil()) == b"x\n"
    assert bytes(r._buffer) == b"y"


def test_readuntil_single_byte(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"key=value;other=1;")
    assert run(loop, r.readuntil(b";")) == b"key=value;"
    assert run(loop, r.readuntil(separator=b"=")) == b"other="
    assert run(loop, r.readuntil(b";")) == b"1;"
    assert not r._buffer


def test_readuntil_multi_byte(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody")
    assert run(loop, r.readuntil(b"\r\n\r\n")) == b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert bytes(r._buffer) == b"body"


@pytest.mark.parametrize("sep", [bytearray(b"--"), memoryview(b"--")],
                         ids=["bytearray", "memoryview"])
def test_readuntil_bytes_like_separator(impl, loop, sep):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"part1--part2")
    got = run(loop, r.readuntil(sep))
    assert got == b"part1--"
    assert type(got) is bytes


def test_readuntil_separator_is_whole_buffer(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"END")
    assert run(loop, r.readuntil(b"END")) == b"END"
    assert not r._buffer


@pytest.mark.parametrize(
    "data, sep, expected",
    [
        (b"abc\r\ndef", b"\r\n", b"abc\r\n"),
        (b"xaaab.", b"aab", b"xaaab"),
        (b"ababac!", b"abac", b"ababac"),
        (b"\r\r\n\r\r\n\r\n\r\n", b"\r\n\r\n", b"\r\r\n\r\r\n\r\n"),
        (b"..||.|||", b"|||", b"..||.|||"),
        (b"0123456789", b"9", b"0123456789"),
    ],
)
def test_readuntil_separator_fed_byte_by_byte(impl, loop, data, sep, expected):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readuntil(sep))
    feed_bytewise(loop, r, data)
    assert task.done()
    assert task.result() == expected
    assert bytes(r._buffer) == data[len(expected):]


def test_readuntil_separator_split_across_chunks(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readuntil(b"<END>"))
    for piece in (b"data<E", b"N", b"D", b">tail"):
        assert not task.done()
        r.feed_data(piece)
        spin(loop)
    assert task.result() == b"data<END>"
    assert bytes(r._buffer) == b"tail"


def test_readuntil_empty_separator(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    r.set_exception(OSError("not reached"))  # the argument check comes first
    with pytest.raises(ValueError) as info:
        run(loop, r.readuntil(b""))
    assert info.value.args == ("Separator should be at least one-byte string",)
    assert bytes(r._buffer) == b"abc"


def test_readuntil_not_found_over_limit(impl, loop):
    r = impl.StreamReader(limit=5, loop=loop)
    r.feed_data(b"abcdefgh")
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, r.readuntil(b"\n"))
    err = info.value
    assert err.args == (NOT_FOUND,)
    assert str(err) == NOT_FOUND
    assert err.consumed == 8
    assert bytes(r._buffer) == b"abcdefgh"  # nothing consumed
    r.feed_data(b"\n")
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, r.readuntil(b"\n"))
    assert info.value.args == (TOO_LONG,)
    assert info.value.consumed == 8
    assert run(loop, r.read(100)) == b"abcdefgh\n"


def test_readuntil_not_found_multibyte_consumed(impl, loop):
    # With a separator of length L the last L - 1 bytes may be the start of
    # a separator, so they are not counted in `consumed`.
    r = impl.StreamReader(limit=5, loop=loop)
    r.feed_data(b"abcdef")  # 6 bytes: 5 scanned, not over the limit
    task = start(loop, r.readuntil(b"\r\n"))
    assert not task.done()
    r.feed_data(b"g")
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, task)
    assert info.value.args == (NOT_FOUND,)
    assert info.value.consumed == 6
    assert bytes(r._buffer) == b"abcdefg"
    assert r._waiter is None


def test_readuntil_not_found_consumed_depends_on_chunks(impl, loop):
    r = impl.StreamReader(limit=3, loop=loop)
    task = start(loop, r.readuntil(b"!"))
    feed_bytewise(loop, r, b"abcd")
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, task)
    assert info.value.consumed == 4
    r.feed_data(b"efg")
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, r.readuntil(b"!"))
    assert info.value.consumed == 7


def test_readuntil_found_but_too_long(impl, loop):
    r = impl.StreamReader(limit=5, loop=loop)
    r.feed_data(b"123456\r\nrest")
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, r.readuntil(b"\r\n"))
    assert info.value.args == (TOO_LONG,)
    assert info.value.consumed == 6
    assert bytes(r._buffer) == b"123456\r\nrest"


def test_readuntil_limit_boundaries(impl, loop):
    r = impl.StreamReader(limit=5, loop=loop)
    # data of exactly `limit` bytes before the separator is fine
    r.feed_data(b"12345\r\n")
    assert run(loop, r.readuntil(b"\r\n")) == b"12345\r\n"
    # a separator that starts right at the limit and completes later
    task = start(loop, r.readuntil(b"\r\n"))
    r.feed_data(b"abcde\r")
    spin(loop)
    assert not task.done()
    r.feed_data(b"\n")
    assert run(loop, task) == b"abcde\r\n"


def test_readuntil_incomplete_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"some data\r")
    task = start(loop, r.readuntil(b"\r\n"))
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, task)
    err = info.value
    assert err.partial == b"some data\r"  # may end with part of the separator
    assert err.expected is None
    assert str(err) == "10 bytes read on a total of undefined expected bytes"
    assert not r._buffer
    assert r.at_eof()


def test_readuntil_incomplete_at_eof_with_empty_buffer(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readuntil(b"--"))
    assert (info.value.partial, info.value.expected) == (b"", None)
    assert str(info.value) == "0 bytes read on a total of undefined expected bytes"


def test_readuntil_complete_separator_before_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"a||b||c")
    r.feed_eof()
    assert run(loop, r.readuntil(b"||")) == b"a||"
    assert run(loop, r.readuntil(b"||")) == b"b||"
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readuntil(b"||"))
    assert info.value.partial == b"c"


def test_readuntil_eof_overrun_checked_first(impl, loop):
    # Over the limit without separator at EOF: the limit error comes first
    # and the data stays.
    r = impl.StreamReader(limit=2, loop=loop)
    r.feed_data(b"abcdef")
    r.feed_eof()
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, r.readuntil(b"\n"))
    assert info.value.consumed == 6
    assert bytes(r._buffer) == b"abcdef"


def test_readuntil_with_exception(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"x\n")
    exc = OSError("y")
    r.set_exception(exc)
    with pytest.raises(OSError) as info:
        run(loop, r.readuntil(b"\n"))
    assert info.value is exc
    assert bytes(r._buffer) == b"x\n"


# --------------------------------------------------------------------------
# Tuples of separators
# --------------------------------------------------------------------------


@needs_tuples
def test_readuntil_tuple_shortest_match_wins(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"alpha\r\nbeta\ngamma\r\n")
    assert run(loop, r.readuntil((b"\r\n", b"\n"))) == b"alpha\r\n"
    assert run(loop, r.readuntil((b"\r\n", b"\n"))) == b"beta\n"
    assert run(loop, r.readuntil((b"\r\n", b"\n"))) == b"gamma\r\n"
    # the match that ends first wins, whatever the order given ...
    r.feed_data(b"xxAByyA")
    assert run(loop, r.readuntil((b"ByyA", b"AB"))) == b"xxAB"
    assert bytes(r._buffer) == b"yyA"
    # ... and even when it is the longer separator
    r.feed_data(b"12345ab")
    assert run(loop, r.readuntil((b"b", b"345"))) == b"yyA12345"
    assert bytes(r._buffer) == b"ab"


@needs_tuples
def test_readuntil_tuple_ending_at_same_place(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"123ab456")
    assert run(loop, r.readuntil((b"3ab", b"b", b"ab"))) == b"123ab"


@needs_tuples
def test_readuntil_tuple_fed_byte_by_byte(impl, loop):
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readuntil((b"\r\n\r\n", b"\n\n")))
    feed_bytewise(loop, r, b"head\r\n\r\nbody")
    assert task.result() == b"head\r\n\r\n"
    assert bytes(r._buffer) == b"body"


@needs_tuples
def test_readuntil_tuple_longest_shorter_than_buffer(impl, loop):
    # The buffer is shorter than the longest separator but holds a short one.
    r = impl.StreamReader(loop=loop)
    task = start(loop, r.readuntil((b"a very long separator", b"!")))
    r.feed_data(b"x!")
    assert run(loop, task) == b"x!"


@needs_tuples
def test_readuntil_tuple_limit_uses_matched_separator(impl, loop):
    r = impl.StreamReader(limit=1, loop=loop)
    r.feed_data(b"xab")
    # with b"ab" alone the data before it is 1 byte: fine
    assert run(loop, r.readuntil((b"ab",))) == b"xab"
    r.feed_data(b"xab")
    # with b"b" also given, b"b" is the match: 2 bytes before it
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, r.readuntil((b"ab", b"b")))
    assert info.value.args == (TOO_LONG,)
    assert info.value.consumed == 2
    assert bytes(r._buffer) == b"xab"


@needs_tuples
def test_readuntil_tuple_not_found_over_limit(impl, loop):
    r = impl.StreamReader(limit=3, loop=loop)
    r.feed_data(b"abcdefg")
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, r.readuntil((b"XYZ", b"Q")))
    assert info.value.args == (NOT_FOUND,)
    # the longest separator decides how much tail is kept back
    assert info.value.consumed == 5


@needs_tuples
def test_readuntil_tuple_incomplete_at_eof(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc\r")
    r.feed_eof()
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readuntil((b"\r\n", b"\n")))
    assert info.value.partial == b"abc\r"
    assert info.value.expected is None


@needs_tuples
def test_readuntil_empty_tuple(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    with pytest.raises(ValueError) as info:
        run(loop, r.readuntil(()))
    assert info.value.args == ("Separator should contain at least one element",)
    assert bytes(r._buffer) == b"abc"


@needs_tuples
@pytest.mark.parametrize("seps", [(b"",), (b"\n", b""), (b"", b"ab", b"c")])
def test_readuntil_tuple_with_empty_separator(impl, loop, seps):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc\n")
    with pytest.raises(ValueError) as info:
        run(loop, r.readuntil(seps))
    assert info.value.args == ("Separator should be at least one-byte string",)
    assert bytes(r._buffer) == b"abc\n"


@needs_tuples
def test_readuntil_tuple_with_str_member(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc\n")
    with pytest.raises(TypeError) as info:
        run(loop, r.readuntil((b"\n", "c")))
    assert str(info.value) == "argument should be integer or bytes-like object, not 'str'"
    assert bytes(r._buffer) == b"abc\n"


@needs_tuples
def test_readuntil_list_is_not_a_tuple(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc\n")
    with pytest.raises(TypeError) as info:
        run(loop, r.readuntil([b"\n"]))
    assert str(info.value) == "argument should be integer or bytes-like object, not 'list'"
    assert bytes(r._buffer) == b"abc\n"


@before_tuples
def test_readuntil_tuple_before_313_fails_on_search(impl, loop):
    r = impl.StreamReader(loop=loop)
    # len((b"\r\n", b"\n")) == 2 is taken as the separator length: one
    # buffered byte is not enough to search, so the reader waits.
    r.feed_data(b"a")
    task = start(loop, r.readuntil((b"\r\n", b"\n")))
    assert not task.done()
    assert r._waiter is not None
    r.feed_data(b"\n")
    with pytest.raises(TypeError) as info:
        run(loop, task)
    assert str(info.value) == interpreter_message(
        "argument should be integer or bytes-like object, not 'tuple'",
        lambda: bytearray().find((b"\r\n", b"\n")))
    assert r._waiter is None
    assert bytes(r._buffer) == b"a\n"


@before_tuples
def test_readuntil_empty_tuple_before_313(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    with pytest.raises(ValueError) as info:
        run(loop, r.readuntil(()))
    assert info.value.args == ("Separator should be at least one-byte string",)


@before_tuples
def test_readuntil_tuple_with_empty_member_before_313(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"abc")
    with pytest.raises(TypeError) as info:
        run(loop, r.readuntil((b"",)))
    assert str(info.value) == interpreter_message(
        "argument should be integer or bytes-like object, not 'tuple'",
        lambda: bytearray().find((b"",)))
    assert bytes(r._buffer) == b"abc"


@before_tuples
def test_readuntil_tuple_at_eof_before_313(impl, loop):
    r = impl.StreamReader(loop=loop)
    r.feed_data(b"x")
    r.feed_eof()
    # too little data to search: straight to the EOF error
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, r.readuntil((b"ab", b"\n")))
    assert info.value.partial == b"x"
