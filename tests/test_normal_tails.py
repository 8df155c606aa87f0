"""The z-test's tail-validity criterion and the exact χ² rule for means of sample variances."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from claimkit import decisions as dec
from claimkit.normal_tails import (TAIL_TOLERANCE, reps_for_normal_tail, tail_level,
                                      tail_relative_error)


def test_normal_data_need_few_replications():
    """For a normal statistic (γ = κ = 0) only the t-correction remains: tiny R suffices."""
    assert reps_for_normal_tail(0.0, 0.0, 1e-6) < 400


def test_criterion_grows_with_skewness_and_kurtosis():
    """More skewness or kurtosis, or a smaller α, needs more replications."""
    base = reps_for_normal_tail(1.0, 3.0, 1e-6)
    assert reps_for_normal_tail(3.0, 3.0, 1e-6) > base
    assert reps_for_normal_tail(1.0, 30.0, 1e-6) > base
    assert reps_for_normal_tail(1.0, 3.0, 1e-3) < base


def test_reps_meet_the_tolerance_exactly_at_the_boundary():
    """The derived R is the smallest whose relative error at the nominal level α/1.5 is within
    the tolerance."""
    r = reps_for_normal_tail(2.83, 12.0, 1e-6)
    level = tail_level(1e-6)
    assert level == pytest.approx(1e-6 / (1 + TAIL_TOLERANCE), rel=1e-15)
    assert tail_relative_error(2.83, 12.0, r, level) <= TAIL_TOLERANCE
    assert tail_relative_error(2.83, 12.0, r - 1, level) > TAIL_TOLERANCE


def test_criterion_predicts_the_excess_of_a_skewed_mean():
    """At α = 0.01 the studentised mean of R = 10 χ²₁ draws exceeds its two-sided normal
    critical value far more often than 1 %: the criterion flags it. At the R it derives, the
    simulated level at the nominal α is within (1 ± tolerance) α, and at the nominal level
    α/1.5 that a tail-checked z-test uses it is within α, up to Monte Carlo error."""
    alpha = 0.01
    g, k = math.sqrt(8.0), 12.0  # χ²₁
    assert tail_relative_error(g, k, 10, alpha) > TAIL_TOLERANCE
    r = reps_for_normal_tail(g, k, alpha)
    rng = np.random.default_rng(np.random.SeedSequence(20261204))
    x = rng.chisquare(1, size=(20_000, r))
    t = (x.mean(axis=1) - 1.0) / (x.std(axis=1, ddof=1) / math.sqrt(r))
    se = math.sqrt(alpha / 20_000)
    assert np.mean(np.abs(t) > stats.norm.isf(alpha / 2)) <= alpha * (1 + TAIL_TOLERANCE) + 5 * se
    assert np.mean(np.abs(t) > stats.norm.isf(tail_level(alpha) / 2)) <= alpha + 5 * se
    decided = [dec.z_test(float(m), float(s) / math.sqrt(r), 1.0, alpha=alpha, n_reps=r,
                          skewness=g, kurtosis=k).outcome
               for m, s in zip(x.mean(axis=1)[:2000], x.std(axis=1, ddof=1)[:2000])]
    assert "inconclusive" not in decided          # the derived R is valid for the z-test too
    assert decided.count("fail") <= 2000 * alpha + 5 * math.sqrt(2000 * alpha)


def test_tail_checked_z_test_runs_at_the_reduced_level():
    """With the tail checked (moments or a caller's bound) z_crit is that of α/1.5, the
    decision still records α, and δ and the interval follow z_crit; without, z_crit of α."""
    z_share = stats.norm.isf(0.5e-6)
    z_tail = stats.norm.isf(tail_level(1e-6) / 2)
    between = 0.5 * (z_share + z_tail)      # rejected at α, not at α/1.5
    plain = dec.z_test(between, 1.0, 0.0, alpha=1e-6, n_reps=10_000)
    moments = dec.z_test(between, 1.0, 0.0, alpha=1e-6, n_reps=10_000, skewness=0.0,
                         kurtosis=0.0)
    bounded = dec.z_test(between, 1.0, 0.0, alpha=1e-6, n_reps=10_000, tail_error=0.1)
    assert plain.outcome == "fail"
    for d in (moments, bounded):
        assert d.outcome == "pass" and d.alpha == 1e-6 and "level α/1.5" in d.rule
        assert d.ci[1] - between == pytest.approx(z_tail, rel=1e-12)
        assert d.delta == pytest.approx(z_tail + stats.norm.isf(0.01), rel=1e-12)
    assert "bounded by its components'" in bounded.rule
    assert dec.z_test(0.0, 1.0, 0.0, alpha=1e-6, n_reps=10_000,
                      tail_error=TAIL_TOLERANCE * 1.01).outcome == "inconclusive"


def test_tail_level_validates_input():
    for bad, match in (({"alpha": 0.0}, "`alpha`"), ({"alpha": 1e-6, "tolerance": 0.0},
                                                      "`tolerance`")):
        with pytest.raises(ValueError, match=match):
            tail_level(**bad)


def test_z_test_is_inconclusive_where_its_tail_is_not_valid():
    """A z-test given skewness and kurtosis refuses to decide below the derived R."""
    d = dec.z_test(1.0, 0.1, 1.0, alpha=1e-6, n_reps=100, skewness=18.0, kurtosis=640.0)
    assert d.outcome == "inconclusive" and "normal tail valid" in d.rule
    d = dec.z_test(1.0, 0.1, 1.0, alpha=1e-6, n_reps=10**6, skewness=18.0, kurtosis=640.0)
    assert d.outcome == "pass"


@pytest.mark.parametrize("kwargs, match", [
    ({"skewness": 1.0}, "together"),
    ({"skewness": 1.0, "kurtosis": -3.0}, "`kurtosis`"),
    ({"skewness": 1.0, "kurtosis": 3.0, "tail_error": 0.1}, "`tail_error`"),
    ({"tail_error": -0.1}, "`tail_error`"),
    ({"tail_error": math.nan}, "`tail_error`"),
])
def test_z_test_tail_arguments_are_validated(kwargs, match):
    """Skewness and kurtosis come together, excess kurtosis is at least −2, and a caller's
    tail bound is a finite number >= 0 given instead of the moments."""
    with pytest.raises(ValueError, match=match):
        dec.z_test(1.0, 0.1, 1.0, alpha=1e-6, n_reps=100, **kwargs)


@pytest.mark.parametrize("bad, match", [
    ({"n_reps": 1}, "`n_reps`"), ({"alpha": 0.0}, "`alpha`"), ({"skewness": math.nan}, "`skewness`"),
])
def test_tail_relative_error_validates_input(bad, match):
    """Bad input raises ValueError naming the parameter."""
    args = {"skewness": 1.0, "kurtosis": 1.0, "n_reps": 10, "alpha": 0.01, **bad}
    with pytest.raises(ValueError, match=match):
        tail_relative_error(**args)


def test_chi2_scale_null_rate_and_power():
    """Under the null the exact χ² rule rejects at rate α; a 3-δ deviation always fails."""
    rng = np.random.default_rng(np.random.SeedSequence(7))
    alpha, df = 0.05, 40
    stat = rng.chisquare(df, size=20_000) / df  # mean of scaled chi-squares with target 1
    fails = [dec.chi2_scale(float(s), 1.0, df=df, alpha=alpha, n_reps=1).outcome == "fail"
             for s in stat[:4000]]
    assert abs(np.mean(fails) - alpha) < 5 * math.sqrt(alpha * (1 - alpha) / 4000)
    d = dec.chi2_scale(1.0, 1.0, df=df, alpha=alpha, n_reps=1)
    shifted = dec.chi2_scale(1.0 + 3 * d.delta, 1.0, df=df, alpha=alpha, n_reps=1)
    assert d.outcome == "pass" and shifted.outcome == "fail"


@pytest.mark.parametrize("bad, match", [
    ({"target": 0.0}, "`target`"), ({"df": -1.0}, "`df`"), ({"estimate": -1.0}, "`estimate`"),
])
def test_chi2_scale_validates_input(bad, match):
    """Bad input raises ValueError naming the parameter."""
    args = {"estimate": 1.0, "target": 1.0, "df": 10.0, "alpha": 0.01, "n_reps": 1, **bad}
    with pytest.raises(ValueError, match=match):
        dec.chi2_scale(**args)


def test_binomial_trend_decides_falling_flat_and_rising_rates():
    """A falling rate passes, a rising one fails, a flat one cannot pass; degenerate counts are
    inconclusive, never a decision."""
    x = np.log([50.0, 126.0, 316.0, 795.0, 2000.0])
    t = np.full(5, 2048)
    falling = dec.binomial_trend(x, np.array([1000, 600, 200, 20, 1]), t, alpha=1e-6)
    rising = dec.binomial_trend(x, np.array([10, 100, 500, 1000, 1800]), t, alpha=1e-6)
    flat = dec.binomial_trend(x, np.array([500, 510, 490, 505, 495]), t, alpha=1e-6)
    none = dec.binomial_trend(x, np.zeros(5, dtype=int), t, alpha=1e-6)
    assert (falling.outcome, rising.outcome) == ("pass", "fail")
    assert flat.outcome == "inconclusive" and none.outcome == "inconclusive"


def test_binomial_trend_null_rate():
    """With a constant probability the rule passes (wrongly) at most at rate α (here α = 0.05)."""
    rng = np.random.default_rng(np.random.SeedSequence(11))
    x = np.log([50.0, 126.0, 316.0, 795.0, 2000.0])
    t = np.full(5, 400)
    passes = [dec.binomial_trend(x, rng.binomial(400, 0.3, size=5), t, alpha=0.05).outcome
              == "pass" for _ in range(2000)]
    assert np.mean(passes) <= 0.05 + 5 * math.sqrt(0.05 * 0.95 / 2000)


@pytest.mark.parametrize("bad, match", [
    ({"x": [1.0, 1.0]}, "`x`"), ({"successes": [1.5, 2.0]}, "`successes`"),
    ({"successes": [3, 1]}, "`successes`"), ({"alpha": 0.7}, "`alpha`"),
])
def test_binomial_trend_validates_input(bad, match):
    """Bad input raises ValueError naming the parameter."""
    args = {"x": [0.0, 1.0], "successes": np.array([1, 0]), "trials": np.array([2, 2]),
            "alpha": 0.01, **bad}
    if isinstance(args["successes"], list):
        args["successes"] = np.array(args["successes"])
    with pytest.raises(ValueError, match=match):
        dec.binomial_trend(**args)


def test_lattice_kolmogorov_distance_handles_atoms():
    """A sample drawn from a binomial law is close to it on the integers (the continuous formula
    would count every atom as a jump)."""
    rng = np.random.default_rng(np.random.SeedSequence(3))
    k = rng.binomial(20, 0.3, size=20_000)
    d = dec.lattice_kolmogorov_distance(k, lambda v: stats.binom.cdf(v, 20, 0.3))
    assert d < 0.02
    assert dec.kolmogorov_distance(k.astype(float), lambda v: stats.binom.cdf(v, 20, 0.3)) > 0.05
    with pytest.raises(ValueError, match="`sample`"):
        dec.lattice_kolmogorov_distance([0.5, 1.0], lambda v: v)


def test_planted_deviation_is_rejected_by_the_rule_it_tests():
    """A value moved by three tolerances fails exact_close at that tolerance; bad input raises."""
    e = np.array([1.0, -2.0, 1e-3])
    moved = dec.planted_deviation(e, rtol=1e-12, atol=1e-15)
    d = dec.exact_close(moved, e, rtol=1e-12, atol=1e-15)
    assert d.outcome == "fail" and d.statistic == pytest.approx(3.0, rel=1e-3)
    with pytest.raises(ValueError, match="`tolerances`"):
        dec.planted_deviation(e, rtol=1e-12, tolerances=1.0)
    with pytest.raises(ValueError, match="`rtol` and `atol`"):
        dec.planted_deviation(e, rtol=0.0)


def test_sample_shape_matches_scipy_and_validates():
    """sample_shape is scipy's biased skewness and Fisher kurtosis; constant input is rejected."""
    x = np.random.default_rng(1).exponential(size=1000)
    assert dec is not None
    from claimkit.normal_tails import sample_shape
    assert sample_shape(x) == (float(stats.skew(x)), float(stats.kurtosis(x)))
    with pytest.raises(ValueError, match="`values`"):
        sample_shape(np.ones(5))
