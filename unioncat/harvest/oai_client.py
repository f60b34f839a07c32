"""Requests to one OAI-PMH repository: retries, politeness, and the next page asked for
while this one is parsed and committed.

We drive requests and lxml directly rather than through sickle's iterator: it owns the
page loop (no checkpoint per page) and parses every page more than once.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import requests

from unioncat import __version__
from unioncat.errors import SourceError
from unioncat.harvest.http import STOPPING, Fetched, RetryPolicy, fetch
from unioncat.harvest.oai_options import OaiOptions
from unioncat.harvest.oai_xml import OaiPage, UnreadablePage, parse_page
from unioncat.log import event

_TOKEN = re.compile(rb"<(?:[\w.-]+:)?resumptionToken\b[^>]*>([^<]+)<")


class OaiClient:
    """One source's requests: retries, politeness, the next page asked for ahead, and
    the page parse with its retry."""

    def __init__(self, source: str, options: OaiOptions) -> None:
        self.source = source
        self.options = options
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"unioncat/{__version__} (OAI-PMH harvester)"
        self.policy = RetryPolicy(
            max_retries=options.max_retries,
            timeout=options.timeout,
            deadline=options.deadline,
            retry_after_max=options.retry_after_max,
            backoff_base=options.backoff,
            max_response_bytes=options.max_response_bytes,
        )
        self.requests = 0
        # the next page, already asked for while this one is parsed and committed
        self.ahead: tuple[dict[str, str], Future[Fetched]] | None = None
        self.prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"oai-{source}")

    def close(self) -> None:
        self.ahead = None
        self.prefetcher.shutdown(wait=True, cancel_futures=True)

    def _on_retry(self, why: str, wait: float) -> None:
        event(
            "oai.retry",
            f"{self.source}: {why}; retrying in {wait:.1f} s",
            source=self.source,
            wait=wait,
        )

    def get(self, params: Mapping[str, str]) -> Fetched:
        if self.requests and self.options.page_delay and STOPPING.wait(self.options.page_delay):
            raise SourceError("stopped", stage="harvest", source=self.source)
        self.requests += 1
        try:
            return fetch(
                self.session, self.options.url, params, self.policy, on_retry=self._on_retry
            )
        except SourceError as exc:  # refused (too large): say whose it was
            exc.source = exc.source or self.source
            raise
        except requests.RequestException as exc:  # bad URL and the like: not transient
            raise SourceError(
                f"request to {self.options.url} failed: {exc}",
                stage="harvest",
                source=self.source,
            ) from exc

    def _fetch(self, params: Mapping[str, str]) -> Fetched:
        """The page for ``params``: the one asked for ahead if it is that page."""
        ahead, self.ahead = self.ahead, None
        if ahead is not None and ahead[0] == dict(params):
            return ahead[1].result()
        return self.get(params)

    def _ask_ahead(self, params: Mapping[str, str], body: bytes) -> None:
        """Ask for the next page now, so the server works on it while this one is parsed
        and committed.  The token is read from the raw bytes; the window only uses the
        page if the parsed token agrees, so a misread costs one request, never a record."""
        found = _TOKEN.search(body)
        if found is None or "resumptionToken" not in params and "metadataPrefix" not in params:
            return
        token = html.unescape(found.group(1).decode("utf-8", "replace")).strip()
        if not token:
            return
        nxt = {"verb": params["verb"], "resumptionToken": token}
        self.ahead = (nxt, self.prefetcher.submit(self.get, nxt))

    def page(self, params: Mapping[str, str]) -> tuple[Fetched, OaiPage | UnreadablePage]:
        """Fetch and parse; an unreadable page is fetched again before giving up."""
        problem: UnreadablePage | None = None
        fetched: Fetched | None = None
        for attempt in range(self.options.max_retries + 1):
            fetched = self._fetch(params) if attempt == 0 else self.get(params)
            if attempt == 0:
                self._ask_ahead(params, fetched.body)
            try:
                return fetched, parse_page(fetched.body)
            except UnreadablePage as exc:
                problem = exc
                self._on_retry(f"unreadable page ({exc})", 0.0)
        assert fetched is not None and problem is not None
        return fetched, problem


def describe(params: Mapping[str, str]) -> str:
    """The request's arguments, for messages."""
    return "&".join(f"{k}={v}" for k, v in params.items())
