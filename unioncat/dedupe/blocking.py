"""Candidate pairs without comparing everything with everything.

Every record posts keys: its title words, its identifiers (and those of its other
formats, so a print record meets its e-book through 776), family name plus year, the
words of its contents, and how its title begins.  Blocks are built from them in SQL:
pairs of each record's rarest title words and of its rarest contents words, its title's
opening words, its rarest single words while they stay rare, identifiers, and name plus
year.  Rare words
are what two spellings of one title keep in common (a word misspelt is read as the
commoner word one letter away); a bounded number of partners per record, from blocks of
bounded size, keeps the work close to linear in the number of records.

The same SQL runs over an in-memory table (evaluation, benchmarks) and over the
catalog's ``match_keys`` table, where the records changed since the last run are
paired with everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

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
# Title words at least this long are read through one typo (shorter ones are too often
# another word one letter away: "form", "from").
RESPELL_MIN_CHARS = 5
# How far a record looks for partners: its smallest blocks up to this many times the
# candidate budget in summed sizes, among which partners are counted once each.
REACH = 4

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


@dataclass(frozen=True, slots=True)
class Dialect:
    """The few expressions of the blocking query that DuckDB and Spark SQL spell
    differently, as data; everything else in it is written once for both."""

    # whether the title word ``key`` holds a digit
    key_has_digit: str
    # one row per character position of ``key``, 1-based (a set-returning expression)
    each_position: str
    # of the spellings ``y`` one edit away, the one most records hold, the first in
    # order among equals
    commonest_spelling: str
    # a value telling one block's set of records (``rid``) from another's
    block_members: str


DUCKDB = Dialect(
    key_has_digit="regexp_matches(key, '[0-9]')",
    each_position="unnest(range(1, length(key) + 1))",
    commonest_spelling="first(y.key ORDER BY y.n DESC, y.key)",
    block_members="hash(list(rid ORDER BY rid))",
)
SPARK = Dialect(
    key_has_digit="(key RLIKE '[0-9]')",
    each_position="explode(sequence(1, length(key)))",
    commonest_spelling="min_by(y.key, named_struct('n', -y.n, 'k', y.key))",
    block_members="xxhash64(array_sort(collect_list(rid)))",
)


def _run_of(pos: str, run: int) -> str:
    """Which run of ``run`` records position ``pos`` of a crowded block falls in."""
    return f"CAST(CAST(floor(({pos}) / {run}) AS BIGINT) AS STRING)"


def candidate_sql(
    postings: str,
    probes: str,
    settings: MatchSettings,
    *,
    everyone: bool = False,
    sql: Dialect = DUCKDB,
) -> str:
    """:func:`candidate_steps` as one query."""
    steps, final = candidate_steps(postings, probes, settings, everyone=everyone, sql=sql)
    ctes = ",\n".join(f"{name} AS ({body}\n)" for name, body in steps)
    return f"WITH {ctes}\n{final}"


def candidate_steps(
    postings: str,
    probes: str,
    settings: MatchSettings,
    *,
    everyone: bool = False,
    sql: Dialect = DUCKDB,
) -> tuple[list[tuple[str, str]], str]:
    """The blocking query as named steps and a final select giving distinct (a, b,
    by_id), a < b: probing records paired with the others; ``by_id`` tells that the two
    met in an identifier block.  Each step reads the ones before it by name: DuckDB runs
    them as one query, Spark as views it materialises one by one.

    ``postings`` holds every record's keys, ``probes`` the keys of the records being
    matched now (the same relation on a first run).  Three kinds of blocks:

    * pairs of a record's few rarest title words ("estuary sediment"), and of its
      contents' (the tracks of a recording, the chapters a 505 lists): tolerant of a
      typo in any one word, and small even in a catalog of millions;
    * a record's rarest single words, while few records hold them;
    * identifiers, and family name plus year (for a title changed beyond recognition).

    A pair of words or an opening that more records share than ``max_block`` (a work
    cited hundreds of times, whose every word is common in the catalog) is not dropped
    but cut into runs of ``max_word_block`` records, in an order fixed by the record ids,
    each run overlapping the next by half: its records meet a bounded number of others,
    and the runs chain them into one cluster.

    A title word one letter away from a word more records hold counts as that word
    (noisy citations misspell exactly the rare words blocking needs), worked out over
    every record's words, so a nightly run reads a misspelling as a full run does.

    Each probing record takes its blocks smallest first while the partners they bring,
    each counted once, stay within the candidate budget (identifier blocks always): the
    most telling blocks come first, and candidates per record stay bounded however large
    the catalog grows.  Counting partners rather than block sizes matters for a work
    cited many times: its citations sit in many blocks of the same records, which cost
    the budget once.  A pair is a candidate when the shared block is within either
    record's budget, so a nightly run (few probes, ``everyone`` false) finds what a full
    run (``everyone``) would.
    """
    top = int(settings.probe_tokens)
    run = int(settings.max_word_block)
    kind_letter = "(CASE kind WHEN 't' THEN 'w' WHEN 'p' THEN 'p' ELSE 'c' END)"
    only_touched = "" if everyone else "\n  WHERE r.rid IN (SELECT rid FROM touched)"
    steps: list[tuple[str, str]] = []
    steps.append(
        (
            "vocab",
            f"""
  -- the title words long enough for a typo to leave them recognisable
  SELECT key, count(*) AS n FROM {postings}
  WHERE kind = 't' AND length(key) >= {RESPELL_MIN_CHARS} AND NOT {sql.key_has_digit}
  GROUP BY key""",
        )
    )
    steps.append(
        (
            "cut",
            f"""
  SELECT key, n, {sql.each_position} AS i FROM vocab""",
        )
    )
    steps.append(
        (
            "spellings",
            """
  -- each word, and each word with one letter left out: two words one edit apart (a
  -- letter left out, added, changed, or two swapped) share one of these
  SELECT key, n, key AS form FROM vocab
  UNION ALL
  SELECT key, n, substr(key, 1, i - 1) || substr(key, i + 1) FROM cut""",
        )
    )
    steps.append(
        (
            "respelt",
            f"""
  -- a word one edit from a word more records hold is a misspelling of it ("reelvance"
  -- for "relevance"): it is posted as the commoner word, so the two titles share a key
  SELECT x.key, {sql.commonest_spelling} AS better
  FROM spellings x JOIN spellings y ON x.form = y.form AND y.n > x.n
  GROUP BY x.key""",
        )
    )
    steps.append(
        (
            "posted",
            f"""
  SELECT DISTINCT p.rid, coalesce(s.better, p.key) AS key, p.kind
  FROM {postings} p LEFT JOIN respelt s ON p.kind = 't' AND s.key = p.key""",
        )
    )
    steps.append(
        (
            "df",
            """
  SELECT key, kind, count(*) AS n FROM posted GROUP BY key, kind""",
        )
    )
    steps.append(
        (
            "ranked",
            """
  -- a word only one record holds (often a typo) blocks nothing: rank the shared ones
  SELECT p.rid, p.key, p.kind, df.n,
         row_number() OVER (PARTITION BY p.rid, p.kind ORDER BY df.n, p.key) AS r
  FROM posted p JOIN df ON p.key = df.key AND p.kind = df.kind
  WHERE df.n > 1""",
        )
    )
    steps.append(
        (
            "rare",
            f"""
  SELECT rid, key, kind FROM ranked WHERE kind IN ('t', 'c') AND r <= {top}""",
        )
    )
    steps.append(
        (
            "word_pairs",
            """
  SELECT x.rid, x.kind, x.key || ' ' || y.key AS key
  FROM rare x JOIN rare y ON x.rid = y.rid AND x.kind = y.kind AND x.key < y.key""",
        )
    )
    steps.append(
        (
            "pair_df",
            """
  SELECT kind, key, count(*) AS n FROM word_pairs GROUP BY kind, key""",
        )
    )
    steps.append(
        (
            "crowded",
            f"""
  -- a pair of rare words, or an opening, that more records share than a block may
  -- hold (a work cited hundreds of times): its records in a fixed order, to be cut into
  -- overlapping runs
  SELECT w.rid, w.kind, w.key,
         row_number() OVER (PARTITION BY w.kind, w.key
                            ORDER BY md5(CAST(w.rid AS STRING)), w.rid) - 1 AS pos
  FROM word_pairs w JOIN pair_df d ON w.key = d.key AND w.kind = d.kind
  WHERE d.n > {int(settings.max_block)}
  UNION ALL
  SELECT rid, kind, key,
         row_number() OVER (PARTITION BY key ORDER BY md5(CAST(rid AS STRING)), rid) - 1
  FROM ranked WHERE kind = 'p' AND n > {int(settings.max_block)}""",
        )
    )
    steps.append(
        (
            "blocks",
            f"""
  SELECT w.rid, (CASE w.kind WHEN 't' THEN 'w:' ELSE 'c:' END) || w.key AS key
  FROM word_pairs w JOIN pair_df d ON w.key = d.key AND w.kind = d.kind
  WHERE d.n BETWEEN 2 AND {int(settings.max_block)}
  UNION ALL
  -- runs of a crowded block, each overlapping the next by half, so that the records of
  -- a much cited work meet in blocks of bounded size and still chain into one cluster
  SELECT rid, {kind_letter} || {_run_of("pos", run)} || ':' || key FROM crowded
  UNION ALL
  SELECT rid, {kind_letter} || '+' || {_run_of(f"pos + {run // 2}", run)} || ':' || key
  FROM crowded
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
  WHERE kind = 'a' AND r <= 3 AND n BETWEEN 2 AND {int(settings.max_word_block)}""",
        )
    )
    steps.append(
        (
            "members",
            f"""
  -- a block's size and who is in it: blocks of the same records are one block
  SELECT key, count(*) AS n, {sql.block_members} AS who FROM blocks GROUP BY key""",
        )
    )
    steps.append(
        (
            "sized",
            """
  SELECT rid, key, n FROM (
    SELECT b.rid, b.key, m.n,
           row_number() OVER (PARTITION BY b.rid, m.who
                              ORDER BY substr(b.key, 1, 2) = 'i:' DESC, b.key) AS copy
    FROM blocks b JOIN members m ON m.key = b.key
  )
  WHERE copy = 1""",
        )
    )
    steps.append(
        (
            "ordered",
            """
  SELECT rid, key, n,
         row_number() OVER (PARTITION BY rid ORDER BY n, key) AS pos,
         sum(n) OVER (PARTITION BY rid ORDER BY n, key ROWS UNBOUNDED PRECEDING) AS seen
  FROM sized""",
        )
    )
    steps.append(
        (
            "reach",
            f"""
  -- the blocks a record looks into, smallest first, up to a bounded sum of sizes
  SELECT rid, key, pos FROM ordered
  WHERE seen - n < {REACH * int(settings.candidate_budget)} OR substr(key, 1, 2) = 'i:'""",
        )
    )
    if not everyone:
        # a nightly run counts partners only for the records that can meet a probing one
        steps.append(
            (
                "touched",
                f"""
  SELECT rid FROM {probes}
  UNION
  SELECT r.rid FROM reach r JOIN blocks q ON q.key = r.key
  WHERE q.rid IN (SELECT rid FROM {probes})""",
            )
        )
    steps.append(
        (
            "firsts",
            f"""
  -- each partner once, at the first of the record's blocks that holds it
  SELECT r.rid, o.rid AS partner, min(r.pos) AS pos
  FROM reach r JOIN blocks o ON o.key = r.key AND o.rid <> r.rid{only_touched}
  GROUP BY r.rid, o.rid""",
        )
    )
    steps.append(
        (
            "fresh",
            """
  SELECT rid, pos, count(*) AS new FROM firsts GROUP BY rid, pos""",
        )
    )
    steps.append(
        (
            "budgeted",
            f"""
  -- a record takes its blocks while the partners they bring, each counted once, stay
  -- within the budget (identifier blocks always)
  SELECT rid, key FROM (
    SELECT r.rid, r.key,
           coalesce(sum(coalesce(f.new, 0)) OVER (
               PARTITION BY r.rid ORDER BY r.pos
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM reach r LEFT JOIN fresh f ON f.rid = r.rid AND f.pos = r.pos{only_touched}
  )
  WHERE before < {int(settings.candidate_budget)} OR substr(key, 1, 2) = 'i:'""",
        )
    )
    steps.append(
        (
            "met",
            f"""
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
            }""",
        )
    )
    final = """
SELECT least(x, y) AS a, greatest(x, y) AS b, bool_or(substr(key, 1, 2) = 'i:') AS by_id
FROM met
GROUP BY 1, 2
"""
    return steps, final


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
    blocker: Callable[[pa.Table, MatchSettings], pa.Table] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Candidate pairs among ``features``: positions a < b, and whether an identifier
    block found them.  ``blocker(keys, settings)`` runs the blocking query elsewhere
    (on Spark) and gives its rows; by default DuckDB in this process runs it."""
    keys = keys_table(features)
    if blocker is not None:
        rows = blocker(keys, settings)
    else:
        own = con is None
        # A bounded memory budget: past it DuckDB spills the join to disk instead of
        # competing with the Python side for RAM.
        con = con or duckdb.connect(config={"memory_limit": "2GB"})
        try:
            con.register("match_keys_mem", keys)
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
