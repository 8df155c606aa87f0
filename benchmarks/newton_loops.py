"""Competent per-replication numpy Newton loops: the fair baseline of the batched MLEs.

A loop of ``statsmodels``/``scipy`` fits pays for their generality (formula handling, result
objects, Nelder–Mead where Newton would do). A user who knows the model writes instead a
few lines of numpy per replication: Newton's method from a good start, on the exact score
and Hessian, stopping when the step is below ``tol``. These are those lines; the batched
estimators of :mod:`simulations` must beat them too (performance contract: >= 10x).

References
----------
McCullagh & Nelder (1989), §4.4 (logistic IRLS); Minka (2002), "Estimating a Gamma
distribution" (start and Newton on the shape); Copas (1975) (Cauchy location, Newton from
the median with step halving).
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["cauchy_newton_loop", "gamma_newton_loop", "logistic_newton_loop"]

TOL: float = 1e-10
MAX_ITER: int = 100


def logistic_newton_loop(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Newton/IRLS per replication: ``X`` (R, n, p), ``y`` (R, n) -> coefficients (R, p)."""
    out = np.empty((X.shape[0], X.shape[2]))
    for r in range(X.shape[0]):
        x, t = X[r], y[r]
        w = np.zeros(x.shape[1])
        for _ in range(MAX_ITER):
            p = special.expit(x @ w)
            step = np.linalg.solve((x.T * (p * (1.0 - p))) @ x, x.T @ (t - p))
            w += step
            if np.max(np.abs(step)) <= TOL * (1.0 + np.max(np.abs(w))):
                break
        out[r] = w
    return out


def gamma_newton_loop(x: np.ndarray) -> np.ndarray:
    """Shape and rate per replication by Newton on ``log a - ψ(a) = s`` from Minka's start.

    ``x`` (R, n) positive -> (R, 2) with columns shape, rate = shape / mean.
    """
    out = np.empty((x.shape[0], 2))
    for r in range(x.shape[0]):
        row = x[r]
        mean = row.mean()
        s = np.log(mean) - np.log(row).mean()
        a = (3.0 - s + np.sqrt((s - 3.0) ** 2 + 24.0 * s)) / (12.0 * s)
        for _ in range(MAX_ITER):
            f = np.log(a) - special.digamma(a) - s
            step = f / (1.0 / a - special.polygamma(1, a))
            a_new = a - step
            a = a_new if a_new > 0 else a / 2.0
            if abs(step) <= TOL * a:
                break
        out[r] = a, a / mean
    return out


def cauchy_newton_loop(x: np.ndarray, scale: float,
                       starts: tuple[float, ...] = (0.25, 0.5, 0.75)) -> np.ndarray:
    """Location per replication, the same estimator as the batched one: Newton on the score
    from each of the sample quartiles (the likelihood can have several local maxima), halving
    any step that lowers the log-likelihood; the highest maximum wins. ``x`` (R, n) -> (R,)."""
    out = np.empty(x.shape[0])
    s2 = scale * scale

    def loglik(row: np.ndarray, t: float) -> float:
        return -float(np.log1p((row - t) ** 2 / s2).sum())

    for r in range(x.shape[0]):
        row = x[r]
        best = [(-np.inf, np.nan)]
        for q in np.quantile(row, starts):
            best.append(_cauchy_climb(row, float(q), s2, loglik))
        out[r] = max(best)[1]
    return out


def _cauchy_climb(row: np.ndarray, t: float, s2: float, loglik) -> tuple[float, float]:
    """(log-likelihood, location) of the local maximum Newton reaches from ``t``."""
    ll = loglik(row, t)
    for _ in range(MAX_ITER):
        d = row - t
        q = d * d + s2
        grad = float((2.0 * d / q).sum())
        hess = float((2.0 * (d * d - s2) / (q * q)).sum())
        step = -grad / hess if hess < 0 else grad * s2 / row.size  # ascent if not concave
        for _ in range(50):
            cand = loglik(row, t + step)
            if cand >= ll:
                t, ll = t + step, cand
                break
            step /= 2.0
        else:
            step = 0.0    # no ascent within 50 halvings: t is a maximiser to rounding
        if abs(step) <= TOL * (1.0 + abs(t)):
            break
    return ll, t
