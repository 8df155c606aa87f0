"""Tests of :mod:`simulations.models`: densities, derivatives, Fisher informations and MLEs.

Every fast vectorised routine is compared with a slow, obviously correct reference: scipy's
log-densities, finite differences, quadrature or exact sums for the Fisher information,
``scipy.stats.gamma.fit``, an exhaustive grid search and ``scipy.stats.cauchy.fit`` for the
Cauchy location, statsmodels ``Logit`` for logistic regression. Tolerances are stated where
they are used, with their reason.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import integrate, optimize, special, stats

from simulations import models as M

EPS = float(np.finfo(np.float64).eps)
SEED = 20261121

MODELS = {
    "bernoulli": M.Bernoulli(p=0.3),
    "poisson": M.Poisson(lam=3.0),
    "exponential": M.Exponential(rate=2.0),
    "normal": M.Normal(mu=1.0, sigma2=4.0),
    "gamma": M.Gamma(shape=2.0, rate=1.5),
    "cauchy": M.CauchyLocation(loc=0.5, scale=2.0),
    "logistic": M.LogisticRegression(beta=(-0.5, 1.0)),
}


def _rng(label: int) -> np.random.Generator:
    return np.random.default_rng([SEED, label])


def _scipy_logpdf(name: str, model, data) -> np.ndarray:
    """Reference log-densities from scipy.stats."""
    if name == "bernoulli":
        return stats.bernoulli.logpmf(data, model.p)
    if name == "poisson":
        return stats.poisson.logpmf(data, model.lam)
    if name == "exponential":
        return stats.expon.logpdf(data, scale=1 / model.rate)
    if name == "normal":
        return stats.norm.logpdf(data, model.mu, math.sqrt(model.sigma2))
    if name == "gamma":
        return stats.gamma.logpdf(data, model.shape, scale=1 / model.rate)
    if name == "cauchy":
        return stats.cauchy.logpdf(data, model.loc, model.scale)
    X, y = data
    return stats.bernoulli.logpmf(y, special.expit(X @ np.array(model.beta)))


# ------------------------------------------------------------------------------ interface

@pytest.mark.parametrize("name", MODELS)
def test_models_satisfy_the_protocol_and_shapes(name):
    """Every model is a Model; draw, logpdf, score, hessian, information and mle have the
    documented shapes."""
    model = MODELS[name]
    assert isinstance(model, M.Model)
    p = len(model.param_names)
    data = model.draw(_rng(1), 3, 7)
    lead = (3, 7)
    assert model.logpdf(data).shape == lead
    assert model.score(data).shape == lead + (p,)
    assert model.hessian(data).shape == lead + (p, p)
    assert model.fisher_information().shape == (p, p)
    assert model.inverse_information().shape == (p, p)
    assert model.mle(data).shape == (3, p)
    assert model.theta.shape == (p,)


@pytest.mark.parametrize("name", MODELS)
def test_logpdf_matches_scipy(name):
    """logpdf equals scipy.stats' log-density to a few ulps of the terms that cancel."""
    model = MODELS[name]
    data = model.draw(_rng(2), 4, 50)
    ours = model.logpdf(data)
    ref = _scipy_logpdf(name, model, data)
    # Both sum a handful of terms of size up to ~|log x| + x·rate + lgamma: absolute error of
    # order 16 ulps of the largest term.
    scale = 1.0 + np.abs(ref) + np.abs(data[1] if isinstance(data, tuple) else data)
    np.testing.assert_array_less(np.abs(ours - ref), 64 * EPS * scale)


def _perturb(model, theta: np.ndarray, j: int, h: float) -> np.ndarray:
    t = theta.copy()
    t[j] += h
    return t


