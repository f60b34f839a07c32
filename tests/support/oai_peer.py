"""A real OAI-PMH 2.0 peer for the harvester's tests, a fault injector and a replay server.

* :class:`Repository` is an in-memory repository implementing oaipmh's ``IBatchingOAI``
  (identify, listMetadataFormats, listSets, listRecords / listIdentifiers with cursor and
  batch_size, getRecord, deleted records).  Tests mutate its items between harvests.
* :class:`PeerServer` is oaipmh 4.0.0's :class:`oaipmh.server.BatchingServer` over that
  repository, writing ``oai_dc`` (oaipmh's own ``oai_dc_writer``) and ``marc21`` (a MARCXML
  ``record`` element), with resumption tokens that carry ``cursor`` /
  ``completeListSize`` (and ``expirationDate`` when they have a lifetime) and can be made to
  expire on demand.
* :class:`FaultMiddleware` sits in front of any WSGI app: a queue of faults (HTTP 503 / 429
  / 500 with Retry-After in seconds or as an HTTP date, dropped connections, truncated
  bodies, forbidden XML characters, invalid UTF-8, slow or trickling answers, OAI errors
  with any HTTP status, looping tokens) applied to the next matching requests; every
  request is logged.
* :class:`OAIPeer` serves all of it on 127.0.0.1 on a free port, on its own threads;
  :class:`ReplayServer` serves recorded real responses (sickle's sample files and the
  Zenodo vcrpy cassettes from ``../shared/data/oai``) byte for byte.

Nothing here is mocked: clients talk HTTP to a real socket.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import math
import re
import socket
import socketserver
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.util import is_hop_by_hop
from xml.sax.saxutils import escape

from lxml import etree
from oaipmh import common, error
from oaipmh.datestamp import datetime_to_datestamp
from oaipmh.metadata import MetadataRegistry
from oaipmh.server import (
    NS_OAIPMH,
    BatchingResumption,
    BatchingServer,
    XMLTreeServer,
    decodeResumptionToken,
    encodeResumptionToken,
    nsoai,
    oai_dc_writer,
)

from tests.support.builders import SHARED_DATA as _SHARED

__all__ = [
    "DAY",
    "OAI_DATA",
    "SHARED_DATA",
    "SECONDS",
    "Fault",
    "FaultMiddleware",
    "FaultQueue",
    "Item",
    "OAIPeer",
    "PeerServer",
    "Recording",
    "ReplayServer",
    "Repository",
    "RequestLog",
    "RequestRecord",
    "make_items",
    "oai_error_xml",
    "start_peer",
]

SHARED_DATA = _SHARED
OAI_DATA = SHARED_DATA / "oai"  # sickle/, zenodo_cassettes/, vufindharvest/ (never copied here)
DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
NS_MARC = "http://www.loc.gov/MARC21/slim"
NS_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)
OAI_VERBS = (
    "GetRecord",
    "Identify",
    "ListIdentifiers",
    "ListMetadataFormats",
    "ListRecords",
    "ListSets",
)
_LIST_VERBS = ("ListIdentifiers", "ListRecords", "ListSets")
_LIST_KEYS = {
    "ListRecords": {"metadataPrefix", "set", "from_", "until"},
    "ListIdentifiers": {"metadataPrefix", "set", "from_", "until"},
    "ListSets": set(),
}
_FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", NS_OAI_DC),
    "marc21": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", NS_MARC),
}

try:  # oaipmh's Identify looks its version up on every request; do it once
    _OAIPMH_VERSION = f"<version>{_dist_version('oaipmh')}</version>"
except PackageNotFoundError:  # pragma: no cover
    _OAIPMH_VERSION = ""
_TOOLKIT = (
    '<toolkit xsi:schemaLocation="http://oai.dlib.vt.edu/OAI/metadata/toolkit '
    'http://oai.dlib.vt.edu/OAI/metadata/toolkit.xsd" '
    'xmlns="http://oai.dlib.vt.edu/OAI/metadata/toolkit" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    f"<title>oaipmh</title>{_OAIPMH_VERSION}"
    "<URL>https://github.com/eth-library/oaipmh</URL></toolkit>"
)


def utc_naive(value: datetime | date) -> datetime:
    """A naive UTC datetime without microseconds (what oaipmh's datestamps require)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _now() -> datetime:
    return utc_naive(datetime.now(UTC))


# --------------------------------------------------------------------------- repository


@dataclass
class Item:
    """One record of the repository.

    ``metadata`` maps Dublin Core element names (title, creator, subject, description,
    publisher, contributor, date, type, format, identifier, source, language, relation,
    coverage, rights) to a string or a list of strings; ``control_number`` (optional) is
    the 001 of the derived MARC record.  ``marc`` is what ``marc21`` serves: MARCXML
    (str/bytes of a ``record`` or a one-record ``collection``), an lxml element, a pymarc
    ``Record``, or None to derive a MARC record from ``metadata``.
    """

    identifier: str
    datestamp: datetime
    sets: list[str] = field(default_factory=list)
    deleted: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    marc: Any = None

    def __post_init__(self) -> None:
        self.datestamp = utc_naive(self.datestamp)
        self.sets = list(self.sets)


def make_items(
    n: int,
    *,
    start: datetime = datetime(2024, 1, 1, 8, 0, 0),
    step: timedelta = timedelta(hours=1),
    prefix: str = "oai:peer.test:",
    sets: Sequence[str] = (),
    first: int = 1,
) -> list[Item]:
    """``n`` items ``oai:peer.test:0001`` ... one ``step`` apart from ``start``."""
    items = []
    for k in range(n):
        i = first + k
        items.append(
            Item(
                identifier=f"{prefix}{i:04d}",
                datestamp=start + k * step,
                sets=list(sets),
                metadata={
                    "title": f"Record {i}",
                    "creator": [f"Author {i}, A."],
                    "date": str(2000 + i % 25),
                    "identifier": [f"https://peer.test/records/{i}"],
                    "language": "eng",
                },
            )
        )
    return items


def _as_item(value: Item | Mapping[str, Any] | Sequence[Any]) -> Item:
    if isinstance(value, Item):
        return value
    if isinstance(value, Mapping):
        return Item(**value)
    return Item(*value)


def _dc_map(metadata: Mapping[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in DC_ELEMENTS:
        value = metadata.get(name)
        if value is None:
            continue
        values = [value] if isinstance(value, str | int | float) else list(value)
        out[name] = [str(v) for v in values]
    return out


def _marc_sub(parent: etree._Element, tag: str, ind: str, subfields: list[tuple[str, str]]) -> None:
    df = etree.SubElement(parent, f"{{{NS_MARC}}}datafield", tag=tag, ind1=ind[0], ind2=ind[1])
    for code, value in subfields:
        sf = etree.SubElement(df, f"{{{NS_MARC}}}subfield", code=code)
        sf.text = value


def derive_marc(item: Item) -> etree._Element:
    """A small MARC 21 bibliographic record (MARCXML ``record``) from an item's metadata."""
    md = _dc_map(item.metadata)
    rec = etree.Element(f"{{{NS_MARC}}}record", nsmap={None: NS_MARC})
    etree.SubElement(rec, f"{{{NS_MARC}}}leader").text = "00000nam a2200000 a 4500"
    control = str(item.metadata.get("control_number") or item.identifier.rsplit(":", 1)[-1])
    etree.SubElement(rec, f"{{{NS_MARC}}}controlfield", tag="001").text = control
    stamp = item.datestamp.strftime("%Y%m%d%H%M%S.0")
    etree.SubElement(rec, f"{{{NS_MARC}}}controlfield", tag="005").text = stamp
    for ident in md.get("identifier", []):
        low = ident.lower()
        if low.startswith(("urn:isbn:", "isbn:", "isbn ")):
            _marc_sub(rec, "020", "  ", [("a", re.sub(r"^(urn:)?isbn[: ]", "", ident, flags=re.I))])
        elif low.startswith(("doi:", "10.", "https://doi.org/")):
            doi = re.sub(r"^(doi:|https://doi\.org/)", "", ident, flags=re.I)
            _marc_sub(rec, "024", "7 ", [("a", doi), ("2", "doi")])
    creators = md.get("creator", [])
    if creators:
        _marc_sub(rec, "100", "1 ", [("a", creators[0])])
    title = (md.get("title") or [""])[0]
    _marc_sub(rec, "245", ("1" if creators else "0") + "0", [("a", title)])
    pub = [("b", p) for p in md.get("publisher", [])[:1]] + [
        ("c", d) for d in md.get("date", [])[:1]
    ]
    if pub:
        _marc_sub(rec, "264", " 1", pub)
    for text in md.get("description", []):
        _marc_sub(rec, "520", "  ", [("a", text)])
    for subject in md.get("subject", []):
        _marc_sub(rec, "650", " 4", [("a", subject)])
    for name in creators[1:] + md.get("contributor", []):
        _marc_sub(rec, "700", "1 ", [("a", name)])
    for ident in md.get("identifier", []):
        if ident.startswith(("http://", "https://")):
            _marc_sub(rec, "856", "40", [("u", ident)])
    return rec


def marc_element(item: Item) -> etree._Element:
    value = item.marc
    if value is None:
        return derive_marc(item)
    if isinstance(value, etree._Element):
        return copy.deepcopy(value)
    if hasattr(value, "as_marc"):  # a pymarc Record
        import pymarc

        value = pymarc.record_to_xml(value, namespace=True)
    if isinstance(value, str):
        value = value.encode("utf-8")
    root = etree.fromstring(value, etree.XMLParser(resolve_entities=False, no_network=True))
    if etree.QName(root).localname == "collection":
        root = next(iter(root))
    return root


class _Token(str):
    """A resumption token that also knows its attributes."""

    cursor: int
    complete_list_size: int
    expiration: datetime | None

    def __new__(
        cls, text: str, cursor: int, size: int, expiration: datetime | None = None
    ) -> _Token:
        token = super().__new__(cls, text)
        token.cursor = cursor
        token.complete_list_size = size
        token.expiration = expiration
        return token


class Repository:
    """An in-memory OAI-PMH repository (oaipmh's ``IBatchingOAI``).

    Mutate it between harvests with :meth:`add`, :meth:`touch`, :meth:`delete`,
    :meth:`remove`, or edit :attr:`items` / an :class:`Item` directly.  Settings are plain
    attributes and may change at any time: ``granularity`` (:data:`DAY` or
    :data:`SECONDS`), ``batch_size`` (records per page), ``earliest_datestamp`` (None: the
    oldest item), ``deleted_record`` ('persistent', 'transient' or 'no': deleted items then
    vanish), ``set_names`` (setSpec -> setName; the sets also include every item's sets
    and their parents), ``token_lifetime`` (a timedelta: tokens carry an expirationDate and
    are refused after it) and ``order`` ('datestamp': oldest first, or 'identifier').

    Lists are paged by offset, as many real repositories do: an item whose datestamp
    changes during a harvest moves to the end of a datestamp-ordered list.
    """

    def __init__(
        self,
        items: Iterable[Item | Mapping[str, Any] | Sequence[Any]] = (),
        *,
        granularity: str = SECONDS,
        batch_size: int = 10,
        earliest_datestamp: datetime | None = None,
        name: str = "unioncat test peer",
        admin_emails: Sequence[str] = ("peer@example.org",),
        deleted_record: str = "persistent",
        set_names: Mapping[str, str] | None = None,
        token_lifetime: timedelta | None = None,
        order: str = "datestamp",
        marc_prefixes: Sequence[str] = ("marc21",),
    ) -> None:
        self.lock = threading.RLock()
        self.items: list[Item] = [_as_item(i) for i in items]
        self.granularity = granularity
        self.batch_size = batch_size
        self.earliest_datestamp = earliest_datestamp
        self.name = name
        self.admin_emails = list(admin_emails)
        self.deleted_record = deleted_record
        self.set_names: dict[str, str] = dict(set_names or {})
        self.token_lifetime = token_lifetime
        self.order = order
        self.marc_prefixes = tuple(marc_prefixes)
        self.base_url = "http://127.0.0.1/oai"  # set by OAIPeer once it listens
        self.epoch = 0
        self.tokens_issued: list[str] = []

    # ---- mutation ------------------------------------------------------------------
    def get(self, identifier: str) -> Item:
        with self.lock:
            for item in self.items:
                if item.identifier == identifier:
                    return item
        raise KeyError(identifier)

    def add(
        self,
        identifier: str,
        datestamp: datetime | None = None,
        *,
        sets: Sequence[str] = (),
        deleted: bool = False,
        metadata: Mapping[str, Any] | None = None,
        marc: Any = None,
    ) -> Item:
        item = Item(
            identifier, datestamp or _now(), list(sets), deleted, dict(metadata or {}), marc
        )
        with self.lock:
            if any(i.identifier == identifier for i in self.items):
                raise ValueError(f"{identifier} is already in the repository; use touch()")
            self.items.append(item)
        return item

    def extend(self, items: Iterable[Item | Mapping[str, Any] | Sequence[Any]]) -> None:
        with self.lock:
            for item in items:
                self.items.append(_as_item(item))

    def touch(self, identifier: str, datestamp: datetime | None = None, **changes: Any) -> Item:
        """Give an item a new datestamp (default: now) and apply ``changes`` to it
        (``metadata=``, ``sets=``, ``marc=``, ``deleted=``)."""
        with self.lock:
            item = self.get(identifier)
            for key, value in changes.items():
                if not hasattr(item, key) or key in ("identifier", "datestamp"):
                    raise TypeError(f"Item has no changeable field {key!r}")
                setattr(item, key, value)
            item.datestamp = utc_naive(datestamp or _now())
            return item

    def delete(self, identifier: str, datestamp: datetime | None = None) -> Item:
        """Mark an item deleted (it is then listed with status="deleted")."""
        return self.touch(identifier, datestamp, deleted=True)

    def remove(self, identifier: str) -> Item:
        """Forget an item entirely (no tombstone; GetRecord answers idDoesNotExist)."""
        with self.lock:
            item = self.get(identifier)
            self.items.remove(item)
            return item

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    def expire_tokens(self) -> None:
        """Every resumption token issued so far answers badResumptionToken from now on."""
        with self.lock:
            self.epoch += 1

    # ---- helpers -------------------------------------------------------------------
    @property
    def day_granularity(self) -> bool:
        return self.granularity == DAY

    @property
    def formats(self) -> dict[str, tuple[str, str]]:
        formats = {"oai_dc": _FORMATS["oai_dc"]}
        for prefix in self.marc_prefixes:
            formats[prefix] = _FORMATS["marc21"]
        return formats

    def all_sets(self) -> list[str]:
        specs = set(self.set_names)
        for item in self.items:
            for spec in item.sets:
                parts = spec.split(":")
                specs.update(":".join(parts[: k + 1]) for k in range(len(parts)))
        return sorted(specs)

    def _visible(self, item: Item) -> bool:
        return not (item.deleted and self.deleted_record == "no")

    def _find(self, identifier: str) -> Item:
        for item in self.items:
            if item.identifier == identifier and self._visible(item):
                return item
        raise error.IdDoesNotExistError(f"{identifier} is not in this repository")

    def _check_prefix(self, prefix: str) -> None:
        if prefix not in self.formats:
            raise error.CannotDisseminateFormatError(
                f"{prefix} is not supported; use one of {', '.join(self.formats)}"
            )

    def select(
        self,
        metadataPrefix: str | None = None,
        set: str | None = None,
        from_: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Item]:
        """The items a list request with these arguments covers, in list order."""
        with self.lock:
            if metadataPrefix is not None:
                self._check_prefix(metadataPrefix)
            if set is not None and not self.all_sets():
                raise error.NoSetHierarchyError("This repository does not support sets")
            chosen = []
            for item in self.items:
                if not self._visible(item):
                    continue
                if from_ is not None and item.datestamp < from_:
                    continue
                if until is not None and item.datestamp > until:
                    continue
                if set is not None and not any(
                    s == set or s.startswith(set + ":") for s in item.sets
                ):
                    continue
                chosen.append(item)
            if self.order == "identifier":
                chosen.sort(key=lambda i: i.identifier)
            else:
                chosen.sort(key=lambda i: (i.datestamp, i.identifier))
            return chosen

    def _header(self, item: Item) -> common.Header:
        return common.Header(None, item.identifier, item.datestamp, list(item.sets), item.deleted)

    def _metadata(self, item: Item, prefix: str) -> common.Metadata:
        if prefix == "oai_dc":
            return common.Metadata(None, _dc_map(item.metadata))
        return common.Metadata(marc_element(item), {})

    # ---- tokens ----------------------------------------------------------------------
    def _issue(
        self, verb: str, kw: Mapping[str, Any], cursor: int, batch: int, size: int
    ) -> _Token:
        expires = _now() + self.token_lifetime if self.token_lifetime is not None else None
        stamp = int(expires.replace(tzinfo=UTC).timestamp()) if expires else 0
        text = encodeResumptionToken({**kw, "peer": f"{verb}.{self.epoch}.{stamp}"}, cursor + batch)
        self.tokens_issued.append(text)
        return _Token(text, cursor, size, expires)

    def _check_token(self, verb: str, peer: str | None) -> None:
        try:
            token_verb, epoch, stamp = (peer or "").split(".")
            expires = int(stamp)
        except ValueError as exc:
            raise error.BadResumptionTokenError("This resumptionToken was not issued here") from exc
        if token_verb != verb:
            raise error.BadResumptionTokenError(f"This resumptionToken belongs to {token_verb}")
        if epoch != str(self.epoch):
            raise error.BadResumptionTokenError("This resumptionToken has expired")
        if expires and time.time() > expires:
            raise error.BadResumptionTokenError("This resumptionToken has expired")

    # ---- IBatchingOAI ------------------------------------------------------------------
    def identify(self) -> common.Identify:
        with self.lock:
            earliest = self.earliest_datestamp
            if earliest is None:
                earliest = min((i.datestamp for i in self.items), default=datetime(2000, 1, 1))
            ident = common.Identify(
                repositoryName=self.name,
                baseURL=self.base_url,
                protocolVersion="2.0",
                adminEmails=list(self.admin_emails),
                earliestDatestamp=utc_naive(earliest),
                deletedRecord=self.deleted_record,
                granularity=self.granularity,
                compression=["identity"],
                toolkit_description=False,
            )
        ident.add_description(_TOOLKIT)
        return ident

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        with self.lock:
            if identifier is not None:
                self._find(identifier)
            return [(prefix, schema, ns) for prefix, (schema, ns) in self.formats.items()]

    def listSets(self, cursor: int = 0, batch_size: int = 10) -> list[tuple[str, str, None]]:
        with self.lock:
            specs = self.all_sets()
            if not specs:
                raise error.NoSetHierarchyError("This repository does not support sets")
            return [
                (s, self.set_names.get(s, s), None) for s in specs[cursor : cursor + batch_size]
            ]

    def listRecords(
        self,
        metadataPrefix: str,
        set: str | None = None,
        from_: datetime | None = None,
        until: datetime | None = None,
        cursor: int = 0,
        batch_size: int = 10,
    ) -> list[tuple[common.Header, common.Metadata | None, None]]:
        with self.lock:
            page = self.select(metadataPrefix, set, from_, until)[cursor : cursor + batch_size]
            return [
                (self._header(i), None if i.deleted else self._metadata(i, metadataPrefix), None)
                for i in page
            ]

    def listIdentifiers(
        self,
        metadataPrefix: str,
        set: str | None = None,
        from_: datetime | None = None,
        until: datetime | None = None,
        cursor: int = 0,
        batch_size: int = 10,
    ) -> list[common.Header]:
        with self.lock:
            page = self.select(metadataPrefix, set, from_, until)[cursor : cursor + batch_size]
            return [self._header(i) for i in page]

    def getRecord(
        self,
        metadataPrefix: str,
        identifier: str,
    ) -> tuple[common.Header, common.Metadata | None, None]:
        with self.lock:
            item = self._find(identifier)
            self._check_prefix(metadataPrefix)
            meta = None if item.deleted else self._metadata(item, metadataPrefix)
            return self._header(item), meta, None


# --------------------------------------------------------------------------- oaipmh server


class _Resumption(BatchingResumption):
    """oaipmh's BatchingResumption, plus tokens that expire, know their verb and carry
    cursor/completeListSize, and an empty final token on the last page of a resumed list
    (as the protocol asks; oaipmh omits it)."""

    def __init__(self, repo: Repository) -> None:
        super().__init__(repo, repo.batch_size)
        self.repo = repo

    def handleVerb(self, verb: str, kw: dict[str, Any]) -> Any:
        repo = self.repo
        method = common.getMethodForVerb(repo, verb)
        if verb not in _LIST_VERBS:
            return method(**kw)
        resumed = "resumptionToken" in kw
        if resumed:
            try:
                kw, cursor = decodeResumptionToken(kw["resumptionToken"])
            except (error.DatestampError, ValueError, KeyError) as exc:
                raise error.BadResumptionTokenError("This resumptionToken is invalid") from exc
            repo._check_token(verb, kw.pop("peer", None))
            kw.pop("batch_size", None)
            if not set(kw) <= _LIST_KEYS[verb]:
                raise error.BadResumptionTokenError("This resumptionToken is invalid")
        else:
            cursor = 0
        batch = repo.batch_size
        result = list(method(cursor=cursor, batch_size=batch + 1, **kw))
        more = len(result) > batch
        del result[batch:]
        size = len(repo.all_sets()) if verb == "ListSets" else len(repo.select(**kw))
        if more:
            return result, repo._issue(verb, kw, cursor, batch, size)
        if resumed:
            return result, _Token("", cursor, size)
        return result, None


class _TreeServer(XMLTreeServer):
    """oaipmh's XMLTreeServer with day-granularity datestamps and token attributes."""

    def __init__(self, resumption: _Resumption, registry: MetadataRegistry, repo: Repository):
        super().__init__(resumption, registry)
        self._repo = repo

    def identify(self) -> etree._ElementTree:
        envelope = super().identify()
        if self._repo.day_granularity:
            e = envelope.getroot().find(f".//{nsoai('earliestDatestamp')}")
            e.text = e.text[:10]
        return envelope

    def _outputHeader(self, element: etree._Element, header: common.Header) -> None:
        super()._outputHeader(element, header)
        if self._repo.day_granularity:
            e = element[-1].find(nsoai("datestamp"))
            e.text = datetime_to_datestamp(header.datestamp(), day_granularity=True)

    def _outputResuming(self, element, input_func, output_func, kw):  # type: ignore[no-untyped-def]
        if "resumptionToken" in kw:
            result, token = input_func(resumptionToken=kw["resumptionToken"])
            token_kw, _cursor = decodeResumptionToken(kw["resumptionToken"])
        else:
            result, token = input_func(**kw)
            if not result:
                raise error.NoRecordsMatchError("No records match for request.")
            token_kw = kw
        output_func(element, result, token_kw)
        if token is not None:
            e = etree.SubElement(element, nsoai("resumptionToken"))
            e.text = str(token) or None
            if isinstance(token, _Token):
                if token.expiration is not None:
                    e.set("expirationDate", datetime_to_datestamp(token.expiration))
                e.set("completeListSize", str(token.complete_list_size))
                e.set("cursor", str(token.cursor))


def _marc_writer(element: etree._Element, metadata: common.Metadata) -> None:
    element.append(copy.deepcopy(metadata.element()))


def metadata_registry(marc_prefixes: Iterable[str] = ("marc21",)) -> MetadataRegistry:
    registry = MetadataRegistry()
    registry.registerWriter("oai_dc", oai_dc_writer)
    for prefix in marc_prefixes:
        registry.registerWriter(prefix, _marc_writer)
    return registry


class PeerServer(BatchingServer):
    """oaipmh's BatchingServer over a :class:`Repository`."""

    def __init__(self, repo: Repository) -> None:
        registry = metadata_registry(repo.marc_prefixes)
        super().__init__(repo, metadata_registry=registry, resumption_batch_size=repo.batch_size)
        self._tree_server = _TreeServer(_Resumption(repo), registry, repo)
        self.repo = repo

    def error_body(self, code: str, message: str = "") -> bytes:
        """An OAI-PMH error response, as oaipmh writes it."""
        with self.repo.lock:
            tree = self._tree_server._outputErrors([(code, message)])
        return etree.tostring(
            tree.getroot(), encoding="UTF-8", xml_declaration=True, pretty_print=True
        )


def oai_error_xml(code: str, message: str = "", base_url: str = "http://127.0.0.1/") -> bytes:
    """An OAI-PMH error response for servers without an oaipmh server (the replay)."""
    root = etree.Element(nsoai("OAI-PMH"), nsmap={None: NS_OAIPMH})
    etree.SubElement(root, nsoai("responseDate")).text = datetime_to_datestamp(_now())
    etree.SubElement(root, nsoai("request")).text = base_url
    err = etree.SubElement(root, nsoai("error"), code=code)
    err.text = message or None
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


# --------------------------------------------------------------------------- WSGI plumbing

_PARAMS = "oai_peer.params"
_SOCKET = "oai_peer.socket"


def read_params(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The request's arguments (query string, and an urlencoded POST body), once."""
    if _PARAMS not in environ:
        pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = BytesIO(raw)
            if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
                pairs += parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        environ[_PARAMS] = pairs
    return list(environ[_PARAMS])


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def _respond(
    start_response: Callable[..., Any],
    code: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    content_length: int | None = None,
    announce: bool = True,
) -> list[bytes]:
    out = [(k, v) for k, v in headers if k.lower() != "content-length"]
    if announce:
        out.append(("Content-Length", str(len(body) if content_length is None else content_length)))
    # else the body ends when the connection closes (wsgiref closes it), as HTTP/1.0
    # servers do
    start_response(_status_line(code), out)
    if not announce:  # in two pieces: wsgiref counts a one-piece body itself
        half = len(body) // 2
        return [body[:half], body[half:]]
    return [body]


class PeerApp:
    """The WSGI face of a :class:`PeerServer` at ``path`` (GET and urlencoded POST)."""

    def __init__(self, server: PeerServer, path: str = "/oai") -> None:
        self.server = server
        self.path = path

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        xml = [("Content-Type", "text/xml; charset=utf-8")]
        if environ.get("PATH_INFO") != self.path:
            return _respond(start_response, 404, [("Content-Type", "text/plain")], b"not here\n")
        if environ.get("REQUEST_METHOD") not in ("GET", "POST"):
            return _respond(start_response, 405, [("Allow", "GET, POST")], b"")
        pairs = read_params(environ)
        keys = [k for k, _ in pairs]
        repo = self.server.repo
        try:
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            kw = dict(pairs)
            if repeated:
                body = self.server.error_body("badArgument", f"repeated argument: {repeated[0]}")
            elif kw.get("verb") == "GetMetadata":  # oaipmh's own extra verb, not OAI-PMH 2.0
                body = self.server.error_body("badVerb", "Illegal verb: GetMetadata")
            elif "from_" in kw:
                body = self.server.error_body("badArgument", "Unknown argument: from_")
            elif repo.day_granularity and any("T" in kw.get(k, "") for k in ("from", "until")):
                body = self.server.error_body(
                    "badArgument", "this repository's granularity is YYYY-MM-DD"
                )
            else:
                with repo.lock:
                    body = self.server.handleRequest(kw)
        except Exception:  # noqa: BLE001 - a bug in the peer shows as a 500 with its traceback
            text = traceback.format_exc().encode("utf-8", "replace")
            return _respond(start_response, 500, [("Content-Type", "text/plain")], text)
        return _respond(start_response, 200, xml, body)


@dataclass
class RequestRecord:
    """One request as the server saw it."""

    seq: int
    time: float  # time.monotonic() when it arrived
    wall: datetime  # aware UTC time when it arrived
    method: str
    path: str
    params: dict[str, str]  # the first value of each argument
    pairs: list[tuple[str, str]]  # every argument, in order
    fault: str | None = None  # the kind of fault applied, if any
    status: int | None = None  # the HTTP status sent (None: no response, e.g. dropped)

    @property
    def verb(self) -> str | None:
        return self.params.get("verb")

    @property
    def token(self) -> str | None:
        return self.params.get("resumptionToken")


class RequestLog:
    """Thread-safe, list-like log of :class:`RequestRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def _add(self, environ: dict[str, Any], pairs: list[tuple[str, str]]) -> RequestRecord:
        params: dict[str, str] = {}
        for k, v in pairs:
            params.setdefault(k, v)
        with self._lock:
            rec = RequestRecord(
                seq=len(self._records),
                time=time.monotonic(),
                wall=datetime.now(UTC),
                method=environ.get("REQUEST_METHOD", ""),
                path=environ.get("PATH_INFO", ""),
                params=params,
                pairs=pairs,
            )
            self._records.append(rec)
        return rec

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def verbs(self) -> list[str | None]:
        return [r.verb for r in self.snapshot()]

    def tokens(self) -> list[str | None]:
        return [r.token for r in self.snapshot()]

    def with_verb(self, verb: str) -> list[RequestRecord]:
        return [r for r in self.snapshot() if r.verb == verb]


# --------------------------------------------------------------------------- faults

CONTROL_CHARS = "\x00\x08\x0b\x0c\x0e\x1f"
INVALID_UTF8 = b"\xff\xfe\xc3\x28\xed\xa0\x80"
_DEFAULT_MARKERS = (
    b"<dc:title>",
    b'<subfield code="a">',
    b"<setName>",
    b"<repositoryName>",
    b"<metadataPrefix>",
    b"<responseDate>",
)
_TOKEN_RE = re.compile(rb"<resumptionToken\b([^>]*?)(?:/>|>([^<]*)</resumptionToken>)")
_LIST_END_RE = re.compile(rb"</(ListRecords|ListIdentifiers|ListSets)>")


@dataclass
class Fault:
    """One queued fault; see :class:`FaultQueue` for the kinds and their options.

    Matching: ``verb`` (the request's verb), ``token`` (True: only requests with a
    resumptionToken, False: only without, a string: that token), ``when`` (any predicate on
    the :class:`RequestRecord`).  ``times`` is how many matching requests it hits (None:
    until cleared); ``applied`` counts them; ``delay`` sleeps before acting.
    """

    kind: str
    times: int | None = 1
    verb: str | None = None
    token: bool | str | None = None
    when: Callable[[RequestRecord], bool] | None = None
    delay: float = 0.0
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    retry_after: int | float | str | datetime | timedelta | None = None
    body: bytes | None = None
    code: str = ""
    message: str = ""
    mode: str = "length"
    fraction: float = 0.5
    data: bytes = b""
    at: bytes | None = None
    occurrence: int = 1
    reset: bool = False
    stall_body: bool = False
    size: int = 256  # trickle: bytes per piece
    every: float = 0.05  # trickle: seconds between pieces
    applied: int = 0

    def matches(self, rec: RequestRecord) -> bool:
        if self.verb is not None and rec.verb != self.verb:
            return False
        if self.token is True and rec.token is None:
            return False
        if self.token is False and rec.token is not None:
            return False
        if isinstance(self.token, str) and rec.token != self.token:
            return False
        return self.when is None or self.when(rec)


def retry_after_value(value: int | float | str | datetime | timedelta) -> str:
    """A Retry-After header: seconds for a number, an HTTP date for a datetime or for a
    timedelta from now (rounded up to the next whole second, so a client that reads the
    date never waits less than asked); strings go out as they are."""
    if isinstance(value, str):
        return value
    if isinstance(value, timedelta):
        target = datetime.now(UTC) + value
        value = datetime.fromtimestamp(math.ceil(target.timestamp()), UTC)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return format_datetime(value.astimezone(UTC), usegmt=True)
    return str(int(value))


class FaultQueue:
    """Faults for the next requests.  Each request takes the first queued fault that
    matches it.  Every method below takes the matching options of :class:`Fault`
    (``times=1, verb=None, token=None, when=None, delay=0.0``) and returns the Fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self.history: list[tuple[int, str]] = []  # (request seq, fault kind)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._queue.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._queue)

    def __len__(self) -> int:
        with self._lock:
            return len(self._queue)

    def _take(self, rec: RequestRecord) -> Fault | None:
        with self._lock:
            for fault in self._queue:
                if fault.matches(rec):
                    fault.applied += 1
                    if fault.times is not None and fault.applied >= fault.times:
                        self._queue.remove(fault)
                    self.history.append((rec.seq, fault.kind))
                    return fault
        return None

    # ---- HTTP statuses ---------------------------------------------------------------
    def http_error(
        self,
        status: int,
        *,
        retry_after: int | float | str | datetime | timedelta | None = None,
        body: bytes | None = None,
        headers: Sequence[tuple[str, str]] = (),
        **match: Any,
    ) -> Fault:
        """Answer ``status`` (with Retry-After if given) without asking the repository."""
        return self.add(
            Fault(
                "http",
                status=status,
                retry_after=retry_after,
                body=body,
                headers=list(headers),
                **match,
            )
        )

    def unavailable(
        self, retry_after: int | float | str | datetime | timedelta | None = 1, **match: Any
    ) -> Fault:
        """HTTP 503; ``retry_after`` seconds (int), an HTTP date (datetime, or a
        timedelta from the moment of the answer), a raw string, or None for no header."""
        return self.http_error(503, retry_after=retry_after, **match)

    def too_many_requests(
        self, retry_after: int | float | str | datetime | timedelta | None = 1, **match: Any
    ) -> Fault:
        """HTTP 429 with Retry-After (same forms as :meth:`unavailable`)."""
        return self.http_error(429, retry_after=retry_after, **match)

    def server_error(self, **match: Any) -> Fault:
        """HTTP 500."""
        return self.http_error(500, **match)

    def respond(
        self,
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        **match: Any,
    ) -> Fault:
        """Any canned answer (e.g. an HTML login page with 200)."""
        return self.http_error(status, body=body, headers=[("Content-Type", content_type)], **match)

    def oai_error(
        self,
        code: str,
        message: str = "",
        *,
        status: int = 200,
        retry_after: int | float | str | datetime | timedelta | None = None,
        **match: Any,
    ) -> Fault:
        """An OAI-PMH error document; ``status=422, code="noRecordsMatch"`` is what
        Zenodo sends for an empty window."""
        return self.add(
            Fault(
                "oai_error",
                code=code,
                message=message,
                status=status,
                retry_after=retry_after,
                **match,
            )
        )

    # ---- transport ---------------------------------------------------------------------
    def drop(self, *, reset: bool = False, **match: Any) -> Fault:
        """Close the connection without any response (``reset=True``: with a TCP RST)."""
        return self.add(Fault("drop", reset=reset, **match))

    def truncate(self, *, mode: str = "length", fraction: float = 0.5, **match: Any) -> Fault:
        """Cut the real answer at ``fraction`` of its bytes.  ``mode="length"``: the
        Content-Length promises the whole body, the connection closes early;
        ``mode="xml"``: a consistent 200 whose XML simply stops."""
        if mode not in ("length", "xml"):
            raise ValueError("mode is 'length' or 'xml'")
        return self.add(Fault("truncate", mode=mode, fraction=fraction, **match))

    def inject(
        self, data: bytes, *, at: bytes | None = None, occurrence: int = 1, **match: Any
    ) -> Fault:
        """Insert ``data`` into the real 200 body right after the ``occurrence``-th
        ``at`` marker (default: the first of ``<dc:title>``, ``<subfield code="a">``,
        ``<setName>``, ``<repositoryName>``, ``<metadataPrefix>``, ``<responseDate>``
        found)."""
        return self.add(Fault("inject", data=data, at=at, occurrence=occurrence, **match))

    def control_chars(
        self,
        chars: str | bytes = CONTROL_CHARS,
        *,
        at: bytes | None = None,
        occurrence: int = 1,
        **match: Any,
    ) -> Fault:
        """Characters XML 1.0 forbids (default ``\\x00\\x08\\x0b\\x0c\\x0e\\x1f``)."""
        data = chars.encode("utf-8") if isinstance(chars, str) else chars
        return self.inject(data, at=at, occurrence=occurrence, **match)

    def invalid_utf8(
        self,
        data: bytes = INVALID_UTF8,
        *,
        at: bytes | None = None,
        occurrence: int = 1,
        **match: Any,
    ) -> Fault:
        """Bytes that are not UTF-8 (default ``\\xff\\xfe\\xc3\\x28\\xed\\xa0\\x80``)."""
        return self.inject(data, at=at, occurrence=occurrence, **match)

    def slow(self, delay: float, *, stall_body: bool = False, **match: Any) -> Fault:
        """Answer normally after ``delay`` seconds; ``stall_body=True`` sends the headers
        and half the body at once and the rest after ``delay``."""
        return self.add(Fault("slow", delay=delay, stall_body=stall_body, **match))

    def trickle(self, size: int = 256, every: float = 0.05, **match: Any) -> Fault:
        """Send the answer ``size`` bytes at a time, ``every`` seconds apart: each wait is
        far below any read timeout, yet the whole answer takes as long as the body is big."""
        return self.add(Fault("trickle", every=every, size=size, **match))

    def unannounced(self, **match: Any) -> Fault:
        """The real answer without a Content-Length: its size is known only once read."""
        return self.add(Fault("unannounced", **match))

    def loop_token(self, **match: Any) -> Fault:
        """Serve the real page but with the request's own resumptionToken in it, so a
        naive client loops.  Only requests that carry a token match."""
        match.setdefault("token", True)
        return self.add(Fault("loop", **match))


def _insert_after(body: bytes, data: bytes, at: bytes | None, occurrence: int) -> bytes:
    for marker in [at] if at is not None else list(_DEFAULT_MARKERS):
        pos = -1
        for _ in range(occurrence):
            pos = body.find(marker, pos + 1)
            if pos < 0:
                break
        if pos >= 0:
            cut = pos + len(marker)
            return body[:cut] + data + body[cut:]
    raise ValueError(f"marker {at!r} (occurrence {occurrence}) is not in the body")


def replace_token(body: bytes, token: str) -> bytes:
    """The body with its resumptionToken's text replaced (or one added)."""
    new = escape(token).encode("utf-8")
    m = _TOKEN_RE.search(body)
    if m:
        repl = b"<resumptionToken" + m.group(1).rstrip() + b">" + new + b"</resumptionToken>"
        return body[: m.start()] + repl + body[m.end() :]
    m = _LIST_END_RE.search(body)
    if m:
        return (
            body[: m.start()]
            + b"<resumptionToken>"
            + new
            + b"</resumptionToken>"
            + body[m.start() :]
        )
    return body


class FaultMiddleware:
    """WSGI middleware: logs each request to ``log``, then applies the first matching
    fault of ``faults`` (or passes the request on)."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        faults: FaultQueue,
        log: RequestLog,
        error_body: Callable[[str, str], bytes] = oai_error_xml,
        stop: threading.Event | None = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.log = log
        self.error_body = error_body
        self.stop = stop or threading.Event()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.stop.wait(seconds)

    def _inner(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        got: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):  # type: ignore[no-untyped-def]
            got["status"], got["headers"] = status, list(headers)
            return chunks.append

        result = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(got["status"][:3]), got["headers"], b"".join(chunks)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        rec = self.log._add(environ, read_params(environ))
        fault = self.faults._take(rec)

        def logged_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):  # type: ignore[no-untyped-def]
            rec.status = int(status[:3])
            return start_response(status, headers, exc_info)

        if fault is None:
            return self.app(environ, logged_start)
        rec.fault = fault.kind
        return self._apply(fault, rec, environ, logged_start)

    def _apply(
        self, fault: Fault, rec: RequestRecord, environ: dict[str, Any], start: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not fault.stall_body:
            self._sleep(fault.delay)
        kind = fault.kind
        extra = list(fault.headers)
        if fault.retry_after is not None:
            extra.append(("Retry-After", retry_after_value(fault.retry_after)))
        if kind == "http":
            body = fault.body
            if body is None:
                body = f"{_status_line(fault.status)} (oai_peer fault)\n".encode()
                extra.insert(0, ("Content-Type", "text/plain; charset=utf-8"))
            elif not any(k.lower() == "content-type" for k, _ in extra):
                extra.insert(0, ("Content-Type", "text/plain; charset=utf-8"))
            return _respond(start, fault.status, extra, body)
        if kind == "oai_error":
            body = self.error_body(fault.code, fault.message)
            headers = [("Content-Type", "text/xml; charset=utf-8"), *extra]
            return _respond(start, fault.status, headers, body)
        if kind == "drop":
            sock: socket.socket = environ[_SOCKET]
            if fault.reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()  # the fd closes (with RST) once the handler lets go of it
            else:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("oai_peer: connection dropped on purpose")
        status, headers, body = self._inner(environ)
        headers += extra
        if kind == "truncate":
            cut = max(1, min(len(body) - 1, int(len(body) * fault.fraction)))
            full = len(body) if fault.mode == "length" else cut
            return _respond(start, status, headers, body[:cut], content_length=full)
        if kind == "inject":
            return _respond(
                start, status, headers, _insert_after(body, fault.data, fault.at, fault.occurrence)
            )
        if kind == "unannounced":
            return _respond(start, status, headers, body, announce=False)
        if kind == "loop":
            return _respond(start, status, headers, replace_token(body, rec.token or ""))
        if kind == "trickle":
            _respond(start, status, headers, b"", content_length=len(body))
            return self._trickled(body, fault.size, fault.every)
        if kind == "slow":
            if not fault.stall_body:
                return _respond(start, status, headers, body)
            _respond(start, status, headers, b"", content_length=len(body))
            return self._stalled(body, fault.delay)
        raise ValueError(f"unknown fault kind {kind!r}")

    def _trickled(self, body: bytes, size: int, every: float) -> Iterator[bytes]:
        for start in range(0, len(body), size):
            yield body[start : start + size]
            self._sleep(every)

    def _stalled(self, body: bytes, delay: float) -> Iterator[bytes]:
        half = len(body) // 2
        yield body[:half]
        self._sleep(delay)
        yield body[half:]


# --------------------------------------------------------------------------- HTTP server


class _Handler(WSGIRequestHandler):
    def get_environ(self) -> dict[str, Any]:
        env = super().get_environ()
        env[_SOCKET] = self.connection
        return env

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the RequestLog has every request


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's FQDN, which can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that went away mid-answer is part of the tests


class HTTPThread:
    """A WSGI app served on 127.0.0.1, on a free port, on its own thread."""

    def __init__(self, app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1") -> None:
        self.httpd = _ThreadingWSGIServer((host, 0), _Handler)
        self.httpd.set_app(app)
        self.port = int(self.httpd.server_address[1])
        self.root = f"http://{host}:{self.port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"oai-peer-{self.port}",
            daemon=True,
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


# --------------------------------------------------------------------------- the peer


class OAIPeer:
    """A served :class:`Repository` behind a :class:`FaultMiddleware`.

    ``url`` is the OAI-PMH base URL; ``repo``, ``faults`` and ``requests`` are what
    tests use; ``close()`` stops it (also as a context manager).
    """

    def __init__(self, repo: Repository | None = None, *, path: str = "/oai") -> None:
        self.repo = repo if repo is not None else Repository()
        self.server = PeerServer(self.repo)
        self.faults = FaultQueue()
        self.requests = RequestLog()
        self._stop = threading.Event()
        self.app = FaultMiddleware(
            PeerApp(self.server, path),
            self.faults,
            self.requests,
            self.server.error_body,
            self._stop,
        )
        self._http = HTTPThread(self.app)
        self.root = self._http.root
        self.url = self.root + path
        self.repo.base_url = self.url

    def reset(self) -> None:
        """Forget queued faults and logged requests (the repository stays)."""
        self.faults.clear()
        self.requests.clear()

    def close(self) -> None:
        self._stop.set()
        self._http.close()

    def __enter__(self) -> OAIPeer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_peer(
    items: Iterable[Item | Mapping[str, Any] | Sequence[Any]] = (), **options: Any
) -> OAIPeer:
    """An :class:`OAIPeer` over ``Repository(items, **options)``."""
    return OAIPeer(Repository(items, **options))


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class Recording:
    """One recorded answer: status, headers as recorded, body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source: str  # file or cassette#interaction

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


@dataclass
class Route:
    path: str
    params: tuple[tuple[str, str], ...]
    exact: bool
    recordings: list[Recording]
    hits: int = 0

    def score(self, path: str, pairs: list[tuple[str, str]]) -> int | None:
        if path != self.path:
            return None
        if self.exact:
            return len(pairs) if sorted(pairs) == sorted(self.params) else None
        return len(self.params) if set(self.params) <= set(pairs) else None

    def next(self) -> Recording:
        rec = self.recordings[min(self.hits, len(self.recordings) - 1)]
        self.hits += 1
        return rec


SICKLE_MOUNT = "/sickle/oai"


def _sickle_routes(folder: Path) -> list[Route]:
    """``/sickle/oai?verb=V`` -> ``V.xml``; ``resumptionToken=T`` -> the file ``T``."""
    routes: list[Route] = []
    headers = (("Content-Type", "text/xml; charset=utf-8"),)
    if not folder.is_dir():
        return routes
    for path in sorted(folder.glob("*.xml")):
        raw = path.read_bytes()
        if path.stem in OAI_VERBS:
            rec = Recording(200, headers, raw, str(path))
            routes.append(Route(SICKLE_MOUNT, (("verb", path.stem),), False, [rec]))
        verb = re.search(rb'verb="(\w+)"', raw)
        for token in re.findall(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", raw):
            target = folder / token.decode().strip()
            if verb and target.is_file():
                rec = Recording(200, headers, target.read_bytes(), str(target))
                params = (("verb", verb.group(1).decode()), ("resumptionToken", target.name))
                routes.append(Route(SICKLE_MOUNT, params, False, [rec]))
    return routes


def _cassette_body(body: Mapping[str, Any]) -> bytes:
    if "string" in body:  # vcrpy's own format
        value = body["string"]
    else:  # {type: text|base64, content: ...}
        value = body.get("content")
        if value is None:
            return b""
        if body.get("type") in ("base64", "binary") and isinstance(value, str):
            return base64.b64decode(value)
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def load_cassette(path: Path) -> list[tuple[str, str, Recording]]:
    """(method, uri, recording) for each interaction of a vcrpy cassette."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc = yaml.load(path.read_bytes(), Loader=loader)
    out = []
    for n, interaction in enumerate(doc.get("interactions", [])):
        req, resp = interaction["request"], interaction["response"]
        status = resp["status"]
        code = int(status["code"] if isinstance(status, Mapping) else status)
        headers = tuple(
            (str(k), str(v))
            for k, values in (resp.get("headers") or {}).items()
            for v in (values if isinstance(values, list) else [values])
        )
        rec = Recording(code, headers, _cassette_body(resp.get("body") or {}), f"{path}#{n}")
        out.append((str(req.get("method", "GET")), str(req["uri"]), rec))
    return out


def _cassette_routes(folder: Path) -> list[Route]:
    """``/<host><path>?<recorded query>`` -> the recorded answer (exact arguments)."""
    routes: dict[tuple[str, tuple[tuple[str, str], ...]], Route] = {}
    if not folder.is_dir():
        return []
    for path in sorted(folder.glob("*.yaml")):
        for _method, uri, rec in load_cassette(path):
            u = urlsplit(uri)
            mount = f"/{u.hostname}{u.path}"
            params = tuple(sorted(parse_qsl(u.query, keep_blank_values=True)))
            route = routes.setdefault((mount, params), Route(mount, params, True, []))
            route.recordings.append(rec)  # the same request twice replays in order
    return list(routes.values())


@lru_cache(maxsize=4)
def _recorded_routes(root: str) -> tuple[Route, ...]:
    base = Path(root)
    return tuple(_sickle_routes(base / "sickle") + _cassette_routes(base / "zenodo_cassettes"))


_XML_SUFFIXES = (".xml", ".marcxml")


class ReplayApp:
    """Serves recorded answers; ``/file/<path under the data folder>`` serves any file."""

    def __init__(self, routes: list[Route], files: Path | None) -> None:
        self.routes = routes
        self.files = files
        self.lock = threading.Lock()

    def find(self, path: str, pairs: list[tuple[str, str]]) -> Route | None:
        best: tuple[int, Route] | None = None
        for route in self.routes:
            score = route.score(path, pairs)
            if score is not None and (best is None or score > best[0]):
                best = (score, route)
        return best[1] if best else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        pairs = read_params(environ)
        if path.startswith("/file/") and self.files is not None:
            target = (self.files / path[len("/file/") :]).resolve()
            if target.is_file() and target.is_relative_to(self.files.resolve()):
                ctype = (
                    "text/xml; charset=utf-8"
                    if target.suffix in _XML_SUFFIXES
                    else ("application/octet-stream")
                )
                return _respond(start_response, 200, [("Content-Type", ctype)], target.read_bytes())
            return _respond(start_response, 404, [("Content-Type", "text/plain")], b"no file\n")
        with self.lock:
            route = self.find(path, pairs)
            rec = route.next() if route else None
        if rec is None:
            known = sorted({r.path for r in self.routes})
            text = f"no recording for {path}?{environ.get('QUERY_STRING', '')}; mounts: {known}\n"
            return _respond(start_response, 404, [("Content-Type", "text/plain")], text.encode())
        headers = [(k, v) for k, v in rec.headers if not is_hop_by_hop(k)]
        return _respond(start_response, rec.status, headers, rec.body)


class ReplayServer:
    """Recorded real OAI-PMH answers on 127.0.0.1, behind a :class:`FaultMiddleware`.

    * ``sickle_url`` (``/sickle/oai``): sickle's sample responses, ``?verb=V`` serves
      ``V.xml`` (whatever the other arguments) and a resumptionToken serves the file it
      names (ListRecords.xml -> ListRecords2.xml -> 3 -> 4; ListIdentifiers -> 2).
    * ``url_for("zenodo.org/oai2d")`` (= ``zenodo_url``): every recorded request of the
      cassettes, matched on exactly the recorded arguments; also ``httpbun.com/html`` and
      ``www.e-periodica.ch/oai/dataprovider``.
    * ``file_url("sickle/badArgument.xml")``: any file of the data folder, raw.
    * Anything else: 404 naming the mounts.
    """

    def __init__(self, root: Path) -> None:
        self.data = Path(root)
        routes = [
            Route(r.path, r.params, r.exact, r.recordings)
            for r in _recorded_routes(str(self.data.resolve()))
        ]
        self.replay = ReplayApp(routes, self.data)
        self.faults = FaultQueue()
        self.requests = RequestLog()
        self._stop = threading.Event()
        self.app = FaultMiddleware(self.replay, self.faults, self.requests, stop=self._stop)
        self._http = HTTPThread(self.app)
        self.url = self._http.root
        self.sickle_url = self.url + SICKLE_MOUNT
        self.zenodo_url = self.url_for("zenodo.org/oai2d")

    def url_for(self, host_and_path: str) -> str:
        return f"{self.url}/{host_and_path.lstrip('/')}"

    def file_url(self, relative: str) -> str:
        return f"{self.url}/file/{relative.lstrip('/')}"

    def recording(self, url: str) -> Recording:
        """What the replay answers (first) to ``url`` (a URL of this server or a recorded
        URI such as ``https://zenodo.org/oai2d?verb=Identify``)."""
        u = urlsplit(url)
        path = u.path if u.port == self._http.port else f"/{u.hostname}{u.path}"
        route = self.replay.find(path, parse_qsl(u.query, keep_blank_values=True))
        if route is None:
            raise KeyError(url)
        return route.recordings[0]

    def add_route(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        status: int = 200,
        headers: Sequence[tuple[str, str]] = (("Content-Type", "text/xml; charset=utf-8"),),
        body: bytes = b"",
        exact: bool = True,
    ) -> None:
        """Serve ``body`` at ``path`` for these arguments (checked before the recordings
        when equally specific)."""
        rec = Recording(status, tuple(headers), body, "add_route")
        with self.replay.lock:
            self.replay.routes.insert(0, Route(path, tuple(sorted(params.items())), exact, [rec]))

    def close(self) -> None:
        self._stop.set()
        self._http.close()

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
