"""Discrete hidden Markov models: the forward algorithm and brute-force enumeration.

A categorical HMM with ``K`` hidden states and ``M`` symbols has a start distribution
``π`` (K,), a transition matrix ``A`` (K, K, rows sum to 1) and an emission matrix ``B``
(K, M). The likelihood of observations ``o_1..o_T`` is the sum over all K^T hidden paths of
``π_{s_1} B_{s_1 o_1} ∏_t A_{s_{t-1} s_t} B_{s_t o_t}``; :func:`forward_loglik` computes it in
O(T K²) with per-step normalisation (Rabiner 1989, §III.A and §V.A), :func:`brute_force_loglik`
by the sum itself (small T only).

References
----------
Rabiner, L. R. (1989). A tutorial on hidden Markov models and selected applications in speech
recognition. Proceedings of the IEEE 77(2), 257-286.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from claimkit.validation import as_finite_array, positive_int, positive_scalar

__all__ = ["HMMFit", "align_states", "brute_force_loglik", "fit_baum_welch", "forward_loglik",
           "random_hmm", "sample_hmm"]


def _check_model(start: object, trans: object, emit: object
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """π, A and B validated: a probability vector and two row-stochastic matrices."""
    pi = as_finite_array(start, "start")
    a = as_finite_array(trans, "trans")
    b = as_finite_array(emit, "emit")
    k = pi.shape[0] if pi.ndim == 1 else 0
    if pi.ndim != 1 or k < 1 or np.any(pi < 0) or not np.isclose(pi.sum(), 1.0):
        raise ValueError("`start` must be a probability vector.")
    if a.shape != (k, k) or np.any(a < 0) or not np.allclose(a.sum(axis=1), 1.0):
        raise ValueError("`trans` must be a K×K row-stochastic matrix (K = len(start)).")
    if b.ndim != 2 or b.shape[0] != k or np.any(b < 0) or not np.allclose(b.sum(axis=1), 1.0):
        raise ValueError("`emit` must be a K×M row-stochastic matrix (K = len(start)).")
    return pi, a, b


def _check(obs: object, start: object, trans: object, emit: object
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    pi, a, b = _check_model(start, trans, emit)
    o = np.asarray(obs)
    if o.ndim != 1 or o.size < 1 or not np.issubdtype(o.dtype, np.integer) \
            or np.any(o < 0) or np.any(o >= b.shape[1]):
        raise ValueError("`obs` must be a non-empty 1-D array of symbols in [0, M).")
    return o, pi, a, b


def forward_loglik(obs: object, start: object, trans: object, emit: object) -> float:
    """log P(o_1..o_T) by the scaled forward algorithm.

    Parameters
    ----------
    obs : array_like of int, shape (T,)
        Observed symbols.
    start, trans, emit : array_like
        π (K,), A (K, K), B (K, M).

    Returns
    -------
    float
        The log-likelihood, the sum of the logs of the per-step normalisers.

    Raises
    ------
    ValueError
        Naming the parameter that is not a valid HMM component or observation sequence.
    """
    o, pi, a, b = _check(obs, start, trans, emit)
    alpha = pi * b[:, o[0]]
    c = alpha.sum()
    total = np.log(c)
    alpha = alpha / c
    for sym in o[1:]:
        alpha = (alpha @ a) * b[:, sym]
        c = alpha.sum()
        total += np.log(c)
        alpha = alpha / c
    return float(total)


def brute_force_loglik(obs: object, start: object, trans: object, emit: object) -> float:
    """log P(o_1..o_T) as the log of the sum over all K^T hidden paths (log-sum-exp).

    Raises
    ------
    ValueError
        As :func:`forward_loglik`, or when K^T exceeds 2^20 paths.
    """
    o, pi, a, b = _check(obs, start, trans, emit)
    k, t = pi.shape[0], o.shape[0]
    if k ** t > 2 ** 20:
        raise ValueError(f"`obs` is too long for enumeration: {k}^{t} paths.")
    paths = np.array(list(itertools.product(range(k), repeat=t)))
    with np.errstate(divide="ignore"):
        logp = (np.log(pi[paths[:, 0]]) + np.log(b[paths, o]).sum(axis=1)
                + np.log(a[paths[:, :-1], paths[:, 1:]]).sum(axis=1))
    return float(logsumexp(logp))


def random_hmm(rng: np.random.Generator, k: int, m: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random HMM (Dirichlet(1) rows): start (k,), trans (k, k), emit (k, m)."""
    if k < 1 or m < 1:
        raise ValueError("`k` and `m` must be positive.")
    return rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k), size=k), \
        rng.dirichlet(np.ones(m), size=k)


