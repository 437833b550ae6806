"""fastio: asyncio streams, with the hot path compiled.

``fastio.StreamReader`` is a drop-in for ``asyncio.StreamReader``.
"""
from .streams import StreamReader

__all__ = ("StreamReader",)
__version__ = "0.1.0"
