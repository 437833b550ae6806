"""Helpers shared by the test_reader*.py modules (no tests in here).

Every coroutine in these tests can finish from data that was fed before, so
running it never needs more than a bounded number of event-loop rounds.  The
helpers count rounds instead of trusting the implementation: a reader that
waits when asyncio would not makes the test fail, never hang.
"""
import asyncio

import pytest

MAX_ROUNDS = 1000


def spin(loop, rounds=5):
    """Let ready tasks run a few steps (no timing assumption)."""
    for _ in range(rounds):
        loop.run_until_complete(asyncio.sleep(0))


def run(loop, awaitable):
    """Run a coroutine (or wait for a task) to completion and return its result.

    Fails the test if it is still pending after MAX_ROUNDS loop rounds.
    """
    task = asyncio.ensure_future(awaitable, loop=loop)
    rounds = 0
    while not task.done():
        if rounds == MAX_ROUNDS:
            task.cancel()
            spin(loop, 20)
            pytest.fail(
                f"the read blocked: still waiting after {MAX_ROUNDS} loop rounds ({task!r})")
        spin(loop, 1)
        rounds += 1
    return task.result()


def start(loop, coro):
    """Start ``coro`` as a task and let it run until it blocks."""
    task = loop.create_task(coro)
    spin(loop)
    return task


def finish_cancelled(loop, task):
    """Let a cancelled task finish; it must end cancelled."""
    with pytest.raises(asyncio.CancelledError):
        run(loop, task)
    assert task.cancelled()
