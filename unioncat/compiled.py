"""Which MARC path runs: the compiled core (Cython) or the pure Python reference.

The core is built by ``pip install`` when a C compiler is there (``setup.py``); the pure
modules stay the reference and the fallback, and ``UNIONCAT_PURE_PYTHON=1`` forces them
(to compare the two, or to rule the core out when a record maps oddly).  The choice is
made once per process, at import: workers inherit the environment, so a run and its
mapping processes always take the same path.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

PURE_ENV = "UNIONCAT_PURE_PYTHON"
_CORE = "unioncat.marc_core"


def _load() -> tuple[ModuleType | None, str]:
    if os.environ.get(PURE_ENV) == "1":
        return None, f"pure Python ({PURE_ENV}=1)"
    try:
        module = importlib.import_module(_CORE)
    except ImportError:
        return None, "pure Python (the compiled MARC core is not built on this install)"
    return module, "compiled MARC core (Cython)"


MARC_CORE, MARC_PATH = _load()
