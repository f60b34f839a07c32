"""Progress of long work: a bar per source on a terminal, nothing extra off it (the log
has the events).

A files source counts the bytes of its files read out of their total; an OAI-PMH
source its records out of the list size the server announces, when it does; anything
else counts records.  While bars are shown, log lines are written above them (through
tqdm), never onto a bar's line.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from unioncat.log import bars_changed, interactive


class Progress:
    """The bars of one stage (``harvest``, ``normalize``), one per source."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bars: dict[str, Any] = {}
        self._on = interactive()

    def _bar(self, key: str, unit: str, total: int | None) -> Any:
        bar = self._bars.get(key)
        if bar is None:
            from tqdm import tqdm

            bytes_ = unit == "B"
            bar = tqdm(
                desc=f"{self.label} {key}", unit=unit, total=total, leave=True,
                unit_scale=bytes_, unit_divisor=1024 if bytes_ else 1000,
                position=len(self._bars), dynamic_ncols=True,
            )  # fmt: skip
            self._bars[key] = bar
            bars_changed(+1)
        return bar

    def advance(self, n: int, postfix: str | None = None, key: str = "") -> None:
        """``n`` more records of ``key`` (a source) are done."""
        if not self._on:
            return
        bar = self._bar(key or self.label, "rec", None)
        bar.update(n)
        if postfix:
            bar.set_postfix_str(postfix, refresh=False)

    def reach(self, key: str, done: int, total: int | None, unit: str, postfix: str = "") -> None:
        """``key`` (a source) has done ``done`` of ``total`` (bytes or records)."""
        if not self._on:
            return
        bar = self._bar(key, unit, total)
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(max(0, done - bar.n))
        if postfix:
            bar.set_postfix_str(postfix, refresh=False)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
            bars_changed(-1)
        self._bars.clear()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
