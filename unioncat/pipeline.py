"""Drive the stages: harvest pages, normalize envelopes, commit each page to the catalog.

One failing record is quarantined and the page goes on; one failing source is reported
and the other sources go on.  The outcome of every source ends up in the run summary,
the ``runs`` row and the exit code.
"""

from __future__ import annotations

import logging
import queue
import threading
import traceback
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unioncat import interrupts
from unioncat.catalog import Catalog, PageWrite, WriteCounts, is_superseded
from unioncat.config import PipelineConfig, SourceConfig
from unioncat.contracts import Page, Quarantined, RawEnvelope, SourceStatus
from unioncat.errors import SourceError, UnioncatError
from unioncat.harvest import HARVESTERS
from unioncat.harvest.http import STOPPING
from unioncat.log import event
from unioncat.parallel import MappedPage, MapPool, PagePool
from unioncat.progress import Progress


@dataclass(slots=True)
class SourceOutcome:
    """What one run did with one source.

    ``notes`` say why a source gave nothing (a glob that matched no file, an empty
    file); ``standing`` counts its records that were quarantined before this run and
    still are, quarantined first at ``standing_since``."""

    name: str
    status: SourceStatus = "ok"  # partial: records quarantined; empty: nothing was given
    counts: WriteCounts = field(default_factory=WriteCounts)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    standing: int = 0
    standing_since: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "status": self.status,
            **self.counts.as_dict(),
            "error": self.error,
            "notes": self.notes,
            "standing_quarantined": self.standing,
            "standing_since": self.standing_since.isoformat() if self.standing_since else None,
        }


_SEVERITY = {"ok": 0, "empty": 1, "partial": 1, "interrupted": 2, "failed": 3}


def merge_outcomes(*groups: list[SourceOutcome]) -> list[SourceOutcome]:
    """One outcome per source: counts added, the worse status kept, errors joined."""
    merged: dict[str, SourceOutcome] = {}
    for group in groups:
        for o in group:
            into = merged.get(o.name)
            if into is None:
                merged[o.name] = SourceOutcome(o.name, o.status, WriteCounts(), o.error,
                                               list(o.notes))  # fmt: skip
                merged[o.name].counts.add(o.counts)
                continue
            into.counts.add(o.counts)
            into.notes += [n for n in o.notes if n not in into.notes]
            if _SEVERITY[o.status] > _SEVERITY[into.status]:
                into.status = o.status
            if o.error:
                into.error = f"{into.error}; {o.error}" if into.error else o.error
    return list(merged.values())


def _finish_outcome(outcome: SourceOutcome) -> None:
    if outcome.status == "ok" and outcome.counts.quarantined:
        outcome.status = "partial"


def _log_quarantined(source: str, quarantined: list[Quarantined], run_id: str) -> None:
    for q in quarantined:
        event(
            "record.quarantined",
            f"{source}: quarantined {q.envelope.envelope_id}: {q.reason}",
            logging.WARNING,
            source=source,
            envelope=q.envelope.envelope_id,
            reason=q.reason,
            run_id=run_id,
        )


