"""Weigh candidate pairs: similarity levels add up to a match weight; guards veto.

Title similarity is computed for every candidate at once with rapidfuzz's vectorised
``cpdist``; the remaining comparisons run only on the pairs whose titles (or
identifiers) leave a chance of a match, which is a small fraction of the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import IntFlag
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from unioncat.dedupe.features import WHOLE_TYPES, Features
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.text import venues_alike

# A title wholly contained in the other counts as this similar, if it has enough words.
CONTAINED_SIMILARITY = 86.0
CONTAINED_MIN_WORDS = 3
# Words that make a title a companion of another book, not another form of it: "X" and
# "X : student solutions manual" are two books, whatever the titles proper say.
COMPANION_WORDS = frozenset(
    """manual workbook guide solutions solution answers supplement companion casebook
    reader exercises instructor instructors teacher teachers handbook atlas index
    leitfaden arbeitsbuch losungen begleitbuch corrige""".split()
)
# A title cut short matches the beginning of the whole one when it has this many words
# and is spelt this alike (a typo or two in thirty letters).
TRUNCATED_MIN_WORDS = 4
TRUNCATED_SIMILARITY = 90.0
# ... and one that begins the other word for word, the rest cut off or run on into the
# venue, is as good as a title spelt a little otherwise.
PREFIX_SIMILARITY = 93.0
TRUNCATED_FLOOR = 60.0
# A title proper compared without its subtitle must be at least this long (and two words).
MAIN_TITLE_MIN_CHARS = 8


DEFAULT_SETTINGS = MatchSettings()


class Guard(IntFlag):
    """Reasons two similar records are still not the same manifestation."""

    EDITION = 1
    YEAR = 2
    VOLUME = 4
    PAGE_COUNT = 8
    SERIES_NUMBER = 16
    LANGUAGE = 32
    PART_AND_HOST = 64
    GENERIC_TITLE = 128
    DOI = 256
    COMPONENT = 512
    KIND = 1024
    TITLE_NUMBERS = 2048


GUARD_TEXT = {
    Guard.EDITION: "different editions",
    Guard.YEAR: "years too far apart",
    Guard.VOLUME: "different volume or part numbers",
    Guard.PAGE_COUNT: "page counts far apart",
    Guard.SERIES_NUMBER: "different numbers in the same series",
    Guard.LANGUAGE: "different languages (a translation)",
    Guard.PART_AND_HOST: "a part and its host, or a part and a whole",
    Guard.GENERIC_TITLE: "generic title with nothing else in common",
    Guard.DOI: "different DOIs",
    Guard.COMPONENT: "component parts without a shared DOI or matching hosts and pages",
    Guard.KIND: "different kinds of material (a book and a recording, a score and a video)",
    Guard.TITLE_NUMBERS: "different numbers in the titles (another concert, symphony, year)",
}

# Guards a shared identifier overrides: an ISBN or DOI in common outweighs a year typed
# differently.  Volume numbers are not among them, because the volumes of a set often
# carry the set's ISBN; nor is part-and-host; nor is the kind of material (a book and its
# audiobook, or a score and its recording, may be sold under one ISBN or EAN).
ID_OVERRIDES = Guard.EDITION | Guard.YEAR | Guard.PAGE_COUNT | Guard.SERIES_NUMBER
ID_OVERRIDES |= Guard.LANGUAGE | Guard.GENERIC_TITLE | Guard.COMPONENT | Guard.TITLE_NUMBERS


@dataclass(slots=True)
class ScoredPairs:
    """Pairs of record positions with their weight, evidence and vetoes, aligned."""

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    weight: NDArray[np.float64]
    title: NDArray[np.float64]
    authors: NDArray[np.float64]  # -1 when either side has no names
    ids: NDArray[np.int8]  # 2 shared identifier, 1 linked through other formats, 0 none
    guards: NDArray[np.int32]
    # the family names agree but the given names (initials) of each shared one differ
    given_differ: NDArray[np.bool_] | None = None
    contents: NDArray[np.float64] | None = None  # -1 when either side lists too little
    # Each pair's level in every weighed comparison (see :data:`COMPARISONS`; -1 where a
    # side lacks the value), and the weight of the evidence no level table holds
    # (identifiers, publisher, host and pages): what :func:`weigh` adds up again when
    # the weights change.
    levels: dict[str, NDArray[np.int8]] = field(default_factory=dict)
    fixed: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.a)

    def matched(self, settings: MatchSettings) -> NDArray[np.bool_]:
        hit: NDArray[np.bool_] = (self.weight >= settings.match_weight) & (self.guards == 0)
        return hit

    def borderline(self, settings: MatchSettings) -> NDArray[np.bool_]:
        hit: NDArray[np.bool_] = (
            (self.weight >= settings.review_weight)
            & (self.weight < settings.match_weight)
            & (self.guards == 0)
        )
        return hit


# The comparisons whose levels each carry a weight of their own, best level first: what
# a pair's weight is the sum of, and what the catalog can learn weights for.
COMPARISONS = ("title", "authors", "year", "contents", "venue")
# comparisons with similarity levels, by the prefix of their settings
_LEVELLED = {"title": "title", "authors": "author", "contents": "contents"}
_NAMED_LEVELS = {
    "year": ("year_same", "year_next", "year_far_one_venue", "year_far"),
    "venue": ("venue_similar", "venue_differ"),
}


def _similarity_levels(settings: MatchSettings, comparison: str) -> tuple[tuple[float, float], ...]:
    levels: tuple[tuple[float, float], ...] = getattr(settings, f"{_LEVELLED[comparison]}_levels")
    return levels


def level_weights(settings: MatchSettings, comparison: str) -> list[float]:
    """The weight of each level of ``comparison``, best first."""
    if comparison in _LEVELLED:
        levels = _similarity_levels(settings, comparison)
        return [w for _, w in levels] + [float(getattr(settings, f"{_LEVELLED[comparison]}_else"))]
    return [float(getattr(settings, name)) for name in _NAMED_LEVELS[comparison]]


def level_names(settings: MatchSettings, comparison: str) -> list[str]:
    """How each level reads to a cataloger ("at least 93% alike", "same year")."""
    if comparison in _LEVELLED:
        levels = _similarity_levels(settings, comparison)
        return [f"at least {at:g}% alike" for at, _ in levels] + ["less alike"]
    return {
        "year": ["same year", "a year apart", "further apart in one venue", "further apart"],
        "venue": ["one venue", "two venues"],
    }[comparison]


def with_level_weights(settings: MatchSettings, weights: dict[str, list[float]]) -> MatchSettings:
    """``settings`` with the level weights of some comparisons replaced."""
    values: dict[str, Any] = {}
    for comparison, new in weights.items():
        if comparison in _LEVELLED:
            levels = _similarity_levels(settings, comparison)
            if len(new) != len(levels) + 1:
                raise ValueError(f"{comparison}: {len(new)} weights for {len(levels) + 1} levels")
            values[f"{_LEVELLED[comparison]}_levels"] = tuple(
                (at, float(w)) for (at, _), w in zip(levels, new, strict=False)
            )
            values[f"{_LEVELLED[comparison]}_else"] = float(new[-1])
        else:
            names = _NAMED_LEVELS[comparison]
            if len(new) != len(names):
                raise ValueError(f"{comparison}: {len(new)} weights for {len(names)} levels")
            values.update({name: float(w) for name, w in zip(names, new, strict=True)})
    return replace(settings, **values)


def weigh(
    levels: dict[str, NDArray[np.int8]], fixed: NDArray[np.float64], settings: MatchSettings
) -> NDArray[np.float64]:
    """Prior plus the weight of each pair's level in every comparison plus the rest."""
    weight = fixed + settings.prior
    for comparison in COMPARISONS:
        level = levels[comparison]
        table = np.array([*level_weights(settings, comparison), 0.0], dtype=np.float64)
        weight = weight + table[level]  # level -1 takes the trailing 0.0: no evidence
    out: NDArray[np.float64] = weight
    return out


