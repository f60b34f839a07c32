"""The read-only commands (``status``, ``show``, ``find``, ``resolve``, ``quarantine``,
``report``): they open the catalog under the shared lock, or ask the run that holds it.

They live apart from the writing commands so that a cron job's ``unioncat status`` or a
cataloger's ``unioncat find`` loads the catalog's reading side only, not the harvesters,
the normalizers and Arrow behind ``run``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unioncat.catalog.catalog import Catalog
from unioncat.catalog.lock import ReaderLock
from unioncat.cli import EXIT_OK
from unioncat.errors import ConfigError, LockHeld
from unioncat.log import say
from unioncat.read_service import ask_writer
from unioncat.reads import READS, Answer
from unioncat.redact import scrub

if TYPE_CHECKING:
    from unioncat.config import PipelineConfig


def read_command(
    config: PipelineConfig, command: str, args: dict[str, Any],
    then: Callable[[Answer], Answer] | None = None,
) -> int:  # fmt: skip
    """Run a read-only command.  It opens the catalog under the shared lock, so it never
    blocks a writer; while a run writes, that run answers it (see read_service).
    ``then`` takes the answer before it is printed (a command that writes files)."""
    try:
        with ReaderLock(config.catalog):
            catalog = Catalog(config.catalog, read_only=True, memory_limit=config.memory_limit)
            try:
                answer = READS[command](catalog, config, args)
            finally:
                catalog.close()
    except LockHeld:
        served = ask_writer(config.catalog, command, args)
        if served is None:
            raise
        answer = served
    return _print(then(answer) if then else answer, args)


def _print(answer: Answer, args: dict[str, Any]) -> int:
    if answer.out:
        print(scrub(answer.out))
    if answer.err:
        say(answer.err, "read.message", logging.WARNING)
    dump = args.get("dump")
    if dump and answer.files:
        folder = Path(dump)
        folder.mkdir(parents=True, exist_ok=True)
        for name, payload in answer.files.items():
            (folder / name).write_bytes(payload)
        print(f"raw bytes of {len(answer.files)} record(s) written to {folder}")
    return answer.code


def cmd_status(args: argparse.Namespace, config: PipelineConfig) -> int:
    return read_command(config, "status", {})


def cmd_resolve(args: argparse.Namespace, config: PipelineConfig) -> int:
    if args.date:
        try:
            date.fromisoformat(args.date)
        except ValueError as exc:
            raise ConfigError(f"--date {args.date!r} is not a date", hint="YYYY-MM-DD") from exc
    return read_command(config, "resolve", {"kev": args.kev, "date": args.date, "html": args.html})


def cmd_show(args: argparse.Namespace, config: PipelineConfig) -> int:
    return read_command(config, "show", {"id": args.id, "text": args.text})


def cmd_find(args: argparse.Namespace, config: PipelineConfig) -> int:
    table = args.table if args.table is not None else sys.stdout.isatty()
    query = " ".join(args.query)
    return read_command(
        config,
        "find",
        {"query": query, "source": args.source, "type": args.type, "limit": args.limit,
         "table": table},
    )  # fmt: skip


def cmd_report(args: argparse.Namespace, config: PipelineConfig) -> int:
    """The collection report, read like every read-only command, written whole: each
    file under a temporary name then renamed, the page last, so a page that is there
    always has its tables beside it."""
    from unioncat.outputs.files import write_whole
    from unioncat.overview import PAGE

    out = Path(args.out) if args.out else config.export.parent / "report"
    answer: Answer | None = None

    def keep(found: Answer) -> Answer:
        nonlocal answer
        answer = found
        return Answer(found.code, err=found.err)

    code = read_command(config, "report", {}, keep)
    if answer is None or code != EXIT_OK:
        return code
    files = answer.files
    for name in sorted(files, key=lambda n: n == PAGE):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, [files[name]])
    size = len(files[PAGE])
    print(f"collection report: {out / PAGE} ({size / 1024:,.0f} KiB), "
          f"{len(files) - 1} table files in {out / 'tables'}")  # fmt: skip
    return EXIT_OK


def cmd_quarantine(args: argparse.Namespace, config: PipelineConfig) -> int:
    return read_command(config, "quarantine", {"source": args.source, "dump": args.dump})
