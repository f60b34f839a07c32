"""Candidate pairs without comparing everything with everything.

Every record posts keys: its title words, its identifiers (and those of its other
formats, so a print record meets its e-book through 776), family name plus year, the
words of its contents, and how its title begins.  Blocks are built from them in SQL:
pairs of each record's rarest title words and of its rarest contents words, its title's
opening words, its rarest single words while they stay rare, identifiers, and name plus
year.  Rare words
are what two spellings of one title keep in common; a bounded number of blocks per
record, each of bounded size, keeps the work close to linear in the number of records.

The same SQL runs over an in-memory table (evaluation, benchmarks) and over the
catalog's ``match_keys`` table, where the records changed since the last run are
paired with everyone.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from unioncat.dedupe.features import Features
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.text import tokens

# Words too common in titles to say anything about which work a title names.
STOPWORDS = frozenset(
    """a an and are as at by de del der des di die du el en et for from in into is la le
    les of on or the to und une un with zu zur""".split()
)

# The first significant words of a title, posted together as one key.
OPENING_WORDS = 3
# Words of a record's contents posted as keys: the first ones, which is enough for
# two copies of one track list to share their rarest, and bounds a box set's postings.
CONTENTS_KEYS = 48

KEYS_SCHEMA = pa.schema([("rid", pa.int64()), ("key", pa.string()), ("kind", pa.string())])


def _telling(folded: str) -> Iterator[str]:
    """The words of a folded text that can tell one record from another: no stop word,
    no single Latin letter."""
    for token in tokens(folded):
        if token not in STOPWORDS and (len(token) > 1 or not token.isascii()):
            yield token


def record_keys(features: Features, index: int) -> Iterator[tuple[str, str]]:
    """(key, kind) postings of one record: ``t`` title word, ``p`` the title's opening
    words, ``i`` identifier, ``a`` name and year, ``c`` contents word."""
    seen: set[str] = set()
    opening: list[str] = []
    for token in _telling(features.title[index]):
        if len(opening) < OPENING_WORDS:
            opening.append(token)
        if token not in seen:
            seen.add(token)
            yield token, "t"
    if len(opening) == OPENING_WORDS:
        # how the title begins: what a title cut short keeps when its rarest words are
        # in the part cut off
        yield " ".join(opening), "p"
    for key in features.work_ids[index] | features.linked_ids[index]:
        yield key, "i"
    year = features.year[index]
    if year:
        for family in features.authors[index].split()[:3]:
            yield f"{family}|{year}", "a"
    words: set[str] = set()
    for token in _telling(features.contents[index]):
        if token not in words:
            words.add(token)
            yield token, "c"
            if len(words) >= CONTENTS_KEYS:
                break


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


def candidate_sql(
    postings: str, probes: str, settings: MatchSettings, *, everyone: bool = False
) -> str:
    """SQL giving distinct (a, b, by_id), a < b: probing records paired with the others;
    ``by_id`` tells that the two met in an identifier block.

    ``postings`` holds every record's keys, ``probes`` the keys of the records being
    matched now (the same relation on a first run).  Three kinds of blocks:

    * pairs of a record's few rarest title words ("estuary sediment"), and of its
      contents' (the tracks of a recording, the chapters a 505 lists): tolerant of a
      typo in any one word, and small even in a catalog of millions;
    * a record's rarest single words, while few records hold them;
    * identifiers, and family name plus year (for a title changed beyond recognition).

    Each probing record takes its blocks smallest first until their sizes add up to the
    candidate budget (identifier blocks always): the most telling blocks come first, and
    candidates per record stay bounded however large the catalog grows.  A pair is a
    candidate when the shared block is within either record's budget, so a nightly run
    (few probes, ``everyone`` false) finds what a full run (``everyone``) would.
    """
    top = int(settings.probe_tokens)
    return f"""
