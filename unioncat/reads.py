"""The read-only commands: ``status``, ``show``, ``find`` and ``quarantine``.

Each is a function from a catalog, the pipeline settings and its arguments to an
:class:`Answer` (what to print, and the exit code), so the same code answers whether the
command opens the catalog itself or, while a run holds it, asks the running process
(:mod:`unioncat.read_service`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from unioncat import access, report
from unioncat.catalog import RECORD_COLUMNS, Catalog
from unioncat.catalog.find import Found, find
from unioncat.config import PipelineConfig
from unioncat.dedupe.review import explain_cluster, open_pairs
from unioncat.ids import mint_id

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
REASON_SHOWN = 300  # characters of a quarantine reason printed for people
RAW_FILE = "raw"  # the name of the raw payload among an answer's files (show --raw)


@dataclass(slots=True)
class Answer:
    code: int = EXIT_OK
    out: str = ""
    err: str = ""
    files: dict[str, bytes] = field(default_factory=dict)  # name -> bytes, to write out

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "out": self.out,
            "err": self.err,
            "files": {k: v.hex() for k, v in self.files.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Answer:
        files = {k: bytes.fromhex(v) for k, v in dict(data.get("files") or {}).items()}
        return cls(int(data["code"]), str(data["out"]), str(data["err"]), files)


Read = Callable[[Catalog, PipelineConfig, Mapping[str, Any]], Answer]


def status(catalog: Catalog, config: PipelineConfig, args: Mapping[str, Any]) -> Answer:
    return Answer(out=report.status(catalog, config, writer_alive=bool(args.get("live"))))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _record(catalog: Catalog, key: str) -> dict[str, Any] | None:
    cols = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    rows = catalog.query(f"SELECT {cols} FROM records WHERE id = ?", [key])
    if not rows and ":" in key:
        source, source_id = key.split(":", 1)
        rows = catalog.query(
            f"SELECT {cols} FROM records WHERE id = ?", [mint_id(source, source_id)]
        )
    return dict(zip(RECORD_COLUMNS, rows[0], strict=True)) if rows else None


def _raw_of(catalog: Catalog, record_id: str) -> dict[str, Any] | None:
    """The archived envelope a record was mapped from: what the source sent."""
    rows = catalog.query(
        "SELECT raw.source, raw.envelope_id, raw.batch, raw.format, raw.fetched_at, "
        "raw.payload FROM records JOIN raw ON raw.source = records.source "
        "AND raw.envelope_id = records.envelope_id WHERE records.id = ?",
        [record_id],
    )
    if not rows:
        return None
    source, envelope_id, batch, fmt, fetched_at, payload = rows[0]
    return {
        "source": source, "envelope_id": envelope_id, "batch": batch, "format": fmt,
        "fetched_at": fetched_at.isoformat() if fetched_at else None, "size": len(payload),
        "payload": bytes(payload),
    }  # fmt: skip


def show(catalog: Catalog, config: PipelineConfig, args: Mapping[str, Any]) -> Answer:
    key = str(args["id"])
    record = _record(catalog, key)
    if record is not None:
        history = [
            {"op": h[0], "run_id": h[1], "at": h[2].isoformat()}
            for h in catalog.query(
                'SELECT op, run_id, "at" FROM changes WHERE id = ? ORDER BY seq', [record["id"]]
            )
        ]
        held = access.holdings(catalog, record_id=record["id"])
        answer = access.access_answer(catalog, record, datetime.now(UTC).date())
        if args.get("text"):
            return Answer(out=report.record_text(record, history, held, answer))
        out = {"record": _jsonable(record), "history": history, "holdings": _jsonable(held)}
        if answer is not None:
            out["access"] = answer
        files: dict[str, bytes] = {}
        if args.get("raw"):
            raw = _raw_of(catalog, record["id"])
            if raw is not None:
                out["raw"] = {k: v for k, v in raw.items() if k != "payload"}
                files[RAW_FILE] = raw["payload"]
        return Answer(out=json.dumps(out, indent=2, ensure_ascii=False), files=files)
    cluster = explain_cluster(catalog, key)
    if cluster is not None:
        cluster["holdings"] = _jsonable(access.holdings(catalog, cluster_id=cluster["cluster_id"]))
        cluster["articles_by_year"] = access.articles_by_year(catalog, cluster["cluster_id"])
        if args.get("text"):
            return Answer(out=report.cluster_text(cluster))
        return Answer(out=json.dumps(cluster, indent=2, ensure_ascii=False, default=str))
    return Answer(
        EXIT_NOT_FOUND,
        err=f"no record or cluster with id {key!r} (try `unioncat find {key}` or "
        "`unioncat show SOURCE:SOURCE_ID`)",
    )


def _found_json(f: Found) -> str:
    return json.dumps(
        {
            "id": f.id, "source": f.source, "source_id": f.source_id, "type": f.type,
            "medium": f.medium, "year": f.year, "title": f.title, "names": f.names,
            "cluster_id": f.cluster_id, "found_by": f.by,
        },
        ensure_ascii=False,
    )  # fmt: skip


def find_records(catalog: Catalog, config: PipelineConfig, args: Mapping[str, Any]) -> Answer:
    query = str(args["query"])
    if not query.strip():
        return Answer(EXIT_USAGE, err="find: give an identifier or words to look for")
    found = find(
        catalog.db,
        query,
        source=args.get("source"),
        rtype=args.get("type"),
        limit=int(args.get("limit") or 20),
    )
    if not found:
        return Answer(EXIT_NOT_FOUND, err=f"nothing found for {query!r}")
    if args.get("table"):
        return Answer(out=report.found_table(found))
    return Answer(out="\n".join(_found_json(f) for f in found))


def dump_name(source: str, envelope_id: str) -> str:
    """A file name for a quarantined record's bytes: readable, and never the same for
    two records (the sanitized names of ``a/b`` and ``a_b`` would be)."""
    readable = re.sub(r"[^A-Za-z0-9_.\-]+", "_", f"{source}__{envelope_id}")[:100]
    digest = hashlib.sha1(f"{source}\x1f{envelope_id}".encode(), usedforsecurity=False)
    return f"{readable}-{digest.hexdigest()[:10]}.raw"


def quarantine(catalog: Catalog, config: PipelineConfig, args: Mapping[str, Any]) -> Answer:
    source = args.get("source")
    known = {s.name for s in config.sources} | set(catalog.source_names())
    if source and not args.get("envelope") and source not in known:
        return Answer(
            EXIT_USAGE,
            err=f"no source named {source!r}; the pipeline has: "
            + ", ".join(s.name for s in config.sources),
        )
    where, params = ("WHERE source = ?", [source]) if source else ("", [])
    if args.get("envelope"):
        where += (" AND " if where else "WHERE ") + "envelope_id = ?"
        params.append(str(args["envelope"]))
    rows = catalog.query(
        'SELECT source, envelope_id, stage, reason, run_id, payload, "at", first_at '
        f"FROM quarantine {where} ORDER BY source, batch, position",
        params,
    )
    files = {dump_name(r[0], r[1]): bytes(r[5]) for r in rows} if args.get("dump") else {}
    if args.get("json"):
        entries = [
            {"source": r[0], "envelope_id": r[1], "stage": r[2], "reason": r[3],
             "run_id": r[4], "size": len(r[5]), "at": r[6].isoformat() if r[6] else None,
             "first_at": r[7].isoformat() if r[7] else None}
            for r in rows
        ]  # fmt: skip
        return Answer(out="\n".join(json.dumps(e, ensure_ascii=False) for e in entries),
                      files=files)  # fmt: skip
    if not rows:
        return Answer(out="nothing is quarantined" + (f" from {source}" if source else ""))
    lines = [f"{len(rows)} quarantined records:"]
    for src, env_id, stage, reason, run_id, *_ in rows:
        shown = reason if len(reason) <= REASON_SHOWN else reason[:REASON_SHOWN] + "…"
        lines.append(f"  {src} {env_id} (run {run_id}, {stage}): {shown}")
    return Answer(out="\n".join(lines), files=files)


def review(catalog: Catalog, config: PipelineConfig, args: Mapping[str, Any]) -> Answer:
    pairs = open_pairs(catalog, int(args.get("limit") or 50))
    return Answer(
        out="\n".join(json.dumps(pair, ensure_ascii=False) for pair in pairs),
        err=f"{len(pairs)} pair(s) to review; decide with "
        "`unioncat review accept|reject RECORD_A RECORD_B`",
    )


def resolve(catalog: Catalog, config: PipelineConfig, args: Mapping[str, Any]) -> Answer:
    """An OpenURL answered from the catalog (``unioncat resolve``, the server's /resolve)."""
    from unioncat import openurl

    today = date.fromisoformat(args["date"]) if args.get("date") else datetime.now(UTC).date()
    result = openurl.resolve(catalog, str(args["kev"]), today, config.access)
    if args.get("html"):
        return Answer(out=openurl.page(result))
    return Answer(out=json.dumps(result, ensure_ascii=False, indent=2))


def oai(catalog: Catalog, config: PipelineConfig, args: Mapping[str, Any]) -> Answer:
    """An OAI-PMH request of ``serve-oai``, answered by the run that holds the catalog."""
    from unioncat.provider.request import answer

    document, error = answer(
        catalog, config.oai_provider, args["arguments"], args["base_url"], config.access
    )
    return Answer(out=document, err=error or "")


def collection_report(catalog: Catalog, config: PipelineConfig, args: Mapping[str, Any]) -> Answer:
    """``unioncat report``: the page and its tables, as files for the command to write."""
    from unioncat import overview

    if args.get("page_only"):  # the page alone, linking to no files (the workbench's)
        now = datetime.now(UTC)
        state = overview.state(catalog, now.date())
        if args.get("unless_state") == state:  # the asker has this page already
            return Answer(out=state)
        tables = overview.compute(catalog, now.date())
        page = overview.render(
            tables, catalog_name=config.catalog.name, made_at=now, files_folder=None
        )
        return Answer(out=state, files={overview.PAGE: page.encode("utf-8")})
    made = overview.report_files(catalog, config.catalog.name, datetime.now(UTC))
    return Answer(
        out=f"collection report: {len(made) - 1} files beside {overview.PAGE}", files=made
    )


READS: dict[str, Read] = {
    "report": collection_report,
    "oai": oai,
    "resolve": resolve,
    "review": review,
    "status": status,
    "show": show,
    "find": find_records,
    "quarantine": quarantine,
}