@pytest.mark.parametrize("name", MODELS)
def test_score_and_hessian_match_finite_differences(name):
    """score = d logpdf/dθ and hessian = d score/dθ by central differences."""
    model = MODELS[name]
    theta = model.theta.astype(float)
    data = model.draw(_rng(3), 2, 20)
    s = model.score(data)
    H = model.hessian(data)
    for j in range(theta.size):
        # Central differences with h = eps^(1/3)(1 + |θ_j|): truncation O(h²) and rounding
        # O(eps/h), both ≈ 5e-11 times the derivative scale; 1e-6 leaves room for third
        # derivatives up to ~1e4 times that scale.
        h = EPS ** (1 / 3) * (1 + abs(theta[j]))
        up, down = _perturb(model, theta, j, h), _perturb(model, theta, j, -h)
        fd_s = (model.logpdf(data, up) - model.logpdf(data, down)) / (2 * h)
        np.testing.assert_allclose(s[..., j], fd_s, rtol=1e-6, atol=1e-6)
        fd_h = (model.score(data, up) - model.score(data, down)) / (2 * h)
        np.testing.assert_allclose(H[..., :, j], fd_h, rtol=1e-6, atol=1e-6)


def _expect(name: str, model, fn) -> np.ndarray:
    """E[fn(x)] under the true model, by exact sums or adaptive quadrature."""
    if name == "bernoulli":
        x = np.array([[0.0, 1.0]])
        w = np.array([1 - model.p, model.p])
        return np.einsum("k,k...->...", w, fn(x)[0])
    if name == "poisson":
        k = np.arange(0, 200.0)[None, :]
        return np.einsum("k,k...->...", stats.poisson.pmf(k[0], model.lam), fn(k)[0])
    if name == "logistic":
        def integrand(z, a, b, c):
            x = np.array([[[1.0, z], [1.0, z]]])
            y = np.array([[0.0, 1.0]])
            vals = fn((x, y))[0]
            pr = special.expit(model.beta[0] + model.beta[1] * z)
            return stats.norm.pdf(z) * ((1 - pr) * vals[0] + pr * vals[1])[b, c]
        p = 2
        out = np.empty((p, p))
        for b in range(p):
            for c in range(p):
                out[b, c] = integrate.quad(integrand, -np.inf, np.inf, args=(0, b, c),
                                           epsabs=1e-13, epsrel=1e-12, limit=200)[0]
        return out
    dist = {"exponential": lambda: stats.expon(scale=1 / model.rate),
            "normal": lambda: stats.norm(model.mu, math.sqrt(model.sigma2)),
            "gamma": lambda: stats.gamma(model.shape, scale=1 / model.rate),
            "cauchy": lambda: stats.cauchy(model.loc, model.scale)}[name]()
    p = len(model.param_names)
    out = np.empty((p, p))
    lo, hi = dist.support()
    for b in range(p):
        for c in range(p):
            out[b, c] = integrate.quad(lambda x: dist.pdf(x) * fn(np.array([[x]]))[0, 0, b, c],
                                       lo, hi, epsabs=1e-13, epsrel=1e-12, limit=400)[0]
    return out


@pytest.mark.parametrize("name", MODELS)
def test_mean_score_is_the_mean_of_the_scores(name):
    """mean_score (from sufficient statistics where a model has them) equals the mean of the
    per-observation scores, at the true θ and at per-replication θ away from it."""
    model = MODELS[name]
    data = model.draw(_rng(4), 5, 30)
    theta = np.broadcast_to(model.theta * 1.25, (5, model.theta.size))
    for t in (None, theta):
        got, want = model.mean_score(data, t), model.score(data, t).mean(axis=-2)
        assert got.shape == (5, model.theta.size)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name", MODELS)
