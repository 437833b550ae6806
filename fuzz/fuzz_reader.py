#!/usr/bin/env python3
"""Fuzz the reader: feeds of every bytes-like kind, every read method (as a
task, and driven by hand with send/throw/close), separators, limit changes
and the operations on ``reader._buffer``, each step on an asyncio reader and
a fastio one, compared (see harness.py).  fastio's own readinto() is
compared with read(n) and the copy on asyncio's reader, buffers included."""
import asyncio
import sys

from harness import (
    bytes_like,
    drive,
    fastio,
    main,
    new_loop,
    outcome,
    run_turns,
    same,
)

LOOP = new_loop()
MULTIPLE_SEPARATORS = sys.version_info >= (3, 13)


class Transport:
    """Records the flow-control calls a reader makes."""

    def __init__(self):
        self.calls = []

    def pause_reading(self):
        self.calls.append("pause")

    def resume_reading(self):
        self.calls.append("resume")


async def read_and_copy(reader, buffer):
    """readinto() as a caller of asyncio's reader writes it."""
    data = await reader.read(len(buffer))
    buffer[:len(data)] = data
    return len(data)


class LenOneButEmpty(bytes):
    def __len__(self):
        return 1


def finished(outcome_of_send):
    return outcome_of_send[0] != "yield"


def send(coro, value):
    """One step of a coroutine driven by hand."""
    try:
        yielded = coro.send(value)
    except StopIteration as stop:
        return ("ok", stop.value)
    except Exception as exc:  # noqa: BLE001 - compared with asyncio's
        return ("raise", type(exc), str(exc))
    return ("yield", type(yielded).__name__)


def throw(coro, exc_type):
    try:
        yielded = coro.throw(exc_type("thrown"))
    except StopIteration as stop:
        return ("ok", stop.value)
    except BaseException as exc:  # noqa: BLE001 - compared (CancelledError is one)
        return ("raise", type(exc), str(exc))
    return ("yield", type(yielded).__name__)


