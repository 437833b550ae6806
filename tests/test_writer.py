"""StreamWriter: what the transport and the peer get, and when; errors,
drain(), and the parts every version inherits from asyncio.

Every test runs on ``asyncio`` and on ``fastio`` (conftest.py's ``impl``).
The first half drives the writer over ``FakeWriteTransport``, which records
every call; the second half (marked ``network``) over real sockets (a Unix
socketpair or a TCP connection on 127.0.0.1) read by a plain socket.

fastio may hand the transport fewer, larger writes than asyncio does, so the
recorded calls are compared as a *stream*: the bytes between control calls
(write_eof, close, abort) joined together.  Where the expected result depends
on the interpreter's asyncio, the test computes it with asyncio's own writer
in the same run.
"""
import array
import asyncio
import contextlib
import copy
import gc
import inspect
import random
import re
import socket
import sys
import warnings
import weakref

import pytest

from support import compiled
from support.writing import FakeWriteTransport, connect, data_stream
from test_reader_helpers import run, spin

PY = sys.version_info[:2]
# This asyncio's StreamWriter warns when collected unclosed (from a 3.11
# patch release on: Debian's 3.11.2 does not), closing the transport.
WRITER_WARNS = hasattr(asyncio.streams.StreamWriter, "__del__")
HOLD = 16 * 1024          # writes this large go straight through; asyncio holds nothing
BATCH = 64 * 1024         # fastio hands a batch over once it holds this much
TIMEOUT = 10              # seconds, for anything that involves sockets


class Bytes(bytes):
    pass


class ByteArray(bytearray):
    pass


