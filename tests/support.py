"""Test doubles shared by the behaviour tests."""


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
