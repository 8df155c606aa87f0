"""Tests of :mod:`simulations.mixtures`: batched EM against a slow per-replication reference on
the same data, the log-likelihood against scipy.stats.norm, stability, and input validation.

Tolerances: the log-likelihood is a sum of ``n`` terms each rounded a few times, so two correct
computations differ by at most about ``n * eps * sum|log p(x_i)|``; ``SAFETY = 8`` covers the
few roundings per term. EM is an iterated map: the batched and the reference implementation
round differently at every step and the differences are carried to the next step, damped by the
map's contraction (rate < 1 near a maximum); ``EM_RTOL`` allows ``1e5`` roundings of ``eps``
(``~ iterations * n * SAFETY``), still eight orders of magnitude below any algorithmic error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats

from simulations import mixtures as M

EPS = float(np.finfo(np.float64).eps)
SAFETY = 8
EM_RTOL = 1e5 * EPS


def loglik_tolerance(terms: np.ndarray) -> float:
    """Rounding allowance of a sum of log-densities (see module docstring)."""
    return SAFETY * terms.shape[-1] * EPS * float(np.abs(terms).sum(axis=-1).max())


# --------------------------------------------------------------------------- slow references


def ref_em_one(x, weights, means, sds, floor, max_iter, tol):
    """Plain-Python EM on one data set: loops over observations and components, math only."""
    w, mu, sd = list(map(float, weights)), list(map(float, means)), list(map(float, sds))
    n, k = len(x), len(w)
    trace = []
    converged = False
    for t in range(max_iter + 1):
        dens = [[w[j] * math.exp(-0.5 * ((xi - mu[j]) / sd[j]) ** 2)
                 / (sd[j] * math.sqrt(2 * math.pi)) for j in range(k)] for xi in x]
        trace.append(sum(math.log(sum(row)) for row in dens))
        if t > 0 and abs(trace[-1] - trace[-2]) <= tol * n:
            converged = True
            break
        if t == max_iter:
            break
        resp = [[d / sum(row) for d in row] for row in dens]
        for j in range(k):
            nj = sum(r[j] for r in resp)
            w[j] = nj / n
            mu[j] = sum(r[j] * xi for r, xi in zip(resp, x)) / nj
            var = sum(r[j] * (xi - mu[j]) ** 2 for r, xi in zip(resp, x)) / nj
            sd[j] = max(math.sqrt(var), floor)
    order = sorted(range(k), key=lambda j: mu[j])
    return ([w[j] for j in order], [mu[j] for j in order], [sd[j] for j in order],
            trace, len(trace) - 1, converged)


def ref_loglik(x, weights, means, sds):
    """Direct log-likelihood: logsumexp of scipy.stats.norm.logpdf plus log weights."""
    x = np.atleast_2d(x)
    lp = scipy.stats.norm.logpdf(x[:, :, None], np.atleast_2d(means)[:, None, :],
                                 np.atleast_2d(sds)[:, None, :])
    return scipy.special.logsumexp(lp + np.log(np.atleast_2d(weights))[:, None, :],
                                   axis=-1).sum(axis=1)


def draw(seed: int, reps: int, n: int, weights=(0.3, 0.7), means=(-2.0, 1.5), sds=(0.7, 1.2)):
    """A batch of mixture samples from a fixed generator."""
    return M.sample_mixture(np.random.default_rng(seed), reps, n, weights, means, sds)


# --------------------------------------------------------------------------- EM vs reference


@pytest.mark.parametrize("k", [2, 3])
def test_em_matches_reference(k):
    """Batched EM gives the reference's parameters, traces, iterations and flags per data set."""
    x = draw(1, 5, 60)
    res = M.fit_em(x, k, max_iter=300, tol=1e-10)
    init = M.quantile_init(x, k)
    floor = M.MIN_SD_FRACTION * x.std(axis=1)
    for r in range(x.shape[0]):
        w, mu, sd, trace, iters, conv = ref_em_one(x[r].tolist(), init.weights[r], init.means[r],
                                                   init.sds[r], floor[r], 300, 1e-10)
        assert res.iterations[r] == iters and res.converged[r] == conv
        np.testing.assert_allclose(res.loglik_trace[r, :iters + 1], trace, rtol=EM_RTOL)
        assert np.all(np.isnan(res.loglik_trace[r, iters + 1:]))
        for got, want in ((res.weights[r], w), (res.means[r], mu), (res.sds[r], sd)):
            np.testing.assert_allclose(got, want, rtol=EM_RTOL, atol=EM_RTOL)


