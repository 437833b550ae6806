"""build_requires.py [--check]: pyproject.toml's [build-system] requires
Cython at exactly the version the locks install (requirements/cpython*.txt
and pypy*.txt, compiled from dev.in), so that pip building a user's sdist
generates the same C that CI builds, sanitizes and fuzzes.  Without
--check, the locks' version is written into pyproject.toml (make lock and
make upgrade-deps run it after compiling); with --check, it fails if the
two differ or the locks disagree among themselves.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCKS = sorted([*ROOT.glob("requirements/cpython*.txt"), *ROOT.glob("requirements/pypy*.txt")])
REQUIREMENT = re.compile(r'"[Cc]ython[^"]*"')


def locked_version():
    versions = {}
    for lock in LOCKS:
        found = re.findall(r"^cython==(\S+)", lock.read_text(), re.MULTILINE | re.IGNORECASE)
        if len(found) != 1:
            sys.exit(f"{lock.relative_to(ROOT)}: {len(found)} pins of Cython, not one")
        versions[lock.name] = found[0]
    if len(set(versions.values())) != 1:
        sys.exit(f"the locks pin different Cython versions: {versions}")
    return versions.popitem()[1]


def build_requirement(text):
    requires = re.search(r"^requires = \[.*\]$", text, re.MULTILINE)
    found = REQUIREMENT.findall(requires.group(0)) if requires else []
    if len(found) != 1:
        sys.exit(f"pyproject.toml: no single Cython in [build-system] requires: {found}")
    return requires, found[0]


def main():
    version = locked_version()
    wanted = f'"Cython=={version}"'
    text = PYPROJECT.read_text()
    requires, current = build_requirement(text)
    if current == wanted:
        return
    if sys.argv[1:] == ["--check"]:
        sys.exit(f"pyproject.toml requires {current}, the locks install Cython {version}: "
                 "run tools/build_requires.py (make lock does)")
    line = requires.group(0).replace(current, wanted)
    PYPROJECT.write_text(text[:requires.start()] + line + text[requires.end():])
    print(f"pyproject.toml: [build-system] requires {wanted}")


if __name__ == "__main__":
    main()
