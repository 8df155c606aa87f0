"""Compiled Baum–Welch kernels for categorical HMMs (numba), one independent fit per row.

The forward–backward recursion is sequential in time, so a vectorised numpy version pays the
interpreter's cost at every one of the T steps of every EM iteration (≈ 30 µs a step, tens of
seconds for a sweep over T). Here each replication runs its own loop in machine code and stops
on its own convergence, so a slow replication costs only its own iterations.

Only :mod:`simulations.hmm` imports this module, and only when a fit is asked for: numba's
import and (cached) compilation stay off the path of every run that does not fit an HMM.
Inputs are validated there; these functions trust their arguments.

References
----------
Rabiner, L. R. (1989). A tutorial on hidden Markov models and selected applications in speech
recognition. Proceedings of the IEEE 77(2), 257-286 (scaled forward-backward, §V.A;
re-estimation formulas (40a-c)).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["baum_welch_rows"]


@numba.njit(cache=True, nogil=True)
def _forward(o, start, trans, emit, alpha, c):  # pragma: no cover - compiled
    """Scaled forward pass; fills alpha (T, K) and the normalisers c (T,); returns log L."""
    t_len = o.shape[0]
    k_n = start.shape[0]
    s = 0.0
    for k in range(k_n):
        v = start[k] * emit[k, o[0]]
        alpha[0, k] = v
        s += v
    c[0] = s
    loglik = np.log(s)
    for k in range(k_n):
        alpha[0, k] /= s
    for t in range(1, t_len):
        s = 0.0
        for j in range(k_n):
            v = 0.0
            for i in range(k_n):
                v += alpha[t - 1, i] * trans[i, j]
            v *= emit[j, o[t]]
            alpha[t, j] = v
            s += v
        c[t] = s
        loglik += np.log(s)
        for j in range(k_n):
            alpha[t, j] /= s
    return loglik


@numba.njit(cache=True, nogil=True)
def _backward_counts(o, trans, emit, alpha, c, beta, xi, counts):  # pragma: no cover
    """Scaled backward pass fused with the E-step sums.

    Fills ``xi[i, j] = Σ_t P(s_t = i, s_{t+1} = j | o)`` and
    ``counts[k, m] = Σ_t P(s_t = k | o) 1{o_t = m}`` (Rabiner's ξ and γ summed over t).
    """
    t_len = o.shape[0]
    k_n = trans.shape[0]
    xi[:, :] = 0.0
    counts[:, :] = 0.0
    for k in range(k_n):
        beta[k] = 1.0
        counts[k, o[t_len - 1]] += alpha[t_len - 1, k]
    new = np.empty(k_n)
    for t in range(t_len - 2, -1, -1):
        inv = 1.0 / c[t + 1]
        for i in range(k_n):
            v = 0.0
            for j in range(k_n):
                w = trans[i, j] * emit[j, o[t + 1]] * beta[j] * inv
                xi[i, j] += alpha[t, i] * w
                v += w
            new[i] = v
        for i in range(k_n):
            beta[i] = new[i]
            counts[i, o[t]] += alpha[t, i] * new[i]


@numba.njit(cache=True, nogil=True)
def _normalise_rows(counts, out):  # pragma: no cover - compiled
    """``out[i, :] = counts[i, :] / sum(counts[i, :])`` (the M-step of a row-stochastic
    matrix)."""
    for i in range(counts.shape[0]):
        row = 0.0
        for j in range(counts.shape[1]):
            row += counts[i, j]
        for j in range(counts.shape[1]):
            out[i, j] = counts[i, j] / row


@numba.njit(cache=True, nogil=True)
def _fit_one(o, start, trans0, emit0, tol, max_iter, tied, out_trans, out_emit):  # pragma: no cover
    """EM for one sequence; returns (iterations, converged, final log L, largest decrease)."""
    t_len = o.shape[0]
    k_n, m_n = emit0.shape
    trans = trans0.copy()
    emit = emit0.copy()
    alpha = np.empty((t_len, k_n))
    c = np.empty(t_len)
    beta = np.empty(k_n)
    xi = np.empty((k_n, k_n))
    counts = np.empty((k_n, m_n))
    previous = -np.inf
    loglik = -np.inf
    worst = 0.0
    converged = False
    it = 0
    for it in range(max_iter + 1):
        loglik = _forward(o, start, trans, emit, alpha, c)
        if it > 0:
            worst = max(worst, previous - loglik)
            if abs(loglik - previous) <= tol:
                converged = True
                break
        if it == max_iter:
            break
        previous = loglik
        _backward_counts(o, trans, emit, alpha, c, beta, xi, counts)
        if tied:
            # Independent states: every row of the transition counts is their column sum, so
            # every row of A becomes the state frequency.
            for j in range(k_n):
                col = 0.0
                for i in range(k_n):
                    col += xi[i, j]
                for i in range(k_n):
                    xi[i, j] = col
        _normalise_rows(xi, trans)
        _normalise_rows(counts, emit)
    out_trans[:, :] = trans
    out_emit[:, :] = emit
    return it, converged, loglik, worst


@numba.njit(cache=True, nogil=True)
def baum_welch_rows(obs, start, trans0, emit0, tol, max_iter, tied):  # pragma: no cover
    """Fit every row of ``obs`` (R, T) from the same start; the start distribution is fixed.

    Returns trans (R, K, K), emit (R, K, M), iterations (R,), converged (R,), loglik (R,) and
    the largest one-step decrease of the log-likelihood (R,; 0 when it never decreased).
    """
    r_n = obs.shape[0]
    k_n, m_n = emit0.shape
    trans = np.empty((r_n, k_n, k_n))
    emit = np.empty((r_n, k_n, m_n))
    iterations = np.empty(r_n, np.int64)
    converged = np.empty(r_n, np.bool_)
    loglik = np.empty(r_n)
    worst = np.empty(r_n)
    for r in range(r_n):
        it, ok, ll, w = _fit_one(obs[r], start, trans0, emit0, tol, max_iter, tied,
                                 trans[r], emit[r])
        iterations[r] = it
        converged[r] = ok
        loglik[r] = ll
        worst[r] = w
    return trans, emit, iterations, converged, loglik, worst