def reweigh(scored: ScoredPairs, settings: MatchSettings) -> ScoredPairs:
    """The same pairs weighed with other weights (learned ones)."""
    assert scored.fixed is not None, "pairs scored without their levels"
    weight = weigh(scored.levels, scored.fixed, settings)
    return replace(scored, weight=weight)


def _level_index(
    sim: NDArray[np.float64], levels: tuple[tuple[float, float], ...]
) -> NDArray[np.int8]:
    """The first level whose threshold ``sim`` reaches (len(levels) when none: "else")."""
    out = np.full(sim.shape, len(levels), dtype=np.int8)
    for n in range(len(levels) - 1, -1, -1):
        out[sim >= levels[n][0]] = n
    return out


def _columns(features: Features) -> dict[str, NDArray[Any]]:
    """Per-record arrays the vectorised comparisons index by pair; built once."""
    cached = features.cache.get("columns")
    if cached is None:
        f = features
        cached = {
            "title": np.array(f.title, dtype=object),
            "title_main": np.array(f.title_main, dtype=object),
            "title_bare": np.array(f.title_bare, dtype=object),
            "has_bare": np.array([bool(t) for t in f.title_bare], dtype=bool),
            "authors": np.array(f.authors, dtype=object),
            "has_authors": np.array([bool(x) for x in f.authors], dtype=bool),
            "no_subtitle": np.array(
                [m == t for m, t in zip(f.title_main, f.title, strict=True)], dtype=bool
            ),
            "main_tells": np.array(
                [" " in m and len(m) >= MAIN_TITLE_MIN_CHARS for m in f.title_main], dtype=bool
            ),
            "words": np.array([t.count(" ") + 1 for t in f.title], dtype=np.int32),
            "companion": np.array([_is_companion(t) for t in f.title], dtype=bool),
            "year": np.asarray(f.year, dtype=np.int64),
            "contents": np.array(f.contents, dtype=object),
            "contents_words": np.asarray(f.contents_words, dtype=np.int64),
        }
        features.cache["columns"] = cached
    return cached


