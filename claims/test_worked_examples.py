"""EX — the worked examples of the Korean document (EX-01..04).

Exact identities use tolerances derived from float64 machine epsilon; the one Monte Carlo
claim (EX-04) uses the exact χ² law of a mean of sample variances and, for the MSEs, z-tests
on the MCSE of Morris, White & Crowther (2019, Table 6) with replications that make their
normal tail valid at α (second-order Edgeworth criterion, :mod:`claimkit.normal_tails`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.polynomial import Polynomial
from scipy import optimize, special, stats

from claimkit import decisions, mcse
from claimkit.normal_tails import reps_for_normal_tail
from simulations.reference_fits import BFGS_BOUND_FACTOR

EPS64 = float(np.finfo(np.float64).eps)
SQRT_EPS64 = math.sqrt(EPS64)
#: xatol passed to scipy's bounded Brent minimiser.
XATOL = 1e-10
#: Rounding allowance of a log-likelihood evaluated as a sum of terms: F_ROUND * eps * |l|.
F_ROUND = 8.0


def _brent_resolution(x_star: np.ndarray, f_abs: np.ndarray, curvature: np.ndarray) -> float:
    """How far scipy's bounded Brent minimiser may stop from the exact minimiser x*.

    See :func:`claimkit.decisions.brent_resolution`; ``f`` is rounded to ``F_ROUND eps |f|``.
    """
    return decisions.brent_resolution(x_star, F_ROUND * EPS64 * np.asarray(f_abs), curvature,
                                      xatol=XATOL)


# ----------------------------------------------------------------------------------------------
# EX-01: 7 heads in 10 tosses
# ----------------------------------------------------------------------------------------------

def _bernoulli_score(k: int, n: int, p: np.ndarray | float) -> np.ndarray:
    """dℓ/dp = k/p − (n−k)/(1−p)."""
    return k / np.asarray(p) - (n - k) / (1 - np.asarray(p))


@pytest.mark.claim("EX-01")
def test_seven_heads_in_ten(mc):
    """dℓ/dp = 7/p − 3/(1−p) vanishes at p̂ = 0.7; the optimiser and data.mean() agree."""
    data = np.array([1, 1, 1, 0, 1, 1, 0, 1, 0, 1])
    # 7/0.7 and 3/0.3 are each within one rounding of 10: the difference is O(10·eps).
    mc.record("dℓ/dp = 0 at p = 0.7",
              decisions.exact_close(_bernoulli_score(7, 10, 0.7), 0.0, rtol=0.0,
                                    atol=4 * 10 * EPS64))
    res = optimize.minimize_scalar(lambda p: -(7 * math.log(p) + 3 * math.log(1 - p)),
                                   bounds=(1e-9, 1 - 1e-9), method="bounded",
                                   options={"xatol": XATOL})
    # ℓ(0.7) = −6.11, −ℓ''(0.7) = 10/(0.7·0.3) = 47.6.
    loglik_hat = 7 * math.log(0.7) + 3 * math.log(0.3)
    mc.record("numerical argmax of ℓ(p) = 7 log p + 3 log(1−p) is 0.7",
              decisions.exact_close(res.x, 0.7, rtol=0.0, atol=_brent_resolution(
                  0.7, abs(loglik_hat), 10 / (0.7 * 0.3))))
    mc.record("np.array([1,1,1,0,1,1,0,1,0,1]).mean() = 0.7",
              decisions.exact_close(data.mean(), 0.7, rtol=decisions.eps_tolerance(np.float64)))
    mc.record("control: dℓ/dp = 0 at p = 0.5",
              decisions.exact_close(_bernoulli_score(7, 10, 0.5), 0.0, rtol=0.0,
                                    atol=4 * 10 * EPS64), role="control",
              note="At p = 0.5 the score is 7/0.5 − 3/0.5 = 8: not a stationary point.")


@pytest.mark.claim("EX-01")
@pytest.mark.parametrize("n", [5, 17, 60])
def test_general_k_of_n(mc, n):
    """For every 0 < k < n the maximiser of k log p + (n−k) log(1−p) is k/n, a maximum."""
    ks = np.arange(1, n)
    found = np.array([optimize.minimize_scalar(
        lambda p, k=k: -(k * math.log(p) + (n - k) * math.log(1 - p)),
        bounds=(1e-12, 1 - 1e-12), method="bounded", options={"xatol": XATOL}).x for k in ks])
    # Brent's stopping bracket plus the flatness radius of ℓ at p̂ = k/n, where
    # −ℓ''(p̂) = n³/(k(n−k)) and |ℓ(p̂)| = −k log p̂ − (n−k) log(1−p̂).
    p_hat = ks / n
    f_abs = -(ks * np.log(p_hat) + (n - ks) * np.log1p(-p_hat))
    mc.record("numerical argmax = k/n for all 0 < k < n",
              decisions.exact_close(found, p_hat, rtol=0.0,
                                    atol=_brent_resolution(p_hat, f_abs,
                                                           n ** 3 / (ks * (n - ks))),
                                    n_inputs=n - 1))
    second = -ks / (ks / n) ** 2 - (n - ks) / (1 - ks / n) ** 2
    # 1 − p has condition number p/(1−p) ≤ n−1 at p = k/n, doubled by the square: cond ≤ 2n.
    mc.record("d²ℓ/dp² = −n³/(k(n−k)) < 0 at p = k/n",
              decisions.exact_close(second, -n ** 3 / (ks * (n - ks)), rtol=
                                    decisions.eps_tolerance(np.float64, condition=2 * n, ops=8),
                                    n_inputs=n - 1))


# ----------------------------------------------------------------------------------------------
# EX-02 / EX-03: the normal log-likelihood and its maximiser
# ----------------------------------------------------------------------------------------------

def _normal_loglik(x: np.ndarray, mu: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    """ℓ(μ, σ²) = −(n/2) log(2πσ²) − Σ(x−μ)²/(2σ²), as written in the document, per row."""
    n = x.shape[-1]
    return -(n / 2) * np.log(2 * np.pi * sigma2) - ((x - mu[:, None]) ** 2).sum(axis=-1) / (
        2 * sigma2)


@pytest.mark.claim("EX-02")
@pytest.mark.parametrize("n", [1, 10, 1000])
def test_normal_log_likelihood_formula(mc, n):
    """The document's ℓ(μ, σ²) equals the sum of scipy.stats.norm.logpdf."""
    rng = mc.rng("data")
    mu, sigma2 = rng.normal(0, 3, size=40), rng.uniform(0.1, 9, size=40)
    x = mu[:, None] + np.sqrt(sigma2)[:, None] * rng.normal(size=(40, n))
    terms = stats.norm.logpdf(x, loc=mu[:, None], scale=np.sqrt(sigma2)[:, None])
    # Both sides are n-term float64 sums: rounding bound 4·n·eps·Σ|terms| (Higham 2002, §4.2).
    tol = 4 * (n + 4) * EPS64 * np.abs(terms).sum(axis=1)
    formula = _normal_loglik(x, mu, sigma2)
    mc.record("ℓ(μ,σ²) = −(n/2)log(2πσ²) − Σ(x−μ)²/(2σ²) equals Σ norm.logpdf",
              decisions.exact_close(formula, terms.sum(axis=1), rtol=0.0, atol=tol.max(),
                                    n_inputs=40))
    wrong = formula + (n / 2) * np.log(2 * np.pi * sigma2) - (n / 2) * np.log(
        2 * np.pi * np.sqrt(sigma2))
    mc.record("control: the same formula with log(2πσ) in place of log(2πσ²)",
              decisions.exact_close(wrong, terms.sum(axis=1), rtol=0.0, atol=tol.max(),
                                    n_inputs=40), role="control")


