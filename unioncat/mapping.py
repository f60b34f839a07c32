"""Map envelopes to records, quarantining each one that fails, with its reason."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

from unioncat.contracts import EnvelopeStatus, Quarantined, RawEnvelope, tombstone
from unioncat.errors import RecordError
from unioncat.log import event
from unioncat.normalize.base import FormatSettings, normalizer_for
from unioncat.schemas.record import Record


@dataclass(slots=True)
class Normalized:
    """The records of a page, the envelope each came from (aligned with ``records``),
    what became of every envelope, and the envelopes that gave no record."""

    records: list[Record] = field(default_factory=list)
    envelope_ids: list[str] = field(default_factory=list)
    status: dict[str, EnvelopeStatus] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)

    def add(self, env: RawEnvelope, records: list[Record]) -> None:
        self.records.extend(records)
        self.envelope_ids.extend([env.envelope_id] * len(records))
        self.status[env.envelope_id] = "normalized"


def normalize_envelopes(
    envelopes: Iterable[RawEnvelope], fmt: str, settings: FormatSettings | None = None
) -> Normalized:
    """Map envelopes to records; a record that fails is quarantined with its reason."""
    normalizer = normalizer_for(fmt, settings)
    out = Normalized()
    for env in envelopes:
        if env.error:
            out.quarantined.append(Quarantined(env, env.error, stage="harvest"))
            out.status[env.envelope_id] = "quarantined"
            continue
        if env.deleted and env.record_id:
            out.add(env, [tombstone(env)])
            continue
        try:
            records = normalizer(env)
        except RecordError as exc:
            out.quarantined.append(Quarantined(env, exc.message))
            out.status[env.envelope_id] = "quarantined"
            continue
        except Exception as exc:  # noqa: BLE001  (a mapping bug must not cost the rest of the page)
            reason = f"internal error in the {fmt} normalizer: {type(exc).__name__}: {exc}"
            event(
                "normalize.bug",
                reason,
                logging.ERROR,
                source=env.source,
                envelope=env.envelope_id,
                traceback=traceback.format_exc(),
            )
            out.quarantined.append(Quarantined(env, reason))
            out.status[env.envelope_id] = "quarantined"
            continue
        out.add(env, records)
    return out
