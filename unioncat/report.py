"""Texts for people: the run summary, ``status``, ``show`` and ``quarantine``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unioncat.catalog import KILLED_MESSAGE, RECORD_COLUMNS, Catalog
from unioncat.config import PipelineConfig
from unioncat.dedupe.counts import DedupeCounts, describe_counts
from unioncat.ids import mint_id
from unioncat.pipeline import SourceOutcome


def run_summary(
    run_id: str, command: str, outcomes: Sequence[SourceOutcome], extra: dict[str, Any]
) -> str:
    lines = [f"run {run_id} ({command})"]
    for o in outcomes:
        c = o.counts
        if o.status == "failed":
            lines.append(f"  {o.name}: FAILED: {o.error}")
        else:
            lines.append(
                f"  {o.name}: {o.status.upper() if o.status == 'empty' else o.status}: "
                f"{c.envelopes} read, {c.upserted} new or changed, {c.deleted} deleted, "
                f"{c.unchanged} unchanged, {c.quarantined} quarantined"
            )
        for note in o.notes:
            lines.append(f"    {note}")
        if o.status == "empty":
            lines.append("    (set allow_empty: true on the source if nothing is expected)")
        if o.standing:
            since = f" since {o.standing_since:%Y-%m-%d}" if o.standing_since else ""
            lines.append(
                f"    {o.standing} record(s) still in quarantine{since} "
                f"(`unioncat quarantine --source {o.name}`)"
            )
    if any(o.counts.quarantined or o.standing for o in outcomes):
        lines.append("  quarantined records: `unioncat quarantine` lists them with the reason")
    if "dedupe" in extra:
        lines.append(f"  dedupe: {describe_counts(DedupeCounts(**extra['dedupe']))}")
    if "export" in extra:
        lines.append(f"  export: {extra.get('exported_rows')} records in {extra['export']}")
    return "\n".join(lines)


def status(catalog: Catalog, config: PipelineConfig) -> str:
    """The catalog at a glance.  Called under the readers' lock, which no writer holds
    at the same time: a run still marked running is one that was killed (the next
    writer marks it so in the catalog)."""
    lines = [f"catalog {catalog.path}"]
    runs = [
        (*r[:4], "killed", KILLED_MESSAGE) if r[4] == "running" else r
        for r in catalog.query(
            "SELECT run_id, command, started_at, finished_at, status, message FROM runs "
            "ORDER BY started_at DESC LIMIT 5"
        )
    ]
    if not runs:
        return lines[0] + "\n  no runs yet: `unioncat run` harvests the pipeline's sources"
    last = runs[0]
    lines.append(
        f"last run {last[0]} ({last[1]}): {last[4]}, started {last[2]:%Y-%m-%d %H:%M:%S}"
        + (f", finished {last[3]:%H:%M:%S}" if last[3] else "")
    )
    if last[5]:
        lines.append(f"  {last[5]}")
    totals = catalog.query("SELECT count(*), count(*) FILTER (WHERE deleted) FROM records")[0]
    lines.append(f"records: {totals[0]} ({totals[1]} deleted)")
    if catalog.has_table("clusters"):
        works = catalog.query(
            "SELECT count(*) FILTER (WHERE NOT deleted), "
            "count(*) FILTER (WHERE NOT deleted AND member_count > 1), "
            "(SELECT count(*) FROM match_review WHERE status = 'open') FROM clusters"
        )[0]
        line = f"clusters: {works[0]} ({works[1]} with more than one record)"
        if works[2]:
            line += f"; {works[2]} pairs to review (`unioncat review`)"
        lines.append(line)
    lines.append("sources:")
    first = "first_at" if catalog.has_column("quarantine", "first_at") else '"at"'
    per_source = {
        r[0]: r[1:]
        for r in catalog.query(
            "SELECT s.name, s.last_status, s.last_error, "
            "(SELECT count(*) FROM records r WHERE r.source = s.name), "
            "(SELECT count(*) FROM quarantine q WHERE q.source = s.name), "
            f"(SELECT min({first}) FROM quarantine q WHERE q.source = s.name) FROM sources s"
        )
    }
    names = [s.name for s in config.sources] + sorted(
        set(per_source) - {s.name for s in config.sources}
    )
    for name in names:
        if name not in per_source:
            lines.append(f"  {name}: never harvested")
            continue
        st, err, n, nq, since = per_source[name]
        line = f"  {name}: {st or 'not run'}, {n} records, {nq} quarantined"
        if nq and since is not None:
            line += f" (the first since {since:%Y-%m-%d})"
        if err:
            line += f"\n    error: {err}"
        lines.append(line)
    quarantined = catalog.query("SELECT count(*) FROM quarantine")[0][0]
    if quarantined:
        lines.append(
            f"{quarantined} records are quarantined: `unioncat quarantine` lists each with its "
            "reason; `unioncat quarantine --dump DIR` writes their raw bytes "
            "(table `quarantine` in the catalog)"
        )
    lines.append("recent runs:")
    for r in runs:
        lines.append(f"  {r[0]} {r[1]:<11} {r[4]}")
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def show(catalog: Catalog, key: str) -> str | None:
    cols = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    rows = catalog.query(f"SELECT {cols} FROM records WHERE id = ?", [key])
    if not rows and ":" in key:
        source, source_id = key.split(":", 1)
        rows = catalog.query(
            f"SELECT {cols} FROM records WHERE id = ?", [mint_id(source, source_id)]
        )
    if not rows:
        return None
    record = dict(zip(RECORD_COLUMNS, rows[0], strict=True))
    history = catalog.query(
        'SELECT op, run_id, "at" FROM changes WHERE id = ? ORDER BY seq', [record["id"]]
    )
    out = {
        "record": _jsonable(record),
        "history": [{"op": h[0], "run_id": h[1], "at": h[2].isoformat()} for h in history],
    }
    return json.dumps(out, indent=2, ensure_ascii=False)


def quarantine(catalog: Catalog, source: str | None, dump: Path | None) -> str:
    where, params = ("WHERE source = ?", [source]) if source else ("", [])
    rows = catalog.query(
        "SELECT source, envelope_id, batch, position, stage, reason, run_id, payload "
        f"FROM quarantine {where} ORDER BY source, batch, position",
        params,
    )
    if not rows:
        return "nothing is quarantined"
    lines = [f"{len(rows)} quarantined records:"]
    for src, env_id, _batch, _pos, stage, reason, run_id, payload in rows:
        lines.append(f"  {src} {env_id} (run {run_id}, {stage}): {reason}")
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.\-]+", "_", f"{src}__{env_id}") + ".raw"
            (dump / name).write_bytes(bytes(payload))
    if dump is not None:
        lines.append(f"raw bytes written to {dump}")
    return "\n".join(lines)
