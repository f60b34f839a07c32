"""Logging: readable lines on a terminal, JSON lines everywhere else (cron, CI, files).

A cron job's log is read by machines as often as by people, so off a terminal every
line on stderr is one JSON object with a stable ``event`` name and its fields: the
events unioncat logs, the messages commands end with (:func:`say`), Python warnings,
uncaught exceptions, and whatever a library writes to ``sys.stderr`` on its own (pymarc
does), which is wrapped line by line.  Worker processes set up the same mode as the run
that started them (:func:`mode`).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from unioncat.redact import scrub

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
        return scrub(json.dumps(data, default=str, ensure_ascii=False))


class HumanFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            text = f"{record.levelname.lower()}: {text}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return scrub(text)


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


class JsonStderr:
    """``sys.stderr`` in JSON mode: every line written to it becomes a JSON object.

    Text written straight to ``sys.stderr`` (a library's ``print(..., file=sys.stderr)``,
    ``sys.stderr.write``) would otherwise break a log that promises one object per line."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
            for line in lines:
                if line.strip():
                    self._emit(line)
        return len(text)

    def _emit(self, line: str) -> None:
        stripped = line.strip()
        if stripped.startswith("{") and stripped.endswith("}"):
            try:
                json.loads(stripped)
            except ValueError:
                pass  # not JSON after all: wrapped below
            else:
                self.raw.write(scrub(stripped) + "\n")
                return
        data = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "warning",
            "logger": "stderr",
            "event": "stderr",
            "msg": line,
        }
        self.raw.write(scrub(json.dumps(data, ensure_ascii=False)) + "\n")

    def flush(self) -> None:
        with self._lock:
            if self._partial.strip():
                self._emit(self._partial)
            self._partial = ""
        self.raw.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return int(self.raw.fileno())

    @property
    def encoding(self) -> str:
        return str(getattr(self.raw, "encoding", "utf-8"))


_MODE = {"json": False, "verbose": False}


def mode() -> tuple[bool, bool]:
    """(verbose, json_lines) as set up here: what a worker process must set up too."""
    return _MODE["verbose"], _MODE["json"]


def json_lines() -> bool:
    return _MODE["json"]


def say(text: str, name: str, level: int = logging.ERROR, **fields: Any) -> None:
    """A message a command ends with or reports to its user on stderr: the line as is
    on a terminal, a JSON object (event ``name``) off one."""
    if _MODE["json"]:
        LOGGER.log(level, text, extra={"event": name, **fields})
        return
    if _BARS:
        from tqdm import tqdm

        tqdm.write(scrub(text), file=sys.stderr)
    else:
        print(scrub(text), file=sys.stderr)


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
    LOGGER.critical(
        f"unexpected error: {kind.__name__}: {exc}",
        exc_info=(kind, exc, tb),
        extra={"event": "crash"},
    )


def _log_thread_uncaught(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    LOGGER.critical(
        f"unexpected error in thread {args.thread.name if args.thread else '?'}: "
        f"{args.exc_type.__name__}: {args.exc_value}",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        extra={"event": "crash"},
    )


def setup_logging(verbose: bool = False, json_lines: bool | None = None) -> None:
    raw = sys.stderr.raw if isinstance(sys.stderr, JsonStderr) else sys.stderr
    sys.stderr = raw
    use_json = (not raw.isatty()) if json_lines is None else json_lines
    handler = logging.StreamHandler(raw) if use_json else _TerminalHandler(raw)
    handler.setFormatter(JsonFormatter() if use_json else HumanFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    LOGGER.setLevel(logging.DEBUG if verbose else logging.INFO)
    # pymarc warns once per damaged field it repairs; the record's own outcome is what we report
    logging.getLogger("pymarc").setLevel(logging.ERROR)
    _MODE.update(json=use_json, verbose=verbose)
    logging.captureWarnings(use_json)
    if use_json:
        sys.stderr = JsonStderr(raw)
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_thread_uncaught
    else:
        sys.excepthook = sys.__excepthook__
        threading.excepthook = threading.__excepthook__


def event(name: str, msg: str, level: int = logging.INFO, **fields: Any) -> None:
    LOGGER.log(level, msg, extra={"event": name, **fields})