def mixed_chunks(seed, count=400):
    """Writes of every kind and size a program might make, deterministically."""
    rnd = random.Random(seed)
    chunks = []
    for i in range(count):
        size = rnd.choice([1, 2, 7, 100, 1000, 4000, 9000, HOLD - 1, HOLD, HOLD + 1, 40000])
        body = (b"%06d:" % i + bytes([65 + i % 26]) * size)[:max(size, 1)]
        kind = rnd.choice(["bytes", "bytearray", "memoryview", "mv-bytearray",
                           "bytes-subclass", "bytearray-subclass", "array", "2d"])
        if kind == "bytes":
            chunk = body
        elif kind == "bytearray":
            chunk = bytearray(body)
        elif kind == "memoryview":
            chunk = memoryview(b"<" + body + b">")[1:-1]
        elif kind == "mv-bytearray":
            chunk = memoryview(bytearray(body))
        elif kind == "bytes-subclass":
            chunk = Bytes(body)
        elif kind == "bytearray-subclass":
            chunk = ByteArray(body)
        elif kind == "array":
            even = body + b"!" * (len(body) % 2)
            chunk = memoryview(array.array("H", even))
        else:
            even = body + b"!" * (len(body) % 2)
            chunk = memoryview(even).cast("B", (2, len(even) // 2))
        chunks.append(chunk)
    return chunks


def as_bytes(chunk):
    return memoryview(chunk).tobytes()


# --------------------------------------------------------------------------
# Type and inherited parts
# --------------------------------------------------------------------------


def test_is_an_asyncio_stream_writer(impl, loop):
    w, *_ = connect(impl, loop)
    assert isinstance(w, asyncio.StreamWriter)
    assert type(w).__name__ == "StreamWriter"
    assert type(w) is impl.StreamWriter


def test_inherited_methods_are_asyncios(impl):
    # Everything that does not write is the interpreter's own code.
    for name in ("__init__", "__repr__", "wait_closed", "get_extra_info", "is_closing",
                 "can_write_eof"):
        assert getattr(impl.StreamWriter, name) is getattr(asyncio.streams.StreamWriter, name), name
    if PY >= (3, 11):
        assert impl.StreamWriter.start_tls is asyncio.streams.StreamWriter.start_tls
    else:
        assert not hasattr(impl.StreamWriter, "start_tls")
    if WRITER_WARNS:
        assert impl.StreamWriter.__del__ is asyncio.streams.StreamWriter.__del__
    else:
        assert not hasattr(impl.StreamWriter, "__del__")


def test_attributes(impl, loop):
    w, t, p, r = connect(impl, loop)
    assert w._transport is t
    assert w._protocol is p
    assert w._reader is r
    assert w._loop is loop
    assert w.transport is t


def test_repr_matches_asyncio(impl, loop):
    w, *_ = connect(impl, loop)
    assert repr(w) == ("<StreamWriter transport=<FakeWriteTransport> "
                       "reader=<StreamReader transport=<FakeWriteTransport>>>")
    w, *_ = connect(impl, loop, with_reader=False)
    assert repr(w) == "<StreamWriter transport=<FakeWriteTransport>>"
    # Held bytes are not part of it.
    w.write(b"held")
    assert repr(w) == "<StreamWriter transport=<FakeWriteTransport>>"


def test_reader_must_be_a_stream_reader(impl, loop):
    transport = FakeWriteTransport(loop)
    transport.closing = True  # the half-made writer's __del__ (3.11+) then stays quiet
    protocol = impl.StreamReaderProtocol(None, loop=loop)
    with pytest.raises(AssertionError):
        impl.StreamWriter(transport, protocol, object(), loop)


def test_queries_go_to_the_transport(impl, loop):
    w, t, _, _ = connect(impl, loop, extra={"peername": ("127.0.0.1", 1)},
                         can_write_eof=False)
    assert w.get_extra_info("peername") == ("127.0.0.1", 1)
    assert w.get_extra_info("missing", "dflt") == "dflt"
    assert w.can_write_eof() is False
    assert w.is_closing() is False
    t.closing = True
    assert w.is_closing() is True


# --------------------------------------------------------------------------
# The byte stream: order, completeness, timing bounds
# --------------------------------------------------------------------------


def test_mixed_writes_reach_the_transport_in_order(impl, loop):
    w, t, _, _ = connect(impl, loop)
    chunks = mixed_chunks(seed=1)

    async def body():
        for i, chunk in enumerate(chunks):
            w.write(chunk)
            if i % 37 == 0:
                await asyncio.sleep(0)
        await asyncio.sleep(0)

    run(loop, body())
    assert data_stream(t.calls) == [b"".join(as_bytes(c) for c in chunks)]


def test_everything_written_reaches_the_transport_within_one_iteration(impl, loop):
    w, t, _, _ = connect(impl, loop)
    seen = []

    async def body():
        for n in range(50):
            for i in range(n):
                w.write(b"%d," % i)
            await asyncio.sleep(0)
            seen.append(t.received)

    run(loop, body())
    expected, total = [], 0
    for n in range(50):
        total += sum(len(b"%d," % i) for i in range(n))
        expected.append(total)
    assert seen == expected


def test_a_later_iterations_first_write_reaches_the_transport_at_once(impl, loop):
    w, t, _, _ = connect(impl, loop)
    w.write(b"a")
    spin(loop)
    assert t.received == 1
    w.write(b"b")
    assert t.received == 2


def test_writes_from_plain_callbacks_are_delivered(impl, loop):
    w, t, _, _ = connect(impl, loop)
    for part in (b"a", b"bb", b"ccc"):
        loop.call_soon(w.write, part)
    spin(loop, 3)
    assert data_stream(t.calls) == [b"abbccc"]


def test_held_bytes_stay_under_16_KiB(impl, loop):
    # Whatever the sizes, what has not reached the transport is < 16 KiB,
    # without any loop iteration (asyncio: always 0).
    w, t, _, _ = connect(impl, loop)
    rnd = random.Random(7)
    total = 0
    for _ in range(3000):
        n = rnd.choice([1, 10, 500, 3000, 8000, HOLD - 1, HOLD, 30000])
        w.write(b"x" * n)
        total += n
        assert 0 <= total - t.received < HOLD
        if n >= HOLD:
            # A large write hands over everything before it, and itself.
            assert t.received == total
    spin(loop)
    assert t.received == total


def test_large_and_unusual_data_reach_transport_write_unchanged(impl, loop):
    # Writes of 16 KiB or more, non-contiguous views and bytes subclasses are
    # given to transport.write() as the very objects the program passed.
    w, t, _, _ = connect(impl, loop)
    objects = [
        b"x" * HOLD,
        bytearray(b"y" * 20000),
        memoryview(b"z" * 100000),
        memoryview(b"abcdefgh")[::2],
        Bytes(b"sub"),
        ByteArray(b"subarray"),
    ]
    for obj in objects:
        w.write(b"small")
        w.write(obj)
        assert t.objects[-1] is obj
    spin(loop)
    assert data_stream(t.calls) == [b"".join(b"small" + bytes(o) for o in objects)]


def test_empty_write_is_not_a_call(impl, loop):
    w, t, _, _ = connect(impl, loop)
    w.write(b"")
    w.write(bytearray())
    w.write(memoryview(b""))
    w.writelines([])
    w.writelines([b"", b""])
    spin(loop)
    assert t.calls == []


def test_write_reaches_transport_before_a_waiting_read(impl, loop):
    # A request written and then answered on the same connection: the
    # request is with the transport by the time the read waits.
    w, t, _, r = connect(impl, loop)
    w.write(b"request\n")
    coro = r.readline()
    try:
        coro.send(None)  # runs until readline() waits for data
        assert data_stream(t.calls) == [b"request\n"]
    finally:
        coro.close()


def test_bytearray_changed_after_write_does_not_change_what_is_sent(impl, loop):
    w, t, _, _ = connect(impl, loop)
    buf = bytearray(b"first")
    w.write(buf)
    buf[:] = b"SECOND"          # resized in place
    w.write(buf)
    buf[0:1] = b"!"
    view = memoryview(buf)
    part = view[:3]
    w.write(part)
    buf[0:3] = b"???"
    part.release()
    view.release()
    buf.clear()
    w.writelines([buf, bytearray(b"tail")])
    spin(loop)
    assert data_stream(t.calls) == [b"firstSECOND!EC" + b"tail"]


# --------------------------------------------------------------------------
# Flush points: transport, close(), write_eof(), abort, drain()
# --------------------------------------------------------------------------


def test_transport_property_flushes_first(impl, loop):
    w, t, _, _ = connect(impl, loop)
    w.write(b"one")
    w.write(b"two")
    assert w.transport is t
    assert data_stream(t.calls) == [b"onetwo"]
    w.transport.write(b"three")
    w.write(b"four")
    w.transport.write(b"five")
    spin(loop)
    assert data_stream(t.calls) == [b"onetwothreefourfive"]


def test_close_flushes_first(impl, loop):
    w, t, p, _ = connect(impl, loop)
    w.write(b"ab")
    assert w.close() is None
    assert data_stream(t.calls) == [b"ab", "close"]
    # A write on a closing transport is the transport's business.
    w.write(b"late")
    spin(loop)
    assert data_stream(t.calls) == [b"ab", "close", b"late"]
    assert w.is_closing()


def test_write_eof_flushes_first(impl, loop):
    w, t, _, _ = connect(impl, loop)
    w.write(b"ab")
    w.writelines([b"c", b"d"])
    assert w.write_eof() is None
    assert data_stream(t.calls) == [b"abcd", "write_eof"]


def test_abort_drops_what_the_peer_has_not_read(impl, loop):
    w, t, _, _ = connect(impl, loop)
    w.write(b"x" * 1000)
    t.peer_read(400)
    w.write(b"y")
    w.transport.abort()
    assert data_stream(t.calls) == [b"x" * 1000 + b"y", "abort"]
    assert t.get_write_buffer_size() == 0


def test_drain_flushes_first(impl, loop):
    w, t, _, _ = connect(impl, loop)
    w.write(b"a")
    w.writelines([b"b", bytearray(b"c")])
    coro = w.drain()
    with pytest.raises(StopIteration):
        coro.send(None)
    assert data_stream(t.calls) == [b"abc"]


# --------------------------------------------------------------------------
# Pipelined input: while the reader has unread bytes, writes are batched
# --------------------------------------------------------------------------


def pipelined(impl, loop, lines=1000, **transport_kw):
    """A writer whose reader holds `lines` 64-byte request lines."""
    w, t, p, r = connect(impl, loop, **transport_kw)
    requests = b"".join(b"%063d\n" % i for i in range(lines))
    p.data_received(requests)
    return w, t, p, r, requests


@pytest.mark.skipif(sys.implementation.name != "cpython",
                    reason="PyPy keeps a closed loop past gc.collect(), asyncio's as well")
def test_a_loop_whose_writer_held_bytes_is_freed(impl):
    # fastio's flusher for the loop, kept per loop, must not keep the loop
    # alive once nothing else does.
    loop = asyncio.new_event_loop()
    w, *_ = pipelined(impl, loop, keep=False)
    w.write(b"answer\n")
    w.close()
    spin(loop)
    loop.close()
    freed = weakref.ref(loop)
    del w, _, loop
    gc.collect()
    assert freed() is None


def test_a_writer_given_another_reader_holds_for_that_one(impl, loop):
    # The writer holds bytes while the reader it has (asyncio's _reader, as
    # set) has unread ones: with none, every write goes straight through.
    w, t, p, r, _ = pipelined(impl, loop)
    w._reader = None
    w.write(b"answer\n")
    assert t.received == 7
    w._reader = r
    assert w._reader is r
    w.write(b"answer\n")
    spin(loop)
    assert t.received == 14


def write_calls(t):
    return sum(1 for kind, *_ in t.calls if kind in ("write", "writelines"))


def test_pipelined_echo_reaches_the_transport_whole_and_in_few_writes(impl, loop):
    # The line echo of the benchmarks: readline, write, drain every 64.
    w, t, p, r, requests = pipelined(impl, loop, lines=3000)
    waits = []

    async def echo():
        for n in range(1, 3001):
            w.write(await r.readline())
            if n % 64 == 0:
                t.peer_read()    # a peer that keeps up
                drain = w.drain()
                try:
                    drain.send(None)
                except StopIteration:
                    continue
                waits.append(n)
                drain.close()

    run(loop, echo())
    assert data_stream(t.calls) == [requests]
    assert waits == []       # under the high-water mark: no drain() waits
    if compiled(impl):
        # One write per 64 KiB, and the last when the reader ran dry.
        assert write_calls(t) == -(-len(requests) // BATCH)
    else:
        assert write_calls(t) == 3000


def test_pipelined_writes_hold_under_a_batch_and_large_ones_go_straight(impl, loop):
    w, t, p, r, _ = pipelined(impl, loop)
    rnd = random.Random(3)
    total = 0
    for _ in range(2000):
        n = rnd.choice([1, 10, 500, 3000, 8000, HOLD - 1, HOLD, 30000])
        data = b"x" * n
        w.write(data)
        total += n
        assert 0 <= total - t.received < BATCH
        if n >= HOLD:
            assert t.objects[-1] is data and t.received == total
    spin(loop)
    assert t.received == total


def test_drain_leaves_a_pipelined_batch_for_the_end_of_the_iteration(impl, loop):
    w, t, p, r, _ = pipelined(impl, loop)
    w.write(b"answer")
    with pytest.raises(StopIteration):
        w.drain().send(None)  # returns at once on both
    # asyncio's writer has handed it over already; fastio's batch goes on.
    assert t.received == (0 if compiled(impl) else 6)
    spin(loop, 1)
    assert data_stream(t.calls) == [b"answer"]


def test_drain_hands_a_batch_over_when_it_would_pass_the_high_water_mark(impl, loop):
    w, t, p, r, _ = pipelined(impl, loop)
    t.set_write_buffer_limits(high=1000)

    async def write_and_drain(data):
        # drain() right after write(), in the same step of the task.
        w.write(data)
        await w.drain()

    assert run(loop, write_and_drain(b"a" * 600)) is None   # 600 <= 1000: no wait
    assert not p._paused
    task = loop.create_task(write_and_drain(b"b" * 400))
    spin(loop)
    assert task.done()                                     # 1000: still no wait
    task = loop.create_task(write_and_drain(b"c"))
    spin(loop)
    # 1001 bytes would be over the mark: they are with the transport, which
    # paused the protocol, and drain() waits for the peer, as asyncio's.
    assert not task.done()
    assert t.received == 1001 and p._paused
    t.peer_read()
    spin(loop)
    assert task.done() and task.result() is None
    assert data_stream(t.calls) == [b"a" * 600 + b"b" * 400 + b"c"]


def test_drain_hands_a_batch_over_when_the_transport_cannot_tell_its_limits(impl, loop):
    w, t, p, r, _ = pipelined(impl, loop)

    def no_limits():
        raise NotImplementedError

    t.get_write_buffer_limits = no_limits
    w.write(b"answer")
    assert run(loop, w.drain()) is None
    assert t.received == 6


@pytest.mark.parametrize("trouble", ["reader exception", "closing", "paused", "lost"])
def test_drain_hands_a_batch_over_before_it_waits_or_raises(impl, loop, trouble):
    w, t, p, r, _ = pipelined(impl, loop)
    w.write(b"answer")
    if trouble == "reader exception":
        r.set_exception(ConnectionResetError("reset"))
    elif trouble == "closing":
        t.closing = True
    elif trouble == "paused":
        p.pause_writing()
    else:
        p.connection_lost(None)
    drain = w.drain()
    try:
        drain.send(None)
    except (StopIteration, ConnectionError):
        pass
    finally:
        drain.close()
    assert t.received == 6
    if trouble == "paused":
        p.resume_writing()


# --------------------------------------------------------------------------
# Errors, raised by write() itself
# --------------------------------------------------------------------------


@pytest.mark.parametrize("data, name", [
    ("text", "str"), (1, "int"), (None, "NoneType"), ([1, 2], "list"), (object(), "object"),
])
def test_write_of_non_bytes_raises_at_write_time(impl, loop, data, name):
    w, t, _, _ = connect(impl, loop)
    w.write(b"before")
    with pytest.raises(TypeError) as info:
        w.write(data)
    assert str(info.value) == f"data argument must be a bytes-like object, not {name!r}"
    w.write(b"after")
    spin(loop)
    assert data_stream(t.calls) == [b"beforeafter"]


def test_write_after_write_eof_raises_at_write_time(impl, loop):
    w, t, _, _ = connect(impl, loop)
    w.write(b"data")
    w.write_eof()
    for data in (b"x", bytearray(b"x"), memoryview(b"x"), b"", b"y" * 20000):
        with pytest.raises(RuntimeError) as info:
            w.write(data)
        assert info.value.args == ("Cannot call write() after write_eof()",)
    with pytest.raises(RuntimeError, match=r"^Cannot call write\(\) after write_eof\(\)$"):
        w.writelines([b"x", b"y"])
    spin(loop)
    assert data_stream(t.calls) == [b"data", "write_eof"]
    # A second write_eof() and a close() are the transport's to handle.
    w.write_eof()
    w.close()
    assert data_stream(t.calls) == [b"data", "write_eof", "close"]


def test_released_memoryview(impl, loop):
    w, t, _, _ = connect(impl, loop)
    view = memoryview(b"gone")
    view.release()
    with pytest.raises(ValueError, match="released memoryview"):
        w.write(view)
    spin(loop)
    assert t.calls == []


def test_writelines_takes_any_iterable(impl, loop):
    w, t, _, _ = connect(impl, loop)
    w.writelines(b"%d;" % i for i in range(100))                       # generator, small
    w.writelines(bytes([65 + i]) * 5000 for i in range(5))              # generator, 25 KB
    w.writelines((b"t", bytearray(b"u"), memoryview(b"v")))             # tuple, mixed
    w.writelines(iter([b"it"]))
    w.writelines([b"l" * HOLD])
    w.writelines({b"set": None})                                        # dict keys
    w.writelines([Bytes(b"S"), ByteArray(b"B"), memoryview(b"abcd")[1:3]])
    spin(loop)
    expected = (b"".join(b"%d;" % i for i in range(100))
                + b"".join(bytes([65 + i]) * 5000 for i in range(5))
                + b"tuv" + b"it" + b"l" * HOLD + b"set" + b"SBbc")
    assert data_stream(t.calls) == [expected]


@pytest.mark.parametrize("items", [
    [b"a", "b", b"c"],
    ["only"],
    [b"x" * 20000, 5],
    [bytearray(b"a"), None],
], ids=["str-middle", "str-only", "int-after-large", "none"])
def test_writelines_with_a_bad_item_writes_none_of_it(impl, loop, items):
    w, t, _, _ = connect(impl, loop)
    w.write(b"before;")
    with pytest.raises(TypeError) as info:
        w.writelines(items)
    ref = FakeWriteTransport()
    with pytest.raises(TypeError) as expected:
        ref.writelines(items)
    assert str(info.value) == str(expected.value)
    w.write(b"after")
    spin(loop)
    assert data_stream(t.calls) == [b"before;after"]


def test_writelines_with_a_failing_iterator_writes_none_of_it(impl, loop):
    w, t, _, _ = connect(impl, loop)

    def items():
        yield b"one"
        yield b"two"
        raise ZeroDivisionError("mid-way")

    w.write(b"before;")
    with pytest.raises(ZeroDivisionError, match="mid-way"):
        w.writelines(items())
    w.write(b"after")
    spin(loop)
    assert data_stream(t.calls) == [b"before;after"]


def test_writelines_generators_after_a_write(impl, loop):
    # A generator is consumed once, whatever its items are: views, bytes
    # subclasses, bytes.  (A write just before puts fastio in its gathering
    # state, where it looks at the items.)
    w, t, _, _ = connect(impl, loop)
    w.write(b"a")
    w.writelines(memoryview(x) for x in (b"b", b"c"))
    w.write(b"d")
    w.writelines(Bytes(x) for x in (b"e", b"f"))
    w.write(b"g")
    w.writelines(x for x in (b"h", bytearray(b"i"), memoryview(b"j")))
    spin(loop)
    assert data_stream(t.calls) == [b"abcdefghij"]


def test_writelines_generator_raising_type_error_after_a_write(impl, loop):
    w, t, _, _ = connect(impl, loop)

    def items():
        yield b"one"
        raise TypeError("raised by the generator")

    w.write(b"before;")
    with pytest.raises(TypeError, match="^raised by the generator$"):
        w.writelines(items())
    w.write(b"after")
    spin(loop)
    assert data_stream(t.calls) == [b"before;after"]


def test_writelines_of_a_non_iterable(impl, loop):
    # The message is the transport's; test_bad_writelines_over_a_socket
    # compares it with asyncio's on real transports.
    w, t, _, _ = connect(impl, loop)
    with pytest.raises(TypeError):
        w.writelines(5)
    spin(loop)
    assert t.calls == []


# --------------------------------------------------------------------------
# drain()
# --------------------------------------------------------------------------


def test_drain_is_a_coroutine_function(impl, loop):
    w, t, _, _ = connect(impl, loop)
    # fastio's is a compiled method returning a coroutine-like awaitable,
    # which asyncio recognizes from 3.11 on and inspect from 3.12 on (README,
    # "Known differences"), as for the read methods.
    def asyncio_iscoroutinefunction(func):
        # Deprecated from 3.14 on (it warns), still answering.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return asyncio.iscoroutinefunction(func)

    probes = []
    if impl is asyncio or sys.version_info >= (3, 11):
        probes.append(asyncio_iscoroutinefunction)
    if impl is asyncio or sys.version_info >= (3, 12):
        probes.append(inspect.iscoroutinefunction)
    for probe in probes:
        assert probe(impl.StreamWriter.drain), probe
        assert probe(w.drain), probe
    coro = w.drain()
    try:
        assert asyncio.iscoroutine(coro)
        assert inspect.isawaitable(coro)
    finally:
        coro.close()


def test_drain_returns_without_yielding_when_not_paused(impl, loop):
    w, t, _, _ = connect(impl, loop)
    for _ in range(3):
        w.write(b"abc")
        coro = w.drain()
        with pytest.raises(StopIteration) as info:
            coro.send(None)
        assert info.value.value is None


def test_drain_waits_while_paused_and_resumes(impl, loop):
    w, t, p, _ = connect(impl, loop)
    p.pause_writing()
    task = loop.create_task(w.drain())
    spin(loop)
    assert not task.done()
    p.resume_writing()
    spin(loop)
    assert task.done() and task.result() is None


def test_drain_decides_when_awaited_not_when_called(impl, loop):
    w, t, p, _ = connect(impl, loop)
    waits = w.drain()           # nothing to wait for yet
    p.pause_writing()
    task = loop.create_task(waits)
    spin(loop)
    assert not task.done()
    p.resume_writing()
    spin(loop)
    assert task.done() and task.result() is None
    ready = w.drain()           # paused when called, resumed before awaited
    p.pause_writing()
    p.resume_writing()
    with pytest.raises(StopIteration):
        ready.send(None)
    with pytest.raises(RuntimeError, match="cannot reuse already awaited coroutine"):
        ready.send(None)


def test_drain_waits_for_the_transport_to_empty(impl, loop):
    # Pausing comes from the transport: whatever is held must be there first.
    w, t, p, _ = connect(impl, loop)
    t.set_write_buffer_limits(high=100)
    for _ in range(3):
        w.write(b"x" * 50)
    task = loop.create_task(w.drain())
    spin(loop)
    assert not task.done()
    assert t.get_write_buffer_size() == 150 and p._paused
    t.peer_read(100)  # 50 left: not under the low-water mark (25)
    spin(loop)
    assert not task.done()
    t.peer_read()
    spin(loop)
    assert task.done() and task.result() is None


def test_drain_after_connection_lost(impl, loop):
    w, t, p, _ = connect(impl, loop)
    p.connection_lost(None)
    with pytest.raises(ConnectionResetError) as info:
        run(loop, w.drain())
    assert info.value.args == ("Connection lost",)


def test_drain_when_transport_closes(impl, loop):
    # A closing transport: drain() lets connection_lost() run, then reports it.
    w, t, p, _ = connect(impl, loop)
    w.write(b"bye")
    w.close()
    with pytest.raises(ConnectionResetError, match="^Connection lost$"):
        run(loop, w.drain())
    assert data_stream(t.calls) == [b"bye", "close"]


def test_drain_raises_the_readers_exception(impl, loop):
    w, t, p, r = connect(impl, loop)
    exc = ValueError("reader failed")
    r.set_exception(exc)
    with pytest.raises(ValueError) as info:
        run(loop, w.drain())
    assert info.value is exc
    # Even when the connection is also lost: the reader's comes first.
    p.connection_lost(None)
    with pytest.raises(ValueError) as info:
        run(loop, w.drain())
    assert info.value is exc


@pytest.mark.parametrize("exc", [None, OSError(32, "broken pipe")])
def test_paused_drain_woken_by_connection_lost(impl, loop, exc):
    exc = copy.copy(exc)  # raising the shared one each run would grow its traceback
    w, t, p, r = connect(impl, loop, with_reader=False)
    p.pause_writing()
    task = loop.create_task(w.drain())
    spin(loop)
    assert not task.done()
    p.connection_lost(exc)
    spin(loop)
    assert task.done()
    if exc is None:
        assert task.result() is None
    else:
        assert task.exception() is exc
    with pytest.raises(ConnectionResetError):
        run(loop, w.drain())


def test_several_coroutines_in_drain(impl, loop):
    w, t, p, _ = connect(impl, loop)
    p.pause_writing()
    tasks = []
    for _ in range(3):
        tasks.append(loop.create_task(w.drain()))
        spin(loop)
    if PY >= (3, 10):
        assert not any(task.done() for task in tasks)
        tasks[1].cancel()
        spin(loop)
        assert tasks[1].cancelled()
        assert not tasks[0].done() and not tasks[2].done()
        p.resume_writing()
        spin(loop)
        assert tasks[0].result() is None and tasks[2].result() is None
    else:
        # 3.9 asyncio: one drain() waiter at a time, asserted.
        assert not tasks[0].done()
        for task in tasks[1:]:
            assert type(task.exception()) is AssertionError
        p.resume_writing()
        spin(loop)
        assert tasks[0].result() is None


def test_drain_cancelled_then_drained_again(impl, loop):
    w, t, p, _ = connect(impl, loop)
    p.pause_writing()
    task = loop.create_task(w.drain())
    spin(loop)
    task.cancel()
    spin(loop)
    assert task.cancelled()
    task = loop.create_task(w.drain())
    spin(loop)
    assert not task.done()
    p.resume_writing()
    spin(loop)
    assert task.result() is None


def _flow_trace(module, loop, pipelined):
    """Write 8 MiB in 1000-byte writes to a peer that reads only while the
    program waits in drain(), which it calls every 64 KiB; `pipelined`: with
    requests left unread in the reader all along.  Returns what was seen at
    each drain() and the most bytes ever written but not handed over."""
    w, t, p, r = connect(module, loop)
    if pipelined:
        p.data_received(b"request\n" * 10)
    payload = b"p" * 1000
    trace = []
    most_held = 0

    async def body():
        nonlocal most_held
        written = since = 0
        while written < 8 * 1024 * 1024:
            w.write(payload)
            written += len(payload)
            since += len(payload)
            most_held = max(most_held, written - t.received)
            if since >= 64 * 1024:
                since = 0
                drain = loop.create_task(w.drain())
                for _ in range(3):
                    await asyncio.sleep(0)
                trace.append((written, drain.done(), p._paused, t.get_write_buffer_size()))
                for _ in range(100):
                    if drain.done():
                        break
                    t.peer_read(8192)
                    await asyncio.sleep(0)
                drain.result()
        await w.drain()
        return written

    written = loop.run_until_complete(asyncio.wait_for(body(), 60))
    assert t.received == written
    return trace, most_held


@pytest.mark.parametrize("pipelined", [False, True], ids=["requests-read", "requests-pending"])
def test_held_memory_is_bounded_and_drain_blocks_where_asyncio_does(impl, loop, pipelined):
    trace, most_held = _flow_trace(impl, loop, pipelined)
    expected, _ = _flow_trace(asyncio, loop, pipelined)
    assert most_held < (BATCH if pipelined else HOLD)
    if compiled(impl) and pipelined:
        assert most_held > HOLD  # batches were held, up to the drain points
    assert trace == expected
    assert any(not done for _, done, _, _ in trace)


# --------------------------------------------------------------------------
# ResourceWarning for a writer never closed (3.11+)
# --------------------------------------------------------------------------


def _collect_writer_warnings(module, loop, close_loop_first):
    w, t, p, r = connect(module, loop, keep=False)
    text = repr(w)
    if close_loop_first:
        loop.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del w
        gc.collect()
    return text, [(w.category, str(w.message)) for w in caught], data_stream(t.calls)


def test_unclosed_writer_warns(impl):
    loop = asyncio.new_event_loop()
    try:
        text, caught, calls = _collect_writer_warnings(impl, loop, close_loop_first=False)
        spin(loop)
    finally:
        loop.close()
    if WRITER_WARNS:
        assert caught == [(ResourceWarning, f"unclosed {text}")]
        assert calls == ["close"]
    else:
        assert caught == []
        assert calls == []


def test_writer_collected_after_its_loop_closed(impl):
    loop = asyncio.new_event_loop()
    try:
        _, caught, calls = _collect_writer_warnings(impl, loop, close_loop_first=True)
    finally:
        loop.close()
    if WRITER_WARNS:
        assert caught == [(ResourceWarning, "loop is closed")]
    else:
        assert caught == []
    assert calls == []


def test_closed_writer_does_not_warn(impl):
    loop = asyncio.new_event_loop()
    try:
        w, t, p, r = connect(impl, loop, keep=False)
        w.write(b"x")
        w.close()
        spin(loop)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del w
            gc.collect()
        assert caught == []
    finally:
        loop.close()


def test_a_finished_drain_keeps_the_writer_no_longer(impl, loop):
    w, t, p, r = connect(impl, loop, keep=False)
    w.write(b"x")
    assert run(loop, w.drain()) is None
    w.close()
    spin(loop)
    gone = weakref.ref(w)
    del w
    gc.collect()
    assert gone() is None


# --------------------------------------------------------------------------
# Over real sockets
# --------------------------------------------------------------------------


def unix_pair():
    return socket.socketpair()


def tcp_pair():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname(), timeout=TIMEOUT)
        server, _ = listener.accept()
    return client, server


@pytest.fixture(params=["unix", "tcp"])
def pair_kind(request):
    if request.param == "unix" and not hasattr(socket, "AF_UNIX"):
        pytest.skip("no Unix sockets on this platform")
    return request.param


def small_buffers(mine, peer, size=32 * 1024):
    """Keep the kernel's buffers small, so a peer that does not read makes
    the transport buffer (and pause) after a few hundred KB, not megabytes."""
    mine.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


@contextlib.asynccontextmanager
async def connected(module, kind="unix", *, small=False, **kwds):
    """(reader, writer, peer): a stream of `module` on one end of a socket
    pair, and the other end as a plain non-blocking socket."""
    mine, peer = (unix_pair if kind == "unix" else tcp_pair)()
    peer.setblocking(False)
    try:
        if small:
            small_buffers(mine, peer)
        mine.setblocking(False)
        reader, writer = await module.open_connection(sock=mine, **kwds)
        try:
            yield reader, writer, peer
        finally:
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), TIMEOUT)
            except asyncio.TimeoutError:
                writer._transport.abort()
            except Exception:  # noqa: BLE001 - the test's own outcome matters
                pass
    finally:
        mine.close()
        peer.close()


