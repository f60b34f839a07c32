"""The ``files`` harvester: file drops from local paths, globs and http(s) URLs.

A file is cut into records by a framer of the source's format (:mod:`unioncat.framing`)
and committed in pages of ``page_size`` records with a checkpoint :class:`FileState`: a
file already complete with the same content is skipped, so the nightly run is
idempotent, and a run killed mid-file resumes after the last committed page.  A changed
file replaces the raw envelopes it gave before.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ClassVar

from unioncat.bounds import bounded
from unioncat.contracts import Page, RawEnvelope, SourceSpec
from unioncat.errors import SourceError
from unioncat.framing import Frame, check_file_format, frame_file, noting_repairs
from unioncat.harvest.base import register
from unioncat.log import event
from unioncat.redact import redact_url


@dataclass(slots=True)
class FilesOptions:
    """Options of a ``files`` source in pipelines.yaml."""

    ALIASES: ClassVar[dict[str, str]] = {"batch_size": "page_size"}

    paths: list[str] = field(default_factory=list)
    page_size: int = bounded(1000, 1, 1_000_000, unit="records")
    timeout: float = bounded(60.0, 0, 3600, low_open=True, unit="seconds")
    base_dir: str = "."
    # a new version of a file withdraws the records it no longer gives, up to this share
    # of the file's records at once (a file cut short must not empty the catalog)
    sweep_max_fraction: float = bounded(0.2, 0, 1, low_open=True)
    # ... and of the source's records within this many days, however they are deleted
    deletion_window_days: float = bounded(7.0, 0, 366, unit="days")


def _is_url(path: str) -> bool:
    return path.startswith(("http://", "https://"))


def _has_magic(path: str) -> bool:
    return any(c in path for c in "*?[")


def resolve_paths(
    options: FilesOptions, source: str, config_file: str = "the pipeline file"
) -> tuple[list[str], list[str]]:
    """Expand globs in a stable order; returns the files and the globs that matched
    none.  A named file that is missing fails the source."""
    out: list[str] = []
    missing: list[str] = []
    unmatched: list[str] = []
    for entry in options.paths:
        if _is_url(entry):
            out.append(entry)
            continue
        full = entry if os.path.isabs(entry) else os.path.join(options.base_dir, entry)
        if _has_magic(entry):
            found = sorted(p for p in glob.glob(full, recursive=True) if os.path.isfile(p))
            out.extend(found)
            if not found:
                unmatched.append(entry)
        elif os.path.isfile(full):
            out.append(full)
        else:
            missing.append(full)
    if missing:
        raise SourceError(
            f"input file not found: {', '.join(missing)}",
            stage="harvest",
            source=source,
            hint=f"correct the path in {config_file} or put the file in place",
        )
    return list(dict.fromkeys(out)), unmatched


def _download(url: str, timeout: float, source: str) -> IO[bytes]:
    import requests  # only a source that names a URL pays for the HTTP client

    try:
        resp = requests.get(url, stream=True, timeout=timeout)
    except requests.RequestException as exc:
        raise SourceError(f"cannot fetch {url}: {exc}", stage="harvest", source=source) from exc
    if resp.status_code != 200:
        raise SourceError(
            f"cannot fetch {url}: HTTP {resp.status_code}", stage="harvest", source=source
        )
    tmp = tempfile.TemporaryFile()
    try:
        with resp:
            for chunk in resp.iter_content(1 << 20):
                tmp.write(chunk)
    except requests.RequestException as exc:
        tmp.close()
        raise SourceError(
            f"download of {url} broke off: {exc}",
            stage="harvest",
            source=source,
            hint="nothing of this file was kept; the next run fetches it again",
        ) from exc
    tmp.seek(0)
    return tmp


def frame_envelope(
    source: str, name: str, wire: str, frame: Frame, fetched_at: datetime
) -> RawEnvelope:
    """The envelope of one framed record of a file: named by the file and its place.
    Positional, in the fields' order (tests/test_schema.py holds it): a class called
    with keywords gets them as a dict, which cost a third of framing a record."""
    position = frame.position
    return RawEnvelope(
        source, f"{name}#{position}", wire, frame.payload, fetched_at,
        None, False, name, position, frame.error,
    )  # fmt: skip


def batch_name(path: str, base_dir: str) -> str:
    """How a file is named in the catalog: relative to the pipeline file when inside it;
    a URL with its credentials masked (the name lands in ids, checkpoints and exports)."""
    if _is_url(path):
        return redact_url(path)
    try:
        return str(Path(path).resolve().relative_to(Path(base_dir).resolve()))
    except ValueError:
        return str(Path(path).resolve())


@dataclass(frozen=True, slots=True)
class FileState:
    """The checkpoint of one file: its content, how many records are committed, and
    whether it was read to its end.  Stored as JSON under ``file:<name>``."""

    sha256: str
    records_done: int = 0
    complete: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> FileState | None:
        if not data or "sha256" not in data:
            return None
        done = int(data.get("records_done", 0))
        return cls(str(data["sha256"]), done, bool(data.get("complete")))

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "records_done": self.records_done, "complete": self.complete}


@register
class FilesHarvester:
    kind: ClassVar[str] = "files"
    options: ClassVar[type] = FilesOptions

    def __init__(self) -> None:
        self._done = 0  # bytes of the files read (or skipped) so far, for the progress bar
        self._total: int | None = None

    @staticmethod
    def check_format(fmt: str, where: str) -> None:
        """Files can only be read in a format that has a framer."""
        check_file_format(fmt, where)

    def harvest(self, spec: SourceSpec, state: Mapping[str, Mapping[str, Any]]) -> Iterator[Page]:
        source, options = spec.name, spec.options
        failed: list[str] = []
        paths, unmatched = resolve_paths(options, source, spec.config_file)
        for pattern in unmatched:
            yield Page([], None, {}, label=pattern, gave_nothing=f"{pattern} matches no file")
        sizes = {p: os.path.getsize(p) for p in paths if not _is_url(p)}
        self._total = sum(sizes.values()) or None
        self._done = 0
        for path in paths:
            try:
                yield from self._harvest_one(spec, path, state)
                self._done += sizes.get(path, 0)
            except SourceError as exc:  # one file that cannot be read keeps the others
                event("file.failed", str(exc), logging.ERROR, source=source)
                failed.append(exc.message)
        if failed:
            raise SourceError(
                f"{len(failed)} file(s) could not be read: {'; '.join(failed)}",
                stage="harvest",
                source=source,
                hint="the other files were harvested; the next run tries these again",
            )

    def _harvest_one(
        self, spec: SourceSpec, path: str, state: Mapping[str, Mapping[str, Any]]
    ) -> Iterator[Page]:
        source, options = spec.name, spec.options
        name = batch_name(path, options.base_dir)
        key = f"file:{name}"
        if _is_url(path):
            handle = _download(path, options.timeout, source)
        else:
            handle = open(path, "rb")
        with handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            sha = digest.hexdigest()
            handle.seek(0)

            def progress() -> tuple[int, int | None, str]:
                return (self._done + handle.tell(), self._total, "B")

            prev = FileState.from_json(state.get(key))
            same = prev is not None and prev.sha256 == sha
            if same and prev is not None and prev.complete:
                return
            skip = prev.records_done if same and prev is not None else 0
            replaces = None if same else name
            fetched_at = datetime.now(UTC)
            wire, frames = frame_file(handle, spec.format)
            frames = noting_repairs(frames, source, name)
            page: list[RawEnvelope] = []
            done = 0
            for frame in frames:
                done = frame.position + 1
                if frame.position < skip:
                    continue
                page.append(frame_envelope(source, name, wire, frame, fetched_at))
                if len(page) >= options.page_size:
                    yield Page(
                        page,
                        key,
                        FileState(sha, done, False).to_json(),
                        replaces_batch=replaces,
                        label=name,
                        file=name,
                        progress=progress(),
                    )
                    replaces = None
                    page = []
            yield Page(
                page,
                key,
                FileState(sha, max(done, skip), True).to_json(),
                replaces_batch=replaces,
                label=name,
                file=name,
                file_complete=True,
                sweep_limit=options.sweep_max_fraction,
                gave_nothing=None if done else f"{name} holds no record",
                progress=progress(),
            )
