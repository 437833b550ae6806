"""Fixtures for tests that run real programs on plain asyncio and on fastio.

``streams`` runs a test twice: once on plain asyncio, once with
``fastio.install()`` in force (undone after), so each expectation is checked on
both with one body. ``outcome()`` runs a coroutine function and returns what a
caller could observe of it (its result, or its exception's type and message),
for comparing the two directly.
"""
import asyncio

import pytest

import fastio
import servers


@pytest.fixture(params=["asyncio", "fastio"])
def streams(request):
    if request.param == "fastio":
        fastio.install()
        try:
            yield request.param
        finally:
            fastio.uninstall()
    else:
        yield request.param


def outcome(coro_fn, *args, timeout=30.0):
    """Run `coro_fn(*args)` on a new loop; return ("ok", result) or ("raised", type, str)."""
    loop = asyncio.new_event_loop()
    try:
        result = loop.run_until_complete(asyncio.wait_for(coro_fn(*args), timeout))
        return ("ok", result)
    except Exception as exc:
        return ("raised", type(exc), str(exc))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _start(kind):
    try:
        return servers.Server(kind).start()
    except servers.Unavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def redis_server():
    server = _start("redis")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def memcached_server():
    server = _start("memcached")
    yield server
    server.stop()


@pytest.fixture
def own_server():
    """A factory for a server the test may kill or restart: `own_server("redis")`."""
    started = []

    def start(kind):
        server = _start(kind)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def on_both():
    """`on_both(coro_fn, *args)` runs outcome() on plain asyncio, then again
    under fastio.install() (undone after), and returns the two outcomes, for a
    test to assert them equal."""
    def run(coro_fn, *args, timeout=30.0):
        assert not fastio.installed()
        plain = outcome(coro_fn, *args, timeout=timeout)
        fastio.install()
        try:
            return plain, outcome(coro_fn, *args, timeout=timeout)
        finally:
            fastio.uninstall()

    return run
