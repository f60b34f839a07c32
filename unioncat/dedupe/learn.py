"""Level weights learned from a catalog's own candidate pairs, without labels.

The weights in the settings are priors: what catalogs in general look like.  One
catalog differs (a citation list gives years that wander, a music collection names its
artists twice over, a vendor's titles run on into the venue), and the pairs the blocking
proposes say how.  Expectation-maximisation over them, as Fellegi and Sunter proposed
and Splink does, estimates for each level of each comparison how often true matches
(m) and other candidates (u) show it; log2(m/u) is the level's weight.

EM on candidate pairs alone can drift: the comparisons are not independent (a title
and its author agree together), and blocking on titles makes title levels look common
among non-matches.  So the step is held close to the priors:

- it starts from them: the first expectation is the set weights' own belief, and the
  set weights count as ``learn_prior_pairs`` pairs of evidence in every maximisation;
- guarded pairs (two editions, a book and its chapter) are left out: the weights only
  ever decide pairs no guard forbids;
- a comparison's weights are moved as a whole only in shape: the shift all its levels
  share is taken out (on average over the likely matches the weight stays where it
  was, so ``match_weight`` keeps its meaning), each level stays within ``learn_bound``
  bits of its prior, keeps its sign, and a more alike level never weighs less than a
  less alike one;
- a comparison seen on fewer than ``learn_min_pairs`` pairs keeps its priors, and so
  does every comparison when too few pairs look like matches to say what matches show.

The prior, the thresholds and the identifier weights are not learned: they are the
catalog's policy, not an observation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unioncat.dedupe.scoring import (
    COMPARISONS,
    ScoredPairs,
    level_names,
    level_weights,
    with_level_weights,
)
from unioncat.dedupe.settings import INTERNAL, MatchSettings

# EM stops when no pair's match probability moves more than this between rounds.
TOLERANCE = 1e-4
# Fewer likely matches than this among the candidates say nothing about matches.
MIN_MATCHES = 20.0
# A level shown by fewer candidate pairs than this keeps its set weight: a handful of
# pairs is no estimate.
MIN_LEVEL_PAIRS = 30
# Learned weights are kept to a tenth of a bit: finer says nothing, and the same
# catalog gives the same weights whatever the order of floating-point sums.
ROUND_TO = 1


@dataclass(frozen=True, slots=True)
class LevelFit:
    """One level of one comparison: its prior weight, what the catalog showed, and
    the weight used."""

    comparison: str
    level: int
    name: str
    prior: float
    weight: float
    m: float
    u: float
    pairs: int  # candidate pairs at this level


@dataclass(frozen=True, slots=True)
class LearnedWeights:
    priors_key: str  # which priors these were learned from (see :func:`priors_key`)
    pairs: int  # unguarded candidate pairs learned from
    match_share: float  # the share of them EM took for matches
    iterations: int
    converged: bool
    levels: tuple[LevelFit, ...]
    note: str = ""  # why nothing (or not everything) was learned

    @property
    def learned(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.comparison for f in self.levels))

    def apply(self, settings: MatchSettings) -> MatchSettings:
        """``settings`` with the learned level weights in; ``priors`` keeps the set ones."""
        weights: dict[str, list[float]] = {}
        for fit in self.levels:
            weights.setdefault(fit.comparison, level_weights(settings, fit.comparison))
            weights[fit.comparison][fit.level] = fit.weight
        if not weights:
            return settings
        return replace(with_level_weights(settings, weights), priors=settings)

    def as_rows(self, run_id: str, now: datetime) -> list[dict[str, Any]]:
        """The rows of the catalog's ``match_weights`` table."""
        return [
            {
                **asdict(fit),
                "learned_from": self.pairs,
                "match_share": self.match_share,
                "rounds": self.iterations,
                "converged": self.converged,
                "priors_key": self.priors_key,
                "run_id": run_id,
                "learned_at": now,
            }
            for fit in self.levels
        ]

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> LearnedWeights | None:
        """Weights as the catalog keeps them; None when it keeps none."""
        if not rows:
            return None
        first = rows[0]
        level_fields = [f.name for f in fields(LevelFit)]
        return cls(
            priors_key=str(first["priors_key"]),
            pairs=int(first["learned_from"]),
            match_share=float(first["match_share"]),
            iterations=int(first["rounds"]),
            converged=bool(first["converged"]),
            levels=tuple(LevelFit(**{k: row[k] for k in level_fields}) for row in rows),
        )


