"""Why the matcher got pairs wrong: the strongest false matches and the weakest misses.

An F1 says how often the matcher errs, not why.  A cataloger tuning the settings (or
deciding not to) needs the pairs themselves: for each, the weight and the reasons the
catalog's ``show`` gives, or the step that never let the pair be weighed at all
(blocking never paired the records; the titles were too far apart to score).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from unioncat.dedupe.matcher import MatchResult
from unioncat.dedupe.scoring import _title_similarity_of, pair_reasons
from unioncat.dedupe.settings import MatchSettings


@dataclass(slots=True)
class PairNote:
    left: str
    right: str
    weight: float | None  # None when the pair was never weighed
    reasons: list[str]
    titles: tuple[str, str]

    def as_text(self) -> str:
        weight = "not weighed" if self.weight is None else f"{self.weight:+.1f}"
        return (
            f"  {self.left} / {self.right} ({weight}): {self.titles[0]!r} / "
            f"{self.titles[1]!r}\n    " + "; ".join(self.reasons)
        )


class Explainer:
    """Looks pairs of evaluation ids up in one match result."""

    def __init__(self, result: MatchResult, settings: MatchSettings, two_tables: bool) -> None:
        self.result = result
        self.settings = settings
        self.two_tables = two_tables
        f = result.features
        self.position = {rid: n for n, rid in enumerate(f.ids)}
        scored = result.scored
        self.scored = {
            (int(a), int(b)): n
            for n, (a, b) in enumerate(zip(scored.a.tolist(), scored.b.tolist(), strict=True))
        }
        self.candidates = set(
            zip(result.candidates[0].tolist(), result.candidates[1].tolist(), strict=True)
        )

    def _positions(self, pair: tuple[str, str]) -> tuple[int, int]:
        left, right = pair
        x = self.position[f"L:{left}"]
        y = self.position[f"R:{right}" if self.two_tables else f"L:{right}"]
        return min(x, y), max(x, y)

    def note(self, pair: tuple[str, str], matched: bool) -> PairNote:
        a, b = self._positions(pair)
        f = self.result.features
        titles = (f.title[a], f.title[b])
        n = self.scored.get((a, b))
        if n is not None:
            reasons = pair_reasons(f, self.result.scored, n, self.settings)
            weight = float(self.result.scored.weight[n])
            clustering = self.result.clustering
            together = clustering.find(a) == clustering.find(b)
            if not matched and weight >= self.settings.match_weight and not together:
                reasons.append(
                    "kept apart by the clustering: a guard between other members, or "
                    "two records of one source below the within-source weight"
                )
            return PairNote(pair[0], pair[1], weight, reasons, titles)
        if matched:
            why = "joined through other members of their cluster, never weighed as a pair"
        elif (a, b) in self.candidates:
            title = _title_similarity_of(f, a, b)
            why = (
                f"a candidate, dropped before scoring: titles {title:.0f}% alike, below "
                f"the lowest title level ({self.settings.title_levels[-1][0]:.0f}), and "
                "no shared identifier or contents"
            )
        else:
            why = (
                "never a candidate: no block (title words, identifier, name and year, "
                "contents) holds both"
            )
        return PairNote(pair[0], pair[1], None, [why], titles)

    def strongest(self, pairs: Iterable[tuple[str, str]], limit: int = 10) -> list[PairNote]:
        """The false matches with the highest weights (chained ones last)."""
        notes = [self.note(p, True) for p in pairs]
        notes.sort(key=lambda x: (x.weight is None, -(x.weight or 0.0), x.left, x.right))
        return notes[:limit]

    def weakest(self, pairs: Iterable[tuple[str, str]], limit: int = 10) -> list[PairNote]:
        """The missed pairs with the lowest weights (never weighed first)."""
        notes = [self.note(p, False) for p in pairs]
        notes.sort(key=lambda x: (x.weight is not None, x.weight or 0.0, x.left, x.right))
        return notes[:limit]