def test_em_matches_reference_with_binding_floor():
    """With a binding floor (tiny sample, a start on one point) EM still matches the reference."""
    x = np.array([[-1.0, -0.2, 0.1, 0.4, 2.0, 2.5]])
    init = M.MixtureParams(np.array([0.5, 0.5]), np.array([0.1, 1.0]), np.array([1e-3, 1.0]))
    res = M.fit_em(x, init=init, min_sd=0.05, max_iter=50, tol=1e-12)
    # fit_em raises the infeasible start sd 1e-3 to the floor before the first step
    w, mu, sd, trace, iters, conv = ref_em_one(x[0].tolist(), [0.5, 0.5], [0.1, 1.0],
                                               [0.05, 1.0], 0.05, 50, 1e-12)
    assert res.sds.min() == 0.05  # the floor is active at the fitted values
    np.testing.assert_allclose(res.loglik_trace[0, :iters + 1], trace, rtol=EM_RTOL)
    np.testing.assert_allclose(res.means[0], mu, rtol=EM_RTOL)
    np.testing.assert_allclose(res.sds[0], sd, rtol=EM_RTOL)
    assert np.all(np.diff(res.loglik_trace[0, :iters + 1]) >= 0)


def test_em_recovers_separated_mixture():
    """On a large well-separated sample EM lands within 5 standard errors of the truth."""
    x = draw(2, 1, 20_000, weights=(0.4, 0.6), means=(-3.0, 3.0), sds=(1.0, 1.0))
    res = M.fit_em(x)
    se = 1.0 / np.sqrt(20_000 * np.array([0.4, 0.6]))  # known-labels standard error
    assert res.converged[0]
    assert np.all(np.abs(res.means[0] - [-3.0, 3.0]) < 5 * se)
    assert np.all(np.abs(res.weights[0] - [0.4, 0.6]) < 5 * np.sqrt(0.24 / 20_000))


def test_em_is_monotone_on_many_replications():
    """No EM step decreases the log-likelihood beyond rounding, on overlapping mixtures too."""
    x = draw(3, 200, 80, means=(-0.5, 0.5), sds=(1.0, 1.0))
    res = M.fit_em(x, max_iter=200, tol=1e-12)
    tol = 2 * 80 * EPS * np.nanmax(np.abs(res.loglik_trace), axis=1) * SAFETY
    assert M.ascent_violations(res.loglik_trace, tol).sum() == 0
    assert np.all(np.nanmax(res.loglik_trace, axis=1) == res.loglik)


def test_single_component_is_the_gaussian_mle():
    """With K = 1 EM gives the sample mean and the ddof=0 standard deviation after one step."""
    x = draw(4, 3, 50)
    res = M.fit_em(x, 1)
    np.testing.assert_allclose(res.means[:, 0], x.mean(axis=1), rtol=SAFETY * 50 * EPS)
    np.testing.assert_allclose(res.sds[:, 0], x.std(axis=1), rtol=SAFETY * 50 * EPS)
    np.testing.assert_array_equal(res.weights, 1.0)
    assert np.all(res.iterations <= 2) and np.all(res.converged)


def test_labels_are_ordered_by_mean():
    """Starting with the components swapped still returns them in increasing order of mean."""
    x = draw(5, 4, 300)
    swapped = M.MixtureParams(np.array([0.5, 0.5]), np.array([3.0, -3.0]), np.array([1.0, 1.0]))
    a = M.fit_em(x, init=swapped, max_iter=2000, tol=1e-14)
    b = M.fit_em(x, max_iter=2000, tol=1e-14)
    assert np.all(np.diff(a.means, axis=1) > 0) and a.converged.all() and b.converged.all()
    # both runs reach the same fixed point; 1e-6 is the parameter accuracy of tol = 1e-14
    np.testing.assert_allclose(a.means, b.means, rtol=1e-6)


