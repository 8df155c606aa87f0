"""The run-wide alpha budget and the Monte Carlo scales."""

import pytest

from claimkit.budget import CAPACITY, CHECK_ALPHA, FAMILY_ALPHA, budget_report
from claimkit.scales import SCALES, design_record, scaled_reps


def test_bonferroni_share_fills_the_family_budget():
    """CAPACITY checks at CHECK_ALPHA each spend exactly the family-wise budget."""
    assert CHECK_ALPHA * CAPACITY == pytest.approx(FAMILY_ALPHA)
    assert FAMILY_ALPHA <= 1e-3


def test_budget_report_counts_only_stochastic_checks():
    """Exact checks (alpha 0) spend nothing; the report says whether the run stayed within."""
    rep = budget_report([0.0, CHECK_ALPHA, CHECK_ALPHA, 0.0])
    assert rep.stochastic_checks == 2 and rep.spent == pytest.approx(2 * CHECK_ALPHA)
    assert rep.within
    assert not budget_report([CHECK_ALPHA] * (CAPACITY + 1)).within


def test_budget_report_rejects_bad_alpha():
    """Alphas outside [0, 1) are a ValueError naming the parameter."""
    with pytest.raises(ValueError, match="`alphas`"):
        budget_report([1.5])


def test_scales_multiply_the_budget_with_a_floor():
    """smoke < standard < full; smoke never drops below the floor."""
    assert scaled_reps(1000, "standard") == 1000
    assert scaled_reps(1000, "full") == int(1000 * SCALES["full"])
    assert scaled_reps(1000, "smoke") == max(64, int(1000 * SCALES["smoke"]))
    assert scaled_reps(10, "smoke") == 64


@pytest.mark.parametrize("kwargs, match", [
    (dict(base=100, scale="huge"), "`scale`"),
    (dict(base=0, scale="smoke"), "`base`"),
    (dict(base=1.5, scale="smoke"), "`base`"),
])
def test_scaled_reps_rejects_bad_input(kwargs, match):
    """Unknown scales and non-positive budgets are ValueErrors naming the parameter."""
    with pytest.raises(ValueError, match=match):
        scaled_reps(**kwargs)


def test_design_record_is_empty_at_the_standard_design():
    assert design_record(1, scale="standard", what="x", how="y", source="z", margin=0.1) == {}


def test_design_record_says_what_is_divided_and_why():
    rec = design_record(4, scale="smoke", what="the sweep", how="margins re-derived",
                        source="claims/x.py, D", margin=0.2)["design"]
    assert rec["replications_divisor"] == 4 and rec["margin"] == 0.2
    assert rec["why"] == ("smoke scale: the sweep at 1/4 of the replications, margins "
                          "re-derived, α unchanged (claims/x.py, D)")


@pytest.mark.parametrize("kwargs, match", [
    ({"divisor": 0}, r"^`divisor` must be an integer >= 1"),
    ({"divisor": 2.0}, r"^`divisor` must be an integer >= 1"),
    ({"divisor": True}, r"^`divisor` must be an integer >= 1"),
    ({"scale": "quick"}, r"^`scale` must be one of"),
    ({"what": ""}, r"^`what` must be a non-empty string"),
    ({"how": None}, r"^`how` must be a non-empty string"),
    ({"source": "  "}, r"^`source` must be a non-empty string"),
])
def test_design_record_rejects_bad_input(kwargs, match):
    args = {"divisor": 2, "scale": "smoke", "what": "w", "how": "h", "source": "s", **kwargs}
    with pytest.raises(ValueError, match=match):
        design_record(**args)
