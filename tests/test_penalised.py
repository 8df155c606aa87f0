"""Tests of :mod:`simulations.penalised` against statsmodels, scipy.optimize and closed forms.

Tolerances
----------
* statsmodels ridge (``_fit_ridge``: SVD) vs our normal equations: both backward stable up to
  ``cond(X'X + lam I) * eps``; we allow ``64 p cond eps max|w|``.
* Iterative solvers (BFGS, L-BFGS-B, coordinate descent, statsmodels CD, Newton): the accuracy
  certificate ``||w - w*|| <= ||g|| / mu`` of a ``mu``-strongly convex objective, with ``g`` a
  (minimal) subgradient at ``w`` (Nesterov 2004, Thm 2.1.10). Two solvers of the same problem
  agree within the sum of their certificates; we do not hand-pick decimals.
* Orthogonal designs make the lasso separable: ``w_j = S(x_j'y, lam/2) / ||x_j||^2`` exactly
  (Tibshirani 1996, §2.2), an oracle with no iteration at all.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, stats

from simulations import penalised as P
from simulations.regression import least_squares

EPS = float(np.finfo(np.float64).eps)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def _design(rng: np.random.Generator, n: int, p: int, rho: float = 0.5) -> np.ndarray:
    return np.sqrt(1 - rho) * rng.normal(size=(n, p)) + np.sqrt(rho) * rng.normal(size=(n, 1))


def _problem(rng, n=60, p=5, sparse=True):
    X = _design(rng, n, p)
    w = rng.normal(size=p) * (rng.random(p) < 0.5 if sparse else 1.0)
    return X, X @ w + rng.normal(size=n)


def _mu(X: np.ndarray) -> float:
    """Strong convexity 2 lambda_min(X'X) of RSS + penalty."""
    return 2.0 * float(np.linalg.eigvalsh(X.T @ X)[0])


# --------------------------------------------------------------------------- ridge


@pytest.mark.parametrize("lam", [0.5, 10.0, 300.0])
def test_ridge_matches_statsmodels_fit_regularized(rng, lam):
    """statsmodels fit_regularized(L1_wt=0, alpha=λ/n) minimises RSS/(2n) + α‖w‖²/2 = ridge(λ)."""
    X, y = _problem(rng)
    n, p = X.shape
    ours = P.ridge(X, y, lam).coef
    theirs = sm.OLS(y, X).fit_regularized(alpha=P.statsmodels_alpha(lam, n, "l2"), L1_wt=0.0).params
    kappa = np.linalg.cond(X.T @ X + lam * np.eye(p))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=64 * p * kappa * EPS * np.abs(ours).max())


@pytest.mark.parametrize("lam", [0.5, 30.0])
def test_ridge_matches_scipy_minimize(rng, lam):
    """BFGS on RSS + λ‖w‖² reaches the closed form within its gradient certificate."""
    X, y = _problem(rng)
    grad = lambda w: 2 * X.T @ (X @ w - y) + 2 * lam * w
    res = optimize.minimize(lambda w: float(P.ridge_objective(w, X, y, lam)), np.zeros(5),
                            jac=grad, method="BFGS", options={"gtol": 1e-9})
    bound = np.linalg.norm(grad(res.x)) / (_mu(X) + 2 * lam)
    assert np.linalg.norm(res.x - P.ridge(X, y, lam).coef) <= bound + 1e-14


def test_ridge_with_zero_penalty_is_least_squares(rng):
    """λ = 0 gives the least-squares MLE (QR solution of simulations.regression)."""
    X, y = _problem(rng)
    np.testing.assert_allclose(P.ridge(X, y, 0.0).coef, least_squares(X, y).coef, rtol=1e-11,
                               atol=1e-13)


def test_ridge_batches_shared_designs_and_penalty_arrays(rng):
    """Batched problems equal the per-problem fits; a shared X and an array of λ broadcast."""
    X = np.stack([_design(rng, 30, 3) for _ in range(4)])
    y = rng.normal(size=(4, 30))
    lam = np.array([0.1, 1.0, 10.0, 100.0])
    fit = P.ridge(X, y, lam)
    assert fit.coef.shape == (4, 3)
    for i in range(4):
        np.testing.assert_allclose(fit.coef[i], P.ridge(X[i], y[i], lam[i]).coef, rtol=1e-13)
    shared = P.ridge(X[0], y, 2.0).coef
    for i in range(4):
        # shared and per-problem paths use different BLAS calls: agreement to cond·eps·max|w|
        np.testing.assert_allclose(shared[i], P.ridge(X[0], y[i], 2.0).coef, rtol=0,
                                   atol=1e-13 * np.abs(shared[i]).max())
    assert isinstance(P.ridge(X[0], y[0], 2.0).lam, float)


