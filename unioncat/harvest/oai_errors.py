"""OAI-PMH errors, one class per error code, as sickle has them.

A repository's ``<error code="...">`` becomes the class registered for its code, with
the code's meaning and the fix in words for the person who reads the log.
``noRecordsMatch`` is not a failure (an empty result, even when sent with HTTP 422 as
Zenodo does), so nothing raises it; the others fail the source.
"""

from __future__ import annotations

from typing import ClassVar

from unioncat.errors import SourceError


class OaiError(SourceError):
    """The repository answered with an OAI-PMH error."""

    code: ClassVar[str] = ""
    meaning: ClassVar[str] = "the server reported an error"
    fix: ClassVar[str] = "see the message"

    def __init__(self, url: str, message: str | None, source: str, code: str | None = None):
        self.url = url
        self.server_message = message
        shown = code or self.code
        super().__init__(
            f"OAI error {shown} at {url}: {self.meaning}" + (f" ({message})" if message else ""),
            stage="harvest",
            source=source,
            hint=self.fix,
        )


class BadArgument(OaiError):
    code = "badArgument"
    meaning = "the server rejected the request's arguments"
    fix = "check url, sets and from"


class BadResumptionToken(OaiError):
    code = "badResumptionToken"
    meaning = "the resumption token is invalid or expired"
    fix = "the next run restarts the window"


class BadVerb(OaiError):
    code = "badVerb"
    meaning = "the server does not know the verb"
    fix = "check that url is an OAI-PMH base URL"


class CannotDisseminateFormat(OaiError):
    code = "cannotDisseminateFormat"
    meaning = "the server does not offer this metadata_prefix"
    fix = "pick one listed by ?verb=ListMetadataFormats"


class IdDoesNotExist(OaiError):
    code = "idDoesNotExist"
    meaning = "the identifier is unknown to the server"
    fix = "none: it was removed"


class NoMetadataFormats(OaiError):
    code = "noMetadataFormats"
    meaning = "the server offers no metadata formats for the item"
    fix = "none"


class NoSetHierarchy(OaiError):
    code = "noSetHierarchy"
    meaning = "the server does not support sets"
    fix = "remove sets from the source"


NO_RECORDS_MATCH = "noRecordsMatch"
OAI_ERRORS: dict[str, type[OaiError]] = {
    cls.code: cls
    for cls in (
        BadArgument, BadResumptionToken, BadVerb, CannotDisseminateFormat, IdDoesNotExist,
        NoMetadataFormats, NoSetHierarchy,
    )
}  # fmt: skip


def oai_error(code: str, url: str, message: str | None, source: str) -> OaiError:
    """The exception for error ``code`` (an unknown code gets the base class)."""
    cls = OAI_ERRORS.get(code, OaiError)
    return cls(url, message, source, code)
