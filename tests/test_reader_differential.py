"""Differential property tests: fastio.StreamReader against asyncio.StreamReader.

Hypothesis draws a *program*, an explicit list of operations on a reader
(feed_data / feed_eof / set_exception, reads started as tasks, cancellations,
turns of the event loop).  One interpreter runs the same program on an
``asyncio.StreamReader`` and on a ``fastio.StreamReader`` in lockstep, each in
its own fresh event loop with its own transport, and after every operation
compares everything a user (or the protocol driving the reader) can observe:

* the outcome of every read task: result bytes, or exception type, message,
  args and ``partial`` / ``expected`` / ``consumed``, or cancelled, or
  still pending;
* ``bytes(reader._buffer)``, ``reader.at_eof()``, ``reader.exception()``,
  ``reader._paused``, ``reader._waiter is None``;
* the ``pause_reading`` / ``resume_reading`` calls the transport received.

asyncio is the specification, on whichever interpreter runs the tests: any
difference is a fastio bug, and the failure names the operation after which
the two readers first disagreed and the observables that differ.

Properties: random programs; cancellation-heavy programs (no byte may be
lost); several concurrent readers on one stream; limits that are not small
ints; a long line fed in small pieces.  Each has a fixed example budget
(FASTIO_DIFFERENTIAL_EXAMPLES=n scales them; default 250) and the whole file
runs in seconds.
"""
import array
import asyncio
import fractions
import os
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Deliberately not importorskip: a fastio that does not import must fail here.
import fastio
from support import RecordingTransport

HAS_TUPLE_SEPARATORS = sys.version_info >= (3, 13)

