"""Tests of :mod:`simulations.regression`: batched least squares, LAD and the Gaussian and
Laplace likelihood maximisers, each checked against an independent oracle on the same data
(:mod:`simulations.reference_fits`: statsmodels OLS and QuantReg, scipy BFGS, HiGHS linprog)
to the oracle's stated tolerance, plus input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from simulations import reference_fits as ref
from simulations import regression as R
from claimkit.decisions import eps_tolerance


def _design(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    """Intercept plus ``p - 1`` standard-normal columns."""
    return np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])


# ------------------------------------------------------------------------- least squares


@pytest.mark.parametrize("n,p", [(5, 1), (30, 2), (200, 4), (1000, 6)])
def test_least_squares_matches_statsmodels_ols(n, p):
    """Batched QR least squares equals statsmodels OLS within the backward-error bound."""
    rng = np.random.default_rng(101)
    X = _design(rng, n, p)
    y = X @ rng.normal(size=p) + rng.normal(size=(6, n))
    fit = R.least_squares(X, y)
    for b in range(6):
        ols = sm.OLS(y[b], X).fit()
        bound = ref.least_squares_tolerance(X, y[b], ols.params)
        assert np.max(np.abs(fit.coef[b] - ols.params)) <= bound
        assert fit.loss[b] == pytest.approx(ols.ssr, rel=eps_tolerance(np.float64, ops=4 * n))
    assert fit.converged.all() and fit.n_failed == 0 and (fit.n_iter == 0).all()


def test_least_squares_batch_equals_loop_and_shared_design():
    """A batch of per-set designs, a shared design and one-at-a-time fits give the same result."""
    rng = np.random.default_rng(102)
    X = _design(rng, 40, 3)
    y = rng.normal(size=(4, 5, 40))
    shared = R.least_squares(X, y)
    stacked = R.least_squares(np.broadcast_to(X, (4, 5, 40, 3)), y)
    assert shared.coef.shape == (4, 5, 3) and shared.scale.shape == (4, 5)
    for i in range(4):
        for j in range(5):
            single = R.least_squares(X, y[i, j])
            bound = ref.least_squares_tolerance(X, y[i, j], single.coef)
            assert np.max(np.abs(shared.coef[i, j] - single.coef)) <= bound
            assert np.max(np.abs(stacked.coef[i, j] - single.coef)) <= bound


@pytest.mark.parametrize("n,p,sigma", [(30, 2, 0.5), (200, 4, 1.0), (1000, 6, 2.0)])
def test_gaussian_mle_matches_numerical_maximisation(n, p, sigma):
    """(β̂, σ̂) from the closed form equal scipy BFGS on the joint Gaussian likelihood."""
    rng = np.random.default_rng(103)
    X = _design(rng, n, p)
    y = X @ rng.normal(size=p) + sigma * rng.normal(size=(4, n))
    fit = R.gaussian_mle(X, y)
    for b in range(4):
        num = ref.gaussian_mle_bfgs(X, y[b])
        assert num.error_bound < 1e-6  # BFGS got close enough for the comparison to mean much
        assert np.max(np.abs(num.coef - fit.coef[b])) <= num.error_bound
        assert abs(num.scale - fit.scale[b]) <= num.error_bound


def test_gaussian_mle_scale_divides_by_n_not_n_minus_p():
    """σ̂² = RSS/n exactly; the unbiased RSS/(n − p) is a different number."""
    rng = np.random.default_rng(104)
    X = _design(rng, 12, 3)
    y = X @ [1.0, -2.0, 0.5] + rng.normal(size=12)
    fit = R.gaussian_mle(X, y)
    ols = sm.OLS(y, X).fit()
    tol = eps_tolerance(np.float64, ops=4 * 12)
    assert fit.scale ** 2 == pytest.approx(ols.ssr / 12, rel=tol)
    assert fit.scale ** 2 != pytest.approx(ols.ssr / 9, rel=1e-3)


def test_nll_at_mle_equals_likelihood_functions_and_scipy():
    """The reported NLLs equal the NLL functions and sums of scipy.stats log-densities."""
    rng = np.random.default_rng(105)
    X = _design(rng, 50, 3)
    y = X @ [0.5, 1.0, -1.0] + rng.laplace(size=(3, 50))
    g, lap = R.gaussian_mle(X, y), R.laplace_mle(X, y)
    tol = eps_tolerance(np.float64, condition=10.0, ops=4 * 50)
    assert np.allclose(g.nll, R.gaussian_regression_nll(X, y, g.coef, g.scale), rtol=tol, atol=0)
    assert np.allclose(lap.nll, R.laplace_regression_nll(X, y, lap.coef, lap.scale), rtol=tol,
                       atol=0)
    for b in range(3):
        f_g = X @ g.coef[b]
        f_l = X @ lap.coef[b]
        assert g.nll[b] == pytest.approx(-stats.norm.logpdf(y[b], f_g, g.scale[b]).sum(), rel=tol)
        assert lap.nll[b] == pytest.approx(-stats.laplace.logpdf(y[b], f_l, lap.scale[b]).sum(),
                                           rel=tol)


# ------------------------------------------------------------------------- LAD / Laplace


@pytest.mark.parametrize("n,p", [(3, 3), (21, 1), (51, 2), (101, 3), (400, 5)])
def test_lad_matches_linear_programme(n, p):
    """Batched LAD equals the HiGHS linear-programming solution of the L1 problem."""
    rng = np.random.default_rng(106)
    X = rng.normal(size=(5, n, p))
    X[..., 0] = 1.0
    y = np.einsum("bij,j->bi", X, rng.normal(size=p)) + rng.laplace(size=(5, n))
    fit = R.lad(X, y)
    assert fit.converged.all()
    for b in range(5):
        lp = ref.lad_linprog(X[b], y[b])
        assert np.max(np.abs(lp.coef - fit.coef[b])) <= ref.LP_ATOL


@pytest.mark.parametrize("n,p", [(21, 1), (101, 3), (400, 5)])
def test_lad_matches_statsmodels_quantreg(n, p):
    """LAD equals statsmodels QuantReg(q=0.5) within the bound set by its residual floor."""
    rng = np.random.default_rng(107)
    X = _design(rng, n, p)
    y = X @ rng.normal(size=p) + rng.laplace(size=(4, n))
    fit = R.lad(X, y)
    for b in range(4):
        qr = ref.quantreg_median(X, y[b])
        assert qr.converged
        assert np.max(np.abs(qr.coef - fit.coef[b])) <= ref.quantreg_tolerance(X, y[b],
                                                                                fit.coef[b])


def test_laplace_mle_matches_numerical_maximisation():
    """(β̂, b̂) equal the LP maximiser in β and the numerical maximiser in b."""
    rng = np.random.default_rng(108)
    X = _design(rng, 151, 4)
    y = X @ rng.normal(size=4) + 1.5 * rng.laplace(size=(4, 151))
    fit = R.laplace_mle(X, y)
    for b in range(4):
        num = ref.laplace_mle_numerical(X, y[b])
        assert np.max(np.abs(num.coef - fit.coef[b])) <= ref.LP_ATOL
        assert num.scale == pytest.approx(fit.scale[b], rel=ref.SCALAR_RTOL, abs=0)
        assert fit.scale[b] == pytest.approx(np.mean(np.abs(y[b] - X @ fit.coef[b])),
                                             rel=eps_tolerance(np.float64, ops=2 * 151))


@pytest.mark.parametrize("n", [1, 7, 401])
def test_lad_location_model_is_the_sample_median(n):
    """For odd n the LAD fit of the location model is exactly numpy's median."""
    rng = np.random.default_rng(109)
    y = rng.normal(size=(300, n))
    fit = R.lad(np.ones((n, 1)), y)
    assert fit.converged.all()
    assert np.array_equal(fit.coef[:, 0], np.median(y, axis=1))


