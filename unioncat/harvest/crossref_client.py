"""Requests to the Crossref REST API: the polite pool, the Plus token, the pace Crossref
asks for, and the next page asked for while this one is committed.

Crossref says its limits in every answer (``x-rate-limit-limit`` requests per
``x-rate-limit-interval``, and ``x-concurrency-limit``); the client keeps to the last
ones it was told, waiting between requests as long as they require.  It never has more
than one request in flight: the page asked for ahead is only asked once this one has
arrived, so any concurrency limit of one or more is kept.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import msgspec
import requests

from unioncat import __version__
from unioncat.errors import SourceError
from unioncat.harvest.crossref_options import CrossrefOptions
from unioncat.harvest.http import STOPPING, Fetched, RetryPolicy, fetch
from unioncat.log import event
from unioncat.redact import redact_url, register

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def rate_interval(limit: str | None, interval: str | None) -> float | None:
    """Seconds between two requests from Crossref's two headers (``50`` and ``1s``)."""
    if not limit or not interval:
        return None
    found = _INTERVAL.match(interval)
    try:
        count = int(limit.strip())
    except ValueError:
        return None
    if found is None or count <= 0:
        return None
    return float(found.group(1)) * _UNIT[found.group(2)] / count


class Pacer:
    """Keeps requests at least ``gap`` seconds apart, the gap set from each answer."""

    def __init__(self) -> None:
        self.gap = 0.0
        self.last = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            due = self.last + self.gap - time.monotonic()
            if due > 0 and STOPPING.wait(due):
                raise SourceError("stopped", stage="harvest")
            self.last = time.monotonic()

    def told(self, headers: Mapping[str, str]) -> None:
        gap = rate_interval(headers.get("x-rate-limit-limit"), headers.get("x-rate-limit-interval"))
        if gap is not None:
            # a tenth to spare: requests that leave on time can arrive bunched, and two
            # in one interval too many is a 429
            self.gap = gap * 1.1


@dataclass(slots=True)
class WorksPage:
    """One /works answer, read: each work's DOI as written ("" when it has none), and
    its JSON as Crossref sent it."""

    fetched: Fetched
    dois: list[str]
    total: int | None
    next_cursor: str | None
    payloads: list[bytes]


class CrossrefError(Exception):
    """An answer Crossref gave instead of a page: its status and its own words."""

    def __init__(self, fetched: Fetched, words: str) -> None:
        super().__init__(words)
        self.fetched = fetched
        self.words = words


class CrossrefClient:
    def __init__(self, source: str, options: CrossrefOptions) -> None:
        self.source = source
        self.options = options
        self.endpoint = options.url.rstrip("/") + "/works"
        self.session = requests.Session()
        agent = f"unioncat/{__version__} (Crossref harvester"
        if options.mailto:
            agent += f"; mailto:{options.mailto}"
        self.session.headers["User-Agent"] = agent + ")"
        self.headers: dict[str, str] = {}
        token = os.environ.get(options.plus_token_env) if options.plus_token_env else None
        if token:
            register(token)
            self.headers["Crossref-Plus-API-Token"] = f"Bearer {token}"
        self.policy = RetryPolicy(
            max_retries=options.max_retries,
            timeout=options.timeout,
            deadline=options.deadline,
            retry_after_max=options.retry_after_max,
            backoff_base=options.backoff,
            max_response_bytes=options.max_response_bytes,
        )
        self.pacer = Pacer()
        self.requests = 0
        self.ahead: tuple[dict[str, str], Future[Fetched]] | None = None
        self.prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"crossref-{source}")

    def close(self) -> None:
        self.ahead = None
        self.prefetcher.shutdown(wait=True, cancel_futures=True)

    def params(self, filters: list[tuple[str, str]], cursor: str) -> dict[str, str]:
        out = {"rows": str(self.options.rows), "cursor": cursor}
        if filters:
            out["filter"] = ",".join(f"{k}:{v}" for k, v in filters)
        if self.options.mailto:
            out["mailto"] = self.options.mailto
        return out

    def _on_retry(self, why: str, wait: float) -> None:
        event(
            "crossref.retry",
            f"{self.source}: {why}; retrying in {wait:.1f} s",
            source=self.source,
            wait=wait,
        )

    def get(self, params: Mapping[str, str]) -> Fetched:
        if self.requests and self.options.page_delay and STOPPING.wait(self.options.page_delay):
            raise SourceError("stopped", stage="harvest", source=self.source)
        self.pacer.wait()
        self.requests += 1
        try:
            fetched = fetch(
                self.session,
                self.endpoint,
                params,
                self.policy,
                headers=self.headers,
                on_retry=self._on_retry,
            )
        except SourceError as exc:
            exc.source = exc.source or self.source
            raise
        except requests.RequestException as exc:
            raise SourceError(
                f"request to {redact_url(self.endpoint)} failed: {exc}",
                stage="harvest",
                source=self.source,
            ) from exc
        self.pacer.told({k.lower(): v for k, v in fetched.headers.items()})
        return fetched

    def page(self, params: Mapping[str, str]) -> WorksPage:
        """The page for ``params`` (the one asked for ahead, if it is that one), read;
        an answer that is not a page raises :class:`CrossrefError`."""
        ahead, self.ahead = self.ahead, None
        if ahead is not None and ahead[0] == dict(params):
            fetched = ahead[1].result()
        else:
            fetched = self.get(params)
        return read_page(fetched)

    def ask_ahead(self, params: Mapping[str, str]) -> None:
        """Ask for the next page now, so Crossref works on it while this one commits."""
        nxt = dict(params)
        self.ahead = (nxt, self.prefetcher.submit(self.get, nxt))


