"""The ``oai-pmh`` harvester: incremental, resumable, polite.

A source is harvested window by window, one per set (:mod:`~unioncat.harvest.oai_window`),
then, with ``deletion_sweep``, swept for records the server no longer lists
(:mod:`~unioncat.harvest.oai_sweep`).  Requests, retries and the page asked for ahead
are :mod:`~unioncat.harvest.oai_client`'s; the list loop both share is
:mod:`~unioncat.harvest.oai_list`'s; dirty XML is repaired by
:mod:`~unioncat.harvest.oai_xml`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from unioncat.contracts import Page, SourceSpec
from unioncat.errors import SourceError
from unioncat.harvest.base import register
from unioncat.harvest.oai_options import OaiOptions


@register
class OaiHarvester:
    kind: ClassVar[str] = "oai-pmh"
    options: ClassVar[type] = OaiOptions

    @staticmethod
    def check_format(fmt: str, where: str) -> None:
        """Any registered format can arrive over OAI-PMH (the metadata prefix names it)."""

    def harvest(self, spec: SourceSpec, state: Mapping[str, Mapping[str, Any]]) -> Iterator[Page]:
        # the HTTP client and the XML reader load with the first harvest: reading a
        # pipeline that names this source, as `status` does, needs the options only
        from unioncat.harvest.oai_client import OaiClient
        from unioncat.harvest.oai_sweep import sweep
        from unioncat.harvest.oai_window import Window
        from unioncat.harvest.oai_xml import UnreadablePage, parse_identify

        source, options = spec.name, spec.options
        client = OaiClient(source, options)
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
                window = Window(client, key, set_spec, identity.granularity, state.get(key))
                yield from window.run()
            if options.deletion_sweep:
                yield sweep(client)
        finally:
            client.close()
