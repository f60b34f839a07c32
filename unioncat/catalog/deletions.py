"""When records leave the catalog: the deletion rules, in one place.

A record is deleted (tombstoned, never removed) when its source says so, when a
deletion sweep finds the server no longer lists it, when a re-sent file no longer
gives it, or when it was a part (a 505 chapter) that its host no longer lists.

Two guards stand in the way of a catalog that erodes.  A sweep or a file withdrawal
that would take more than a share of the source's (or the file's) records at once is
refused, because a list cut short looks exactly like a repository that lost its
records.  And every tombstone of a source, however it came (sweep, deletion the server
reports, re-sent file), counts against the same share over a rolling window of days
(:class:`DeletionGuard`), so that many small deletions cannot empty a source either.  A
refused page rolls back whole; the message says how to let a real deletion through.
A record a sweep tombstoned comes back when the server lists it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from unioncat.catalog import raw
from unioncat.catalog.db import Db
from unioncat.catalog.deletion_guard import DeletionGuard
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


def check_window(db: Db, source: str, guard: DeletionGuard, run_id: str, now: datetime) -> None:
    """Refuse the page (inside its transaction, after its tombstones are written) when
    the source's records deleted within the window pass the guard's share."""
    since = now - timedelta(days=guard.window_days)
    deleted = int(
        db.scalar(
            "SELECT count(DISTINCT c.id) FROM changes c JOIN records r ON r.id = c.id "
            "WHERE c.op = 'delete' AND c.entity = 'record' AND c.source = ? AND r.deleted "
            'AND (c."at" >= ? OR c.run_id = ?)',
            [source, since, run_id],
        )
        or 0
    )
    live = int(
        db.scalar("SELECT count(*) FROM records WHERE source = ? AND NOT deleted", [source]) or 0
    )
    base = live + deleted
    allowed = max(guard.floor, guard.fraction * base)
    if deleted <= allowed:
        return
    window = "in this run" if guard.window_days == 0 else f"within {guard.window_days:g} day(s)"
    raise SourceError(
        f"deletion refused: {deleted} of the {base} records of the source would be "
        f"deleted {window} ({deleted / base:.0%}, more than the {guard.fraction:.0%} "
        "allowed); nothing of this page was marked deleted",
        stage="harvest",
        source=source,
        hint=f"if the source really dropped them, run once with `--allow-deletions "
        f"{source}` (or raise its sweep_max_fraction, or shorten deletion_window_days); "
        "otherwise the next run tries again and is refused again",
    )


def sweep(
    db: Db, source: str, present: list[str], limit: float | None, run_id: str, now: datetime
) -> int:
    """Tombstone the source's harvested records that it no longer lists, and their
    parts (for servers that never report deletions).  More than ``limit`` of the live
    records at once is refused: the transaction rolls back, nothing is lost.

    Records an earlier sweep tombstoned that the server lists again come back: their
    archived envelopes are mapped again (an incremental harvest would never fetch them,
    their datestamps unchanged)."""
    listed = pa.table({"source_id": pa.array(present, pa.string())})
    with db.registered(listed, "present") as present_ids:
        revive(db, source, present_ids)
        return _tombstone_unlisted(db, source, present_ids, limit, run_id, now)


def revive(db: Db, source: str, present_ids: str) -> int:
    """Mark pending the archived envelopes of tombstoned records the source lists again
    (a deleted OAI header stays a tombstone: its envelope says deleted)."""
    n = int(
        db.scalar(
            "SELECT count(*) FROM raw w JOIN records r "
            "ON r.source = w.source AND r.envelope_id = w.envelope_id "
            "WHERE w.source = ? AND r.deleted AND r.envelope_id = r.source_id "
            "AND NOT w.deleted AND w.status <> 'pending' "
            f"AND r.source_id IN (SELECT source_id FROM {present_ids})",
            [source],
        )
        or 0
    )
    if n:
        db.execute(
            "UPDATE raw SET status = 'pending' FROM records r "
            "WHERE raw.source = ? AND r.source = raw.source AND r.envelope_id = raw.envelope_id "
            "AND r.deleted AND r.envelope_id = r.source_id "
            "AND NOT raw.deleted AND raw.status <> 'pending' "
            f"AND r.source_id IN (SELECT source_id FROM {present_ids})",
            [source],
        )
        event(
            "sweep.revived",
            f"{source}: {n} record(s) deleted by an earlier sweep are listed again; they "
            "are mapped again from the archive",
            source=source,
            revived=n,
        )
    return n


def _tombstone_unlisted(
    db: Db, source: str, present_ids: str, limit: float | None, run_id: str, now: datetime
) -> int:
    with (
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
    withdrawn while any record of the file is quarantined: it may be one of them.  The
    envelopes of the file's earlier versions leave the archive here, with the records
    they withdraw (or, while nothing is withdrawn, those that no live record names).
    """
    raw.drop_superseded(db, source, name, all_of_them=False)
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
        n = tombstone(db, gone, "withdrawn", run_id, now)
    raw.drop_superseded(db, source, name, all_of_them=True)
    return n


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
            hint=f"if the source really dropped them, run once with `--allow-deletions "
            f"{source}` (or raise its sweep_max_fraction); otherwise the next run tries "
            "again",
        )
