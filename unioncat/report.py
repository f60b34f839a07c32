"""Texts for people: the run summary, ``status``, ``show`` and ``quarantine``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from unioncat.catalog import KILLED_MESSAGE, Catalog
from unioncat.catalog.lock import noted_ending
from unioncat.compiled import MARC_PATH
from unioncat.config import PipelineConfig
from unioncat.dedupe.counts import DedupeCounts, describe_counts

if TYPE_CHECKING:
    from unioncat.pipeline import SourceOutcome


def run_summary(
    run_id: str, command: str, outcomes: Sequence[SourceOutcome], extra: dict[str, Any]
) -> str:
    lines = [f"run {run_id} ({command})"]
    for o in outcomes:
        c = o.counts
        if o.status == "failed":
            lines.append(f"  {o.name}: FAILED: {o.error}")
            if c.envelopes:
                lines.append(
                    f"    committed before the failure: {c.envelopes} read, {c.upserted} new "
                    f"or changed, {c.deleted} deleted, {c.quarantined} quarantined"
                )
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
    if "interrupted" in extra:
        lines.append(
            f"  INTERRUPTED {extra['interrupted']}: every page committed before is kept; "
            "run the same command again to go on"
        )
    if "stopped" in extra:
        lines.append(f"  STOPPED: {extra['stopped']}")
    if extra.get("engine") == "spark":
        lines.append("  mapped on Spark (engine: spark), committed here page by page")
    if extra.get("dedupe_engine") == "spark":
        lines.append(
            "  matched on Spark (engine: spark): blocking, scoring and clustering; "
            "cluster ids and writes here"
        )
    if "dedupe" in extra:
        lines.append(f"  dedupe: {describe_counts(DedupeCounts(**extra['dedupe']))}")
    if "export" in extra and "written" in extra:
        done = ", ".join(
            f"{n} {entity} written, {extra['deleted'].get(entity, 0)} deleted"
            for entity, n in extra["written"].items()
        )
        lines.append(f"  export: MARC in {extra['export']}: {done}")
    elif "export" in extra:
        lines.append(f"  export: {extra.get('exported_rows')} records in {extra['export']}")
    return "\n".join(lines)


def status(catalog: Catalog, config: PipelineConfig, *, writer_alive: bool = False) -> str:
    """The catalog at a glance.  Called under the readers' lock, which no writer holds
    at the same time, a run still marked running is one that was killed (the next
    writer marks it so in the catalog); answered by the running writer itself
    (``writer_alive``), the run marked running is that one."""
    lines = [f"catalog {catalog.path}"]
    noted = noted_ending(catalog.path) or {}

    def ended(r: tuple[Any, ...]) -> tuple[Any, ...]:
        if r[4] != "running" or writer_alive:
            return r
        if noted.get("run_id") == r[0]:  # it could not record its ending in the catalog
            return (*r[:4], noted["ended"], noted.get("message"))
        return (*r[:4], "killed", KILLED_MESSAGE)

    runs = [
        ended(r)
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
    conflicts = (
        {r[0]: r[1:] for r in catalog.query(
            "SELECT source, count(DISTINCT record_id), any_value(source_id), any_value(file), "
            "any_value(other_file) FROM conflicts GROUP BY source"
        )}
        if catalog.has_table("conflicts") else {}
    )  # fmt: skip
    for name in names:
        if name not in per_source:
            lines.append(f"  {name}: never harvested")
            continue
        st, err, n, nq, since = per_source[name]
        line = f"  {name}: {st or 'not run'}, {n} records, {nq} quarantined"
        if nq and since is not None:
            line += f" (the first since {since:%Y-%m-%d})"
        conflict = conflicts.get(name)
        if conflict:
            line += (
                f"\n    {conflict[0]} record(s) are given by two files, the last read wins "
                f"(for one, {conflict[1]!r} is in {conflict[2]} and {conflict[3]})"
            )
        if err:
            line += f"\n    error: {err}"
        for warning in _checkpoint_warnings(catalog, name):
            line += f"\n    warning: {warning}"
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
    lines.append(f"MARC path of this install: {MARC_PATH}")
    return "\n".join(lines)


def _checkpoint_warnings(catalog: Catalog, source: str) -> list[str]:
    """What a harvester wrote as its checkpoint's ``warning`` (a Crossref window that
    fell short of its total, say): it stands until a later page clears it."""
    out = []
    for (value,) in catalog.query(
        "SELECT value FROM harvest_state WHERE source = ? ORDER BY key", [source]
    ):
        try:
            state = json.loads(value)
        except (TypeError, ValueError):
            continue  # a checkpoint is the harvester's; an unreadable one is its to refuse
        if isinstance(state, dict) and state.get("warning"):
            out.append(str(state["warning"]))
    return out


def host_text(host: dict[str, Any]) -> str:
    """An article's or chapter's host as a citation reads: ``Coastal morphology review,
    ISSN 2049-3630 (print), 1756-9125 (electronic), v. 27, no. 3, pp. 1-20``."""
    parts = [host["title"]] if host.get("title") else []
    by_scheme: dict[str, list[str]] = {}
    for i in host.get("identifiers") or []:
        said = f"{i['value']} ({i['qualifier']})" if i.get("qualifier") else str(i["value"])
        by_scheme.setdefault(str(i["scheme"]).upper().replace("_", "-"), []).append(said)
    parts += [f"{scheme} {', '.join(values)}" for scheme, values in by_scheme.items()]
    if host.get("volume"):
        parts.append(f"v. {host['volume']}")
    if host.get("issue"):
        parts.append(f"no. {host['issue']}")
    first, last = host.get("first_page"), host.get("last_page")
    if first:
        parts.append(f"pp. {first}-{last}" if last and last != first else f"p. {first}")
    if host.get("id"):
        parts.append(f"record {host['id']}")
    return ", ".join(parts) or _value(host.get("raw"))


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items() if v not in (None, [], ""))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


_RECORD_LABELS = (
    ("id", "id"), ("cluster_id", "work (cluster)"), ("source", "source"),
    ("source_id", "source's id"), ("type", "type"), ("medium", "medium"),
    ("medium_evidence", "medium from"), ("title", "title"), ("subtitle", "subtitle"),
    ("part", "part"), ("title_variants", "other titles"),
    ("title_original_script", "title (original script)"), ("edition", "edition"),
    ("publisher", "publisher"), ("places", "places"), ("date", "date"), ("year", "year"),
    ("extent", "extent"), ("page_count", "pages"), ("language", "language"),
    ("series", "series"), ("host", "in"), ("abstract", "abstract"), ("deleted", "deleted"),
    ("datestamp", "datestamp"), ("harvested_at", "harvested"), ("raw_ref", "from envelope"),
)  # fmt: skip


def record_text(
    record: dict[str, Any],
    history: list[dict[str, Any]],
    holdings: Sequence[dict[str, Any]] = (),
    answer: dict[str, Any] | None = None,
) -> str:
    """One record the way a cataloger reads it: labelled fields, one per line; then who
    holds it, and for an article or a chapter whether a reader can get it."""
    width = max(len(label) for _, label in _RECORD_LABELS) + 1
    lines = []
    for key, label in _RECORD_LABELS:
        value = record.get(key)
        if value in (None, [], "", {}) or (key == "deleted" and not value):
            continue
        said = host_text(value) if key == "host" else _value(value)
        lines.append(f"{label + ':':<{width}} {said}")
    for c in record.get("contributors") or []:
        role = f" ({c['role']})" if c.get("role") else ""
        where = f"; {'; '.join(c['affiliations'])}" if c.get("affiliations") else ""
        lines.append(f"{'name:':<{width}} {c['name']}{role}{where}")
    for i in record.get("identifiers") or []:
        extra = "".join(
            f" ({v})"
            for v in (i.get("qualifier"), None if i["status"] == "valid" else i["status"])
            if v
        )
        lines.append(f"{i['scheme'] + ':':<{width}} {i['value']}{extra}")
    for s in record.get("subjects") or []:
        scheme = f" [{s['scheme']}]" if s.get("scheme") else ""
        lines.append(f"{'subject:':<{width}} {s['term']}{scheme}")
    for a in record.get("access") or []:
        kind = f" ({a['kind']})" if a.get("kind") else ""
        lines.append(f"{'link:':<{width}} {a['url']}{kind}")
    for held in holdings:
        lines.append(f"{'held:':<{width}} {holding_text(held)}")
    if answer is not None:
        lines.append(f"{'can I get it:':<{width}} {answer['summary']}")
        for v in answer["holdings"]:
            mark = "yes" if v["reachable"] else "no"
            lines.append(f"{'':<{width}}   {mark}: {v['form']} at {v['holder'] or '?'}: {v['why']}")
    for h in history:
        lines.append(f"{'history:':<{width}} {h['at']} {h['op']} (run {h['run_id']})")
    return "\n".join(lines)


def holding_text(h: dict[str, Any]) -> str:
    """One holding on one line: form, holder, where, which run, on which terms."""
    parts = [h.get("form") or "unknown", f"at {h.get('holder') or 'an unnamed holder'}"]
    for key, label in (("location", ""), ("call_number", "call number "),
                       ("coverage", ""), ("embargo", "embargo "), ("access_type", ""),
                       ("package", "package "), ("url", "")):  # fmt: skip
        if h.get(key):
            parts.append(f"{label}{h[key]}")
    if h.get("of_record") and h.get("from_record"):
        parts.append(f"(holdings record {h['from_record']})")
    return ", ".join(parts)


def cluster_text(cluster: dict[str, Any]) -> str:
    """A cluster: its merged record, then each member with why it is there."""
    lines = [f"work {cluster['cluster_id']}" + (" (deleted)" if cluster.get("deleted") else "")]
    if cluster.get("asked_for"):
        lines.append(f"  asked for {cluster['asked_for']}")
    for key, value in cluster.get("merged", {}).items():
        source = cluster.get("provenance", {}).get(key)
        origin = f"   [from {source}]" if source else ""
        lines.append(f"  {key + ':':<14} {_value(value)}{origin}")
    lines.append(f"  {len(cluster.get('members', []))} member(s):")
    for m in cluster.get("members", []):
        score = f"{m['score']:+.1f}" if m.get("score") is not None else "  -  "
        lines.append(
            f"  {score}  {m['id']}  {m['source']:<14} {m['medium']:<10} {m['type']:<14} "
            f"{m.get('year') or '':<5} {m.get('title') or ''}"
        )
        for reason in m.get("reasons") or []:
            lines.append(f"          {reason}")
    if cluster.get("retired_ids"):
        lines.append(f"  ids retired into it: {', '.join(cluster['retired_ids'])}")
    if cluster.get("holdings"):
        lines.append("  holdings:")
        lines += [f"    {holding_text(h)}" for h in cluster["holdings"]]
    if cluster.get("articles_by_year"):
        counts = ", ".join(f"{y or 'no year'}: {n}" for y, n in cluster["articles_by_year"])
        lines.append(f"  articles and chapters in the catalog, by year: {counts}")
    return "\n".join(lines)


def found_table(found: Sequence[Any]) -> str:
    """Records found, as a table for a terminal."""
    lines = [f"{'id':<24} {'source':<14} {'type':<16} {'year':<5} title / names"]
    for f in found:
        names = "; ".join(f.names[:2])
        title = (f.title or "")[:60]
        lines.append(
            f"{f.id:<24} {f.source[:14]:<14} {f.type[:16]:<16} {f.year or '':<5} {title}"
            + (f" / {names}" if names else "")
        )
    lines.append(f"{len(found)} record(s), found by {found[0].by if found else 'nothing'}")
    return "\n".join(lines)