async def recv_available(peer):
    """Everything the peer socket has now (b"" at EOF, None if nothing yet)."""
    chunks = []
    while True:
        try:
            data = peer.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks) if chunks else None
        except ConnectionResetError:
            data = b""
        if not data:
            return b"".join(chunks)
        chunks.append(data)


async def recv_until_eof(peer, limit=64 << 20):
    loop = asyncio.get_running_loop()
    chunks, size = [], 0
    while size <= limit:
        try:
            data = await loop.sock_recv(peer, 1 << 16)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
        size += len(data)
    return b"".join(chunks)


def arun(loop, coro, timeout=TIMEOUT):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def norm(text):
    """A repr with its file descriptors and addresses made comparable."""
    text = re.sub(r"fd=-?\d+", "fd=N", text)
    return re.sub(r"0x[0-9a-f]+", "0xADDR", text)


@pytest.mark.network
def test_peer_receives_the_same_bytes(impl, loop, pair_kind):
    # Views of wider items or more dimensions only in the fake-transport
    # tests: asyncio's socket transports slice them by item after a partial send.
    chunks = mixed_chunks(seed=2, count=600)
    chunks = [bytes(c) if isinstance(c, memoryview) and (c.ndim != 1 or c.itemsize != 1) else c
              for c in chunks]
    expected = b"".join(as_bytes(c) for c in chunks)

    async def body():
        async with connected(impl, pair_kind) as (reader, writer, peer):
            receiving = asyncio.ensure_future(recv_until_eof(peer))
            for i, chunk in enumerate(chunks):
                if i % 5 == 4 and len(chunk) > 1:
                    # No empty item: asyncio 3.12+'s socket transport never
                    # drops one queued behind unsent data.
                    writer.writelines([chunk[:1], chunk[1:]])
                else:
                    writer.write(chunk)
                if i % 50 == 49:
                    await writer.drain()
                elif i % 17 == 0:
                    await asyncio.sleep(0)
            writer.write_eof()
            return await receiving

    assert arun(loop, body()) == expected


