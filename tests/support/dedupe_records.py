"""Records built for the dedupe tests: one helper, every field a test may vary."""

from __future__ import annotations

from collections.abc import Sequence

from unioncat.dedupe.features import Features, build_features, from_record
from unioncat.dedupe.matcher import MatchResult, match
from unioncat.dedupe.settings import MatchSettings
from unioncat.ids import mint_id
from unioncat.schemas.record import (
    Contributor,
    Host,
    Identifier,
    Part,
    Record,
    Relation,
    Series,
)


def rec(
    key: str,
    title: str,
    *,
    source: str = "catalog",
    medium: str = "print",
    type: str = "book",
    authors: Sequence[str] = ("Okafor, Adaeze",),
    year: int | None = 2019,
    subtitle: str | None = None,
    nonfiling: int = 0,
    isbn: Sequence[str] = (),
    doi: str | None = None,
    other_format_isbn: Sequence[str] = (),
    edition: str | None = None,
    part: str | None = None,
    page_count: int | None = None,
    language: Sequence[str] = ("eng",),
    series: tuple[str, str] | None = None,
    host: Host | None = None,
    publisher: str | None = None,
) -> Record:
    identifiers = [Identifier("isbn", i) for i in isbn]
    if doi:
        identifiers.append(Identifier("doi", doi))
    relations = []
    if other_format_isbn:
        relations.append(
            Relation("other_format", identifiers=[Identifier("isbn", i) for i in other_format_isbn])
        )
    return Record(
        id=mint_id(source, key),
        source=source,
        source_id=key,
        source_format="test",
        type=type,
        medium=medium,
        title=title,
        title_nonfiling=nonfiling,
        subtitle=subtitle,
        part=Part(number=part) if part else None,
        contributors=[Contributor(name=a) for a in authors],
        year=year,
        date=str(year) if year else None,
        edition=edition,
        language=list(language),
        identifiers=identifiers,
        relations=relations,
        page_count=page_count,
        series=[Series(series[0], series[1])] if series else [],
        host=host,
        publisher=publisher,
    )


def run_matcher(records: Sequence[Record], **kw: object) -> tuple[Features, MatchResult]:
    features = build_features([from_record(r) for r in records])
    result = match(features, MatchSettings(), **kw)  # type: ignore[arg-type]
    return features, result


def together(result: MatchResult, a: int, b: int) -> bool:
    return result.clustering.find(a) == result.clustering.find(b)
