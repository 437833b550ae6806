"""What the hostile-peer and leak tests share: their sizes (small in the
suite, full under `make stress`), the figures they measure (printed at the
end of the run, asyncio and fastio side by side), and the set-up they need.
"""
import asyncio
import contextlib
import os
import resource
import time

import pytest

try:
    import tracemalloc
except ImportError:  # PyPy has none: the tests that measure with it skip
    tracemalloc = None

# FASTIO_STRESS=1 (make stress): the full sizes.  Otherwise sizes that take a
# few seconds per test on a shared 2-core machine.
FULL = os.environ.get("FASTIO_STRESS") == "1"


def size(ci, full):
    return full if FULL else ci


# (test, figure name) -> {impl/loop: value}, for the summary at the end.
FIGURES = {}


def record(request, name, value, unit):
    """One measured figure of the running test, under its impl and loop."""
    params = request.node.callspec.params
    column = f"{params.get('impl', '?')} {params.get('net_loop', '')}".strip()
    test = request.node.originalname
    FIGURES.setdefault((test, f"{name} ({unit})"), {})[column] = value


def figures_table():
    """The figures as text lines: one row per figure, one column per run."""
    columns = sorted({c for values in FIGURES.values() for c in values})
    if not columns:
        return []
    head = ["figure"] + columns
    rows = [[f"{test}: {name}"] + [format_value(values.get(c)) for c in columns]
            for (test, name), values in sorted(FIGURES.items())]
    widths = [max(len(row[i]) for row in [head] + rows) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths)))
            for row in [head] + rows]


def format_value(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def raise_fd_limit():
    """The soft limit on open files raised to the hard one; returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


async def wait_until(predicate, timeout, what):
    """Poll `predicate` on the loop until it holds, for at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def server(impl, handler, **kwargs):
    """impl.start_server(handler) on 127.0.0.1; yields its port."""
    srv = await impl.start_server(handler, "127.0.0.1", 0, **kwargs)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        srv.close()
        await srv.wait_closed()


@contextlib.contextmanager
def traced():
    """tracemalloc on for the block (and off after)."""
    if tracemalloc is None:
        pytest.skip("this interpreter has no tracemalloc")
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def snapshot():
    return tracemalloc.take_snapshot()


def traced_growth(before):
    """Bytes allocated, and still held, since snapshot `before` (the
    msgpack-style snapshot diff: the sum of every line's size change)."""
    after = tracemalloc.take_snapshot()
    return sum(stat.size_diff for stat in after.compare_to(before, "lineno"))