@pytest.mark.network
def test_request_response_does_not_stall(impl, loop, pair_kind):
    # Small writes followed by a read of the answer, many times: each request
    # must reach the peer although the program only waits for the answer.
    async def body():
        async with connected(impl, pair_kind) as (reader, writer, peer):
            lp = asyncio.get_running_loop()
            for i in range(200):
                writer.write(b"GET ")
                writer.write(b"%d\n" % i)
                reading = asyncio.ensure_future(reader.readline())
                got = b""
                while not got.endswith(b"\n"):
                    got += await lp.sock_recv(peer, 100)
                assert got == b"GET %d\n" % i
                await lp.sock_sendall(peer, b"OK %d\n" % i)
                assert await reading == b"OK %d\n" % i

    arun(loop, body())


@pytest.mark.network
def test_transport_access_keeps_order_on_a_socket(impl, loop, pair_kind):
    async def body():
        async with connected(impl, pair_kind) as (reader, writer, peer):
            writer.write(b"1")
            writer.transport.write(b"2")
            writer.write(b"3")
            writer.transport.writelines([b"4", b"5"])
            writer.write(b"6")
            writer.write_eof()
            return await recv_until_eof(peer)

    assert arun(loop, body()) == b"123456"


@pytest.mark.network
def test_cached_transport_keeps_order(impl, loop, pair_kind):
    # Programs keep `transport = writer.transport` and write through both.
    async def body():
        async with connected(impl, pair_kind) as (reader, writer, peer):
            transport = writer.transport
            writer.write(b"header;")
            transport.write(b"body;")
            writer.write(b"trailer")
            await writer.drain()
            transport.write_eof()
            return await recv_until_eof(peer)

    assert arun(loop, body()) == b"header;body;trailer"