class _Harvest:
    """Sources harvested on threads (network and file I/O overlap), pages mapped on the
    process pool, and every page committed here, on the one thread that owns the catalog,
    in the order each source produced them."""

    def __init__(
        self,
        catalog: Catalog,
        config: PipelineConfig,
        sources: list[SourceConfig],
        run_id: str,
        pool: MapPool,
        normalize: bool,
    ) -> None:
        self.catalog = catalog
        self.config = config
        self.sources = sources
        self.run_id = run_id
        self.pool = pool
        self.normalize = normalize
        self.outcomes = {s.name: SourceOutcome(s.name) for s in sources}
        self.states: dict[str, dict[str, dict[str, Any]]] = {}
        self.inbox: queue.Queue[tuple[str, SourceConfig, Any]] = queue.Queue(maxsize=16)
        self.stop = threading.Event()
        self.in_flight: deque[tuple[SourceConfig, Any, Future[MappedPage] | None]] = deque()
        self.broken: set[str] = set()  # sources whose pages stop committing
        self.finished: set[str] = set()  # sources whose last page has committed

    def _put(self, item: tuple[str, SourceConfig, Any]) -> bool:
        while not self.stop.is_set():
            try:
                self.inbox.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, source: SourceConfig) -> None:
        """Runs on a harvest thread: speaks the protocol, never touches the catalog."""
        event(
            "source.start",
            f"{source.name}: harvesting ({source.kind}, {source.format})",
            source=source.name,
            run_id=self.run_id,
        )
        try:
            harvester = HARVESTERS[source.kind]()
            for page in harvester.harvest(source.spec, self.states[source.name]):
                if source.name in self.broken or not self._put(("page", source, page)):
                    break
            self._put(("done", source, None))
        except UnioncatError as exc:
            self._put(("failed", source, str(exc)))
        except Exception as exc:  # noqa: BLE001  (one broken source must not stop the others)
            message = f"[harvest] {source.name}: internal error: {type(exc).__name__}: {exc}"
            event(
                "source.bug",
                message,
                logging.ERROR,
                source=source.name,
                traceback=traceback.format_exc(),
            )
            self._put(("failed", source, message))

    def _commit_next(self, bar: Progress) -> None:
        source, item, future = self.in_flight.popleft()
        outcome = self.outcomes[source.name]
        if isinstance(item, tuple):  # the end of a source: ("done"|"failed", error)
            kind, error = item
            if kind == "failed":
                outcome.status = "failed"
                outcome.error = f"{outcome.error}; {error}" if outcome.error else error
            _finish_outcome(outcome)
            self.catalog.source_outcome(source.name, self.run_id, outcome.status, outcome.error)
            _log_outcome(outcome, self.run_id)
            self.finished.add(source.name)
            return
        page: Page = item
        if source.name in self.broken:
            return  # an earlier page of this source failed: later ones must not commit
        try:
            self._commit_page(source, page, future, bar)
        except SourceError as exc:  # the catalog refused the page on purpose, and said why
            self.broken.add(source.name)
            outcome.status = "failed"
            outcome.error = str(exc)
        except Exception as exc:  # one source's failure must not stop the run
            if interrupts.requested():
                # a second signal interrupted the statement: not the source's failure
                raise KeyboardInterrupt from exc
            self.broken.add(source.name)
            outcome.status = "failed"
            resource = self.catalog.explain(exc)
            if resource is not None:
                # a full disk or a damaged catalog fails every source the same way
                outcome.error = f"page {page.label} was not committed: {resource}"
                resource.context["outcomes"] = list(self.outcomes.values())
                raise resource from exc
            outcome.error = (
                f"[commit] {source.name}: page {page.label} could not be committed: "
                f"{type(exc).__name__}: {exc}; the next run resumes before it"
            )
            event(
                "source.bug",
                outcome.error,
                logging.ERROR,
                source=source.name,
                traceback=traceback.format_exc(),
            )

    def _commit_page(
        self, source: SourceConfig, page: Page, future: Future[MappedPage] | None, bar: Progress
    ) -> None:
        outcome = self.outcomes[source.name]
        if page.gave_nothing:
            outcome.notes.append(page.gave_nothing)
        write = PageWrite(
            run_id=self.run_id,
            envelopes=page.envelopes,
            state=(source.name, page.state_key, page.state) if page.state_key else None,
            replaces_batch=(source.name, page.replaces_batch) if page.replaces_batch else None,
            present_ids=(source.name, page.present_ids) if page.present_ids is not None else None,
            sweep_limit=page.sweep_limit,
            file=(source.name, page.file) if page.file else None,
            file_complete=page.file_complete,
            resolved=(source.name, page.resolved) if page.resolved else None,
        )
        guard = self.config.deletion_guard(source.name)
        if guard is None:
            write.sweep_limit = None  # --allow-deletions: this run lets them through
        else:
            write.guard = (source.name, guard)
        if future is not None:
            mapped = future.result()
            write.table = mapped.table
            write.envelope_status = mapped.status
            write.quarantined = mapped.quarantined
        else:  # harvest only: what could not even be framed is quarantined all the same
            for env in page.envelopes:
                if env.error:
                    write.quarantined.append(Quarantined(env, env.error, stage="harvest"))
                    write.envelope_status[env.envelope_id] = "quarantined"
        counts = self.catalog.write(write)
        outcome.counts.add(counts)
        _log_quarantined(source.name, write.quarantined, self.run_id)
        event(
            "page.committed",
            f"{source.name}: committed {len(page.envelopes)} envelopes from {page.label}",
            logging.DEBUG,
            source=source.name,
            batch=page.label,
            state=page.state,
            run_id=self.run_id,
            **counts.as_dict(),
        )
        if page.progress is not None:
            bar.reach(source.name, *page.progress, postfix=page.label)
        else:
            bar.advance(len(page.envelopes), page.label, key=source.name)

    def _ready(self, draining: bool) -> bool:
        if not self.in_flight:
            return False
        head = self.in_flight[0][2]
        return (
            draining
            or head is None
            or head.done()
            or (len(self.in_flight) > self.pool.in_flight_limit)
        )

    def run(self, parallel_sources: int) -> list[SourceOutcome]:
        for s in self.sources:
            self.catalog.register_source(s.name, s.kind, s.format, s.holder)
            self.states[s.name] = self.catalog.harvest_state(s.name)
        remaining = len(self.sources)
        STOPPING.clear()
        threads = ThreadPoolExecutor(
            max_workers=max(1, min(parallel_sources, len(self.sources))),
            thread_name_prefix="harvest",
        )
        try:
            for s in self.sources:
                threads.submit(self._produce, s)
            with Progress("harvest") as bar:
                while remaining or self.in_flight:
                    if interrupts.requested():
                        break  # pages not committed yet are harvested again next run
                    while self._ready(draining=remaining == 0) and not interrupts.requested():
                        self._commit_next(bar)
                    if not remaining:
                        continue
                    try:
                        kind, source, payload = self.inbox.get(timeout=0.05)
                    except queue.Empty:
                        continue
                    if kind == "page":
                        future = (
                            self.pool.submit(
                                payload.envelopes, source.format, settings=source.format_settings
                            )
                            if self.normalize
                            else None
                        )
                        self.in_flight.append((source, payload, future))
                    else:
                        remaining -= 1
                        self.in_flight.append((source, (kind, payload), None))
        finally:
            self.stop.set()
            STOPPING.set()
            for _source, _item, future in self.in_flight:
                if future is not None:
                    future.cancel()
            # Stopping, a harvest thread may be inside a request: it gives up at the
            # next bytes (STOPPING) or its timeout, and no page of it commits.
            threads.shutdown(wait=not interrupts.requested(), cancel_futures=True)
            if not interrupts.requested():
                STOPPING.clear()  # every harvest thread has ended
        outcomes = [self.outcomes[s.name] for s in self.sources]
        if interrupts.requested():
            for o in outcomes:
                if o.name not in self.finished:
                    o.status = "interrupted"
                    self.catalog.source_outcome(o.name, self.run_id, o.status, o.error)
            interrupts.check("while harvesting", outcomes=outcomes)
        return outcomes


