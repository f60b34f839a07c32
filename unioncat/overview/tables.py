"""The collection report's tables: each one DuckDB query over the catalog.

Every figure of ``unioncat report`` is one of these tables, aggregated in DuckDB before
anything is drawn, so the page, the Parquet files and the CSV files beside it can never
disagree, and a catalog of millions of records gives a page of a few hundred rows.

The words they share, defined once in the temporary views below:

* a **record** counts when it is live and bibliographic (MARC holdings records carry
  holdings, not works, and are left out);
* its **level** is ``article`` for the parts of a host (articles, chapters, papers) and
  ``work`` for everything else; overlap is counted at each level on its own;
* its **work** is its cluster (a record not matched yet is a work of its own);
* a work's **forms** are its members' media and their holdings' forms: print (and
  microform) or electronic; a work is print only, electronic only, both, or neither;
* a holding's **years** run from the year of its start to the year of its end, an open
  end being this year, less a moving wall (``R6M``: the last six months are not
  available) when the holding has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from unioncat.catalog import Catalog

ARTICLE_TYPES = ("journal_article", "book_chapter", "proceedings_paper", "newspaper_article")
# subject schemes that say what a record is, not what it is about
NOT_SUBJECTS = ("nlm-publication-type", "wos-document-type")
JOURNAL_TYPES = ("journal", "newspaper")


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the report: where it goes on the page and the query that makes it."""

    name: str
    section: str
    title: str
    about: str
    sql: str


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# The views every table reads.  Temporary: a read-only catalog takes them, and they go
# with the connection.
_VIEWS = (
    f"""
CREATE OR REPLACE TEMP VIEW report_records AS
SELECT r.id, r.source, r.type, r.medium, coalesce(r.cluster_id, r.id) AS work,
       CASE WHEN r.type IN ({_quoted(ARTICLE_TYPES)}) THEN 'article' ELSE 'work' END AS level,
       r.year, r.title, r.contributors, r.publisher, r.identifiers, r.language,
       r.subjects, r.abstract, r.host, r.access, r.holdings
FROM records r
WHERE NOT r.deleted AND r.type <> 'holdings'
""",
    """
CREATE OR REPLACE TEMP VIEW report_forms AS
SELECT id, work, level, source,
       CASE WHEN medium IN ('print', 'microform') THEN 'print'
            WHEN medium = 'electronic' THEN 'electronic' END AS form
FROM report_records
UNION ALL
SELECT r.id, r.work, r.level, r.source,
       CASE WHEN h.form IN ('print', 'microform') THEN 'print'
            WHEN h.form = 'electronic' THEN 'electronic' END AS form
FROM holdings h JOIN report_records r ON r.id = h.record_id
""",
    """
CREATE OR REPLACE TEMP VIEW report_works AS
SELECT f.work,
       CASE WHEN bool_and(f.level = 'article') THEN 'article' ELSE 'work' END AS level,
       CASE WHEN bool_or(f.form = 'print') AND bool_or(f.form = 'electronic')
                 THEN 'print and electronic'
            WHEN bool_or(f.form = 'print') THEN 'print only'
            WHEN bool_or(f.form = 'electronic') THEN 'electronic only'
            ELSE 'neither' END AS format
FROM report_forms f
GROUP BY f.work
""",
    """
CREATE OR REPLACE TEMP VIEW report_work_facts AS
SELECT w.work, w.level, w.format,
       min(r.year) AS year,
       coalesce(any_value(c.title), min(r.title)) AS title
FROM report_works w
JOIN report_records r ON r.work = w.work
LEFT JOIN clusters c ON c.cluster_id = w.work AND NOT c.deleted
GROUP BY w.work, w.level, w.format
""",
    # a holding's years, with the moving wall taken off an open end
    """
CREATE OR REPLACE TEMP VIEW report_holding_years AS
SELECT h.record_id, h.cluster_id AS work, h.source, h.holder, h.form, h.package,
       h.location, h.call_number, h.embargo, h.coverage,
       TRY_CAST(left(h.start_date, 4) AS INTEGER) AS from_year,
       coalesce(
           TRY_CAST(left(h.end_date, 4) AS INTEGER),
           CASE WHEN regexp_matches(coalesce(h.embargo, ''), '^R[0-9]+[DMY]$') THEN year(
               getvariable('report_today')
               - CASE right(h.embargo, 1)
                     WHEN 'D' THEN to_days(CAST(h.embargo[2:-2] AS INTEGER))
                     WHEN 'M' THEN to_months(CAST(h.embargo[2:-2] AS INTEGER))
                     ELSE to_years(CAST(h.embargo[2:-2] AS INTEGER)) END)
           ELSE year(getvariable('report_today')) END
       ) AS to_year,
       h.end_date IS NULL AS to_present
FROM holdings h
WHERE h.cluster_id IS NOT NULL AND h.form IN ('print', 'microform', 'electronic')
""",
    # the journals: works with a journal among their members, or with dated holdings
    f"""
CREATE OR REPLACE TEMP VIEW report_journals AS
SELECT f.work, f.title
FROM report_work_facts f
WHERE f.work IN (SELECT work FROM report_records WHERE type IN ({_quoted(JOURNAL_TYPES)}))
   OR f.work IN (SELECT work FROM report_holding_years WHERE from_year IS NOT NULL)
""",
)