@pytest.mark.network
@pytest.mark.parametrize("earlier", [False, True], ids=["only-write", "after-an-earlier-write"])
def test_write_then_loop_stop_reaches_peer(impl, pair_kind, earlier):
    # A write made just before loop.stop(): asyncio's transport has sent it
    # by the time run_forever() returns.
    loop = asyncio.new_event_loop()
    mine, peer = (unix_pair if pair_kind == "unix" else tcp_pair)()
    peer.setblocking(False)
    mine.setblocking(False)
    try:
        async def main():
            reader, writer = await impl.open_connection(sock=mine)
            if earlier:
                writer.write(b"hello;")
                for _ in range(3):
                    await asyncio.sleep(0)
            writer.write(b"last words")
            loop.stop()
            return writer

        task = loop.create_task(main())
        loop.run_forever()
        writer = task.result()
        got = b""
        with contextlib.suppress(BlockingIOError):
            while len(got) < 100:
                more = peer.recv(100)
                if not more:
                    break
                got += more
        writer.close()
        loop.run_until_complete(asyncio.wait_for(writer.wait_closed(), TIMEOUT))
        assert got == (b"hello;" if earlier else b"") + b"last words"
    finally:
        loop.close()
        mine.close()
        peer.close()


@pytest.mark.network
def test_close_sends_held_bytes_then_eof(impl, loop, pair_kind):
    async def body():
        async with connected(impl, pair_kind) as (reader, writer, peer):
            for i in range(100):
                writer.write(b"%03d" % i)
            writer.close()
            await writer.wait_closed()
            return await recv_until_eof(peer)

    assert arun(loop, body()) == b"".join(b"%03d" % i for i in range(100))