def test_lad_location_model_even_n_is_a_middle_order_statistic():
    """For even n the fit is one of the two middle order statistics, a minimiser of SAD."""
    rng = np.random.default_rng(110)
    y = rng.normal(size=(200, 10))
    fit = R.lad(np.ones((10, 1)), y)
    s = np.sort(y, axis=1)
    assert np.all((fit.coef[:, 0] == s[:, 4]) | (fit.coef[:, 0] == s[:, 5]))
    sad_median = np.abs(y - np.median(y, axis=1, keepdims=True)).sum(axis=1)
    assert np.allclose(fit.loss, sad_median, rtol=eps_tolerance(np.float64, ops=40), atol=0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(2, 40), p=st.integers(1, 3),
       heavy=st.booleans())
def test_lad_property_agrees_with_linprog(seed, n, p, heavy):
    """On random small data (incl. heavy tails) LAD is certified and equals the LP optimum."""
    p = min(p, n)
    rng = np.random.default_rng(seed)
    X = _design(rng, n, p)
    noise = rng.standard_cauchy(n) if heavy else rng.normal(size=n)
    y = X @ rng.normal(size=p) + noise
    fit = R.lad(X, y)
    lp = ref.lad_linprog(X, y)
    assert fit.converged
    # Objective values (robust even in the rare case of a non-unique minimiser).
    sad_lp = np.abs(y - X @ lp.coef).sum()
    assert fit.loss <= sad_lp * (1 + eps_tolerance(np.float64, ops=4 * n)) + ref.LP_ATOL * n


