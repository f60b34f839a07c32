"""Finding records the way a cataloger asks: by an identifier of any scheme, or by words.

A plain index table, ``find_keys`` (record, key), is kept beside the records: every
identifier as the catalog stores it (``i:isbn:9780198812357``), the source's own id
(``s:ocm12345678``, the 001 or the OAI identifier), and the words of the title,
subtitle, other titles and names (``w:river``), folded by the same SQL that folds the query, so the
two can never disagree.  It is rewritten for each record that changes, in the page's
transaction.  A query that reads as an identifier is looked up under every scheme it
can be; otherwise every word must match.  DuckDB's full-text extension would have to
be downloaded, which a catalog never does on its own.

Each key is stored with ``h``, the first 64 bits of its MD5, and the table is kept
sorted by ``h``: a lookup by ``h`` reads only the one row group whose range holds it
(DuckDB's zone maps, which for text keep only a short prefix, useless on keys that
all begin ``i:isbn:978``).  An ART index answers one identifier as fast, but fetches the
thousands of rows of a common word one by one, and costs every insert.  Keys written
since the last sort sit at the end and are read whole; when they grow past a share of
the table, :func:`tidy` sorts it again (at the end of a run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unioncat import identifiers as idn
from unioncat.catalog.db import Db

# Words too common in titles to narrow a search: they are not indexed.
STOPWORDS = (
    "a an and are as at by de del der des di die du el en et for from in into is la le les "
    "of on or the to und une un with zu zur"
).split()
# Letters and digits of any script, after accents are stripped and case folded.
_SPLIT = r"[^\p{L}\p{N}]+"


def _folded_words(expr: str) -> str:
    """SQL for the distinct words (two characters or more, not stopwords) of ``expr``."""
    return (
        f"list_filter(list_distinct(regexp_split_to_array(lower(strip_accents({expr})), "
        f"'{_SPLIT}')), lambda w: length(w) > 1 AND NOT list_contains({_STOPWORDS_SQL}, w))"
    )


_STOPWORDS_SQL = "[" + ", ".join(f"'{w}'" for w in STOPWORDS) + "]"
_TEXT = (
    "coalesce(title, '') || ' ' || coalesce(subtitle, '') || ' ' || "
    "coalesce(array_to_string(title_variants, ' '), '') || ' ' || "
    "coalesce(array_to_string(list_transform(contributors, lambda c: c.name), ' '), '')"
)


def _h(expr: str) -> str:
    return f"(md5_number({expr}) >> 64)::UBIGINT"


def index_records(db: Db, ids: str) -> None:
    """Rewrite the find keys of the records listed in table ``ids`` (column ``id``); a
    deleted record keeps none."""
    db.execute(f"DELETE FROM find_keys WHERE record_id IN (SELECT id FROM {ids})")
    db.execute(
        f"INSERT INTO find_keys SELECT record_id, key, {_h('key')} FROM ("
        "SELECT id AS record_id, 'i:' || x.scheme || ':' || lower(x.value) AS key FROM ("
        f"SELECT id, unnest(identifiers) AS x FROM records WHERE id IN (SELECT id FROM {ids}) "
        "AND NOT deleted) "
        "UNION SELECT id, 's:' || lower(source_id) FROM records "
        f"WHERE id IN (SELECT id FROM {ids}) AND NOT deleted "
        "UNION SELECT id, 'w:' || unnest(" + _folded_words(_TEXT) + ") FROM records "
        f"WHERE id IN (SELECT id FROM {ids}) AND NOT deleted)"
    )


def index_all(db: Db) -> None:
    """Build the find keys of every record (a catalog from before they existed)."""
    with db.temp_table("SELECT id FROM records", stem="all_ids") as ids:
        index_records(db, ids)
    sort(db)


SORTED_KEY = "find_keys_sorted_rows"
UNSORTED_SHARE = 0.05
UNSORTED_MIN = 100_000


def sort(db: Db) -> None:
    db.execute("CREATE OR REPLACE TABLE find_keys AS SELECT * FROM find_keys ORDER BY h")
    rows = db.scalar("SELECT count(*) FROM find_keys")
    db.execute("INSERT OR REPLACE INTO catalog_meta VALUES (?, ?)", [SORTED_KEY, str(rows)])


def tidy(db: Db) -> bool:
    """Sort the keys again when those written since the last sort have grown past a
    share of the table; returns whether it did."""
    total = int(db.scalar("SELECT count(*) FROM find_keys") or 0)
    done = int(db.scalar("SELECT value FROM catalog_meta WHERE key = ?", [SORTED_KEY]) or 0)
    if total - done <= max(UNSORTED_MIN, UNSORTED_SHARE * total):
        return False
    with db.transaction():
        sort(db)
    return True


# What each scheme's numbers look like as people type them: a query is looked up only
# under the schemes it can be (every extra key costs a row group read).
_ISBN_SHAPE = re.compile(r"(?:isbn:?)?(?:\d{9}[\dXx]|97[89]\d{10})", re.I)
_ISSN_SHAPE = re.compile(r"(?:issn:?\s*)?\d{4}-?\d{3}[\dXx]", re.I)
_ISMN_SHAPE = re.compile(r"(?:M\d{9}|9790\d{9})", re.I)
_LCCN_SHAPE = re.compile(r"[a-z]{0,3}\s*(?:\d{2}|\d{4})-?\d{1,6}", re.I)


@dataclass(frozen=True, slots=True)
class Query:
    """What a query string can mean: identifier keys (any one matches) and words
    (all must match)."""

    identifier_keys: tuple[str, ...]
    words: tuple[str, ...]


def parse_query(db: Db, text: str) -> Query:
    """The keys a query may be found under, normalised as the catalog stores them."""
    q = text.strip()
    # a source's own id (a 001, an OAI identifier) is one word; words are not an id
    keys: list[str] = [] if re.search(r"\s", q) else [f"s:{q.lower()}"]
    if q.lower().startswith("uc1"):
        keys.append(f"id:{q.lower()}")
    bare = re.sub(r"[\s\-]", "", q)  # how the number is written aside
    shapes = (
        (idn.isbn, "isbn", _ISBN_SHAPE.fullmatch(bare)),
        (idn.issn, "issn", _ISSN_SHAPE.fullmatch(q)),
        (idn.ismn, "ismn", _ISMN_SHAPE.fullmatch(bare)),
    )
    for parse, scheme, shaped in shapes:
        found = parse(q) if shaped else None
        # a number with a bad checksum is stored as written: look for it that way too
        if found is not None:
            keys.append(f"i:{scheme}:{found.value.lower()}")
            if scheme == "issn":
                keys.append(f"i:issn_l:{found.value.lower()}")
    doi = idn.doi(q) if "10." in q and "/" in q else None
    if doi is not None:
        keys.append(f"i:doi:{doi.value.lower()}")
    oclc = idn.oclc(q)
    if oclc is not None:
        keys.append(f"i:oclc:{oclc.value}")
    lccn = idn.lccn(q) if _LCCN_SHAPE.fullmatch(q) else None
    if lccn is not None:
        keys.append(f"i:lccn:{lccn.value.lower()}")
    words = db.scalar(f"SELECT {_folded_words('?')}", [q]) or []
    return Query(tuple(dict.fromkeys(keys)), tuple(f"w:{w}" for w in words))


@dataclass(frozen=True, slots=True)
class Found:
    id: str
    source: str
    source_id: str
    type: str
    medium: str
    year: int | None
    title: str | None
    names: list[str]
    cluster_id: str | None
    by: str  # "identifier" or "words"


_COLUMNS = (
    "r.id, r.source, r.source_id, r.type, r.medium, r.year, r.title, "
    "list_transform(r.contributors, lambda c: c.name), r.cluster_id"
)
_IN_LIST_MAX = 2000  # hits fetched by their ids; more are joined


def _placeholders(n: int) -> str:
    return ", ".join("?" * n)


def _hits(db: Db, keys: list[str], all_of: bool, first: int | None = None) -> list[str]:
    """Records with any (or all) of ``keys``, by id (the ``first`` of them only, when
    given).  The hashes are literal values, which is what lets DuckDB skip every row
    group but the ones that hold them."""
    if not keys:
        return []
    having = (
        f" GROUP BY record_id HAVING count(DISTINCT key) = {len(keys)}"
        if all_of and len(keys) > 1
        else ""
    )
    select = "record_id" if having else "DISTINCT record_id"
    hashes = ", ".join(_h("?") for _ in keys)
    limit = f" LIMIT {int(first)}" if first is not None else ""
    return db.column(
        f"SELECT {select} FROM find_keys WHERE h IN ({hashes}) "
        f"AND key IN ({_placeholders(len(keys))}){having} ORDER BY 1{limit}",
        [*keys, *keys],
    )


def _records(
    db: Db, ids: list[str], filters: str, params: list[object], limit: int
) -> list[tuple[object, ...]]:
    if not ids:
        return []
    if len(ids) <= _IN_LIST_MAX:
        # sorted here: ORDER BY with LIMIT turns DuckDB's lookup by key into a scan
        rows = db.rows(
            f"SELECT {_COLUMNS} FROM records r WHERE r.id IN ({_placeholders(len(ids))}){filters}",
            [*ids, *params],
        )
        rows.sort(key=lambda r: (str(r[6] or ""), str(r[0])))
        return rows[:limit]
    with db.id_table(ids, "hits") as hits:
        return db.rows(
            f"SELECT {_COLUMNS} FROM records r JOIN {hits} h ON r.id = h.id "
            f"WHERE true{filters} ORDER BY r.title, r.id LIMIT ?",
            [*params, limit],
        )


def find(
    db: Db,
    text: str,
    *,
    source: str | None = None,
    rtype: str | None = None,
    limit: int = 20,
    deleted: bool = False,
) -> list[Found]:
    """Records an identifier names, or else records that hold every word."""
    query = parse_query(db, text)
    where = [] if deleted else ["NOT r.deleted"]
    params: list[object] = []
    if source:
        where.append("r.source = ?")
        params.append(source)
    if rtype:
        where.append("r.type = ?")
        params.append(rtype)
    filters = (" AND " + " AND ".join(where)) if where else ""
    direct = [k[3:] for k in query.identifier_keys if k.startswith("id:")]
    keys = [k for k in query.identifier_keys if not k.startswith("id:")]
    ids = sorted(set(direct) | set(_hits(db, keys, all_of=False)))
    rows = _records(db, ids, filters, params, limit)
    by = "identifier"
    if not rows and query.words:
        by = "words"
        # without filters the first hits by id are enough: fetching and sorting every
        # record that holds a common word would cost more than the lookup
        first = None if (source or rtype) else max(limit, 1)
        hits = _hits(db, list(query.words), all_of=True, first=first)
        rows = _records(db, hits, filters, params, limit)
    return [
        Found(str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]),
              row[5] if isinstance(row[5], int) else None,
              str(row[6]) if row[6] is not None else None,
              [str(n) for n in (row[7] or [])],  # type: ignore[attr-defined]
              str(row[8]) if row[8] is not None else None, by)
        for row in rows
    ]  # fmt: skip
