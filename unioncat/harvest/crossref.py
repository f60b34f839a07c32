"""The ``crossref`` harvester: the works a filter selects, kept in step by index date.

The first harvest walks everything the filters select (from ``from``, if given) in one
cursor pass.  Every later run asks from the start of the last completed window, less
``overlap_days``, to today; a gap longer than ``window_days`` is cut into windows of
that length, oldest first (span's way of harvesting Crossref day by day), so a failure
costs one window.  Each page is a :class:`~unioncat.contracts.Page` whose checkpoint
(:class:`~unioncat.harvest.crossref_state.CrossrefState`) holds the next cursor; a
cursor Crossref no longer knows (they expire after minutes unused) restarts its window,
and the upserts by DOI absorb what comes again.  A window's distinct DOIs are held
against the ``total-results`` of its first page; a shortfall is logged and kept in the
checkpoint, where ``status`` shows it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar

from unioncat.contracts import Page, RawEnvelope, SourceSpec
from unioncat.errors import ConfigError, SourceError
from unioncat.harvest.base import register
from unioncat.harvest.crossref_options import CrossrefOptions
from unioncat.harvest.crossref_state import CrossrefState
from unioncat.lazy import lazy_module
from unioncat.log import event
from unioncat.redact import redact_url

if TYPE_CHECKING:
    from unioncat.harvest import crossref_client
    from unioncat.harvest.crossref_client import CrossrefClient, WorksPage
else:
    # the HTTP client (requests, msgspec) loads with the first harvest: reading a
    # pipeline that names a crossref source, as `status` does, needs the options only
    crossref_client = lazy_module("unioncat.harvest.crossref_client")

FRAMER = "crossref-json"
MAX_WINDOW_RESTARTS = 3
KEY_LIMIT = 160  # a longer filter selection is named by its digest


def state_key(options: CrossrefOptions) -> str:
    """The checkpoint's name: the filter selection, so that new filters start afresh."""
    written = ",".join(f"{k}:{v}" for k, v in options.filter_pairs()) or "*"
    key = f"crossref:{options.sync_by}:{written}"
    if len(key) > KEY_LIMIT:
        key = f"crossref:{options.sync_by}:{hashlib.sha1(written.encode()).hexdigest()[:16]}"
    return key


@register
class CrossrefHarvester:
    kind: ClassVar[str] = "crossref"
    options: ClassVar[type] = CrossrefOptions

    @staticmethod
    def check_format(fmt: str, where: str) -> None:
        if fmt != "crossref":
            raise ConfigError(
                f"{where}: a crossref source delivers Crossref works; its format is "
                f"crossref, not {fmt!r}",
                stage="config",
                hint="leave format out, or write format: crossref",
            )

    def harvest(self, spec: SourceSpec, state: Mapping[str, Mapping[str, Any]]) -> Iterator[Page]:
        options: CrossrefOptions = spec.options
        key = state_key(options)
        client = crossref_client.CrossrefClient(spec.name, options)
        walk = Walk(client, key, CrossrefState.from_json(state.get(key)))
        try:
            yield from walk.run(datetime.now(UTC).date())
        finally:
            client.close()


def plan(
    prev: CrossrefState, options: CrossrefOptions, today: date
) -> list[tuple[str | None, str | None]]:
    """The windows (from, until; None is open) still to walk, oldest first.  A window
    under way is not in the plan: it is resumed before it."""
    if prev.high_water is None:
        return [(options.from_date[:10] if options.from_date else None, None)]
    start = date.fromisoformat(prev.high_water) - timedelta(days=options.overlap_days)
    windows: list[tuple[str | None, str | None]] = []
    step = timedelta(days=options.window_days)
    while start + step <= today:
        windows.append((start.isoformat(), (start + step - timedelta(days=1)).isoformat()))
        start += step
    windows.append((start.isoformat(), None))
    return windows


