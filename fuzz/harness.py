"""What the fuzz harnesses share: the fuzzer's set-up, odd inputs built from
its bytes, and the comparison of fastio against asyncio.

Every harness runs the same steps on an asyncio object and a fastio one and
stops (an uncaught AssertionError, which the fuzzer records as a crash) at
the first step whose outcome differs: asyncio's streams are the model that
every byte comes out once, in order, with the same errors.

The steps include the inputs that crashed fastio before (issue 11): an
empty separator among several, a limit below 1 then read(), a receive view
released before buffer_updated(), a transport write() closing the read that
flushed it, startswith(b"") on an empty reader.
"""
import array
import asyncio
import sys

import atheris

with atheris.instrument_imports(include=["fastio"]):
    import fastio

def outcome(call, *args):
    """What a call gives, comparable between the two implementations:
    ("ok", value) or ("raise", exception type, message)."""
    try:
        return ("ok", call(*args))
    except Exception as exc:  # noqa: BLE001 - compared with asyncio's
        return ("raise", type(exc), str(exc))


def same(expected, got, what):
    if expected != got:
        raise AssertionError(f"{what}: asyncio {expected!r}, fastio {got!r}")


def bytes_like(kind, payload):
    """`payload` as one of the objects a program or a transport may feed; the
    same call gives a fresh, equal object for each implementation."""
    kind %= 10
    if kind == 0:
        return bytes(payload)
    if kind == 1:
        return bytearray(payload)
    if kind == 2:
        return memoryview(payload)
    if kind == 3:  # not contiguous
        spread = bytearray(2 * len(payload))
        spread[::2] = payload
        return memoryview(spread)[::2]
    if kind == 4:  # items of two bytes
        return memoryview(payload[: len(payload) // 2 * 2]).cast("H")
    if kind == 5:
        return array.array("B", payload)
    if kind == 6:
        view = memoryview(payload)
        view.release()
        return view
    if kind == 7:  # not bytes-like at all
        return payload.decode("latin-1")
    if kind == 8:  # two rows
        even = payload[: len(payload) // 2 * 2]
        return memoryview(even).cast("B", shape=[2, len(even) // 2]) if even else memoryview(b"")
    return memoryview(payload)[1:]  # an offset into its object


def run_turns(loop, turns):
    """Let the loop run `turns` iterations (tasks advance, callbacks run)."""
    for _ in range(turns):
        loop.run_until_complete(asyncio.sleep(0))


def new_loop():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Steps leave futures with exceptions nobody retrieves (a waiter failed by
    # set_exception()); the loop's report of each is noise here.
    loop.set_exception_handler(lambda loop, context: None)
    return loop


def drive(data, make, steps):
    """One input: the subject made from its first bytes, then up to 24 of
    `steps` as it chooses, the subject's state checked after each."""
    fdp = atheris.FuzzedDataProvider(data)
    subject = make(fdp)
    for _ in range(fdp.ConsumeIntInRange(1, 24)):
        step = steps[fdp.ConsumeIntInRange(0, len(steps) - 1)]
        step(subject, fdp)
        subject.check_state(getattr(step, "__name__", "step"))
    subject.finish()


def main(test_one_input):
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


__all__ = [
    "bytes_like",
    "drive",
    "fastio",
    "main",
    "new_loop",
    "outcome",
    "run_turns",
    "same",
]
