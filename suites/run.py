"""Run other projects' own test suites on asyncio and on fastio; compare.

    python suites/run.py [SUITE...]      (`make suites` runs every suite)

Each suite gets a virtualenv of its own, made by this interpreter from the
hashed lock requirements/suites-<name>.txt, with fastio (built in place in
this checkout) linked into it.  The tests are the ones the library's sdist
ships, from the release the lock pins (downloaded under the lock's hashes).
The suite runs twice in that virtualenv: plainly, then with fastio.install()
done before the library is imported (fastio_suite_plugin.py).  The run fails
if any test's outcome differs between the two, if the fastio run made no
object of fastio's classes, or if either run did not complete; tests that
fail the same way on both (limits of this environment) are listed.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IMPLS = ("asyncio", "fastio")
# One run of a suite; a run that takes longer has hung.
RUN_TIMEOUT = 1200

# name -> pytest arguments.  Each suite's own addopts are replaced (`-o
# addopts=`): they ask for coverage, and aioftp's stop at the first failure;
# what else they hold that the suite needs is repeated here.  The rest of
# the suite's configuration (test paths, asyncio mode, warning filters) is
# its own.
SUITES = {
    "aiosmtpd": [],
    "aioftp": ["-p", "no:anyio", "--import-mode=importlib"],
}


def pytag():
    impl = sys.implementation.name
    return f"{impl}{sys.version_info[0]}.{sys.version_info[1]}"


def run(cmd, **kwargs):
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def output(cmd, **kwargs):
    return subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.PIPE,
                          text=True, **kwargs).stdout.strip()


def virtualenv(name, work):
    """The suite's virtualenv, made anew whenever its lock changes."""
    lock = ROOT / "requirements" / f"suites-{name}.txt"
    venv = work / f"{name}-{pytag()}"
    python = venv / "bin" / "python"
    stamp = venv / ".lock"
    if not (stamp.exists() and stamp.read_bytes() == lock.read_bytes()):
        shutil.rmtree(venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", venv])
        run([python, "-m", "pip", "--disable-pip-version-check", "-q", "install",
             "--require-hashes", "--no-deps", "-r", lock])
        shutil.copyfile(lock, stamp)
    # fastio as this checkout has it built, for this interpreter.
    site = Path(output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]))
    link = site / "fastio"
    if not link.is_symlink():
        link.symlink_to(ROOT / "fastio", target_is_directory=True)
    try:
        run([python, "-c", "import fastio._buffer"], cwd=work)
    except subprocess.CalledProcessError:
        sys.exit(f"fastio is not built for {python}: run `make build` with this interpreter")
    return python, lock


def sources(name, python, lock, work):
    """The unpacked sdist of the release installed in the virtualenv."""
    version = output([python, "-c", f"import importlib.metadata as m; print(m.version({name!r}))"])
    tree = work / "src" / f"{name}-{version}"
    if tree.is_dir():
        return tree, version
    # The lock's entries for the library, hashes and markers included: pip
    # takes the one for this interpreter and checks the sdist's hash.
    entries, keep = [], False
    for line in lock.read_text().splitlines():
        if not line.startswith((" ", "#")):
            keep = line.split("==")[0].split("[")[0] == name
        if keep and not line.lstrip().startswith("#"):
            entries.append(line)
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp, "requirement.txt")
        req.write_text("\n".join(entries) + "\n")
        run([python, "-m", "pip", "--disable-pip-version-check", "-q", "download",
             "--no-deps", "--no-binary", ":all:", "--require-hashes", "-r", req, "-d", tmp])
        (sdist,) = Path(tmp).glob(f"{name}-{version}.tar.gz")
        with tarfile.open(sdist) as tar:
            unpack = work / "src" / f".{name}-{version}"
            shutil.rmtree(unpack, ignore_errors=True)
            if hasattr(tarfile, "data_filter"):
                tar.extractall(unpack, filter="data")
            else:
                tar.extractall(unpack)
    (top,) = unpack.iterdir()
    top.rename(tree)
    unpack.rmdir()
    return tree, version


