"""OAI-PMH 2.0: a request's arguments in, the response document out.

No HTTP and no database here: :func:`respond` takes the arguments as the request gave
them (each name with every value it was given, so a repeated argument is refused as
the protocol says), an :class:`~unioncat.provider.items.Items` view and the settings.
Errors are the protocol's own error codes, with a message that says what to send
instead; the ``request`` element then carries no attributes, as section 3.2 asks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from unioncat.provider.formats import FORMATS, MetadataFormat
from unioncat.provider.items import (
    CLUSTERS,
    RECORDS,
    SET_KINDS,
    SET_SPEC,
    Header,
    Items,
    Selection,
)
from unioncat.provider.settings import ProviderSettings
from unioncat.provider.tokens import BadToken, Token
from unioncat.reader_links import AccessSettings, with_reader_links
from unioncat.xmltext import attr, element, text

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    f'xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">'
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

# the arguments each verb takes: (required, optional, exclusive)
_ARGUMENTS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken",
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken",
    ),
}  # fmt: skip


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Context:
    items: Items
    settings: ProviderSettings
    base_url: str
    now: datetime
    links: AccessSettings = AccessSettings()  # how this library's readers get in

    @property
    def prefix(self) -> str:
        return f"oai:{self.settings.repository_identifier}:"


@lru_cache(maxsize=4096)
def stamp(at: datetime) -> str:
    """A datestamp at the repository's granularity (seconds, UTC); a page's items share
    few of them."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def respond(arguments: Mapping[str, Sequence[str]], context: Context) -> tuple[str, str | None]:
    """The response document, and the error code when it is an error response."""
    verb_values = arguments.get("verb") or []
    try:
        if len(verb_values) != 1:
            raise OaiError(
                "badVerb",
                "the verb argument is missing" if not verb_values else "the verb is repeated",
            )
        verb = verb_values[0]
        if verb not in _ARGUMENTS:
            raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb; the verbs are "
                           + ", ".join(_ARGUMENTS))  # fmt: skip
        args = _checked(verb, arguments)
        body = _VERBS[verb](args, context)
    except OaiError as exc:
        echo = ""
        if exc.code not in ("badVerb", "badArgument"):
            echo = _request_attributes(arguments)
        return (
            _document(context, echo, f'<error code="{exc.code}">{text(exc.message)}</error>'),
            exc.code,
        )
    return _document(context, _request_attributes(arguments), body), None


def _document(context: Context, request_attrs: str, body: str) -> str:
    return (
        f"{_HEAD}<responseDate>{stamp(context.now)}</responseDate>"
        f"<request{request_attrs}>{text(context.base_url)}</request>{body}</OAI-PMH>\n"
    )


def _request_attributes(arguments: Mapping[str, Sequence[str]]) -> str:
    return "".join(f' {name}="{attr(values[0])}"' for name, values in arguments.items() if values)


def _checked(verb: str, arguments: Mapping[str, Sequence[str]]) -> dict[str, str]:
    required, optional, exclusive = _ARGUMENTS[verb]
    given = {k: v for k, v in arguments.items() if k != "verb"}
    for name, values in given.items():
        allowed = required | optional | ({exclusive} if exclusive else set())
        if name not in allowed:
            raise OaiError(
                "badArgument",
                f"{verb} takes no argument {name!r}"
                + (f"; it takes {', '.join(sorted(allowed))}" if allowed else ""),
            )
        if len(values) != 1:
            raise OaiError("badArgument", f"the argument {name!r} is repeated")
    args = {k: v[0] for k, v in given.items()}
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise OaiError(
                "badArgument", f"{exclusive} is an exclusive argument: send it alone with the verb"
            )
        return args
    missing = sorted(required - set(args))
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}")
    return args


# -- the verbs -------------------------------------------------------------------------------


