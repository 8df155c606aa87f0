"""Univariate Gaussian mixtures: a stable log-likelihood and EM batched across replications.

A ``K``-component univariate Gaussian mixture has density

.. math:: p(x \\mid \\theta) = \\sum_{k=1}^{K} w_k \\, \\varphi(x; \\mu_k, \\sigma_k^2),

with weights ``w`` on the simplex, means ``mu`` and standard deviations ``sigma > 0``. Every
function here works on a *batch* of independent data sets: data of shape ``(reps, n)`` and
parameters of shape ``(reps, K)``, so a whole Monte Carlo chunk is fitted in one set of array
operations. The log-likelihood uses the log-sum-exp trick, so it stays finite when every
component density underflows and when one density is enormous (``sigma -> 0``).

EM (Dempster, Laird & Rubin 1977) alternates the E-step (responsibilities
``r_ik = w_k phi_k(x_i) / p(x_i)``) and the M-step (weighted proportions, means and standard
deviations). Each iteration cannot decrease the log-likelihood. Components are returned ordered
by increasing mean, which fixes the labels: the mixture is invariant under permuting components
(*label switching*, McLachlan & Peel 2000, §1.14), so only an ordered parameter is estimable.

The unconstrained mixture likelihood is unbounded: put ``mu_1`` on a data point and let
``sigma_1 -> 0``; the log-likelihood grows like ``-log sigma_1`` (Kiefer & Wolfowitz 1956;
Day 1969). "The MLE" of a mixture therefore means a constrained maximiser. :func:`fit_em`
enforces ``sigma_k >= min_sd``; the constrained M-step is still the exact maximiser of the EM
surrogate over the constraint set (the surrogate is unimodal in ``sigma_k``), so the ascent
property is kept.

References
----------
.. [DLR77] Dempster, A. P., Laird, N. M. & Rubin, D. B. (1977). Maximum likelihood from
   incomplete data via the EM algorithm. JRSS B 39(1), 1-38.
.. [MP00] McLachlan, G. & Peel, D. (2000). *Finite Mixture Models*. Wiley. §2.8 (EM for
   normal mixtures), §3.8-3.10 (unboundedness and constrained MLE), §1.14 (label switching).
.. [KW56] Kiefer, J. & Wolfowitz, J. (1956). Consistency of the maximum likelihood estimator
   in the presence of infinitely many incidental parameters. Ann. Math. Statist. 27, 887-906.
.. [Day69] Day, N. E. (1969). Estimating the components of a mixture of normal distributions.
   Biometrika 56(3), 463-474.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from claimkit.validation import (
    as_finite_array,
    as_probabilities,
    positive_array,
    positive_int,
    positive_scalar,
)
from simulations.order_statistics import row_quantiles

__all__ = [
    "MIN_SD_FRACTION",
    "EMResult",
    "MixtureParams",
    "ascent_violations",
    "fit_em",
    "mixture_logpdf",
    "mixture_loglik",
    "order_by_mean",
    "quantile_init",
    "sample_mixture",
]

_LOG_SQRT_2PI: float = 0.5 * math.log(2.0 * math.pi)

#: Default floor of the component standard deviations, as a fraction of each replication's
#: sample standard deviation: small enough not to bind at a regular local maximum of
#: well-posed data, large enough to stop a component from collapsing onto one point.
MIN_SD_FRACTION: float = 1e-3


@dataclass(frozen=True, slots=True)
class MixtureParams:
    """Parameters of a batch of ``K``-component univariate Gaussian mixtures.

    Attributes
    ----------
    weights : numpy.ndarray
        Mixing proportions, shape ``(reps, K)``, each row on the simplex.
    means : numpy.ndarray
        Component means, shape ``(reps, K)``.
    sds : numpy.ndarray
        Component standard deviations, shape ``(reps, K)``, all ``> 0``.
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray

    @property
    def n_components(self) -> int:
        """Number of components ``K``."""
        return int(self.means.shape[-1])


