"""Resumption tokens that are keys into the list, not state kept by the server.

A token holds what the first request asked (format, set, window) and the (datestamp,
id) key of the last item served, so any server process, after any restart, resumes
exactly after it: a harvest is complete and never repeats an item, while the catalog
changes under it.  Tokens are URL-safe base64 of a small JSON object; one that does not
decode to exactly that is refused as ``badResumptionToken``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from datetime import datetime

VERSION = 1


class BadToken(ValueError):
    """A resumption token this server did not issue, or one damaged on the way."""


@dataclass(frozen=True, slots=True)
class Token:
    verb: str
    prefix: str
    set_spec: str | None
    start: str | None  # ISO datetimes of the window asked
    end: str | None
    after_at: str  # the last item served: its datestamp to the microsecond, and its id
    after_id: str
    cursor: int  # items served before this page
    size: int  # completeListSize when the list was first asked

    def encode(self) -> str:
        data = {"v": VERSION, **asdict(self)}
        raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, verb: str) -> Token:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            data = json.loads(raw)
        except (binascii.Error, ValueError) as exc:
            raise BadToken(f"resumption token {text[:40]!r} is not one this server issued") from exc
        if not isinstance(data, dict) or data.pop("v", None) != VERSION:
            raise BadToken(f"resumption token {text[:40]!r} is not one this server issued")
        try:
            token = cls(**data)
            datetime.fromisoformat(token.after_at)
            for value in (token.start, token.end):
                if value is not None:
                    datetime.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise BadToken(f"resumption token {text[:40]!r} is damaged") from exc
        if token.verb != verb:
            raise BadToken(f"this resumption token continues {token.verb}, not {verb}")
        if not isinstance(token.cursor, int) or not isinstance(token.size, int):
            raise BadToken(f"resumption token {text[:40]!r} is damaged")
        return token