@pytest.mark.network
def test_write_eof_sends_held_bytes_then_eof_and_keeps_reading(impl, loop, pair_kind):
    async def body():
        async with connected(impl, pair_kind) as (reader, writer, peer):
            writer.write(b"question?")
            assert writer.can_write_eof()
            writer.write_eof()
            assert await recv_until_eof(peer) == b"question?"
            await asyncio.get_running_loop().sock_sendall(peer, b"answer")
            peer.shutdown(socket.SHUT_WR)
            return await reader.read()

    assert arun(loop, body()) == b"answer"


@pytest.mark.network
def test_abort_drops_pending_bytes(impl, loop, pair_kind):
    async def body():
        async with connected(impl, pair_kind, small=True) as (reader, writer, peer):
            sent = 0
            protocol = writer._protocol
            for _ in range(50000):  # at most 50 MB before the transport pauses
                writer.write(b"a" * 1000)
                sent += 1000
                if protocol._paused:
                    break
                if sent % 65536 < 1000:
                    await asyncio.sleep(0)
            assert protocol._paused
            writer.write(b"b" * 10)
            writer.transport.abort()
            assert writer.is_closing()
            received = await recv_until_eof(peer)
            return sent + 10, received

    sent, received = arun(loop, body())
    assert len(received) < sent
    assert received == b"a" * len(received)