def title_similarity(
    features: Features, a: NDArray[np.int64], b: NDArray[np.int64]
) -> NDArray[np.float64]:
    cols = _columns(features)
    full_a, full_b = cols["title"][a], cols["title"][b]
    sorted_sim = process.cpdist(full_a, full_b, scorer=fuzz.token_sort_ratio, workers=-1)
    in_order = process.cpdist(full_a, full_b, scorer=fuzz.ratio, workers=-1)
    best: NDArray[np.float64] = np.maximum(sorted_sim, in_order).astype(np.float64)
    # In-order similarity of the titles proper forgives a subtitle only one side has,
    # when the titles proper say enough on their own ("LOF" does not, "Salt roads" does).
    # ... unless one of them is a companion ("solutions manual") and the other is not
    same_kind = cols["companion"][a] == cols["companion"][b]
    telling = (cols["no_subtitle"][a] | cols["no_subtitle"][b]) & same_kind
    telling &= cols["main_tells"][a] & cols["main_tells"][b]
    if telling.any():
        main_sim = process.cpdist(
            cols["title_main"][a[telling]], cols["title_main"][b[telling]],
            scorer=fuzz.ratio, workers=-1,
        )  # fmt: skip
        best[telling] = np.maximum(best[telling], main_sim)
    # One title wholly inside the other ("X" and "X: a tutorial", "X [book review]"):
    # as good as a close spelling, provided the shorter one says enough on its own.
    long_enough = np.minimum(cols["words"][a], cols["words"][b]) >= CONTAINED_MIN_WORDS
    long_enough &= same_kind
    check = long_enough & (best < CONTAINED_SIMILARITY)
    if check.any():
        set_sim = process.cpdist(full_a[check], full_b[check], scorer=fuzz.token_set_ratio,
                                 workers=-1)  # fmt: skip
        best[check] = np.where(set_sim >= 99.5, CONTAINED_SIMILARITY, best[check])
    # A title with its artist's or author's name before it ("james taylor greatest hits"
    # by James Taylor), compared without it
    bare = (cols["has_bare"][a] | cols["has_bare"][b]) & (best < 98)
    if bare.any():
        left = np.where(cols["has_bare"][a[bare]], cols["title_bare"][a[bare]], full_a[bare])
        right = np.where(cols["has_bare"][b[bare]], cols["title_bare"][b[bare]], full_b[bare])
        bare_sim = np.maximum(
            process.cpdist(left, right, scorer=fuzz.ratio, workers=-1),
            process.cpdist(left, right, scorer=fuzz.token_sort_ratio, workers=-1),
        )
        best[bare] = np.maximum(best[bare], bare_sim)
    # A title cut short ("Zoo: a desktop expeirment ...") or run on into its venue, with
    # a typo besides: the shorter, spelt nearly as the longer one begins.
    # (a title at least half as long as the other that begins it is already at least
    # 66% alike: below that, nothing to look for, and most candidates are below it)
    cut = same_kind & (best < PREFIX_SIMILARITY) & (best >= TRUNCATED_FLOOR)
    cut &= np.minimum(cols["words"][a], cols["words"][b]) >= TRUNCATED_MIN_WORDS
    if cut.any():
        best[cut] = np.maximum(best[cut], _prefix_similarity(full_a[cut], full_b[cut]))
    return best


