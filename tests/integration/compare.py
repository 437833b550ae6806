"""One program, run on plain asyncio and under fastio.install(), for a test to
compare what a caller could observe of each."""
import asyncio

import fastio
from support import installed


def outcome(coro_fn, *args, timeout=30.0):
    """Run `coro_fn(*args)` on a new loop; return ("ok", result) or ("raised", type, str)."""
    loop = asyncio.new_event_loop()
    try:
        result = loop.run_until_complete(asyncio.wait_for(coro_fn(*args), timeout))
        return ("ok", result)
    except Exception as exc:  # noqa: BLE001 - compared
        return ("raised", type(exc), str(exc))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def on_both(coro_fn, *args, between=None, timeout=30.0):
    """outcome() of coro_fn(*args) on plain asyncio, then (after `between()`,
    if given) under fastio.install(), undone after: (plain, fast)."""
    assert not fastio.installed()
    plain = outcome(coro_fn, *args, timeout=timeout)
    if between is not None:
        between()
    with installed(fastio):
        return plain, outcome(coro_fn, *args, timeout=timeout)
