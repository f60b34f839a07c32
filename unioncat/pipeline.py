"""Drive the stages: harvest pages, normalize envelopes, commit each page to the catalog.

One failing record is quarantined and the page goes on; one failing source is reported
and the other sources go on.  The outcome of every source ends up in the run summary,
the ``runs`` row and the exit code.
"""

from __future__ import annotations

import logging
import traceback
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from unioncat.catalog.store import Batch, Catalog, Quarantined, WriteCounts
from unioncat.config import PipelineConfig, SourceConfig
from unioncat.errors import UnioncatError
from unioncat.harvest import HARVESTERS, Page, RawEnvelope
from unioncat.log import event
from unioncat.parallel import MappedPage, MapPool
from unioncat.progress import Progress


@dataclass(slots=True)
class SourceOutcome:
    name: str
    status: str = "ok"  # ok, partial (records quarantined), failed
    counts: WriteCounts = field(default_factory=WriteCounts)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "status": self.status,
            **self.counts.as_dict(),
            "error": self.error,
        }


_SEVERITY = {"ok": 0, "partial": 1, "failed": 2}


def merge_outcomes(*groups: list[SourceOutcome]) -> list[SourceOutcome]:
    """One outcome per source: counts added, the worse status kept, errors joined."""
    merged: dict[str, SourceOutcome] = {}
    for group in groups:
        for o in group:
            into = merged.get(o.name)
            if into is None:
                merged[o.name] = SourceOutcome(o.name, o.status, WriteCounts(), o.error)
                merged[o.name].counts.add(o.counts)
                continue
            into.counts.add(o.counts)
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
            f"{source}: quarantined {q.envelope.source_id}: {q.reason}",
            logging.WARNING,
            source=source,
            envelope=q.envelope.source_id,
            reason=q.reason,
            run_id=run_id,
        )


def harvest_source(
    catalog: Catalog,
    source: SourceConfig,
    run_id: str,
    pool: MapPool,
    *,
    normalize: bool = True,
) -> SourceOutcome:
    """Harvest one source page by page; each page commits with its checkpoint.

    Pages are mapped on the pool while the harvester fetches the next ones, and are
    committed strictly in order, so a checkpoint never runs ahead of the data before it.
    """
    outcome = SourceOutcome(source.name)
    catalog.register_source(source.name, source.kind, source.format)
    harvester = HARVESTERS[source.kind]()
    event(
        "source.start",
        f"{source.name}: harvesting ({source.kind}, {source.format})",
        source=source.name,
        run_id=run_id,
    )
    in_flight: deque[tuple[Page, Future[MappedPage] | None]] = deque()

    def commit_next(bar: Progress) -> None:
        page, future = in_flight.popleft()
        batch = Batch(
            run_id=run_id,
            envelopes=page.envelopes,
            state=(source.name, page.state_key, page.state),
            replaces_batch=(source.name, page.replaces_batch) if page.replaces_batch else None,
        )
        if future is not None:
            mapped = future.result()
            batch.table = mapped.table
            batch.envelope_status = mapped.status
            batch.quarantined = mapped.quarantined
        counts = catalog.write(batch)
        outcome.counts.add(counts)
        _log_quarantined(source.name, batch.quarantined, run_id)
        event(
            "page.committed",
            f"{source.name}: committed {len(page.envelopes)} envelopes from {page.label}",
            logging.DEBUG,
            source=source.name,
            batch=page.label,
            state=page.state,
            run_id=run_id,
            **counts.as_dict(),
        )
        bar.advance(len(page.envelopes), page.label)

    try:
        with Progress(source.name) as bar:
            state = catalog.harvest_state(source.name)
            for page in harvester.harvest(source.name, source.options, state):
                future = pool.submit(page.envelopes, source.format) if normalize else None
                in_flight.append((page, future))
                while in_flight and (
                    len(in_flight) > pool.in_flight_limit
                    or in_flight[0][1] is None
                    or in_flight[0][1].done()
                ):
                    commit_next(bar)
            while in_flight:
                commit_next(bar)
    except UnioncatError as exc:
        outcome.status = "failed"
        outcome.error = str(exc)
    except Exception as exc:  # noqa: BLE001  (one broken source must not stop the others)
        outcome.status = "failed"
        outcome.error = f"[harvest] {source.name}: internal error: {type(exc).__name__}: {exc}"
        event(
            "source.bug",
            outcome.error,
            logging.ERROR,
            source=source.name,
            traceback=traceback.format_exc(),
        )
    for _page, future in in_flight:
        if future is not None:
            future.cancel()
    _finish_outcome(outcome)
    catalog.source_outcome(source.name, run_id, outcome.status, outcome.error)
    _log_outcome(outcome, run_id)
    return outcome


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
    return [harvest_source(catalog, s, run_id, pool, normalize=normalize) for s in sources]


def normalize_archived(
    catalog: Catalog,
    config: PipelineConfig,
    run_id: str,
    pool: MapPool,
    *,
    pending_only: bool,
    only: str | None = None,
) -> list[SourceOutcome]:
    """Map archived envelopes again (``normalize``: pending ones; ``renormalize``: all)."""
    formats = {s.name: s.format for s in config.sources}
    outcomes: dict[str, SourceOutcome] = {}
    in_flight: deque[tuple[str, list[RawEnvelope], Future[MappedPage]]] = deque()

    def commit_next(bar: Progress) -> None:
        name, envs, future = in_flight.popleft()
        mapped = future.result()
        batch = Batch(
            run_id=run_id,
            envelopes=envs,
            envelope_status=mapped.status,
            write_raw=False,
            table=mapped.table,
            quarantined=mapped.quarantined,
        )
        outcomes[name].counts.add(catalog.write(batch))
        _log_quarantined(name, batch.quarantined, run_id)
        bar.advance(len(envs), name)

    with Progress("normalize") as bar:
        for chunk in catalog.iter_raw(source=only, pending_only=pending_only):
            by_source: dict[str, list[RawEnvelope]] = {}
            for env in chunk:
                by_source.setdefault(env.source, []).append(env)
            for name, envs in by_source.items():
                outcome = outcomes.setdefault(name, SourceOutcome(name))
                fmt = formats.get(name)
                if fmt is None:
                    outcome.status = "failed"
                    outcome.error = (
                        f"[normalize] {name}: archived envelopes belong to a source that is "
                        "no longer in the pipeline file; add it back to map them"
                    )
                    continue
                in_flight.append((name, envs, pool.submit(envs, fmt)))
                while len(in_flight) > pool.in_flight_limit or in_flight[0][2].done():
                    commit_next(bar)
                    if not in_flight:
                        break
        while in_flight:
            commit_next(bar)
    for outcome in outcomes.values():
        _finish_outcome(outcome)
        _log_outcome(outcome, run_id)
    return list(outcomes.values())
