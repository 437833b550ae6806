"""Fixtures for tests that run real programs on plain asyncio and on fastio.

``streams`` runs a test twice: once on plain asyncio, once with
``fastio.install()`` in force (undone after), so each expectation is checked on
both with one body.  compare.py runs one program on both, to compare what
they gave directly.
"""
import pytest

import fastio
import servers
from support import installed


@pytest.fixture(params=["asyncio", "fastio"])
def streams(request):
    with installed(fastio if request.param == "fastio" else None):
        yield request.param


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
