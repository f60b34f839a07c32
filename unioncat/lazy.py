"""A module imported on its first attribute, for the heavy libraries (Arrow) that a
module needs in some of its functions only: a read-only command that calls none of them
does not pay for the import.

Write it beside the type checker's view of the same import, so names stay checked::

    if TYPE_CHECKING:
        import pyarrow as pa
    else:
        pa = lazy_module("pyarrow")
"""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self.__name__)
        # later lookups find the names in this object's own dict, without coming here
        self.__dict__.update(module.__dict__)
        return getattr(module, name)


def lazy_module(name: str) -> Any:
    return _LazyModule(name)
