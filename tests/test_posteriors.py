"""Tests of :mod:`simulations.posteriors` against independent oracles.

Oracles: numerical Bayes (quadrature of likelihood x prior), ``scipy.stats`` densities, and
Gaussian conditioning of the joint law of (parameter, data) -- a formula that shares no code
with the conjugate updates. Tolerances: closed form vs closed form ``C * cond * eps``; quadrature
``epsrel = 1e-12`` requested, so ``1e-9`` relative leaves three orders for the integrand's
rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

from simulations import penalised
from simulations import posteriors as Q

EPS = float(np.finfo(np.float64).eps)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


# --------------------------------------------------------------------------- Beta--Bernoulli


@pytest.mark.parametrize("k,n,a,b", [(7, 10, 1.0, 1.0), (0, 5, 2.0, 3.0), (30, 40, 0.5, 4.0),
                                     (3, 3, 2.5, 1.5)])
def test_beta_posterior_is_normalised_likelihood_times_prior(k, n, a, b):
    """Beta(a+k, b+n−k) equals p^k(1−p)^(n−k)·Beta(p; a, b) normalised by quadrature."""
    unnorm = lambda p: p ** k * (1 - p) ** (n - k) * stats.beta(a, b).pdf(p)
    z, _ = integrate.quad(unnorm, 0, 1, epsabs=0, epsrel=1e-12, limit=200)
    post = Q.beta_bernoulli_posterior(k, n, a, b)
    grid = np.linspace(0.05, 0.95, 9)
    np.testing.assert_allclose(post.frozen().pdf(grid), unnorm(grid) / z, rtol=1e-9)
    assert np.log(z) == pytest.approx(Q.beta_bernoulli_log_evidence(k, n, a, b), rel=1e-9)


def test_beta_map_mean_and_mle_closed_forms():
    """MAP (k+a−1)/(n+a+b−2), mean (k+a)/(n+a+b), MLE k/n, vectorised over cases."""
    k, n = np.array([0, 3, 7]), np.array([4, 10, 10])
    a, b = np.array([2.0, 1.5, 3.0]), np.array([2.0, 5.0, 1.5])
    np.testing.assert_allclose(Q.beta_bernoulli_map(k, n, a, b), (k + a - 1) / (n + a + b - 2),
                               rtol=4 * EPS)
    post = Q.beta_bernoulli_posterior(k, n, a, b)
    np.testing.assert_allclose(post.mean, stats.beta(a + k, b + n - k).mean(), rtol=4 * EPS)
    np.testing.assert_array_equal(Q.bernoulli_mle(k, n), k / n)
    np.testing.assert_array_equal(Q.beta_bernoulli_map(k, n, 1.0, 1.0), k / n)


@pytest.mark.parametrize("ap,bp", [(2.0, 5.0), (30.5, 4.2), (1.01, 1.5)])
def test_beta_mode_is_scipy_density_argmax(ap, bp):
    """The interior mode equals the numerical argmax of scipy.stats.beta.logpdf."""
    res = optimize.minimize_scalar(lambda p: -stats.beta(ap, bp).logpdf(p), bounds=(0, 1),
                                   method="bounded", options={"xatol": 1e-12})
    assert Q.BetaPosterior(ap, bp).mode == pytest.approx(res.x, abs=1e-7)


def test_beta_mode_on_the_boundary():
    """a' < 1 or a' = 1 puts the mode at 0; b' <= 1 at 1 (monotone posterior density)."""
    assert Q.BetaPosterior(0.5, 3.0).mode == 0.0
    assert Q.BetaPosterior(1.0, 3.0).mode == 0.0
    assert Q.BetaPosterior(3.0, 0.5).mode == 1.0
    assert Q.BetaPosterior(3.0, 1.0).mode == 1.0
    assert Q.beta_bernoulli_map(0, 5, 1.0, 2.0) == 0.0


