"""tests/typing/program.py, the program the type checkers read, also runs."""
import asyncio
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.network

PROGRAM = Path(__file__).parent / "typing" / "program.py"


def test_typed_program_runs():
    spec = importlib.util.spec_from_file_location("typed_program", PROGRAM)
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    asyncio.run(asyncio.wait_for(program.main(), 30))
