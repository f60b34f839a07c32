"""Which MARC path runs: the compiled core (Cython) or the pure Python reference.

The core is built by ``pip install`` when a C compiler is there (``setup.py``); the pure
modules stay the reference and the fallback, and ``UNIONCAT_PURE_PYTHON=1`` forces them
(to compare the two, or to rule the core out when a record maps oddly).  The choice is
made once per process, at import: workers inherit the environment, so a run and its
mapping processes always take the same path.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import Any

PURE_ENV = "UNIONCAT_PURE_PYTHON"
_CORE = "unioncat.marc_core"


def _load() -> tuple[ModuleType | None, str]:
    if os.environ.get(PURE_ENV) == "1":
        return None, f"pure Python ({PURE_ENV}=1)"
    try:
        module = importlib.import_module(_CORE)
    except ImportError:
        return None, "pure Python (the compiled MARC core is not built on this install)"
    if not _built_from_this_source(module):
        return None, (
            "pure Python (the compiled MARC core was built from an older marc_core.pyx: "
            "run `pip install -e .` again to rebuild it)"
        )
    return module, "compiled MARC core (Cython)"


def _built_from_this_source(module: ModuleType) -> bool:
    """Whether the core was compiled from the ``marc_core.pyx`` beside it, when that
    source is there (a checkout, an editable install): a core left from before a
    ``git pull`` would lack what the pure modules now expect of it."""
    source = Path(module.__file__ or "").with_name("marc_core.pyx")
    if not source.is_file():
        return True  # a wheel without the source: it was built with what it ships
    return getattr(module, "SOURCE_DIGEST", "") == hashlib.sha256(source.read_bytes()).hexdigest()


# the core module, or None; typed Any because its functions are the compiled module's
# (their references in the pure modules carry the types)
MARC_CORE: Any
MARC_PATH: str
MARC_CORE, MARC_PATH = _load()


def warn_if_not_built() -> None:
    """Say once, at the start of a command that maps records, that the core is missing:
    pip shows a build's warnings only with ``-v``, so a machine that had no compiler
    when unioncat was installed would otherwise run at half speed without a word.
    Forcing the pure path (``UNIONCAT_PURE_PYTHON=1``) is a choice and is not warned of."""
    if MARC_CORE is not None or os.environ.get(PURE_ENV) == "1":
        return
    import logging

    from unioncat.log import say

    say(
        "unioncat: the compiled MARC core is not built on this install, so records are "
        "read and mapped by the pure Python path (the same records, about half as fast); "
        "install gcc and the Python headers and run `pip install -e .` again to build it, "
        f"or set {PURE_ENV}=1 to choose the pure path and silence this",
        "compiled.not_built",
        logging.WARNING,
    )