def test_beta_neg_log_posterior_differs_from_scipy_by_the_evidence(rng):
    """NLL − log prior + log Beta(p; a', b') is the constant −log evidence in p."""
    k, n, a, b = 13, 40, 2.5, 1.7
    p = rng.uniform(0.01, 0.99, size=20)
    total = Q.beta_bernoulli_neg_log_posterior(p, k, n, a, b) \
        + stats.beta(a + k, b + n - k).logpdf(p)
    np.testing.assert_allclose(total, -Q.beta_bernoulli_log_evidence(k, n, a, b), rtol=1e-13)
    expected = -(stats.binom.logpmf(k, n, p) - np.log(special.comb(n, k))) \
        - stats.beta(a, b).logpdf(p)
    np.testing.assert_allclose(Q.beta_bernoulli_neg_log_posterior(p, k, n, a, b), expected,
                               rtol=1e-12)


def test_beta_neg_log_posterior_is_infinite_off_the_support():
    """A density that vanishes at p = 0 gives +inf, not NaN."""
    assert Q.beta_bernoulli_neg_log_posterior(0.0, 3, 5, 2.0, 2.0) == np.inf


@pytest.mark.parametrize("call,match", [
    (lambda: Q.beta_bernoulli_posterior(6, 5), r"^`k` must not exceed `n`\.$"),
    (lambda: Q.beta_bernoulli_posterior(1, 0), r"^`n` must hold integers >= 1\.$"),
    (lambda: Q.beta_bernoulli_posterior(1.5, 4), r"^`k` must hold non-negative integers\.$"),
    (lambda: Q.beta_bernoulli_posterior(1, 4, a=0.0), r"^`a` must be positive"),
    (lambda: Q.beta_bernoulli_posterior(1, 4, b=-1.0), r"^`b` must be positive"),
    (lambda: Q.beta_bernoulli_posterior(1, 4, a=np.nan), r"^`a` must be finite"),
    (lambda: Q.beta_bernoulli_posterior([1, 2], [3, 4, 5]), r"^`k` and `n` must broadcast"),
    (lambda: Q.BetaPosterior(0.5, 0.8).mode, r"^`a` and `b` give a posterior .* not unique"),
    (lambda: Q.beta_bernoulli_neg_log_posterior(1.5, 1, 2), r"^`p` must lie in \[0, 1\]\.$"),
])
def test_beta_validation_messages(call, match):
    """Bad counts, priors and probabilities raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- Normal--Normal


def test_normal_posterior_equals_gaussian_conditioning(rng):
    """m_n, s_n equal E[μ|x], sd(μ|x) from conditioning the joint normal of (μ, x)."""
    n, sigma, m0, s0 = 12, 1.3, -0.4, 0.8
    x = rng.normal(0.5, sigma, size=n)
    cov_x = sigma ** 2 * np.eye(n) + s0 ** 2 * np.ones((n, n))
    gain = s0 ** 2 * np.linalg.solve(cov_x, np.ones(n))
    mean = m0 + gain @ (x - m0)
    var = s0 ** 2 - s0 ** 2 * gain.sum()
    post = Q.normal_normal_posterior(x, sigma, m0, s0)
    assert post.mean == pytest.approx(mean, rel=1e-12)
    assert post.sd == pytest.approx(np.sqrt(var), rel=1e-10)
    assert post.mode == post.mean
    assert Q.normal_normal_map(x, sigma, m0, s0) == post.mean


def test_normal_posterior_batches_along_axis(rng):
    """Independent data sets along the non-observation axis give one posterior each."""
    x = rng.normal(size=(7, 3))
    batched = Q.normal_normal_posterior(x, 1.0, 0.0, 2.0, axis=0)
    single = [Q.normal_normal_posterior(x[:, j], 1.0, 0.0, 2.0).mean for j in range(3)]
    np.testing.assert_allclose(batched.mean, single, rtol=4 * EPS)


def test_normal_neg_log_posterior_matches_scipy(rng):
    """−Σ log N(xᵢ; μ, σ²) − log N(μ; m0, s0²) from scipy.stats.norm, over a grid of μ."""
    x = rng.normal(size=15)
    mu = np.linspace(-1, 1, 5)
    expected = -stats.norm.logpdf(x[None, :], mu[:, None], 1.5).sum(axis=1) \
        - stats.norm.logpdf(mu, 0.3, 0.7)
    np.testing.assert_allclose(Q.normal_normal_neg_log_posterior(mu, x, 1.5, 0.3, 0.7),
                               expected, rtol=1e-13)


@pytest.mark.parametrize("call,match", [
    (lambda: Q.normal_normal_posterior([1.0, 2.0], 0.0, 0.0, 1.0), r"^`sigma` must be positive"),
    (lambda: Q.normal_normal_posterior([1.0, 2.0], 1.0, 0.0, -1.0),
     r"^`prior_sd` must be positive"),
    (lambda: Q.normal_normal_posterior([1.0, np.nan], 1.0, 0.0, 1.0), r"^`x` must be finite"),
    (lambda: Q.normal_normal_posterior([], 1.0, 0.0, 1.0), r"^`x` must not be empty"),
    (lambda: Q.normal_normal_neg_log_posterior(0.0, [[1.0]], 1.0, 0.0, 1.0),
     r"^`x` must have 1 dimension"),
])
def test_normal_validation_messages(call, match):
    """Bad scales and data raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- linear model


