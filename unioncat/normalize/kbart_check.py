"""``unioncat convert --format kbart --check FILE``: a KBART file held against the standard.

A provider's list is checked before it is loaded, the way GOKb's KBART validator checks
one before a package upload: every finding names its row (the file's line number) and
its column, says whether it is an error (the row breaks KBART Phase II) or a warning
(the row is readable, but a knowledge base would adjust it), and is worded as GOKb's
documentation words it ("Mandatory field is missing", "At least one identifier must be
provided", URLs "universally valid, not institution-specific like proxy URLs").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from urllib.parse import urlsplit

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

from unioncat.embargo import EmbargoError, parse_embargo
from unioncat.normalize.base import register_check
from unioncat.normalize.kbart import PACKAGE_FILE_NAME, STANDARD, row_cells

DATE_COLUMNS = (
    "date_first_issue_online",
    "date_last_issue_online",
    "date_monograph_published_print",
    "date_monograph_published_online",
)
IDENTIFIER_COLUMNS = ("print_identifier", "online_identifier", "title_id", "zdb_id")
COVERAGE_DEPTHS = ("fulltext", "selected articles", "abstracts")
PUBLICATION_TYPES = ("serial", "monograph")
# the marks of a URL that works only through one institution's proxy or login
_PROXY = re.compile(
    r"ezproxy|\.idm\.oclc\.org|/login\?(?:qurl|url)=|[?&]qurl=|/proxy/|proxy\.|libproxy|"
    r"openathens\.net|/shibboleth|wayf",
    re.IGNORECASE,
)
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


@dataclass(frozen=True, slots=True)
class Finding:
    row: int  # the file's line number; 1 is the header, 0 the file itself
    column: str | None
    severity: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        where = "file" if self.row == 0 else f"row {self.row}"
        column = f", {self.column}" if self.column else ""
        return f"{where}{column}: {self.severity}: {self.message}"


@register_check("kbart")
def check_kbart(data: bytes, name: str) -> list[Finding]:
    """Every way the file ``name`` (its bytes ``data``) breaks KBART Phase II."""
    found: list[Finding] = []
    if not PACKAGE_FILE_NAME.match(PurePath(name).stem):
        found.append(
            Finding(
                0,
                None,
                "warning",
                "The file name must correspond to the standard: "
                "Provider_Region_Package_YYYY-MM-DD.txt",
            )
        )
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        found.append(
            Finding(
                0, None, "error", f"The character encoding must be UTF-8 (byte {exc.start} is not)"
            )
        )
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return [*found, Finding(1, None, "error", "The header row is missing")]
    if "\t" not in lines[0]:
        found.append(Finding(1, None, "error", "Tab must be the separator"))
    header = [c.lower() for c in row_cells(lines[0])]
    missing = [c for c in STANDARD if c not in header]
    if missing:
        found.append(
            Finding(
                1,
                None,
                "error",
                "All column headers must exist, even if a column has no "
                f"values; missing: {', '.join(missing)}",
            )
        )
    for column in header:
        if column not in STANDARD:
            found.append(Finding(1, column, "warning", "not a KBART column; kept as an extension"))
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            found += _check_row(number, line, header)
    return found


def _check_row(number: int, line: str, header: list[str]) -> list[Finding]:
    out: list[Finding] = []

    def error(column: str | None, message: str) -> None:
        out.append(Finding(number, column, "error", message))

    def warning(column: str | None, message: str) -> None:
        out.append(Finding(number, column, "warning", message))

    cells = row_cells(line)
    while len(cells) > len(header) and not cells[-1]:
        cells.pop()
    if len(cells) > len(header):
        error(None, f"the row has {len(cells)} fields where the header names {len(header)}")
        return out
    row = dict(zip(header, cells, strict=False))
    if not row.get("publication_title"):
        error("publication_title", "Mandatory field is missing")
    if not any(row.get(c) for c in IDENTIFIER_COLUMNS):
        error(
            None,
            "At least one identifier must be provided "
            "(print_identifier, online_identifier, title_id or zdb_id)",
        )
    kind = row.get("publication_type", "").lower()
    if kind and kind not in PUBLICATION_TYPES:
        warning("publication_type", f"{row['publication_type']!r} is neither serial nor monograph")
    for column in ("print_identifier", "online_identifier"):
        value = row.get(column, "")
        if value and not _valid_identifier(value, kind):
            expected = "an ISBN" if kind == "monograph" else "an ISSN"
            error(column, f"{value!r} is not {expected} (its check digit or its form is wrong)")
    days: dict[str, date] = {}
    for column in DATE_COLUMNS:
        value = row.get(column, "")
        if not value:
            continue
        day = _date(value)
        if day is None:
            error(column, f"{value!r} is not a valid date (YYYY-MM-DD, YYYY-MM or YYYY)")
        else:
            days[column] = day
    first, last = days.get("date_first_issue_online"), days.get("date_last_issue_online")
    if first and last and last < first:
        error("date_last_issue_online", "the last issue online is before the first")
    try:
        parse_embargo(row.get("embargo_info"))
    except EmbargoError as exc:
        error("embargo_info", str(exc))
    url = row.get("title_url", "")
    if not url:
        error("title_url", "Mandatory field is missing")
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            error("title_url", f"{url!r} is not an http(s) URL")
        elif _PROXY.search(url):
            error(
                "title_url",
                "must be universally valid, not an institution-specific URL like a proxy URL",
            )
    depth = row.get("coverage_depth", "").lower()
    if depth and depth not in COVERAGE_DEPTHS:
        warning(
            "coverage_depth",
            f"{row['coverage_depth']!r} is not one of {', '.join(COVERAGE_DEPTHS)}",
        )
    access = row.get("access_type", "")
    if access and access.upper() not in ("F", "P"):
        error("access_type", f"{access!r} is neither F (free) nor P (paid)")
    return out


def _date(value: str) -> date | None:
    if not _DATE.match(value):
        return None
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        return None


def _valid_identifier(value: str, kind: str) -> bool:
    if kind == "monograph":
        return bool(stdnum_isbn.is_valid(value))
    if kind == "serial":
        return bool(stdnum_issn.is_valid(value))
    return bool(stdnum_issn.is_valid(value) or stdnum_isbn.is_valid(value))
