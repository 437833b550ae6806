"""What ships beside the modules: in a checkout, a wheel or an sdist install,
so a file left out of the package data fails here."""
import importlib.metadata
import os
import subprocess
import sys

import pytest

import fastio

PACKAGE_DIR = os.path.dirname(os.path.abspath(fastio.__file__))
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize(
    "name", ["py.typed", "_buffer.pyi", "streams.pyi", "_buffer.pxd", "_extension.py"])
def test_ships_beside_the_modules(name):
    assert os.path.isfile(os.path.join(PACKAGE_DIR, name))


def test_installed_metadata(request):
    if not request.config.getoption("installed"):
        pytest.skip("fastio is imported from a checkout, with no installed metadata "
                    "(make test-wheel runs this with --installed)")
    dist = importlib.metadata.distribution("fastio")
    assert dist.version == fastio.__version__
    assert dist.metadata["License-Expression"] == "MIT"
    files = {str(f) for f in dist.files}
    assert any(f.endswith("/LICENSE") and ".dist-info/" in f for f in files), sorted(files)
    # The Cython sources, their C headers and generated C are the sdist's,
    # never the wheel's.
    assert not any(f.endswith((".pyx", ".pxi", ".h", ".c")) for f in files), sorted(files)
    assert any(f.endswith(".so") for f in files) == fastio.COMPILED


def test_sdist_builds_with_the_locked_cython():
    # pyproject.toml's [build-system] Cython is the locks' (what CI builds).
    check = subprocess.run([sys.executable, os.path.join(CHECKOUT, "tools", "build_requires.py"),
                            "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
