"""Map envelopes to records, quarantining each one that fails, with its reason."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

from unioncat.contracts import Quarantined, RawEnvelope, tombstone
from unioncat.errors import RecordError
from unioncat.log import event
from unioncat.normalize import NORMALIZERS
from unioncat.schemas.record import Record


@dataclass(slots=True)
class Normalized:
    records: list[Record] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)


def normalize_envelopes(envelopes: Iterable[RawEnvelope], fmt: str) -> Normalized:
    """Map envelopes to records; a record that fails is quarantined with its reason."""
    normalizer = NORMALIZERS[fmt]
    out = Normalized()
    for env in envelopes:
        if env.error:
            out.quarantined.append(Quarantined(env, env.error, stage="harvest"))
            out.status[env.envelope_id] = "quarantined"
            continue
        if env.deleted and env.record_id:
            out.records.append(tombstone(env))
            out.status[env.envelope_id] = "normalized"
            continue
        try:
            records = normalizer(env)
        except RecordError as exc:
            out.quarantined.append(Quarantined(env, exc.message))
            out.status[env.envelope_id] = "quarantined"
            continue
        except Exception as exc:  # noqa: BLE001  (a mapping bug must not cost the rest of the batch)
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
        out.records.extend(records)
        out.status[env.envelope_id] = "normalized"
    return out
