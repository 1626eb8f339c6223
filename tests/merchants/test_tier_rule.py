"""tier_for(figures, policy): every threshold boundary, and the "how many figures" setting 1..4."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance.merchants.constants import FIGURES
from alliance.merchants.tiers import (
    RANKED_TIERS,
    Figures,
    Policy,
    service_level_for,
    threshold_problems,
    tier_for,
)

# Distinct thresholds per figure so that a mix-up between figures would show.
BASE = {
    "avg_daily_balance_fen": 1_000_000,
    "acquiring_volume_fen": 50_000_000,
    "fee_income_fen": 200_000,
    "loan_credit_fen": 30_000_000,
}
STEP = {"A": 4, "B": 3, "C": 2, "D": 1}
THRESHOLDS = {tier: {f: BASE[f] * STEP[tier] for f in BASE} for tier in RANKED_TIERS}


def policy(required: int = 1) -> Policy:
    return Policy(thresholds=THRESHOLDS, figures_required=required)


def figures(**values) -> Figures:
    return Figures(**values)


@pytest.mark.parametrize("tier", RANKED_TIERS)
@pytest.mark.parametrize("figure", [str(f) for f in FIGURES])
def test_exactly_at_a_threshold_reaches_the_tier(tier, figure):
    assert tier_for(figures(**{figure: THRESHOLDS[tier][figure]}), policy(1)) == tier


@pytest.mark.parametrize("tier", RANKED_TIERS)
@pytest.mark.parametrize("figure", [str(f) for f in FIGURES])
def test_one_fen_below_a_threshold_falls_to_the_tier_under_it(tier, figure):
    below = RANKED_TIERS[RANKED_TIERS.index(tier) + 1] if tier != "D" else "E"
    assert tier_for(figures(**{figure: THRESHOLDS[tier][figure] - 1}), policy(1)) == below


def test_nothing_at_all_is_tier_e():
    assert tier_for(Figures(), policy(1)) == "E"


@pytest.mark.parametrize("required", [1, 2, 3, 4])
@pytest.mark.parametrize("tier", RANKED_TIERS)
def test_a_tier_needs_exactly_the_required_number_of_figures(required, tier):
    names = [str(f) for f in FIGURES]
    enough = figures(**{f: THRESHOLDS[tier][f] for f in names[:required]})
    assert tier_for(enough, policy(required)) == tier
    if required > 1:
        # One figure fewer at this tier's level: the merchant stays below it.
        short = figures(**{f: THRESHOLDS[tier][f] for f in names[: required - 1]})
        assert tier_for(short, policy(required)) != tier
        assert RANKED_TIERS.index(tier) < ("ABCDE".index(tier_for(short, policy(required))))


@pytest.mark.parametrize("required", [1, 2, 3, 4])
def test_the_required_figures_may_be_any_of_the_four(required):
    names = [str(f) for f in FIGURES]
    for start in range(4):
        chosen = [names[(start + i) % 4] for i in range(required)]
        assert tier_for(figures(**{f: THRESHOLDS["B"][f] for f in chosen}), policy(required)) == "B"


def test_required_figures_at_the_boundary_with_one_fen_short():
    names = [str(f) for f in FIGURES]
    values = {f: THRESHOLDS["A"][f] for f in names}
    assert tier_for(figures(**values), policy(4)) == "A"
    values[names[2]] -= 1
    assert tier_for(figures(**values), policy(4)) == "B"
    assert tier_for(figures(**values), policy(3)) == "A"


def test_mixed_levels_count_per_tier():
    # Two figures at A, two at C: with 2 required the merchant is A; with 3 required only C
    # (three or more figures reach C's thresholds but only two reach A's or B's).
    names = [str(f) for f in FIGURES]
    values = {
        names[0]: THRESHOLDS["A"][names[0]],
        names[1]: THRESHOLDS["A"][names[1]],
        names[2]: THRESHOLDS["C"][names[2]],
        names[3]: THRESHOLDS["C"][names[3]],
    }
    assert tier_for(figures(**values), policy(2)) == "A"
    assert tier_for(figures(**values), policy(3)) == "C"
    assert tier_for(figures(**values), policy(4)) == "C"


@pytest.mark.parametrize("required", [0, 5, -1])
def test_the_required_setting_must_be_1_to_4(required):
    with pytest.raises(ValueError):
        tier_for(Figures(), policy(required))


@given(
    st.lists(st.integers(min_value=0, max_value=10**10), min_size=4, max_size=4),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=1, max_value=4),
)
def test_more_money_never_lowers_the_tier(values, which, extra, required):
    names = [str(f) for f in FIGURES]
    before = figures(**dict(zip(names, values, strict=True)))
    raised = dict(zip(names, values, strict=True))
    raised[names[which]] += extra
    after = figures(**raised)
    assert "ABCDE".index(tier_for(after, policy(required))) <= "ABCDE".index(
        tier_for(before, policy(required))
    )


@given(st.lists(st.integers(min_value=0, max_value=10**10), min_size=4, max_size=4))
def test_a_stricter_setting_never_gives_a_higher_tier(values):
    names = [str(f) for f in FIGURES]
    figs = figures(**dict(zip(names, values, strict=True)))
    ranks = ["ABCDE".index(tier_for(figs, policy(r))) for r in (1, 2, 3, 4)]
    assert ranks == sorted(ranks)


def test_service_levels_follow_tiers():
    assert [service_level_for(t) for t in "ABCDE"] == list("abcde")
    assert service_level_for(None) is None


def test_threshold_problems_find_missing_non_positive_and_upside_down_values():
    assert threshold_problems(THRESHOLDS) == []
    broken = {t: dict(v) for t, v in THRESHOLDS.items()}
    del broken["B"]["fee_income_fen"]
    broken["C"]["loan_credit_fen"] = 0
    broken["D"]["avg_daily_balance_fen"] = THRESHOLDS["C"]["avg_daily_balance_fen"] + 1
    assert sorted(threshold_problems(broken)) == [
        ("B", "fee_income_fen", "missing"),
        ("C", "loan_credit_fen", "not_positive"),
        ("D", "avg_daily_balance_fen", "above_higher_tier"),
    ]
    equal = {t: dict(v) for t, v in THRESHOLDS.items()}
    equal["B"] = dict(equal["A"])
    assert threshold_problems(equal) == []