def run_suite(name, impl, python, tree, work):
    """One run of the suite; its outcomes as the plugin wrote them."""
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    log = logs / f"{name}-{pytag()}-{impl}.log"
    result = logs / f"{name}-{pytag()}-{impl}.json"
    result.unlink(missing_ok=True)
    env = dict(os.environ,
               PYTHONPATH=str(HERE),
               FASTIO_SUITE_IMPL=impl,
               FASTIO_SUITE_OUTCOMES=str(result))
    cmd = [python, "-m", "pytest", "-p", "fastio_suite_plugin", "-p", "no:cacheprovider",
           "-o", "addopts=", "-rfEs", *SUITES[name]]
    started = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen([str(c) for c in cmd], cwd=tree, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            status = proc.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            status = f"killed after {RUN_TIMEOUT} s"
    seconds = time.monotonic() - started
    if not result.exists():
        return None, status, seconds, log
    return json.loads(result.read_text()), status, seconds, log


def counts(outcomes):
    tally = {}
    for outcome in outcomes.values():
        tally[outcome] = tally.get(outcome, 0) + 1
    return ", ".join(f"{outcome} {n}" for outcome, n in sorted(tally.items()))


def compare(name, version, results):
    """Print the comparison; the number of tests whose outcome differs
    (a run that did not complete counts as one), and of those that agree."""
    problems = 0
    print(f"== {name} {version}, Python {sys.version.split()[0]}")
    for impl in IMPLS:
        data, status, seconds, log = results[impl]
        if data is None or status not in (0, 1):
            print(f"{impl}: the run did not complete (pytest exit status {status}); see {log}")
            problems += 1
            continue
        print(f"{impl:8} {counts(data['outcomes'])} ({seconds:.0f} s)")
    if problems:
        return problems, 0
    base, fast = results["asyncio"][0], results["fastio"][0]
    made = fast["constructed"]
    print("fastio objects constructed during the fastio run: "
          + (", ".join(f"{cls} {n}" for cls, n in sorted(made.items())) or "none"))
    if not made:
        print("the fastio run made no object of fastio's classes: it did not test fastio")
        problems += 1
    if base["constructed"]:
        print("the asyncio run made objects of fastio's classes: it was not plain asyncio")
        problems += 1
    a, f = base["outcomes"], fast["outcomes"]
    fine = ("passed", "skipped", "xfailed")
    failing = sorted(t for t in a if a[t] == f.get(t) and a[t] not in fine)
    print(f"failing identically on both ({len(failing)}):")
    for t in failing:
        print(f"  {t}: {a[t]}: {base['messages'].get(t, '')}")
    differing = sorted(t for t in set(a) | set(f) if a.get(t) != f.get(t))
    print(f"differing outcomes ({len(differing)}):")
    for t in differing:
        print(f"  {t}: asyncio {a.get(t, 'absent')}, fastio {f.get(t, 'absent')}")
        for impl, data in (("asyncio", base), ("fastio", fast)):
            if t in data["messages"]:
                print(f"      {impl}: {data['messages'][t]}")
    return problems + len(differing), len(set(a) | set(f)) - len(differing)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("suites", nargs="*", metavar="SUITE",
                        help=f"of {', '.join(SUITES)} (default: all)")
    parser.add_argument("--work", type=Path, default=ROOT / ".venv-suites",
                        help="virtualenvs, sources and logs (default: %(default)s)")
    args = parser.parse_args()
    for name in args.suites:
        if name not in SUITES:
            parser.error(f"no suite {name!r}: {', '.join(SUITES)}")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    differing = agreeing = 0
    for name in args.suites or SUITES:
        python, lock = virtualenv(name, work)
        tree, version = sources(name, python, lock, work)
        results = {impl: run_suite(name, impl, python, tree, work) for impl in IMPLS}
        d, a = compare(name, version, results)
        differing += d
        agreeing += a
        sys.stdout.flush()
    print("suites: a test passes when its outcome on fastio is its outcome on asyncio")
    print(f"suites: {agreeing} passed, {differing} failed")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