@dataclass(frozen=True, slots=True)
class EMResult:
    """Result of :func:`fit_em` on a batch of data sets.

    Non-converged replications are kept (their parameters are those after ``max_iter``
    iterations) and flagged in ``converged``: they are counted, never dropped.

    Attributes
    ----------
    weights, means, sds : numpy.ndarray
        Fitted parameters, shape ``(reps, K)``, components ordered by increasing mean.
    loglik_trace : numpy.ndarray
        Shape ``(reps, T + 1)`` with ``T`` the largest number of iterations run: column ``t``
        is the log-likelihood after ``t`` EM iterations (column 0 at the initial values).
        Entries after a replication stopped are NaN.
    iterations : numpy.ndarray
        Number of EM iterations (M-steps) of each replication, shape ``(reps,)``.
    converged : numpy.ndarray
        Whether the per-observation log-likelihood change fell below ``tol``, shape ``(reps,)``.
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    loglik_trace: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray

    @property
    def params(self) -> MixtureParams:
        """The fitted parameters as :class:`MixtureParams`."""
        return MixtureParams(self.weights, self.means, self.sds)

    @property
    def loglik(self) -> np.ndarray:
        """Final log-likelihood of each replication, shape ``(reps,)``."""
        idx = self.iterations[:, None]
        return np.take_along_axis(self.loglik_trace, idx, axis=1)[:, 0]

    @property
    def n_not_converged(self) -> int:
        """Number of replications that hit ``max_iter`` before converging."""
        return int(np.count_nonzero(~self.converged))


# --------------------------------------------------------------------------- validation

def _as_data(x: ArrayLike, name: str = "x") -> np.ndarray:
    """Data as a float64 array of shape ``(reps, n)`` (a 1-D array is one replication)."""
    arr = as_finite_array(x, name, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"`{name}` must have shape (n,) or (reps, n), got shape {arr.shape}.")
    return arr


def _as_params(weights: ArrayLike, means: ArrayLike, sds: ArrayLike,
               reps: int) -> MixtureParams:
    """Validate parameters of shape ``(K,)`` or ``(reps, K)`` and broadcast to ``(reps, K)``."""
    w = as_probabilities(as_finite_array(weights, "weights", min_ndim=1, dtype=np.float64),
                         "weights")
    mu = as_finite_array(means, "means", min_ndim=1, dtype=np.float64)
    sd = positive_array(as_finite_array(sds, "sds", min_ndim=1, dtype=np.float64), "sds")
    out = []
    for arr, name in ((w, "weights"), (mu, "means"), (sd, "sds")):
        if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[0] not in (1, reps)):
            raise ValueError(f"`{name}` must have shape (K,) or ({reps}, K), "
                             f"got shape {arr.shape}.")
        out.append(np.broadcast_to(arr, (reps, arr.shape[-1])))
    k = {a.shape[-1] for a in out}
    if len(k) != 1:
        raise ValueError(f"`means` and `sds` must have as many components as `weights`, got "
                         f"{out[1].shape[-1]}, {out[2].shape[-1]} and {out[0].shape[-1]}.")
    return MixtureParams(*(np.array(a) for a in out))


# --------------------------------------------------------------------------- likelihood

def _log_joint(x: np.ndarray, p: MixtureParams) -> np.ndarray:
    """``log w_k + log phi(x_i; mu_k, sigma_k)``, shape ``(reps, K, n)``.

    Zero weights give ``-inf``; ``(x - mu) / sigma`` may overflow to ``inf`` for tiny sigma,
    which correctly gives a log-density of ``-inf``.
    """
    with np.errstate(divide="ignore", over="ignore"):
        z = x[:, None, :] - p.means[:, :, None]
        z /= p.sds[:, :, None]
        const = np.log(p.weights) - _LOG_SQRT_2PI - np.log(p.sds)
        # const - (0.5 z) z, the same operations in the same order, in one array.
        out = np.multiply(z, 0.5)
        out *= z
        return np.subtract(const[:, :, None], out, out=out)


def _normalise(log_joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-sum-exp over components and the responsibilities, from one ``exp``.

    Returns ``log p(x_i)`` of shape ``(reps, n)`` and ``r_ik`` of shape ``(reps, K, n)``.
    Subtracting the per-observation maximum keeps every ``exp`` in ``[0, 1]`` (scipy's
    ``logsumexp`` does the same but is an order of magnitude slower on this layout).
    """
    m = log_joint.max(axis=1)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.subtract(log_joint, m[:, None, :])
    np.exp(e, out=e)
    total = e.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        e /= total[:, None, :]
        return m + np.log(total), e


def _logpdf(x: np.ndarray, p: MixtureParams) -> np.ndarray:
    return _normalise(_log_joint(x, p))[0]