class Pair:
    """An asyncio reader and a fastio reader, given the same steps."""

    def __init__(self, fdp, transports=True):
        limit = fdp.ConsumeIntInRange(1, 64)
        self.readers = [asyncio.StreamReader(limit=limit, loop=LOOP),
                        fastio.StreamReader(limit=limit, loop=LOOP)]
        self.transports = None
        self.diverged = False  # the sides parted: only a crash counts from then on
        if transports and fdp.ConsumeBool():
            self.transports = [Transport(), Transport()]
            for reader, transport in zip(self.readers, self.transports):
                reader.set_transport(transport)
        self.by_hand = None  # [coroutine per reader], while one is waiting
        self.starting = None  # the last read started by hand
        self.tasks = []      # [task per reader]
        self.buffers = []    # [buffer per reader] of each readinto()

    def both(self, what, call, *args):
        """call(reader, *args) on each; the outcomes must be the same."""
        a, f = [outcome(call, reader, *args) for reader in self.readers]
        self.same(a, f, what)
        return f

    def both_view(self, what, call):
        """The same for reader._buffer: fastio's is its own type with
        bytearray's face, so its errors have bytearray's types, not its
        words ("index out of range", not "bytearray index out of range")."""
        a, f = [outcome(call, reader)[:2] for reader in self.readers]
        self.same(a, f, what)

    def same(self, expected, got, what):
        """harness.same(), until a step made the two sides part."""
        if not self.diverged:
            same(expected, got, what)

    def check_state(self, what):
        if self.diverged:
            return
        a, f = self.readers
        self.same(bytes(a._buffer), bytes(f._buffer), f"{what}: buffered bytes")
        self.same((a._eof, a.at_eof(), a._paused, type(a.exception())),
             (f._eof, f.at_eof(), f._paused, type(f.exception())), f"{what}: state")
        if self.transports:
            self.same(self.transports[0].calls, self.transports[1].calls,
                      f"{what}: transport calls")
        for ba, bf in self.buffers:
            self.same(ba, bf, f"{what}: a readinto() buffer")
        for ta, tf in self.tasks:
            self.same(ta.done(), tf.done(), f"{what}: task done")
            if ta.done():
                self.same(task_outcome(ta), task_outcome(tf), f"{what}: task outcome")

    # -- the steps ----------------------------------------------------------

    def feed(self, fdp):
        kind = fdp.ConsumeIntInRange(0, 9)
        payload = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 80))
        self.both("feed_data", lambda r: r.feed_data(bytes_like(kind, payload)))

    def set_limit(self, fdp):
        limit = fdp.ConsumeIntInRange(-2, 100)
        self.both("_limit =", lambda r: setattr(r, "_limit", limit))

    def read_call(self, fdp):
        """(name, args) of a read, arguments odd ones included."""
        op = fdp.ConsumeIntInRange(0, 5)
        if op == 0:
            return "readline", ()
        if op == 1:
            seps = [fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 4))
                    for _ in range(fdp.ConsumeIntInRange(1, 3))]
            if MULTIPLE_SEPARATORS and fdp.ConsumeBool():
                # bytes, bytearray or memoryview; and an object whose len()
                # is 1 but which holds no byte.
                kinds = [fdp.ConsumeIntInRange(0, 3) for _ in seps]
                return "readuntil", (tuple(
                    LenOneButEmpty() if kind == 3
                    else bytes_like(kind, sep) for kind, sep in zip(kinds, seps)),)
            return "readuntil", (seps[0],)
        if op == 2:
            return "readexactly", (fdp.ConsumeIntInRange(-2, 90),)
        if op == 3:
            return "read", (fdp.ConsumeIntInRange(-2, 90),)
        if op == 4:
            return "readinto", (fdp.ConsumeIntInRange(0, 90),)
        return "__anext__", ()

    def begin(self, name, args):
        """The read on each reader; readinto(size) into a fresh buffer each."""
        if name != "readinto":
            return [getattr(reader, name)(*args) for reader in self.readers]
        buffers = [bytearray(b"#" * args[0]) for _ in self.readers]
        self.buffers.append(buffers)
        return [read_and_copy(self.readers[0], buffers[0]), self.readers[1].readinto(buffers[1])]

    def start_by_hand(self, fdp):
        if self.by_hand is not None:
            return self.step_by_hand(fdp)
        name, args = self.read_call(fdp)
        coros = self.starting = self.begin(name, args)
        a, f = [send(coro, None) for coro in coros]
        self.same(a, f, f"{name}{args} by hand")
        if not finished(f):
            self.by_hand = coros

    def step_by_hand(self, fdp):
        if self.by_hand is None:
            return
        if self.diverged:
            # Only that no step crashes counts now: fastio's operation was
            # closed under it, asyncio's was not.
            coro = self.by_hand[1]
            (send(coro, None) if fdp.ConsumeBool() else throw(coro, ValueError))
            outcome(coro.close)
            self.by_hand = None
            return
        how = fdp.ConsumeIntInRange(0, 3)
        waiters = [reader._waiter for reader in self.readers]
        if how == 0 and all(w is None or w.done() for w in waiters):
            a, f = [send(coro, None) for coro in self.by_hand]
        elif how <= 1:
            exc = asyncio.CancelledError if fdp.ConsumeBool() else ValueError
            a, f = [throw(coro, exc) for coro in self.by_hand]
        else:
            a, f = [outcome(coro.close) for coro in self.by_hand]
        self.same(a, f, "step by hand")
        if finished(f):
            self.by_hand = None

    def start_task(self, fdp):
        name, args = self.read_call(fdp)
        self.tasks.append([LOOP.create_task(coro) for coro in self.begin(name, args)])

    def cancel_task(self, fdp):
        if self.tasks:
            for task in self.tasks[fdp.ConsumeIntInRange(0, len(self.tasks) - 1)]:
                task.cancel()

    def view(self, fdp):
        """An operation on reader._buffer (a bytearray in asyncio)."""
        op = fdp.ConsumeIntInRange(0, 9)
        sub = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 3))
        at = fdp.ConsumeIntInRange(-5, 40)
        if op == 0:
            self.both_view("len(_buffer)", lambda r: len(r._buffer))
        elif op == 1:
            self.both_view("_buffer[i]", lambda r: r._buffer[at])
        elif op == 2:
            end = fdp.ConsumeIntInRange(-5, 40)
            self.both_view("_buffer[i:j]", lambda r: bytes(r._buffer[at:end]))
        elif op == 3:
            self.both_view("_buffer.find", lambda r: r._buffer.find(sub, at))
        elif op == 4:
            prefix = (sub, sub[:1]) if fdp.ConsumeBool() else sub
            self.both_view("_buffer.startswith", lambda r: r._buffer.startswith(prefix, at))
        elif op == 5:
            self.both_view("del _buffer[:n]", lambda r: r._buffer.__delitem__(slice(None, at)))
        elif op == 6:
            self.both_view("_buffer.clear", lambda r: r._buffer.clear())
        elif op == 7:
            self.both_view("_buffer == bytes", lambda r: r._buffer == sub)
        elif op == 8:
            self.search(fdp, at)
        else:
            self.take_prefix(at)

    def search(self, fdp, start):
        """fastio only: checked against the rule it states."""
        seps = sorted((fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 3))
                       for _ in range(fdp.ConsumeIntInRange(0, 3))), key=len)
        if not seps or not seps[0]:
            # No rule to check against (readuntil() refuses these before it
            # searches): only that the call does not crash.
            if len(seps) != 1:
                outcome(self.readers[1]._buffer.search, seps, start)
            return
        data = bytes(self.readers[0]._buffer)
        self.same(first_match(data, seps, start), self.readers[1]._buffer.search(seps, start),
             f"_buffer.search({seps}, {start}) of {data!r}")

    def take_prefix(self, n):
        """fastio only: consumes what buf[:n] names, as del does in asyncio."""
        a, f = self.readers
        expected = bytes(a._buffer[:n])
        del a._buffer[:n]
        self.same(expected, f._buffer.take_prefix(n), "take_prefix")

    def run(self, fdp):
        run_turns(LOOP, fdp.ConsumeIntInRange(1, 3))

    def finish(self):
        """Wake or end whatever waits, so nothing is left for the next input."""
        if self.by_hand is not None:
            a, f = [outcome(coro.close) for coro in self.by_hand]
            self.same(a, f, "close at the end")
        for pair in self.tasks:
            for task in pair:
                task.cancel()
        run_turns(LOOP, 2)
        self.check_state("at the end")


def task_outcome(task):
    if task.cancelled():
        return ("cancelled",)
    exc = task.exception()
    if exc is not None:
        return ("raise", type(exc), str(exc))
    return ("ok", task.result())


def first_match(data, seps, start):
    """The match that ends first at or after `start`; among those ending at
    the same byte, the first (shortest) separator."""
    start = max(start, 0)
    for end in range(start + len(seps[0]), len(data) + 1):
        for sep in seps:
            if end - len(sep) >= start and data[end - len(sep):end] == sep:
                return (end - len(sep), end)
    return None


# Steps that a reader pair takes in every harness.
STEPS = [
    Pair.feed, Pair.feed, Pair.feed,
    lambda pair, fdp: pair.both("feed_eof", lambda r: r.feed_eof()),
    lambda pair, fdp: pair.both("set_exception", lambda r: r.set_exception(ValueError("x"))),
    Pair.set_limit, Pair.start_by_hand, Pair.step_by_hand, Pair.start_task,
    Pair.cancel_task, Pair.view, Pair.view, Pair.run,
]


def test_one_input(data):
    drive(data, Pair, STEPS)


if __name__ == "__main__":
    main(test_one_input)