def test_linear_posterior_equals_gaussian_conditioning(rng):
    """E[w|y] = τ²X'(τ²XX' + σ²I)⁻¹y and its covariance, from the joint normal of (w, y)."""
    n, p, sigma, tau = 8, 3, 0.9, 1.4
    X = rng.normal(size=(n, p))
    y = rng.normal(size=n)
    k = tau ** 2 * X @ X.T + sigma ** 2 * np.eye(n)
    mean = tau ** 2 * X.T @ np.linalg.solve(k, y)
    cov = tau ** 2 * np.eye(p) - tau ** 4 * X.T @ np.linalg.solve(k, X)
    post = Q.gaussian_linear_posterior(X, y, sigma, tau)
    np.testing.assert_allclose(post.mean, mean, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(post.cov, cov, rtol=1e-10, atol=1e-13)
    np.testing.assert_array_equal(post.mode, post.mean)


def test_linear_posterior_batches(rng):
    """A batch of designs gives the per-problem posteriors; a shared design is broadcast."""
    X = rng.normal(size=(4, 10, 2))
    y = rng.normal(size=(4, 10))
    post = Q.gaussian_linear_posterior(X, y, 1.0, 2.0)
    for i in range(4):
        np.testing.assert_allclose(post.mean[i], Q.gaussian_linear_posterior(X[i], y[i], 1.0,
                                                                             2.0).mean,
                                   rtol=1e-13)
    shared = Q.gaussian_linear_posterior(X[0], y, 1.0, 2.0)
    assert shared.mean.shape == (4, 2) and shared.cov.shape == (4, 2, 2)


@pytest.mark.parametrize("sigma,tau", [(1.0, 1.0), (2.0, 0.5), (0.3, 3.0)])
def test_gaussian_prior_gives_ridge_lambda(rng, sigma, tau):
    """2σ²(−log posterior) − [RSS + (σ²/τ²)‖w‖²] is constant in w: the MAP is ridge(σ²/τ²)."""
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    lam = Q.gaussian_prior_ridge_lambda(sigma, tau)
    assert lam == pytest.approx(sigma ** 2 / tau ** 2, rel=EPS)
    diff = np.array([2 * sigma ** 2 * Q.gaussian_prior_neg_log_posterior(w, X, y, sigma, tau)
                     - penalised.ridge_objective(w, X, y, lam) for w in rng.normal(size=(6, 3))])
    np.testing.assert_allclose(diff, diff[0], rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(penalised.ridge(X, y, lam).coef,
                               Q.gaussian_linear_posterior(X, y, sigma, tau).mean, rtol=1e-12)


@pytest.mark.parametrize("sigma,b", [(1.0, 1.0), (2.0, 0.1), (0.5, 3.0)])
def test_laplace_prior_gives_lasso_lambda(rng, sigma, b):
    """2σ²(−log posterior) − [RSS + (2σ²/b)‖w‖₁] is constant in w: the MAP is lasso(2σ²/b)."""
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    lam = Q.laplace_prior_lasso_lambda(sigma, b)
    assert lam == pytest.approx(2 * sigma ** 2 / b, rel=EPS)
    diff = np.array([2 * sigma ** 2 * Q.laplace_prior_neg_log_posterior(w, X, y, sigma, b)
                     - penalised.lasso_objective(w, X, y, lam) for w in rng.normal(size=(6, 3))])
    np.testing.assert_allclose(diff, diff[0], rtol=1e-12, atol=1e-11)


def test_linear_neg_log_posteriors_match_scipy(rng):
    """−log p(y|w) − log p(w) equals the scipy.stats.norm / laplace log densities."""
    X, y, w = rng.normal(size=(9, 2)), rng.normal(size=9), rng.normal(size=2)
    nll = -stats.norm.logpdf(y, X @ w, 1.2).sum()
    assert Q.gaussian_prior_neg_log_posterior(w, X, y, 1.2, 0.7) == pytest.approx(
        nll - stats.norm.logpdf(w, 0, 0.7).sum(), rel=1e-13)
    assert Q.laplace_prior_neg_log_posterior(w, X, y, 1.2, 0.7) == pytest.approx(
        nll - stats.laplace.logpdf(w, 0, 0.7).sum(), rel=1e-13)


def test_gradients_match_finite_differences(rng):
    """The analytic gradients agree with central differences (error O(h²) ≈ 1e-8 relative)."""
    X, y = rng.normal(size=(15, 3)), rng.normal(size=15)
    w = rng.normal(size=3)
    f = lambda v: Q.gaussian_prior_neg_log_posterior(v, X, y, 1.1, 0.8)
    num = optimize.approx_fprime(w, f, 1e-6)
    np.testing.assert_allclose(Q.gaussian_prior_neg_log_posterior_grad(w, X, y, 1.1, 0.8), num,
                               rtol=1e-5, atol=1e-6)
    g = Q.linear_gaussian_nll_grad(w, X, y, 1.1)
    np.testing.assert_allclose(g, X.T @ (X @ w - y) / 1.1 ** 2, rtol=1e-13)


@pytest.mark.parametrize("call,match", [
    (lambda: Q.gaussian_prior_ridge_lambda(0.0, 1.0), r"^`sigma` must be positive"),
    (lambda: Q.gaussian_prior_ridge_lambda(1.0, -1.0), r"^`tau` must be positive"),
    (lambda: Q.laplace_prior_lasso_lambda(1.0, 0.0), r"^`b` must be positive"),
    (lambda: Q.gaussian_linear_posterior(np.ones((3, 2)), np.ones(4), 1.0, 1.0),
     r"^`y` must have as many observations"),
    (lambda: Q.gaussian_linear_posterior(np.ones(3), np.ones(3), 1.0, 1.0),
     r"^`X` must have at least 2 dimension"),
    (lambda: Q.gaussian_prior_neg_log_posterior(np.ones(3), np.ones((4, 2)), np.ones(4), 1.0,
                                                1.0), r"^`coef` must have 2 entries"),
    (lambda: Q.linear_gaussian_nll_grad(np.ones(3), np.ones((4, 2)), np.ones(4), 1.0),
     r"^`coef` must have 2 entries"),
])
def test_linear_validation_messages(call, match):
    """Bad scales, shapes and coefficients raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()