@pytest.mark.claim("EX-03")
@pytest.mark.parametrize("n", [3, 30, 1000])
def test_normal_mle_is_mean_and_biased_variance(mc, n):
    """x̄ and (1/n)Σ(x−x̄)² maximise ℓ; numpy's default std and scipy's norm.fit agree."""
    rng = mc.rng("data")
    x = rng.normal(5.0, 2.0, size=(12, n))
    mu_hat = x.mean(axis=1)
    s2_mle = ((x - mu_hat[:, None]) ** 2).sum(axis=1) / n
    rtol = decisions.eps_tolerance(np.float64, ops=4 * n)
    mc.record("np.std (ddof=0)² = (1/n)Σ(x−x̄)²",
              decisions.exact_close(x.std(axis=1) ** 2, s2_mle, rtol=rtol, n_inputs=12))
    fits = np.array([stats.norm.fit(row) for row in x])
    mc.record("scipy.stats.norm.fit = (x̄, σ̂_MLE)",
              decisions.exact_close(fits, np.stack([mu_hat, np.sqrt(s2_mle)], axis=1), rtol=rtol,
                                    n_inputs=12), note=f"scipy {__import__('scipy').__version__}")
    # Numerical maximisation of the document's ℓ over (μ, τ = log σ²) from a deliberately poor
    # start, BFGS with the exact gradient. Certificate instead of a guessed tolerance: at the
    # optimum the Hessian of −ℓ in (μ, τ) is diag(n/σ̂², n/2) (the cross term Σ(x−μ)/σ² vanishes),
    # so a point with gradient g is within BFGS_BOUND_FACTOR·|g|/λ_min of it (local strong
    # convexity, factor 2 for the change of the Hessian over that distance; as
    # simulations.reference_fits). Rounding: the gradient's components are n-term sums, off by
    # at most (n + 4)·eps·Σ|terms| (Higham 2002, §4.2), and log σ̂² by 4n·eps·max(1, |log σ̂²|).
    def neg_loglik(t: np.ndarray, row: np.ndarray) -> tuple[float, np.ndarray]:
        d = row - t[0]
        inv = math.exp(-t[1])
        value = -float(_normal_loglik(row[None, :], t[:1], np.exp(t[1:]))[0])
        return value, np.array([-float(d.sum()) * inv, 0.5 * n - 0.5 * float(d @ d) * inv])

    fits_num = [optimize.minimize(neg_loglik, x0=np.array([0.0, 0.0]), args=(row,), jac=True,
                                  method="BFGS", options={"gtol": 1e-10}) for row in x]
    num = np.array([r.x for r in fits_num])
    lam_min = np.minimum(n / s2_mle, 0.5 * n)
    gnorm = np.array([float(np.linalg.norm(r.jac)) for r in fits_num])
    dev = np.abs(x - mu_hat[:, None])
    grad_round = (n + 4) * EPS64 * (dev.sum(axis=1) / s2_mle + 0.5 * n + n)
    cert = BFGS_BOUND_FACTOR * (gnorm + grad_round) / lam_min
    # In σ² = e^τ an error δ of τ is an error of at most σ̂² δ (1 + δ) (δ <= 1).
    bound = cert + 4 * n * EPS64 * np.maximum(1.0, np.abs(np.log(s2_mle)))
    atol = float(np.max(bound * np.maximum(1.0, s2_mle * (1.0 + bound))))
    mc.record("numerical argmax of ℓ(μ, σ²) = (x̄, σ̂²_MLE)",
              decisions.exact_close(np.stack([num[:, 0], np.exp(num[:, 1])], axis=1),
                                    np.stack([mu_hat, s2_mle], axis=1), rtol=0.0, atol=atol,
                                    n_inputs=12),
              params={"max_gradient": float(gnorm.max())},
              note="atol = 2(|∇(−ℓ)| + gradient rounding)/λ_min(Hessian) at the BFGS point, "
                   "plus the rounding of log σ̂², mapped to σ²: an optimiser certificate.")
    s2_unbiased = x.var(axis=1, ddof=1)
    score_at = lambda s2: -n / (2 * s2) + n * s2_mle / (2 * s2 ** 2)  # ∂ℓ/∂σ² at μ = x̄
    mc.record("control: ∂ℓ/∂σ² = 0 at s² (ddof=1)",
              decisions.exact_close(score_at(s2_unbiased), 0.0, rtol=0.0,
                                    atol=float(np.max(n / s2_mle)) * 8 * n * EPS64, n_inputs=12),
              role="control", note="ddof=1 divides by n−1: it is not the maximiser.")


