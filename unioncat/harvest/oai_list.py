"""One OAI-PMH list, page by page: the loop the incremental window and the deletion
sweep share.

It follows resumption tokens until the list ends, and stops with a clear error when
it cannot go on: a page that stays unreadable, an HTTP error, an OAI error (the class
of its code, see :mod:`~unioncat.harvest.oai_errors`), or a token the server sends
twice (which would loop for ever).  ``noRecordsMatch`` is an empty last page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from unioncat.errors import SourceError
from unioncat.harvest.http import Fetched
from unioncat.harvest.oai_client import OaiClient, describe
from unioncat.harvest.oai_errors import NO_RECORDS_MATCH, oai_error
from unioncat.harvest.oai_xml import OaiPage, UnreadablePage


@dataclass(frozen=True, slots=True)
class ListedPage:
    """A page of the list, the request that gave it, and whether it was the last."""

    fetched: Fetched
    page: OaiPage
    params: Mapping[str, str]
    asked_with_token: bool

    @property
    def next_token(self) -> str | None:
        return None if self.page.error_code else self.page.token


class UnreadableListPage(SourceError):
    """A page that could not be read however often it was fetched."""

    def __init__(
        self, fetched: Fetched, params: Mapping[str, str], problem: UnreadablePage, tries: int,
        source: str,
    ) -> None:  # fmt: skip
        self.fetched = fetched
        self.params = params
        self.problem = problem
        super().__init__(
            f"page {fetched.url} ({describe(params)}) is unreadable after {tries} tries: {problem}",
            stage="harvest",
            source=source,
        )


class LoopingToken(SourceError):
    """The server sent a resumption token it had sent before."""


def list_pages(client: OaiClient, first: Mapping[str, str]) -> Iterator[ListedPage]:
    """The pages of the list that ``first`` asks for (``verb``, ``metadataPrefix``...)."""
    source = client.source
    verb = first["verb"]
    params: Mapping[str, str] = first
    token: str | None = first.get("resumptionToken")
    seen: set[str] = set()
    while True:
        fetched, result = client.page(params)
        if isinstance(result, UnreadablePage):
            if fetched.status >= 400:
                raise SourceError(
                    f"HTTP {fetched.status} from {fetched.url} ({describe(params)})",
                    stage="harvest",
                    source=source,
                    hint="the next run resumes from this page's resumption token",
                )
            raise UnreadableListPage(
                fetched, params, result, client.options.max_retries + 1, source
            )
        page = result
        if page.error_code and page.error_code != NO_RECORDS_MATCH:
            raise oai_error(page.error_code, fetched.url, page.error_message, source)
        if not page.error_code and fetched.status != 200:
            raise SourceError(f"HTTP {fetched.status} from {fetched.url}", stage="harvest",
                              source=source)  # fmt: skip
        listed = ListedPage(fetched, page, params, token is not None)
        nxt = listed.next_token
        if nxt is not None and (nxt == token or nxt in seen):
            raise LoopingToken(
                f"the server sent resumption token {nxt!r} again at {fetched.url}; "
                "stopping instead of looping",
                stage="harvest",
                source=source,
                hint="report the looping token to the repository",
            )
        if token:
            seen.add(token)
        yield listed
        if nxt is None:
            return
        token = nxt
        params = {"verb": verb, "resumptionToken": nxt}