def priors_key(settings: MatchSettings) -> str:
    """A digest of every setting: weights learned under other settings are not these."""
    values = {
        f.name: getattr(settings, f.name) for f in fields(settings) if not f.metadata.get(INTERNAL)
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


def _bits_to_probability(bits: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = 1.0 / (1.0 + np.exp2(-np.clip(bits, -60.0, 60.0)))
    return out


def learn_weights(scored: ScoredPairs, settings: MatchSettings) -> LearnedWeights:
    """Estimate level weights from ``scored`` (a catalog's candidate pairs) under the
    bounds the settings give; levels nothing could be learned for are left out."""
    key = priors_key(settings)
    use = scored.guards == 0
    n = int(use.sum())
    if not settings.learn_weights:
        return LearnedWeights(key, n, 0.0, 0, False, (), "learning is off (learn_weights)")
    if n < settings.learn_min_pairs or scored.fixed is None:
        return LearnedWeights(
            key, n, 0.0, 0, False, (),
            f"{n} unguarded candidate pairs, fewer than learn_min_pairs "
            f"({settings.learn_min_pairs}): the set weights are used",
        )  # fmt: skip
    gamma = {c: scored.levels[c][use].astype(np.int64) for c in COMPARISONS}
    fixed = scored.fixed[use]
    prior = {c: np.array(level_weights(settings, c), dtype=np.float64) for c in COMPARISONS}
    seen = {c: gamma[c] >= 0 for c in COMPARISONS}
    counts = {
        c: np.bincount(gamma[c][seen[c]], minlength=len(prior[c])).astype(np.float64)
        for c in COMPARISONS
    }
    # Pseudo-counts that carry the priors: u as the candidates show the levels, m as
    # the prior weights make of that (m proportional to u * 2^weight).
    u0 = {c: (counts[c] + 1.0) / (counts[c].sum() + len(counts[c])) for c in COMPARISONS}
    m0 = {c: u0[c] * np.exp2(prior[c]) for c in COMPARISONS}
    m0 = {c: m0[c] / m0[c].sum() for c in COMPARISONS}
    alpha = settings.learn_prior_pairs

    # The first expectation is the set weights' own: the weight is log-odds in bits.
    own = {c: np.append(prior[c], 0.0)[gamma[c]] for c in COMPARISONS}
    bits = settings.prior + fixed + sum(own.values())
    m: dict[str, NDArray[np.float64]] = {}
    u: dict[str, NDArray[np.float64]] = {}
    converged = False
    rounds = 0
    for _ in range(settings.learn_iterations):
        rounds += 1
        r = _bits_to_probability(bits)
        share = float(np.clip(r.mean(), 1e-9, 1 - 1e-9))
        moved = 0.0
        for c in COMPARISONS:
            # Each comparison learns from what the others say of a pair: left in, its own
            # level would vouch for itself (a pair taken for a match because its titles
            # agree makes agreeing titles look even more like matches).
            others = r[seen[c]]
            level = gamma[c][seen[c]]
            mc = np.bincount(level, weights=others, minlength=len(prior[c])) + alpha * m0[c]
            uc = np.bincount(level, weights=1 - others, minlength=len(prior[c])) + alpha * u0[c]
            mc, uc = mc / mc.sum(), uc / uc.sum()
            if c in m:
                moved = max(moved, float(np.abs(mc - m[c]).max()), float(np.abs(uc - u[c]).max()))
            else:
                moved = 1.0
            m[c], u[c] = mc, uc
        own = {c: np.append(np.log2(m[c] / u[c]), 0.0)[gamma[c]] for c in COMPARISONS}
        bits = np.log2(share / (1 - share)) + fixed + sum(own.values())
        if moved < TOLERANCE:
            converged = True
            break
    r = _bits_to_probability(bits)
    matches = float(r.sum())
    share = matches / n
    if matches < MIN_MATCHES:
        return LearnedWeights(
            key, n, share, rounds, converged, (),
            f"only {matches:.0f} of {n} candidate pairs look like matches: the set "
            "weights are used",
        )  # fmt: skip

    fits: list[LevelFit] = []
    kept: list[str] = []
    for c in COMPARISONS:
        observed = int(seen[c].sum())
        if observed < settings.learn_min_pairs:
            kept.append(c)
            continue
        weights = _bounded(prior[c], np.log2(m[c] / u[c]), settings.learn_bound)
        weights = np.where(counts[c] >= MIN_LEVEL_PAIRS, weights, prior[c])
        names = level_names(settings, c)
        for level, w in enumerate(weights.tolist()):
            fits.append(
                LevelFit(
                    c, level, names[level], float(prior[c][level]), w,
                    round(float(m[c][level]), 6), round(float(u[c][level]), 6),
                    int(counts[c][level]),
                )
            )  # fmt: skip
    note = f"seen on too few pairs, set weights kept: {', '.join(kept)}" if kept else ""
    return LearnedWeights(key, n, round(share, 6), rounds, converged, tuple(fits), note)


def _bounded(
    prior: NDArray[np.float64], learned: NDArray[np.float64], bound: float
) -> NDArray[np.float64]:
    """The learned weights held to the priors: the best level (full agreement) keeps its
    set weight, so the pairs that agree on everything weigh what they did and
    ``match_weight`` keeps its meaning; every other level moves by how much more or
    less than the best level the catalog shows it among matches, at most ``bound``
    bits; a level set as evidence for a match stays so, one set at zero or against is
    never excused (it may only weigh more against); and a more alike level never weighs
    less than a less alike one."""
    change = (learned - learned[0]) - (prior - prior[0])
    out = prior + np.clip(change, -bound, bound)
    out = np.where(prior > 0, np.maximum(out, 0.0), np.minimum(out, prior))
    for n in range(1, len(out)):
        out[n] = min(out[n], out[n - 1])
    result: NDArray[np.float64] = np.round(out, ROUND_TO)
    return result


def describe_learned(learned: LearnedWeights) -> list[str]:
    """The learned weights in lines a cataloger reads: each level that moved."""
    if not learned.levels:
        return [f"weights: the set ones ({learned.note})"]
    head = (
        f"weights learned from {learned.pairs} candidate pairs ({learned.match_share:.1%} "
        f"taken for matches, {learned.iterations} rounds"
        + ("" if learned.converged else ", not converged")
        + ")"
    )
    lines = [head]
    for fit in learned.levels:
        if fit.weight != fit.prior:
            lines.append(
                f"  {fit.comparison} {fit.name}: {fit.weight:+.1f} (set {fit.prior:+.1f}; "
                f"m {fit.m:.3f}, u {fit.u:.3f}, {fit.pairs} pairs)"
            )
    if len(lines) == 1:
        lines.append("  every level as set")
    if learned.note:
        lines.append(f"  {learned.note}")
    return lines