def _log_outcome(outcome: SourceOutcome, run_id: str) -> None:
    c = outcome.counts
    if outcome.status == "failed":
        event(
            "source.failed",
            f"{outcome.name}: FAILED: {outcome.error}",
            logging.ERROR,
            run_id=run_id,
            **outcome.as_dict(),
        )
        return
    event(
        "source.done",
        f"{outcome.name}: {c.envelopes} envelopes, {c.upserted} new or changed, "
        f"{c.deleted} deleted, {c.unchanged} unchanged, {c.quarantined} quarantined",
        logging.WARNING if c.quarantined else logging.INFO,
        run_id=run_id,
        **outcome.as_dict(),
    )


def harvest_all(
    catalog: Catalog,
    config: PipelineConfig,
    run_id: str,
    pool: MapPool,
    *,
    only: str | None = None,
    normalize: bool = True,
) -> list[SourceOutcome]:
    sources = [config.source(only)] if only else [s for s in config.sources if s.enabled]
    return _Harvest(catalog, config, sources, run_id, pool, normalize).run(config.parallel_sources)


def normalize_archived(
    catalog: Catalog,
    config: PipelineConfig,
    run_id: str,
    pool: PagePool,
    *,
    pending_only: bool,
    only: str | None = None,
) -> list[SourceOutcome]:
    """Map archived envelopes again (``normalize``: pending ones; ``renormalize``: all).

    Envelopes of a file are mapped as a harvest would map them: the records each gives
    are noted, and once every archived envelope of a file read to its end is mapped, the
    records the file no longer gives are withdrawn (so ``harvest`` then ``normalize``
    agrees with ``run``)."""
    formats = {s.name: s.format for s in config.sources}
    settings = {s.name: s.format_settings for s in config.sources}
    file_sources = {s.name: s for s in config.sources if s.kind == "files"}
    outcomes: dict[str, SourceOutcome] = {}
    in_flight: deque[tuple[str, list[RawEnvelope], Future[MappedPage]]] = deque()
    mapped_files: dict[str, set[str]] = {}

    def commit_next(bar: Progress) -> None:
        name, envs, future = in_flight.popleft()
        batch = envs[0].batch if name in file_sources else None
        if is_superseded(batch):
            batch = None  # an earlier version of a file: it gives records, no withdrawal
        try:
            mapped = future.result()
            write = PageWrite(
                run_id=run_id,
                envelopes=envs,
                envelope_status=mapped.status,
                write_raw=False,
                table=mapped.table,
                quarantined=mapped.quarantined,
                file=(name, batch) if batch else None,
            )
            guard = config.deletion_guard(name)
            if guard is not None:
                write.guard = (name, guard)
            outcomes[name].counts.add(catalog.write(write))
        except Exception as exc:  # the other chunks and sources go on
            if interrupts.requested():
                raise KeyboardInterrupt from exc  # a second signal: not the records' fault
            outcome = outcomes[name]
            outcome.status = "failed"
            resource = catalog.explain(exc)
            if resource is not None:  # the machine, not the records: stop here
                outcome.error = f"{len(envs)} archived records stay pending: {resource}"
                resource.context["outcomes"] = list(outcomes.values())
                raise resource from exc
            outcome.error = (
                f"[normalize] {name}: {len(envs)} archived records could not be mapped: "
                f"{type(exc).__name__}: {exc}; they stay pending for the next normalize"
            )
            event(
                "source.bug",
                outcome.error,
                logging.ERROR,
                source=name,
                traceback=traceback.format_exc(),
            )
            return
        _log_quarantined(name, write.quarantined, run_id)
        if batch:
            mapped_files.setdefault(name, set()).add(batch)
        bar.advance(len(envs), key=name)

    with Progress("normalize") as bar:
        for chunk in catalog.iter_raw(source=only, pending_only=pending_only):
            if interrupts.requested():
                break
            # one page per source and file: a file's pages note what it gives
            by_source: dict[tuple[str, str | None], list[RawEnvelope]] = {}
            for env in chunk:
                by_source.setdefault((env.source, env.batch), []).append(env)
            for (name, _batch), envs in by_source.items():
                outcome = outcomes.setdefault(name, SourceOutcome(name))
                fmt = formats.get(name)
                if fmt is None:
                    outcome.status = "failed"
                    outcome.error = (
                        f"[normalize] {name}: archived envelopes belong to a source that is "
                        "no longer in the pipeline file; add it back to map them"
                    )
                    continue
                in_flight.append((name, envs, pool.submit(envs, fmt, settings=settings.get(name))))
                while len(in_flight) > pool.in_flight_limit or in_flight[0][2].done():
                    commit_next(bar)
                    if not in_flight:
                        break
        while in_flight and not interrupts.requested():
            commit_next(bar)
    if interrupts.requested():
        for f in in_flight:
            f[2].cancel()
        for outcome in outcomes.values():
            outcome.status = "interrupted"
        # envelopes not mapped yet stay pending; files are withdrawn from once all
        # their envelopes are mapped, by the run that finishes
        interrupts.check("while mapping archived records", outcomes=list(outcomes.values()))
    for name, files in mapped_files.items():
        outcome = outcomes[name]
        guard = config.deletion_guard(name)
        limit = guard.fraction if guard is not None else None
        for batch in sorted(files):
            try:
                outcome.counts.deleted += catalog.withdraw_file(name, batch, limit, run_id, guard)
            except SourceError as exc:  # a withdrawal too large is refused, and said
                outcome.status = "failed"
                outcome.error = str(exc)
    for outcome in outcomes.values():
        _finish_outcome(outcome)
        _log_outcome(outcome, run_id)
    return list(outcomes.values())


