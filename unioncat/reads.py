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
        return Answer(out=json.dumps(out, indent=2, ensure_ascii=False))
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
    if source and source not in {s.name for s in config.sources} | set(catalog.source_names()):
        return Answer(
            EXIT_USAGE,
            err=f"no source named {source!r}; the pipeline has: "
            + ", ".join(s.name for s in config.sources),
        )
    where, params = ("WHERE source = ?", [source]) if source else ("", [])
    rows = catalog.query(
        "SELECT source, envelope_id, stage, reason, run_id, payload "
        f"FROM quarantine {where} ORDER BY source, batch, position",
        params,
    )
    if not rows:
        return Answer(out="nothing is quarantined" + (f" from {source}" if source else ""))
    lines = [f"{len(rows)} quarantined records:"]
    files: dict[str, bytes] = {}
    for src, env_id, stage, reason, run_id, payload in rows:
        shown = reason if len(reason) <= REASON_SHOWN else reason[:REASON_SHOWN] + "…"
        lines.append(f"  {src} {env_id} (run {run_id}, {stage}): {shown}")
        if args.get("dump"):
            files[dump_name(src, env_id)] = bytes(payload)
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
