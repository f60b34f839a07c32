"""The types every stage exchanges, kept apart from every stage.

Harvesters make :class:`RawEnvelope` and :class:`Page`; normalizers turn envelopes into
records (``unioncat.schemas``) or :class:`Quarantined` entries; the catalog commits them.
None of these stages owns the shapes it hands on, so none has to import another to
speak to it: a harvester never imports the catalog, a normalizer never imports a
harvester.  The statuses are closed sets of words (``Literal`` types), written as
they are stored in the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from unioncat.ids import mint_id
from unioncat.schemas.record import Record

# What became of an archived envelope: waiting to be mapped, mapped, or quarantined.
EnvelopeStatus = Literal["pending", "normalized", "quarantined"]
# A source's outcome in one run: all well, some records quarantined, nothing where
# something was due (no file matched, an empty file, a source that never gave a record),
# not harvested, or stopped by Ctrl-C or SIGTERM before it was through.
SourceStatus = Literal["ok", "partial", "empty", "failed", "interrupted"]
# A run's outcome; ``running`` until it ends, ``killed`` when it never could,
# ``interrupted`` when a signal stopped it at a safe point.
RunStatus = Literal["running", "ok", "partial", "failed", "killed", "interrupted"]
# The operations of the ``changes`` log, on records and on clusters.
ChangeOp = Literal["upsert", "delete", "merge"]
ChangeEntity = Literal["record", "cluster"]
# Where in the flow a record was quarantined.
QuarantineStage = Literal["harvest", "normalize"]


@dataclass(slots=True)
class RawEnvelope:
    """One record as fetched, before any mapping.

    ``envelope_id`` names the envelope within its source (the OAI identifier, or
    ``file#position`` for a file drop) and is the ``raw`` table's key; ``batch`` is the
    delivery it came in: the file, or the OAI-PMH response page.
    ``record_id`` is the source's own name for the record when the protocol gives one
    (the OAI identifier): records are then keyed by it, and a deleted envelope becomes a
    tombstone for that key without being normalized.  File drops leave it ``None`` and
    the content decides (the MARC 001).
    ``error`` is set when the bytes could not even be framed as a record: the catalog
    then quarantines the payload without normalizing it.
    """

    source: str
    envelope_id: str
    format: str
    payload: bytes
    fetched_at: datetime
    datestamp: str | None = None
    deleted: bool = False
    batch: str | None = None
    position: int | None = None
    error: str | None = None
    record_id: str | None = None


@dataclass(slots=True)
class Page:
    """Envelopes that commit together, and the harvest state that is true after them.

    ``state`` is the harvester's checkpoint as JSON-ready data (each harvester keeps a
    typed, versioned class of its own and writes it here); it is stored under
    ``state_key`` in the same transaction as the envelopes.
    """

    envelopes: list[RawEnvelope]
    state_key: str | None  # None: the page moves no checkpoint
    state: Mapping[str, Any]
    replaces_batch: str | None = None
    label: str = ""
    notes: list[str] = field(default_factory=list)
    # every record id the source holds now (a deletion sweep): the source's other
    # records are tombstoned when this page commits
    present_ids: list[str] | None = None
    # the largest share of the source's live records one sweep may tombstone: a server
    # that ends a list early, without saying how long it was, must not empty the catalog
    sweep_limit: float | None = None
    # the file this page comes from, and whether it is the file's last page: a file read
    # to its end withdraws the records its earlier version gave and this one does not
    file: str | None = None
    file_complete: bool = False
    # why this page brings nothing where something was due: a glob that matches no
    # file, a file that holds no record (the run says so, and exits 1 unless the source
    # allows it to be empty)
    gave_nothing: str | None = None
    # envelopes quarantined before that this page makes moot (an OAI page that could not
    # be read, read now): their quarantine entries and archived bytes go
    resolved: list[str] = field(default_factory=list)
    # how far the source is, for a progress bar: (done, total or None, unit "B" or "rec")
    progress: tuple[int, int | None, str] | None = None


@dataclass(slots=True)
class Quarantined:
    """An envelope that gave no record, and why, in words a cataloger can act on."""

    envelope: RawEnvelope
    reason: str
    stage: QuarantineStage = "normalize"


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What a harvester is told about the source it harvests: its name, the format
    its records are in (a registered normalizer) and its typed options."""

    name: str
    format: str
    options: Any
    config_file: str = "the pipeline file"  # where the source is written, for fixes


def raw_ref(envelope: RawEnvelope) -> str:
    """The published provenance string of a record mapped from ``envelope``.

    Only for people and for the export: the catalog keeps the envelope's id as a
    column of its own (see ``records.envelope_id``) and never takes this apart.
    """
    return f"{envelope.source}|{envelope.envelope_id}"


def tombstone(
    envelope: RawEnvelope, source_id: str | None = None, datestamp: str | None = None
) -> Record:
    """The record a source reported deleted: its key, ``deleted``, and nothing else.

    A deleted OAI record carries no metadata; its key is the record id the protocol
    gave (or ``source_id`` when a format found a better one in the payload).
    """
    key = source_id or envelope.record_id
    if key is None:
        raise ValueError(f"envelope {envelope.envelope_id} names no record to delete")
    return Record(
        id=mint_id(envelope.source, key),
        source=envelope.source,
        source_id=key,
        source_format=envelope.format,
        deleted=True,
        datestamp=datestamp or envelope.datestamp,
        harvested_at=envelope.fetched_at,
        raw_ref=raw_ref(envelope),
    )
