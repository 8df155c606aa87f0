"""LIK — likelihood and log-likelihood (LIK-01..06).

Exact identities are checked with tolerances derived from machine epsilon (float64 unless the
parameter says otherwise): a sum of ``n`` terms carries a rounding error of at most about
``n * eps * sum|term|`` (Higham 2002, §4.2), which is the absolute tolerance used throughout.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from scipy import integrate, special, stats
from scipy.optimize import minimize_scalar

from claimkit import decisions

EPS64 = float(np.finfo(np.float64).eps)
#: ulp bound of numpy's log (numpy's accuracy tests enforce <= 4 ulp for float32 and float64,
#: see claims/test_cross_entropy.py).
ULPS = 4
#: xatol passed to scipy's bounded Brent minimiser (LIK-03).
XATOL = 1e-10


def _sum_tolerance(terms: np.ndarray, n_ops: int | None = None) -> float:
    """Absolute rounding bound of a float64 sum: ops * eps * sum|terms| (Higham 2002, §4.2)."""
    n_ops = terms.size if n_ops is None else n_ops
    return 4.0 * n_ops * EPS64 * float(np.sum(np.abs(terms)))


# ----------------------------------------------------------------------------------------------
# LIK-01: under i.i.d. sampling the likelihood is the product of the marginals
# ----------------------------------------------------------------------------------------------

@pytest.mark.claim("LIK-01")
@pytest.mark.parametrize("n", [1, 5, 50])
@pytest.mark.parametrize("sigma2", [0.5, 2.0])
def test_iid_gaussian_joint_density_is_the_product(mc, n, sigma2):
    """The N(μ1, σ²I) joint log-density equals the sum of marginal log-densities; AR(1) does not."""
    rng = mc.rng("gaussian")
    mu = rng.normal(size=20)
    x = mu[:, None] + math.sqrt(sigma2) * rng.normal(size=(20, n))
    joint = np.array([stats.multivariate_normal(np.full(n, m), sigma2 * np.eye(n)).logpdf(row)
                      for m, row in zip(mu, x)])
    terms = stats.norm.logpdf(x, loc=mu[:, None], scale=math.sqrt(sigma2))
    # scipy evaluates the joint density through an eigendecomposition of the covariance: its
    # error is that of an n-term sum plus O(n) operations of the factorisation (condition 1).
    tol = _sum_tolerance(terms, n_ops=8 * n)
    mc.record("joint log-density of an i.i.d. Gaussian vector = Σ log p(xᵢ)",
              decisions.exact_close(joint, terms.sum(axis=1), rtol=0.0, atol=tol,
                                    n_inputs=len(mu)))
    mc.record(f"control near the margin: Σ log p(xᵢ) moved by "
              f"{decisions.NEAR_MISS_TOLERANCES:g} tolerances equals the joint log-density",
              decisions.exact_close(decisions.planted_deviation(terms.sum(axis=1), rtol=0.0,
                                                                atol=tol),
                                    joint, rtol=0.0, atol=tol, n_inputs=len(mu)),
              role="control", params={"tolerances": decisions.NEAR_MISS_TOLERANCES},
              note="A deviation just beyond the tolerance must be rejected by the same rule.")
    if n > 1:
        phi = 0.6
        lags = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
        cov = sigma2 * phi ** lags / (1 - phi ** 2)
        dep = np.array([stats.multivariate_normal(np.zeros(n), cov).logpdf(row - m)
                        for m, row in zip(mu, x)])
        marg = stats.norm.logpdf(x - mu[:, None], scale=math.sqrt(sigma2 / (1 - phi ** 2)))
        mc.record("condition: an AR(1) vector (φ = 0.6) has joint log-density Σ log p(xᵢ)",
                  decisions.exact_close(dep, marg.sum(axis=1), rtol=0.0,
                                        atol=_sum_tolerance(marg, n_ops=8 * n),
                                        n_inputs=len(mu)),
                  role="condition",
                  note="Dependent observations: the product of marginals is not the joint "
                       "density, so L(θ) = ∏ p(xᵢ|θ) needs independence.")


@pytest.mark.claim("LIK-01")
@pytest.mark.parametrize("k", [2, 3, 6])
@pytest.mark.parametrize("n", [10, 200])
def test_iid_discrete_joint_probability_is_the_product(mc, k, n):
    """P(x₁..xₙ) of an i.i.d. categorical sample, from scipy's multinomial, is ∏ p(xᵢ)."""
    rng = mc.rng("categorical")
    p = rng.dirichlet(np.ones(k), size=30)
    counts = np.array([rng.multinomial(n, pi) for pi in p])
    # multinomial pmf = (n! / ∏ cₖ!) ∏ pₖ^cₖ: divide out the number of orderings of the sample.
    log_orderings = special.gammaln(n + 1) - special.gammaln(counts + 1).sum(axis=1)
    joint = stats.multinomial.logpmf(counts, n, p) - log_orderings
    terms = special.xlogy(counts, p)
    tol = _sum_tolerance(np.concatenate([terms, log_orderings[:, None]], axis=1), n_ops=4 * n)
    mc.record("log P(sequence) = Σ log p(xᵢ) for i.i.d. categorical draws",
              decisions.exact_close(joint, terms.sum(axis=1), rtol=0.0, atol=tol,
                                    n_inputs=len(p)))


