"""A local server that answers ``/works`` as Crossref's REST API does.

Its works are the real ones recorded in ``../shared/data/vendor/crossref`` (the API
cassettes, the fixtures and ``crossref.ldj``) and, for volume, works generated from them:
a real work copied with a new DOI, title, ISSN and index date.  It behaves like Crossref
where a harvester can tell: filters by Crossref's names (an unknown one is a 400 with
Crossref's ``validation-failure`` document), ``rows`` up to 1000, cursor deep paging
(``cursor=*``, then ``next-cursor``, opaque tokens with ``+``, ``/`` and ``=`` in them,
forgotten after ``cursor_ttl`` seconds unused: a 404, as Crossref answers),
``total-results``, the ``x-rate-limit-*`` and ``x-concurrency-limit`` headers and a
429 with Retry-After to a client that goes faster.  Faults are queued by tests: an HTTP
error with or without Retry-After, a body cut short, a page with works missing.
"""

from __future__ import annotations

import base64
import copy
import glob
import json
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml

from tests.support.builders import SHARED_DATA
from tests.support.oai_peer import HTTPThread
from unioncat.harvest.crossref_options import WINDOW_FILTERS, WORK_FILTERS

CROSSREF_DATA = SHARED_DATA / "vendor" / "crossref"
SERVED_FILTERS = frozenset(
    {"issn", "prefix", "member", "type", "from-pub-date", "until-pub-date"} | WINDOW_FILTERS
)


def recorded_works(root: Path = CROSSREF_DATA) -> list[dict[str, Any]]:
    """Every Crossref work in the recorded responses and fixtures, each DOI once."""
    found: dict[str, dict[str, Any]] = {}

    def take(doc: Any) -> None:
        message = doc.get("message", doc) if isinstance(doc, dict) else doc
        items = message.get("items") if isinstance(message, dict) else None
        for work in items if isinstance(items, list) else [message]:
            if isinstance(work, dict) and isinstance(work.get("DOI"), str):
                found.setdefault(work["DOI"].lower(), work)

    for path in sorted(glob.glob(str(root / "cassettes" / "test-crossref_reader" / "*.yaml"))):
        for interaction in yaml.safe_load(Path(path).read_text())["interactions"]:
            if "api.crossref.org/works" in interaction["request"]["uri"]:
                take(json.loads(interaction["response"]["body"]["string"]))
    for name in ("crossref.json", "crossref-list.json"):
        path = root / "fixtures" / name
        if path.is_file():
            take(json.loads(path.read_text()))
    ldj = root / "crossref.ldj"
    if ldj.is_file():
        for line in ldj.read_text().splitlines():
            if line.strip():
                take(json.loads(line))
    return list(found.values())


def generate_works(
    templates: list[dict[str, Any]],
    n: int,
    *,
    prefix: str = "10.5555",
    issns: tuple[str, ...] = ("0000-0019", "1050-124X", "0317-8471"),
    first_day: date = date(2026, 1, 1),
    days: int = 300,
) -> list[dict[str, Any]]:
    """``n`` works shaped like the real ``templates``: each a deep copy with its own DOI,
    title, ISSN (print and electronic typed as Crossref types them) and index date."""
    out = []
    articles = [t for t in templates if t.get("type") == "journal-article"] or templates
    for i in range(n):
        work = copy.deepcopy(articles[i % len(articles)])
        work["DOI"] = f"{prefix}/gen.{i:07d}"
        work["prefix"] = prefix
        work["title"] = [f"Generated work {i} on {(work.get('title') or ['a subject'])[0]}"]
        issn = issns[i % len(issns)]
        work["ISSN"] = [issn]
        work["issn-type"] = [{"value": issn, "type": "print"}]
        when = datetime.combine(first_day + timedelta(days=i % days), datetime.min.time(), UTC)
        set_indexed(work, when + timedelta(seconds=i % 86_400))
        out.append(work)
    return out


def set_indexed(work: dict[str, Any], when: datetime) -> None:
    work["indexed"] = {
        "date-parts": [[when.year, when.month, when.day]],
        "date-time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timestamp": int(when.timestamp() * 1000),
    }


def _day(work: dict[str, Any], key: str) -> date | None:
    value = work.get(key)
    if not isinstance(value, dict):
        return None
    parts = (value.get("date-parts") or [[None]])[0]
    if not parts or parts[0] is None:
        return None
    full = [*parts, 1, 1][:3]
    return date(int(full[0]), int(full[1]), int(full[2]))


