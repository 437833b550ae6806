"""fastio/_buffer.pxd is the map of the compiled core: where a claim it
makes can be checked cheaply against the sources, it is checked here (the
sources are the checkout's, which every run of the suite has)."""
import ast
import re
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "fastio"
PXD = (SOURCES / "_buffer.pxd").read_text()


def dispatched_in_code():
    """The DISPATCHED tuple of _core/constants.pxi, evaluated."""
    text = (SOURCES / "_core" / "constants.pxi").read_text()
    literal = re.search(r"^cdef tuple DISPATCHED = (\(.*?\))$", text, re.M | re.S)
    assert literal, "constants.pxi defines no DISPATCHED tuple"
    return ast.literal_eval(literal.group(1))


def test_the_documented_dispatched_methods_are_the_codes():
    documented = re.search(r"\(DISPATCHED:(.*?)\)\s*this reader replaces", PXD, re.S)
    assert documented, "_buffer.pxd no longer lists DISPATCHED"
    names = re.findall(r"(\w+)\(\)", documented.group(1))
    assert names == list(dispatched_in_code())


def test_every_file_the_map_names_exists():
    named = re.findall(r"^# -- (_core/\w+\.pxi)", PXD, re.M)
    assert named
    for name in named:
        assert (SOURCES / name).is_file(), name


def test_every_included_file_is_on_the_map_or_shared():
    module = (SOURCES / "_buffer.pyx").read_text()
    included = re.findall(r'^include "(_core/\w+\.pxi)"', module, re.M)
    on_map = set(re.findall(r"^# -- (_core/\w+\.pxi)", PXD, re.M))
    # constants.pxi declares no class or function of its own: the map's
    # introduction names it.
    assert set(included) - on_map == {"_core/constants.pxi"}
    assert "_core/constants.pxi" in PXD


def test_each_operation_is_named_where_its_number_points():
    # StreamOperation's __name__ is OP_NAMES[op]: a new OP_* must take the
    # next place in the tuple, not shift the names of the others.
    text = (SOURCES / "_core" / "constants.pxi").read_text()
    numbers = dict(re.findall(r"^\s+OP_(\w+) = (\d+)", text, re.M))
    literal = re.search(r"^cdef tuple OP_NAMES = (\(.*?\))$", text, re.M | re.S)
    assert numbers and literal, "constants.pxi no longer defines OP_* and OP_NAMES"
    names = ast.literal_eval(literal.group(1))
    assert sorted(int(n) for n in numbers.values()) == list(range(len(names)))
    for op, number in numbers.items():
        assert op.lower() in names[int(number)], (op, names[int(number)])

