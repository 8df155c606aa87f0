"""Decision rules of :mod:`claimkit.decisions`: calibrated under the null, powered at delta.

For every stochastic rule the null is simulated many times at a *large* alpha (0.05 or 0.01),
so that the false-failure rate is observable, and the observed count is compared with the
declared alpha through its Clopper-Pearson interval at level 99.9% (:func:`_cp`):

* exact rules (z-test, equivalence at the edge, t-based slopes): alpha must lie inside it;
* conservative rules (exact binomial, DKW): alpha must not lie below it (rate not above alpha);
* power: at a deviation equal to the rule's reported ``delta`` the failure rate must not be
  significantly below 0.99, i.e. the interval's upper end must be >= 0.99.

Each assertion has a false-alarm probability of at most 5e-4 when the rule is right. Seeds are
fixed constants, ``[SEED, label]`` with a distinct label per test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from claimkit import decisions as dec
from claimkit import mcse
from claimkit.evidence import Decision

SEED = 20261121  # the suite's default root seed; each test adds its own constant label
CP_LEVEL = 0.999


def _cp(k: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson 99.9% interval of k successes in n trials."""
    ci = stats.binomtest(int(k), int(n)).proportion_ci(CP_LEVEL, method="exact")
    return float(ci.low), float(ci.high)


def _assert_rate(k: int, n: int, p: float) -> None:
    """The observed rate k/n is consistent with p."""
    lo, hi = _cp(k, n)
    assert lo <= p <= hi, f"rate {k}/{n} = {k / n:.4g}, CP99.9% [{lo:.4g}, {hi:.4g}] vs {p}"


def _assert_rate_not_above(k: int, n: int, p: float) -> None:
    """The observed rate k/n is not significantly above p (conservative rules)."""
    lo, _ = _cp(k, n)
    assert lo <= p, f"rate {k}/{n} = {k / n:.4g} significantly above {p} (CP low {lo:.4g})"


def _assert_power(k: int, n: int, power: float = dec.POWER) -> None:
    """The observed rejection rate k/n is not significantly below ``power``."""
    _, hi = _cp(k, n)
    assert hi >= power, f"power {k}/{n} = {k / n:.4g} significantly below {power} (CP hi {hi:.4g})"


def _count(decisions, outcome: str) -> int:
    return sum(d.outcome == outcome for d in decisions)


# ------------------------------------------------------------------------------------------
# exact_close and eps_tolerance
# ------------------------------------------------------------------------------------------

def test_eps_tolerance_scales_machine_epsilon():
    """eps_tolerance = ops * condition * eps(dtype)."""
    assert dec.eps_tolerance(np.float64) == np.finfo(np.float64).eps
    assert dec.eps_tolerance(np.float32, condition=10.0, ops=4) == \
        pytest.approx(40 * float(np.finfo(np.float32).eps), rel=1e-15)


def test_exact_close_pass_and_fields():
    """Rounding-level errors pass; estimate is the max error, margin = delta = tolerance."""
    e = np.array([1.0, -2.0, 3.0])
    a = e * (1 + np.array([1, -1, 2]) * np.finfo(float).eps)
    d = dec.exact_close(a, e, rtol=dec.eps_tolerance(np.float64, ops=2), n_inputs=7)
    assert isinstance(d, Decision)
    assert d.outcome == "pass" and d.kind == "exact" and d.alpha == 0.0 and d.n_reps == 7
    assert d.estimate == pytest.approx(np.max(np.abs(a - e)))
    assert d.margin == d.delta == pytest.approx(2 * np.finfo(float).eps * 3.0)
    assert d.rule.startswith("max |a - e| / (atol + rtol |e|) = ") and "<= 1" in d.rule


def test_exact_close_fails_beyond_tolerance():
    """An error of twice the tolerance fails and the rule says '> 1'."""
    d = dec.exact_close([1.0 + 2e-12], [1.0], rtol=1e-12)
    assert d.outcome == "fail" and d.statistic == pytest.approx(2.0, rel=1e-3)
    assert "> 1" in d.rule


def test_exact_close_infinities_and_nan():
    """Equal infinities pass; mismatched infinities and NaN are a breakdown: inconclusive."""
    assert dec.exact_close([np.inf, -np.inf, 1.0], [np.inf, -np.inf, 1.0], rtol=0.0).outcome \
        == "pass"
    assert dec.exact_close([np.inf], [-np.inf], rtol=1.0).outcome == "inconclusive"
    bad = dec.exact_close([np.nan, 1.0], [np.nan, 1.0], rtol=1.0)
    assert bad.outcome == "inconclusive" and bad.estimate == math.inf
    assert "not evidence" in bad.rule
    # A wrong finite value next to a NaN is still not a decided failure: the NaN may hide more.
    assert dec.exact_close([np.nan, 5.0], [1.0, 1.0], rtol=0.0).outcome == "inconclusive"