@pytest.mark.network
@pytest.mark.parametrize("data, name", [("text", "str"), (7, "int"), (None, "NoneType")])
def test_write_type_errors_over_a_socket(impl, loop, pair_kind, data, name):
    async def body(module):
        async with connected(module, pair_kind) as (reader, writer, peer):
            writer.write(b"ok;")
            with pytest.raises(TypeError) as info:
                writer.write(data)
            writer.write(b"still ok")
            writer.write_eof()
            return str(info.value), await recv_until_eof(peer)

    message, received = arun(loop, body(impl))
    expected, _ = arun(loop, body(asyncio))
    # The transport's words: "a bytes-like object" before 3.14, "a bytes,
    # bytearray, or memoryview object" on 3.14's socket transport.
    assert message == expected
    assert message.startswith("data argument must be a bytes")
    assert message.endswith(f", not {name!r}")
    assert received == b"ok;still ok"


async def _after_eof_errors(module, kind):
    """What each write after write_eof() raises, and what the peer got."""
    async with connected(module, kind) as (reader, writer, peer):
        writer.write(b"data")
        writer.write_eof()
        results = []
        for call, arg in [("write", b"x"), ("write", b""), ("write", b"y" * 20000),
                          ("writelines", [b"x"]), ("writelines", [b"x" * 20000]),
                          ("writelines", [])]:
            try:
                getattr(writer, call)(arg)
            except Exception as exc:  # noqa: BLE001 - compared below
                results.append((call, len(arg), type(exc), exc.args))
            else:
                results.append((call, len(arg), None, None))
        return results, await recv_until_eof(peer)


@pytest.mark.network
def test_writes_after_write_eof_fail_like_asyncio(impl, loop, pair_kind):
    results, received = arun(loop, _after_eof_errors(impl, pair_kind))
    expected, _ = arun(loop, _after_eof_errors(asyncio, pair_kind))
    assert received == b"data"
    assert results[0] == ("write", 1, RuntimeError, ("Cannot call write() after write_eof()",))
    assert results == expected


@pytest.mark.network
def test_writelines_generator_and_bad_items_over_a_socket(impl, loop, pair_kind):
    async def body():
        async with connected(impl, pair_kind) as (reader, writer, peer):
            writer.writelines(b"%d," % i for i in range(1000))
            writer.writelines(bytes([i]) * 5000 for i in range(10))
            writer.writelines(iter([bytearray(b"end")]))
            writer.write_eof()
            return await recv_until_eof(peer)

    received = arun(loop, body())
    assert received == (b"".join(b"%d," % i for i in range(1000))
                        + b"".join(bytes([i]) * 5000 for i in range(10)) + b"end")


def _failing_items():
    yield b"partial"
    raise ZeroDivisionError("mid-way")


async def _bad_writelines(module, kind, args):
    """For each bad writelines() call, on a socket connection of its own and
    between two good writes: what it raises, what the transport then holds,
    and what the peer gets before the connection is aborted."""
    results = []
    for arg in args:
        async with connected(module, kind) as (reader, writer, peer):
            writer.write(b"<")
            try:
                writer.writelines(arg)
            except Exception as exc:  # noqa: BLE001 - compared below
                outcome = (type(exc), str(exc))
            else:
                outcome = None
            writer.write(b">")
            buffered = writer.transport.get_write_buffer_size()
            # 3.15's transport keeps the items before a bad one, unsent and
            # stalling what follows: the peer sees no EOF without an abort.
            writer.transport.abort()
            results.append((outcome, buffered, await recv_until_eof(peer)))
    return results


