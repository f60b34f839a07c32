"""One OAI-PMH request answered from one open catalog: what the server and a run's read
service both call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from unioncat.catalog import Catalog
from unioncat.provider.items import Items
from unioncat.provider.protocol import Context, respond
from unioncat.provider.settings import ProviderSettings
from unioncat.reader_links import AccessSettings


def answer(
    catalog: Catalog,
    settings: ProviderSettings,
    arguments: Mapping[str, Sequence[str]],
    base_url: str,
    links: AccessSettings | None = None,
) -> tuple[str, str | None]:
    """The response document, and its error code when it is an error; ``links`` make
    the access links the library's readers follow."""
    context = Context(
        Items(catalog), settings, base_url, datetime.now(UTC), links or AccessSettings()
    )
    return respond(arguments, context)