settings.register_profile(
    "fastio-differential",
    max_examples=int(os.environ.get("FASTIO_DIFFERENTIAL_EXAMPLES", "250")),
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DIFFERENTIAL = settings.get_profile("fastio-differential")
# The long-line programs are up to a few thousand operations each.
LONG_LINES = settings(DIFFERENTIAL, max_examples=max(1, DIFFERENTIAL.max_examples // 2))


# ---------------------------------------------------------------------------
# Programs


class Op:
    """One step of a program: an operation, then `steps` turns of the loop."""

    __slots__ = ("name", "arg", "steps")

    def __init__(self, name, arg=None, steps=0):
        self.name = name
        self.arg = arg
        self.steps = steps

    def __repr__(self):
        arg = "" if self.arg is None else repr(self.arg)
        turns = f" +{self.steps}" if self.steps else ""
        return f"{self.name}({arg}){turns}"


class Chunk:
    """Data for one feed_data() call, and the kind of object it is fed as.

    Forms: ``bytes``, ``bytearray``, ``memoryview`` (of bytes), ``view-slice``
    (a memoryview into the middle of a larger bytearray), and the rarer things
    bytearray.extend() also takes or rejects: ``array`` (array('b'), a buffer
    of another format), ``list`` (of ints), ``strided`` (a non-contiguous
    memoryview: TypeError), ``str`` (TypeError).  ``scribble`` overwrites the
    fed bytearray right after feed_data() returned: the reader must have
    copied the data.
    """

    __slots__ = ("form", "data", "scribble")

    def __init__(self, form, data, scribble=False):
        self.form = form
        self.data = data
        self.scribble = scribble

    def __repr__(self):
        return f"{self.form}:{self.data!r}{' scribbled' if self.scribble else ''}"


class Sep:
    """A separator for readuntil(): bytes (passed as bytes, bytearray or
    memoryview), or a tuple of bytes (the 3.13 API; a TypeError before)."""

    __slots__ = ("value", "form")

    def __init__(self, value, form="bytes"):
        self.value = value
        self.form = form

    def build(self):
        if self.form == "bytearray":
            return bytearray(self.value)
        if self.form == "memoryview":
            return memoryview(self.value)
        return self.value

    def __repr__(self):
        if self.form == "bytes":
            return repr(self.value)
        return f"{self.form}({self.value!r})"


ALPHABET = b"ab\n\r"
SEPARATORS = [b"\n", b"\r\n", b"ab", b"aab", b"a", b"\r", b"\n\r\n", b"ba\n"]

data = st.lists(st.sampled_from(ALPHABET), max_size=12).map(bytes)
steps = st.integers(0, 3)


NO_ARGUMENT = st.none()


def _op(name, arg_strategy=NO_ARGUMENT):
    return st.builds(Op, st.just(name), arg_strategy, steps)


chunks = st.builds(
    Chunk,
    st.sampled_from(["bytes"] * 3 + ["bytearray"] * 2 + ["memoryview", "view-slice"] * 2
                    + ["array", "list", "strided", "str"]),
    data,
    st.booleans(),
)


def weighted(*pairs):
    """Pick one of the (strategy, weight) pairs with that weight, then draw
    from it.  (st.one_of() ignores repeated strategies, so no weights there.)"""
    return st.sampled_from([strategy for strategy, weight in pairs for _ in range(weight)]).flatmap(
        lambda strategy: strategy
    )


single_separators = st.sampled_from(SEPARATORS)
# A tuple of separators is an API of 3.13+; before, asyncio takes its len()
# and bytearray.find() rejects it, and fastio must fail the same way.
separator_values = [
    (single_separators, 8),
    (st.just(b""), 1),
    (st.lists(single_separators, min_size=1, max_size=3).map(tuple),
     6 if HAS_TUPLE_SEPARATORS else 1),
    (st.sampled_from([(), (b"",), (b"\n", b"")]), 1),
]
separators = weighted(
    (st.builds(Sep, weighted(*separator_values)), 4),
    (st.builds(Sep, single_separators, st.sampled_from(["bytearray", "memoryview"])), 1),
)

feed_op = _op("feed", chunks)
read_ops = [
    (_op("read", st.integers(-2, 20)), 3),
    (_op("read", st.sampled_from([2**63, 2**70, -(2**70)])), 1),
    (_op("readline"), 2),
    (_op("readexactly", st.integers(-1, 20)), 2),
    (_op("readexactly", st.sampled_from([2**63, 2**70, -(2**70)])), 1),
    (_op("readuntil", separators), 3),
    (_op("readuntil_shared", single_separators), 1),
    (_op("anext"), 1),
]
other_ops = [
    (_op("set_exception", st.sampled_from(["ValueError", "ConnectionResetError"])), 1),
    (_op("cancel", st.integers(0, 3)), 2),
    (_op("wait"), 1),
]


@st.composite
def programs(draw, max_size=30, reads=tuple(read_ops)):
    """Ops before EOF (feeds among them), maybe feed_eof, ops after (no feeds).
    `reads`: the (read op strategy, weight) pairs to draw reads from."""
    # Two lists: hypothesis keeps a single list short on average.
    any_op = weighted((feed_op, 7), *reads, *other_ops)
    before = draw(st.lists(any_op, min_size=1, max_size=max_size))
    before += draw(st.lists(any_op, max_size=max_size))
    if draw(st.integers(0, 2)):
        return before
    eof = draw(_op("feed_eof"))
    after = draw(st.lists(weighted(*reads, *other_ops), max_size=max_size // 3))
    return before + [eof] + after


default_or_small_limits = st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, None])
# RecordingTransport(can_pause=True), one whose pause_reading() raises
# NotImplementedError, or no set_transport() at all.
transports = st.sampled_from(["pausable", "pausable", "unpausable", "none"])

# What every program ends with: EOF (unless already fed), let pending reads
# finish, then cancel whatever is still waiting.
EPILOGUE = [Op("feed_eof_if_needed"), Op("wait", steps=5), Op("cancel_all", steps=3)]


# ---------------------------------------------------------------------------
# The interpreter


def _canonical_type(exc):
    """The first asyncio or builtin class in the exception's MRO: a fastio
    exception must be catchable as the one asyncio raises."""
    for cls in type(exc).__mro__:
        module = cls.__module__
        if module == "builtins" or module.split(".")[0] == "asyncio":
            return f"{module}.{cls.__qualname__}"
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def _bytes_desc(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return (type(value).__name__, bytes(value))
    return (type(value).__name__, repr(value))


def _probe(fn):
    """An observable; an exception computing it is itself the observation."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - reported as a difference
        return ("<error computing observable>", type(exc).__name__, str(exc))


CONSTRUCT_ERROR = "StreamReader(limit) raised"


class _Transport(RecordingTransport):
    """RecordingTransport that also counts every pause_reading() attempt,
    including the ones that raise NotImplementedError."""

    def __init__(self, can_pause=True):
        super().__init__(can_pause=can_pause)
        self.pause_attempts = 0

    def pause_reading(self):
        self.pause_attempts += 1
        super().pause_reading()


class Runner:
    """Runs a program on one StreamReader class in its own event loop."""

    def __init__(self, module, limit, transport):
        self.name = module.__name__
        self.module = module
        self.loop = asyncio.new_event_loop()
        self.reader = None
        self.transport = None
        self.live = []          # (index, task) not yet reported as done
        self.ntasks = 0
        self.calls_seen = 0
        self.set_excs = []      # every exception passed to set_exception()
        self.shared_sep = bytearray(b"\n")
        self.fed = bytearray()  # everything feed_data() accepted
        self.consumed = []      # what reads took out of the buffer, in order
        self.lossy = False      # a read discarded data (legitimately)
        self.unordered = False  # `consumed` is not in consumption order
        self.eof_fed = False
        self.sync_outcome = None
        self.construct_error = None

        async def make():
            if limit is None:
                return module.StreamReader()
            return module.StreamReader(limit=limit)

        try:
            self.reader = self.loop.run_until_complete(make())
        except Exception as exc:  # noqa: BLE001 - compared with asyncio's
            self.construct_error = self.describe_exc(exc)
            return
        if transport != "none":
            self.transport = _Transport(can_pause=(transport == "pausable"))
            self.reader.set_transport(self.transport)

    # -- describing outcomes --------------------------------------------

    def describe_exc(self, exc):
        desc = [_canonical_type(exc), type(exc).__name__, str(exc), repr(exc.args)]
        if isinstance(exc, asyncio.IncompleteReadError):
            desc += ["partial", _bytes_desc(exc.partial), "expected", exc.expected]
        if isinstance(exc, asyncio.LimitOverrunError):
            desc += ["consumed", exc.consumed]
        for i, set_exc in enumerate(self.set_excs):
            if exc is set_exc:
                desc.append(f"is set_exception #{i}")
        if exc.__context__ is not None:
            desc += ["context", _canonical_type(exc.__context__)]
        return tuple(desc)

    def outcome(self, task):
        if not task.done():
            return "pending"
        if task.cancelled():
            return "cancelled"
        exc = task.exception()
        if exc is not None:
            return ("raised",) + self.describe_exc(exc)
        return ("returned",) + _bytes_desc(task.result())

    def observe(self):
        if self.construct_error is not None:
            return {CONSTRUCT_ERROR: self.construct_error}
        reader = self.reader
        finished, pending = [], []
        still_live = []
        for index, task in self.live:
            if task.done():
                finished.append((index, self.outcome(task)))
            else:
                pending.append(index)
                still_live.append((index, task))
        self.live = still_live
        obs = {
            "result of the operation itself": self.sync_outcome,
            "tasks finished (index, outcome)": finished,
            "tasks pending": pending,
            "bytes(reader._buffer)": _probe(lambda: bytes(reader._buffer)),
            "reader.at_eof()": _probe(reader.at_eof),
            "reader.exception()": _probe(
                lambda: (None if reader.exception() is None
                         else self.describe_exc(reader.exception()))
            ),
            "reader._paused": _probe(lambda: reader._paused),
            "reader._waiter is None": _probe(lambda: reader._waiter is None),
        }
        if self.transport is not None:
            calls = self.transport.calls
            obs["new transport calls"] = calls[self.calls_seen:]
            obs["pause_reading attempts"] = self.transport.pause_attempts
            self.calls_seen = len(calls)
        return obs

    # -- running ----------------------------------------------------------

    def turn(self, n):
        """Run exactly n iterations of the event loop."""
        for _ in range(n):
            self.loop.call_soon(self.loop.stop)
            self.loop.run_forever()

    def pending_tasks(self):
        return [task for _, task in self.live if not task.done()]

    def start(self, method, *args):
        reader = self.reader

        async def call():
            try:
                result = await getattr(reader, method)(*args)
            except asyncio.IncompleteReadError as exc:
                self.consumed.append(bytes(exc.partial))
                raise
            except BaseException as exc:
                if method == "read" and args[0] < 0:
                    # read(-1) collects blocks locally: an exception or a
                    # cancellation while it waits for more drops them.
                    self.lossy = True
                elif (method in ("readline", "__anext__") and isinstance(exc, ValueError)
                      and not any(exc is e for e in self.set_excs)):
                    # A line over the limit is discarded.
                    self.lossy = True
                raise
            if isinstance(result, (bytes, bytearray, memoryview)):
                self.consumed.append(bytes(result))
                if method == "read" and args[0] < 0 and result:
                    # Its blocks were taken over several waits, maybe
                    # interleaved with other reads: only the bytes count.
                    self.unordered = True
            return result

        task = self.loop.create_task(call())
        self.live.append((self.ntasks, task))
        self.ntasks += 1

    def feed(self, chunk):
        if chunk.form == "bytes":
            obj, backing = chunk.data, None
        elif chunk.form == "bytearray":
            obj = backing = bytearray(chunk.data)
        elif chunk.form == "memoryview":
            obj, backing = memoryview(chunk.data), None
        elif chunk.form == "view-slice":
            backing = bytearray(b"<<" + chunk.data + b">>")
            obj = memoryview(backing)[2:2 + len(chunk.data)]
        elif chunk.form == "array":
            obj, backing = array.array("b", chunk.data), None
        elif chunk.form == "list":
            obj, backing = list(chunk.data), None
        elif chunk.form == "strided":
            obj, backing = memoryview(bytes(b for c in chunk.data for b in (c, 0x23)))[::2], None
        else:
            obj, backing = chunk.data.decode("ascii"), None
        self.reader.feed_data(obj)
        self.fed += chunk.data
        if chunk.scribble and backing is not None:
            backing[:] = b"#" * len(backing)
        if isinstance(obj, memoryview):
            obj.release()

    def apply(self, op):
        """Perform one operation; its own result (or exception) is recorded."""
        if self.construct_error is not None:
            return
        self.sync_outcome = None
        try:
            self._apply(op)
        except Exception as exc:  # noqa: BLE001 - compared with asyncio's
            self.sync_outcome = ("raised",) + self.describe_exc(exc)
        self.turn(op.steps)

    def _apply(self, op):
        name, arg, reader = op.name, op.arg, self.reader
        if name == "feed":
            self.feed(arg)
        elif name == "feed_eof" or (name == "feed_eof_if_needed" and not self.eof_fed):
            self.eof_fed = True
            reader.feed_eof()
        elif name == "set_exception":
            exc = ValueError("x") if arg == "ValueError" else ConnectionResetError("reset")
            self.set_excs.append(exc)
            reader.set_exception(exc)
        elif name in ("read", "readexactly"):
            self.start(name, arg)
        elif name in ("readline", "anext"):
            self.start("__anext__" if name == "anext" else name)
        elif name == "readuntil":
            self.start(name, arg.build())
        elif name == "readuntil_shared":
            # One bytearray separator object reused across calls, with its
            # contents changed in between (never while a read is pending).
            if not self.pending_tasks():
                self.shared_sep[:] = arg
            self.start("readuntil", self.shared_sep)
        elif name == "start_if_idle":
            if not self.pending_tasks():
                self.start(*arg)
        elif name == "cancel":
            pending = self.pending_tasks()
            if pending:
                pending[arg % len(pending)].cancel()
        elif name == "cancel_all":
            for task in self.pending_tasks():
                task.cancel()

    def close(self):
        """Cancel leftovers, let them finish, close the loop."""
        try:
            for _ in range(20):
                pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
                if not pending:
                    break
                for task in pending:
                    task.cancel()
                self.turn(1)
            self.turn(1)
        finally:
            self.loop.close()


def _format_program(program, upto):
    if upto < 0:
        return "    (nothing run yet)"
    lines = [f"    {i:3d}: {op!r}" for i, op in enumerate(program[: upto + 1])]
    if len(lines) > 40:
        lines = lines[:5] + [f"    ... ({len(lines) - 35} ops)"] + lines[-30:]
    return "\n".join(lines)


def run_differential(program, limit=None, transport="pausable", runners=None):
    """Run `program` (then EPILOGUE) on both readers in lockstep and fail at
    the first difference.  Returns the two Runners (asyncio's, fastio's).
    `runners`: (expected, actual), made as Runner(module, limit, transport)
    is, for Runners that run more operations (test_readinto.py)."""
    program = list(program) + EPILOGUE
    make_expected, make_actual = runners or (
        lambda *args: Runner(asyncio, *args), lambda *args: Runner(fastio, *args))
    expected = make_expected(limit, transport)
    actual = make_actual(limit, transport)
    try:
        where = "construction"
        for index in range(-1, len(program)):
            if index >= 0:
                op = program[index]
                where = f"op #{index} {op!r}"
                expected.apply(op)
                actual.apply(op)
            want, got = expected.observe(), actual.observe()
            if want != got:
                keys = list(dict.fromkeys(list(want) + list(got)))
                if CONSTRUCT_ERROR in want or CONSTRUCT_ERROR in got:
                    keys = [CONSTRUCT_ERROR]
                diffs = "\n".join(
                    f"  {key}:\n    {expected.name}: {want.get(key, '<missing>')!r}\n"
                    f"    {actual.name}: {got.get(key, '<missing>')!r}"
                    for key in keys
                    if want.get(key, "<missing>") != got.get(key, "<missing>")
                )
                raise AssertionError(
                    f"{actual.name} differs from {expected.name} after {where}\n"
                    f"(limit={limit!r}, transport={transport}, Python {sys.version.split()[0]})\n"
                    f"differing observables:\n{diffs}\n"
                    f"program (the epilogue included):\n{_format_program(program, index)}"
                )
            if expected.construct_error is not None:
                break
        return expected, actual
    finally:
        try:
            expected.close()
        finally:
            actual.close()


def _check_no_bytes_lost(runner):
    """Everything fed was either returned by a read (or carried in an
    IncompleteReadError) or is still buffered: a cancelled read loses nothing."""
    if runner.construct_error is not None or runner.lossy:
        return
    taken = b"".join(runner.consumed)
    left = bytes(runner.reader._buffer)
    got, fed = taken + left, bytes(runner.fed)
    if runner.unordered:
        got, fed = sorted(got), sorted(fed)
    assert got == fed, (
        f"{runner.name}: bytes lost or duplicated: fed {bytes(runner.fed)!r}, "
        f"reads returned {runner.consumed!r}, buffer holds {left!r}"
    )


# ---------------------------------------------------------------------------
# Properties


@DIFFERENTIAL
@given(program=programs(), limit=default_or_small_limits, transport=transports)
def test_random_programs_match_asyncio(program, limit, transport):
    expected, actual = run_differential(program, limit, transport)
    _check_no_bytes_lost(expected)
    _check_no_bytes_lost(actual)


# Cancellation-heavy programs without EOF, exceptions or read(-1): at the end
# (EOF, pending reads done) every fed byte must be accounted for.
cancel_program = st.lists(
    weighted(
        (feed_op, 4),
        (_op("read", st.integers(1, 20)), 1),
        (_op("readexactly", st.integers(1, 20)), 1),
        (_op("readuntil", separators), 1),
        (_op("readline"), 1),
        (_op("cancel", st.integers(0, 3)), 3),
        (_op("wait"), 1),
    ),
    max_size=30,
)


@DIFFERENTIAL
@given(program=cancel_program, transport=transports)
def test_cancelled_reads_lose_no_bytes(program, transport):
    expected, actual = run_differential(program, None, transport)
    assert not expected.lossy
    _check_no_bytes_lost(expected)
    _check_no_bytes_lost(actual)


# Several readers on one stream at once.  Each episode parks a line reader
# on a partial line, lets a read that needs no wait consume bytes under it,
# feeds more, and brings in another reader (maybe cancelling one): the
# parked reader resumes with asyncio's now stale search offset, and whoever
# searches next must still find what asyncio finds.  Every slot of an
# episode may be left out, and every op is followed by 0 or 1 loop turns.
_turn = st.integers(0, 1)
_line_chunks = st.builds(
    Chunk,
    st.sampled_from(["bytes", "bytearray", "memoryview"]),
    st.lists(st.sampled_from(b"a\n"), min_size=1, max_size=3).map(bytes),
)
_partial_line_chunks = st.builds(
    Chunk, st.sampled_from(["bytes", "bytearray", "memoryview"]),
    st.sampled_from([b"a", b"aa", b"aaa"]),
)
_feed = st.builds(Op, st.just("feed"), _line_chunks, _turn)
_first_feed = weighted((st.builds(Op, st.just("feed"), _partial_line_chunks, _turn), 2), (_feed, 1))
_line_reader = weighted(
    (st.builds(Op, st.just("readline"), st.none(), _turn), 3),
    (st.builds(Op, st.just("readuntil"),
               st.builds(Sep, st.sampled_from([b"\n", b"a\n", b"\n\n"])), _turn), 1),
    (st.builds(Op, st.just("anext"), st.none(), _turn), 1),
)
_consumer = weighted(
    (st.builds(Op, st.just("read"), st.integers(1, 3), _turn), 2),
    (st.builds(Op, st.just("readexactly"), st.integers(1, 3), _turn), 1),
)
_any_reader = weighted((_line_reader, 2), (_consumer, 1))
_cancel = st.builds(Op, st.just("cancel"), st.integers(0, 2), _turn)


@st.composite
def _episode(draw):
    slots = [_first_feed, _line_reader, _consumer, _feed, _any_reader, _cancel, _any_reader]
    return [draw(slot) for slot in slots if draw(st.integers(0, 5))]


@st.composite
def concurrent_programs(draw):
    episodes = draw(st.lists(_episode(), min_size=1, max_size=4))
    return [op for episode in episodes for op in episode]


# Short programs, a narrow search: twice the examples for the same time.
@settings(DIFFERENTIAL, max_examples=2 * DIFFERENTIAL.max_examples)
@given(program=concurrent_programs(), limit=st.sampled_from([None, 2, 3]))
def test_concurrent_readers_match_asyncio(program, limit):
    run_differential(program, limit, "pausable")


# Limits that are not small positive ints: floats, fractions, huge ints, and
# invalid ones.  asyncio keeps and compares the object as given.
odd_limits = st.sampled_from(
    [0.5, 1.5, 2.5, 7.25, fractions.Fraction(5, 2), 2**31, 2**63, 2**70,
     float("inf"), float("nan"), 0, -1, 0.0, -0.5]
)


@settings(DIFFERENTIAL, max_examples=max(1, DIFFERENTIAL.max_examples // 3))
@given(program=programs(max_size=15), limit=odd_limits, transport=transports)
def test_odd_limits_match_asyncio(program, limit, transport):
    run_differential(program, limit, transport)


@st.composite
def long_line_programs(draw):
    """A line of up to a few KB (maybe unterminated, maybe followed by more),
    fed in small pieces while a readline (or readuntil) keeps waiting.

    Chunk sizes, feed forms and loop turns cycle through short drawn lists,
    so the program shrinks well."""
    length = draw(st.integers(0, 3000))
    unit = draw(st.lists(st.sampled_from(b"ab\r"), min_size=1, max_size=4).map(bytes))
    line = (unit * (length // len(unit) + 1))[:length]
    terminator = draw(st.sampled_from([b"\n", b"\r\n", b""]))
    rest = draw(st.sampled_from([b"", b"next\n", b"x\ny\n", b"tail"]))
    payload = line + terminator + rest
    sizes = draw(st.lists(st.integers(1, 64), min_size=1, max_size=6))
    forms = draw(st.lists(st.sampled_from(["bytes", "bytearray", "memoryview"]),
                          min_size=1, max_size=3))
    turns = draw(st.lists(st.integers(0, 2), min_size=1, max_size=5))
    reader_call = draw(st.sampled_from(
        [("readline",), ("readuntil", b"\n"), ("readuntil", b"\r\n")]))

    ops = [Op("start_if_idle", reader_call, steps=1)]
    pos = i = 0
    while pos < len(payload):
        size = sizes[i % len(sizes)]
        chunk = Chunk(forms[i % len(forms)], payload[pos:pos + size])
        ops.append(Op("feed", chunk, steps=turns[i % len(turns)]))
        ops.append(Op("start_if_idle", reader_call, steps=turns[(i + 1) % len(turns)]))
        pos += size
        i += 1
    ops.append(Op("feed_eof", steps=1))
    ops += [Op("start_if_idle", reader_call, steps=1) for _ in range(4)]
    return ops


@LONG_LINES
@given(
    program=long_line_programs(),
    limit=st.one_of(st.none(), st.integers(1, 64), st.integers(1, 4000)),
    transport=st.sampled_from(["pausable", "unpausable"]),
)
def test_long_line_in_small_pieces_matches_asyncio(program, limit, transport):
    run_differential(program, limit, transport)
