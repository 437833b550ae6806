"""What fastio.install() changed, while it is in effect: the names it set in
asyncio (and what they held before), and which asyncio class each of fastio's
classes stands in for, which streams._Replacing asks."""
import asyncio
import asyncio.streams
from types import ModuleType
from typing import Any, Optional

# (module, name) -> asyncio's object, while installed.
_replaced: dict[tuple[ModuleType, str], Any] = {}
# fastio class -> the asyncio class its name replaces, while installed.
_replacing: dict[type, type] = {}


def install(streams: ModuleType) -> None:
    """asyncio's stream names set to `streams`'s, unless already done."""
    if _replaced:
        return
    for module in (asyncio, asyncio.streams):
        for name in streams.__all__:
            _replaced[module, name] = getattr(module, name)
            setattr(module, name, getattr(streams, name))
    if streams is not asyncio.streams:
        for name in ("StreamReader", "StreamWriter", "StreamReaderProtocol"):
            _replacing[getattr(streams, name)] = _replaced[asyncio.streams, name]


def uninstall() -> None:
    """asyncio's own objects back under their names, exactly as they were."""
    _replacing.clear()
    while _replaced:
        (module, name), original = _replaced.popitem()
        setattr(module, name, original)


def installed() -> bool:
    return bool(_replaced)


def replaced_class(cls: type) -> Optional[type]:
    """The asyncio class fastio's class `cls` stands in for, while installed."""
    return _replacing.get(cls)
