"""fastio's public names: asyncio.streams's, the install() trio, and
readinto(), fastio's own (which install() puts nowhere in asyncio)."""
import asyncio.streams

import pytest

import fastio


def test_all_is_asyncio_streams_names_and_install():
    assert fastio.__all__ == [*asyncio.streams.__all__, "install", "uninstall", "installed",
                              "readinto"]


def test_install_leaves_readinto_out_of_asyncio():
    fastio.install()
    try:
        assert not hasattr(asyncio, "readinto") and not hasattr(asyncio.streams, "readinto")
    finally:
        fastio.uninstall()


@pytest.mark.compiled
def test_compiled_streams_have_asyncio_streams_names():
    from fastio import streams

    assert streams.__all__ == asyncio.streams.__all__


def test_every_exported_name_exists():
    namespace = {}
    exec("from fastio import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == sorted(fastio.__all__)