@pytest.mark.network
def test_writelines_with_bad_items_over_a_socket(impl, loop, pair_kind):
    def args():
        return [[b"never", "sent"], ["str"], [b"x" * 20000, 3], [None], _failing_items()]

    results = arun(loop, _bad_writelines(impl, pair_kind, args()))
    assert results == arun(loop, _bad_writelines(asyncio, pair_kind, args()))
    # 3.14's socket transport takes [None] without an error, sending nothing.
    failing = [0, 1, 2, 4] if sys.version_info >= (3, 14) else [0, 1, 2, 3, 4]
    assert [i for i, (outcome, _, _) in enumerate(results) if outcome is not None] == failing
    if sys.version_info >= (3, 15):
        # The items before the bad one stay in the transport, and the
        # write after it waits behind them.
        assert [(buffered, received) for _, buffered, received in results] == [
            (6, b"<"), (0, b"<>"), (20001, b"<"), (0, b"<>"), (8, b"<")]
    else:
        assert [(buffered, received) for _, buffered, received in results] == [(0, b"<>")] * 5


@pytest.mark.network
def test_writelines_of_a_non_iterable_over_a_socket(impl, loop, pair_kind):
    # The transport decides: "can only join an iterable" before 3.12,
    # "'int' object is not iterable" on 3.12+, and nothing at all for None
    # there (a false argument is an empty write).
    results = arun(loop, _bad_writelines(impl, pair_kind, [5, None]))
    assert results == arun(loop, _bad_writelines(asyncio, pair_kind, [5, None]))
    assert [(buffered, received) for _, buffered, received in results] == [(0, b"<>")] * 2


@pytest.mark.network
def test_bytearray_changed_after_write_over_a_socket(impl, loop, pair_kind):
    async def body():
        async with connected(impl, pair_kind) as (reader, writer, peer):
            buf = bytearray(b"original")
            writer.write(buf)
            buf[:] = b"CHANGED!!"
            writer.write(buf)
            buf.clear()
            buf += b"!"
            writer.write_eof()
            return await recv_until_eof(peer)

    assert arun(loop, body()) == b"originalCHANGED!!"


@pytest.mark.network
def test_drain_over_a_socket_the_peer_does_not_read(impl, loop, pair_kind):
    # 8 MiB in 1000-byte writes into a peer that reads only while the program
    # waits in drain() (called every 64 KiB).  What the writer has not handed
    # to the transport stays under 16 KiB; drain() blocks only because the
    # transport's own buffer is over its high-water mark.
    async def body():
        async with connected(impl, pair_kind, small=True) as (reader, writer, peer):
            transport = writer.transport
            handed = 0
            real_write, real_writelines = transport.write, transport.writelines

            def counting_write(data):
                nonlocal handed
                handed += memoryview(data).nbytes
                real_write(data)

            def counting_writelines(items):
                nonlocal handed
                items = list(items)
                handed += sum(memoryview(i).nbytes for i in items)
                real_writelines(items)

            transport.write, transport.writelines = counting_write, counting_writelines
            received = bytearray()
            payload = bytes(range(250)) * 4
            written = since = most_held = 0
            blocked = 0
            while written < 8 * 1024 * 1024:
                writer.write(payload)
                written += len(payload)
                since += len(payload)
                most_held = max(most_held, written - handed)
                if since >= 64 * 1024:
                    since = 0
                    drain = asyncio.ensure_future(writer.drain())
                    await asyncio.sleep(0)
                    if not drain.done():
                        blocked += 1
                        low, high = transport.get_write_buffer_limits()
                        assert writer._protocol._paused
                        assert transport.get_write_buffer_size() > low
                    for _ in range(10000):
                        if drain.done():
                            break
                        more = await recv_available(peer)
                        if more:
                            received += more
                        await asyncio.sleep(0)
                    await drain
            await writer.drain()
            writer.write_eof()
            received += await recv_until_eof(peer)
            return written, bytes(received), most_held, blocked

    written, received, most_held, blocked = arun(loop, body(), timeout=60)
    assert len(received) == written
    assert received == (bytes(range(250)) * 4) * (written // 1000)
    assert most_held < HOLD
    assert blocked > 0


async def _flow_after_writelines(module, kind):
    async with connected(module, kind, small=True) as (reader, writer, peer):
        for _ in range(4096):
            writer.writelines([b"x" * 500, b"y" * 500])
        await asyncio.sleep(0)
        paused = writer._protocol._paused
        writer.transport.abort()
        return paused


@pytest.mark.network
def test_flow_control_after_small_writelines_like_asyncio(impl, loop, pair_kind):
    # 4 MB of small writelines() into a peer that does not read: whether the
    # protocol is paused (and so whether drain() waits) is asyncio's answer.
    paused = arun(loop, _flow_after_writelines(impl, pair_kind))
    expected = arun(loop, _flow_after_writelines(asyncio, pair_kind))
    assert paused == expected


@pytest.mark.network
def test_repr_over_a_socket(impl, loop, pair_kind):
    async def body(module):
        async with connected(module, pair_kind) as (reader, writer, peer):
            writer.write(b"x")
            return norm(repr(writer))

    text = arun(loop, body(impl))
    assert text == arun(loop, body(asyncio))
    assert re.fullmatch(
        r"<StreamWriter transport=<_SelectorSocketTransport fd=N read=polling "
        r"write=<idle, bufsize=0>> reader=<StreamReader transport=<_SelectorSocketTransport "
        r"fd=N read=polling write=<idle, bufsize=0>>>>", text), text


async def _unclosed_socket_writer_warnings(module, kind):
    mine, peer = (unix_pair if kind == "unix" else tcp_pair)()
    mine.setblocking(False)
    try:
        reader, writer = await module.open_connection(sock=mine)
        transport = writer.transport
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del writer
            gc.collect()
        closing = transport.is_closing()
        transport.close()
        for _ in range(10):
            await asyncio.sleep(0)
        return closing, [(w.category, norm(str(w.message))) for w in caught]
    finally:
        mine.close()
        peer.close()


@pytest.mark.network
def test_unclosed_writer_over_a_socket_warns_like_asyncio(impl, loop, pair_kind):
    closing, caught = arun(loop, _unclosed_socket_writer_warnings(impl, pair_kind))
    expected = arun(loop, _unclosed_socket_writer_warnings(asyncio, pair_kind))
    assert (closing, caught) == expected
    if WRITER_WARNS:
        assert closing
        assert [category for category, _ in caught] == [ResourceWarning]
        assert caught[0][1].startswith("unclosed <StreamWriter transport=<_SelectorSocketTransport")
    else:
        assert (closing, caught) == (False, [])