# ----------------------------------------------------------------------------------------------
# EX-04: the MLE of σ² is biased; E[σ̂²] = (n−1)σ²/n
# ----------------------------------------------------------------------------------------------

N_GRID = (2, 5, 10, 50)
#: Replications at the standard scale, before the tail-validity floor below. At n = 50 the
#: control "σ̂² is unbiased" sits 0.02σ² from the truth; the exact χ² rule detects relative
#: deviations of (z_{1−α/2} + z_{.99})·sqrt(2/(R(n−1))) = 0.0073 at R = 40 000 (2.7 δ away).
EX04_REPS = 40_000
EX04_MIN_REPS = 10_000


def chi2_poly_moments(poly: Polynomial, k: int) -> tuple[float, float, float, float]:
    """Mean, variance, skewness and excess kurtosis of ``poly(X)``, ``X ~ χ²_k``, exactly.

    Uses the raw moments ``E[X^m] = 2^m Γ(k/2 + m) / Γ(k/2)`` of the chi-square law and the
    coefficients of ``poly^j`` (j = 1..4).
    """
    raw = [math.exp(m * math.log(2.0) + special.gammaln(k / 2 + m) - special.gammaln(k / 2))
           for m in range(4 * poly.degree() + 1)]
    mu = [sum(c * raw[i] for i, c in enumerate((poly ** j).coef)) for j in range(5)]
    m = mu[1]
    var = mu[2] - m * m
    m3 = mu[3] - 3 * m * mu[2] + 2 * m ** 3
    m4 = mu[4] - 4 * m * mu[3] + 6 * m * m * mu[2] - 3 * m ** 4
    return m, var, m3 / var ** 1.5, m4 / var ** 2 - 3.0