def _prefix_similarity(left: NDArray[Any], right: NDArray[Any]) -> NDArray[np.float64]:
    """PREFIX_SIMILARITY where the shorter title is, word for word, how the longer one
    begins; CONTAINED_SIMILARITY where it is spelt within TRUNCATED_SIMILARITY of that
    beginning (a typo besides); else 0."""
    shorter, start = [], []
    exact = np.zeros(len(left), dtype=bool)
    for n, (x, y) in enumerate(zip(left.tolist(), right.tolist(), strict=True)):
        short, long = (x, y) if len(x) <= len(y) else (y, x)
        shorter.append(short)
        start.append(long[: len(short)])
        exact[n] = long.startswith(short + " ")
    sim = process.cpdist(shorter, start, scorer=fuzz.ratio, workers=-1)
    out = np.where(sim >= TRUNCATED_SIMILARITY, CONTAINED_SIMILARITY, 0.0)
    out[exact] = PREFIX_SIMILARITY
    return out


def contents_similarity(
    features: Features, a: NDArray[np.int64], b: NDArray[np.int64], min_words: int
) -> NDArray[np.float64]:
    """How alike two items' contents are (0-100), -1 where either lists fewer than
    ``min_words`` words: in order (a track list is in order, and a run of short titles
    compared as a bag would find common words everywhere) or sorted, whichever is
    better, so a list with its items reordered still counts."""
    cols = _columns(features)
    out = np.full(len(a), -1.0, dtype=np.float64)
    both = (cols["contents_words"][a] >= min_words) & (cols["contents_words"][b] >= min_words)
    if both.any():
        left, right = cols["contents"][a[both]], cols["contents"][b[both]]
        in_order = process.cpdist(left, right, scorer=fuzz.ratio, workers=-1)
        by_word = process.cpdist(left, right, scorer=fuzz.token_sort_ratio, workers=-1)
        out[both] = np.maximum(in_order, by_word)
    return out


def _is_companion(title: str) -> bool:
    return any(word in COMPANION_WORDS for word in title.split())


def _main_titles_tell(main_a: str, main_b: str, full_a: str, full_b: str) -> bool:
    """Whether titles proper alone can be compared: one side has no subtitle (two
    subtitles that differ are two works), and they say enough on their own."""
    return (
        (main_a == full_a or main_b == full_b)
        and _is_companion(full_a) == _is_companion(full_b)
        and " " in main_a
        and " " in main_b
        and min(len(main_a), len(main_b)) >= MAIN_TITLE_MIN_CHARS
    )


