"""Every behaviour test runs twice: once on asyncio's streams, once on fastio's.

A test asks for ``impl`` (the module under test: ``asyncio`` or ``fastio``) and
builds what it needs from it, so each expectation is checked against the real
thing in the same run.
"""
import asyncio
import importlib

import pytest

from support import current_loop


@pytest.fixture(params=["asyncio", "fastio"])
def impl(request):
    return importlib.import_module(request.param)


@pytest.fixture
def loop():
    yield from current_loop(asyncio.new_event_loop())
