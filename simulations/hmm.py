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

import numpy as np
from scipy.special import logsumexp

from claimkit.validation import as_finite_array

__all__ = ["brute_force_loglik", "forward_loglik", "random_hmm"]


def _check(obs: object, start: object, trans: object, emit: object
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    pi = as_finite_array(start, "start")
    a = as_finite_array(trans, "trans")
    b = as_finite_array(emit, "emit")
    o = np.asarray(obs)
    k = pi.shape[0] if pi.ndim == 1 else 0
    if pi.ndim != 1 or k < 1 or np.any(pi < 0) or not np.isclose(pi.sum(), 1.0):
        raise ValueError("`start` must be a probability vector.")
    if a.shape != (k, k) or np.any(a < 0) or not np.allclose(a.sum(axis=1), 1.0):
        raise ValueError("`trans` must be a K×K row-stochastic matrix (K = len(start)).")
    if b.ndim != 2 or b.shape[0] != k or np.any(b < 0) or not np.allclose(b.sum(axis=1), 1.0):
        raise ValueError("`emit` must be a K×M row-stochastic matrix (K = len(start)).")
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