def _title_similarity_of(f: Features, a: int, b: int) -> float:
    """:func:`title_similarity` of one pair, without the cost of a vectorised call."""
    best = float(
        max(fuzz.token_sort_ratio(f.title[a], f.title[b]), fuzz.ratio(f.title[a], f.title[b]))
    )
    x, y = f.title_main[a], f.title_main[b]
    if _main_titles_tell(x, y, f.title[a], f.title[b]):
        best = max(best, float(fuzz.ratio(x, y)))
    if f.title_bare[a] or f.title_bare[b]:
        u, v = f.title_bare[a] or f.title[a], f.title_bare[b] or f.title[b]
        best = max(best, float(max(fuzz.ratio(u, v), fuzz.token_sort_ratio(u, v))))
    shorter = min(f.title[a].count(" "), f.title[b].count(" ")) + 1
    same_kind = _is_companion(f.title[a]) == _is_companion(f.title[b])
    if (
        same_kind
        and shorter >= CONTAINED_MIN_WORDS
        and fuzz.token_set_ratio(f.title[a], f.title[b]) >= 99.5
    ):
        best = max(best, CONTAINED_SIMILARITY)
    if same_kind and shorter >= TRUNCATED_MIN_WORDS and TRUNCATED_FLOOR <= best < PREFIX_SIMILARITY:
        short, long = sorted((f.title[a], f.title[b]), key=len)
        if long.startswith(short + " "):
            best = PREFIX_SIMILARITY
        elif fuzz.ratio(short, long[: len(short)]) >= TRUNCATED_SIMILARITY:
            best = max(best, CONTAINED_SIMILARITY)
    return best


def _id_evidence(features: Features, a: int, b: int) -> int:
    own_a, own_b = features.work_ids[a], features.work_ids[b]
    if own_a & own_b:
        return 2
    if (features.linked_ids[a] & own_b) or (features.linked_ids[b] & own_a):
        return 1
    return 0


def _dois(ids: frozenset[str]) -> set[str]:
    return {i for i in ids if i.startswith("doi:")}


def pair_guards(
    features: Features,
    a: int,
    b: int,
    title_sim: float,
    ids: int,
    settings: MatchSettings = DEFAULT_SETTINGS,
) -> Guard:
    """The guards a pair trips; an empty flag means nothing forbids the match."""
    f = features
    guards = Guard(0)
    if f.edition[a] and f.edition[b] and f.edition[a] != f.edition[b]:
        # Vendors often leave the edition statement out, so only two statements that
        # name different editions count; "1st ed." and none are both blank here.
        guards |= Guard.EDITION
    if (
        f.year[a]
        and f.year[b]
        and abs(f.year[a] - f.year[b]) > settings.max_year_gap
        and (_manifestation(f, a) or _manifestation(f, b))
    ):
        # An edition is its year: a book of 1998 and one of 2003 are two printings at
        # least.  An article, a chapter or a bare citation is one work whatever year a
        # list gives it, so there a year far off only weighs against (year_far).
        guards |= Guard.YEAR
    if f.part[a] != f.part[b]:
        # A volume against a record without one is a volume against its set.
        guards |= Guard.VOLUME
    if f.volume[a] and f.volume[b] and f.volume[a] != f.volume[b]:
        guards |= Guard.VOLUME
    pages_a, pages_b = f.page_count[a], f.page_count[b]
    if pages_a and pages_b:
        low, high = sorted((pages_a, pages_b))
        if high > low * settings.page_count_ratio and high - low > settings.page_count_slack:
            guards |= Guard.PAGE_COUNT
    series_a, series_b = f.series[a], f.series[b]
    if series_a and series_b:
        for title, number in series_a.items():
            other = series_b.get(title)
            if other is not None and other != number:
                guards |= Guard.SERIES_NUMBER
    if f.language[a] and f.language[b] and not f.language[a] & f.language[b]:
        guards |= Guard.LANGUAGE
    part_a, part_b = f.component[a], f.component[b]
    whole_a = not part_a and (f.type[a] in WHOLE_TYPES or bool(f.kind[a]))
    whole_b = not part_b and (f.type[b] in WHOLE_TYPES or bool(f.kind[b]))
    if (
        f.host_id[a] == f.ids[b]
        or f.host_id[b] == f.ids[a]
        or (part_a and whole_b)
        or (part_b and whole_a)
    ):
        guards |= Guard.PART_AND_HOST
    if f.kind[a] and f.kind[b] and f.kind[a] != f.kind[b]:
        guards |= Guard.KIND
    numbers_a, numbers_b = f.title_numbers[a], f.title_numbers[b]
    # each title has a number the other lacks ("Dec. 9, 1999" and "Dec. 10, 1998"); one
    # that only adds a number ("the March 1994 ODMG-93 ...") may be the same work
    if numbers_a and numbers_b and numbers_a - numbers_b and numbers_b - numbers_a:
        guards |= Guard.TITLE_NUMBERS
    dois_a, dois_b = _dois(f.work_ids[a]), _dois(f.work_ids[b])
    if dois_a and dois_b and not dois_a & dois_b:
        guards |= Guard.DOI
    if (f.generic[a] or f.generic[b]) and ids == 0 and not _same_place(f, a, b):
        guards |= Guard.GENERIC_TITLE
    if part_a and part_b and ids == 0:
        # Chapters from a contents note carry no pages: two with one title in one book
        # (one cluster of hosts) are one chapter.  Pages, where both have them, must agree.
        pages_agree = f.first_page[a] == f.first_page[b]
        if not (_same_host(f, a, b) and pages_agree and title_sim >= 90):
            guards |= Guard.COMPONENT
    if ids:
        guards &= ~ID_OVERRIDES
    return guards