def test_fisher_information_equals_both_expectations(name):
    """I(θ) = E[s sᵀ] = −E[∂²ℓ], by exact sums (discrete) or quadrature (continuous)."""
    model = MODELS[name]
    info = model.fisher_information()

    def outer(d):
        s = model.score(d)
        return s[..., :, None] * s[..., None, :]

    def neg_hess(d):
        return -model.hessian(d)

    # Quadrature is asked for 1e-12 relative accuracy; Gauss-Hermite (logistic) with 160
    # nodes is exact to ~1e-15 for this analytic integrand: 1e-9 covers both with margin.
    np.testing.assert_allclose(_expect(name, model, outer), info, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_expect(name, model, neg_hess), info, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_inverse_information_is_the_matrix_inverse(name):
    """inverse_information(θ) · fisher_information(θ) = identity, also for batched θ."""
    model = MODELS[name]
    thetas = np.stack([model.theta, model.theta * 1.5 + (model.theta == 0)])
    prod = model.inverse_information(thetas) @ model.fisher_information(thetas)
    # 2x2 inverses of matrices with condition number < 1e3 here: error < 1e3 * eps * 8.
    np.testing.assert_allclose(prod, np.broadcast_to(np.eye(len(model.theta)), prod.shape),
                               atol=1e4 * EPS)


@pytest.mark.parametrize("name", MODELS)
def test_mle_solves_the_score_equation(name):
    """Σ score(θ̂) = 0 at the MLE of every replication (to rounding of n terms)."""
    model = MODELS[name]
    data = model.draw(_rng(4), 64, 200)
    est = model.mle(data)
    total = model.score(data, est).sum(axis=-2)
    # Each score term is O(|s|) with relative error O(eps); the sum of n = 200 terms, and the
    # estimate itself is converged to O(tol²) for the iterative MLEs.
    s_scale = np.abs(model.score(data, est)).sum(axis=-2)
    np.testing.assert_array_less(np.abs(total), 1e-9 * (1 + s_scale))


@pytest.mark.parametrize("name", MODELS)
def test_mle_is_batch_invariant(name):
    """A replication's MLE does not depend on the batch it is computed in."""
    model = MODELS[name]
    data = model.draw(_rng(5), 40, 30)
    whole = model.mle(data)
    if isinstance(data, tuple):
        rows = [model.mle((data[0][i:i + 1], data[1][i:i + 1])) for i in range(40)]
    else:
        rows = [model.mle(data[i:i + 1]) for i in range(40)]
    np.testing.assert_allclose(whole, np.concatenate(rows), rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------ Gamma

@pytest.mark.parametrize("shape", [0.3, 1.0, 5.0, 50.0])
@pytest.mark.parametrize("n", [5, 50, 500])
def test_gamma_mle_matches_scipy_fit(shape, n):
    """Gamma (shape, rate) MLE equals scipy.stats.gamma.fit(x, floc=0) on 20 data sets."""
    rng = _rng(int(10 * shape) + n)
    x = rng.gamma(shape, 1 / 1.7, size=(20, n))
    ours = M.Gamma(shape=shape, rate=1.7).mle(x)
    ref = np.array([stats.gamma.fit(row, floc=0) for row in x])
    # scipy solves the same equation log a − ψ(a) = s by root finding to ~1e-12 relative; the
    # shape's condition number in s is |s / (a(1/a − ψ'(a)))| ≤ ~2 here: 1e-8 is generous.
    np.testing.assert_allclose(ours[:, 0], ref[:, 0], rtol=1e-8)
    np.testing.assert_allclose(ours[:, 1], 1 / ref[:, 2], rtol=1e-8)


def test_gamma_shape_solver_hits_the_root():
    """gamma_shape_mle solves log a − ψ(a) = s over 12 decades of s, against mpmath."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    s = np.logspace(-6, 6, 25)
    a = M.gamma_shape_mle(s)
    ref = np.array([float(mpmath.findroot(lambda t, v=v: mpmath.log(t) - mpmath.digamma(t)
                                          - mpmath.mpf(v), mpmath.mpf(a0)))
                    for v, a0 in zip(s, a)])
    # f(a) = log a − ψ(a) is evaluated to ~2e-15 relative (series for a >= 16); the root's
    # condition number |f / (a f')| is between 1/2 and 1, so a is right to ~1e-14 relative.
    np.testing.assert_allclose(a, ref, rtol=1e-13)


def test_gamma_shape_solver_rejects_constant_data():
    """Constant rows (s = 0) have no MLE and give NaN, other rows are unaffected."""
    out = M.Gamma().mle(np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]))
    assert np.all(np.isnan(out[0])) and np.all(np.isfinite(out[1]))


# ------------------------------------------------------------------------------ Cauchy

def _cauchy_global(x: np.ndarray) -> tuple[float, float]:
    """Global maximiser of the Cauchy(θ, 1) log-likelihood: dense grid, then bounded Brent."""
    def nll(t):
        return np.log1p((x - t) ** 2).sum()
    grid = np.linspace(x.min(), x.max(), 20001)
    vals = np.log1p((x[None, :] - grid[:, None]) ** 2).sum(axis=1)
    i = int(np.argmin(vals))
    step = grid[1] - grid[0]
    res = optimize.minimize_scalar(nll, bounds=(grid[i] - step, grid[i] + step),
                                   method="bounded", options={"xatol": 1e-12})
    return float(res.x), -float(res.fun)


def _cauchy_ll(x: np.ndarray, t: float) -> float:
    return -float(np.log1p((x - t) ** 2).sum())


def test_cauchy_mle_finds_the_global_maximum_on_small_samples():
    """On 300 small samples (n = 3..15), where multimodality is common, the MLE is the global
    maximiser found by exhaustive grid search."""
    rng = _rng(6)
    model = M.CauchyLocation(loc=0.0)
    multimodal = 0
    for n in range(3, 16):
        x = rng.standard_cauchy((23, n))
        ours = model.mle(x)[:, 0]
        for row, t in zip(x, ours):
            t_ref, ll_ref = _cauchy_global(row)
            roots = np.diff(np.sign(np.diff(np.log1p((row[None, :] - np.linspace(
                row.min(), row.max(), 4001)[:, None]) ** 2).sum(1)))) > 0
            multimodal += int(roots.sum() > 1)
            # Likelihoods agree to rounding (~n·eps·|ℓ|); where the global maximum is unique,
            # so do the maximisers (Brent xatol 1e-12, Newton error O(tol²)).
            assert _cauchy_ll(row, t) >= ll_ref - 1e-9 * (1 + abs(ll_ref))
            assert abs(t - t_ref) <= 1e-6 * (1 + abs(t_ref))
    assert multimodal > 10  # the test exercises multimodal likelihoods


@pytest.mark.parametrize("x", [
    [-2.74, -2.4, -1.55, 1.63, 4.46, 8.0, 13.11],
    [-7.55, -1.73, -1.26, -0.49, 5.27, 5.38, 7.38, 11.23],
    [-7.24, -6.92, -3.77, -0.16, 0.74, 1.59, 4.14, 4.72, 4.94, 6.31],
])
def test_cauchy_quartile_starts_escape_the_median_basin(x):
    """Samples whose median lies in the basin of a lower local maximum: Newton from the median
    alone stops there, the quartile starts reach the global maximum."""
    x = np.array([x])
    med = np.median(x, axis=-1)[:, None]
    t_med, ll_med, ok = M._cauchy_newton_block(x, med, tol=1e-8, max_iter=100)
    t_ref, ll_ref = _cauchy_global(x[0])
    assert ok.all() and ll_med[0, 0] < ll_ref - 1e-3  # the median's basin is a worse maximum
    t = M.CauchyLocation(loc=0.0).mle(x)[0, 0]
    assert abs(t - t_ref) <= 1e-6 * (1 + abs(t_ref))


def test_cauchy_mle_matches_scipy_fit_where_scipy_finds_the_global_maximum():
    """Against scipy.stats.cauchy.fit(x, fscale=1): never a lower likelihood; equal estimates
    whenever scipy's likelihood is as high."""
    rng = _rng(7)
    model = M.CauchyLocation(loc=1.0)
    x = model.draw(rng, 30, 40)
    ours = model.mle(x)[:, 0]
    agree = 0
    for row, t in zip(x, ours):
        loc, _ = stats.cauchy.fit(row, fscale=1.0)
        ll_ours, ll_scipy = _cauchy_ll(row, t), _cauchy_ll(row, loc)
        assert ll_ours >= ll_scipy - 1e-9 * (1 + abs(ll_scipy))
        if ll_scipy >= ll_ours - 1e-9 * (1 + abs(ll_ours)):
            # scipy's Nelder-Mead stops at xtol 1e-4 on the location.
            assert abs(t - loc) <= 1e-3
            agree += 1
    assert agree >= 25


@pytest.mark.parametrize("n", [7, 200, 2000])
def test_cauchy_mle_does_not_depend_on_the_block_size(monkeypatch, n):
    """Rows are fitted in blocks for speed only: one row per block, a few rows per block and
    everything in one block give the same estimates, bit for bit."""
    model = M.CauchyLocation(loc=0.5, scale=2.0)
    x = model.draw(_rng(15), 40, n)
    results = []
    for elements in (1, 3 * n * 7, 10 ** 9):
        monkeypatch.setattr(M, "_BLOCK_ELEMENTS", elements)
        results.append(model.mle(x))
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


def test_cauchy_mle_respects_the_known_scale():
    """With scale γ the MLE of x equals γ times the MLE of x/γ."""
    x = _rng(8).standard_cauchy((10, 25)) * 3.0 + 2.0
    a = M.CauchyLocation(loc=2.0, scale=3.0).mle(x)
    b = 3.0 * M.CauchyLocation(loc=0.0).mle(x / 3.0)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------ logistic

def test_logistic_mle_matches_statsmodels_logit():
    """Batched IRLS equals statsmodels Logit (Newton, tol 1e-12) on 20 data sets."""
    model = M.LogisticRegression(beta=(0.3, -1.2))
    X, y = model.draw(_rng(9), 20, 150)
    ours = model.mle((X, y))
    for i in range(20):
        ref = sm.Logit(y[i], X[i]).fit(method="newton", tol=1e-12, disp=0).params
        # Both are Newton iterations converged to O(1e-16) in β; the conditioning of XᵀWX
        # (< 1e2 here) magnifies rounding to ~1e-14.
        np.testing.assert_allclose(ours[i], ref, rtol=1e-9, atol=1e-10)


def test_logistic_mle_is_the_shared_batched_fit():
    """LogisticRegression.fit is classification.fit_logistic; mle is its coefficients."""
    from simulations.classification import fit_logistic
    model = M.LogisticRegression()
    X, y = model.draw(_rng(10), 50, 80)
    ours, shared = model.fit((X, y)), fit_logistic(X, y)
    # Same kernel on the same float64 data: the same floating-point operations.
    np.testing.assert_array_equal(ours.coef, shared.coef)
    np.testing.assert_array_equal(ours.converged, shared.converged)
    np.testing.assert_array_equal(model.mle((X, y)), shared.coef)


@pytest.mark.parametrize("theta_shape", [(2,), (6, 2), (6, 1, 2)])
def test_logistic_linear_predictor_is_the_row_sum_bit_for_bit(theta_shape):
    """Xθ column by column equals (X * θ).sum(axis=-1) exactly, broadcasting θ as it did."""
    X, _ = M.LogisticRegression().draw(_rng(13), 6, 40)
    theta = _rng(14).normal(size=theta_shape)
    expected = (X * theta[..., None, :]).sum(axis=-1)
    got = M.LogisticRegression._eta(X, theta)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_logistic_mle_is_nan_under_separation_and_counted():
    """Separated data have no MLE: that row is NaN in mle, flagged and counted by fit."""
    z = np.linspace(-2, 2, 10)
    X = np.stack([np.ones(10), z], axis=-1)
    y_sep = (z > 0).astype(float)
    y_ok = np.array([0, 1, 0, 0, 1, 0, 1, 1, 0, 1], dtype=float)
    data = (np.stack([X, X]), np.stack([y_sep, y_ok]))
    model = M.LogisticRegression()
    out = model.mle(data)
    assert np.all(np.isnan(out[0])) and np.all(np.isfinite(out[1]))
    fit = model.fit(data)
    assert fit.converged.tolist() == [False, True] and fit.n_failed == 1
    assert np.all(np.isfinite(fit.coef))  # the last iterate is kept, only flagged


@pytest.mark.parametrize("name", MODELS)
def test_sample_mle_equals_mle_of_the_same_draws(name):
    """sample_mle (no re-validation of the model's own draws) gives mle(draw) exactly."""
    model = MODELS[name]
    fast = model.sample_mle(_rng(14), 64, 50)
    slow = model.mle(model.draw(_rng(14), 64, 50))
    assert fast.shape == (64, len(model.param_names))
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("name", MODELS)
def test_mle_leaves_the_callers_data_untouched(name):
    """Only sample_mle may work in its draws' buffer (the normal model forms its deviations
    there); mle of a caller's array never writes to it."""
    model = MODELS[name]
    data = model.draw(_rng(17), 8, 30)
    parts = data if isinstance(data, tuple) else (data,)   # (X, y) for the regression
    kept = [p.copy() for p in parts]
    model.mle(data)
    for p, k in zip(parts, kept):
        np.testing.assert_array_equal(p, k)


@pytest.mark.parametrize("n", [65535, 65536, 70001])
def test_bernoulli_success_count_is_exact_at_every_accumulator_width(n):
    """The success count switches accumulators at 2**16 - 1: exact on both sides, also when
    (nearly) every trial succeeds and the count exceeds what 16 bits hold."""
    for p in (0.3, 1.0 - 1e-12):
        model = M.Bernoulli(p)
        fast = model.sample_mle(_rng(16), 2, n)
        np.testing.assert_array_equal(fast, model.mle(model.draw(_rng(16), 2, n)))
    assert np.all(np.round(fast * n) >= n - 1)


def test_unchecked_estimates_still_catch_non_finite_draws():
    """The O(rows) guard of the unchecked path: a row whose values overflow is not returned."""
    huge = M.Normal(mu=1e308, sigma2=1.0)  # valid parameters; the row sums overflow
    with pytest.raises(ValueError, match=r"^`data` must be finite .*row mean is not finite"):
        huge.sample_mle(_rng(15), 2, 10)


def test_logistic_fisher_information_by_quadrature():
    """The Gauss-Hermite information equals adaptive quadrature over z ~ N(0, 1)."""
    model = M.LogisticRegression(beta=(1.5, -2.5))
    info = model.fisher_information()
    for b, c in ((0, 0), (0, 1), (1, 1)):
        ref = integrate.quad(lambda z: stats.norm.pdf(z) * special.expit(1.5 - 2.5 * z)
                             * special.expit(-1.5 + 2.5 * z) * z ** (b + c),
                             -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)[0]
        assert abs(info[b, c] - ref) <= 1e-11


# ------------------------------------------------------------------------------ validation

@pytest.mark.parametrize("factory, message", [
    (lambda: M.Bernoulli(p=1.0), r"^`p` must lie in \(0, 1\), got 1\.0\.$"),
    (lambda: M.Bernoulli(p=0.0), r"^`p` must be positive, got 0\.0\.$"),
    (lambda: M.Poisson(lam=-1.0), r"^`lam` must be positive"),
    (lambda: M.Exponential(rate=float("nan")), r"^`rate` must be finite"),
    (lambda: M.Normal(sigma2=0.0), r"^`sigma2` must be positive"),
    (lambda: M.Normal(mu=float("inf")), r"^`mu` must be finite"),
    (lambda: M.Gamma(shape=-2.0), r"^`shape` must be positive"),
    (lambda: M.Gamma(rate=0.0), r"^`rate` must be positive"),
    (lambda: M.CauchyLocation(scale=0.0), r"^`scale` must be positive"),
    (lambda: M.LogisticRegression(beta=(1.0, 2.0, 3.0)), r"^`beta` must hold 2 coefficients"),
])
def test_invalid_parameters_are_rejected(factory, message):
    """Constructors reject parameters outside the parameter space, naming the parameter."""
    with pytest.raises(ValueError, match=message):
        factory()


@pytest.mark.parametrize("name, data, message", [
    ("bernoulli", [0.0, 2.0], r"^`data` must contain only 0 and 1"),
    ("poisson", [1.0, 2.5], r"^`data` must contain only non-negative integers"),
    ("poisson", [-1.0, 2.0], r"^`data` must contain only non-negative integers"),
    ("exponential", [1.0, 0.0], r"^`data` must be positive"),
    ("gamma", [1.0, -1.0], r"^`data` must be positive"),
    ("normal", [1.0, np.nan], r"^`data` must be finite"),
    ("cauchy", [], r"^`data` must not be empty"),
    ("cauchy", 3.0, r"^`data` must have at least 1 dimension"),
])
def test_invalid_data_is_rejected(name, data, message):
    """mle/logpdf reject data outside the support, non-finite or empty, naming `data`."""
    model = MODELS[name]
    with pytest.raises(ValueError, match=message):
        model.mle(data)
    with pytest.raises(ValueError, match=message):
        model.logpdf(data)
    with pytest.raises(ValueError, match=message):
        model.mean_score(data)


def test_invalid_theta_and_draw_arguments_are_rejected():
    """theta of the wrong width or outside the space, bad rng, size and n are named."""
    normal = M.Normal()
    with pytest.raises(ValueError, match=r"^`theta` must have last dimension 2"):
        normal.score([1.0, 2.0], theta=[1.0])
    with pytest.raises(ValueError, match=r"^`theta` must have a positive variance"):
        normal.fisher_information([0.0, -1.0])
    with pytest.raises(ValueError, match=r"^`theta` must lie in \(0, 1\)"):
        M.Bernoulli().fisher_information([1.0])
    assert M.Bernoulli().inverse_information([1.0])[0, 0] == 0.0  # closed interval
    with pytest.raises(ValueError, match=r"^`rng` must be a numpy.random.Generator"):
        normal.draw(np.random.RandomState(0), 2, 3)
    with pytest.raises(ValueError, match=r"^`size` must be a positive integer"):
        normal.draw(_rng(11), 0, 3)
    with pytest.raises(ValueError, match=r"^`n` must be a positive integer"):
        normal.draw(_rng(11), 2, 2.0)


def test_invalid_logistic_data_is_rejected():
    """Logistic data must be a pair (X, y) with y binary and shaped like X without its last
    axis."""
    model = M.LogisticRegression()
    X, y = model.draw(_rng(12), 2, 5)
    with pytest.raises(ValueError, match=r"^`data` must be a pair \(X, y\)"):
        model.mle(X)
    with pytest.raises(ValueError, match=r"^`y` must contain only 0 and 1"):
        model.mle((X, y + 2))
    with pytest.raises(ValueError, match=r"^`y` must have the shape of `X` without"):
        model.mle((X, y[:, :3]))
    with pytest.raises(ValueError, match=r"^`X` must be finite"):
        model.mle((np.full_like(X, np.nan), y))
    with pytest.raises(ValueError, match=r"^`tol` must be a real number in \(0, 1\)"):
        model.fit((X, y), tol=0.0)
    with pytest.raises(ValueError, match=r"^`max_iter` must be a positive integer"):
        model.fit((X, y), max_iter=0)
    with pytest.raises(ValueError, match=r"^`X` must have at least as many rows"):
        model.fit((X[:, :1], y[:, :1]))


def test_samplers_have_the_right_moments():
    """Draws have the model's mean within 5 standard errors (fixed seed, 2e5 draws each)."""
    rng = _rng(13)
    for name, model in MODELS.items():
        data = model.draw(rng, 200, 1000)
        if name == "logistic":
            X, y = data
            est = model.mle((X.reshape(1, -1, 2), y.reshape(1, -1)))[0]
            se = np.sqrt(np.diagonal(model.inverse_information()) / y.size)
            assert np.all(np.abs(est - model.theta) <= 5 * se)
            continue
        if name == "cauchy":
            med = np.median(data)
            # Median of 2e5 Cauchy draws: SE = π γ / (2 √N).
            assert abs(med - model.loc) <= 5 * math.pi * model.scale / (2 * math.sqrt(data.size))
            continue
        mean = {"bernoulli": lambda: model.p, "poisson": lambda: model.lam,
                "exponential": lambda: 1 / model.rate, "normal": lambda: model.mu,
                "gamma": lambda: model.shape / model.rate}[name]()
        assert abs(data.mean() - mean) <= 5 * data.std() / math.sqrt(data.size)


def test_normal_sufficient_statistics_follow_the_raw_data_law():
    """(x̄, σ̂²) drawn from their exact law match the MLE of raw samples (two-sample KS, 4000
    each, fixed seeds) and have the exact means μ and (n−1)σ²/n."""
    model = M.Normal(mu=1.0, sigma2=4.0)
    n = 10
    xbar, s2hat = model.sample_sufficient(_rng(11), 4000, n)
    raw = model.mle(model.draw(_rng(12), 4000, n))
    for drawn, column in ((xbar, raw[:, 0]), (s2hat, raw[:, 1])):
        assert stats.ks_2samp(drawn, column).pvalue > 1e-4
    assert abs(xbar.mean() - 1.0) < 5 * math.sqrt(4.0 / n / 4000)
    assert abs(s2hat.mean() - 4.0 * (n - 1) / n) < 5 * 4.0 * math.sqrt(2 * (n - 1)) / n / math.sqrt(4000)


def test_normal_sufficient_statistics_reject_bad_arguments():
    model = M.Normal()
    with pytest.raises(ValueError, match=r"^`n` must be at least 2"):
        model.sample_sufficient(_rng(1), 3, 1)
    with pytest.raises(ValueError, match=r"^`size`"):
        model.sample_sufficient(_rng(1), 0, 5)


def test_normal_mean_score_from_sufficient_statistics():
    """From (x̄, σ̂²) of raw samples it equals mean_score of the samples; shapes are checked."""
    model = M.Normal(mu=1.0, sigma2=4.0)
    x = model.draw(_rng(13), 6, 25)
    xbar, s2hat = model.mle(x).T
    np.testing.assert_allclose(model.mean_score_sufficient(xbar, s2hat), model.mean_score(x),
                               rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match=r"^`xbar` and `s2hat` must have one shape"):
        model.mean_score_sufficient(xbar, s2hat[:3])
    with pytest.raises(ValueError, match=r"^`s2hat` must be finite"):
        model.mean_score_sufficient(xbar, np.full(6, np.nan))


def test_draws_in_place_equal_their_expressions_bit_for_bit():
    """Normal, Cauchy and logistic draws compute in place: the same numbers as the plain
    expressions on the same generator stream."""
    normal, cauchy = M.Normal(mu=1.5, sigma2=3.0), M.CauchyLocation(loc=-0.7, scale=2.5)
    logit = M.LogisticRegression(beta=(-0.5, 1.3))

    def rngs():
        return _rng(16), _rng(16)

    a, b = rngs()
    np.testing.assert_array_equal(normal.draw(a, 7, 33),
                                  1.5 + math.sqrt(3.0) * b.standard_normal((7, 33)))
    a, b = rngs()
    np.testing.assert_array_equal(cauchy.draw(a, 7, 33), -0.7 + 2.5 * b.standard_cauchy((7, 33)))
    a, b = rngs()
    X, y = logit.draw(a, 7, 33)
    z = b.standard_normal((7, 33))
    expected = (b.random((7, 33)) < special.expit(-0.5 + 1.3 * z)).astype(float)
    np.testing.assert_array_equal(X[..., 1], z)
    np.testing.assert_array_equal(y, expected)
    assert y.dtype == np.float64
