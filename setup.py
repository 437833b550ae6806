import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

# FASTIO_DEBUG=1 keeps bounds checks and adds line tracing and annotated HTML.
DEBUG = os.environ.get("FASTIO_DEBUG") == "1"

directives = {"language_level": 3, "embedsignature": True}
macros = []
if DEBUG:
    directives.update(linetrace=True, profile=True)
    macros += [("CYTHON_TRACE", "1"), ("FASTIO_DEBUG", "1")]
else:
    # Every index into the ring buffer is computed from its own cursors,
    # which the methods keep inside [0, capacity].
    directives.update(boundscheck=False, wraparound=False, initializedcheck=False)

extensions = [
    Extension(
        "fastio._buffer",
        ["fastio/_buffer.pyx"],
        # The files _buffer.pyx includes: a change to one rebuilds the module.
        depends=sorted(str(p) for p in Path("fastio/_core").glob("*.pxi")),
        define_macros=macros,
        extra_compile_args=["-O0", "-g"] if DEBUG else ["-O2"],
    )
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives, annotate=DEBUG))
