"""Test doubles and helpers shared by the behaviour tests."""
import asyncio
import contextlib
import sys

import pytest

import fastio

# PyPy's bytearray takes a non-contiguous memoryview that CPython's refuses,
# and so does asyncio's reader there.
refuses_strided_views = pytest.mark.skipif(
    sys.implementation.name != "cpython",
    reason="this interpreter's bytearray (so its asyncio) accepts a non-contiguous memoryview")


def interpreter_message(cpython_message, operation):
    """The message of the exception operation() raises: a call asyncio's
    reader makes on its bytearray, so asyncio's (and fastio's) message on
    this interpreter.  On CPython it is checked to be `cpython_message`;
    PyPy words some differently."""
    with pytest.raises(Exception) as info:
        operation()
    if sys.implementation.name == "cpython":
        assert str(info.value) == cpython_message
    return str(info.value)


def current_loop(loop):
    """Set `loop` as the current event loop for a test, and close it after."""
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def compiled(impl):
    """True for the fastio run when its compiled streams are in use; with
    the fallback (fastio.COMPILED false) fastio's names are asyncio's own,
    and expectations are asyncio's."""
    return impl is fastio and fastio.COMPILED


@contextlib.contextmanager
def installed(impl):
    """fastio.install() for the fastio run, undone however the test ends;
    nothing for the asyncio run."""
    if impl is fastio:
        fastio.install()
        try:
            yield
        finally:
            fastio.uninstall()
    else:
        yield


class RecordingTransport:
    """A read transport that records the flow-control calls a reader makes."""

    def __init__(self, can_pause=True):
        self.calls = []
        self._can_pause = can_pause

    def pause_reading(self):
        if not self._can_pause:
            raise NotImplementedError
        self.calls.append("pause_reading")

    def resume_reading(self):
        self.calls.append("resume_reading")

    def __repr__(self):
        return "<RecordingTransport>"