class ChainGuard:
    """Guards on pairs the blocking never proposed, asked while clusters join (pairs
    already vetoed are found by the clustering in its own veto set first)."""

    def __init__(self, features: Features, settings: MatchSettings = DEFAULT_SETTINGS) -> None:
        self.features = features
        self.settings = settings
        self.cache: dict[tuple[int, int], bool] = {}

    def __call__(self, a: int, b: int) -> bool:
        key = (a, b)
        hit = self.cache.get(key)
        if hit is None:
            f = self.features
            title = _title_similarity_of(f, a, b)
            ids = _id_evidence(f, a, b)
            # COMPONENT asks for evidence that two parts are one; a chain already found
            # that evidence on its links, so only guards that say "different" count here.
            found = pair_guards(f, a, b, title, ids, self.settings)
            found &= ~(Guard.COMPONENT | Guard.GENERIC_TITLE)
            hit = bool(found)
            self.cache[key] = hit
        return hit


def _manifestation(f: Features, a: int) -> bool:
    """Whether a record describes a published item whose year is part of what it is (a
    book, a recording, a map, a thesis), not a part of one or a citation of no type."""
    return not f.component[a] and f.type[a] != "other"


def _venue_evidence(f: Features, a: int, b: int) -> int:
    """1 one venue (however abbreviated), -1 two venues, 0 when one is not named."""
    if not f.venue[a] or not f.venue[b]:
        return 0
    if f.venue[a] == f.venue[b]:
        return 1
    x, y = f.venue_words[a], f.venue_words[b]
    if not x or not y:
        return 0  # a name of generic words only ("Proceedings"): it tells nothing
    return 1 if venues_alike(x, y) else -1


def _same_host(f: Features, a: int, b: int) -> bool:
    if f.host_key[a] and f.host_key[a] == f.host_key[b]:
        return True
    if f.issn[a] & f.issn[b]:
        return bool(f.volume[a]) and f.volume[a] == f.volume[b]
    return bool(f.venue[a]) and f.venue[a] == f.venue[b]


def _same_pages(f: Features, a: int, b: int) -> bool:
    return bool(f.first_page[a]) and f.first_page[a] == f.first_page[b]


def _same_place(f: Features, a: int, b: int) -> bool:
    """Same host and same first page: what identifies an untitled-looking article."""
    return _same_host(f, a, b) and _same_pages(f, a, b)


