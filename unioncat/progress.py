"""Progress of long work: a bar on a terminal, nothing extra off it (the log has the events)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from unioncat.log import interactive


class Progress:
    def __init__(self, label: str, unit: str = "rec", total: int | None = None) -> None:
        self._bar: Any = None
        if interactive():
            from tqdm import tqdm

            self._bar = tqdm(desc=label, unit=unit, total=total, leave=True)

    def advance(self, n: int, postfix: str | None = None) -> None:
        if self._bar is not None:
            self._bar.update(n)
            if postfix:
                self._bar.set_postfix_str(postfix, refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