def test_lad_flags_and_keeps_unconverged_fits():
    """With too few iterations allowed, uncertified fits are flagged and counted, not dropped."""
    rng = np.random.default_rng(111)
    X = _design(rng, 200, 4)
    y = X @ rng.normal(size=4) + rng.laplace(size=(50, 200))
    fit = R.lad(X, y, irls_steps=1, max_pivots=1)
    assert fit.coef.shape == (50, 4) and np.isfinite(fit.coef).all()
    assert fit.n_failed == np.count_nonzero(~fit.converged) > 0
    full = R.lad(X, y)
    assert full.n_failed == 0
    # the loss of every fit is at least the certified optimum
    assert np.all(fit.loss >= full.loss * (1 - eps_tolerance(np.float64, ops=800)))


def test_lad_batch_equals_loop():
    """The batched fit of each data set equals its own single fit bit for bit on the basis."""
    rng = np.random.default_rng(112)
    X = _design(rng, 60, 3)
    y = X @ [1.0, 2.0, -1.0] + rng.laplace(size=(8, 60))
    fit = R.lad(X, y)
    for b in range(8):
        single = R.lad(X, y[b])
        assert np.max(np.abs(single.coef - fit.coef[b])) <= ref.LP_ATOL
        assert single.n_iter <= 100


# ------------------------------------------------------------------------- validation


@pytest.mark.parametrize("fitter", [R.least_squares, R.gaussian_mle, R.lad, R.laplace_mle])
@pytest.mark.parametrize("X,y,message", [
    (np.ones(5), np.ones(5), r"^`X` must have at least 2 dimension\(s\)"),
    ([[1.0, np.nan], [1.0, 2.0]], [1.0, 2.0], r"^`X` must be finite"),
    (np.ones((3, 1)), [1.0, np.inf, 2.0], r"^`y` must be finite"),
    (np.ones((3, 1)), np.ones(4), r"^`y` must have as many observations"),
    (np.ones((2, 3)), np.ones(2), r"^`X` must have at least as many rows as columns"),
    (np.ones((2, 3, 1)), np.ones((4, 3)), r"^`X` and `y` must have broadcastable batch shapes"),
    (np.ones((4, 2)), np.arange(4.0), r"^`X` must have full column rank"),
    (np.ones((3, 1)), ["a", "b", "c"], r"^`y` must contain real numbers"),
])
def test_fitters_reject_invalid_input(fitter, X, y, message):
    """Every regression fitter names the offending parameter in backticks."""
    with pytest.raises(ValueError, match=message):
        fitter(X, y)


@pytest.mark.parametrize("kwargs,message", [
    ({"irls_steps": 0}, r"^`irls_steps` must be a positive integer"),
    ({"max_pivots": 2.5}, r"^`max_pivots` must be a positive integer"),
])
def test_lad_rejects_invalid_limits(kwargs, message):
    """Iteration limits must be positive integers."""
    with pytest.raises(ValueError, match=message):
        R.lad(np.ones((3, 1)), [1.0, 2.0, 3.0], **kwargs)


@pytest.mark.parametrize("nll", [R.gaussian_regression_nll, R.laplace_regression_nll])
def test_nll_functions_validate_parameters(nll):
    """Coefficients must match the design's columns; scales must be positive and broadcast."""
    X, y = np.ones((4, 2)), np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"^`coef` must have 2 entries along its last axis"):
        nll(X, y, np.zeros(3), 1.0)
    with pytest.raises(ValueError, match=r"^`scale` must be positive"):
        nll(X, y, np.zeros(2), 0.0)
    with pytest.raises(ValueError, match=r"^`scale` must broadcast to the shape of `y`"):
        nll(X, y, np.zeros(2), np.ones(5))
    assert nll(X, y, np.zeros(2), np.ones(3)).shape == (3,)


def test_gaussian_regression_nll_formula():
    """The Gaussian NLL is RSS/(2σ²) + (n/2) log(2πσ²) at arbitrary parameters."""
    rng = np.random.default_rng(113)
    X = _design(rng, 25, 2)
    y = rng.normal(size=25)
    coef, s = np.array([0.3, -0.2]), 1.7
    rss = np.sum((y - X @ coef) ** 2)
    expected = rss / (2 * s ** 2) + 12.5 * math.log(2 * math.pi * s ** 2)
    assert R.gaussian_regression_nll(X, y, coef, s) == pytest.approx(
        expected, rel=eps_tolerance(np.float64, ops=4 * 25))