WITH df AS (
  SELECT key, kind, count(*) AS n FROM {postings} GROUP BY key, kind
),
ranked AS (
  -- a word only one record holds (often a typo) blocks nothing: rank the shared ones
  SELECT p.rid, p.key, p.kind, df.n,
         row_number() OVER (PARTITION BY p.rid, p.kind ORDER BY df.n, p.key) AS r
  FROM {postings} p JOIN df ON p.key = df.key AND p.kind = df.kind
  WHERE df.n > 1
),
rare AS (
  SELECT rid, key, kind FROM ranked WHERE kind IN ('t', 'c') AND r <= {top}
),
word_pairs AS (
  SELECT x.rid, x.kind, x.key || ' ' || y.key AS key
  FROM rare x JOIN rare y ON x.rid = y.rid AND x.kind = y.kind AND x.key < y.key
),
pair_df AS (
  SELECT kind, key, count(*) AS n FROM word_pairs GROUP BY kind, key
),
blocks AS (
  SELECT w.rid, (CASE w.kind WHEN 't' THEN 'w:' ELSE 'c:' END) || w.key AS key
  FROM word_pairs w JOIN pair_df d ON w.key = d.key AND w.kind = d.kind
  WHERE d.n BETWEEN 2 AND {int(settings.max_block)}
  UNION ALL
  SELECT rid, 't:' || key FROM ranked
  WHERE kind = 't' AND r <= 2 AND n BETWEEN 2 AND {int(settings.max_word_block)}
  UNION ALL
  SELECT rid, 'p:' || key FROM ranked
  WHERE kind = 'p' AND n BETWEEN 2 AND {int(settings.max_block)}
  UNION ALL
  SELECT rid, 'i:' || key FROM ranked
  WHERE kind = 'i' AND n BETWEEN 2 AND {int(settings.max_id_block)}
  UNION ALL
  SELECT rid, 'a:' || key FROM ranked
  WHERE kind = 'a' AND r <= 3 AND n BETWEEN 2 AND {int(settings.max_word_block)}
)
,
sized AS (
  SELECT rid, key, count(*) OVER (PARTITION BY key) AS n FROM blocks
),
budgeted AS (
  SELECT rid, key FROM (
    SELECT rid, key, n,
           sum(n) OVER (PARTITION BY rid ORDER BY n, key ROWS UNBOUNDED PRECEDING) AS seen
    FROM sized
  )
  WHERE seen - n < {int(settings.candidate_budget)} OR starts_with(key, 'i:')
),
met AS (
  SELECT p.rid AS x, o.rid AS y, p.key FROM budgeted p JOIN blocks o ON p.key = o.key
  WHERE p.rid <> o.rid AND p.rid IN (SELECT rid FROM {probes}){
        ""
        if everyone
        else f'''
  UNION ALL
  -- an older record whose own budget covers a block it shares with a probing one: the
  -- pair a full run would find, whichever of the two arrived first
  SELECT q.rid, p.rid, p.key FROM blocks q JOIN budgeted p ON q.key = p.key
  WHERE q.rid <> p.rid AND q.rid IN (SELECT rid FROM {probes})'''
    }
)
SELECT least(x, y) AS a, greatest(x, y) AS b, bool_or(starts_with(key, 'i:')) AS by_id
FROM met
GROUP BY 1, 2
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
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Candidate pairs among ``features``: positions a < b, and whether an identifier
    block found them."""
    own = con is None
    # A bounded memory budget: past it DuckDB spills the join to disk instead of
    # competing with the Python side for RAM.
    con = con or duckdb.connect(config={"memory_limit": "2GB"})
    try:
        con.register("match_keys_mem", keys_table(features))
        rows = arrow_of(
            con, candidate_sql("match_keys_mem", "match_keys_mem", settings, everyone=True)
        )
        con.unregister("match_keys_mem")
    finally:
        if own:
            con.close()
    a = rows.column("a").to_numpy().astype(np.int64)
    b = rows.column("b").to_numpy().astype(np.int64)
    by_id = rows.column("by_id").to_numpy(zero_copy_only=False).astype(bool)
    if cross_sources_only:
        codes = {name: n for n, name in enumerate(sorted(set(features.sources)))}
        source = np.array([codes[s] for s in features.sources], dtype=np.int32)
        cross = source[a] != source[b]
        a, b, by_id = a[cross], b[cross], by_id[cross]
    order = np.lexsort((b, a))
    return a[order], b[order], by_id[order]
