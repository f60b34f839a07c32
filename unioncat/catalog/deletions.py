"""When records leave the catalog: the deletion rules, in one place.

A record is deleted (tombstoned, never removed) when its source says so, when a
deletion sweep finds the server no longer lists it, when a re-sent file no longer
gives it, or when it was a part (a 505 chapter) that its host no longer lists.  The
sweeps are guarded: more than a share of a source's (or a file's) records at once is
refused and the whole page rolls back, because a list cut short looks exactly like a
repository that lost its records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from unioncat.catalog.db import Db
from unioncat.catalog.records import tombstone
from unioncat.errors import SourceError
from unioncat.log import event


def lost_parts(db: Db, incoming: str) -> str:
    """A temporary table of the parts (505 chapters) that re-mapped records no longer
    list; made before the records are written, while they still name the envelope they
    came from last time.

    A part was derived from its host's envelope and points at it through ``host.id``;
    when the host comes back without it, from that envelope or from the envelope it has
    now (the record moved within its file), the part is gone from the source and must
    not linger as a live duplicate-looking record.
    """
    name = db.temp_name("lost_parts")
    db.execute(
        f"CREATE TEMP TABLE {name} AS SELECT DISTINCT r.id, r.source FROM records r "
        f"JOIN {incoming} h ON struct_extract(r.host, 'id') = h.id AND r.source = h.source "
        "LEFT JOIN records prev ON prev.id = h.id "
        f"WHERE NOT r.deleted AND r.id NOT IN (SELECT id FROM {incoming}) "
        "AND (r.envelope_id = h.envelope_id OR r.envelope_id = prev.envelope_id)"
    )
    return name


def retire_lost_parts(db: Db, lost: str, run_id: str, now: datetime) -> int:
    """Tombstone the parts :func:`lost_parts` found, and forget the table."""
    try:
        return tombstone(db, lost, "lost", run_id, now)
    finally:
        db.execute(f"DROP TABLE IF EXISTS {lost}")


def sweep(
    db: Db, source: str, present: list[str], limit: float | None, run_id: str, now: datetime
) -> int:
    """Tombstone the source's harvested records that it no longer lists, and their
    parts (for servers that never report deletions).  More than ``limit`` of the live
    records at once is refused: the transaction rolls back, nothing is lost."""
    listed = pa.table({"source_id": pa.array(present, pa.string())})
    with (
        db.registered(listed, "present") as present_ids,
        db.temp_table(
            "SELECT r.id, r.source, r.envelope_id FROM records r "
            "WHERE r.source = ? AND NOT r.deleted AND r.envelope_id = r.source_id "
            f"AND r.source_id NOT IN (SELECT source_id FROM {present_ids})",
            [source],
            stem="gone",
        ) as gone,
    ):
        if limit is not None:
            check_share(db, gone, source, limit)
        db.execute(
            f"INSERT INTO {gone} SELECT r.id, r.source, r.envelope_id FROM records r "
            f"JOIN {gone} g ON struct_extract(r.host, 'id') = g.id "
            "AND r.envelope_id = g.envelope_id AND r.source = g.source WHERE NOT r.deleted"
        )
        return tombstone(db, gone, "swept", run_id, now)


def withdraw_from_file(
    db: Db, source: str, name: str, limit: float | None, run_id: str, now: datetime
) -> int:
    """Tombstone the records that came from file ``name`` and that its new version,
    now read to its end, no longer gives (a withdrawn title in a re-sent file).

    A record that another envelope of the source still gives stays.  Nothing is
    withdrawn while any record of the file is quarantined: it may be one of them.
    """
    broken = db.scalar(
        "SELECT count(*) FROM raw WHERE source = ? AND batch = ? AND status = 'quarantined'",
        [source, name],
    )
    if broken:
        event(
            "file.not_swept",
            f"{source}: {name} has {broken} record(s) in quarantine, so records it may "
            "no longer give are kept until it reads cleanly",
            source=source,
        )
        return 0
    prefix = f"{name}#"  # the envelopes of a file are named <file>#<position>
    with db.temp_table(
        "SELECT r.id, r.source FROM records r "
        "WHERE r.source = ? AND NOT r.deleted AND starts_with(r.envelope_id, ?) "
        "AND r.id NOT IN (SELECT record_id FROM envelope_records WHERE source = ?)",
        [source, prefix, source],
        stem="gone",
    ) as gone:
        if limit is not None:
            check_share(
                db, gone, source, limit, live_sql="starts_with(envelope_id, ?)",
                live_params=[prefix],
                what=f"records that came from {name}",
            )  # fmt: skip
        return tombstone(db, gone, "withdrawn", run_id, now)


def check_share(
    db: Db,
    gone: str,
    source: str,
    limit: float,
    *,
    live_sql: str = "envelope_id = source_id",
    live_params: Sequence[Any] = (),
    what: str = "records harvested from it",
) -> None:
    """Refuse to tombstone more than ``limit`` of the source's live records at once."""
    row = db.first(
        f"SELECT (SELECT count(*) FROM {gone}), count(*) FROM records "
        f"WHERE source = ? AND NOT deleted AND {live_sql}",
        [source, *live_params],
    )
    n_gone, live = row if row else (0, 0)
    if live and n_gone > limit * live:
        raise SourceError(
            f"deletion sweep refused: the source no longer gives {n_gone} of the {live} "
            f"{what} ({n_gone / live:.0%}, more than the "
            f"{limit:.0%} allowed); nothing was marked deleted",
            stage="harvest",
            source=source,
            hint="if the repository really dropped them, raise sweep_max_fraction for "
            "one run; otherwise the next run sweeps again",
        )
