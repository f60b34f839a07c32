"""The ``oai-pmh`` harvester: incremental, resumable, polite.

Each ListRecords page is one :class:`Page` whose checkpoint is the resumption token of
the next page, so a run killed mid-list resumes from the stored token; an expired token
(badResumptionToken) restarts the window from its start, and idempotent upserts absorb
the repeats.  A window runs from the last completed window's responseDate, minus a small
overlap because OAI datestamps are coarse, to now; records met again at that boundary
with the same datestamp are dropped.  Retries, Retry-After and dirty XML are handled by
:mod:`unioncat.harvest.http` and :mod:`unioncat.harvest.oai_xml`.

We drive requests and lxml directly rather than through sickle's iterator: it owns the
page loop (no checkpoint per page) and parses every page more than once.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests

from unioncat import __version__
from unioncat.contracts import Page, RawEnvelope, SourceSpec
from unioncat.errors import ConfigError, SourceError
from unioncat.harvest.base import check_sweep_fraction, register
from unioncat.harvest.http import STOPPING, Fetched, RetryPolicy, fetch
from unioncat.harvest.oai_xml import OaiPage, OaiRecord, UnreadablePage, parse_identify, parse_page
from unioncat.log import event

MODES = ("list_records", "identifiers_then_get")
# metadata prefixes and the normalizer that reads them (MARCXML reuses the marc one)
PREFIX_FORMATS = {
    "oai_dc": "oai_dc",
    "mods": "mods",
    "marc21": "marc",
    "marcxml": "marc",
    "oai_marc": "marc",
    "marc": "marc",
}
BOUNDARY_CAP = 10_000
MAX_WINDOW_RESTARTS = 3

# What each OAI-PMH error means for the person who reads the log, and the fix.
OAI_ERRORS: dict[str, tuple[str, str]] = {
    "badArgument": ("the server rejected the request's arguments", "check url, sets and from"),
    "badResumptionToken": (
        "the resumption token is invalid or expired",
        "the next run restarts the window",
    ),
    "badVerb": ("the server does not know the verb", "check that url is an OAI-PMH base URL"),
    "cannotDisseminateFormat": (
        "the server does not offer this metadata_prefix",
        "pick one listed by ?verb=ListMetadataFormats",
    ),
    "idDoesNotExist": ("the identifier is unknown to the server", "none: it was removed"),
    "noMetadataFormats": ("the server offers no metadata formats for the item", "none"),
    "noSetHierarchy": ("the server does not support sets", "remove sets from the source"),
}


@dataclass(slots=True)
class OaiOptions:
    """Options of an ``oai-pmh`` source in pipelines.yaml (``from`` is read as from_date)."""

    ALIASES: ClassVar[dict[str, str]] = {"from": "from_date"}

    url: str = ""
    metadata_prefix: str = "oai_dc"
    sets: list[str] = field(default_factory=list)
    from_date: str | None = None
    page_delay: float = 0.0
    max_retries: int = 5
    timeout: float = 60.0
    deadline: float = 900.0  # seconds for a whole response, however it trickles in
    retry_after_max: float = 300.0
    backoff: float = 1.0  # seconds before the first retry; doubles up to a minute
    overlap_seconds: int = 60
    mode: str = "list_records"
    deletion_sweep: bool = False
    sweep_max_fraction: float = 0.2  # of the records harvested from the source

    def default_format(self) -> str | None:
        """The normalizer for this metadata prefix when the source names no format."""
        return PREFIX_FORMATS.get(self.metadata_prefix.lower())

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"url must be the repository's http(s) OAI-PMH base URL, not {self.url!r}",
                stage="config",
            )
        check_sweep_fraction(self.sweep_max_fraction)
        if self.mode not in MODES:
            raise ConfigError(
                f"mode {self.mode!r} is unknown; valid modes are: {', '.join(MODES)}",
                stage="config",
            )


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


_TOKEN = re.compile(rb"<(?:[\w.-]+:)?resumptionToken\b[^>]*>([^<]+)<")


class _Client:
    """One source's requests: retries, politeness, and the page parse with its retry."""

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


