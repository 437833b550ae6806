import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

# FASTIO_DEBUG=1 keeps bounds checks and adds line tracing and annotated HTML.
DEBUG = os.environ.get("FASTIO_DEBUG") == "1"
# FASTIO_SANITIZE=address,undefined (make sanitize) or fuzzer-no-link,address
# (make fuzz, with CC=clang): the extension instrumented, with frame pointers
# and debug info so reports name the line.  The run preloads the sanitizer's
# runtime, which has to be in place before anything allocates.
SANITIZE = os.environ.get("FASTIO_SANITIZE", "")

directives = {"language_level": 3, "embedsignature": True}
macros = []
if DEBUG:
    directives.update(linetrace=True, profile=True)
    macros += [("CYTHON_TRACE", "1"), ("FASTIO_DEBUG", "1")]
else:
    # Every index into the ring buffer is computed from its own cursors,
    # which the methods keep inside [0, capacity].
    directives.update(boundscheck=False, wraparound=False, initializedcheck=False)

compile_args = ["-O0", "-g"] if DEBUG else ["-O2"]
link_args = []
if SANITIZE:
    # A report stops the run (UBSan would otherwise print and go on).
    compile_args = [f"-fsanitize={SANITIZE}", "-fno-sanitize-recover=all",
                    "-fno-omit-frame-pointer", "-g", "-O1"]
    link_args = [f"-fsanitize={SANITIZE}"]

extensions = [
    Extension(
        "fastio._buffer",
        ["fastio/_buffer.pyx"],
        # The files _buffer.pyx includes: a change to one rebuilds the module.
        depends=sorted(str(p) for p in Path("fastio/_core").glob("*.pxi")),
        define_macros=macros,
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    )
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives, annotate=DEBUG))