@pytest.mark.claim("LIK-01")
@pytest.mark.parametrize("rho", [0.0, 0.3])
def test_pair_frequencies_factorise_only_under_independence(mc, rho):
    """Monte Carlo: P(X₁=1, X₂=1) = p² for independent pairs, not for Markov-dependent ones."""
    p = 0.3

    def pairs(rng, size):
        x1 = rng.random(size) < p
        fresh = rng.random(size) < p
        keep = rng.random(size) < rho
        x2 = np.where(keep, x1, fresh)
        return (x1 & x2).astype(np.int8)

    res = mc.simulate("pairs", pairs, 200_000, rho=rho)
    decision = decisions.binomial_rate(int(res.stats.sum()), res.n_reps, p * p, alpha=mc.alpha)
    if rho == 0.0:
        mc.record("i.i.d. Bernoulli(0.3) pairs: P(1,1) = p² = 0.09", decision, seed=res.seed)
    else:
        mc.record("condition: dependent pairs (ρ = 0.3) have P(1,1) = p²", decision,
                  role="condition", seed=res.seed,
                  note=f"True P(1,1) = p² + ρp(1−p) = {p * p + rho * p * (1 - p):.3f}.")


@pytest.mark.claim("LIK-01")
@pytest.mark.parametrize("n", [10, 100])
def test_log_of_product_is_sum_of_logs(mc, n):
    """log ∏ p(xᵢ) = Σ log p(xᵢ) wherever the product is representable."""
    rng = mc.rng("probs")
    probs = rng.uniform(0.2, 1.0, size=(50, n))
    logs = np.log(probs)
    tol = _sum_tolerance(logs) + 2 * n * EPS64  # product: n roundings, relative error n·eps
    mc.record("log(∏ pᵢ) = Σ log pᵢ (product representable)",
              decisions.exact_close(np.log(np.prod(probs, axis=1)), logs.sum(axis=1), rtol=0.0,
                                    atol=tol, n_inputs=len(probs)))


# ----------------------------------------------------------------------------------------------
# LIK-02: the product underflows, the log-likelihood does not
# ----------------------------------------------------------------------------------------------

UNDERFLOW_MODELS = {
    "bernoulli(0.3)": lambda rng, n: np.where(rng.random(n) < 0.3, 0.3, 0.7),
    "normal(0,1)": lambda rng, n: stats.norm.pdf(rng.normal(size=n)),
    "poisson(4)": lambda rng, n: stats.poisson.pmf(rng.poisson(4.0, size=n), 4.0),
    "exponential(1)": lambda rng, n: stats.expon.pdf(rng.exponential(size=n)),
}
N_MAX = 20_000


def _first_index(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) + 1 if idx.size else None


