"""ASY-01's and ASY-02's design per scale (claims/test_asymptotics.py, ``Design``): the smoke
design keeps every check's α, widens each margin as its derivation requires, and keeps each
control where the same rule still rejects it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from claimkit import decisions
from claimkit.budget import CHECK_ALPHA
from claims import test_asymptotics as asy


def test_standard_design_is_the_module_constants():
    """Standard and full run the constants the module docstring derives (numbers unchanged)."""
    for scale in ("standard", "full"):
        d = asy.design_for(scale)
        assert d is asy.STANDARD_DESIGN
    d = asy.STANDARD_DESIGN
    assert (d.r_grid, d.r_tail) == (asy.R_GRID, asy.R_TAIL)
    assert (d.slope_margin, d.tail_margin) == (asy.SLOPE_MARGIN, asy.TAIL_MARGIN)
    assert (d.r_exact_law, d.r_coverage) == (asy.R_EXACT_LAW, asy.R_COVERAGE)
    assert (d.r_counter_grid, d.r_counter_limit) == (asy.R_GRID, asy.R_LIMIT)
    assert (d.ks_margin, d.coverage_margin) == (asy.KS_MARGIN, asy.COVERAGE_MARGIN)
    assert d.control_variance_factor == asy.CONTROL_VARIANCE_FACTOR
    assert d.control_z == pytest.approx(stats.norm.ppf(0.95), abs=1e-15)


def test_scaled_design_of_one_rederives_the_standard_design():
    """The smoke derivation at divisor 1 reproduces the standard margins and controls: the
    formulas of scaled_design are the ones the standard constants came from."""
    d, std = asy.scaled_design(1), asy.STANDARD_DESIGN
    assert (d.r_exact_law, d.r_coverage) == (std.r_exact_law, std.r_coverage)
    assert (d.r_grid, d.r_tail) == (std.r_grid, std.r_tail)
    assert (d.r_counter_grid, d.r_counter_limit) == (std.r_counter_grid, std.r_counter_limit)
    for field in ("slope_margin", "tail_margin", "ks_margin", "coverage_margin",
                  "control_level", "control_z", "control_variance_factor"):
        assert getattr(d, field) == pytest.approx(getattr(std, field), rel=1e-9), field


def test_smoke_design_divides_replications_and_widens_margins():
    d = asy.design_for("smoke")
    assert d.r_coverage * asy.SMOKE_DIVISOR == asy.R_COVERAGE
    assert d.r_exact_law * asy.SMOKE_DIVISOR == asy.R_EXACT_LAW
    assert d.r_grid * asy.SMOKE_DIVISOR == asy.R_GRID
    assert d.r_tail * asy.SMOKE_DIVISOR == asy.R_TAIL
    assert d.r_counter_grid * asy.SMOKE_DIVISOR // 2 == asy.R_GRID
    assert d.r_counter_limit * asy.SMOKE_DIVISOR // 2 == asy.R_LIMIT
    assert d.slope_margin == pytest.approx(asy.SLOPE_MARGIN * math.sqrt(8), rel=1e-15)
    assert d.tail_margin == 0.063
    assert 0.17 < d.ks_margin < 0.18 and 0.049 < d.coverage_margin < 0.051
    assert 0.80 < d.control_level < 0.85 and 3.0 < d.control_variance_factor < 3.5


@pytest.mark.parametrize("scale", ["standard", "smoke"])
def test_a_true_limit_passes_with_probability_at_least_one_minus_alpha(scale):
    """The margins leave room for the allowances and the rules' bands at the design's R:
    Kolmogorov: allowance 0.0579 + 2 DKW radii at α; coverage: allowance 0.0035 +
    (z_{1−α} + z_{1−α/2}) sd at 0.95."""
    d = asy.design_for(scale)
    assert 0.0579 + 2 * decisions.dkw_radius(CHECK_ALPHA, d.r_coverage) <= d.ks_margin
    sd = math.sqrt(0.95 * 0.05 / d.r_coverage)
    z2 = special.ndtri(1 - CHECK_ALPHA) + special.ndtri(1 - CHECK_ALPHA / 2)
    assert 0.0035 + z2 * sd <= d.coverage_margin


@pytest.mark.parametrize("scale", ["standard", "smoke"])
def test_the_controls_are_rejected_at_the_design(scale):
    """The coverage rule rejects the gross control with P >= 0.99; the exact-law DKW rule's
    near-margin control sits more than one δ (1.45 δ) from the truth at either scale."""
    d = asy.design_for(scale)
    sd = math.sqrt(d.control_level * (1 - d.control_level) / d.r_coverage)
    room = (0.95 - d.control_level) - d.coverage_margin
    assert room >= (special.ndtri(1 - CHECK_ALPHA / 2) + special.ndtri(0.99)) * sd
    units = asy.normal_variance_distance(d.control_variance_factor) / decisions.dkw_delta(
        CHECK_ALPHA, d.r_exact_law)
    assert units == pytest.approx(1.446, abs=0.01)


def test_the_smoke_controls_are_rejected_by_the_rules_themselves():
    """Simulated at the smoke design: the 82 % interval's coverage and N(0, f) draws go
    through binomial_rate and dkw_kolmogorov and are rejected (fail)."""
    d = asy.design_for("smoke")
    rng = np.random.default_rng(np.random.SeedSequence(20261204))
    covered = int(rng.binomial(d.r_coverage, d.control_level))
    assert decisions.binomial_rate(covered, d.r_coverage, 0.95, alpha=CHECK_ALPHA,
                                   margin=d.coverage_margin).outcome == "fail"
    z = rng.standard_normal(d.r_exact_law) * math.sqrt(d.control_variance_factor)
    assert decisions.dkw_kolmogorov(z, special.ndtr, alpha=CHECK_ALPHA).outcome == "fail"


def test_normal_variance_distance_is_the_supremum():
    x = np.linspace(0.0, 12.0, 400_001)
    for f in (1.5, 3.24, 10.0):
        brute = float(np.max(special.ndtr(x) - special.ndtr(x / math.sqrt(f))))
        assert asy.normal_variance_distance(f) == pytest.approx(brute, abs=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: asy.design_for("quick"), r"^`scale` must be one of"),
    (lambda: asy.scaled_design(0), r"^`divisor` must be an integer >= 1"),
    (lambda: asy.scaled_design(2.0), r"^`divisor` must be an integer >= 1"),
    (lambda: asy.tail_margin_for(0), r"^`reps` must be an integer >= 1"),
    (lambda: asy.tail_margin_for(512.0), r"^`reps` must be an integer >= 1"),
    (lambda: asy.STANDARD_DESIGN.record("ASY-04"), r"^`claim` must be one of"),
    (lambda: asy.normal_variance_distance(1.0), r"^`factor` must be greater than 1"),
    (lambda: decisions.dkw_radius(0.0, 10), r"^`alpha` must lie in"),
    (lambda: decisions.dkw_radius(0.05, 0), r"^`reps` must be an integer >= 1"),
    (lambda: decisions.dkw_delta(1.5, 10), r"^`alpha` must lie in"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_checks_record_says_why_its_replications_are_fewer():
    """Standard checks' params are unchanged; smoke checks carry their claim's margins and the
    reason."""
    smoke = asy.design_for("smoke")
    for claim in ("ASY-01", "ASY-02", "ASY-03"):
        assert asy.STANDARD_DESIGN.record(claim) == {}
        assert asy.scaled_design(1).record(claim) == {}
        rec = smoke.record(claim)["design"]
        assert "smoke" in rec["why"] and claim in rec["why"]
        assert rec["replications_divisor"] == (4 if claim == "ASY-03" else 8)
        assert f"1/{rec['replications_divisor']} of" in rec["why"]
    assert "counter-examples" in smoke.record("ASY-03")["design"]["why"]
    assert smoke.record("ASY-02")["design"]["ks_margin"] == smoke.ks_margin
    assert "slope_margin" not in smoke.record("ASY-02")["design"]
    rec = smoke.record("ASY-01")["design"]
    assert (rec["slope_margin"], rec["tail_margin"]) == (smoke.slope_margin, smoke.tail_margin)
    assert "ks_margin" not in rec


@pytest.mark.parametrize("reps", [asy.R_TAIL, asy.R_TAIL // asy.SMOKE_DIVISOR, 1000])
def test_tail_margin_passes_the_allowance_with_probability_one_minus_alpha(reps):
    """The binomial probability at the allowance of the counts the rule does not pass (from
    the first such count up: the Clopper–Pearson bound grows with the count) is at most α; a
    thousandth less would not do."""
    def not_passing(margin: float) -> float:
        k = next(k for k in range(reps + 1)
                 if decisions.binomial_rate(k, reps, 0.0, alpha=CHECK_ALPHA,
                                            margin=margin).outcome != "pass")
        return float(stats.binom(reps, asy.TAIL_ALLOWANCE).sf(k - 1))

    m = asy.tail_margin_for(reps)
    assert not_passing(m) <= CHECK_ALPHA < not_passing(m - 0.001)


def test_standard_tail_margin_leaves_room_for_the_allowance():
    assert asy.tail_margin_for(asy.R_TAIL) < asy.TAIL_MARGIN
    assert asy.design_for("smoke").tail_margin == asy.tail_margin_for(asy.R_TAIL // 8)


@pytest.mark.parametrize("bend", [0.0, 0.01, 0.045])
@pytest.mark.parametrize("se", [0.0046, 0.0058])
def test_smoke_slope_margin_keeps_each_check_as_far_inside_its_band(bend, se):
    """The SEs of ASY-01's RMSE slope checks at the standard design (0.0046–0.0058) grow by √8
    at smoke; a slope bent by ``bend`` stays at least as many SEs from the band's edge, so
    P(not pass) is no larger than at standard."""
    smoke = asy.design_for("smoke")
    z = special.ndtri(1 - CHECK_ALPHA)
    at_standard = (asy.SLOPE_MARGIN - bend) / se - z
    at_smoke = (smoke.slope_margin - bend) / (se * math.sqrt(8)) - z
    assert at_smoke >= at_standard - 1e-12


def _smoke_slope(y_slope: float, slope_se: float, target: float) -> str:
    """The slope rule's outcome at the smoke margin for log errors on the grid with slope
    ``y_slope`` and per-point SEs giving SE(slope) = ``slope_se``."""
    logn = np.log(asy.N_GRID)
    se = np.full(logn.size, slope_se * math.sqrt(float(np.sum((logn - logn.mean()) ** 2))))
    return decisions.slope(logn, y_slope * logn, target=target,
                           margin=asy.design_for("smoke").slope_margin, alpha=CHECK_ALPHA,
                           y_se=se, scale="known").outcome


def test_smoke_slope_rule_passes_the_rate_and_rejects_its_controls():
    """At the smoke SEs of the RMSE checks (standard <= 0.0058, × √8): −1/2 passes 5 SE off on
    either side of the worst bend (0.045); the false rate n^(−1) is rejected 2.33 SE (power
    0.99) towards it from that bend; Neyman–Scott's flat RMSE (SE 0.0006 at standard) fails
    5 SE off either way. The Cauchy medians (SE 0.008 and 0.0114 at standard) keep the
    standard design: at smoke's SE the flat sample mean would not be rejected 2.33 SE towards
    the band."""
    rmse_se = 0.0058 * math.sqrt(8)
    for sign in (-1.0, 1.0):
        assert _smoke_slope(-0.5 + sign * (0.045 + 5 * rmse_se), rmse_se, -0.5) == "pass"
        flat_se = 0.0006 * math.sqrt(8)
        assert _smoke_slope(sign * 5 * flat_se, flat_se, -0.5) == "fail"
    assert _smoke_slope(-0.5 - 0.045 - 2.33 * rmse_se, rmse_se, asy.CONTROL_SLOPE) == "fail"
    median_se = 0.0114 * math.sqrt(8)
    assert _smoke_slope(-2.33 * median_se, median_se, -0.5) == "inconclusive"


def test_dkw_delta_is_the_rules_delta():
    sample = np.random.default_rng(np.random.SeedSequence(3)).standard_normal(777)
    dec = decisions.dkw_kolmogorov(sample, special.ndtr, alpha=CHECK_ALPHA)
    assert dec.delta == decisions.dkw_delta(CHECK_ALPHA, 777)


@pytest.mark.parametrize("z_standard", [17.9, 22.8])
def test_smoke_counter_examples_stay_rejected_with_power_099(z_standard):
    """ASY-03's controls (the median, the Gamma moments shape): their z at the standard design
    shrinks as the square root of the replications; at the smoke design's share it stays
    above z_{1−α/2} + z_{0.99}."""
    d = asy.design_for("smoke")
    share = d.r_counter_limit / asy.R_LIMIT
    assert d.r_counter_grid / asy.R_GRID == share
    needed = special.ndtri(1 - CHECK_ALPHA / 2) + special.ndtri(0.99)
    assert z_standard * math.sqrt(share) > needed + 1.5
    assert 17.9 * math.sqrt(1 / 8) < needed  # why not an eighth
