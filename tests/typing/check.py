"""Run mypy --strict and pyright over fastio and tests/typing, for every
Python version they can check, and compare what they report with the marks.

- fastio's own files and program.py: nothing may be reported.
- mistakes.py: each line marked ``# E: mypy=CODE[,CODE] pyright=RULE[,RULE]``
  must be reported with exactly those codes, and no unmarked line at all.
  ``# E<3.13: ...`` (or ``>=``, ``==``...) marks a line for some versions only.

Usage: python tests/typing/check.py   (from the repository root, in the
virtualenv that has mypy and pyright; `make typecheck` runs it).
"""
from __future__ import annotations

import json
import operator
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROGRAM = HERE / "program.py"
MISTAKES = HERE / "mistakes.py"
# The package as a user's checker sees it: the stubs stand for streams.py.
PACKAGE = [ROOT / "fastio" / name for name in ("__init__.py", "_compat.py", "_readinto.py",
                                               "streams.pyi", "_buffer.pyi")]
# mypy 2 checks code for 3.10 and later only; pyright down to 3.9.
MYPY_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
PYRIGHT_VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]

MARK = re.compile(r"#\s*E(?:(?P<op><=|>=|==|!=|<|>)(?P<version>\d+\.\d+))?:"
                  r"\s*(?P<codes>(?:\w+=[\w,-]+\s*)+)$")
COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
           "==": operator.eq, "!=": operator.ne}


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def expected_marks(checker: str, version: str) -> dict[int, set[str]]:
    """line -> the codes `checker` must report there under `version`."""
    expected: dict[int, set[str]] = {}
    for number, line in enumerate(MISTAKES.read_text().splitlines(), 1):
        match = MARK.search(line)
        if match is None:
            continue
        op = match["op"]
        if op and not COMPARE[op](version_tuple(version), version_tuple(match["version"])):
            continue
        for part in match["codes"].split():
            name, _, codes = part.partition("=")
            if name == checker:
                expected[number] = set(codes.split(","))
        if number not in expected:
            sys.exit(f"{MISTAKES.name}:{number}: no {checker}= codes in the mark")
    return expected


def run_mypy(version: str) -> list[tuple[Path, int, str, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", version,
         "--output", "json", *map(str, PACKAGE), str(PROGRAM), str(MISTAKES)],
        cwd=ROOT, capture_output=True, text=True)
    if result.returncode not in (0, 1) or result.stderr.strip():
        sys.exit(f"mypy {version} failed to run:\n{result.stderr}{result.stdout}")
    found = []
    for line in result.stdout.splitlines():
        item = json.loads(line)
        if item["severity"] == "error":
            found.append(((ROOT / item["file"]).resolve(), item["line"], item["code"] or "",
                          item["message"]))
    return found


def run_pyright(version: str) -> list[tuple[Path, int, str, str]]:
    pyright = Path(sys.executable).parent / "pyright"
    result = subprocess.run(
        [str(pyright), "--outputjson", "--pythonversion", version, "--pythonpath",
         sys.executable, *map(str, PACKAGE), str(PROGRAM), str(MISTAKES)],
        cwd=ROOT, capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        sys.exit(f"pyright {version} failed to run:\n{result.stderr}{result.stdout}")
    return [(Path(item["file"]).resolve(), item["range"]["start"]["line"] + 1,
             item.get("rule", ""), item["message"])
            for item in report["generalDiagnostics"] if item["severity"] != "information"]


def compare(checker: str, version: str, found: list[tuple[Path, int, str, str]]) -> list[str]:
    problems = []
    reported: dict[int, set[str]] = defaultdict(set)
    for path, line, code, message in found:
        if path == MISTAKES:
            reported[line].add(code)
        else:
            problems.append(f"{path.relative_to(ROOT)}:{line}: [{code}] {message}")
    expected = expected_marks(checker, version)
    for line in sorted(expected.keys() | reported.keys()):
        want, got = expected.get(line, set()), reported.get(line, set())
        if want != got:
            problems.append(f"{MISTAKES.relative_to(ROOT)}:{line}: expected {sorted(want)}, "
                            f"reported {sorted(got)}")
    return problems


def main() -> int:
    failed = False
    runs = [("mypy", v, run_mypy) for v in MYPY_VERSIONS]
    runs += [("pyright", v, run_pyright) for v in PYRIGHT_VERSIONS]
    for checker, version, run in runs:
        problems = compare(checker, version, run(version))
        print(f"{checker} (Python {version}): {'ok' if not problems else 'FAILED'}")
        for problem in problems:
            print(f"  {problem}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
