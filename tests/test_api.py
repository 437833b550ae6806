"""fastio's public names: asyncio.streams's, and the install() trio."""
import asyncio.streams

import fastio
from fastio import streams


def test_all_is_asyncio_streams_names_and_install():
    assert fastio.__all__ == [*streams.__all__, "install", "uninstall", "installed"]
    assert streams.__all__ == asyncio.streams.__all__


def test_every_exported_name_exists():
    namespace = {}
    exec("from fastio import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == sorted(fastio.__all__)
