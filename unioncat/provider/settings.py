"""The OAI-PMH provider's settings, as data (``oai_provider:`` in the pipeline file).

Identify must name the repository and an administrator; harvesters keep the base URL
they were given, so behind a reverse proxy the public URL is a setting, not whatever
the request's Host header says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from unioncat.bounds import bounded, check_bounds
from unioncat.errors import ConfigError

# the XSD's emailType, and the oai-identifier scheme's repositoryIdentifier
_EMAIL = re.compile(r"^\S+@(\S+\.)+\S+$")
_REPOSITORY_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$")


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    repository_name: str = "unioncat union catalog"
    admin_email: str = "catalog@localhost.localdomain"
    # identifiers are oai:<repository_identifier>:<record or cluster id>
    repository_identifier: str = "unioncat.local"
    # the URL harvesters reach /oai at; None: this server's own address
    base_url: str | None = None
    page_size: int = bounded(500, 1, 100_000, unit="records per response")
    # how long a resumption token is promised to work (it is a key into the list, so it
    # keeps working after, but harvesters are told a date)
    token_hours: float = bounded(24.0, 0.01, 24 * 365, unit="hours")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> ProviderSettings:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"oai_provider: unknown setting(s) {', '.join(unknown)}; known: "
                + ", ".join(sorted(known))
            )
        values: dict[str, Any] = {}
        for name, value in data.items():
            default = getattr(cls(), name)
            if isinstance(default, int) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ConfigError(f"oai_provider: {name} must be a whole number, not {value!r}")
            elif isinstance(default, float):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ConfigError(f"oai_provider: {name} must be a number, not {value!r}")
                value = float(value)
            elif not isinstance(value, str) or not value.strip():
                raise ConfigError(f"oai_provider: {name} must be a text, not {value!r}")
            values[name] = value
        settings = replace(cls(), **values)
        check_bounds(settings, "oai_provider")
        settings.check()
        return settings

    def check(self) -> None:
        if not _EMAIL.match(self.admin_email):
            raise ConfigError(
                f"oai_provider: admin_email {self.admin_email!r} is no e-mail address",
                hint="Identify must name a reachable administrator, e.g. catalog@library.org",
            )
        if not _REPOSITORY_ID.match(self.repository_identifier):
            raise ConfigError(
                f"oai_provider: repository_identifier {self.repository_identifier!r} must be "
                "a domain name (letters, digits and hyphens, with at least one dot)",
                hint="e.g. catalog.library.org",
            )
        if self.base_url is not None and not re.match(r"^https?://[^\s?#]+$", self.base_url):
            raise ConfigError(
                f"oai_provider: base_url {self.base_url!r} must be an http(s) URL without a query",
            )
