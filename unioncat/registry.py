"""A registry of a stage's implementations, filled as their modules are loaded.

A stage (the formats, the source kinds) names the module of each of its entries in one
table; asking the registry for an entry (``[name]``, ``in``, ``get``) imports that module
first, which registers it, and listing the registry imports them all.  So a command pays
only for the formats and kinds its pipeline uses, and the registry still answers as if
everything were loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from typing import Any, TypeVar

V = TypeVar("V")


class Registry(dict[str, V]):
    def __init__(
        self,
        load: Callable[[str], bool],
        load_all: Callable[[], None],
        names: Container[str] = (),
    ) -> None:
        super().__init__()
        self._load = load
        self._load_all = load_all
        self._names = names  # what ``load`` can load, when the stage's table says

    def knows(self, name: str) -> bool:
        """Whether ``name`` is an entry, registered already or named by the stage's
        table, without loading anything (``status`` checks a pipeline's formats so)."""
        return dict.__contains__(self, name) or name in self._names

    def __missing__(self, name: str) -> V:
        if self._load(name) and dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        if dict.__contains__(self, name):
            return True
        return isinstance(name, str) and self._load(name) and dict.__contains__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load_all()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._load_all()
        return dict.keys(self)

    def items(self) -> Any:
        self._load_all()
        return dict.items(self)

    def values(self) -> Any:
        self._load_all()
        return dict.values(self)
