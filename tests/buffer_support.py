"""Helpers shared by the tests of fastio's buffer: test_ring.py,
test_reader_search.py and test_buffer_view.py (no tests in here).

A fastio reader's bytes live in its ring (fastio/_core/ring.pxi), reachable
only through ``reader._buffer`` (a ReadBufferView) and the read methods; these
helpers build readers whose bytes do not start at the beginning of the block,
and check the storage's invariants.
"""
import functools
import random

from hypothesis import HealthCheck, settings

import fastio

KiB = 1024
MiB = 1024 * KiB

# The ring's tuning constants (fastio/_core/ring.pxi).
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
    r = (fastio.StreamReader(loop=loop) if limit is None
         else fastio.StreamReader(limit=limit, loop=loop))
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


def asyncio_search(data, seps, start):
    """asyncio 3.13's readuntil() search, on bytes: the earliest-ending
    match of the separators (as it sorts them, by length), each found with
    bytearray.find() and ending len() after where it starts; the first one
    listed wins a tie."""
    best = None
    for sep in seps:
        at = bytearray(data).find(sep, start)
        if at != -1 and (best is None or at + len(sep) < best[1]):
            best = (at, at + len(sep))
    return best