@pytest.mark.claim("LIK-02")
@pytest.mark.parametrize("model", sorted(UNDERFLOW_MODELS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_product_underflows_log_likelihood_does_not(mc, model, dtype):
    """The running product reaches 0; Σ log p stays finite and matches a 50-digit reference."""
    rng = mc.rng("sample", model=model)
    p64 = UNDERFLOW_MODELS[model](rng, N_MAX)
    dt = np.dtype(dtype)
    p = p64.astype(dt)
    running = np.cumprod(p, dtype=dt)
    n_sub = _first_index(running < np.finfo(dt).tiny)
    n_zero = _first_index(running == 0)
    loglik = np.sum(np.log(p), dtype=np.float64)
    # 50-digit reference, one logarithm per distinct value times its multiplicity (discrete
    # models repeat a handful of values 20 000 times): the same sum, fewer mpmath calls.
    values, counts = np.unique(p, return_counts=True)
    with mpmath.workdps(50):
        reference = float(mpmath.fsum(int(c) * mpmath.log(mpmath.mpf(float(v)))
                                      for v, c in zip(values, counts)))
    params = {"n_subnormal": n_sub, "n_zero": n_zero}
    logs = np.log(p).astype(np.float64)
    # Where it happens: the running product leaves the normal range exactly where Σ log pᵢ
    # crosses log(tiny) -- up to the product's own rounding (n·eps relative, i.e. n·eps(dtype)
    # absolute on the log scale) and the logs' (ULPS ulp each): indices whose log-sum lies
    # within that band of the threshold may go either way.
    cum = np.cumsum(logs)
    log_tiny = math.log(float(np.finfo(dt).tiny))
    band = (np.arange(1, cum.size + 1) * float(np.finfo(dt).eps) * (1 + ULPS)
            + ULPS * float(np.finfo(dt).eps) * np.cumsum(np.abs(logs)))
    surely_below = _first_index(cum < log_tiny - band)
    maybe_below = _first_index(cum < log_tiny + band)
    entropy = float(np.mean(-logs))  # E[−log p] estimated on this path's own terms
    params = {**params, "predicted": -log_tiny / entropy, "crossing": [maybe_below, surely_below]}
    mc.record(f"{dtype} product of {N_MAX} likelihood terms underflows to 0",
              decisions.exact_close(running[-1], 0.0, rtol=0.0, atol=0.0), params=params,
              note=f"Product becomes subnormal at n = {n_sub} and exactly 0 at n = {n_zero}; "
                   f"n ≈ −log(tiny)/E[−log p] = {-log_tiny / entropy:.0f}.")
    mc.record(f"the {dtype} product becomes subnormal where Σ log p(xᵢ) crosses log(tiny) "
              f"= {log_tiny:.1f}",
              decisions.exact_close(float(min(max(n_sub, maybe_below), surely_below)),
                                    float(n_sub), rtol=0.0, atol=0.0),
              params=params,
              note=f"Crossing of the log-sum between n = {maybe_below} and {surely_below} "
                   f"(rounding band); the product left the normal range at n = {n_sub}. "
                   f"Predicted n ≈ −log(tiny)/E[−log p] = {-log_tiny / entropy:.0f}.")
    # Each log(pᵢ) is evaluated in the dtype: within ULPS ulp, i.e. ULPS·eps(dtype)·|log pᵢ|
    # (an error relative to |log pᵢ|, which exceeds 1 for most terms); the float64 sum adds
    # its own rounding (_sum_tolerance).
    log_err = ULPS * float(np.finfo(dt).eps) * float(np.sum(np.abs(logs)))
    mc.record("Σ log p(xᵢ) is finite and equals the 50-digit reference",
              decisions.exact_close(loglik, reference, rtol=0.0,
                                    atol=_sum_tolerance(logs) + log_err),
              params=params, figure=_underflow_figure(running, logs, model, dtype))
    small = 10
    # At small n nothing underflows: the running product equals exp(Σ log p) to rounding --
    # small roundings of the product, ULPS·eps·|log pᵢ| per log (absolute in Σ log, relative
    # after exp) and the exp itself (ULPS).
    eps_dt = float(np.finfo(dt).eps)
    rel = eps_dt * (small + ULPS * (1 + float(np.sum(np.abs(logs[:small]))))) \
        + _sum_tolerance(logs[:small])
    mc.record(f"at n = {small} the {dtype} product equals exp(Σ log p(xᵢ))",
              decisions.exact_close(float(running[small - 1]),
                                    math.exp(float(np.sum(logs[:small]))), rtol=rel),
              params=params)
    mc.record(f"control: the {dtype} product of {small} terms underflows to 0",
              decisions.exact_close(running[small - 1], 0.0, rtol=0.0, atol=0.0),
              role="control", params=params,
              note="At small n product and exp(Σ log) agree: there is nothing to underflow.")


def _underflow_figure(running: np.ndarray, logs: np.ndarray, model: str, dtype: str) -> dict:
    """log₁₀ L against n: the running product (until it is 0) and the sum of logs."""
    ns = np.unique(np.geomspace(1, len(logs), 40).astype(int))
    with np.errstate(divide="ignore"):
        log10_prod = np.log10(running[ns - 1].astype(np.float64))
    keep = np.isfinite(log10_prod)
    tiny = math.log10(float(np.finfo(running.dtype).smallest_subnormal))
    return {"kind": "line", "title": f"{model}, {dtype}: product vs sum of logs",
            "xlabel": "n", "ylabel": "log₁₀ L", "xscale": "log", "yscale": "linear",
            "series": [{"label": "Σ log p / ln 10", "x": ns.tolist(),
                        "y": (np.cumsum(logs)[ns - 1] / math.log(10)).tolist()},
                       {"label": f"log₁₀ of the {dtype} product (until it is 0)",
                        "x": ns[keep].tolist(), "y": log10_prod[keep].tolist()}],
            "reference": [{"label": f"smallest subnormal 10^{tiny:.1f}",
                           "x": [1, len(logs)], "y": [tiny, tiny]}]}


# ----------------------------------------------------------------------------------------------
# LIK-03: argmax L = argmax ℓ = argmin NLL
# ----------------------------------------------------------------------------------------------

#: model -> (sampler(rng, n), ℓ(θ) for a θ array via sufficient statistics, scipy's ℓ(θ) as
#: an oracle, closed-form MLE, grid bounds)
ARGMAX_MODELS = {
    "bernoulli": (lambda rng, n: (rng.random(n) < 0.3).astype(float),
                  lambda x, t: x.sum() * np.log(t) + (x.size - x.sum()) * np.log1p(-t),
                  lambda x, t: stats.bernoulli.logpmf(x[:, None], t[None, :]).sum(axis=0),
                  lambda x: x.mean(), (1e-3, 1 - 1e-3)),
    "poisson": (lambda rng, n: rng.poisson(3.0, n).astype(float),
                lambda x, t: x.sum() * np.log(t) - x.size * t - special.gammaln(x + 1).sum(),
                lambda x, t: stats.poisson.logpmf(x[:, None], t[None, :]).sum(axis=0),
                lambda x: x.mean(), (0.05, 10.0)),
    "normal-mean": (lambda rng, n: rng.normal(1.0, 1.0, n),
                    lambda x, t: -0.5 * ((x[:, None] - t) ** 2).sum(axis=0)
                    - 0.5 * x.size * math.log(2 * math.pi),
                    lambda x, t: stats.norm.logpdf(x[:, None], t[None, :]).sum(axis=0),
                    lambda x: x.mean(), (-3.0, 5.0)),
    "exponential-rate": (lambda rng, n: rng.exponential(0.5, n),
                         lambda x, t: x.size * np.log(t) - t * x.sum(),
                         lambda x, t: stats.expon.logpdf(x[:, None], scale=1 / t[None, :]
                                                         ).sum(axis=0),
                         lambda x: 1 / x.mean(), (0.05, 10.0)),
}
#: −ℓ''(θ) at θ (the curvature that sets how flat the NLL is near its minimiser).
ARGMAX_INFORMATION = {
    "bernoulli": lambda x, t: x.sum() / t ** 2 + (x.size - x.sum()) / (1 - t) ** 2,
    "poisson": lambda x, t: max(x.sum(), 1.0) / t ** 2,   # Σx = 0: ℓ linear, Brent hits a bound
    "normal-mean": lambda x, t: float(x.size),
    "exponential-rate": lambda x, t: x.size / t ** 2,
}
GRID = 4001
DATASETS = 25


@pytest.mark.claim("LIK-03")
@pytest.mark.parametrize("model", sorted(ARGMAX_MODELS))
def test_argmax_is_invariant_under_log(mc, model):
    """On a grid, argmax L = argmax ℓ = argmin NLL; a numerical optimiser agrees with the MLE."""
    sampler, loglik, oracle, mle, (lo, hi) = ARGMAX_MODELS[model]
    information = ARGMAX_INFORMATION[model]
    rng = mc.rng("data", model=model)
    grid = np.linspace(lo, hi, GRID)
    idx_l, idx_ll, idx_nll, idx_sin, num, exact, errs, tols = [], [], [], [], [], [], [], []
    f_round, info_obs = [], []
    for _ in range(DATASETS):
        x = sampler(rng, 20)
        ll = loglik(x, grid)
        ref = oracle(x, grid)
        errs.append(np.max(np.abs(ll - ref)))
        tols.append(4 * (x.size + 4) * EPS64 * np.max(np.abs(ref)))
        idx_l.append(np.argmax(np.exp(ll)))
        idx_ll.append(np.argmax(ll))
        idx_nll.append(np.argmin(-ll))
        idx_sin.append(np.argmax(np.sin(ll)))
        res = minimize_scalar(lambda t: -loglik(x, np.array([t]))[0], bounds=(lo, hi),
                              method="bounded", options={"xatol": XATOL})
        num.append(res.x)
        exact.append(min(max(mle(x), lo), hi))
        f_round.append(4 * (x.size + 4) * EPS64 * abs(float(loglik(x, np.array([exact[-1]]))[0])))
        info_obs.append(float(information(x, exact[-1])))
    # Both sides are 20-term sums (Higham 2002, §4.2): absolute bound 4(n+4)·eps·max|ℓ|.
    mc.record("ℓ(θ) from sufficient statistics = Σ scipy.stats log p(xᵢ|θ) on the grid",
              decisions.exact_close(np.array(errs), 0.0, rtol=0.0, atol=float(np.max(tols)),
                                    n_inputs=DATASETS))
    idx_l, idx_ll, idx_nll = map(np.asarray, (idx_l, idx_ll, idx_nll))
    mc.record("grid argmax L = argmax ℓ (20 observations, L representable)",
              decisions.exact_close(idx_l, idx_ll, rtol=0.0, atol=0.0, n_inputs=DATASETS))
    mc.record("grid argmax ℓ = argmin NLL",
              decisions.exact_close(idx_ll, idx_nll, rtol=0.0, atol=0.0, n_inputs=DATASETS))
    # Bounded Brent stops once both ends of its bracket are within 2·tol1 of the returned
    # point, tol1 = sqrt(eps)|θ| + xatol/3 (scipy _minimize_scalar_bounded): 4·tol1 covers the
    # bracket. Near θ̂, ℓ(θ̂) − ℓ(θ̂ + h) = I_obs h²/2 is hidden by the rounding of ℓ
    # (4(n+4)·eps·|ℓ|, as above) for |h| <= sqrt(2·4(n+4)·eps·|ℓ| / I_obs): twice that radius.
    exact, num = np.asarray(exact), np.asarray(num)
    atol = decisions.brent_resolution(exact, f_round, info_obs, xatol=XATOL)
    mc.record("numerical argmin NLL = closed-form MLE",
              decisions.exact_close(num, exact, rtol=0.0, atol=atol, n_inputs=DATASETS))
    mc.record("control: the non-monotone transform sin(ℓ) keeps the argmax",
              decisions.exact_close(np.asarray(idx_sin), idx_ll, rtol=0.0, atol=0.0,
                                    n_inputs=DATASETS), role="control",
              note="A transform that is not increasing moves the maximiser: only monotone "
                   "transforms preserve argmax.")


@pytest.mark.claim("LIK-03")
def test_only_log_likelihood_finds_maximiser_when_product_underflows(mc):
    """With 5000 Bernoulli observations L is 0 on the whole grid; ℓ still finds the MLE."""
    rng = mc.rng("large")
    x = (rng.random(5000) < 0.3).astype(float)
    grid = np.linspace(1e-3, 1 - 1e-3, 1001)
    k = x.sum()
    ll = k * np.log(grid) + (x.size - k) * np.log1p(-grid)
    product = np.prod(np.where(x[:, None] == 1, grid[None, :], 1 - grid[None, :]), axis=0)
    step = grid[1] - grid[0]
    mc.record("the float64 product L is identically 0 on the grid",
              decisions.exact_close(np.max(product), 0.0, rtol=0.0, atol=0.0))
    mc.record("argmax ℓ is within half a grid step of the MLE x̄",
              decisions.exact_close(grid[np.argmax(ll)], x.mean(), rtol=0.0,
                                    atol=step / 2 + 4 * EPS64))
    mc.record("control: argmax of the underflowed product is the MLE",
              decisions.exact_close(grid[np.argmax(product)], x.mean(), rtol=0.0,
                                    atol=step / 2 + 4 * EPS64), role="control",
              note="argmax of an all-zero vector is its first element: L cannot locate θ̂.")


# ----------------------------------------------------------------------------------------------
# LIK-04: probability varies D with θ fixed; likelihood varies θ with D fixed
# ----------------------------------------------------------------------------------------------

@pytest.mark.claim("LIK-04")
def test_probability_sums_to_one_over_outcomes(mc):
    """For fixed θ, Σ over all 2¹⁰ coin sequences of P(D|θ) is 1."""
    thetas = mc.rng("theta").uniform(0.01, 0.99, size=25)
    seqs = ((np.arange(1024)[:, None] >> np.arange(10)) & 1).astype(float)
    heads = seqs.sum(axis=1)
    probs = thetas[:, None] ** heads * (1 - thetas[:, None]) ** (10 - heads)
    tol = _sum_tolerance(probs[0], n_ops=1024 * 12)
    mc.record("Σ_D P(D | θ) = 1 over the 1024 sequences of 10 tosses",
              decisions.exact_close(probs.sum(axis=1), 1.0, rtol=0.0, atol=tol,
                                    n_inputs=len(thetas)))


@pytest.mark.claim("LIK-04")
def test_likelihood_is_not_a_density_in_theta(mc):
    """For 7 heads in 10, ∫₀¹ p⁷(1−p)³ dp = B(8,4) = 1/1320, not 1."""
    value, abserr = integrate.quad(lambda p: p ** 7 * (1 - p) ** 3, 0, 1, epsabs=1e-15)
    exact = float(Fraction(math.factorial(7) * math.factorial(3), math.factorial(11)))
    tol = abserr + 8 * EPS64 * exact
    mc.record("∫₀¹ L(p) dp = B(8,4) = 1/1320 (quadrature)",
              decisions.exact_close(value, exact, rtol=0.0, atol=tol),
              note=f"scipy.special.beta(8, 4) = {special.beta(8, 4)!r}; 1/1320 = {1 / 1320!r}.")
    mc.record("B(8,4) from scipy.special.beta equals 1/1320",
              decisions.exact_close(special.beta(8, 4), exact, rtol=decisions.eps_tolerance(
                  np.float64, ops=16)))
    mc.record("control: L(p) integrates to 1 over p (is a density in θ)",
              decisions.exact_close(value, 1.0, rtol=0.0, atol=tol), role="control")


# ----------------------------------------------------------------------------------------------
# LIK-05: the likelihood is the probability of the observed labels, not a joint probability of
# two distributions
# ----------------------------------------------------------------------------------------------

@pytest.mark.claim("LIK-05")
@pytest.mark.parametrize("k", [2, 5])
def test_likelihood_is_exp_of_minus_n_cross_entropy(mc, k):
    """∏ Q(yᵢ|xᵢ) = exp(−n·H(P̂, Q)); the 'joint probability of the two distributions' is not."""
    rng = mc.rng("labels", k=k)
    n, trials = 20, 200
    logits = rng.normal(size=(trials, n, k))
    q = special.softmax(logits, axis=-1)
    y = rng.integers(0, k, size=(trials, n))
    onehot = np.eye(k)[y]
    like = np.prod(np.take_along_axis(q, y[..., None], axis=-1)[..., 0], axis=1)
    # H(P̂, Q): the document's cross-entropy −Σ_k P̂ log Q, averaged over the n examples.
    h = -np.sum(onehot * np.log(q), axis=(1, 2)) / n
    # n products (n eps) against n·k logs of ULPS each, a sum of n·k terms and one exp (n H
    # <= n max|log q| terms): relative error <= (n + ULPS n k + n k + 2) eps of the product.
    rtol = (n + (ULPS + 1) * n * k + 2) * EPS64 * float(np.max(-np.log(q)) + 1)
    mc.record("corrected: L(θ) = ∏ Q(yᵢ|xᵢ) equals exp(−n·H(P̂, Q)) (H: mean cross-entropy "
              "with the one-hot labels)",
              decisions.exact_close(like, np.exp(-n * h), rtol=rtol, n_inputs=trials),
              role="corrected", params={"n": n, "trials": trials})
    # The literal reading: the probability that a label drawn from the true label distribution
    # (the sample's class frequencies) and one drawn from the model's prediction coincide,
    # jointly over the examples.
    freq = onehot.mean(axis=1, keepdims=True)
    joint = np.prod(np.sum(freq * q, axis=-1), axis=1)
    mc.record("as written: the 'joint probability of the predicted and the true label "
              "distributions', ∏ᵢ Σ_y P̂(y) Q(y|xᵢ), is the likelihood",
              decisions.exact_close(joint, like, rtol=rtol, n_inputs=trials), role="refuted",
              params={"n": n, "trials": trials},
              note=f"Median ratio joint/L = {float(np.median(joint / like)):.3g}: the joint "
                   "probability of two distributions mixes in every class the model could "
                   "have predicted; the likelihood is the probability of the observed labels.")
    mc.record("control: L(θ) equals exp(−H(P̂, Q)) (the exponent without n)",
              decisions.exact_close(like, np.exp(-h), rtol=rtol, n_inputs=trials),
              role="control", params={"n": n, "trials": trials})


# ----------------------------------------------------------------------------------------------
# LIK-06: L(θ) = P(D|θ) is a probability only for discrete data
# ----------------------------------------------------------------------------------------------

@pytest.mark.claim("LIK-06")
def test_likelihood_is_a_probability_only_for_discrete_data(mc):
    """Bernoulli: L = P(D exactly) <= 1. Normal with σ = 0.1: L > 1 and P(D exactly) = 0."""
    rng = mc.rng("samples")
    trials, n = 200, 10
    theta = rng.uniform(0.05, 0.95, size=trials)
    x = (rng.uniform(size=(trials, n)) < theta[:, None]).astype(int)
    like = np.prod(theta[:, None] ** x * (1 - theta[:, None]) ** (1 - x), axis=1)
    pmf = np.prod(stats.bernoulli.pmf(x, theta[:, None]), axis=1)
    # Ours is exact per factor (θ or 1 − θ); scipy's pmf goes through exp(log ...), a few ulp
    # per factor (<= 6 assumed); n products each way: <= (6 + 2) n eps relative.
    mc.record("Bernoulli: L(θ) is the probability of observing exactly D "
              "(scipy.stats.bernoulli.pmf)",
              decisions.exact_close(like, pmf, rtol=8 * n * EPS64, n_inputs=trials))
    mc.record("Bernoulli: L(θ) <= 1, as a probability must be",
              decisions.exact_close(np.minimum(like, 1.0), like, rtol=0.0, n_inputs=trials))
    mc.record("control: the Bernoulli likelihood exceeds 1",
              decisions.exact_close(np.maximum(like, 1.0), like, rtol=0.0, n_inputs=trials),
              role="control")
    sigma = 0.1
    mu = rng.normal(size=trials)
    z = mu[:, None] + sigma * rng.normal(size=(trials, n))
    dens = np.prod(stats.norm.pdf(z, mu[:, None], sigma), axis=1)
    mc.record("normal, σ = 0.1: L(θ) <= 1, as a probability must be",
              decisions.exact_close(np.minimum(dens, 1.0), dens, rtol=0.0, n_inputs=trials),
              role="condition", params={"sigma": sigma},
              note=f"Smallest L over the samples: {dens.min():.3g} (the density φ/σ is up to "
                   f"{1 / (sigma * math.sqrt(2 * math.pi)):.2f} per observation).")
    exactly = np.prod(stats.norm.cdf(z, mu[:, None], sigma) - stats.norm.cdf(z, mu[:, None],
                                                                             sigma), axis=1)
    mc.record("normal: the probability of observing exactly D equals L(θ)",
              decisions.exact_close(exactly, dens, rtol=0.0, n_inputs=trials),
              role="condition", params={"sigma": sigma},
              note="P(X = x) = F(x) − F(x) = 0 for every continuous law; L is a density.")
