"""Ctrl-C and SIGTERM stop a run at the next safe point, never inside a statement.

Python's default turns SIGINT into ``KeyboardInterrupt`` wherever the main thread is,
and DuckDB turns that into an interrupted statement and a transaction already gone;
SIGTERM (what cron, systemd and Kubernetes send) kills outright.  While a writing
command runs, both signals only note that a stop was asked for.  The run looks at the
note between page commits, between chunks of archived records, between dedupe rounds
and before the export publishes, and stops there with :class:`Interrupted`: what
committed is kept and reported, and the exit code is 128 plus the signal (130, 143).
A second signal stops at once (``KeyboardInterrupt``), as impatient users expect.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from unioncat.errors import Interrupted
from unioncat.log import event

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_asked: list[int] = []


def requested() -> int | None:
    """The signal that asked the run to stop, if one did."""
    return _asked[0] if _asked else None


_last: list[int] = []


def exit_code_for_stop() -> int:
    """128 plus the last signal that stopped a run here (130 when none is known: a
    Ctrl-C outside a writing command)."""
    return 128 + (_last[0] if _last else signal.SIGINT)


def check(where: str, **context: Any) -> None:
    """Stop here if a stop was asked for; ``where`` names the safe point."""
    if _asked:
        raise Interrupted(_asked[0], where, **context)


def _note(signum: int, frame: FrameType | None) -> None:
    if _asked:
        raise KeyboardInterrupt
    _asked.append(signum)
    _last[:] = [signum]
    name = signal.Signals(signum).name
    event(
        "run.stopping",
        f"{name} received: stopping at the next safe point; what is committed is kept "
        "(send it again to stop at once)",
        logging.WARNING,
        signal=name,
    )


@contextmanager
def stop_at_safe_points() -> Iterator[None]:
    """Signals only note a stop while the block runs (main thread only: signal
    handlers can be set nowhere else)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    _asked.clear()
    _last.clear()
    for s in SIGNALS:
        signal.signal(s, _note)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _asked.clear()