def test_exact_close_nonfinite_as_evidence():
    """Where non-finiteness is the check's point, a mismatched NaN/inf is a failure."""
    d = dec.exact_close([np.nan, 1.0], [0.5, 1.0], rtol=0.0, nonfinite="evidence")
    assert d.outcome == "fail" and "the check's point" in d.rule
    with pytest.raises(ValueError, match="`nonfinite`"):
        dec.exact_close([1.0], [1.0], rtol=0.0, nonfinite="fail")


def test_exact_close_atol_and_broadcasting():
    """atol covers values near zero; scalars broadcast against arrays."""
    d = dec.exact_close(np.array([1e-17, -3e-17]), 0.0, rtol=1e-15, atol=1e-16)
    assert d.outcome == "pass" and d.n_reps == 2


# ------------------------------------------------------------------------------------------
# z_test
# ------------------------------------------------------------------------------------------

N_NULL = 20_000


@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_z_test_calibrated_under_null(alpha):
    """False-failure rate of the z-test equals alpha when estimate ~ N(target, mcse^2)."""
    rng = np.random.default_rng([SEED, 101, int(alpha * 1000)])
    target, se = 2.0, 0.3
    est = target + se * rng.standard_normal(N_NULL)
    fails = _count((dec.z_test(float(x), se, target, alpha=alpha, n_reps=1000) for x in est),
                   "fail")
    _assert_rate(fails, N_NULL, alpha)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_z_test_power_at_delta(sign):
    """A deviation equal to the reported delta is rejected with probability >= 0.99."""
    rng = np.random.default_rng([SEED, 102, int(sign > 0)])
    target, se, alpha = 0.0, 0.05, 0.01
    delta = dec.z_test(target, se, target, alpha=alpha, n_reps=100).delta
    assert delta == pytest.approx((stats.norm.isf(alpha / 2) + stats.norm.isf(0.01)) * se)
    est = target + sign * delta + se * rng.standard_normal(N_NULL)
    fails = _count((dec.z_test(float(x), se, target, alpha=alpha, n_reps=100) for x in est),
                   "fail")
    _assert_power(fails, N_NULL)