def _identify(args: Mapping[str, str], c: Context) -> str:
    earliest = c.items.earliest() or c.now
    s = c.settings
    return (
        "<Identify>"
        + element("repositoryName", s.repository_name)
        + element("baseURL", c.base_url)
        + "<protocolVersion>2.0</protocolVersion>"
        + element("adminEmail", s.admin_email)
        + f"<earliestDatestamp>{stamp(earliest)}</earliestDatestamp>"
        + "<deletedRecord>persistent</deletedRecord>"
        + f"<granularity>{GRANULARITY}</granularity>"
        + "</Identify>"
    )


def _format(prefix: str) -> MetadataFormat:
    found = FORMATS.get(prefix)
    if found is None:
        raise OaiError(
            "cannotDisseminateFormat",
            f"metadataPrefix {prefix!r} is not served here; the formats are " + ", ".join(FORMATS),
        )
    return found


def _item_id(identifier: str, c: Context) -> str:
    if not identifier.startswith(c.prefix):
        raise OaiError(
            "idDoesNotExist", f"{identifier!r} is not an identifier of this repository "
            f"(they begin {c.prefix})",
        )  # fmt: skip
    return identifier[len(c.prefix) :]


def _list_metadata_formats(args: Mapping[str, str], c: Context) -> str:
    if "identifier" in args:
        item = _item_id(args["identifier"], c)
        if c.items.header(item) is None:
            raise OaiError("idDoesNotExist", f"no item {args['identifier']!r} in this repository")
    out = ["<ListMetadataFormats>"]
    for f in FORMATS.values():
        out.append(
            "<metadataFormat>"
            + element("metadataPrefix", f.prefix)
            + element("schema", f.schema_url(c.base_url))
            + element("metadataNamespace", f.namespace)
            + "</metadataFormat>"
        )
    out.append("</ListMetadataFormats>")
    return "".join(out)


_SET_NAMES = {"source": "records of source", "type": "of type", "medium": "in medium"}


def _list_sets(args: Mapping[str, str], c: Context) -> str:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets is never split: it has no resumption token")
    sets = [(RECORDS, "every record, as each source gave it"),
            (CLUSTERS, "every cluster: the merged record of one work")]  # fmt: skip
    for kind, values in c.items.set_values().items():
        for value in values:
            spec = f"{kind}:{value}"
            if SET_SPEC.match(spec):
                sets.append((spec, f"{_SET_NAMES[kind]} {value}"))
    body = "".join(
        f"<set>{element('setSpec', spec)}{element('setName', name)}</set>" for spec, name in sets
    )
    return f"<ListSets>{body}</ListSets>"


def _header_xml(h: Header, c: Context) -> str:
    status = ' status="deleted"' if h.deleted else ""
    specs = "".join(f"<setSpec>{s}</setSpec>" for s in h.sets)  # set specs need no escape
    return (
        f"<header{status}><identifier>{text(c.prefix + h.id)}</identifier>"
        f"<datestamp>{stamp(h.at)}</datestamp>{specs}</header>"
    )


def _records_xml(headers: Sequence[Header], fmt: MetadataFormat, c: Context) -> list[str]:
    live = [h for h in headers if not h.deleted]
    records = c.items.records([h for h in live if h.family == RECORDS], fmt.columns)
    clusters = c.items.clusters([h for h in live if h.family == CLUSTERS])
    out: list[str] = []
    for h in headers:
        head = _header_xml(h, c)
        row = None if h.deleted else (records if h.family == RECORDS else clusters).get(h.id)
        if row is None:
            out.append(f"<record>{head}</record>")
            continue
        if h.family == RECORDS:
            metadata = fmt.record(with_reader_links(row, c.links))
        else:
            metadata = fmt.cluster(row)
        out.append(f"<record>{head}<metadata>{metadata}</metadata></record>")
    return out


def _get_record(args: Mapping[str, str], c: Context) -> str:
    fmt = _format(args["metadataPrefix"])
    item = _item_id(args["identifier"], c)
    header = c.items.header(item)
    if header is None:
        raise OaiError("idDoesNotExist", f"no item {args['identifier']!r} in this repository")
    return f"<GetRecord>{''.join(_records_xml([header], fmt, c))}</GetRecord>"