def mixture_logpdf(x: ArrayLike, weights: ArrayLike, means: ArrayLike,
                   sds: ArrayLike) -> np.ndarray:
    """Log-density of a Gaussian mixture at every observation.

    Parameters
    ----------
    x : array_like
        Observations, shape ``(n,)`` or ``(reps, n)``.
    weights : array_like
        Mixing proportions, shape ``(K,)`` or ``(reps, K)``, summing to 1 along the last axis.
    means : array_like
        Component means, same shape as ``weights``.
    sds : array_like
        Component standard deviations (``> 0``), same shape as ``weights``.

    Returns
    -------
    numpy.ndarray
        ``log p(x_i | theta)``, shape ``(reps, n)`` (``reps = 1`` for 1-D ``x``).

    Raises
    ------
    ValueError
        Naming the offending parameter: non-finite data, weights not on the simplex,
        non-positive standard deviations, inconsistent shapes.

    Notes
    -----
    Computed as ``logsumexp_k(log w_k + log phi_k(x_i))`` [MP00]_, exact where the densities
    underflow and where one of them exceeds the float range.
    """
    xa = _as_data(x)
    return _logpdf(xa, _as_params(weights, means, sds, xa.shape[0]))


def mixture_loglik(x: ArrayLike, weights: ArrayLike, means: ArrayLike,
                   sds: ArrayLike) -> np.ndarray:
    """Log-likelihood ``l(theta) = sum_i log p(x_i | theta)`` of each replication.

    Parameters
    ----------
    x, weights, means, sds : array_like
        As in :func:`mixture_logpdf`.

    Returns
    -------
    numpy.ndarray
        Shape ``(reps,)``.

    Examples
    --------
    >>> float(mixture_loglik([0.0], [1.0], [0.0], [1.0])[0])  # log phi(0)
    -0.9189385332046727
    """
    return mixture_logpdf(x, weights, means, sds).sum(axis=-1)


