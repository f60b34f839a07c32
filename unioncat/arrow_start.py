"""Arrow without pandas, in the processes unioncat owns (the command line, its workers).

pyarrow looks for pandas the first time it converts Python values, to know whether they
might be pandas objects.  With pandas installed (the spark extra brings it) that look
imports pandas: 0.4 s, more than a small nightly harvest's whole work, paid again by
every worker.  unioncat never hands pyarrow a pandas object, so these processes let
pyarrow's looks find none.  ``import pandas`` anywhere works as usual, and pyarrow
imports it when asked for it by name (``to_pandas``, ``from_pandas``); what it no longer
knows is pandas' ``NA`` and ``NaT``, which it would have read as nulls.

So only the ``unioncat`` program does this (``cli.run``), not :func:`cli.main` called
from someone else's process, not the library, and not a command on the Spark engine,
whose driver may convert pandas values.  It happens on the thread that first imports
pyarrow (the main one: the commands import it before they start threads), and for that
moment an ``import pandas`` on another thread would fail.  If a later pyarrow looks for
pandas some other way, the cost comes back, or, should the look fail, is logged, and
nothing else changes.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import types
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader


def keep_pandas_out() -> None:
    """Let pyarrow's two looks for pandas find none; pyarrow must be importable.

    Its Cython side imports pandas and, when that fails, remembers it.  Its C++ side
    (the conversion of Python values) does not remember a failed import and would try
    on every conversion; it remembers a pandas module it found, with the pandas objects
    it needs to recognise, so it is shown an empty one."""
    if "pandas" in sys.modules:
        return  # imported already: the looks are free, and they must find it
    import pyarrow as pa

    try:
        no_pandas = _NoPandas()
        sys.meta_path.insert(0, no_pandas)
        try:
            pa.array([], type=pa.null())
        finally:
            sys.meta_path.remove(no_pandas)
        empty = types.ModuleType("pandas")
        sys.modules["pandas"] = empty
        try:
            pa.array([], type=pa.null())
        finally:
            if sys.modules.get("pandas") is empty:
                del sys.modules["pandas"]
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        # a pyarrow that looks some other way: it may import pandas, nothing worse
        logging.getLogger("unioncat").debug("pandas could not be kept out of pyarrow: %r", exc)


def keep_pandas_out_of_pyarrow() -> None:
    """Do :func:`keep_pandas_out` once pyarrow is imported, so that a command that never
    imports Arrow (``status``, ``find``) does not import it for this."""
    if "pyarrow" in sys.modules:
        keep_pandas_out()
    elif not any(isinstance(f, _AfterPyarrow) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterPyarrow())


class _NoPandas:
    """A finder first in ``sys.meta_path``: while it is there, importing pandas fails.
    (A ``None`` in ``sys.modules`` would not do: pyarrow's compiled import takes it for
    the module.)"""

    def find_spec(self, name: str, path: Sequence[str] | None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("pandas is kept out of pyarrow's first look", name=name)


class _AfterPyarrow:
    """A finder that finds pyarrow with the finders after it, and has
    :func:`keep_pandas_out` run once pyarrow's package has run.  It stays in
    ``sys.meta_path`` until then (a look-up of pyarrow that loads nothing, such as
    ``importlib.util.find_spec``, must not use it up), and leaves as the package runs;
    the module keeps its own loader."""

    def __init__(self) -> None:
        self._finding = False

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: object = None
    ) -> ModuleSpec | None:
        if name != "pyarrow" or self._finding:
            return None
        self._finding = True
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self._finding = False
        if spec is not None and spec.loader is not None:
            spec.loader = cast("Loader", _ThenKeepPandasOut(spec.loader, self))
        return spec


class _ThenKeepPandasOut:
    def __init__(self, loader: Any, finder: _AfterPyarrow) -> None:
        self._loader = loader
        self._finder = finder

    def create_module(self, spec: ModuleSpec) -> types.ModuleType | None:
        module: types.ModuleType | None = self._loader.create_module(spec)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        keep_pandas_out()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)