def _describe(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


@register
class OaiHarvester:
    kind: ClassVar[str] = "oai-pmh"
    options: ClassVar[type] = OaiOptions

    @staticmethod
    def check_format(fmt: str, where: str) -> None:
        """Any registered format can arrive over OAI-PMH (the metadata prefix names it)."""

    def harvest(
        self, spec: SourceSpec, state: Mapping[str, Mapping[str, Any]]
    ) -> Iterator[Page]:
        source, options = spec.name, spec.options
        client = _Client(source, options)
        try:
            fetched = client.get({"verb": "Identify"})
            try:
                identity = parse_identify(fetched.body)
            except UnreadablePage as exc:
                raise SourceError(
                    f"Identify at {fetched.url} failed: {exc}",
                    stage="harvest",
                    source=source,
                    hint="check that url is the repository's OAI-PMH base URL",
                ) from exc
            all_sets: list[str | None] = [*options.sets] or [None]
            for set_spec in all_sets:
                key = f"oai:{options.metadata_prefix}:{set_spec or '*'}"
                window = _Window(
                    client, source, key, set_spec, identity.granularity, state.get(key)
                )
                yield from window.run()
            if options.deletion_sweep:
                yield _sweep(client, source, options)
        finally:
            client.close()


class _Window:
    """One incremental window of one set: from the last high-water mark to now."""

    def __init__(
        self,
        client: _Client,
        source: str,
        key: str,
        set_spec: str | None,
        granularity: str,
        prev: Mapping[str, Any] | None,
    ) -> None:
        self.client = client
        self.options = client.options
        self.source = source
        self.key = key
        self.set_spec = set_spec
        self.granularity = granularity
        self.prev = dict(prev or {})
        self.last_state = dict(self.prev)  # the checkpoint of the last page handed out

    def _start(self) -> tuple[str | None, str | None]:
        """(from, token) of the window: resume an unfinished one, or open the next."""
        prev = self.prev
        if prev.get("token") and not prev.get("complete"):
            return prev.get("window_from"), str(prev["token"])
        high_water = prev.get("high_water")
        if high_water:
            start = parse_datestamp(high_water) - timedelta(seconds=self.options.overlap_seconds)
            return format_datestamp(start, self.granularity), None
        return self.options.from_date, None

    def _first_params(self, window_from: str | None) -> dict[str, str]:
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
        started: str | None = self.prev.get("window_started") if resumed else None
        boundary = set(self.prev.get("boundary", []))
        collected: list[str] = list(self.prev.get("boundary_next", [])) if resumed else []
        pages = int(self.prev.get("pages", 0)) if resumed else 0
        seen_tokens: set[str] = set()
        restarts = 0
        while True:
            params = (
                {"verb": self._verb(), "resumptionToken": token}
                if token
                else self._first_params(window_from)
            )
            fetched, result = self.client.page(params)
            if isinstance(result, UnreadablePage) and fetched.status >= 400:
                raise SourceError(
                    f"HTTP {fetched.status} from {fetched.url} ({_describe(params)})",
                    stage="harvest",
                    source=self.source,
                    hint="the next run resumes from this page's resumption token",
                )
            if isinstance(result, UnreadablePage):
                yield self._unreadable(fetched, params, result, pages)
                raise SourceError(
                    f"page {fetched.url} ({_describe(params)}) is unreadable after "
                    f"{self.options.max_retries + 1} tries: {result}; its bytes are in quarantine",
                    stage="harvest",
                    source=self.source,
                    hint="the next run resumes from this page's resumption token",
                )
            page = result
            if page.error_code == "badResumptionToken" and token:
                restarts += 1
                if restarts > MAX_WINDOW_RESTARTS:
                    raise SourceError(
                        f"resumption tokens keep expiring at {self.options.url}",
                        stage="harvest",
                        source=self.source,
                        hint="lower page_delay, or ask the repository for longer-lived tokens",
                    )
                event(
                    "oai.token_expired",
                    f"{self.source}: resumption token {token!r} expired; restarting the "
                    f"window from {window_from or 'the beginning'}",
                    source=self.source,
                )
                token, seen_tokens = None, set()
                continue
            records: list[OaiRecord] = []
            next_token: str | None = None
            if page.error_code and page.error_code != "noRecordsMatch":
                meaning, fix = OAI_ERRORS.get(
                    page.error_code, ("the server reported an error", "see the message")
                )
                raise SourceError(
                    f"OAI error {page.error_code} at {fetched.url}: {meaning}"
                    + (f" ({page.error_message})" if page.error_message else ""),
                    stage="harvest",
                    source=self.source,
                    hint=fix,
                )
            if not page.error_code:
                if fetched.status != 200:
                    raise SourceError(
                        f"HTTP {fetched.status} from {fetched.url}",
                        stage="harvest",
                        source=self.source,
                    )
                records = page.records
                next_token = page.token
            if started is None:
                started = self._window_start(page.response_date)
            if next_token is not None and (next_token == token or next_token in seen_tokens):
                raise SourceError(
                    f"the server sent resumption token {next_token!r} again at {fetched.url}; "
                    "stopping instead of looping",
                    stage="harvest",
                    source=self.source,
                    hint="report the looping token to the repository",
                )
            if token:
                seen_tokens.add(token)
            pages += 1
            envelopes, collected = self._envelopes(records, boundary, collected, started, pages)
            if self.options.mode == "identifiers_then_get":
                envelopes = list(self._get_records(envelopes))
            complete = next_token is None
            state: dict[str, Any] = {
                "granularity": self.granularity,
                "window_from": window_from,
                "window_started": started,
                "token": next_token,
                "complete": complete,
                "pages": pages,
                "high_water": started if complete else self.prev.get("high_water"),
                "boundary": collected[-BOUNDARY_CAP:] if complete else sorted(boundary),
                "boundary_next": [] if complete else collected[-BOUNDARY_CAP:],
                "list_size": page.complete_list_size,
            }
            notes = page.notes
            if notes:
                event(
                    "oai.repaired",
                    f"{self.source}: repaired {fetched.url}: {'; '.join(notes)}",
                    source=self.source,
                    url=fetched.url,
                )
            self.last_state = state
            yield Page(
                envelopes,
                self.key,
                state,
                label=f"{self.key} page {pages}",
                notes=notes,
            )
            if complete:
                return
            token = next_token

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
            if rec.datestamp and _safe_after(rec.datestamp, edge):
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

    def _unreadable(
        self, fetched: Fetched, params: Mapping[str, str], problem: UnreadablePage, pages: int
    ) -> Page:
        """The page's bytes go to quarantine; the checkpoint does not move."""
        env = RawEnvelope(
            source=self.source,
            envelope_id=f"{self.key}:unreadable:{_describe(params)}",
            format=self.options.metadata_prefix,
            payload=fetched.body,
            fetched_at=datetime.now(UTC),
            batch=f"{self.key} page {pages + 1}",
            position=0,
            error=f"unreadable OAI-PMH page {fetched.url} ({_describe(params)}): {problem}",
        )
        return Page([env], self.key, dict(self.last_state), label=f"{self.key} unreadable page")


def _digest(payload: bytes) -> str:
    """A stable name for what has no identifier, so a rerun does not pile up copies."""
    return hashlib.sha1(payload, usedforsecurity=False).hexdigest()[:16]


def _safe_after(datestamp: str, edge: datetime) -> bool:
    try:
        return parse_datestamp(datestamp) >= edge
    except ValueError:
        return False


def _sweep(client: _Client, source: str, options: OaiOptions) -> Page:
    """ListIdentifiers over everything: the complete list of ids the server still has."""
    present: list[str] = []
    all_sets: list[str | None] = [*options.sets] or [None]
    for set_spec in all_sets:
        params: dict[str, str] = {
            "verb": "ListIdentifiers",
            "metadataPrefix": options.metadata_prefix,
        }
        if set_spec:
            params["set"] = set_spec
        seen: set[str] = set()
        listed: set[str] = set()  # distinct: a record edited mid-sweep can show up twice
        size: str | None = None
        while True:
            fetched, result = client.page(params)
            if isinstance(result, UnreadablePage):
                raise SourceError(
                    f"deletion sweep stopped: {fetched.url} is unreadable ({result}); "
                    "nothing was marked deleted",
                    stage="harvest",
                    source=source,
                )
            if result.error_code and result.error_code != "noRecordsMatch":
                raise SourceError(
                    f"deletion sweep stopped: OAI error {result.error_code} at {fetched.url}; "
                    "nothing was marked deleted",
                    stage="harvest",
                    source=source,
                )
            listed.update(r.identifier for r in result.records)
            present.extend(r.identifier for r in result.records if not r.deleted and not r.error)
            size = result.complete_list_size or size
            token = result.token
            if not token:
                break
            if token in seen:
                raise SourceError(
                    f"deletion sweep stopped: looping resumption token {token!r}",
                    stage="harvest",
                    source=source,
                )
            seen.add(token)
            params = {"verb": "ListIdentifiers", "resumptionToken": token}
        if size is not None and size.isdigit() and int(size) != len(listed):
            raise SourceError(
                f"deletion sweep stopped: the server announced {size} identifiers but listed "
                f"{len(listed)} distinct ones (records changed during the sweep?); nothing was "
                "marked deleted",
                stage="harvest",
                source=source,
                hint="the next run sweeps again",
            )
    if not present:
        raise SourceError(
            "deletion sweep stopped: the server listed no identifiers at all; nothing was "
            "marked deleted (an empty repository is more likely an outage)",
            stage="harvest",
            source=source,
        )
    return Page(
        [],
        f"oai-sweep:{options.metadata_prefix}",
        {"swept_at": datetime.now(UTC).isoformat(timespec="seconds"), "present": len(present)},
        label="deletion sweep",
        present_ids=present,
        sweep_limit=options.sweep_max_fraction,
    )
