"""Builds the compiled MARC core (Cython) when it can; installs the pure path when not.

Everything else is in pyproject.toml.  The core is optional by design: with no C
compiler (or no Cython) the install goes on with one warning, and unioncat runs the pure
Python reader and mapping, which are the reference (``unioncat --version`` says which
path is active).
"""

from __future__ import annotations

import hashlib
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

CORE = "unioncat.marc_core"
SOURCE = "unioncat/marc_core.pyx"
GENERATED = "unioncat/marc_core.c"


def _warn(why: str) -> None:
    print(
        f"WARNING: unioncat's compiled MARC core was not built ({why}); the pure Python "
        "path is installed and gives the same records, more slowly",
        file=sys.stderr,
    )


class OptionalBuildExt(build_ext):
    """A failed compile leaves the pure path, not a failed install."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001  (any build failure means: no core)
            _warn(f"{type(exc).__name__}: {exc}")

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            _warn(f"{type(exc).__name__}: {exc}")


def _extensions() -> list[Extension]:
    if os.environ.get("UNIONCAT_PURE_PYTHON") == "1":
        _warn("UNIONCAT_PURE_PYTHON=1")
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        # an sdist carries the C that Cython wrote; a C file older than the source is
        # left from an earlier build of a checkout, and is not compiled
        if os.path.exists(GENERATED) and os.path.getmtime(GENERATED) >= os.path.getmtime(SOURCE):
            return [_extension(GENERATED)]
        _warn("Cython is not installed")
        return []
    try:
        return list(cythonize([_extension(SOURCE)], compiler_directives={"language_level": "3"},
                              quiet=True))  # fmt: skip
    except Exception as exc:  # noqa: BLE001  (a source Cython refuses means: no core)
        _warn(f"Cython could not translate {SOURCE}: {type(exc).__name__}: {exc}")
        return []


def _extension(source: str) -> Extension:
    """The core, told the digest of the source it is built from (``unioncat.compiled``
    refuses a core whose digest is not the source's: one left from an older checkout)."""
    with open(SOURCE, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return Extension(
        CORE, [source], extra_compile_args=["-O2"],
        define_macros=[("UNIONCAT_CORE_SOURCE", f'"{digest}"')],
    )  # fmt: skip


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