class _Work(msgspec.Struct):
    """The one field of a work the harvester reads: its key."""

    DOI: Any = None


class _Message(
    msgspec.Struct, rename={"total_results": "total-results", "next_cursor": "next-cursor"}
):
    items: list[msgspec.Raw] | None = None
    total_results: Any = None
    next_cursor: Any = None


class _Page(msgspec.Struct):
    status: Any = None
    message: _Message | None = None


# A page decoded with each work left as the bytes Crossref sent (msgspec.Raw): the
# archive keeps them as they came, and the harvester, which reads only the DOI, never
# builds a work's objects (the mapping parses it once, later).
_PAGE = msgspec.json.Decoder(_Page)
_WORK = msgspec.json.Decoder(_Work)


def _doi_of(payload: msgspec.Raw) -> str:
    try:
        found = _WORK.decode(payload).DOI
    except msgspec.ValidationError:  # a work that is not an object: keyed by its digest
        return ""
    return found if isinstance(found, str) else ""


def read_page(fetched: Fetched) -> WorksPage:
    page: _Page | None = None
    if fetched.status == 200:
        try:
            page = _PAGE.decode(fetched.body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            page = None  # an error document, or no JSON: read whole below, to say why
    if page is not None and page.message is not None and page.message.items is not None:
        if page.status != "ok":
            raise CrossrefError(fetched, f"HTTP {fetched.status}: status {page.status!r}")
        message = page.message
        items = message.items or []
        return WorksPage(
            fetched,
            [_doi_of(w) for w in items],
            message.total_results if isinstance(message.total_results, int) else None,
            message.next_cursor if isinstance(message.next_cursor, str) and message.next_cursor
            else None,
            [bytes(w) for w in items],
        )  # fmt: skip
    try:
        doc = json.loads(fetched.body)
    except ValueError as exc:
        raise CrossrefError(fetched, f"HTTP {fetched.status}, not JSON ({exc})") from None
    if fetched.status != 200 or not isinstance(doc, dict) or doc.get("status") != "ok":
        raise CrossrefError(fetched, f"HTTP {fetched.status}: {_words(doc)}")
    raise CrossrefError(fetched, "the answer holds no message.items: not a /works page")


def _words(doc: Any) -> str:
    """What Crossref said was wrong, from its error document."""
    if not isinstance(doc, dict):
        return str(doc)[:300]
    message = doc.get("message")
    if isinstance(message, list):
        said = [str(m.get("message") or m.get("type")) for m in message if isinstance(m, dict)]
        return "; ".join(said)[:600] or str(message)[:300]
    if isinstance(message, dict):
        return str(message.get("description") or message.get("message") or message)[:600]
    return str(message or doc)[:300]