def score_pairs(
    features: Features,
    a: Sequence[int] | NDArray[np.int64],
    b: Sequence[int] | NDArray[np.int64],
    settings: MatchSettings,
    by_identifier: NDArray[np.bool_] | None = None,
) -> ScoredPairs:
    """Weigh every pair; pairs whose titles and identifiers rule a match out are dropped.

    ``by_identifier`` marks the pairs blocking found through an identifier key; only
    they can share an identifier, so only they are checked for one.
    """
    pa_ = np.asarray(a, dtype=np.int64)
    pb_ = np.asarray(b, dtype=np.int64)
    title = title_similarity(features, pa_, pb_)
    ids = np.zeros(len(pa_), dtype=np.int8)
    hint = by_identifier if by_identifier is not None else np.ones(len(pa_), dtype=bool)
    for n in np.flatnonzero(hint).tolist():
        ids[n] = _id_evidence(features, int(pa_[n]), int(pb_[n]))
    floor = settings.title_levels[-1][0]
    contents = contents_similarity(features, pa_, pb_, settings.contents_min_words)
    keep = (title >= floor) | (ids > 0) | (contents >= settings.contents_levels[-1][0])
    ka, kb = pa_[keep], pb_[keep]
    title = title[keep]
    ids = ids[keep]
    contents = contents[keep]
    la, lb = ka.tolist(), kb.tolist()

    cols = _columns(features)
    authors = process.cpdist(
        cols["authors"][ka], cols["authors"][kb], scorer=fuzz.token_set_ratio, workers=-1
    ).astype(np.float64)
    missing = ~(cols["has_authors"][ka] & cols["has_authors"][kb])
    authors[missing] = -1.0

    ya, yb = cols["year"][ka], cols["year"][kb]
    known = (ya > 0) & (yb > 0)
    gap = np.abs(ya - yb)

    levels: dict[str, NDArray[np.int8]] = {"title": _level_index(title, settings.title_levels)}
    author_level = _level_index(authors, settings.author_levels)
    author_level[authors < 0] = -1
    # "Chambers, Jack" is not "Chambers, Paul": family names alike, given names apart
    differ = np.zeros(len(ka), dtype=bool)
    alike = np.flatnonzero((author_level >= 0) & (author_level < len(settings.author_levels)))
    for n in alike.tolist():
        if given_names_differ(features, la[n], lb[n]):
            differ[n] = True
            author_level[n] = len(settings.author_levels)  # the "else" level
    levels["authors"] = author_level
    contents_level = _level_index(contents, settings.contents_levels)
    contents_level[contents < 0] = -1
    levels["contents"] = contents_level
    fixed = np.where(
        ids == 2, settings.shared_work_id, np.where(ids == 1, settings.linked_work_id, 0.0)
    )
    venue_level = np.full(len(ka), -1, dtype=np.int8)

    guards = np.zeros(len(ka), dtype=np.int32)
    for n, (i, j) in enumerate(zip(la, lb, strict=True)):
        g = pair_guards(features, i, j, float(title[n]), int(ids[n]), settings)
        if g:
            guards[n] = int(g)
        venue = _venue_evidence(features, i, j)
        if venue:
            venue_level[n] = 0 if venue > 0 else 1
        if features.publisher[i] and features.publisher[i] == features.publisher[j]:
            fixed[n] += settings.same_publisher
        if _same_place(features, i, j):
            fixed[n] += settings.same_host_and_pages
        if g & Guard.DOI:
            fixed[n] += settings.conflicting_doi
    levels["venue"] = venue_level
    # 0 same year, 1 a year apart, then further apart in one venue (2) or not (3)
    far = np.where(venue_level == 0, 2, 3)
    levels["year"] = np.where(known, np.where(gap >= 2, far, gap), -1).astype(np.int8)
    weight = weigh(levels, fixed, settings)
    return ScoredPairs(ka, kb, weight, title, authors, ids, guards, differ, contents, levels, fixed)


def given_names_differ(features: Features, a: int, b: int) -> str | None:
    """The family names whose initials disagree, when every family name the two records
    share (and give initials for on both sides) disagrees; None when nothing does."""
    ia, ib = features.initials[a], features.initials[b]
    if not ia or not ib:
        return None
    shared = [f for f in ia if f in ib]
    if not shared or any(ia[f] & ib[f] for f in shared):
        return None
    return ", ".join(
        f"{f}: {'/'.join(sorted(ia[f]))} or {'/'.join(sorted(ib[f]))}" for f in sorted(shared)
    )