# A subject's top level in the scheme it comes from: the class letter of LCC and CLC,
# the hundreds of DDC, the main heading of a thesaurus (before " -- " or MeSH's "/").
_SUBJECT_TOP = """
CASE
    WHEN lower(s.scheme) IN ('ddc', 'udc') THEN left(trim(s.term), 1) || '00'
    WHEN lower(s.scheme) IN ('lcc', 'clc', 'nlm')
        THEN regexp_extract(upper(trim(s.term)), '^[A-Z]+')
    ELSE split_part(split_part(trim(s.term), ' -- ', 1), '/', 1)
END
"""


def _shared_by_two(who_has: str, who: str) -> str:
    """Works two of ``who`` (sources, holders) both have, at each level: ``who_has`` gives
    (level, work, who) once each.  The diagonal is what each one has."""
    return f"""
WITH has AS ({who_has})
SELECT a.level, a.{who} AS {who}_a, b.{who} AS {who}_b, count(*) AS works
FROM has a JOIN has b ON a.level = b.level AND a.work = b.work
GROUP BY ALL ORDER BY a.level DESC, {who}_a, {who}_b
"""


TABLES: tuple[ReportTable, ...] = (
    # ---- collection
    ReportTable(
        "summary", "collection", "The catalog in figures",
        "records and works counted as everywhere below",
        """
SELECT
    (SELECT count(*) FROM report_records) AS records,
    (SELECT count(*) FROM report_works) AS works,
    (SELECT count(*) FROM report_works WHERE level = 'article') AS articles,
    (SELECT count(DISTINCT source) FROM report_records) AS sources,
    (SELECT count(*) FROM report_works WHERE format = 'print only') AS print_only,
    (SELECT count(*) FROM report_works WHERE format = 'electronic only') AS electronic_only,
    (SELECT count(*) FROM report_works WHERE format = 'print and electronic')
        AS print_and_electronic,
    (SELECT count(*) FROM report_journals) AS journals,
    (SELECT count(*) FROM quarantine) AS quarantined,
    (SELECT count(*) FROM match_review WHERE status = 'open') AS review_open
""",
    ),
    ReportTable(
        "records_by_source", "collection", "Records by source, type and medium",
        "live bibliographic records (holdings records left out)",
        """
SELECT source, type, medium, count(*) AS records
FROM report_records GROUP BY ALL ORDER BY source, records DESC, type, medium
""",
    ),
    ReportTable(
        "works_by_format", "collection", "Works in print only, electronic only, or both",
        "each work (cluster) once, by the forms of its members and their holdings",
        """
SELECT level, format, count(*) AS works
FROM report_works GROUP BY ALL ORDER BY level DESC, format
""",
    ),
    ReportTable(
        "works_by_year", "collection", "Works by year of publication and format",
        "the year of a work is its earliest member's",
        """
SELECT year, format, count(*) AS works
FROM report_work_facts WHERE year IS NOT NULL
GROUP BY ALL ORDER BY year, format
""",
    ),
    ReportTable(
        "works_by_decade", "collection", "Works by decade of publication and format",
        "the year of a work is its earliest member's",
        """
SELECT CAST(floor(year / 10) * 10 AS INTEGER) AS decade, format, count(*) AS works
FROM report_work_facts WHERE year IS NOT NULL
GROUP BY ALL ORDER BY decade, format
""",
    ),
    ReportTable(
        "works_by_subject", "collection", "Works by subject and format",
        "the top level of each scheme the records carry (class letter, hundreds, main "
        "heading); a work counts once under each subject its members give",
        f"""
WITH tops AS (
    SELECT DISTINCT r.work, coalesce(lower(s.scheme), 'keyword') AS scheme,
           {_SUBJECT_TOP} AS subject
    FROM (SELECT work, unnest(subjects) AS s FROM report_records) r
    WHERE coalesce(lower(s.scheme), '') NOT IN ({_quoted(NOT_SUBJECTS)})
)
SELECT t.scheme, t.subject, w.format, count(*) AS works
FROM tops t JOIN report_works w ON w.work = t.work
WHERE t.subject IS NOT NULL AND t.subject <> ''
GROUP BY ALL ORDER BY t.scheme, works DESC, t.subject, w.format
""",
    ),
    ReportTable(
        "open_access", "collection", "Open access share of electronic records",
        "an electronic record is open when one of its links or holdings says so",
        """
WITH e AS (
    SELECT r.source, r.id,
           list_bool_or([a.kind = 'open' FOR a IN r.access])
           OR list_bool_or([h.access_type = 'open' FOR h IN r.holdings]) AS open
    FROM report_records r
    WHERE r.medium = 'electronic'
       OR list_bool_or([h.form = 'electronic' FOR h IN r.holdings])
)
SELECT source, count(*) AS electronic, count(*) FILTER (WHERE open) AS open,
       round(count(*) FILTER (WHERE open) / count(*), 4) AS share
FROM e GROUP BY source ORDER BY source
""",
    ),
    # ---- overlap
    ReportTable(
        "source_overlap", "overlap", "Works shared by two sources",
        "at work level and at article level; the diagonal is each source's works",
        _shared_by_two("SELECT DISTINCT level, work, source FROM report_records", "source"),
    ),
    ReportTable(
        "holder_overlap", "overlap", "Works shared by two holders",
        "a record's holders are those its holdings name, or the holder its source names",
        _shared_by_two(
            """
    SELECT DISTINCT r.level, r.work, h.holder
    FROM report_records r JOIN holdings h ON h.record_id = r.id
    WHERE h.holder IS NOT NULL
    UNION
    SELECT r.level, r.work, s.holder
    FROM report_records r JOIN sources s ON s.name = r.source
    WHERE s.holder IS NOT NULL""",
            "holder",
        ),
    ),
    ReportTable(
        "unique_to_source", "overlap", "Titles only one source has",
        "works of each source that no other source has",
        """
WITH ws AS (SELECT DISTINCT level, work, source FROM report_records),
     n AS (SELECT level, work, count(*) AS sources FROM ws GROUP BY ALL)
SELECT ws.source, ws.level, count(*) AS works,
       count(*) FILTER (WHERE n.sources = 1) AS unique_works
FROM ws JOIN n USING (level, work)
GROUP BY ALL ORDER BY ws.source, ws.level DESC
""",
    ),
    ReportTable(
        "unique_titles", "overlap", "The titles only one source has",
        "one row per work; the page shows the first rows, the files hold them all",
        """
WITH ws AS (SELECT DISTINCT level, work, source FROM report_records),
     solo AS (SELECT level, work, any_value(source) AS source FROM ws
              GROUP BY ALL HAVING count(*) = 1)
SELECT o.source, o.level, o.work, f.title, f.year
FROM solo o JOIN report_work_facts f ON f.work = o.work
ORDER BY o.source, o.level DESC, f.title, o.work
""",
    ),
    ReportTable(
        "coverage_duplicated", "overlap", "Electronic coverage bought twice",
        "the same journal-years in two packages (an open end is this year less any "
        "moving wall)",
        """
WITH e AS (
    SELECT DISTINCT work, package, from_year, to_year FROM report_holding_years
    WHERE form = 'electronic' AND package IS NOT NULL AND from_year IS NOT NULL
)
SELECT a.work, j.title, a.package AS package_a, b.package AS package_b,
       greatest(a.from_year, b.from_year) AS from_year,
       least(a.to_year, b.to_year) AS to_year,
       least(a.to_year, b.to_year) - greatest(a.from_year, b.from_year) + 1 AS years
FROM e a JOIN e b ON a.work = b.work AND a.package < b.package
JOIN report_work_facts j ON j.work = a.work
WHERE greatest(a.from_year, b.from_year) <= least(a.to_year, b.to_year)
ORDER BY years DESC, j.title, package_a, package_b, from_year
""",
    ),
    ReportTable(
        "print_covered_online", "overlap", "Print runs also held online",
        "years of a print run that an electronic holding of the same journal covers: "
        "candidates for storage or weeding",
        """
WITH p AS (SELECT * FROM report_holding_years
           WHERE form IN ('print', 'microform') AND from_year IS NOT NULL),
     e AS (SELECT * FROM report_holding_years
           WHERE form = 'electronic' AND from_year IS NOT NULL)
SELECT p.work, j.title, p.holder, p.location, p.call_number,
       p.from_year AS print_from, p.to_year AS print_to,
       coalesce(e.package, e.source) AS online_in,
       e.from_year AS online_from, e.to_year AS online_to,
       greatest(p.from_year, e.from_year) AS covered_from,
       least(p.to_year, e.to_year) AS covered_to,
       least(p.to_year, e.to_year) - greatest(p.from_year, e.from_year) + 1 AS years
FROM p JOIN e ON p.work = e.work
JOIN report_work_facts j ON j.work = p.work
WHERE greatest(p.from_year, e.from_year) <= least(p.to_year, e.to_year)
ORDER BY years DESC, j.title, p.holder, p.location, covered_from
""",
    ),
    # ---- journals
    ReportTable(
        "journal_runs", "journals", "Print runs, electronic coverage and embargoes",
        "every dated holding of every journal, on one timeline per journal",
        """
SELECT j.work, j.title, h.form, coalesce(h.package, h.holder, h.source) AS held_by,
       h.holder, h.location, h.from_year, h.to_year, h.to_present, h.embargo, h.coverage
FROM report_journals j JOIN report_holding_years h ON h.work = j.work
WHERE h.from_year IS NOT NULL
ORDER BY j.title, j.work, h.form DESC, h.from_year, held_by
""",
    ),
    ReportTable(
        "journal_gaps", "journals", "Gaps in coverage",
        "years between a journal's first held year and its last that no holding, print "
        "or electronic, covers",
        """
WITH spans AS (
    SELECT work, from_year, to_year FROM report_holding_years
    WHERE from_year IS NOT NULL AND to_year >= from_year
),
bounds AS (SELECT work, min(from_year) AS first, max(to_year) AS last FROM spans GROUP BY work),
years AS (SELECT work, unnest(range(first, last + 1)) AS y FROM bounds),
missing AS (
    SELECT y.work, y.y FROM years y
    WHERE NOT EXISTS (SELECT 1 FROM spans s WHERE s.work = y.work AND y.y BETWEEN s.from_year
                      AND s.to_year)
),
runs AS (SELECT work, y, y - row_number() OVER (PARTITION BY work ORDER BY y) AS run
         FROM missing)
SELECT r.work, j.title, min(r.y) AS gap_from, max(r.y) AS gap_to, count(*) AS years
FROM runs r JOIN report_journals j ON j.work = r.work
GROUP BY r.work, j.title, r.run
ORDER BY j.title, r.work, gap_from
""",
    ),
    # ---- quality
    ReportTable(
        "field_completeness", "quality", "Completeness of each field, per source",
        "the share of a source's records with the field filled; the host only counts for "
        "articles and chapters",
        """
WITH f AS (
    SELECT source, level,
           title IS NOT NULL AS title,
           len(contributors) > 0 AS contributors,
           year IS NOT NULL AS year,
           publisher IS NOT NULL AS publisher,
           len(identifiers) > 0 AS identifiers,
           len(language) > 0 AS language,
           len(subjects) > 0 AS subjects,
           abstract IS NOT NULL AS abstract,
           CASE WHEN level = 'article' THEN host IS NOT NULL END AS host,
           len(access) > 0 OR len(holdings) > 0 AS access_or_holdings
    FROM report_records
)
SELECT source, field, count(filled) AS records, count(*) FILTER (WHERE filled) AS filled,
       round(count(*) FILTER (WHERE filled) / count(filled), 4) AS share
FROM (UNPIVOT f ON title, contributors, year, publisher, identifiers, language, subjects,
      abstract, host, access_or_holdings INTO NAME field VALUE filled)
GROUP BY ALL HAVING count(filled) > 0 ORDER BY source, field
""",
    ),
    ReportTable(
        "identifier_status", "quality", "Identifiers by scheme and status, per source",
        "invalid: the check digit or form is wrong; cancelled: the record marks it so",
        """
SELECT r.source, i.scheme, count(*) AS identifiers,
       count(*) FILTER (WHERE i.status = 'invalid') AS invalid,
       count(*) FILTER (WHERE i.status = 'cancelled') AS cancelled
FROM (SELECT source, unnest(identifiers) AS i FROM report_records) r
GROUP BY ALL ORDER BY r.source, identifiers DESC, i.scheme
""",
    ),
    ReportTable(
        "quarantine_reasons", "quality", "Quarantined records by reason",
        "records that gave no record, by source, stage and reason (numbers in a reason "
        "are folded so that one cause counts once)",
        """
SELECT source, stage,
       regexp_replace(left(split_part(reason, chr(10), 1), 160), '[0-9]+', 'N', 'g') AS reason,
       count(*) AS records, min(first_at) AS since
FROM quarantine GROUP BY ALL ORDER BY source, records DESC, reason
""",
    ),
    ReportTable(
        "matched_by_source", "quality", "Records dedupe matched, and duplicates inside a source",
        "matched: in a work with another record; inside: in a work with another record of "
        "the same source",
        """
WITH sizes AS (SELECT work, count(*) AS records FROM report_records GROUP BY work),
     per AS (SELECT work, source, count(*) AS records FROM report_records GROUP BY ALL)
SELECT p.source, CAST(sum(p.records) AS BIGINT) AS records,
       CAST(coalesce(sum(p.records) FILTER (WHERE s.records > 1), 0) AS BIGINT) AS matched,
       CAST(coalesce(sum(p.records) FILTER (WHERE p.records > 1), 0) AS BIGINT)
           AS duplicates_inside,
       count(*) FILTER (WHERE p.records > 1) AS works_duplicated_inside
FROM per p JOIN sizes s USING (work)
GROUP BY p.source ORDER BY p.source
""",
    ),
    # ---- change
    ReportTable(
        "run_changes", "change", "What each run did",
        "records added (first seen), changed and deleted; clusters merged away; records "
        "quarantined",
        """
WITH c AS (
    SELECT run_id, entity, op,
           row_number() OVER (PARTITION BY entity, id ORDER BY seq) = 1 AS first
    FROM changes
),
per AS (
    SELECT run_id,
           count(*) FILTER (WHERE entity = 'record' AND op = 'upsert' AND first) AS added,
           count(*) FILTER (WHERE entity = 'record' AND op = 'upsert' AND NOT first)
               AS changed,
           count(*) FILTER (WHERE entity = 'record' AND op = 'delete') AS deleted
    FROM c GROUP BY run_id
),
merged AS (SELECT run_id, count(*) AS merged FROM merged_ids GROUP BY run_id),
quarantined AS (
    SELECT run_id, CAST(sum(CAST(s ->> 'quarantined' AS BIGINT)) AS BIGINT) AS quarantined
    FROM (SELECT run_id, unnest(CAST(json_extract(counts, '$.sources') AS JSON[])) AS s
          FROM runs WHERE json_valid(counts))
    GROUP BY run_id
)
SELECT r.run_id, r.command, r.started_at, r.status,
       coalesce(p.added, 0) AS added, coalesce(p.changed, 0) AS changed,
       coalesce(p.deleted, 0) AS deleted, coalesce(m.merged, 0) AS merged,
       coalesce(q.quarantined, 0) AS quarantined
FROM runs r
LEFT JOIN per p USING (run_id) LEFT JOIN merged m USING (run_id)
LEFT JOIN quarantined q USING (run_id)
ORDER BY r.started_at, r.run_id
""",
    ),
)  # fmt: skip

SECTIONS = {
    "collection": "Collection",
    "overlap": "Overlap",
    "journals": "Journals",
    "quality": "Quality per source",
    "change": "Change",
}


def state(catalog: Catalog, today: date) -> str:
    """What the report depends on, in one cheap reading: the last change, the runs, the
    quarantine and the review list, and the day (a moving wall moves).  The same state
    gives the same report, so a page made for it can be shown again."""
    rows = catalog.query(
        "SELECT (SELECT coalesce(max(seq), 0) FROM changes), (SELECT count(*) FROM runs), "
        "(SELECT count(*) FROM quarantine), "
        "(SELECT count(*) FROM match_review WHERE status = 'open')"
    )
    return f"{today.isoformat()}:" + ":".join(str(v) for v in rows[0])


def compute(catalog: Catalog, today: date) -> dict[str, pa.Table]:
    """Every table of the report, in the order of :data:`TABLES`."""
    catalog.db.execute(f"SET VARIABLE report_today = DATE '{today.isoformat()}'")
    for view in _VIEWS:
        catalog.db.execute(view)
    return {t.name: catalog.query_arrow(t.sql) for t in TABLES}
