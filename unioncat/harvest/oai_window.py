"""One incremental OAI-PMH window of one set: from the last high-water mark to now.

Each ListRecords page is one :class:`~unioncat.contracts.Page` whose checkpoint
(:class:`~unioncat.harvest.oai_state.WindowState`) holds the resumption token of the
next page, so a run killed mid-list resumes from the stored token; an expired token
(badResumptionToken) restarts the window from its start, and idempotent upserts absorb
the repeats.  A window runs from the last completed window's responseDate, minus an
overlap because OAI datestamps are coarse (and repository indexes lag), to now;
records met again at that boundary with the same datestamp are dropped, when that
datestamp is older than the period (second or day) the last window started in: a record
stamped in that very period may have changed again since without a new datestamp.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from unioncat.contracts import Page, RawEnvelope
from unioncat.errors import SourceError
from unioncat.harvest.oai_client import OaiClient, describe
from unioncat.harvest.oai_errors import BadResumptionToken
from unioncat.harvest.oai_list import UnreadableListPage, list_pages
from unioncat.harvest.oai_state import BOUNDARY_CAP, WindowState
from unioncat.harvest.oai_xml import OaiRecord, UnreadablePage
from unioncat.log import event

MAX_WINDOW_RESTARTS = 3


def parse_datestamp(text: str) -> datetime:
    """An OAI datestamp or responseDate (day or second granularity, any offset) in UTC."""
    t = text.strip()
    if len(t) == 10:
        return datetime.fromisoformat(t).replace(tzinfo=UTC)
    when = datetime.fromisoformat(t.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def format_datestamp(when: datetime, granularity: str) -> str:
    if granularity.upper().startswith("YYYY-MM-DDTHH"):
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.astimezone(UTC).strftime("%Y-%m-%d")


class Window:
    """One incremental window of one set: from the last high-water mark to now."""

    def __init__(
        self,
        client: OaiClient,
        key: str,
        set_spec: str | None,
        granularity: str,
        prev: Mapping[str, Any] | None,
    ) -> None:
        self.client = client
        self.options = client.options
        self.source = client.source
        self.key = key
        self.set_spec = set_spec
        self.granularity = granularity
        self.prev = WindowState.from_json(prev)
        self.last_state = self.prev  # the checkpoint of the last page handed out

    def _start(self) -> tuple[str | None, str | None]:
        """(from, token) of the window: resume an unfinished one, or open the next."""
        prev = self.prev
        if prev.resumable:
            return prev.window_from, prev.token
        if prev.high_water:
            start = parse_datestamp(prev.high_water) - timedelta(
                seconds=self.options.overlap_seconds
            )
            return format_datestamp(start, self.granularity), None
        return self.options.from_date, None

    def _first_params(self, window_from: str | None, token: str | None) -> dict[str, str]:
        if token:
            return {"verb": self._verb(), "resumptionToken": token}
        params = {"verb": self._verb(), "metadataPrefix": self.options.metadata_prefix}
        if window_from:
            params["from"] = window_from
        if self.set_spec:
            params["set"] = self.set_spec
        return params

    def _verb(self) -> str:
        return "ListRecords" if self.options.mode == "list_records" else "ListIdentifiers"

    def run(self) -> Iterator[Page]:
        window_from, token = self._start()
        resumed = token is not None
        prev = self.prev
        started: str | None = prev.window_started if resumed else None
        boundary = set(prev.boundary)
        collected: list[str] = list(prev.boundary_next) if resumed else []
        pages = prev.pages if resumed else 0
        restarts = 0
        while True:
            try:
                for listed in list_pages(self.client, self._first_params(window_from, token)):
                    page, fetched = listed.page, listed.fetched
                    if started is None:
                        started = self._window_start(page.response_date)
                    pages += 1
                    records = [] if page.error_code else page.records
                    envelopes, collected = self._envelopes(
                        records, boundary, collected, started, pages
                    )
                    if self.options.mode == "identifiers_then_get":
                        envelopes = list(self._get_records(envelopes))
                    next_token = listed.next_token
                    complete = next_token is None
                    state = WindowState(
                        granularity=self.granularity,
                        window_from=window_from,
                        window_started=started,
                        token=next_token,
                        complete=complete,
                        pages=pages,
                        high_water=started if complete else prev.high_water,
                        boundary=collected[-BOUNDARY_CAP:] if complete else sorted(boundary),
                        boundary_next=[] if complete else collected[-BOUNDARY_CAP:],
                        list_size=page.complete_list_size,
                    )
                    if page.notes:
                        event(
                            "oai.repaired",
                            f"{self.source}: repaired {fetched.url}: {'; '.join(page.notes)}",
                            source=self.source,
                            url=fetched.url,
                        )
                    self.last_state = state
                    listed_so_far = (
                        int(page.cursor) + len(page.records)
                        if page.cursor and page.cursor.isdigit()
                        else None
                    )
                    total = page.complete_list_size
                    yield Page(
                        envelopes,
                        self.key,
                        state.to_json(),
                        label=f"{self.key} page {pages}",
                        notes=page.notes,
                        resolved=[self._unreadable_id(listed.params)],
                        progress=(
                            (listed_so_far, int(total), "rec")
                            if listed_so_far is not None and total and total.isdigit()
                            else None
                        ),
                    )
                    token = next_token
                return
            except BadResumptionToken:
                if token is None:
                    raise  # the first request of a window has no token to blame
                restarts += 1
                if restarts > MAX_WINDOW_RESTARTS:
                    raise SourceError(
                        f"resumption tokens keep expiring at {self.options.url}",
                        stage="harvest",
                        source=self.source,
                        hint="lower page_delay, or ask the repository for longer-lived tokens",
                    ) from None
                event(
                    "oai.token_expired",
                    f"{self.source}: resumption token {token!r} expired; restarting the "
                    f"window from {window_from or 'the beginning'}",
                    source=self.source,
                )
                token = None
            except UnreadableListPage as exc:
                yield self._unreadable(exc, pages)
                raise SourceError(
                    f"{exc.message}; its bytes are in quarantine",
                    stage="harvest",
                    source=self.source,
                    hint="the next run resumes from this page's resumption token",
                ) from None

    def _window_start(self, response_date: str | None) -> str:
        """The server's clock at the window's start: the next window's high-water mark.

        Without a usable responseDate our own clock stands in, set back by the overlap
        so that a clock ahead of the server's cannot skip records."""
        if response_date:
            try:
                return format_datestamp(parse_datestamp(response_date), "YYYY-MM-DDThh:mm:ssZ")
            except ValueError:
                pass
        fallback = datetime.now(UTC) - timedelta(seconds=max(self.options.overlap_seconds, 60))
        event(
            "oai.no_response_date",
            f"{self.source}: responseDate {response_date!r} is missing or unreadable; "
            f"using {fallback:%Y-%m-%dT%H:%M:%SZ} from this machine's clock",
            source=self.source,
        )
        return format_datestamp(fallback, "YYYY-MM-DDThh:mm:ssZ")

    def _envelopes(
        self,
        records: list[OaiRecord],
        boundary: set[str],
        collected: list[str],
        started: str,
        page_no: int,
    ) -> tuple[list[RawEnvelope], list[str]]:
        fetched_at = datetime.now(UTC)
        # the next window asks from this point, in the server's granularity (a whole day
        # for day granularity): every record from there on may come back
        edge = parse_datestamp(
            format_datestamp(
                parse_datestamp(started) - timedelta(seconds=self.options.overlap_seconds),
                self.granularity,
            )
        )
        # a record stamped in the period (second, or day) this window started in may
        # change again within that period after it was served, keeping its datestamp:
        # only what was stamped before that period can be known unchanged by its mark
        settled = parse_datestamp(format_datestamp(parse_datestamp(started), self.granularity))
        out = []
        for i, rec in enumerate(records):
            batch = f"{self.key} page {page_no}"
            if rec.error:
                out.append(
                    RawEnvelope(
                        source=self.source,
                        envelope_id=f"{self.key}:no-identifier:{_digest(rec.xml)}",
                        format=self.options.metadata_prefix,
                        payload=rec.xml,
                        fetched_at=fetched_at,
                        batch=batch,
                        position=i,
                        error=rec.error,
                    )
                )
                continue
            mark = f"{rec.identifier}|{rec.datestamp}"
            if (
                rec.datestamp
                and _safe_after(rec.datestamp, edge)
                and _safe_before(rec.datestamp, settled)
            ):
                collected.append(mark)  # still inside the next window's overlap
            if mark in boundary:
                continue  # met at the end of the last window, unchanged since
            out.append(
                RawEnvelope(
                    source=self.source,
                    envelope_id=rec.identifier,
                    format=self.options.metadata_prefix,
                    payload=rec.xml,
                    fetched_at=fetched_at,
                    datestamp=rec.datestamp,
                    deleted=rec.deleted,
                    batch=batch,
                    position=i,
                    record_id=rec.identifier,
                )
            )
        return out, collected

    def _get_records(self, headers: list[RawEnvelope]) -> Iterator[RawEnvelope]:
        """identifiers_then_get: one GetRecord per live identifier (for servers whose
        ListRecords is broken or too heavy)."""
        for env in headers:
            if env.deleted or env.error:
                yield env
                continue
            fetched, result = self.client.page(
                {
                    "verb": "GetRecord",
                    "identifier": env.envelope_id,
                    "metadataPrefix": self.options.metadata_prefix,
                }
            )
            if isinstance(result, UnreadablePage):
                raise SourceError(
                    f"GetRecord {env.envelope_id} at {fetched.url} is unreadable: {result}",
                    stage="harvest",
                    source=self.source,
                    hint="the next run resumes from this page",
                )
            if result.error_code == "idDoesNotExist":
                env.deleted = True  # gone between the listing and the request
                yield env
                continue
            if result.error_code or not result.records:
                raise SourceError(
                    f"GetRecord {env.envelope_id} at {fetched.url} gave "
                    f"{result.error_code or 'no record'}",
                    stage="harvest",
                    source=self.source,
                    hint="the next run resumes from this page",
                )
            rec = result.records[0]
            env.payload = rec.xml
            env.deleted = rec.deleted
            yield env

    def _unreadable_id(self, params: Mapping[str, str]) -> str:
        """The envelope an unreadable page is quarantined as (one name per request)."""
        return f"{self.key}:unreadable:{describe(params)}"

    def _unreadable(self, exc: UnreadableListPage, pages: int) -> Page:
        """The page's bytes go to quarantine; the checkpoint does not move."""
        fetched, params, problem = exc.fetched, exc.params, exc.problem
        env = RawEnvelope(
            source=self.source,
            envelope_id=self._unreadable_id(params),
            format=self.options.metadata_prefix,
            payload=fetched.body,
            fetched_at=datetime.now(UTC),
            batch=f"{self.key} page {pages + 1}",
            position=0,
            error=f"unreadable OAI-PMH page {fetched.url} ({describe(params)}): {problem}",
        )
        return Page([env], self.key, self.last_state.to_json(), label=f"{self.key} unreadable page")


def _digest(payload: bytes) -> str:
    """A stable name for what has no identifier, so a rerun does not pile up copies."""
    return hashlib.sha1(payload, usedforsecurity=False).hexdigest()[:16]


def _safe_before(datestamp: str, limit: datetime) -> bool:
    try:
        return parse_datestamp(datestamp) < limit
    except ValueError:
        return False


def _safe_after(datestamp: str, edge: datetime) -> bool:
    try:
        return parse_datestamp(datestamp) >= edge
    except ValueError:
        return False