def test_order_by_mean_keeps_the_density():
    """Reordering moves weights, means and sds together: the log-likelihood is unchanged."""
    x = draw(6, 3, 40)
    p = M.MixtureParams(np.array([[0.2, 0.5, 0.3]] * 3), np.array([[2.0, -1.0, 0.0]] * 3),
                        np.array([[1.0, 0.5, 2.0]] * 3))
    q = M.order_by_mean(p)
    np.testing.assert_array_equal(q.means[0], [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(q.weights[0], [0.5, 0.3, 0.2])
    np.testing.assert_array_equal(q.sds[0], [0.5, 2.0, 1.0])
    l_p = M.mixture_loglik(x, p.weights, p.means, p.sds)
    l_q = M.mixture_loglik(x, q.weights, q.means, q.sds)
    np.testing.assert_allclose(l_q, l_p, rtol=SAFETY * 40 * EPS)


def test_non_convergence_is_flagged_not_dropped():
    """Hitting max_iter keeps every replication, with finite parameters and converged = False."""
    x = draw(7, 6, 100, means=(-0.3, 0.3))
    res = M.fit_em(x, max_iter=2, tol=1e-15)
    assert res.means.shape == (6, 2) and np.all(np.isfinite(res.means))
    assert not res.converged.any() and res.n_not_converged == 6
    np.testing.assert_array_equal(res.iterations, 2)
    assert res.loglik_trace.shape == (6, 3)


def test_empty_component_gets_zero_weight():
    """A component that receives no responsibility gets weight 0 and keeps finite parameters."""
    x = draw(8, 2, 50)
    init = M.MixtureParams(np.array([0.5, 0.5]), np.array([0.0, 1e6]), np.array([1.0, 1.0]))
    res = M.fit_em(x, init=init, max_iter=20)
    assert np.all(res.weights[:, 1] == 0.0) and np.all(res.means[:, 1] == 1e6)
    assert np.all(np.isfinite(res.loglik_trace[:, :1 + int(res.iterations.min())]))


def test_default_floor_is_enforced():
    """Every fitted standard deviation is at least MIN_SD_FRACTION of the sample sd."""
    x = np.array([[0.0, 0.0, 0.0, 5.0, 6.0, 7.0]])
    init = M.MixtureParams(np.array([0.5, 0.5]), np.array([0.0, 6.0]), np.array([1.0, 1.0]))
    res = M.fit_em(x, init=init)
    assert res.sds[0, 0] == M.MIN_SD_FRACTION * x.std()


# --------------------------------------------------------------------------- log-likelihood


def test_loglik_matches_scipy():
    """mixture_loglik equals the scipy.stats.norm logsumexp computation on random parameters."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=(7, 120)) * 3
    w = rng.dirichlet([1.0, 1.0, 1.0], size=7)
    mu, sd = rng.normal(size=(7, 3)) * 2, rng.uniform(0.2, 3.0, size=(7, 3))
    terms = M.mixture_logpdf(x, w, mu, sd)
    np.testing.assert_allclose(M.mixture_loglik(x, w, mu, sd), ref_loglik(x, w, mu, sd),
                               rtol=0, atol=loglik_tolerance(terms))


def test_logpdf_matches_naive_density_where_representable():
    """Per-observation log-density equals log of the plainly summed scipy densities."""
    x = np.linspace(-4, 4, 33)
    w, mu, sd = [0.3, 0.7], [-1.0, 2.0], [0.8, 1.5]
    naive = np.log(sum(wk * scipy.stats.norm.pdf(x, m, s) for wk, m, s in zip(w, mu, sd)))
    np.testing.assert_allclose(M.mixture_logpdf(x, w, mu, sd)[0], naive, rtol=SAFETY * EPS)


def test_loglik_is_stable_where_densities_underflow():
    """Far in the tails the naive density is 0 but the log-likelihood stays finite and exact."""
    x = np.array([60.0, -80.0])
    w, mu, sd = [0.5, 0.5], [0.0, 1.0], [1.0, 2.0]
    with np.errstate(divide="ignore"):
        assert np.isneginf(np.log(sum(wk * scipy.stats.norm.pdf(x, m, s)
                                      for wk, m, s in zip(w, mu, sd)))).any()
    np.testing.assert_allclose(M.mixture_loglik(x, w, mu, sd), ref_loglik(x, w, mu, sd),
                               rtol=SAFETY * EPS)


def test_loglik_grows_like_minus_log_sigma():
    """A component collapsing on a data point: l + log σ is constant down to σ = 1e-300."""
    x = np.array([0.3, -1.0, 2.0])
    sig = 10.0 ** -np.array([30, 100, 200, 300])
    ll = [M.mixture_loglik(x, [0.5, 0.5], [0.3, 0.0], [s, 1.0])[0] for s in sig]
    limit = math.log(0.5 / math.sqrt(2 * math.pi)) + sum(
        math.log(0.5 * scipy.stats.norm.pdf(v)) for v in (-1.0, 2.0))
    # ll ≈ 690 - 6: adding log σ cancels ~690, so the error is a few ulps of 690, not of 6
    np.testing.assert_allclose(np.array(ll) + np.log(sig), limit, rtol=0,
                               atol=SAFETY * 3 * EPS * float(np.abs(np.log(sig)).max()))


def test_zero_weight_component_is_ignored():
    """A zero weight gives exactly the likelihood of the remaining components."""
    x = draw(10, 2, 30)
    a = M.mixture_loglik(x, [0.0, 1.0], [5.0, 0.5], [1.0, 2.0])
    b = scipy.stats.norm.logpdf(x, 0.5, 2.0).sum(axis=1)
    np.testing.assert_allclose(a, b, rtol=SAFETY * 30 * EPS)


def test_sample_mixture_moments():
    """Sampled data have the mixture's mean and component frequency within 5 standard errors."""
    x = M.sample_mixture(np.random.default_rng(11), 1, 200_000, [0.4, 0.6], [-3.0, 3.0],
                         [1.0, 2.0])
    mean, var = 0.6, 0.4 * 1 + 0.6 * 4 + 0.4 * 0.6 * 36
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / 200_000)
    p = 0.4 * scipy.stats.norm.cdf(3.0) + 0.6 * scipy.stats.norm.cdf(-1.5)
    assert abs((x < 0).mean() - p) < 5 * math.sqrt(p * (1 - p) / 200_000)


def test_ascent_violations_counts_decreases():
    """Steps that drop by more than the tolerance are counted; NaN padding is ignored."""
    trace = np.array([[-10.0, -9.0, -9.5, -9.4, np.nan],
                      [-5.0, -5.0 - 1e-12, -4.0, np.nan, np.nan]])
    np.testing.assert_array_equal(M.ascent_violations(trace, 1e-9), [1, 0])
    np.testing.assert_array_equal(M.ascent_violations(trace, [1.0, 0.0]), [0, 1])


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("kwargs, message", [
    ({"x": [[1.0, np.nan, 2.0]]}, r"^`x` must be finite"),
    ({"x": np.zeros((2, 2, 2))}, r"^`x` must have shape \(n,\) or \(reps, n\)"),
    ({"x": [[1.0]]}, r"^`x` must hold at least `n_components` = 2"),
    ({"n_components": 0}, r"^`n_components` must be a positive integer"),
    ({"max_iter": 0}, r"^`max_iter` must be a positive integer"),
    ({"tol": 0.0}, r"^`tol` must be positive"),
    ({"min_sd": -1.0}, r"^`min_sd` must be positive"),
    ({"min_sd": [1.0, 2.0, 3.0]}, r"^`min_sd` must be a scalar or have shape \(2,\)"),
    ({"init": (0.5, 0.5)}, r"^`init` must be a MixtureParams"),
    ({"init": M.MixtureParams(np.ones(3) / 3, np.zeros(3), np.ones(3))},
     r"^`init` must have `n_components` = 2 components"),
])
def test_fit_em_validation(kwargs, message):
    """Invalid arguments of fit_em raise ValueError naming the parameter."""
    args = {"x": np.arange(20.0).reshape(2, 10), **kwargs}
    with pytest.raises(ValueError, match=message):
        M.fit_em(**args)


@pytest.mark.parametrize("params, message", [
    (([0.5, 0.6], [0.0, 1.0], [1.0, 1.0]), r"^`weights` must sum to 1"),
    (([0.5, 0.5], [0.0, 1.0], [1.0, 0.0]), r"^`sds` must be positive"),
    (([0.5, 0.5], [0.0, np.inf], [1.0, 1.0]), r"^`means` must be finite"),
    (([0.5, 0.5], [0.0, 1.0, 2.0], [1.0, 1.0]), r"^`means` and `sds` must have as many"),
    (([0.5, 0.5], [[0.0, 1.0]] * 3, [1.0, 1.0]), r"^`means` must have shape \(K,\) or \(2, K\)"),
])
def test_loglik_validation(params, message):
    """Invalid mixture parameters raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=message):
        M.mixture_loglik(np.zeros((2, 4)), *params)


def test_other_validation():
    """sample_mixture and ascent_violations reject bad arguments, naming them."""
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"^`rng` must be a numpy.random.Generator"):
        M.sample_mixture(0, 1, 5, [1.0], [0.0], [1.0])
    with pytest.raises(ValueError, match=r"^`n` must be a positive integer"):
        M.sample_mixture(rng, 1, 0, [1.0], [0.0], [1.0])
    with pytest.raises(ValueError, match=r"^`trace` must have shape"):
        M.ascent_violations(np.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"^`tolerance` must be non-negative"):
        M.ascent_violations(np.zeros((2, 3)), -1.0)
    with pytest.raises(ValueError, match=r"^`tolerance` must be a scalar or have shape \(2,\)"):
        M.ascent_violations(np.zeros((2, 3)), [0.0, 0.0, 0.0])


def test_e_and_m_steps_equal_their_textbook_expressions_bit_for_bit():
    """The E- and M-steps reuse their arrays in place: the same operations in the same order as
    the plain expressions, so the same numbers (zero weights and tiny sds included)."""
    rng = np.random.default_rng(np.random.SeedSequence(20261204))
    x = rng.normal(size=(6, 50)) * 3.0
    p = M.MixtureParams(weights=np.tile([0.0, 0.3, 0.7], (6, 1)),
                        means=rng.normal(size=(6, 3)),
                        sds=np.tile([1e-300, 0.5, 2.0], (6, 1)))
    with np.errstate(divide="ignore", over="ignore"):
        z = (x[:, None, :] - p.means[:, :, None]) / p.sds[:, :, None]
        const = np.log(p.weights) - M._LOG_SQRT_2PI - np.log(p.sds)
        joint = const[:, :, None] - 0.5 * z * z
    got = M._log_joint(x, p)
    np.testing.assert_array_equal(got, joint)

    m = joint.max(axis=1)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(joint - m[:, None, :])
    total = e.sum(axis=1)
    log_p, resp = M._normalise(joint.copy())
    np.testing.assert_array_equal(log_p, m + np.log(total))
    np.testing.assert_array_equal(resp, e / total[:, None, :])

    floor = np.full(6, 1e-3)
    new = M._m_step(x, resp, p, floor)
    nk = resp.sum(axis=2)
    safe = np.where(nk > 0, nk, 1.0)
    means = np.where(nk > 0, (resp * x[:, None, :]).sum(axis=2) / safe, p.means)
    dev = x[:, None, :] - means[:, :, None]
    var = (resp * dev * dev).sum(axis=2) / safe
    np.testing.assert_array_equal(new.weights, nk / x.shape[1])
    np.testing.assert_array_equal(new.means, means)
    np.testing.assert_array_equal(
        new.sds, np.where(nk > 0, np.maximum(np.sqrt(var), floor[:, None]), p.sds))
