"""Whether fastio uses its compiled extension: one rule, read by setup.py
(build nothing) and by fastio/__init__.py (load nothing).

Like propcache's PROPCACHE_NO_EXTENSIONS: any non-empty FASTIO_NO_EXTENSIONS
turns it off, and so does an interpreter other than CPython, whose C API the
extension is built against, or a free-threaded CPython, where the compiled
core's shared state (the per-loop receive buffer, the spare block, the
flusher) would be used from several threads without a lock.  A CPython
newer than the newest this release was verified on gets the extension built
but not used, unless FASTIO_UNVERIFIED_PYTHON is set: its asyncio may have
changed in ways fastio does not follow yet.  This file imports nothing from
fastio, so setup.py can run it before fastio is built.
"""
import os
import sys
import sysconfig
from collections.abc import Mapping
from typing import Optional

ENVIRONMENT_VARIABLE = "FASTIO_NO_EXTENSIONS"
UNVERIFIED_VARIABLE = "FASTIO_UNVERIFIED_PYTHON"
# The newest CPython minor version this release's suite passed on.
NEWEST_VERIFIED = (3, 15)


def not_built_because(
    environ: Mapping[str, str] = os.environ,
    implementation: str = sys.implementation.name,
    free_threaded: bool = bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
) -> Optional[str]:
    """Why the extension is not to be built (nor used), or None."""
    if environ.get(ENVIRONMENT_VARIABLE):
        return f"{ENVIRONMENT_VARIABLE} is set"
    if implementation != "cpython":
        return f"{implementation} is not CPython"
    if free_threaded:
        return "this is a free-threaded CPython, where the compiled core is not thread-safe"
    return None


def unwanted_because(
    environ: Mapping[str, str] = os.environ,
    implementation: str = sys.implementation.name,
    free_threaded: bool = bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    version: tuple[int, int] = (sys.version_info[0], sys.version_info[1]),
) -> Optional[str]:
    """Why the extension is not to be used, or None when it is."""
    because = not_built_because(environ, implementation, free_threaded)
    if because is None and version > NEWEST_VERIFIED and not environ.get(UNVERIFIED_VARIABLE):
        newest = ".".join(map(str, NEWEST_VERIFIED))
        return (f"CPython {version[0]}.{version[1]} is newer than {newest}, the newest this "
                f"release was verified on (set {UNVERIFIED_VARIABLE}=1 to use the extension)")
    return because
