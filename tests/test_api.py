"""fastio's public names: asyncio.streams's, and the install() trio."""
import asyncio.streams

import pytest

import fastio


def test_all_is_asyncio_streams_names_and_install():
    assert fastio.__all__ == [*asyncio.streams.__all__, "install", "uninstall", "installed"]


@pytest.mark.compiled
def test_compiled_streams_have_asyncio_streams_names():
    from fastio import streams

    assert streams.__all__ == asyncio.streams.__all__


def test_every_exported_name_exists():
    namespace = {}
    exec("from fastio import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == sorted(fastio.__all__)
