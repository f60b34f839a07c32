"""The options of a ``crossref`` source, as they are written in pipelines.yaml.

``filters`` is a mapping of Crossref's own ``/works`` filter names to a value or a list
of values (Crossref ORs repeated names: ``issn: [1234-5678, 8765-4321]``).  A name
Crossref does not have is refused here, before any request, rather than by a 400 at
three in the morning; the date filters the harvester sets itself to walk its windows are
refused too, with the option that does their job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from unioncat.bounds import bounded
from unioncat.errors import ConfigError

DEFAULT_URL = "https://api.crossref.org"

# Crossref's /works filters (https://www.crossref.org/documentation/retrieve-metadata/
# rest-api/rest-api-filters/); a dotted name is written as Crossref writes it.
WORK_FILTERS = frozenset(
    """
    alternative-id archive article-number assertion assertion-group award.funder
    award.number category-name clinical-trial-number container-title content-domain
    directory doi from-accepted-date from-approved-date from-awarded-date from-created-date
    from-deposit-date from-event-end-date from-event-start-date from-issued-date
    from-online-pub-date from-posted-date from-print-pub-date from-pub-date full-text.application
    full-text.type full-text.version funder funder-doi-asserted-by group-title
    has-abstract has-affiliation has-archive has-assertion has-authenticated-orcid
    has-award has-clinical-trial-number has-content-domain has-crossmark-restriction
    has-description has-domain-restriction has-event has-full-text has-funder
    has-funder-doi has-license has-orcid has-references has-relation has-ror-id
    has-update has-update-policy is-update isbn issn license.delay license.url
    license.version location member orcid prefix ref-type reference-visibility
    relation.object relation.object-type relation.type ror-id type type-name
    until-accepted-date until-approved-date until-awarded-date until-created-date
    until-deposit-date until-event-end-date until-event-start-date until-issued-date
    until-online-pub-date until-posted-date until-print-pub-date until-pub-date
    update-type updates
    """.split()
)
# set by the harvester for each window; the pipeline says `from` and `sync_by`
WINDOW_FILTERS = frozenset(
    {"from-index-date", "until-index-date", "from-update-date", "until-update-date"}
)
SYNC_BY = ("index", "update")


@dataclass(slots=True)
class CrossrefOptions:
    """Options of a ``crossref`` source (``from`` is read as from_date)."""

    ALIASES: ClassVar[dict[str, str]] = {"from": "from_date"}

    url: str = DEFAULT_URL
    filters: dict[str, Any] = field(default_factory=dict)
    rows: int = bounded(1000, 1, 1000, unit="works a page")
    # The first harvest walks from here (a date, YYYY-MM-DD) in one cursor pass; none:
    # everything the filters select.
    from_date: str | None = None
    # Which date windows are cut on: Crossref's index date (its advice for keeping a copy
    # in step: it moves whenever anything about the work changes) or the deposit date.
    sync_by: str = "index"
    window_days: int = bounded(7, 1, 3660, unit="days")
    # How far each later run reaches back before the last completed window's start:
    # index dates are days, and a work indexed late on the day the window began must not
    # fall between two runs.
    overlap_days: int = bounded(1, 0, 366, unit="days")
    # Sent in the User-Agent and as a parameter: Crossref's polite pool.
    mailto: str | None = None
    # The environment variable holding a Metadata Plus token; read, never written to a
    # log, sent as Crossref-Plus-API-Token.
    plus_token_env: str = "CROSSREF_PLUS_API_TOKEN"
    page_delay: float = bounded(0.0, 0, 3600, unit="seconds")
    max_retries: int = bounded(5, 0, 100, unit="retries")
    timeout: float = bounded(60.0, 0, 3600, low_open=True, unit="seconds")
    deadline: float = bounded(900.0, 0, 86_400, low_open=True, unit="seconds")
    retry_after_max: float = bounded(300.0, 0, 86_400, unit="seconds")
    max_response_bytes: int = bounded(64 << 20, 1024, 4 << 30, unit="bytes")
    backoff: float = bounded(1.0, 0, 3600, unit="seconds")
    deletion_window_days: float = bounded(7.0, 0, 366, unit="days")

    def default_format(self) -> str:
        return "crossref"

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"url must be the http(s) root of the Crossref REST API, not {self.url!r}",
                stage="config",
                hint=f"leave it out for {DEFAULT_URL}",
            )
        if self.sync_by not in SYNC_BY:
            raise ConfigError(
                f"sync_by {self.sync_by!r} is unknown; it is one of: {', '.join(SYNC_BY)}",
                stage="config",
            )
        if not isinstance(self.filters, dict):
            raise ConfigError(
                "filters must be a mapping of Crossref filter names to values "
                "(issn: 1234-5678, type: journal-article)",
                stage="config",
            )
        for name, value in self.filters.items():
            _check_filter(str(name), value)
        if self.from_date is not None:
            try:
                date.fromisoformat(str(self.from_date)[:10])
            except ValueError:
                raise ConfigError(
                    f"from must be a date written YYYY-MM-DD, not {self.from_date!r}",
                    stage="config",
                ) from None

    def filter_pairs(self) -> list[tuple[str, str]]:
        """The pipeline's filters as (name, value) pairs, lists spread out, in a stable
        order (it names the checkpoint)."""
        pairs = []
        for name in sorted(self.filters):
            value = self.filters[name]
            for one in value if isinstance(value, list) else [value]:
                pairs.append((name, _written(one)))
        return pairs


def _written(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_filter(name: str, value: Any) -> None:
    if name in WINDOW_FILTERS:
        raise ConfigError(
            f"filters.{name} is set by the harvester for each window; write `from:` for "
            "the first harvest and `sync_by: index|update` for which date it follows",
            stage="config",
        )
    if name not in WORK_FILTERS:
        close = sorted(f for f in WORK_FILTERS if name.replace("_", "-") == f)
        raise ConfigError(
            f"filters.{name} is not a Crossref /works filter"
            + (f" (did you mean {close[0]}?)" if close else ""),
            stage="config",
            hint="Crossref's filters are listed at https://www.crossref.org/documentation/"
            "retrieve-metadata/rest-api/rest-api-filters/",
        )
    values = value if isinstance(value, list) else [value]
    if not values or any(v is None or isinstance(v, (dict, list)) or v == "" for v in values):
        raise ConfigError(
            f"filters.{name} needs a value (text, a number, true/false, or a list of them)",
            stage="config",
        )
    if any("," in _written(v) for v in values):
        raise ConfigError(
            f"filters.{name}: a comma separates Crossref filters; write several values as a list",
            stage="config",
        )