def sample_mixture(rng: np.random.Generator, reps: int, n: int, weights: ArrayLike,
                   means: ArrayLike, sds: ArrayLike) -> np.ndarray:
    """Draw ``reps`` independent samples of size ``n`` from one Gaussian mixture.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    reps, n : int
        Number of data sets and observations per data set (``>= 1``).
    weights, means, sds : array_like
        Parameters of the mixture, shape ``(K,)`` each.

    Returns
    -------
    numpy.ndarray
        Shape ``(reps, n)``: component labels ``z ~ Categorical(w)``, then
        ``x = mu_z + sigma_z * N(0, 1)``.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError("`rng` must be a numpy.random.Generator.")
    reps = positive_int(reps, "reps")
    n = positive_int(n, "n")
    p = _as_params(weights, means, sds, 1)
    w, mu, sd = p.weights[0], p.means[0], p.sds[0]
    cum = np.cumsum(w)
    labels = np.minimum(np.searchsorted(cum, rng.random((reps, n)) * cum[-1], side="right"),
                        w.size - 1)
    return mu[labels] + sd[labels] * rng.standard_normal((reps, n))


# --------------------------------------------------------------------------- EM

def order_by_mean(params: MixtureParams) -> MixtureParams:
    """Permute the components of every replication into increasing order of the means.

    Parameters
    ----------
    params : MixtureParams
        Parameters of shape ``(reps, K)``.

    Returns
    -------
    MixtureParams
        The same mixtures (identical densities) with ordered labels.
    """
    idx = np.argsort(params.means, axis=-1, kind="stable")
    return MixtureParams(*(np.take_along_axis(a, idx, axis=-1)
                           for a in (params.weights, params.means, params.sds)))


def quantile_init(x: ArrayLike, n_components: int = 2) -> MixtureParams:
    """Deterministic starting values: equal weights, means at the quantiles ``(k + 1/2) / K``.

    Parameters
    ----------
    x : array_like
        Data, shape ``(n,)`` or ``(reps, n)``.
    n_components : int, optional
        ``K`` (default 2).

    Returns
    -------
    MixtureParams
        Shape ``(reps, K)``; every standard deviation is the replication's sample standard
        deviation (``ddof=0``), floored at a tiny positive value for constant data.
    """
    xa = _as_data(x)
    k = positive_int(n_components, "n_components")
    reps = xa.shape[0]
    q = (np.arange(k) + 0.5) / k
    means = row_quantiles(xa, q)
    sd = xa.std(axis=1)
    sd = np.where(sd > 0, sd, 1.0)
    return MixtureParams(np.full((reps, k), 1.0 / k), means, np.repeat(sd[:, None], k, axis=1))


def _m_step(x: np.ndarray, resp: np.ndarray, old: MixtureParams,
            min_sd: np.ndarray) -> MixtureParams:
    """Maximise the EM surrogate over weights, means and ``sds >= min_sd``.

    A component with zero total responsibility keeps its mean and standard deviation (the
    surrogate does not depend on them) and gets weight 0.
    """
    nk = resp.sum(axis=2)                                    # (reps, K)
    alive = nk > 0
    safe = np.where(alive, nk, 1.0)
    weights = nk / x.shape[1]
    work = np.multiply(resp, x[:, None, :])
    means = np.where(alive, work.sum(axis=2) / safe, old.means)
    dev = x[:, None, :] - means[:, :, None]
    # (resp · dev) · dev in the buffer of resp · x: the same products, one array fewer.
    np.multiply(resp, dev, out=work)
    work *= dev
    var = work.sum(axis=2) / safe
    sds = np.where(alive, np.maximum(np.sqrt(var), min_sd[:, None]), old.sds)
    return MixtureParams(weights, means, sds)


def _take(p: MixtureParams, idx: np.ndarray) -> MixtureParams:
    return MixtureParams(p.weights[idx], p.means[idx], p.sds[idx])


def _put(p: MixtureParams, idx: np.ndarray, new: MixtureParams) -> None:
    p.weights[idx], p.means[idx], p.sds[idx] = new.weights, new.means, new.sds


def _sd_floor(x: np.ndarray, min_sd: float | ArrayLike | None) -> np.ndarray:
    """The per-replication floor of the standard deviations, shape ``(reps,)``."""
    reps = x.shape[0]
    if min_sd is None:
        sd = x.std(axis=1)
        return MIN_SD_FRACTION * np.where(sd > 0, sd, 1.0)
    floor = positive_array(as_finite_array(min_sd, "min_sd", dtype=np.float64), "min_sd")
    if floor.ndim > 1 or floor.size not in (1, reps):
        raise ValueError(f"`min_sd` must be a scalar or have shape ({reps},), "
                         f"got shape {floor.shape}.")
    return np.broadcast_to(floor.reshape(-1), (reps,)).copy()


def _start(x: np.ndarray, k: int, init: MixtureParams | None,
           floor: np.ndarray) -> MixtureParams:
    """Validated, writable starting values inside the constraint set ``sds >= floor``.

    From an infeasible start (some ``sigma_k < min_sd``) the first constrained M-step may
    *decrease* the likelihood, so standard deviations are raised to the floor first.
    """
    if init is None:
        params = quantile_init(x, k)
    else:
        if not isinstance(init, MixtureParams):
            raise ValueError("`init` must be a MixtureParams.")
        params = _as_params(init.weights, init.means, init.sds, x.shape[0])
        if params.n_components != k:
            raise ValueError(f"`init` must have `n_components` = {k} components, "
                             f"got {params.n_components}.")
    return MixtureParams(np.array(params.weights, dtype=np.float64),
                         np.array(params.means, dtype=np.float64),
                         np.maximum(params.sds, floor[:, None]))


def fit_em(x: ArrayLike, n_components: int = 2, *, init: MixtureParams | None = None,
           max_iter: int = 500, tol: float = 1e-8,
           min_sd: float | ArrayLike | None = None) -> EMResult:
    """Fit univariate Gaussian mixtures by EM, one independent fit per row of ``x``.

    All replications iterate together; a replication stops (its parameters and trace freeze)
    as soon as its log-likelihood changes by at most ``tol`` per observation, and the others
    continue on the remaining rows only.

    Parameters
    ----------
    x : array_like
        Data, shape ``(n,)`` or ``(reps, n)`` with ``n >= n_components``; finite.
    n_components : int, optional
        Number of components ``K`` (default 2).
    init : MixtureParams, optional
        Starting values, shape ``(K,)`` or ``(reps, K)`` per field. Default
        :func:`quantile_init`. Standard deviations below ``min_sd`` are raised to it, so that
        EM starts inside the constraint set (the ascent property needs a feasible start).
    max_iter : int, optional
        Maximum number of EM iterations (default 500).
    tol : float, optional
        Convergence threshold on ``|l_t - l_{t-1}| / n`` (default ``1e-8``).
    min_sd : float or array_like, optional
        Lower bound on every component standard deviation (scalar or one per replication).
        Default ``MIN_SD_FRACTION`` times each replication's sample standard deviation. The
        bound makes the likelihood bounded (see module notes, [KW56]_, [Day69]_).

    Returns
    -------
    EMResult
        Parameters ordered by mean, the log-likelihood trace, iteration counts and
        convergence flags.

    Raises
    ------
    ValueError
        Naming the offending parameter: non-finite or too few data, a non-positive
        ``n_components``, ``max_iter``, ``tol`` or ``min_sd``, invalid or mis-shaped ``init``.

    Notes
    -----
    E-step: ``r_ik = exp(log w_k + log phi_k(x_i) - log p(x_i))`` (log-sum-exp).
    M-step ([DLR77]_; [MP00]_ §2.8): ``w_k = N_k / n``, ``mu_k = sum_i r_ik x_i / N_k``,
    ``sigma_k = max(sqrt(sum_i r_ik (x_i - mu_k)^2 / N_k), min_sd)`` with
    ``N_k = sum_i r_ik``. The log-likelihood of the current parameters falls out of the E-step
    (``sum_i log p(x_i)``), so the trace costs nothing extra.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(-3, 1, 200), rng.normal(3, 1, 200)])
    >>> res = fit_em(x)
    >>> bool(res.converged[0]), np.round(res.means[0]).tolist()
    (True, [-3.0, 3.0])
    """
    xa = _as_data(x)
    k = positive_int(n_components, "n_components")
    reps, n = xa.shape
    if n < k:
        raise ValueError(f"`x` must hold at least `n_components` = {k} observations per "
                         f"replication, got {n}.")
    max_iter = positive_int(max_iter, "max_iter")
    tol = positive_scalar(tol, "tol")
    floor = _sd_floor(xa, min_sd)
    params = _start(xa, k, init, floor)
    trace = np.full((reps, max_iter + 1), np.nan)
    iterations = np.zeros(reps, dtype=np.int64)
    converged = np.zeros(reps, dtype=bool)
    active = np.arange(reps)
    for t in range(max_iter + 1):
        cur = _take(params, active)
        xs = xa[active]
        log_p, resp = _normalise(_log_joint(xs, cur))
        trace[active, t] = log_p.sum(axis=1)
        iterations[active] = t
        if t > 0:
            done = np.abs(trace[active, t] - trace[active, t - 1]) <= tol * n
            converged[active[done]] = True
            keep = ~done
            active, resp, xs, cur = active[keep], resp[keep], xs[keep], _take(cur, keep)
        if active.size == 0 or t == max_iter:
            break
        _put(params, active, _m_step(xs, resp, cur, floor[active]))
    fitted = order_by_mean(params)
    return EMResult(weights=fitted.weights, means=fitted.means, sds=fitted.sds,
                    loglik_trace=trace[:, :int(iterations.max()) + 1], iterations=iterations,
                    converged=converged)


def ascent_violations(trace: ArrayLike, tolerance: ArrayLike) -> np.ndarray:
    """Count the EM steps at which the log-likelihood decreased by more than ``tolerance``.

    Parameters
    ----------
    trace : array_like
        Log-likelihood traces, shape ``(reps, T + 1)``; NaN marks steps after a replication
        stopped and is ignored.
    tolerance : float or array_like
        Allowed rounding error of one difference ``l_{t+1} - l_t`` (``>= 0``), a scalar or one
        per replication (shape ``(reps,)``).

    Returns
    -------
    numpy.ndarray
        Number of steps with ``l_{t+1} < l_t - tolerance``, shape ``(reps,)``.
    """
    tr = np.asarray(trace, dtype=np.float64)
    if tr.ndim != 2 or tr.shape[1] < 1:
        raise ValueError(f"`trace` must have shape (reps, T + 1), got shape {tr.shape}.")
    tol = as_finite_array(tolerance, "tolerance", dtype=np.float64)
    if np.any(tol < 0):
        raise ValueError("`tolerance` must be non-negative.")
    if tol.ndim > 1 or (tol.ndim == 1 and tol.shape[0] != tr.shape[0]):
        raise ValueError(f"`tolerance` must be a scalar or have shape ({tr.shape[0]},), "
                         f"got shape {tol.shape}.")
    step = np.diff(tr, axis=1)
    tol = tol[:, None] if tol.ndim == 1 else tol
    with np.errstate(invalid="ignore"):
        return np.count_nonzero(step < -tol, axis=1)