def _parse_date(name: str, value: str) -> tuple[datetime, bool]:
    """The datetime of a from or until argument, and whether it is a day (not a second)."""
    try:
        if _DAY.match(value):
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), True
        if _SECOND.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), False
    except ValueError:
        pass
    raise OaiError(
        "badArgument",
        f"{name}={value!r} is not a date of this repository's granularity: YYYY-MM-DD or "
        "YYYY-MM-DDThh:mm:ssZ (UTC)",
    )


def _selection(args: Mapping[str, str]) -> Selection:
    start = end = None
    day_from = day_until = None
    if "from" in args:
        start, day_from = _parse_date("from", args["from"])
    if "until" in args:
        until, day_until = _parse_date("until", args["until"])
        end = until + (timedelta(days=1) if day_until else timedelta(seconds=1))
    if day_from is not None and day_until is not None and day_from != day_until:
        raise OaiError("badArgument", "from and until must have the same granularity")
    if start is not None and end is not None and start >= end:
        raise OaiError("badArgument", f"from ({args['from']}) is after until ({args['until']})")
    spec = args.get("set")
    if spec is not None:
        kind = spec.partition(":")[0]
        if spec not in (RECORDS, CLUSTERS) and (kind not in SET_KINDS or ":" not in spec):
            raise OaiError(
                "badArgument",
                f"set {spec!r} is not a set here: the sets are records, clusters, "
                "source:NAME, type:TYPE and medium:MEDIUM (ListSets lists them)",
            )
    return Selection(spec, start, end)


def _list(args: Mapping[str, str], c: Context, verb: str) -> str:
    if "resumptionToken" in args:
        try:
            token = Token.decode(args["resumptionToken"], verb)
        except BadToken as exc:
            raise OaiError("badResumptionToken", str(exc)) from exc
        fmt = _format(token.prefix)
        selection = Selection(
            token.set_spec,
            datetime.fromisoformat(token.start) if token.start else None,
            datetime.fromisoformat(token.end) if token.end else None,
        )
        after: tuple[datetime, str] | None = (
            datetime.fromisoformat(token.after_at),
            token.after_id,
        )
        cursor, size = token.cursor, token.size
    else:
        fmt = _format(args["metadataPrefix"])
        selection = _selection(args)
        after, cursor = None, 0
        size = c.items.count(selection)
    limit = c.settings.page_size
    headers = c.items.page(selection, after, limit + 1)
    more = len(headers) > limit
    headers = headers[:limit]
    if not headers:
        if after is None:
            raise OaiError("noRecordsMatch", "no item matches these arguments")
        # the list ended exactly at the last page's end: an empty, final token
        return f'<{verb}><resumptionToken completeListSize="{size}" cursor="{cursor}"/></{verb}>'
    if verb == "ListIdentifiers":
        parts = [_header_xml(h, c) for h in headers]
    else:
        parts = _records_xml(headers, fmt, c)
    if more or after is not None:
        size = max(size, cursor + len(headers) + (1 if more else 0))
        if more:
            last = headers[-1]
            nxt = Token(
                verb, fmt.prefix, selection.set_spec,
                selection.start.isoformat() if selection.start else None,
                selection.end.isoformat() if selection.end else None,
                last.at.isoformat(), last.id, cursor + len(headers), size,
            )  # fmt: skip
            expires = stamp(c.now + timedelta(hours=c.settings.token_hours))
            parts.append(
                f'<resumptionToken expirationDate="{expires}" completeListSize="{size}" '
                f'cursor="{cursor}">{nxt.encode()}</resumptionToken>'
            )
        else:
            parts.append(f'<resumptionToken completeListSize="{size}" cursor="{cursor}"/>')
    return f"<{verb}>{''.join(parts)}</{verb}>"


def _list_identifiers(args: Mapping[str, str], c: Context) -> str:
    return _list(args, c, "ListIdentifiers")


def _list_records(args: Mapping[str, str], c: Context) -> str:
    return _list(args, c, "ListRecords")


_VERBS = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": _list_identifiers,
    "ListRecords": _list_records,
}