def _mse_statistics(n: int) -> dict[str, Polynomial]:
    """The per-replication MSE statistics as polynomials of X = (n − 1) s²/σ² ~ χ²_{n−1} (σ = 1;
    skewness and kurtosis do not depend on σ)."""
    mle, s2 = Polynomial([-1.0, 1.0 / n]), Polynomial([-1.0, 1.0 / (n - 1)])
    return {"mse_mle": mle ** 2, "mse_s2": s2 ** 2, "diff": mle ** 2 - s2 ** 2}


def ex04_reps(n: int, alpha: float) -> int:
    """Replications at ``n``: the z-tests of the MSEs need their normal tail to hold at α.

    The squared errors are strongly skewed (skewness 18 and excess kurtosis 640 at n = 2); the
    second-order Edgeworth criterion (:mod:`claimkit.normal_tails`) with their exact moments
    gives the floor (6.6e5 at n = 2, 3.0e4 at n = 50, for the z-tests' nominal level α/1.5),
    so it holds by design at every scale.
    """
    need = [reps_for_normal_tail(*chi2_poly_moments(p, n - 1)[2:], alpha)
            for p in _mse_statistics(n).values()]
    return max(need)


def _variances(n: int, sigma: float):
    def kernel(rng, size):
        x = rng.normal(0.0, sigma, size=(size, n))
        return np.stack([x.var(axis=1), x.var(axis=1, ddof=1)], axis=1)
    return kernel


