"""A synthetic union catalog with known truth, for measuring dedupe at 100k to 1M records.

Real catalogs at that size cannot be published with a full truth, so this generator
makes one that has what makes library dedupe hard:

* print records from a library catalog and e-book records from a vendor for the same
  edition, with different ISBNs, noisy titles (typos, a dropped subtitle, an initial
  article, case, diacritics), names in another form and sometimes a year one later;
  some print records link the e-book's ISBN in 776, most do not;
* repository copies without any ISBN;
* hard negatives: other editions of the same work (same title and names, another year,
  an edition statement), the volumes of a multi-volume set (same title, another
  volume number), and unrelated works that share a title.

Truth is the manifestation: print, electronic and repository records of one edition
(and one volume) belong together; other editions and volumes do not.  Titles are drawn
from a Zipf-distributed vocabulary, as words are in real titles, so that blocking meets
the same mix of rare and common words it meets in a catalog.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from unioncat.dedupe.features import MatchRecord
from unioncat.ids import mint_id
from unioncat.schemas.record import Contributor, Identifier, Part, Record, Relation

_SYLLABLES = (
    "ka ri to na se mi lo ve da su ne ra po li an el or is um ex in co de re al tor ma ni "
    "sta gra pla tri fen mor bal dun gel hav jor kin lup mas nor pel quin ros sil tam ulv "
    "ver wes yor zan ber cha dro fli gor hul"
).split()
_DIACRITIC = {"a": "á", "e": "é", "o": "ö", "u": "ü", "i": "í", "n": "ñ"}


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))


@dataclass(slots=True)
class SyntheticCatalog:
    records: list[MatchRecord]
    truth: list[int]  # manifestation of each record, aligned with records

    def true_pairs(self) -> set[tuple[int, int]]:
        groups: dict[int, list[int]] = {}
        for index, manifestation in enumerate(self.truth):
            groups.setdefault(manifestation, []).append(index)
        out: set[tuple[int, int]] = set()
        for members in groups.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    out.add((a, b))
        return out


def vocabulary_for(records: int) -> int:
    """Distinct title words a catalog of this size uses (Heaps' law, beta 0.55): a
    larger catalog brings new words, it does not only repeat the old ones."""
    return max(20_000, int(60_000 * (records / 100_000) ** 0.55))


class _Generator:
    def __init__(self, seed: int, vocabulary: int = 60_000) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        words = {_word(rng) for _ in range(vocabulary * 2)}
        self.words = sorted(words)[:vocabulary]
        rng.shuffle(self.words)
        # Zipf weights: the n-th word is used about 1/n as often as the first.
        self.cum: list[float] = []
        total = 0.0
        for n in range(1, len(self.words) + 1):
            total += 1.0 / n**1.05
            self.cum.append(total)
        self.surnames = [_word(rng).capitalize() for _ in range(40_000)]
        self.given = [_word(rng).capitalize() for _ in range(3_000)]
        self.publishers = [f"{_word(rng).capitalize()} Press" for _ in range(800)]
        self.records: list[MatchRecord] = []  # made and not yet handed out
        self.count = 0
        self.truth: list[int] = []
        self.manifestations = 0
        self.isbn_seq = 0

    def title_words(self, n: int) -> list[str]:
        rng = self.rng
        return [self.words[self._zipf_index(rng.random())] for _ in range(n)]

    def _zipf_index(self, u: float) -> int:
        import bisect

        return min(bisect.bisect_left(self.cum, u * self.cum[-1]), len(self.words) - 1)

    def isbn(self) -> str:
        self.isbn_seq += 1
        return f"978{self.isbn_seq:010d}"

    def noisy_title(self, title: str) -> str:
        rng = self.rng
        words = title.split()
        if rng.random() < 0.2 and words:
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 4:
                j = rng.randrange(1, len(w) - 1)
                words[i] = w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + w[j] + w[j:]
        if rng.random() < 0.15:
            words = [
                "".join(_DIACRITIC.get(c, c) if rng.random() < 0.3 else c for c in w) for w in words
            ]
        text = " ".join(words)
        roll = rng.random()
        if roll < 0.3:
            text = text.upper()
        elif roll < 0.6:
            text = text.lower()
        if rng.random() < 0.1:
            text = "The " + text
        return text

    def name_variant(self, given: str, family: str) -> str:
        roll = self.rng.random()
        if roll < 0.4:
            return f"{family}, {given}"
        if roll < 0.7:
            return f"{given} {family}"
        return f"{family}, {given[0]}."

    def add(self, record: MatchRecord, manifestation: int) -> None:
        record.id = str(self.count)
        self.count += 1
        self.records.append(record)
        self.truth.append(manifestation)

    def work(self) -> None:
        rng = self.rng
        title = " ".join(self.title_words(rng.randint(2, 7))).capitalize()
        subtitle = " ".join(self.title_words(rng.randint(2, 6))) if rng.random() < 0.5 else None
        authors = rng.choice((1, 1, 2, 3))
        people = [(rng.choice(self.given), rng.choice(self.surnames)) for _ in range(authors)]
        year = rng.randint(1950, 2024)
        publisher = rng.choice(self.publishers)
        language = ["eng"] if rng.random() < 0.85 else [rng.choice(("ger", "fre", "spa", "chi"))]
        roll = rng.random()
        if roll < 0.05:
            for volume in range(1, rng.randint(2, 5)):
                self.manifestation(title, subtitle, people, year, publisher, language,
                                   edition=None, volume=str(volume))  # fmt: skip
            return
        self.manifestation(title, subtitle, people, year, publisher, language, None, None)
        if roll < 0.15:
            later = year + rng.randint(3, 15)
            self.manifestation(title, subtitle, people, later, publisher, language,
                               edition=f"{rng.randint(2, 6)}th ed.", volume=None)  # fmt: skip
        if roll > 0.97:
            # an unrelated work that happens to share the title
            others = [(rng.choice(self.given), rng.choice(self.surnames))]
            self.manifestation(title, None, others, rng.randint(1950, 2024),
                               rng.choice(self.publishers), language, None, None)  # fmt: skip

    def manifestation(
        self,
        title: str,
        subtitle: str | None,
        people: list[tuple[str, str]],
        year: int,
        publisher: str,
        language: list[str],
        edition: str | None,
        volume: str | None,
    ) -> None:
        rng = self.rng
        self.manifestations += 1
        m = self.manifestations
        print_isbn, e_isbn = self.isbn(), self.isbn()
        has_ebook = rng.random() < 0.6
        pages = rng.randint(80, 900)
        self.add(
            MatchRecord(
                id="", source="catalog", title=title, subtitle=subtitle,
                part_number=f"v. {volume}" if volume else None,
                authors=[f"{f}, {g}" for g, f in people], year=year, publisher=publisher,
                identifiers=[("isbn", print_isbn)],
                linked_identifiers=[("isbn", e_isbn)] if has_ebook and rng.random() < 0.4 else [],
                page_count=pages, edition=edition, medium="print", type="book",
                language=language,
            ),
            m,
        )  # fmt: skip
        if has_ebook:
            keep_subtitle = subtitle if rng.random() < 0.7 else None
            self.add(
                MatchRecord(
                    id="", source="vendor", title=self.noisy_title(title),
                    subtitle=keep_subtitle,
                    part_number=f"Vol. {volume}" if volume else None,
                    authors=[self.name_variant(g, f) for g, f in people],
                    year=year + (1 if rng.random() < 0.15 else 0),
                    publisher=publisher if rng.random() < 0.8 else None,
                    identifiers=[("isbn", e_isbn)],
                    page_count=pages if rng.random() < 0.5 else None,
                    edition=edition if rng.random() < 0.5 else None,
                    medium="electronic", type="book",
                    language=language if rng.random() < 0.7 else [],
                ),
                m,
            )  # fmt: skip
        if rng.random() < 0.1:
            self.add(
                MatchRecord(
                    id="", source="repository", title=self.noisy_title(title),
                    part_number=volume,
                    authors=[self.name_variant(g, f) for g, f in people], year=year,
                    medium="electronic", type="book",
                ),
                m,
            )  # fmt: skip


def synthetic_catalog(records: int, seed: int = 7) -> SyntheticCatalog:
    """About ``records`` records (a little more: whole works are kept together)."""
    gen = _Generator(seed, vocabulary_for(records))
    while gen.count < records:
        gen.work()
    return SyntheticCatalog(gen.records, gen.truth)


def stream_synthetic(records: int, seed: int = 7) -> tuple[Iterator[MatchRecord], list[int]]:
    """The same catalog as :func:`synthetic_catalog`, record by record, so that a
    million of them need not be held at once; the truth list fills as they are read."""
    gen = _Generator(seed, vocabulary_for(records))

    def records_of() -> Iterator[MatchRecord]:
        while gen.count < records or gen.records:
            if not gen.records:
                gen.work()
            batch, gen.records = gen.records, []
            yield from batch

    return records_of(), gen.truth


def as_record(m: MatchRecord) -> Record:
    """A generated record as the catalog holds one."""
    return Record(
        id=mint_id(m.source, m.id), source=m.source, source_id=m.id,
        source_format="synthetic", type=m.type, medium=m.medium, title=m.title,
        subtitle=m.subtitle, part=Part(number=m.part_number) if m.part_number else None,
        contributors=[Contributor(name=a) for a in m.authors], year=m.year,
        publisher=m.publisher, edition=m.edition, language=list(m.language),
        identifiers=[Identifier(s, v) for s, v in m.identifiers],
        relations=[Relation("other_format", identifiers=[Identifier(s, v)])
                   for s, v in m.linked_identifiers],
        page_count=m.page_count,
    )  # fmt: skip