class Walk:
    """The windows of one source, each walked by cursor, each page one commit."""

    def __init__(self, client: CrossrefClient, key: str, prev: CrossrefState) -> None:
        self.client = client
        self.options = client.options
        self.source = client.source
        self.key = key
        self.state = prev

    def run(self, today: date) -> Iterator[Page]:
        if self.state.under_way:
            resumed = self.state
            yield from self.window(resumed.window_from, resumed.window_until, resumed)
        for window_from, window_until in plan(self.state, self.options, today):
            yield from self.window(window_from, window_until, None)

    def _filters(self, window_from: str | None, window_until: str | None) -> list[tuple[str, str]]:
        pairs = self.options.filter_pairs()
        by = self.options.sync_by
        if window_from:
            pairs.append((f"from-{by}-date", window_from))
        if window_until:
            pairs.append((f"until-{by}-date", window_until))
        return pairs

    def window(
        self, window_from: str | None, window_until: str | None, resumed: CrossrefState | None
    ) -> Iterator[Page]:
        filters = self._filters(window_from, window_until)
        label = f"{window_from or 'the beginning'} to {window_until or 'now'}"
        restarts = 0
        st = resumed or CrossrefState(
            high_water=self.state.high_water,
            window_from=window_from,
            window_until=window_until,
            cursor="*",
            complete=False,
        )
        seen: set[str] = set()
        while True:
            cursor = st.cursor or "*"
            params = self.client.params(filters, cursor)
            try:
                page = self.client.page(params)
            except crossref_client.CrossrefError as exc:
                status = exc.fetched.status
                if cursor != "*" and status in (400, 404, 410):
                    restarts += 1
                    if restarts > MAX_WINDOW_RESTARTS:
                        raise SourceError(
                            f"Crossref keeps refusing its own cursors at "
                            f"{redact_url(self.client.endpoint)} ({exc.words})",
                            stage="harvest",
                            source=self.source,
                            hint="lower page_delay: a cursor expires after minutes unused",
                        ) from None
                    event(
                        "crossref.cursor_expired",
                        f"{self.source}: Crossref no longer knows the cursor of window "
                        f"{label} (HTTP {status}: {exc.words}); restarting the window",
                        logging.WARNING,
                        source=self.source,
                    )
                    st = CrossrefState(
                        high_water=st.high_water,
                        window_from=window_from,
                        window_until=window_until,
                        cursor="*",
                        complete=False,
                    )
                    seen = set()
                    continue
                raise SourceError(
                    f"Crossref answered {redact_url(exc.fetched.url)} with {exc.words}",
                    stage="harvest",
                    source=self.source,
                    hint="check the source's filters and url; the next run resumes from "
                    "the last committed page",
                ) from None
            yield self._page(page, st, seen, label, params)
            st = self.state
            if st.complete:
                return

    def _page(
        self,
        page: WorksPage,
        prev: CrossrefState,
        seen: set[str],
        label: str,
        params: Mapping[str, str],
    ) -> Page:
        full = len(page.payloads) >= self.options.rows
        last = not page.payloads or not full or page.next_cursor is None
        if not last and page.next_cursor is not None:
            self.client.ask_ahead({**params, "cursor": page.next_cursor})
        first = params["cursor"] == "*"
        started = prev.started if not first else _server_day(page.fetched.headers)
        total = page.total if first else prev.total
        pages = (0 if first else prev.pages) + 1
        fetched_at = datetime.now(UTC)
        envelopes: list[RawEnvelope] = []
        new = 0
        for i, (given, payload) in enumerate(zip(page.dois, page.payloads, strict=True)):
            doi = given.strip().lower()
            if doi and doi not in seen:
                seen.add(doi)
                new += 1
            envelopes.append(
                RawEnvelope(
                    source=self.source,
                    envelope_id=doi or f"{self.key}:no-doi:{_digest(payload)}",
                    format=FRAMER,
                    payload=payload,
                    fetched_at=fetched_at,
                    batch=f"{self.key} {label} page {pages}",
                    position=i,
                    record_id=doi or None,
                    error=None if doi else "a Crossref work without a DOI: nothing keys it",
                )
            )
        distinct = (0 if first else prev.distinct) + new
        fetched = (0 if first else prev.fetched) + len(page.payloads)
        shortfall = prev.shortfall
        if last:
            shortfall = self._check_complete(label, distinct, total)
        state = CrossrefState(
            high_water=self._high_water(prev, started) if last else prev.high_water,
            window_from=prev.window_from,
            window_until=prev.window_until,
            started=started,
            cursor=None if last else page.next_cursor,
            complete=last,
            pages=pages,
            fetched=fetched,
            distinct=distinct,
            total=total,
            shortfall=shortfall,
        )
        self.state = state
        return Page(
            envelopes,
            self.key,
            state.to_json(),
            label=f"{self.key} {label} page {pages}",
            progress=(fetched, total, "rec") if total is not None else None,
        )

    def _high_water(self, prev: CrossrefState, started: str | None) -> str:
        """Where the next window starts once this one is complete: the day after a
        closed window's last, or the day an open window began."""
        if prev.window_until:
            return (date.fromisoformat(prev.window_until) + timedelta(days=1)).isoformat()
        return started or datetime.now(UTC).date().isoformat()

    def _check_complete(self, label: str, distinct: int, total: int | None) -> str | None:
        if total is None or distinct >= total:
            return None
        words = (
            f"window {label}: {distinct} distinct DOIs fetched of the {total} Crossref "
            f"counted at its first page ({total - distinct} short)"
        )
        event(
            "crossref.shortfall",
            f"{self.source}: {words}; works re-indexed during the walk move to a later "
            "window, a shortfall that stays means pages were lost (rerun with `from:` "
            "earlier, or harvest the window again)",
            logging.WARNING,
            source=self.source,
            distinct=distinct,
            total=total,
        )
        return words


def _server_day(headers: Mapping[str, str]) -> str:
    """The day by the server's clock (its Date header), else this machine's."""
    value = headers.get("Date") or headers.get("date")
    if value:
        try:
            return parsedate_to_datetime(value).astimezone(UTC).date().isoformat()
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC).date().isoformat()


def _digest(payload: bytes) -> str:
    return hashlib.sha1(payload, usedforsecurity=False).hexdigest()[:16]