def pair_reasons(
    features: Features, scored: ScoredPairs, n: int, settings: MatchSettings
) -> list[str]:
    """Why pair ``n`` weighs what it weighs, in words a cataloger can check.  A weight
    learned from the catalog says so, with the weight the settings give."""
    f = features
    a, b = int(scored.a[n]), int(scored.b[n])

    def weight_of(comparison: str, fallback: float) -> str:
        level = int(scored.levels[comparison][n]) if scored.levels else -1
        if level < 0:
            return f"{fallback:+.1f}"
        weight = level_weights(settings, comparison)[level]
        if settings.priors is not None:
            prior = level_weights(settings.priors, comparison)[level]
            if prior != weight:
                return f"{weight:+.1f} learned, set {prior:+.1f}"
        return f"{weight:+.1f}"

    title = float(scored.title[n])
    title_weight = _level(title, settings.title_levels, settings.title_else)
    out = [
        f"prior ({settings.prior:+.1f})",
        f"title {title:.0f}% alike ({weight_of('title', title_weight)})",
    ]
    authors = float(scored.authors[n])
    differ = scored.given_differ is not None and bool(scored.given_differ[n])
    if authors >= 0 and differ:
        out.append(
            f"family names alike, given names differ ({given_names_differ(f, a, b)}) "
            f"({weight_of('authors', settings.author_else)})"
        )
    elif authors >= 0:
        weight = _level(authors, settings.author_levels, settings.author_else)
        out.append(f"names {authors:.0f}% alike ({weight_of('authors', weight)})")
    else:
        out.append("names missing on one side (+0.0)")
    if f.year[a] and f.year[b]:
        gap = abs(f.year[a] - f.year[b])
        if gap == 0:
            out.append(f"same year {f.year[a]} ({weight_of('year', settings.year_same)})")
        elif gap == 1:
            weight = settings.year_next
            out.append(f"years {f.year[a]} and {f.year[b]} ({weight_of('year', weight)})")
        else:
            one_venue = _venue_evidence(f, a, b) > 0
            weight = settings.year_far_one_venue if one_venue else settings.year_far
            where = " in one venue" if one_venue else ""
            out.append(f"years {f.year[a]} and {f.year[b]}{where} ({weight_of('year', weight)})")
    listed = float(scored.contents[n]) if scored.contents is not None else -1.0
    if listed >= 0:
        weight = _level(listed, settings.contents_levels, settings.contents_else)
        out.append(f"contents {listed:.0f}% alike ({weight_of('contents', weight)})")
    shared = sorted(f.work_ids[a] & f.work_ids[b])
    if shared:
        out.append(f"same {', '.join(shared)} ({settings.shared_work_id:+.1f})")
    elif scored.ids[n] == 1:
        linked = sorted((f.linked_ids[a] & f.work_ids[b]) | (f.linked_ids[b] & f.work_ids[a]))
        out.append(f"other format linked by {', '.join(linked)} ({settings.linked_work_id:+.1f})")
    venue = _venue_evidence(f, a, b)
    if venue > 0:
        out.append(f"same venue ({weight_of('venue', settings.venue_similar)})")
    elif venue < 0:
        out.append(
            f"venues {f.venue[a]!r} and {f.venue[b]!r} "
            f"({weight_of('venue', settings.venue_differ)})"
        )
    if f.publisher[a] and f.publisher[a] == f.publisher[b]:
        out.append(f"same publisher ({settings.same_publisher:+.1f})")
    if _same_place(f, a, b):
        out.append(f"same host and first page ({settings.same_host_and_pages:+.1f})")
    if f.medium[a] != f.medium[b]:
        media = sorted((f.medium[a], f.medium[b]))
        out.append(f"{media[0]} and {media[1]} side by side")
    guards = Guard(int(scored.guards[n]))
    for guard, text in GUARD_TEXT.items():
        if guard in guards:
            out.append(f"guard: {text}")
    out.append(f"weight {float(scored.weight[n]):+.1f}")
    return out


def _level(sim: float, levels: tuple[tuple[float, float], ...], other: float) -> float:
    for threshold, weight in levels:
        if sim >= threshold:
            return weight
    return other
