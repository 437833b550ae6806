"""The reference counting of make refleaks finds a leak that is planted, and
reports none where there is none (support/refcounts.py and the pytest
plugin support/refleak_check.py).  Debug builds only."""
import os
import subprocess
import sys
import textwrap

import pytest

import fastio
from support.refcounts import leaks_every_run, reference_deltas

pytestmark = pytest.mark.skipif(
    not hasattr(sys, "gettotalrefcount"),
    reason="counting every reference needs a debug build (sys.gettotalrefcount())")

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
FASTIO_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(fastio.__file__)))


def test_counting_adds_no_references_of_its_own():
    # Storing the counts must not show as growth (it did from 3.12 on, where
    # the list's placeholder 0 was immortal: one reference per run).
    assert reference_deltas(lambda: None, warmups=2, runs=5) == [0] * 5


def test_a_planted_leak_is_counted():
    kept = []
    assert leaks_every_run(lambda: kept.append(object())) == [1, 1, 1]
    assert leaks_every_run(lambda: kept.append([object(), object()])) == [3, 3, 3]


def test_a_cache_filled_once_is_not_a_leak():
    cache = {}
    assert leaks_every_run(lambda: cache.setdefault("key", object())) == []


PLANTED = '''
import pytest

kept = []


def test_clean():
    assert [object()]


def test_planted():
    kept.append(object()) if LEAK else None


@pytest.mark.parametrize("impl", ["asyncio", "fastio"])
def test_twins(impl):
    # Both leak alike: the asyncio twin's run adds as many.
    kept.append(object())
    if impl == "fastio" and FASTIO_LEAKS_MORE:
        kept.append(object())


calls = {"asyncio": 0, "fastio": 0}


@pytest.mark.parametrize("impl", ["asyncio", "fastio"])
def test_uneven_twins(impl):
    # Growth both share, asyncio's [1, 2] over the counted runs and
    # fastio's [2, 2]: past the twin on one run, not on every one.
    calls[impl] += 1
    kept.extend(object() for _ in range(2 if impl == "fastio" or calls[impl] == 4 else 1))


@pytest.fixture(params=["asyncio-loop", "uvloop"])
def net_loop(request):
    return request.param


def test_on_a_loop(net_loop):
    # Run once on uvloop, whose references are not counted.
    if net_loop == "uvloop":
        kept.append(object())
'''


def run_planted(tmp_path, leak, fastio_leaks_more):
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""
        from support.refleak_check import add_options as pytest_addoption
        from support.refleak_check import register as pytest_configure
        """))
    (tmp_path / "test_planted.py").write_text(
        f"LEAK = {leak}\nFASTIO_LEAKS_MORE = {fastio_leaks_more}\n" + PLANTED)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--refleaks=2:2", "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        # support/ imports fastio: the one this run imported.
        env={**os.environ, "PYTHONPATH": os.pathsep.join([TESTS_DIR, FASTIO_PARENT])})


def test_the_plugin_fails_a_planted_leak_and_passes_without_it(tmp_path):
    planted = run_planted(tmp_path, leak=True, fastio_leaks_more=False)
    assert planted.returncode == 1, planted.stdout + planted.stderr
    assert "test_planted.py::test_planted leaked [1, 1] references" in planted.stdout
    assert "1 leaking (4 more as on asyncio)" in planted.stdout
    assert "tests run 2+2 times and counted, 1 run once" in planted.stdout
    assert "test_on_a_loop[uvloop] leaked" not in planted.stdout

    removed = run_planted(tmp_path, leak=False, fastio_leaks_more=False)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "0 leaking (4 more as on asyncio)" in removed.stdout
    assert "test_uneven_twins[asyncio] leaked [1, 2] references" in removed.stdout
    assert "test_uneven_twins[fastio] leaked [2, 2] references, sum=4 (asyncio's" in removed.stdout


def test_the_plugin_fails_fastio_leaking_past_its_asyncio_twin(tmp_path):
    more = run_planted(tmp_path, leak=False, fastio_leaks_more=True)
    assert more.returncode == 1, more.stdout + more.stderr
    assert "test_twins[fastio] leaked [2, 2] references, sum=4\n" in more.stdout
    assert "1 leaking (3 more as on asyncio)" in more.stdout