@dataclass
class Fault:
    kind: str  # "http", "truncate", "short", "expire"
    status: int = 500
    retry_after: str | None = None
    times: int = 1
    on_cursor: bool = False  # only a request that carries a cursor other than *


@dataclass
class _Cursor:
    dois: list[str]
    offset: int
    used: float


@dataclass
class Served:
    """What a request was, and what it got."""

    params: dict[str, str]
    status: int
    items: int
    at: float
    headers: dict[str, str] = field(default_factory=dict)


class CrossrefServer:
    """``url`` is the API root (``/works`` under it); ``works`` is the index by DOI."""

    def __init__(
        self,
        works: Iterable[dict[str, Any]] = (),
        *,
        rate_limit: int = 50,
        rate_interval: str = "1s",
        concurrency: int = 5,
        cursor_ttl: float = 300.0,
    ) -> None:
        self.works: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        for w in works:
            self.add(w)
        self.rate_limit = rate_limit
        self.rate_interval = rate_interval
        self.concurrency = concurrency
        self.cursor_ttl = cursor_ttl
        self.cursors: dict[str, _Cursor] = {}
        self.faults: deque[Fault] = deque()
        self.log: list[Served] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.rate_limited = 0
        self._recent: deque[float] = deque()
        self._http = HTTPThread(self)
        self.url = self._http.root

    # ---- the index ---------------------------------------------------------------------
    def add(self, work: dict[str, Any]) -> None:
        with self.lock:
            self.works[str(work["DOI"]).lower()] = work

    def touch(self, doi: str, when: datetime, **changes: Any) -> dict[str, Any]:
        """Change a work and index it again at ``when``."""
        with self.lock:
            work = self.works[doi.lower()]
            work.update(changes)
            set_indexed(work, when)
            return work

    def expire_cursors(self) -> None:
        with self.lock:
            self.cursors.clear()

    # ---- faults ------------------------------------------------------------------------
    def fail(
        self,
        status: int,
        *,
        retry_after: str | None = None,
        times: int = 1,
        on_cursor: bool = False,
    ) -> None:
        self.faults.append(Fault("http", status, retry_after, times, on_cursor))

    def truncate(self, *, on_cursor: bool = True) -> None:
        """The next page's body stops halfway, its Content-Length promising the whole."""
        self.faults.append(Fault("truncate", on_cursor=on_cursor))

    def expire_at_next_page(self) -> None:
        """Forget every cursor just before the next request that carries one (as five
        idle minutes would)."""
        self.faults.append(Fault("expire", on_cursor=True))

    def short_page(self, *, on_cursor: bool = True) -> None:
        """The next page leaves out half its works and still moves the cursor on."""
        self.faults.append(Fault("short", on_cursor=on_cursor))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CrossrefServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the API -----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            status, headers, body = self._answer(environ)
        finally:
            with self.lock:
                self.in_flight -= 1
        start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
        return iter([body])

    def _headers(
        self, length: int, content_type: str = "application/json"
    ) -> list[tuple[str, str]]:
        return [
            ("Content-Type", content_type),
            ("Content-Length", str(length)),
            ("Date", format_datetime(datetime.now(UTC), usegmt=True)),
            ("x-rate-limit-limit", str(self.rate_limit)),
            ("x-rate-limit-interval", self.rate_interval),
            ("x-concurrency-limit", str(self.concurrency)),
        ]

    def _json(self, status: int, doc: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        body = json.dumps(doc).encode()
        return status, self._headers(len(body)), body

    def _failure(
        self, kind: str, value: str, message: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        return self._json(
            400,
            {
                "status": "failed",
                "message-type": "validation-failure",
                "message": [{"type": kind, "value": value, "message": message}],
            },
        )

    def _answer(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        served = Served(
            params,
            200,
            0,
            time.monotonic(),
            {k[5:].lower(): v for k, v in environ.items() if k.startswith("HTTP_")},
        )
        with self.lock:
            self.log.append(served)
        answer = self._route(environ, params, served)
        served.status = answer[0]
        return answer

    def _route(
        self, environ: dict[str, Any], params: dict[str, str], served: Served
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if environ.get("PATH_INFO", "").rstrip("/") != "/works":
            body = b"Resource not found."
            return 404, self._headers(len(body), "text/plain"), body
        if self._too_fast():
            self.rate_limited += 1
            body = b"Too Many Requests"
            return 429, [*self._headers(len(body), "text/plain"), ("Retry-After", "1")], body
        cursor = params.get("cursor")
        fault = self._fault(cursor)
        if fault is not None and fault.kind == "expire":
            self.expire_cursors()
        if fault is not None and fault.kind == "http":
            body = json.dumps({"status": "error", "message": f"injected {fault.status}"}).encode()
            headers = self._headers(len(body))
            if fault.retry_after is not None:
                headers.append(("Retry-After", fault.retry_after))
            return fault.status, headers, body
        try:
            rows = int(params.get("rows", "20"))
        except ValueError:
            rows = -1
        if not 0 <= rows <= 1000:
            return self._failure(
                "integer-not-valid",
                params.get("rows", ""),
                "Integer specified as rows must be a positive integer less than or equal to 1000.",
            )
        filters: list[tuple[str, str]] = []
        for part in [p for p in params.get("filter", "").split(",") if p]:
            name, _, value = part.partition(":")
            if name not in WORK_FILTERS | WINDOW_FILTERS:
                return self._failure(
                    "filter-not-available",
                    name,
                    f"Filter {name} specified but there is no such filter for this route.",
                )
            if name not in SERVED_FILTERS:
                return self._failure(
                    "filter-not-available", name, f"the test server does not serve filter {name}"
                )
            filters.append((name, value))
        with self.lock:
            if cursor in (None, "*"):
                dois = [d for d in sorted(self.works) if self._matches(self.works[d], filters)]
                state = _Cursor(dois, 0, time.monotonic())
            else:
                state = self.cursors.pop(cursor, None)  # type: ignore[arg-type]
                if state is None or time.monotonic() - state.used > self.cursor_ttl:
                    body = b"Resource not found."
                    return 404, self._headers(len(body), "text/plain"), body
            chosen = state.dois[state.offset : state.offset + rows]
            items = [self.works[d] for d in chosen if d in self.works]
            state.offset += len(chosen)
            state.used = time.monotonic()
            message: dict[str, Any] = {
                "facets": {},
                "total-results": len(state.dois),
                "items": items,
                "items-per-page": rows,
                "query": {"start-index": 0, "search-terms": None},
            }
            if cursor is not None:
                token = "AoJ" + base64.b64encode(os.urandom(24)).decode() + "+/=="
                self.cursors[token] = state
                message["next-cursor"] = token
        if fault is not None and fault.kind == "short":
            message["items"] = items[: len(items) // 2]
        served.items = len(message["items"])
        body = json.dumps(
            {
                "status": "ok",
                "message-type": "work-list",
                "message-version": "1.0.0",
                "message": message,
            }
        ).encode()
        if fault is not None and fault.kind == "truncate":
            return 200, self._headers(len(body)), body[: len(body) // 2]
        return 200, self._headers(len(body)), body

    def _fault(self, cursor: str | None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.on_cursor and cursor in (None, "*"):
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _too_fast(self) -> bool:
        seconds = float(self.rate_interval.rstrip("s"))
        now = time.monotonic()
        with self.lock:
            while self._recent and now - self._recent[0] > seconds:
                self._recent.popleft()
            if len(self._recent) >= self.rate_limit:
                return True
            self._recent.append(now)
        return False

    @staticmethod
    def _matches(work: dict[str, Any], filters: list[tuple[str, str]]) -> bool:
        by_name: dict[str, list[str]] = {}
        for name, value in filters:
            by_name.setdefault(name, []).append(value)
        for name, values in by_name.items():
            if not any(_one(work, name, v) for v in values):  # one name ORs its values
                return False
        return True


def _one(work: dict[str, Any], name: str, value: str) -> bool:
    if name == "issn":
        return value.upper() in [str(i).upper() for i in work.get("ISSN") or []]
    if name == "prefix":
        return str(work.get("DOI", "")).lower().startswith(value.lower() + "/")
    if name == "member":
        return str(work.get("member")) == value
    if name == "type":
        return work.get("type") == value
    field_of = {"index": "indexed", "update": "deposited", "pub": "issued"}
    side, _, rest = name.partition("-")
    kind = rest.removesuffix("-date")
    day = _day(work, field_of[kind])
    if day is None:
        return False
    bound = date.fromisoformat(value[:10])
    return day >= bound if side == "from" else day <= bound
