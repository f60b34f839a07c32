"""The deletion sweep: every identifier the server still lists, for servers that never
report deletions.

The sweep lists identifiers over every set and hands the catalog the complete list;
the catalog tombstones the source's other records, within ``sweep_max_fraction``.  Any
doubt that the list is complete stops the sweep before anything is deleted: a page
that cannot be read, an error, a looping token, a list shorter than the
``completeListSize`` the server announced, or an empty list (more likely an outage).
"""

from __future__ import annotations

from unioncat.contracts import Page
from unioncat.errors import SourceError
from unioncat.harvest.oai_client import OaiClient
from unioncat.harvest.oai_errors import OaiError
from unioncat.harvest.oai_list import LoopingToken, UnreadableListPage, list_pages
from unioncat.harvest.oai_state import SweepState


def _stopped(source: str, why: str) -> SourceError:
    return SourceError(
        f"deletion sweep stopped: {why}; nothing was marked deleted", stage="harvest",
        source=source,
    )  # fmt: skip


def sweep(client: OaiClient) -> Page:
    """ListIdentifiers over everything: the complete list of ids the server still has."""
    source, options = client.source, client.options
    present: list[str] = []
    sets: list[str | None] = [*options.sets] or [None]
    for set_spec in sets:
        params = {"verb": "ListIdentifiers", "metadataPrefix": options.metadata_prefix}
        if set_spec:
            params["set"] = set_spec
        listed: set[str] = set()  # distinct: a record edited mid-sweep can show up twice
        size: str | None = None
        try:
            for page in list_pages(client, params):
                records = [] if page.page.error_code else page.page.records
                listed.update(r.identifier for r in records)
                present.extend(r.identifier for r in records if not r.deleted and not r.error)
                size = page.page.complete_list_size or size
        except UnreadableListPage as exc:
            raise _stopped(source, f"{exc.fetched.url} is unreadable ({exc.problem})") from exc
        except OaiError as exc:
            raise _stopped(source, f"{exc.message}") from exc
        except LoopingToken as exc:
            raise _stopped(source, f"looping resumption token ({exc.message})") from exc
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
        raise _stopped(
            source, "the server listed no identifiers at all (an empty repository is more "
            "likely an outage)",
        )  # fmt: skip
    return Page(
        [],
        f"oai-sweep:{options.metadata_prefix}",
        SweepState.now(len(present)).to_json(),
        label="deletion sweep",
        present_ids=present,
        sweep_limit=options.sweep_max_fraction,
    )
