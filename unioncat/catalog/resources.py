"""Failures of the machine, not of the data: a full disk, a file-size limit, a read-only
catalog, a file that is not a DuckDB database, a damaged one, memory running out.

Nothing is lost when these happen (a page either commits whole or not at all), but the
raw text DuckDB or the operating system gives (``Could not write file ...: No space
left on device``, ``Corrupt database file: computed checksum ...``) tells a cataloger
neither what to do nor whether the night's work is gone.  :func:`explain` turns each
into a :class:`~unioncat.errors.ResourceError` naming the file, the cause and the fix;
anything it does not recognise is left alone, to surface as the bug it is.

The checks work on the error's text as well as its ``errno``, because DuckDB reports
the operating system's error inside its own message and pyarrow often drops the number.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

import duckdb

from unioncat.errors import ResourceError

SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # at offset 8 of every DuckDB database file

KEPT = "every page committed before is kept"

# (errno values, words in the message, cause, fix): the cause and fix take the file name
_OS_CAUSES: list[tuple[set[int], tuple[str, ...], str, str]] = [
    (
        {errno.ENOSPC},
        ("no space left on device",),
        "the disk holding {file} is full",
        "free space on that disk (or point the pipeline at a bigger one) and run the "
        "same command again; " + KEPT,
    ),
    (
        {errno.EDQUOT},
        ("disk quota exceeded",),
        "the disk quota of this user was reached writing {file}",
        "free space or raise the quota, then run the same command again; " + KEPT,
    ),
    (
        {errno.EFBIG},
        ("file too large",),
        "the file-size limit was reached writing {file} (`ulimit -f`, or the file system's "
        "largest file)",
        "raise the job's file-size limit (`ulimit -f unlimited`) and run the same command "
        "again; " + KEPT,
    ),
    (
        {errno.EROFS},
        ("read-only file system",),
        "{file} is on a read-only file system",
        "remount it read-write or point `catalog:`/`export:` at a writable place; "
        "`status`, `show` and `find` still read a read-only catalog",
    ),
    (
        {errno.EACCES, errno.EPERM},
        ("permission denied", "operation not permitted"),
        "this user has no permission for {file}",
        "run as the user who owns it, or give this one permission on the file and its "
        "folder (writing needs both); `status`, `show` and `find` only need to read",
    ),
]

_QUOTED_FILE = re.compile(r'file "([^"]+)"')


def check_signature(path: Path) -> None:
    """Refuse a catalog path that holds some other kind of file before DuckDB opens it.

    DuckDB would otherwise try to read a SQLite file through its ``sqlite`` extension
    (which the catalog connection may not install) and say so in words about extensions,
    and call anything else merely "not a valid DuckDB database"."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise explain(exc, path) or exc from exc
    if not head:
        return  # an empty file: DuckDB makes a catalog of it
    if head.startswith(SQLITE_MAGIC):
        raise ResourceError(
            f"catalog {path} is a SQLite database, not a DuckDB one; nothing was changed",
            stage="catalog",
            hint="point `catalog:` in the pipeline file at a new path (unioncat creates "
            "the catalog there), or move that file away",
        )
    if len(head) < 12 or head[8:12] != DUCKDB_MAGIC:
        raise ResourceError(
            f"catalog {path} is not a DuckDB database (it starts with {head[:12]!r}); "
            "nothing was changed",
            stage="catalog",
            hint="point `catalog:` in the pipeline file at a new path (unioncat creates "
            "the catalog there), or move that file away",
        )


def explain(
    exc: BaseException,
    path: Path | None = None,
    *,
    memory_limit: str | None = None,
    stage: str = "catalog",
) -> ResourceError | None:
    """The resource failure ``exc`` reports, in words a cataloger can act on, or None.

    ``path`` is the file the caller was working on, named when the error names none."""
    if isinstance(exc, ResourceError):
        return exc
    text = str(exc)
    low = text.lower()
    named = _named_file(exc) or (str(path) if path else "the catalog")
    if isinstance(exc, (duckdb.OutOfMemoryException, MemoryError)):
        limit = f"memory_limit {memory_limit}" if memory_limit else "its default memory_limit"
        return ResourceError(
            f"DuckDB ran out of memory ({limit}) working on {named}: {_first_line(text)}; "
            "the step that failed committed nothing",
            stage="catalog",
            hint="raise `memory_limit` in the pipeline file (DuckDB spills to disk beyond "
            "it), or lower `workers`, then run the same command again",
        )
    if isinstance(exc, (OSError, duckdb.Error)):
        number = exc.errno if isinstance(exc, OSError) else None
        for numbers, words, cause, fix in _OS_CAUSES:
            if number in numbers or any(w in low for w in words):
                return ResourceError(
                    f"{cause.format(file=named)} ({_first_line(text)})",
                    stage=stage,
                    hint=fix,
                )
    if isinstance(exc, duckdb.Error):
        if "not a valid duckdb database" in low:
            return ResourceError(
                f"catalog {named} is not a DuckDB database; nothing was changed",
                stage="catalog",
                hint="point `catalog:` in the pipeline file at a new path, or move that file away",
            )
        if (
            "corrupt database file" in low
            or "checksum" in low
            or "could not read enough bytes" in low
            or "invalid block" in low
        ):
            return ResourceError(
                f"catalog {named} is damaged: {_first_line(text)}",
                stage="catalog",
                hint="restore it from a backup; or move it away and run `unioncat run` to "
                "build it again from the sources (what only its raw archive held, such as "
                "records a server has since dropped, cannot come back)",
            )
        if "database has been invalidated" in low:
            return ResourceError(
                f"DuckDB gave up on catalog {named} after an earlier failure in this run "
                f"({_first_line(text)}); what committed before it is kept",
                stage="catalog",
                hint="see the error logged before this one for its cause, then run the same "
                "command again",
            )
    return None


def _named_file(exc: BaseException) -> str | None:
    if isinstance(exc, OSError) and exc.filename:
        return str(exc.filename)
    found = _QUOTED_FILE.search(str(exc))
    return found.group(1) if found else None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no detail given"
