"""The options of an ``oai-pmh`` source, as they are written in pipelines.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from unioncat.bounds import bounded
from unioncat.errors import ConfigError

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


@dataclass(slots=True)
class OaiOptions:
    """Options of an ``oai-pmh`` source in pipelines.yaml (``from`` is read as from_date)."""

    ALIASES: ClassVar[dict[str, str]] = {"from": "from_date"}

    url: str = ""
    metadata_prefix: str = "oai_dc"
    sets: list[str] = field(default_factory=list)
    from_date: str | None = None
    page_delay: float = bounded(0.0, 0, 3600, unit="seconds")
    max_retries: int = bounded(5, 0, 100, unit="retries")
    timeout: float = bounded(60.0, 0, 3600, low_open=True, unit="seconds")
    # seconds for a whole response, however it trickles in
    deadline: float = bounded(900.0, 0, 86_400, low_open=True, unit="seconds")
    retry_after_max: float = bounded(300.0, 0, 86_400, unit="seconds")
    # a larger response is refused with its URL (one page is held in memory whole)
    max_response_bytes: int = bounded(64 << 20, 1024, 4 << 30, unit="bytes")
    # seconds before the first retry; doubles up to a minute
    backoff: float = bounded(1.0, 0, 3600, unit="seconds")
    # How far back each window reaches before the last one's start.  A day: repositories
    # whose OAI index is rebuilt by a job (DSpace, for one) show a record hours after its
    # datestamp, and records met again unchanged cost one comparison of their hash.
    overlap_seconds: int = bounded(86_400, 0, 366 * 86_400, unit="seconds")
    mode: str = "list_records"
    deletion_sweep: bool = False
    # the share of the source's records that may be deleted at once, and within
    # deletion_window_days however the deletions come (sweeps, deleted headers)
    sweep_max_fraction: float = bounded(0.2, 0, 1, low_open=True)
    deletion_window_days: float = bounded(7.0, 0, 366, unit="days")

    def default_format(self) -> str | None:
        """The normalizer for this metadata prefix when the source names no format."""
        return PREFIX_FORMATS.get(self.metadata_prefix.lower())

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"url must be the repository's http(s) OAI-PMH base URL, not {self.url!r}",
                stage="config",
            )
        if self.mode not in MODES:
            raise ConfigError(
                f"mode {self.mode!r} is unknown; valid modes are: {', '.join(MODES)}",
                stage="config",
            )