def settle(
    catalog: Catalog,
    config: PipelineConfig,
    outcomes: list[SourceOutcome],
    run_id: str,
    *,
    harvested: bool,
) -> list[SourceOutcome]:
    """The final word on each source, once everything of the run is committed.

    A harvested source that gave nothing where something was due (a glob that matched no
    file, a file with no record, or a source with no record in the catalog at all) is
    ``empty``, unless it sets ``allow_empty``.  Records quarantined by earlier runs that
    still are count as standing, so the run summary and ``status`` keep naming them."""
    allowed = {s.name: s.allow_empty for s in config.sources}
    for o in outcomes:
        if harvested and o.status == "ok" and o.counts.envelopes == 0:
            nothing = o.notes or (
                ["it has given no record yet"] if catalog.record_count(o.name) == 0 else []
            )
            if nothing and not allowed.get(o.name, False):
                o.status = "empty"
                o.notes = nothing
        o.standing, o.standing_since = catalog.standing_quarantine(o.name, run_id)
        catalog.source_outcome(o.name, run_id, o.status, o.error)
        if o.status == "empty":
            event(
                "source.empty",
                f"{o.name}: gave nothing: {'; '.join(o.notes)} (set allow_empty: true on the "
                "source if that is expected)",
                logging.WARNING,
                source=o.name,
                run_id=run_id,
            )
    return outcomes