def test_z_test_end_to_end_with_estimated_mcse():
    """With MCSEs estimated from R = 1000 skewed replications the size is still alpha."""
    rng = np.random.default_rng([SEED, 103])
    n_data, r, alpha = 10_000, 1000, 0.05
    fails = 0
    for chunk in range(5):
        est = mcse.mean(rng.exponential(size=(n_data // 5, r)), axis=1)
        fails += _count((dec.z_test(float(v), float(s), 1.0, alpha=alpha, n_reps=r)
                         for v, s in zip(est.value, est.mcse)), "fail")
    _assert_rate(fails, n_data, alpha)


def test_z_test_zero_mcse_and_required_delta():
    """mcse = 0 is decided exactly; a too-large delta makes a non-rejection inconclusive."""
    assert dec.z_test(1.0, 0.0, 1.0, alpha=1e-6, n_reps=5).outcome == "pass"
    d = dec.z_test(1.0, 0.0, 1.5, alpha=1e-6, n_reps=5)
    assert d.outcome == "fail" and d.statistic == -math.inf and d.delta == 0.0
    weak = dec.z_test(0.1, 0.05, 0.0, alpha=1e-6, n_reps=100, required_delta=0.1)
    assert weak.outcome == "inconclusive" and "delta 0.361 > required 0.1" in weak.rule
    strong = dec.z_test(0.1, 0.001, 0.0, alpha=1e-6, n_reps=100, required_delta=0.1)
    assert strong.outcome == "fail"
    ok = dec.z_test(0.0, 0.01, 0.0, alpha=1e-6, n_reps=100, required_delta=0.1)
    assert ok.outcome == "pass"


def test_z_test_rule_text_and_ci():
    """Rule text states |z| and the critical value; CI = estimate +- z_crit mcse."""
    d = dec.z_test(0.1, 0.05, 0.0, alpha=1e-6, n_reps=100)
    assert d.rule == "|z| = 2 <= z_crit 4.89"
    zc = stats.norm.isf(0.5e-6)
    assert d.ci == pytest.approx((0.1 - zc * 0.05, 0.1 + zc * 0.05))
    assert d.kind == "z-test" and d.alpha == 1e-6 and d.n_reps == 100 and d.statistic == 2.0
    assert dec.z_test(0.5, 0.05, 0.0, alpha=1e-6, n_reps=100).rule == "|z| = 10 > z_crit 4.89"


# ------------------------------------------------------------------------------------------
# equivalence
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_equivalence_at_margin_edge(alpha):
    """At the edge of the band both P(fail) and P(pass) equal alpha."""
    rng = np.random.default_rng([SEED, 201, int(alpha * 1000)])
    target, margin, se = 1.0, 0.5, 0.05
    est = target + margin + se * rng.standard_normal(N_NULL)
    ds = [dec.equivalence(float(x), se, target, margin, alpha=alpha, n_reps=10) for x in est]
    _assert_rate(_count(ds, "fail"), N_NULL, alpha)
    _assert_rate(_count(ds, "pass"), N_NULL, alpha)


def test_equivalence_inside_band_rarely_fails():
    """Inside the band the rule fails with probability <= alpha."""
    rng = np.random.default_rng([SEED, 202])
    est = 0.3 + 0.05 * rng.standard_normal(N_NULL)
    ds = [dec.equivalence(float(x), 0.05, 0.0, 0.5, alpha=0.05, n_reps=10) for x in est]
    _assert_rate_not_above(_count(ds, "fail"), N_NULL, 0.05)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_equivalence_power_beyond_margin(sign):
    """A true value delta beyond the margin fails with probability >= 0.99."""
    rng = np.random.default_rng([SEED, 203, int(sign > 0)])
    target, margin, se, alpha = 0.0, 0.2, 0.02, 0.01
    delta = dec.equivalence(0.0, se, target, margin, alpha=alpha, n_reps=10).delta
    assert delta == pytest.approx((stats.norm.isf(alpha) + stats.norm.isf(0.01)) * se)
    est = target + sign * (margin + delta) + se * rng.standard_normal(N_NULL)
    ds = [dec.equivalence(float(x), se, target, margin, alpha=alpha, n_reps=10) for x in est]
    _assert_power(_count(ds, "fail"), N_NULL)


def test_equivalence_outcomes_and_rule():
    """Inside -> pass, straddling -> inconclusive, outside -> fail; margin is recorded."""
    kw = dict(alpha=1e-6, n_reps=100)
    p = dec.equivalence(0.1, 0.01, 0.0, 0.2, **kw)
    assert p.outcome == "pass" and p.margin == 0.2 and " inside [-0.2, 0.2]" in p.rule
    assert dec.equivalence(0.19, 0.01, 0.0, 0.2, **kw).outcome == "inconclusive"
    f = dec.equivalence(0.5, 0.01, 0.0, 0.2, **kw)
    assert f.outcome == "fail" and "outside" in f.rule
    assert dec.equivalence(0.1, 0.0, 0.0, 0.2, **kw).outcome == "pass"


# ------------------------------------------------------------------------------------------
# binomial_rate
# ------------------------------------------------------------------------------------------

def _outcome_table(n: int, **kw) -> np.ndarray:
    """Outcome of binomial_rate for every k = 0..n (the decision depends on k only)."""
    return np.array([dec.binomial_rate(k, n, **kw).outcome for k in range(n + 1)])


#: Rounding of a sum of a few hundred binomial probabilities (each ~1e-16 relative).
PMF_SUM_TOL = 1e-12


def _exact_rate(table: np.ndarray, outcome: str, n: int, p: float) -> float:
    """Exact probability of ``outcome`` when X ~ Binomial(n, p) (up to PMF_SUM_TOL)."""
    return float(stats.binom.pmf(np.arange(n + 1), n, p)[table == outcome].sum())


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_binomial_test_size_and_power(alternative):
    """Exact test: size <= alpha, power at p0 +- delta >= 0.99 (exactly and by simulation)."""
    rng = np.random.default_rng([SEED, 301, ["two-sided", "less", "greater"].index(alternative)])
    n, p0, alpha = 200, 0.3, 0.05
    kw = dict(p0=p0, alpha=alpha, alternative=alternative)
    table = _outcome_table(n, **kw)
    delta = dec.binomial_rate(60, n, **kw).delta
    assert _exact_rate(table, "fail", n, p0) <= alpha + PMF_SUM_TOL
    sim = rng.binomial(n, p0, size=N_NULL)
    _assert_rate_not_above(int(np.sum(table[sim] == "fail")), N_NULL, alpha)
    signs = {"two-sided": (1, -1), "less": (-1,), "greater": (1,)}[alternative]
    for s in signs:
        p1 = p0 + s * delta
        assert _exact_rate(table, "fail", n, p1) >= 0.99 - PMF_SUM_TOL
        sim = rng.binomial(n, p1, size=N_NULL)
        _assert_power(int(np.sum(table[sim] == "fail")), N_NULL)
    if alternative != "two-sided":  # delta is the smallest such deviation
        assert _exact_rate(table, "fail", n, p0 + signs[0] * (delta - 1e-9)) < 0.99


def test_binomial_delta_from_exact_tails():
    """delta is confirmed by scipy.stats.binom tails and differs from the normal approximation."""
    n, p0, alpha = 1000, 0.05, 1e-6
    d = dec.binomial_rate(50, n, p0, alpha=alpha, alternative="greater")
    k_hi = next(k for k in range(n + 1)
                if stats.binomtest(k, n, p0, alternative="greater").pvalue < alpha)
    assert stats.binom.sf(k_hi - 1, n, p0 + d.delta) >= 0.99
    assert stats.binom.sf(k_hi - 1, n, p0 + d.delta - 1e-9) < 0.99
    normal = (stats.norm.isf(alpha) + stats.norm.isf(0.01)) * math.sqrt(p0 * (1 - p0) / n)
    assert abs(d.delta - normal) > 1e-3


@pytest.mark.parametrize("edge", [1.0, -1.0])
def test_binomial_margin_edge_and_power(edge):
    """With a margin: at an edge P(pass) <= alpha and P(fail) <= alpha; delta beyond it fails."""
    rng = np.random.default_rng([SEED, 302, int(edge > 0)])
    n, p0, margin, alpha = 500, 0.9, 0.03, 0.05
    kw = dict(p0=p0, alpha=alpha, margin=margin)
    table = _outcome_table(n, **kw)
    p_edge = p0 + edge * margin
    assert _exact_rate(table, "pass", n, p_edge) <= alpha + PMF_SUM_TOL
    assert _exact_rate(table, "fail", n, p_edge) <= alpha + PMF_SUM_TOL
    assert _exact_rate(table, "fail", n, p0) <= alpha + PMF_SUM_TOL
    sim = rng.binomial(n, p_edge, size=N_NULL)
    _assert_rate_not_above(int(np.sum(table[sim] == "pass")), N_NULL, alpha)
    _assert_rate_not_above(int(np.sum(table[sim] == "fail")), N_NULL, alpha)
    delta = dec.binomial_rate(450, n, **kw).delta
    p1 = p_edge + edge * delta
    assert _exact_rate(table, "fail", n, p1) >= 0.99 - PMF_SUM_TOL
    sim = rng.binomial(n, p1, size=N_NULL)
    _assert_power(int(np.sum(table[sim] == "fail")), N_NULL)


def test_binomial_margin_ci_is_clopper_pearson_and_rule():
    """The margin rule uses the CP interval at level 1 - 2 alpha; rule text names it."""
    d = dec.binomial_rate(9500, 10_000, 0.95, alpha=1e-6, margin=0.01)
    ci = stats.binomtest(9500, 10_000).proportion_ci(1 - 2e-6, method="exact")
    assert d.ci == pytest.approx((ci.low, ci.high))
    assert d.outcome == "inconclusive" and d.margin == 0.01 and d.kind == "binomial"
    assert d.rule.startswith("Clopper-Pearson CI [") and "straddles [0.94, 0.96]" in d.rule
    t = dec.binomial_rate(190, 200, 0.95, alpha=1e-6)
    assert t.rule.startswith("p-value 1 >= alpha 1e-06") and t.outcome == "pass"
    assert t.delta == math.inf  # 200 trials cannot detect any upward deviation from 0.95
    assert dec.binomial_rate(0, 10, 0.0, alpha=0.05, alternative="less").delta is None


# ------------------------------------------------------------------------------------------
# dkw_kolmogorov
# ------------------------------------------------------------------------------------------

N_DKW, R_DKW = 5000, 200


def _shifted_uniform_cdf(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0)


def test_kolmogorov_distance_matches_scipy_and_vectorises():
    """D equals scipy.stats.kstest's statistic, also with ties, and vectorises over samples."""
    rng = np.random.default_rng([SEED, 401])
    x = rng.standard_normal((20, 57))
    x[:, :10] = np.round(x[:, :10], 1)
    d = dec.kolmogorov_distance(x, stats.norm.cdf)
    ref = [stats.kstest(row, "norm").statistic for row in x]
    np.testing.assert_allclose(d, ref, rtol=0, atol=1e-15)
    assert dec.kolmogorov_distance(x[0], stats.norm.cdf) == pytest.approx(ref[0], abs=1e-15)


def test_dkw_calibrated_under_null():
    """The DKW rule fails a true law with probability <= alpha."""
    rng = np.random.default_rng([SEED, 402])
    u = rng.random((N_DKW, R_DKW))
    ds = [dec.dkw_kolmogorov(row, _shifted_uniform_cdf, alpha=0.05) for row in u]
    _assert_rate_not_above(_count(ds, "fail"), N_DKW, 0.05)


def test_dkw_power_at_delta():
    """A law at Kolmogorov distance delta from F fails with probability >= 0.99."""
    rng = np.random.default_rng([SEED, 403])
    alpha = 0.05
    delta = dec.dkw_kolmogorov(rng.random(R_DKW), _shifted_uniform_cdf, alpha=alpha).delta
    u = rng.random((N_DKW, R_DKW)) + delta  # Uniform(delta, 1 + delta): distance delta
    ds = [dec.dkw_kolmogorov(row, _shifted_uniform_cdf, alpha=alpha) for row in u]
    _assert_power(_count(ds, "fail"), N_DKW)


def test_dkw_margin_edge_inside_and_power():
    """With a margin: at distance m P(pass) <= alpha; at 0 P(fail) <= alpha; m + delta fails."""
    rng = np.random.default_rng([SEED, 404])
    alpha, m = 0.05, 0.1
    base = rng.random((N_DKW, R_DKW))
    edge = [dec.dkw_kolmogorov(row + m, _shifted_uniform_cdf, alpha=alpha, margin=m)
            for row in base]
    _assert_rate_not_above(_count(edge, "pass"), N_DKW, alpha)
    inside = [dec.dkw_kolmogorov(row, _shifted_uniform_cdf, alpha=alpha, margin=m)
              for row in base]
    _assert_rate_not_above(_count(inside, "fail"), N_DKW, alpha)
    delta = inside[0].delta
    far = [dec.dkw_kolmogorov(row + m + delta, _shifted_uniform_cdf, alpha=alpha, margin=m)
           for row in rng.random((N_DKW, R_DKW))]
    _assert_power(_count(far, "fail"), N_DKW)


def test_dkw_fields_and_rule():
    """eps, delta and the CI follow the documented formulas; the rule text states D and eps."""
    x = np.linspace(0.005, 0.995, 100)
    d = dec.dkw_kolmogorov(x, _shifted_uniform_cdf, alpha=1e-6)
    eps = math.sqrt(math.log(2 / 1e-6) / 200)
    assert d.delta == pytest.approx(eps + math.sqrt(math.log(200) / 200))
    assert d.ci == pytest.approx((0.0, d.estimate + eps))
    assert d.rule == f"D = {d.estimate:.3g} <= eps {eps:.3g} (DKW, R = 100)"
    assert d.outcome == "pass" and d.target == 0.0 and d.n_reps == 100
    m = dec.dkw_kolmogorov(x, _shifted_uniform_cdf, alpha=1e-6, margin=0.2)
    assert m.outcome == "inconclusive" and m.margin == 0.2 and "<= margin 0.2 <" in m.rule


# ------------------------------------------------------------------------------------------
# slope and slope_below
# ------------------------------------------------------------------------------------------

N_SLOPE = 10_000
X_LOG = np.log(100.0 * 2.0 ** np.arange(6))


def _slope_data(rng, b: float, sigma) -> np.ndarray:
    """N_SLOPE datasets y = 0.3 + b log n + sigma * noise."""
    return 0.3 + b * X_LOG + sigma * rng.standard_normal((N_SLOPE, X_LOG.size))


def _true_se(sigma) -> float:
    """Exact SD of the (weighted) least-squares slope for known per-point SDs."""
    w = 1.0 / np.broadcast_to(np.asarray(sigma, float), X_LOG.shape) ** 2
    xbar = np.sum(w * X_LOG) / np.sum(w)
    return float(1.0 / math.sqrt(np.sum(w * (X_LOG - xbar) ** 2)))


@pytest.mark.parametrize("y_se,scale", [(None, "estimated"),
                                        ("hetero", "estimated"),
                                        ("hetero", "known")])
def test_slope_at_margin_edge(y_se, scale):
    """At the edge of the band P(fail) = alpha and P(pass) <= alpha (OLS, WLS, known scale)."""
    rng = np.random.default_rng([SEED, 501, 0 if y_se is None else 1, int(scale == "known")])
    alpha, target, margin = 0.05, -0.5, 0.1
    sig = 0.05 if y_se is None else 0.02 * np.exp(0.3 * np.arange(6))
    ys = _slope_data(rng, target + margin, sig)
    se_arg = None if y_se is None else sig
    ds = [dec.slope(X_LOG, y, target=target, margin=margin, alpha=alpha, y_se=se_arg,
                    scale=scale) for y in ys]
    _assert_rate(_count(ds, "fail"), N_SLOPE, alpha)
    _assert_rate_not_above(_count(ds, "pass"), N_SLOPE, alpha)


@pytest.mark.parametrize("scale", ["estimated", "known"])
def test_slope_power_beyond_margin(scale):
    """A slope delta beyond the margin (lambda * true SE) fails with probability >= 0.99."""
    rng = np.random.default_rng([SEED, 502, int(scale == "known")])
    alpha, target, margin, sigma = 0.05, -0.5, 0.1, 0.05
    y_se = np.full(X_LOG.size, sigma)
    probe = dec.slope(X_LOG, _slope_data(rng, target, sigma)[0], target=target, margin=margin,
                      alpha=alpha, y_se=y_se, scale=scale)
    lam = probe.delta / probe.mcse
    if scale == "known":
        assert lam == pytest.approx(stats.norm.isf(alpha) + stats.norm.isf(0.01))
    ys = _slope_data(rng, target - margin - lam * _true_se(sigma), sigma)
    ds = [dec.slope(X_LOG, y, target=target, margin=margin, alpha=alpha, y_se=y_se,
                    scale=scale) for y in ys]
    _assert_power(_count(ds, "fail"), N_SLOPE)


def test_slope_below_calibration_and_power():
    """At slope = bound P(fail) = P(pass) = alpha; at bound + delta it fails w.p. >= 0.99."""
    rng = np.random.default_rng([SEED, 503])
    alpha, sigma = 0.05, 0.05
    ds = [dec.slope_below(X_LOG, y, bound=0.0, alpha=alpha)
          for y in _slope_data(rng, 0.0, sigma)]
    _assert_rate(_count(ds, "fail"), N_SLOPE, alpha)
    _assert_rate(_count(ds, "pass"), N_SLOPE, alpha)
    lam = ds[0].delta / ds[0].mcse
    ds = [dec.slope_below(X_LOG, y, bound=0.0, alpha=alpha)
          for y in _slope_data(rng, lam * _true_se(sigma), sigma)]
    _assert_power(_count(ds, "fail"), N_SLOPE)


def test_t_power_multiplier_is_exact_noncentral_t():
    """lambda solves P(nct > t_crit) = 0.99; t_{1-a} + t_{0.99} is too small at a = 1e-6."""
    for df, alpha in [(3, 1e-6), (4, 0.05), (30, 0.01)]:
        lam = dec.t_power_multiplier(alpha, float(df))
        crit = stats.t.isf(alpha, df)
        assert stats.nct.sf(crit, df, lam) == pytest.approx(0.99, abs=1e-8)
    # in the suite's regime (few points, alpha = 1e-6) t_{1-a} + t_{0.99} is far too small
    assert dec.t_power_multiplier(1e-6, 3.0) > 1.5 * (stats.t.isf(1e-6, 3) + stats.t.isf(0.01, 3))
    assert dec.t_power_multiplier(1e-6, math.inf) == \
        pytest.approx(stats.norm.isf(1e-6) + stats.norm.isf(0.01))


def test_slope_matches_statsmodels_wls():
    """Slope and SE agree with statsmodels OLS/WLS."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng([SEED, 504])
    y_se = 0.01 * (1 + rng.random(X_LOG.size))
    y = 1.0 - 0.7 * X_LOG + y_se * rng.standard_normal(X_LOG.size)
    fit = sm.WLS(y, sm.add_constant(X_LOG), weights=1 / y_se ** 2).fit()
    d = dec.slope(X_LOG, y, target=-0.7, margin=0.5, alpha=1e-6, y_se=y_se)
    assert d.estimate == pytest.approx(fit.params[1], rel=1e-10)
    assert d.mcse == pytest.approx(fit.bse[1], rel=1e-10)
    ols = sm.OLS(y, sm.add_constant(X_LOG)).fit()
    d0 = dec.slope(X_LOG, y, target=-0.7, margin=0.5, alpha=1e-6)
    assert d0.estimate == pytest.approx(ols.params[1], rel=1e-10)
    assert d0.mcse == pytest.approx(ols.bse[1], rel=1e-10)
    known = dec.slope(X_LOG, y, target=-0.7, margin=0.5, alpha=1e-6, y_se=y_se, scale="known")
    assert known.mcse == pytest.approx(fit.bse[1] / math.sqrt(fit.scale), rel=1e-10)


def test_slope_rule_texts():
    """Rule texts state the CI, the band or bound, and the verdict."""
    y = -0.5 * X_LOG
    d = dec.slope(X_LOG, y + 1e-3 * np.array([1, -1, 1, -1, 1, -1]), target=-0.5, margin=0.1,
                  alpha=1e-6)
    assert d.outcome == "pass" and d.rule.startswith("slope CI [")
    assert "df 4) inside [-0.6, -0.4]" in d.rule and d.margin == 0.1 and d.n_reps == 6
    up = dec.slope_below(X_LOG, 0.2 * X_LOG + 1e-3 * np.array([1, -1, 1, -1, 1, -1]),
                         bound=0.0, alpha=1e-6)
    assert up.outcome == "fail" and up.rule.startswith("CI lower ") and ">= bound 0" in up.rule
    down = dec.slope_below(X_LOG, y + 1e-3 * np.array([1, -1, 1, -1, 1, -1]), bound=0.0,
                           alpha=1e-6)
    assert down.outcome == "pass" and down.rule.startswith("CI upper ")


# ------------------------------------------------------------------------------------------
# input validation
# ------------------------------------------------------------------------------------------

_U = _shifted_uniform_cdf


@pytest.mark.parametrize("call,match", [
    (lambda: dec.eps_tolerance(np.int64), "`dtype` must be a floating-point dtype"),
    (lambda: dec.eps_tolerance(np.float64, condition=0.5), "`condition` must be >= 1"),
    (lambda: dec.eps_tolerance(np.float64, ops=0), "`ops` must be an integer >= 1"),
    (lambda: dec.exact_close([1.0], [1.0], rtol=-1.0), "`rtol` must be non-negative"),
    (lambda: dec.exact_close([1.0], [1.0], rtol=1.0, atol=math.nan), "`atol` must be a finite"),
    (lambda: dec.exact_close([1.0, 2.0], [1.0, 2.0, 3.0], rtol=1.0), "`actual` and `expected`"),
    (lambda: dec.exact_close([], [], rtol=1.0), "`actual` must be non-empty"),
    (lambda: dec.exact_close([1.0], [1.0], rtol=1.0, n_inputs=0), "`n_inputs` must be"),
    (lambda: dec.z_test(math.nan, 1.0, 0.0, alpha=0.05, n_reps=10), "`estimate` must be a finite"),
    (lambda: dec.z_test(0.0, -1.0, 0.0, alpha=0.05, n_reps=10), "`mcse` must be non-negative"),
    (lambda: dec.z_test(0.0, 1.0, math.inf, alpha=0.05, n_reps=10), "`target` must be a finite"),
    (lambda: dec.z_test(0.0, 1.0, 0.0, alpha=1.0, n_reps=10), r"`alpha` must lie in \(0, 1\)"),
    (lambda: dec.z_test(0.0, 1.0, 0.0, alpha=0.0, n_reps=10), "`alpha` must lie in"),
    (lambda: dec.z_test(0.0, 1.0, 0.0, alpha=0.05, n_reps=0), "`n_reps` must be an integer"),
    (lambda: dec.z_test(0.0, 1.0, 0.0, alpha=0.05, n_reps=10, required_delta=0.0),
     "`required_delta` must be positive"),
    (lambda: dec.equivalence(0.0, 1.0, 0.0, 0.0, alpha=0.05, n_reps=10),
     "`margin` must be positive"),
    (lambda: dec.equivalence(0.0, 1.0, 0.0, 1.0, alpha=0.6, n_reps=10),
     r"`alpha` must lie in \(0, 0.5\)"),
    (lambda: dec.binomial_rate(1, 0, 0.5, alpha=0.05), "`trials` must be an integer >= 1"),
    (lambda: dec.binomial_rate(11, 10, 0.5, alpha=0.05), "`successes` must be an integer"),
    (lambda: dec.binomial_rate(-1, 10, 0.5, alpha=0.05), "`successes` must be an integer"),
    (lambda: dec.binomial_rate(1, 10, 1.5, alpha=0.05), r"`p0` must lie in \[0, 1\]"),
    (lambda: dec.binomial_rate(1, 10, 0.5, alpha=0.05, alternative="two"), "`alternative`"),
    (lambda: dec.binomial_rate(1, 10, 0.5, alpha=0.05, alternative="less", margin=0.1),
     "`alternative` must be 'two-sided' when `margin`"),
    (lambda: dec.binomial_rate(1, 10, 0.5, alpha=0.05, margin=-0.1), "`margin` must be positive"),
    (lambda: dec.dkw_kolmogorov([], _U, alpha=0.05), "`sample` must be a non-empty"),
    (lambda: dec.dkw_kolmogorov([0.1, math.nan], _U, alpha=0.05), "`sample` must contain only"),
    (lambda: dec.dkw_kolmogorov([0.1], _U, alpha=2.0), "`alpha` must lie in"),
    (lambda: dec.dkw_kolmogorov([0.1], lambda x: 2 * x + 1, alpha=0.05), "`cdf` must return"),
    (lambda: dec.dkw_kolmogorov([0.1], _U, alpha=0.05, margin=0.0), "`margin` must be positive"),
    (lambda: dec.slope([1.0, 2.0], [1.0, 2.0], target=0.0, margin=1.0, alpha=0.05),
     "`x` must hold at least 3 points"),
    (lambda: dec.slope([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], target=0.0, margin=1.0, alpha=0.05),
     "`x` must not be constant"),
    (lambda: dec.slope([1.0, 2.0, 3.0], [1.0, 2.0], target=0.0, margin=1.0, alpha=0.05),
     "`x` and `y` must be 1-D arrays of the same length"),
    (lambda: dec.slope([1.0, 2.0, 3.0], [1.0, math.inf, 3.0], target=0.0, margin=1.0,
                       alpha=0.05), "`x` and `y` must contain only finite"),
    (lambda: dec.slope([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], target=0.0, margin=1.0, alpha=0.05,
                       y_se=[1.0, 0.0, 1.0]), "`y_se` must be positive"),
    (lambda: dec.slope([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], target=0.0, margin=1.0, alpha=0.05,
                       scale="known"), "`y_se` must be given"),
    (lambda: dec.slope_below([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], bound=math.nan, alpha=0.05),
     "`bound` must be a finite"),
])
def test_validation_messages(call, match):
    """Invalid inputs raise ValueError naming the parameter in backticks."""
    with pytest.raises(ValueError, match=match):
        call()


def test_brent_resolution_bounds_scipys_bounded_minimiser():
    """scipy's bounded Brent lands within brent_resolution of the exact minimiser."""
    from scipy import optimize

    rng = np.random.default_rng([20261121, 77])
    for x_star, curv in zip(rng.uniform(-5, 5, 50), 10 ** rng.uniform(-2, 3, 50)):
        f = lambda x: 0.5 * curv * (x - x_star) ** 2 + 1.0  # noqa: E731
        res = optimize.minimize_scalar(f, bounds=(-10, 10), method="bounded",
                                       options={"xatol": 1e-10})
        tol = dec.brent_resolution(x_star, 4 * np.finfo(float).eps, curv, xatol=1e-10)
        assert abs(res.x - x_star) <= tol


def test_brent_resolution_formula_and_sides():
    """Bracket 4(√eps|x| + xatol/3) plus `sides` flatness radii sqrt(2 e / f'')."""
    eps = np.finfo(float).eps
    got = dec.brent_resolution([0.5, 2.0], 1e-12, [4.0, 1.0], xatol=3e-9, sides=1)
    want = max(4 * (np.sqrt(eps) * x + 1e-9) + np.sqrt(2e-12 / c)
               for x, c in [(0.5, 4.0), (2.0, 1.0)])
    assert got == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("kwargs, match", [
    (dict(x_star=np.nan), "`x_star`"), (dict(f_rounding=0.0), "`f_rounding`"),
    (dict(curvature=-1.0), "`curvature`"), (dict(xatol=-1.0), "`xatol`"),
    (dict(sides=0), "`sides`"),
])
def test_brent_resolution_rejects_bad_input(kwargs, match):
    """Non-finite minimisers, non-positive rounding/curvature and bad xatol/sides are rejected."""
    args = dict(x_star=1.0, f_rounding=1e-15, curvature=1.0, xatol=1e-10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        dec.brent_resolution(**args)