def test_ridge_from_moments_and_from_mle(rng):
    """ridge(X, y) = ridge_from_moments(X'X, X'y) = (X'X + λI)⁻¹X'X ŵ_MLE."""
    X, y = _problem(rng)
    gram, xty = P.sufficient_statistics(X, y)
    np.testing.assert_allclose(gram, X.T @ X, rtol=1e-14)
    fit = P.ridge(X, y, 3.0).coef
    np.testing.assert_allclose(P.ridge_from_moments(gram, xty, 3.0).coef, fit, rtol=1e-13)
    w_mle = least_squares(X, y).coef
    np.testing.assert_allclose(P.ridge_from_mle(gram, w_mle, 3.0), fit, rtol=1e-11)


def test_ridge_objective_value(rng):
    """The objective is RSS + λ‖w‖² per problem."""
    X, y = _problem(rng)
    w = rng.normal(size=5)
    assert P.ridge_objective(w, X, y, 2.0) == pytest.approx(
        np.sum((y - X @ w) ** 2) + 2.0 * w @ w, rel=1e-14)


@pytest.mark.parametrize("call,match", [
    (lambda: P.ridge(np.ones((5, 2)), np.ones(5), -1.0), r"^`lam` must be non-negative"),
    (lambda: P.ridge(np.ones((5, 2)), np.ones(5), np.nan), r"^`lam` must be finite"),
    (lambda: P.ridge(np.ones((2, 5, 2)), np.ones((2, 5)), [1.0, 2.0, 3.0]),
     r"^`lam` must be a scalar or broadcast to the batch shape"),
    (lambda: P.ridge(np.ones(5), np.ones(5), 1.0), r"^`X` must have at least 2 dimension"),
    (lambda: P.ridge(np.ones((5, 2)), np.ones(4), 1.0), r"^`y` must have as many observations"),
    (lambda: P.ridge(np.ones((5, 2)), np.ones(5), 0.0), r"^`gram` \+ `lam` I must be non-singular"),
    (lambda: P.ridge_from_moments(np.ones((2, 3)), np.ones(2), 1.0), r"^`gram` must be square"),
    (lambda: P.ridge_from_moments([[1.0, 2.0], [0.0, 1.0]], np.ones(2), 1.0),
     r"^`gram` must be symmetric"),
    (lambda: P.ridge_from_moments(np.eye(2), np.ones(3), 1.0),
     r"^`xty` must have the shape of `gram` without its last axis"),
    (lambda: P.ridge_from_mle(np.eye(2), np.ones(3), 1.0), r"^`coef_mle` must have 2"),
])
def test_ridge_validation_messages(call, match):
    """Bad penalties, shapes and singular systems raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()


def test_draw_gaussian_moments_has_the_right_moments():
    """E[X'X] = nI, E[X'y] = nw and Var[(X'X)_jj] = 2n (chi-square), within 5 standard errors."""
    rng = np.random.default_rng(3)
    reps, n, w = 20_000, 30, np.array([1.0, -0.5, 2.0])
    gram, xty = P.draw_gaussian_moments(rng, reps, n, w, 1.5)
    assert gram.shape == (reps, 3, 3) and xty.shape == (reps, 3)
    np.testing.assert_allclose(gram, np.swapaxes(gram, -1, -2))
    se_g = np.sqrt(2 * n / reps)            # sd of a chi2_n diagonal entry / sqrt(R)
    assert np.all(np.abs(gram.mean(axis=0) - n * np.eye(3)) <= 5 * se_g)
    sd_c = np.sqrt(n * (w @ w + w ** 2 + 1.5 ** 2))   # Var((X'y)_j) = n(|w|^2 + w_j^2 + s^2)
    assert np.all(np.abs(xty.mean(axis=0) - n * w) <= 5 * sd_c / np.sqrt(reps))
    # relative SE of a sample variance: sqrt((kurtosis - 1) / R), kurtosis(chi2_n) = 3 + 12/n
    assert abs(gram[:, 0, 0].var() / (2 * n) - 1) <= 5 * np.sqrt((2 + 12 / n) / reps)


def test_draw_gaussian_moments_matches_raw_data_in_law():
    """‖ridge − OLS‖ from the moments and from raw (X, y) draws agree (two-sample KS, p > 1e-4)."""
    rng = np.random.default_rng(4)
    reps, n, w = 2_000, 25, np.array([1.0, -1.0, 0.5])
    gram, xty = P.draw_gaussian_moments(rng, reps, n, w, 1.0)
    d_mom = np.linalg.norm(P.ridge_from_moments(gram, xty, 2.0).coef
                           - P.ridge_from_moments(gram, xty, 0.0).coef, axis=-1)
    X = rng.normal(size=(reps, n, 3))
    y = X @ w + rng.normal(size=(reps, n))
    d_raw = np.linalg.norm(P.ridge(X, y, 2.0).coef - P.ridge(X, y, 0.0).coef, axis=-1)
    assert stats.ks_2samp(d_mom, d_raw).pvalue > 1e-4


@pytest.mark.parametrize("call,match", [
    (lambda: P.draw_gaussian_moments(None, 5, 10, [1.0], 1.0), r"^`rng` must be a numpy"),
    (lambda: P.draw_gaussian_moments(np.random.default_rng(0), 5, 1, [1.0, 2.0], 1.0),
     r"^`n` must be at least the number of coefficients 2"),
    (lambda: P.draw_gaussian_moments(np.random.default_rng(0), 0, 10, [1.0], 1.0),
     r"^`size` must be a positive integer"),
    (lambda: P.draw_gaussian_moments(np.random.default_rng(0), 5, 10, [1.0], 0.0),
     r"^`sigma` must be positive"),
])
def test_draw_gaussian_moments_validation_messages(call, match):
    """Bad generators, sizes and scales raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- lasso


def test_soft_threshold():
    """S(z, t) = sign(z)·max(|z| − t, 0), with +0.0 (never −0.0) inside the threshold."""
    out = P.soft_threshold([-3.0, -0.5, 0.0, 0.5, 3.0], 1.0)
    np.testing.assert_array_equal(out, [-2.0, 0.0, 0.0, 0.0, 2.0])
    assert not np.any(np.signbit(out[1:4]))
    with pytest.raises(ValueError, match=r"^`t` must be non-negative\.$"):
        P.soft_threshold([1.0], -1.0)


def test_lasso_orthogonal_design_is_soft_thresholded_ols(rng):
    """With X'X = c·I the lasso is separable: w_j = S(x_j'y, λ/2)/c exactly."""
    q, _ = np.linalg.qr(rng.normal(size=(40, 4)))
    X = 3.0 * q
    y = rng.normal(size=40) * 2
    lam = 2.0
    fit = P.lasso(X, y, lam)
    expected = P.soft_threshold(X.T @ y, lam / 2) / 9.0
    np.testing.assert_allclose(fit.coef, expected, rtol=1e-12, atol=1e-14)
    assert fit.converged and fit.n_iter <= 3


@pytest.mark.parametrize("lam", [1.0, 20.0, 80.0])
def test_lasso_matches_statsmodels_elastic_net(rng, lam):
    """statsmodels fit_regularized(L1_wt=1, alpha=λ/(2n), zero_tol=0) = own CD, to certificates."""
    X, y = _problem(rng)
    n = X.shape[0]
    fit = P.lasso(X, y, lam)
    theirs = sm.OLS(y, X).fit_regularized(alpha=P.statsmodels_alpha(lam, n, "l1"), L1_wt=1.0,
                                          maxiter=1000, cnvrg_tol=1e-13, zero_tol=0.0).params
    bound = (P.lasso_kkt_residual(fit.coef, X, y, lam)
             + P.lasso_kkt_residual(theirs, X, y, lam)) / _mu(X)
    assert np.linalg.norm(fit.coef - theirs) <= bound
    np.testing.assert_array_equal(fit.coef == 0, theirs == 0)


@pytest.mark.parametrize("lam", [1.0, 20.0, 80.0])
def test_lasso_matches_scipy_smooth_reformulation(rng, lam):
    """L-BFGS-B on RSS + λΣ(u+v), w = u − v, u, v ≥ 0 (smooth, bound-constrained) = own CD."""
    X, y = _problem(rng)
    p = X.shape[1]

    def f(z):
        w = z[:p] - z[p:]
        g = -2 * X.T @ (y - X @ w)
        return np.sum((y - X @ w) ** 2) + lam * z.sum(), np.concatenate([g + lam, -g + lam])

    res = optimize.minimize(f, np.zeros(2 * p), jac=True, method="L-BFGS-B",
                            bounds=[(0, None)] * (2 * p), options={"gtol": 1e-11, "ftol": 1e-15})
    w_num = res.x[:p] - res.x[p:]
    fit = P.lasso(X, y, lam)
    bound = (P.lasso_kkt_residual(fit.coef, X, y, lam)
             + P.lasso_kkt_residual(w_num, X, y, lam)) / _mu(X)
    assert np.linalg.norm(fit.coef - w_num) <= bound


def test_lasso_kkt_residual_is_small_at_the_solution(rng):
    """At convergence the minimal subgradient is near 0 (relative to ‖2X'y‖); away from it, not."""
    X, y = _problem(rng)
    fit = P.lasso(X, y, 10.0)
    scale = np.linalg.norm(2 * X.T @ y)
    assert P.lasso_kkt_residual(fit.coef, X, y, 10.0) <= 1e-9 * scale
    assert P.lasso_kkt_residual(fit.coef + 0.01, X, y, 10.0) > 1e-3 * scale


def test_lasso_all_zero_above_lambda_max(rng):
    """For λ ≥ λ_max = 2‖X'y‖∞ the solution is exactly 0; just below it, exactly one coefficient."""
    X, y = _problem(rng)
    lam_max = 2 * np.max(np.abs(X.T @ y))
    assert np.all(P.lasso(X, y, lam_max).coef == 0.0)
    assert np.count_nonzero(P.lasso(X, y, 0.999 * lam_max).coef) == 1


def test_lasso_zero_penalty_is_least_squares(rng):
    """λ = 0: coordinate descent converges to the least-squares solution."""
    X, y = _problem(rng)
    fit = P.lasso(X, y, 0.0)
    assert fit.converged
    np.testing.assert_allclose(fit.coef, least_squares(X, y).coef, rtol=1e-8, atol=1e-9)


def test_lasso_batch_equals_loop_and_counts_non_convergence(rng):
    """Batched CD equals per-problem CD; a sweep cap of 1 is reported as non-convergence."""
    X = np.stack([_design(rng, 40, 6, rho=0.8) for _ in range(5)])
    y = rng.normal(size=(5, 40))
    fit = P.lasso(X, y, 5.0)
    assert fit.coef.shape == (5, 6) and fit.n_iter.shape == (5,)
    assert fit.n_not_converged == 0
    for i in range(5):
        np.testing.assert_array_equal(fit.coef[i], P.lasso(X[i], y[i], 5.0).coef)
    capped = P.lasso(X, y, 5.0, max_iter=1)
    assert capped.n_not_converged == 5 and np.all(capped.n_iter == 1)


def test_lasso_warm_start_and_shared_design(rng):
    """Starting at the solution converges in one sweep; a shared X broadcasts over y."""
    X, y = _problem(rng)
    fit = P.lasso(X, y, 5.0)
    warm = P.lasso(X, y, 5.0, coef0=fit.coef)
    assert warm.n_iter == 1
    ys = np.stack([y, 2 * y])
    both = P.lasso(X, ys, 5.0)
    np.testing.assert_allclose(both.coef[0], fit.coef, rtol=1e-12, atol=1e-14)


def test_lasso_objective_value(rng):
    """The objective is RSS + λ‖w‖₁."""
    X, y = _problem(rng)
    w = rng.normal(size=5)
    assert P.lasso_objective(w, X, y, 2.0) == pytest.approx(
        np.sum((y - X @ w) ** 2) + 2.0 * np.abs(w).sum(), rel=1e-14)


@pytest.mark.parametrize("call,match", [
    (lambda: P.lasso(np.ones((5, 2)), np.ones(5), -1.0), r"^`lam` must be non-negative"),
    (lambda: P.lasso(np.ones((5, 2)), np.ones(5), 1.0, tol=0.0), r"^`tol` must be positive"),
    (lambda: P.lasso(np.ones((5, 2)), np.ones(5), 1.0, max_iter=0),
     r"^`max_iter` must be a positive integer"),
    (lambda: P.lasso(np.ones((5, 2)), np.ones(5), 1.0, coef0=np.ones(3)),
     r"^`coef0` must have 2 entries"),
    (lambda: P.lasso(np.ones((5, 2)), [1, 2, 3, 4, np.inf], 1.0), r"^`y` must be finite"),
    (lambda: P.lasso_kkt_residual(np.ones(3), np.ones((5, 2)), np.ones(5), 1.0),
     r"^`coef` must have 2 entries"),
])
def test_lasso_validation_messages(call, match):
    """Bad penalties, tolerances, caps and shapes raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- logistic


def _logistic_data(rng, n=80, p=3):
    X = rng.normal(size=(n, p))
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ np.array([1.0, -2.0, 0.5][:p])))).astype(float)
    return X, y


@pytest.mark.parametrize("lam", [0.1, 5.0])
def test_ridge_logistic_matches_scipy_minimize(rng, lam):
    """BFGS on Σ BCE + (λ/2)‖w‖² agrees with damped Newton within BFGS's gradient certificate."""
    X, y = _logistic_data(rng)

    def f(w):
        z = X @ w
        return np.sum(np.logaddexp(0, z) - y * z) + 0.5 * lam * w @ w

    grad = lambda w: X.T @ (1 / (1 + np.exp(-X @ w)) - y) + lam * w
    res = optimize.minimize(f, np.zeros(3), jac=grad, method="BFGS", options={"gtol": 1e-10})
    fit = P.ridge_logistic(X, y, lam)
    assert fit.converged and fit.n_not_converged == 0
    assert np.linalg.norm(res.x - fit.coef) <= np.linalg.norm(grad(res.x)) / lam + 1e-13
    assert np.linalg.norm(grad(fit.coef)) <= 1e-10 * np.linalg.norm(X.T @ y)


def test_ridge_logistic_zero_penalty_is_statsmodels_logit(rng):
    """λ = 0 gives the logistic MLE of statsmodels Logit (Newton, tight tolerance)."""
    X, y = _logistic_data(rng)
    theirs = sm.Logit(y, X).fit(method="newton", tol=1e-12, maxiter=100, disp=0).params
    np.testing.assert_allclose(P.ridge_logistic(X, y, 0.0).coef, theirs, rtol=1e-8)


def test_ridge_logistic_batches_and_counts_non_convergence(rng):
    """Batched Newton equals per-problem Newton; an iteration cap of 1 is counted."""
    X = np.stack([_logistic_data(rng)[0] for _ in range(3)])
    y = np.stack([_logistic_data(rng)[1] for _ in range(3)])
    fit = P.ridge_logistic(X, y, 1.0)
    for i in range(3):
        np.testing.assert_allclose(fit.coef[i], P.ridge_logistic(X[i], y[i], 1.0).coef,
                                   rtol=1e-12)
    assert P.ridge_logistic(X, y, 1.0, max_iter=1).n_not_converged == 3


@pytest.mark.parametrize("call,match", [
    (lambda: P.ridge_logistic(np.ones((4, 2)), [0, 1, 2, 0], 1.0),
     r"^`y` must contain only 0 and 1"),
    (lambda: P.ridge_logistic(np.ones((4, 2)), [0, 1, 1, 0], -1.0), r"^`lam` must be non-negative"),
    (lambda: P.ridge_logistic(np.ones((4, 2)), [0, 1, 1, 0], 1.0, tol=-1.0),
     r"^`tol` must be positive"),
])
def test_ridge_logistic_validation_messages(call, match):
    """Non-binary responses and bad settings raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- statsmodels mapping


def test_statsmodels_alpha_mapping():
    """α = λ/n for ridge (L1_wt = 0) and λ/(2n) for the lasso (L1_wt = 1)."""
    assert P.statsmodels_alpha(10.0, 5, "l2") == 2.0
    assert P.statsmodels_alpha(10.0, 5, "l1") == 1.0
    with pytest.raises(ValueError, match=r"^`penalty` must be 'l2' or 'l1'"):
        P.statsmodels_alpha(1.0, 5, "l3")
    with pytest.raises(ValueError, match=r"^`n` must be a positive integer"):
        P.statsmodels_alpha(1.0, 0, "l1")