@pytest.mark.claim("EX-04")
@pytest.mark.parametrize("sigma", [1.0, 2.0])
def test_mle_variance_is_biased(mc, sigma):
    """E[σ̂²_MLE] = (n−1)σ²/n (exact χ² rule), s² = n/(n−1)·σ̂², and the MSEs, at n ∈ {2,5,10,50}."""
    s2 = sigma ** 2
    bias_mc, bias_lo, bias_hi = [], [], []
    for n in N_GRID:
        floor = max(EX04_MIN_REPS, ex04_reps(n, mc.alpha))
        res = mc.simulate("variances", _variances(n, sigma), max(EX04_REPS, floor),
                          min_reps=floor, n=n)
        mle, unbiased = res.stats[:, 0], res.stats[:, 1]
        r = res.n_reps
        common = dict(params={"n": n}, seed=res.seed)
        m = float(np.mean(mle))
        # The mean of R values σ² χ²_{n−1}/n is σ²/n · χ²_{R(n−1)}/R: an exact law, no normal tail.
        biased = decisions.chi2_scale(m, (n - 1) / n * s2, df=r * (n - 1), alpha=mc.alpha,
                                      n_reps=r)
        mc.record(f"n={n}: E[σ̂²_MLE] = (n−1)σ²/n", biased, **common)
        # s² is n/(n−1)·σ̂² replication by replication (one division and one product: 3 ULPs),
        # so E[s²] = σ² follows from the check above without spending α twice.
        mc.record(f"n={n}: s² = n/(n−1)·σ̂²_MLE in every replication, so E[s²] = σ²",
                  decisions.exact_close(unbiased, mle * n / (n - 1),
                                        rtol=decisions.eps_tolerance(np.float64, ops=4 * n),
                                        n_inputs=r), **common)
        stats_ = _mse_statistics(n)
        values = {"mse_mle": (mle - s2) ** 2, "mse_s2": (unbiased - s2) ** 2,
                  "diff": (mle - s2) ** 2 - (unbiased - s2) ** 2}
        texts = {
            "mse_mle": f"n={n}: MSE(σ̂²_MLE) = (2n−1)σ⁴/n² (Casella & Berger 2002, Ex. 7.3.3)",
            "mse_s2": f"n={n}: MSE(s²) = 2σ⁴/(n−1) (Casella & Berger 2002, Ex. 7.3.3)",
            "diff": f"n={n}: MSE(σ̂²_MLE) − MSE(s²) = "
                    f"{((2 * n - 1) / n ** 2 - 2 / (n - 1)):.4g}σ⁴ (< 0)",
        }
        for key, poly in stats_.items():
            mean_, _, skew, kurt = chi2_poly_moments(poly, n - 1)
            est = mcse.mean(values[key])
            mc.record(texts[key],
                      decisions.z_test(est.value, est.mcse, mean_ * s2 ** 2, alpha=mc.alpha,
                                       n_reps=r, skewness=skew, kurtosis=kurt), **common,
                      note="Exact moments of the statistic (a polynomial of χ²_{n−1}) give the "
                           "skewness and kurtosis of the Edgeworth criterion.")
        mc.record(f"control: n={n}: σ̂²_MLE is unbiased",
                  decisions.chi2_scale(m, s2, df=r * (n - 1), alpha=mc.alpha, n_reps=r),
                  role="control", **common)
        bias_mc.append(m - s2)
        bias_lo.append(biased.ci[0] - s2)
        bias_hi.append(biased.ci[1] - s2)
    fig = {"kind": "line", "title": f"Bias of σ̂²_MLE (σ = {sigma:g})", "xlabel": "n",
           "ylabel": "E[σ̂²] − σ²", "xscale": "log", "yscale": "linear",
           "series": [{"label": "Monte Carlo (band: 1−α interval)", "x": list(N_GRID),
                       "y": bias_mc, "lo": bias_lo, "hi": bias_hi}],
           "reference": [{"label": "theory −σ²/n", "x": list(N_GRID),
                          "y": [-s2 / n for n in N_GRID]},
                         {"label": "unbiased (0)", "x": list(N_GRID), "y": [0.0] * len(N_GRID)}]}
    mc.attach_figure(fig)
