"""Logging: readable lines on a terminal, JSON lines everywhere else (cron, CI, files).

A cron job's log is read by machines as often as by people, so off a terminal every
event is one JSON object per line with a stable ``event`` name and its fields.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from typing import Any

LOGGER = logging.getLogger("unioncat")
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in vars(record).items():
            if k not in _RESERVED and not k.startswith("_"):
                data[k] = v
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


class HumanFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            text = f"{record.levelname.lower()}: {text}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def interactive() -> bool:
    return sys.stderr.isatty()


_BARS = 0  # progress bars on screen (unioncat.progress): lines are written above them
_BARS_LOCK = threading.Lock()


def bars_changed(delta: int) -> None:
    global _BARS
    with _BARS_LOCK:
        _BARS += delta


class _TerminalHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each line above the progress bars while there are any, never onto one."""

    def emit(self, record: logging.LogRecord) -> None:
        if not _BARS:
            super().emit(record)
            return
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=sys.stderr)
        except (OSError, ValueError):
            self.handleError(record)


def setup_logging(verbose: bool = False, json_lines: bool | None = None) -> None:
    use_json = (not interactive()) if json_lines is None else json_lines
    handler = logging.StreamHandler(sys.stderr) if use_json else _TerminalHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else HumanFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    LOGGER.setLevel(logging.DEBUG if verbose else logging.INFO)
    # pymarc warns once per damaged field it repairs; the record's own outcome is what we report
    logging.getLogger("pymarc").setLevel(logging.ERROR)


def event(name: str, msg: str, level: int = logging.INFO, **fields: Any) -> None:
    LOGGER.log(level, msg, extra={"event": name, **fields})
