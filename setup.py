import os
import runpy
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# The part of the rule fastio/__init__.py applies at import that holds for
# building too, read from its one place (FASTIO_NO_EXTENSIONS, an interpreter
# other than CPython, a free-threaded build): then nothing is compiled and
# the wheel is pure Python.  On a CPython newer than the verified ones the
# extension is built, for FASTIO_UNVERIFIED_PYTHON to turn on.
NO_EXTENSION_BECAUSE = runpy.run_path("fastio/_extension.py")["not_built_because"]()

# FASTIO_DEBUG=1 keeps bounds checks and adds line tracing and annotated HTML.
DEBUG = os.environ.get("FASTIO_DEBUG") == "1"
# FASTIO_SANITIZE=address,undefined (make sanitize) or fuzzer-no-link,address
# (make fuzz, with CC=clang): the extension instrumented, with frame pointers
# and debug info so reports name the line.  The run preloads the sanitizer's
# runtime, which has to be in place before anything allocates.
SANITIZE = os.environ.get("FASTIO_SANITIZE", "")


class cythonize_then_build_ext(build_ext):
    """Cythonize when compiling, not whenever setup.py runs: making the
    sdist or the metadata needs no Cython and writes no .c."""

    def finalize_options(self):
        from Cython.Build import cythonize

        directives = {"language_level": 3, "embedsignature": True}
        if DEBUG:
            directives.update(linetrace=True, profile=True)
        else:
            # Every index into the ring buffer is computed from its own
            # cursors, which the methods keep inside [0, capacity].
            directives.update(boundscheck=False, wraparound=False, initializedcheck=False)
        # build_ext --force (make debug) regenerates the C too: the
        # directives differ.
        self.distribution.ext_modules = cythonize(
            self.distribution.ext_modules, compiler_directives=directives,
            annotate=DEBUG, force=bool(self.force))
        super().finalize_options()


compile_args = ["-O0", "-g"] if DEBUG else ["-O2"]
link_args = []
if SANITIZE:
    # A report stops the run (UBSan would otherwise print and go on).
    # Python's own CFLAGS carry -fwrapv, which makes signed and pointer
    # overflow defined and so turns UBSan's checks of both off; nothing in
    # the extension relies on it.
    compile_args = [f"-fsanitize={SANITIZE}", "-fno-sanitize-recover=all", "-fno-wrapv",
                    "-fno-omit-frame-pointer", "-g", "-O1"]
    link_args = [f"-fsanitize={SANITIZE}"]

extensions = [
    Extension(
        "fastio._buffer",
        ["fastio/_buffer.pyx"],
        # The files _buffer.pyx includes: a change to one rebuilds the module.
        depends=sorted(str(p) for p in Path("fastio/_core").glob("*.[ph]*")),
        define_macros=[("CYTHON_TRACE", "1"), ("FASTIO_DEBUG", "1")] if DEBUG else [],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    )
]

if NO_EXTENSION_BECAUSE is not None:
    print(f"fastio: building no extension: {NO_EXTENSION_BECAUSE}")
    extensions = []
setup(ext_modules=extensions, cmdclass={"build_ext": cythonize_then_build_ext})
