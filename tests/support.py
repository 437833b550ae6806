"""Test doubles and helpers shared by the behaviour tests."""
import asyncio
import contextlib

import fastio


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