def sample_hmm(rng: np.random.Generator, size: int, t: int, start: object, trans: object,
               emit: object) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``size`` independent state and symbol sequences of length ``t``.

    Two uniforms per time step and sequence (one for the state, one for the symbol), turned
    into draws by inverting the cumulative rows of π, A and B.

    Returns
    -------
    states, obs : ndarray of int64, shape (size, t)

    Raises
    ------
    ValueError
        Naming ``size``, ``t`` or the HMM component that is invalid.
    """
    size = positive_int(size, "size")
    t = positive_int(t, "t")
    pi, a, b = _check_model(start, trans, emit)
    u_state = rng.random((t, size))
    u_symbol = rng.random((size, t))
    # Searching cumulative rows; the last entry is set to 1 so rounding never runs past it.
    cum_pi, cum_a, cum_b = (np.cumsum(m, axis=-1) for m in (pi, a, b))
    for cum in (cum_pi, cum_a, cum_b):
        cum[..., -1] = 1.0
    states = np.empty((size, t), dtype=np.int64)
    states[:, 0] = np.searchsorted(cum_pi, u_state[0], side="right")
    for step in range(1, t):
        rows = cum_a[states[:, step - 1]]
        states[:, step] = (u_state[step][:, None] >= rows).sum(axis=1)
    obs = (u_symbol[..., None] >= cum_b[states]).sum(axis=-1)
    return states, obs


@dataclass(frozen=True)
class HMMFit:
    """Baum–Welch fits, one per row of the observations.

    Attributes
    ----------
    trans : ndarray, shape (R, K, K)
    emit : ndarray, shape (R, K, M)
    loglik : ndarray, shape (R,)
        Log-likelihood at the returned parameters.
    iterations : ndarray of int, shape (R,)
        EM updates made.
    converged : ndarray of bool, shape (R,)
        Whether ``|l_t - l_{t-1}| <= tol`` was reached within ``max_iter``.
    max_decrease : ndarray, shape (R,)
        Largest one-step decrease ``l_{t-1} - l_t`` seen (≤ 0 when l never decreased).
    """

    trans: np.ndarray
    emit: np.ndarray
    loglik: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    max_decrease: np.ndarray


def fit_baum_welch(obs: object, start: object, trans: object, emit: object, *,
                   tol: float = 1e-4, max_iter: int = 1000, tied: bool = False) -> HMMFit:
    """Fit a categorical HMM to every row of ``obs`` by Baum–Welch (EM), the start fixed.

    Parameters
    ----------
    obs : array_like of int, shape (R, T) or (T,)
        Symbol sequences, one independent fit per row.
    start : array_like, shape (K,)
        Start distribution π, held fixed: one sequence carries one draw of the first state,
        so π cannot be estimated consistently from it (its effect on l is O(1) in T).
    trans, emit : array_like
        Starting values of A (K, K) and B (K, M), the same for every row.
    tol : float, optional
        Stop a row when its log-likelihood changes by at most ``tol`` (absolute).
    max_iter : int, optional
        Most EM updates per row.
    tied : bool, optional
        Fit the *independent-states* model instead (every row of A equal to the state
        frequencies: a mixture of categoricals), a misspecified model when A has memory.

    Returns
    -------
    HMMFit

    Raises
    ------
    ValueError
        Naming the parameter: an invalid HMM component, observations that are not a non-empty
        integer array of symbols in [0, M) with at least two steps, a non-positive ``tol`` or
        ``max_iter``.

    Notes
    -----
    E-step by the scaled forward-backward recursions, M-step by Rabiner's re-estimation
    formulas (40b-c) [1]_; EM never decreases l [2]_ (``max_decrease`` records rounding-level
    violations). Compiled with numba (:mod:`simulations.hmm_kernels`).

    References
    ----------
    .. [1] Rabiner (1989), see the module references.
    .. [2] Baum, L. E., Petrie, T., Soules, G. and Weiss, N. (1970). A maximization technique
       occurring in the statistical analysis of probabilistic functions of Markov chains.
       Ann. Math. Statist. 41(1), 164-171.
    """
    pi, a, b = _check_model(start, trans, emit)
    o = np.asarray(obs)
    if o.ndim == 1:
        o = o[None, :]
    if o.ndim != 2 or o.shape[1] < 2 or o.shape[0] < 1 \
            or not np.issubdtype(o.dtype, np.integer) or np.any(o < 0) \
            or np.any(o >= b.shape[1]):
        raise ValueError("`obs` must be a non-empty (R, T) integer array, T >= 2, of symbols "
                         "in [0, M).")
    tol = positive_scalar(tol, "tol")
    max_iter = positive_int(max_iter, "max_iter")
    from simulations.hmm_kernels import baum_welch_rows

    out = baum_welch_rows(np.ascontiguousarray(o, dtype=np.int64), pi, a, b, tol, max_iter,
                          bool(tied))
    return HMMFit(trans=out[0], emit=out[1], iterations=out[2], converged=out[3],
                  loglik=out[4], max_decrease=out[5])


def align_states(trans: np.ndarray, emit: np.ndarray, true_trans: np.ndarray,
                 true_emit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relabel the hidden states of each fit to the permutation nearest the truth.

    An HMM's likelihood is invariant under relabelling the states, so a fit recovers the
    parameters only up to a permutation (label switching); each row takes the permutation
    with the smallest squared distance of (A, B) to the truth.

    Parameters
    ----------
    trans, emit : ndarray, shapes (R, K, K) and (R, K, M)
    true_trans, true_emit : ndarray, shapes (K, K) and (K, M)

    Returns
    -------
    trans, emit : ndarray
        Relabelled copies.
    """
    k = true_trans.shape[0]
    if trans.shape[1:] != (k, k) or emit.shape[1:] != true_emit.shape \
            or trans.shape[0] != emit.shape[0]:
        raise ValueError("`trans` and `emit` must be (R, K, K) and (R, K, M) fits of the "
                         "model of `true_trans` and `true_emit`.")
    perms = np.array(list(itertools.permutations(range(k))))
    ta = trans[:, perms[:, :, None], perms[:, None, :]]   # (R, P, K, K)
    tb = emit[:, perms, :]                                  # (R, P, K, M)
    dist = ((ta - true_trans) ** 2).sum(axis=(2, 3)) + ((tb - true_emit) ** 2).sum(axis=(2, 3))
    best = dist.argmin(axis=1)
    rows = np.arange(trans.shape[0])
    return ta[rows, best], tb[rows, best]
