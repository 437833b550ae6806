"""Whether fastio uses its compiled extension: one rule, read by setup.py
(build nothing) and by fastio/__init__.py (load nothing).

Like propcache's PROPCACHE_NO_EXTENSIONS: any non-empty FASTIO_NO_EXTENSIONS
turns it off, and so does an interpreter other than CPython, whose C API the
extension is built against.  This file imports nothing from fastio, so
setup.py can run it before fastio is built.
"""
import os
import sys
from collections.abc import Mapping
from typing import Optional

ENVIRONMENT_VARIABLE = "FASTIO_NO_EXTENSIONS"


def unwanted_because(
    environ: Mapping[str, str] = os.environ, implementation: str = sys.implementation.name,
) -> Optional[str]:
    """Why the extension is not to be used, or None when it is."""
    if environ.get(ENVIRONMENT_VARIABLE):
        return f"{ENVIRONMENT_VARIABLE} is set"
    if implementation != "cpython":
        return f"{implementation} is not CPython"
    return None
