"""cpython_refleaks.py [REGRTEST OPTIONS]: CPython's own reference-leak hunt,
regrtest -R 3:3 (three warm-up runs, then three whose growth of the total
reference count is compared), over the running interpreter's
test_asyncio.test_streams with fastio.install() applied: asyncio's own
tests of its streams, run on fastio's.  Needs a debug interpreter
(sys.gettotalrefcount) with its test package (Debian: python3.X-dbg and
libpython3.X-testsuite), and fastio built for it; regrtest's exit status is
this script's.  Options are passed on (-m test_name runs one test).
"""
import os
import sys
import tempfile

import fastio

TESTS = "test_asyncio.test_streams"


def main():
    if not hasattr(sys, "gettotalrefcount"):
        sys.exit(f"{sys.executable} is not a debug build: it counts no references")
    if not fastio.COMPILED:
        sys.exit(f"fastio's extension is not in use: {fastio.NOT_COMPILED_BECAUSE}")
    # regrtest writes its reflog.txt into the directory it was imported in.
    with tempfile.TemporaryDirectory(prefix="fastio-refleaks-") as scratch:
        os.chdir(scratch)
        try:
            from test.libregrtest.main import main as regrtest
        except ImportError as exc:
            sys.exit(f"{sys.executable} has no test package ({exc}); on Debian it is "
                     f"libpython{sys.version_info[0]}.{sys.version_info[1]}-testsuite")
        fastio.install()
        sys.argv[1:] = ["-R", "3:3", *sys.argv[1:], TESTS]
        regrtest()


if __name__ == "__main__":
    main()
