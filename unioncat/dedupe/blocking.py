"""Candidate pairs without comparing everything with everything.

Every record posts keys: its title words, its identifiers (and those of its other
formats, so a print record meets its e-book through 776), and family name plus year.
Each record then probes with its few rarest title words and with its identifier and
name keys; a pair is a candidate when a probe meets a posting.  Rare words are what two
spellings of one title keep in common, and probing with a bounded number of keys whose
blocks are capped keeps the work close to linear in the number of records.

The same SQL runs over an in-memory table (evaluation, benchmarks) and over the
catalog's ``match_keys`` table, where new records probe the postings of all the others.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa

from unioncat.dedupe.features import Features
from unioncat.dedupe.settings import MatchSettings

# Words too common in titles to say anything about which work a title names.
STOPWORDS = frozenset(
    """a an and are as at by de del der des di die du el en et for from in into is la le
    les of on or the to und une un with zu zur""".split()
)

KEYS_SCHEMA = pa.schema([("rid", pa.int64()), ("key", pa.string()), ("kind", pa.string())])


def record_keys(features: Features, index: int) -> Iterator[tuple[str, str]]:
    """(key, kind) postings of one record: ``t`` title word, ``i`` identifier, ``a`` name."""
    seen: set[str] = set()
    for token in features.title_tokens[index]:
        if token in STOPWORDS or token in seen or (len(token) < 2 and token.isascii()):
            continue
        seen.add(token)
        yield token, "t"
    for key in features.work_ids[index] | features.linked_ids[index]:
        yield key, "i"
    year = features.year[index]
    if year:
        for family, _ in sorted(features.author_keys[index])[:3]:
            yield f"{family}|{year}", "a"


def keys_table(features: Features, offset: int = 0) -> pa.Table:
    rids: list[int] = []
    keys: list[str] = []
    kinds: list[str] = []
    for index in range(len(features)):
        for key, kind in record_keys(features, index):
            rids.append(index + offset)
            keys.append(key)
            kinds.append(kind)
    return pa.table([rids, keys, kinds], schema=KEYS_SCHEMA)


def candidate_sql(postings: str, probes: str, settings: MatchSettings) -> str:
    """SQL giving distinct (a, b) with a < b from probe keys meeting posted keys.

    ``postings`` holds every record's keys, ``probes`` the keys of the records being
    matched now (the same relation on a first run).
    """
    return f"""
WITH df AS (
  SELECT key, kind, count(*) AS n FROM {postings} GROUP BY key, kind
),
ranked AS (
  SELECT q.rid, q.key, q.kind, df.n,
         row_number() OVER (PARTITION BY q.rid, q.kind ORDER BY df.n, q.key) AS r
  FROM {probes} q JOIN df ON q.key = df.key AND q.kind = df.kind
  WHERE df.n > 1
),
probe AS (
  SELECT rid, key, kind FROM ranked
  WHERE (kind = 't' AND r <= {int(settings.probe_tokens)} AND n <= {int(settings.max_block)})
     OR (kind = 'i' AND n <= {int(settings.max_id_block)})
     OR (kind = 'a' AND r <= 3 AND n <= {int(settings.max_block)})
)
SELECT DISTINCT least(p.rid, o.rid) AS a, greatest(p.rid, o.rid) AS b
FROM probe p JOIN {postings} o ON p.key = o.key AND p.kind = o.kind
WHERE p.rid <> o.rid
"""


def arrow_of(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    rel = con.sql(sql)
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    table: pa.Table = fetch()
    return table


def candidate_pairs(
    features: Features,
    settings: MatchSettings,
    *,
    cross_sources_only: bool = False,
    con: duckdb.DuckDBPyConnection | None = None,
) -> tuple[list[int], list[int]]:
    """Candidate pairs among ``features`` as two aligned lists of positions."""
    own = con is None
    con = con or duckdb.connect()
    try:
        con.register("match_keys_mem", keys_table(features))
        rows = arrow_of(con, candidate_sql("match_keys_mem", "match_keys_mem", settings))
        con.unregister("match_keys_mem")
    finally:
        if own:
            con.close()
    a = rows.column("a").to_pylist()
    b = rows.column("b").to_pylist()
    if cross_sources_only:
        sources = features.sources
        kept = [(x, y) for x, y in zip(a, b, strict=True) if sources[x] != sources[y]]
        a = [x for x, _ in kept]
        b = [y for _, y in kept]
    return a, b
