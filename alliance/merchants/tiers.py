"""The value pyramid's rule (金字塔分层), as pure functions: no database, no clock, no request.

A tier policy gives, for each tier A–D, a threshold per figure, and how many of the four figures
must reach that tier's thresholds. A merchant takes the highest tier it reaches; E is everyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alliance.merchants.constants import FIGURES, SERVICE_LEVEL_FOR_TIER

RANKED_TIERS = ("A", "B", "C", "D")  # the tiers with thresholds, best first; E has none
LOWEST_TIER = "E"


@dataclass(frozen=True)
class Figures:
    """The four tiering figures of one merchant, in fen."""

    avg_daily_balance_fen: int = 0
    acquiring_volume_fen: int = 0
    fee_income_fen: int = 0
    loan_credit_fen: int = 0

    def value(self, figure: str) -> int:
        return int(getattr(self, str(figure)) or 0)

    def as_dict(self) -> dict[str, int]:
        return {str(f): self.value(f) for f in FIGURES}


@dataclass(frozen=True)
class Policy:
    """thresholds[tier][figure] in fen for tiers A–D; figures_required in 1..4."""

    thresholds: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    figures_required: int = 1

    def as_dict(self) -> dict:
        return {
            "figures_required": self.figures_required,
            "thresholds": {t: {str(f): int(self.thresholds[t][f]) for f in FIGURES} for t in RANKED_TIERS},
        }


def figures_reached(figures: Figures, policy: Policy, tier: str) -> int:
    """How many of the four figures are at or above `tier`'s thresholds."""
    limits = policy.thresholds[tier]
    return sum(1 for f in FIGURES if figures.value(f) >= int(limits[f]))


def tier_for(figures: Figures, policy: Policy) -> str:
    """The highest tier whose thresholds `figures` reach in at least `figures_required` figures."""
    if not 1 <= policy.figures_required <= len(FIGURES):
        raise ValueError("figures_required must be between 1 and 4")
    for tier in RANKED_TIERS:
        if figures_reached(figures, policy, tier) >= policy.figures_required:
            return tier
    return LOWEST_TIER


def service_level_for(tier: str | None) -> str | None:
    """A → a (head), B/C/D → b/c/d (waist), E → e (ordinary)."""
    return SERVICE_LEVEL_FOR_TIER.get(tier) if tier else None


def threshold_problems(thresholds: Mapping[str, Mapping[str, int]]) -> list[tuple[str, str, str]]:
    """(tier, figure, problem) for every threshold that is missing, not positive, or above the
    threshold of the tier over it (a lower tier must never ask for more than a higher one)."""
    problems = []
    for index, tier in enumerate(RANKED_TIERS):
        for f in FIGURES:
            value = (thresholds.get(tier) or {}).get(f)
            if value is None:
                problems.append((tier, str(f), "missing"))
            elif int(value) <= 0:
                problems.append((tier, str(f), "not_positive"))
            elif index > 0:
                above = (thresholds.get(RANKED_TIERS[index - 1]) or {}).get(f)
                if above is not None and int(above) > 0 and int(value) > int(above):
                    problems.append((tier, str(f), "above_higher_tier"))
    return problems
