"""Tests of :mod:`simulations.nonregular`: the counter-examples compute what they claim.

Estimators are compared with direct, obviously correct formulas; stated laws with exact
results or with seeded Monte Carlo at 5 standard errors (false-alarm probability < 1e-6 per
assertion if the stated law is right).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from simulations import nonregular as NR

EPS = float(np.finfo(np.float64).eps)
SEED = 20261121


def _rng(label: int) -> np.random.Generator:
    return np.random.default_rng([SEED, label])


# ------------------------------------------------------------------------------ Neyman-Scott

def test_neyman_scott_mle_is_the_within_pair_variance():
    """σ̂² = (1/2n) ΣΣ (x_ij − x̄_i)², the joint MLE with a free mean per pair."""
    x = NR.NeymanScott(sigma2=2.0).draw(_rng(1), 5, 30)
    direct = ((x - x.mean(axis=-1, keepdims=True)) ** 2).sum(axis=(-1, -2)) / (2 * 30)
    np.testing.assert_allclose(NR.NeymanScott.mle(x), direct, rtol=64 * EPS)


def test_neyman_scott_converges_to_half_the_variance():
    """E σ̂² = σ²/2 and Var σ̂² = σ⁴/(2n): the estimator concentrates at the wrong value."""
    model = NR.NeymanScott(sigma2=3.0)
    n = 400
    est = model.mle(model.draw(_rng(2), 4000, n))
    assert model.limit == 1.5
    assert abs(est.mean() - model.limit) <= 5 * est.std(ddof=1) / math.sqrt(est.size)
    # Var of the sample variance of 4000 values: relative SE sqrt(2/R) for near-normal values.
    rel = est.var(ddof=1) / (model.sigma2 ** 2 / (2 * n)) - 1
    assert abs(rel) <= 5 * math.sqrt(2 / est.size)


def test_neyman_scott_rejects_bad_input():
    """Parameters and data are validated with the parameter named."""
    with pytest.raises(ValueError, match=r"^`sigma2` must be positive"):
        NR.NeymanScott(sigma2=0.0)
    with pytest.raises(ValueError, match=r"^`mean_scale` must be positive"):
        NR.NeymanScott(mean_scale=-1.0)
    with pytest.raises(ValueError, match=r"^`data` must hold pairs along its last axis"):
        NR.NeymanScott.mle(np.ones((2, 3, 3)))
    with pytest.raises(ValueError, match=r"^`n` must be a positive integer"):
        NR.NeymanScott().draw(_rng(3), 2, 0)


# ------------------------------------------------------------------------------ Cauchy mean

def test_cauchy_sample_mean_is_cauchy_for_every_n():
    """x̄ of n Cauchy(θ, 1) draws is Cauchy(θ, 1): its median |error| stays 1 as n grows."""
    rng = _rng(4)
    for n in (1, 10, 1000):
        m = NR.cauchy_sample_mean(2.0 + rng.standard_cauchy((8000, n)))
        # DKW at level 1e-6: sup|F_R − F| <= sqrt(log(2e6)/(2R)) = 0.030 for R = 8000.
        d = stats.kstest(m, stats.cauchy(loc=2.0).cdf).statistic
        assert d <= math.sqrt(math.log(2e6) / (2 * m.size))


# ------------------------------------------------------------------------------ Uniform

def test_uniform_mle_and_exact_law():
    """θ̂ = max x; P(n(θ − θ̂)/θ ≤ t) = 1 − (1 − t/n)ⁿ exactly, → 1 − e^(−t)."""
    model = NR.UniformScale(theta=2.0)
    x = model.draw(_rng(5), 6000, 50)
    est = model.mle(x)
    np.testing.assert_array_equal(est, x.max(axis=-1))
    scaled = 50 * (model.theta - est) / model.theta
    d = stats.kstest(scaled, lambda t: model.scaled_error_cdf(t, 50)).statistic
    assert d <= math.sqrt(math.log(2e6) / (2 * scaled.size))
    t = np.array([0.0, 0.5, 3.0, 50.0, 60.0])
    np.testing.assert_allclose(model.scaled_error_cdf(t, 50),
                               [0.0, 1 - (1 - 0.01) ** 50, 1 - (1 - 0.06) ** 50, 1.0, 1.0],
                               rtol=16 * EPS, atol=16 * EPS)
    np.testing.assert_allclose(model.limit_cdf(t), 1 - np.exp(-t), rtol=16 * EPS)
    assert model.naive_information == 0.25


def test_uniform_rejects_bad_input():
    """theta, data and n are validated."""
    with pytest.raises(ValueError, match=r"^`theta` must be positive"):
        NR.UniformScale(theta=-1.0)
    with pytest.raises(ValueError, match=r"^`data` must be non-negative"):
        NR.UniformScale.mle([[0.5, -0.1]])
    with pytest.raises(ValueError, match=r"^`n` must be a positive integer"):
        NR.UniformScale.scaled_error_cdf([1.0], 0)


# ------------------------------------------------------------------------------ boundary

def test_boundary_mle_and_limit_law():
    """μ̂ = max(x̄, 0); at μ = 0 half of μ̂ is 0 and √n μ̂ has CDF Φ on [0, ∞)."""
    model = NR.BoundaryNormal(mu=0.0)
    x = model.draw(_rng(6), 20000, 25)
    est = model.mle(x)
    np.testing.assert_array_equal(est, np.maximum(x.mean(axis=-1), 0.0))
    zero = np.mean(est == 0.0)
    assert abs(zero - 0.5) <= 5 * math.sqrt(0.25 / est.size)
    np.testing.assert_array_equal(model.limit_cdf([-1.0, -1e-300, 0.0, 1.0]),
                                  [0.0, 0.0, 0.5, special.ndtr(1.0)])
    assert model.wald_coverage_at_boundary() == pytest.approx(stats.norm.cdf(1.959963984540054),
                                                              rel=16 * EPS)


def test_boundary_rejects_a_negative_mean():
    """μ < 0 is outside the parameter space."""
    with pytest.raises(ValueError, match=r"^`mu` must be non-negative"):
        NR.BoundaryNormal(mu=-0.1)
    with pytest.raises(ValueError, match=r"^`level` must lie in \(0, 1\)"):
        NR.BoundaryNormal.wald_coverage_at_boundary(1.0)


# ------------------------------------------------------------------------------ efficiency

def test_median_relative_efficiency_limit():
    """n·Var(median) of normal samples approaches (π/2)σ² (R = 4000, n = 801)."""
    x = _rng(7).standard_normal((4000, 801))
    med = NR.sample_median(x)
    np.testing.assert_array_equal(med, np.median(x, axis=-1))
    ratio = 801 * med.var(ddof=1)
    # Relative SE of a sample variance is sqrt(2/R); the O(1/n) term is < 0.005.
    assert abs(ratio / NR.MEDIAN_EFFICIENCY_LIMIT - 1) <= 5 * math.sqrt(2 / 4000) + 0.005


@pytest.mark.parametrize("shape", [0.5, 2.0, 10.0])
def test_gamma_mom_asymptotic_variance_by_the_delta_method(shape):
    """2a(a+1) equals the delta-method variance of x̄²/m₂ from the Gamma central moments."""
    a, b = shape, 1.7
    m, mu2, mu3, mu4 = a / b, a / b ** 2, 2 * a / b ** 3, 3 * a * (a + 2) / b ** 4
    grad = np.array([2 * m / mu2, -m ** 2 / mu2 ** 2])
    cov = np.array([[mu2, mu3], [mu3, mu4 - mu2 ** 2]])
    assert grad @ cov @ grad == pytest.approx(NR.gamma_mom_shape_avar(a), rel=64 * EPS)
    mle_avar = a / (a * special.polygamma(1, a) - 1)
    assert NR.gamma_mom_shape_avar(a) > mle_avar  # MoM is less efficient for every shape


def test_gamma_mom_shape_formula_and_validation():
    """x̄²/mean((x − x̄)²) row by row; non-positive data and n < 2 are rejected."""
    x = _rng(8).gamma(2.0, 0.5, (6, 40))
    m = x.mean(axis=-1)
    np.testing.assert_allclose(NR.gamma_mom_shape(x), m ** 2 / x.var(axis=-1), rtol=64 * EPS)
    assert np.isnan(NR.gamma_mom_shape([[2.0, 2.0]]))[0]
    with pytest.raises(ValueError, match=r"^`data` must be positive"):
        NR.gamma_mom_shape([[1.0, 0.0]])
    with pytest.raises(ValueError, match=r"^`data` must hold at least 2 observations"):
        NR.gamma_mom_shape([[1.0]])
    with pytest.raises(ValueError, match=r"^`shape` must be positive"):
        NR.gamma_mom_shape_avar(0.0)


def test_hodges_estimator_definition_and_superefficiency():
    """Hodges: x̄ beyond n^(−1/4), a·x̄ inside; at θ = 0 n·Var → a² (here 1/4)."""
    x = np.array([[0.5, 0.5, 0.5, 0.5], [0.1, 0.1, 0.1, 0.1]])
    # n = 4: threshold 4^(−1/4) = 0.707.
    np.testing.assert_array_equal(NR.hodges(x + 0.5, a=0.5), [1.0, 0.3])
    np.testing.assert_array_equal(NR.hodges(x, a=0.5), [0.25, 0.05])
    z = _rng(9).standard_normal((20000, 400))
    ratio = 400 * NR.hodges(z, a=0.5).var(ddof=1)
    # P(|x̄| >= n^(−1/4)) = P(|Z| >= 4.47) < 1e-5 at n = 400: the law is (1/2)N(0, 1/n).
    assert abs(ratio / 0.25 - 1) <= 5 * math.sqrt(2 / 20000)
    assert NR.hodges_limit_variance(0.0) == 0.25
    assert NR.hodges_limit_variance(0.3) == 1.0
    with pytest.raises(ValueError, match=r"^`a` must lie in \[0, 1\)"):
        NR.hodges(x, a=1.0)
