"""Batched maximum likelihood for logistic and multinomial-logit regression: cross-entropy
minimised by Newton's method (IRLS), one model per data set of a leading batch axis.

The negative log-likelihood of a categorical model with class probabilities ``pi_i`` is the
summed cross-entropy ``-sum_i log pi_{i, y_i}`` between the one-hot labels and the model, so
the minimiser of the cross-entropy *is* the maximum-likelihood estimate; these functions
minimise it directly.

Models (class 0 is the reference, as in statsmodels ``Logit``/``MNLogit``):

* logistic: ``P(y = 1 | x) = sigmoid(x' beta)``, ``beta`` of shape ``(p,)``;
* multinomial logit: ``P(y = k | x) = softmax(0, x' B_1, ..., x' B_{K-1})_k``, ``B`` of shape
  ``(p, K - 1)`` (the layout of ``MNLogit.params``).

Algorithm (Newton-Raphson = IRLS for canonical links; McCullagh & Nelder 1989, §2.5 and
§4.4): from ``theta = 0``, ``theta <- theta + t * step`` with ``H step = -g`` (``g``, ``H``:
gradient and Hessian of the NLL, the Hessian is the Fisher information ``X' W X``). Step
halving: ``t = 1, 1/2, 1/4, ...`` (at most :data:`MAX_HALVINGS` times) until the NLL does not
increase by more than its rounding error, ``n * eps * (1 + |NLL|)``.

Convergence criterion, per data set: the full Newton step is small,
``max|step| <= tol * (1 + max|theta|)``. Newton converges quadratically near the optimum, so
the error left after such a step is ``O(tol^2)``. A data set whose Newton system is singular or
whose line search fails, or that reaches ``max_iter`` (e.g. under complete or quasi-complete
separation, where the MLE does not exist and ``|theta|`` grows by about one unit per step), is
flagged ``converged = False``; it is kept in every array and counted in ``n_failed``, never
dropped.

References
----------
McCullagh, P. & Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed. Chapman & Hall,
§2.5 (IRLS), §4.4 (binary data), §5.4 (multinomial response).
Murphy, K. P. (2022). *Probabilistic Machine Learning: An Introduction*. MIT Press, §10.2.6
(Newton / IRLS for logistic regression), §10.3 (multinomial logistic regression).
Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
logistic regression models. *Biometrika* 71(1), 1-10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from simulations.design import (
    Design,
    as_design,
    as_max_iter,
    as_tolerance,
    fitted,
    gram,
    outer_rows,
    solve_batched,
    xt_dot,
)
from simulations.validation import as_finite_array

__all__ = [
    "BLOCK_ELEMENTS",
    "DEFAULT_TOL",
    "MAX_HALVINGS",
    "LogitFit",
    "fit_logistic",
    "fit_multinomial",
    "logistic_proba",
    "multinomial_proba",
]

#: Default step tolerance: ``max|step| <= tol * (1 + max|theta|)``. Quadratic convergence leaves
#: an error of order ``tol^2``, far below rounding; the step itself is computed to about
#: ``kappa(H) * eps``, so ``1e-10`` is reachable for Fisher informations with ``kappa < 1e5``.
DEFAULT_TOL: float = 1e-10
#: Maximum halvings of a Newton step (``t >= 2**-30``, about ``1e-9``).
MAX_HALVINGS: int = 30
#: Values per temporary array when the NLL and its derivatives are evaluated (see _blocked).
BLOCK_ELEMENTS: int = 1 << 16


@dataclass(frozen=True, slots=True)
class LogitFit:
    """A batch of fitted logistic or multinomial-logit models.

    Attributes
    ----------
    coef : numpy.ndarray
        ``(*batch, p)`` for the logistic model; ``(*batch, p, K - 1)`` for the multinomial
        logit (class 0 is the reference; the layout of statsmodels ``MNLogit.params``).
    nll : numpy.ndarray
        Summed cross-entropy = negative log-likelihood at ``coef``, shape ``batch``.
    max_grad : numpy.ndarray
        ``max |d NLL / d theta|`` at ``coef``, shape ``batch``.
    converged : numpy.ndarray of bool
        Per data set: the convergence criterion (module docstring) was met.
    n_iter : numpy.ndarray of int
        Newton iterations per data set.
    n_classes : int
        Number of classes ``K`` (2 for the logistic model).
    n_obs : int
        Observations per data set.
    """

    coef: np.ndarray
    nll: np.ndarray
    max_grad: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray
    n_classes: int
    n_obs: int

    @property
    def n_failed(self) -> int:
        """Number of data sets that did not converge (kept in every array, flagged here)."""
        return int(np.count_nonzero(~self.converged))


class _Objective(Protocol):
    """The NLL of data sets ``idx`` at flat parameters ``theta`` ``(m, d)``."""

    def derivatives(self, idx: np.ndarray, theta: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """NLL ``(m,)``, gradient ``(m, d)`` and Hessian ``(m, d, d)``."""


def _blocked(fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]], idx: np.ndarray,
             theta: np.ndarray, width: int) -> tuple[np.ndarray, ...]:
    """Evaluate ``fn`` on blocks of data sets so that temporaries hold ~BLOCK_ELEMENTS values.

    Vectorised within each block; blocking only keeps the ``(m, n)`` temporaries small enough
    to be reused by the allocator and to stay in cache (fresh 50 MB arrays cost more in page
    faults than the arithmetic on them).
    """
    rows = max(1, BLOCK_ELEMENTS // max(width, 1))
    if idx.size <= rows:
        return fn(idx, theta)
    parts = [fn(idx[s:s + rows], theta[s:s + rows]) for s in range(0, idx.size, rows)]
    return tuple(np.concatenate(arrs, axis=0) for arrs in zip(*parts))


def _softplus_sigmoid(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log(1 + e^eta)``, ``sigmoid(eta)`` and ``sigmoid(eta) sigmoid(-eta)`` from one exp.

    With ``e = exp(-|eta|) <= 1``: ``softplus = max(eta, 0) + log1p(e)``, ``sigmoid = 1/(1+e)``
    or ``e/(1+e)``, and the variance ``e/(1+e)^2`` -- all without overflow or cancellation.
    """
    e = np.exp(-np.abs(eta))
    inv = 1.0 / (1.0 + e)
    sp = np.maximum(eta, 0.0) + np.log1p(e)
    mu = np.where(eta >= 0, inv, e * inv)
    return sp, mu, e * inv * inv


class _Logistic:
    """Bernoulli NLL ``sum log(1 + exp(eta)) - y eta`` with ``eta = X theta``."""

    def __init__(self, d: Design) -> None:
        self.d = d
        self.outer = outer_rows(d.X) if d.shared else None

    def block(self, idx: np.ndarray, theta: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X, y = self.d.design_for(idx), self.d.y[idx]
        eta = fitted(X, theta)
        sp, mu, var = _softplus_sigmoid(eta)
        f = np.sum(sp - y * eta, axis=-1)
        return f, xt_dot(X, mu - y), gram(X, var, self.outer)

    def derivatives(self, idx: np.ndarray, theta: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _blocked(self.block, idx, theta, self.d.n_obs)


class _Multinomial:
    """Categorical NLL ``sum logsumexp(0, X B) - eta_{y}``; ``theta`` = ``B`` flattened C-order."""

    def __init__(self, d: Design, n_classes: int) -> None:
        self.d = d
        self.n_classes = n_classes

    def derivatives(self, idx: np.ndarray, theta: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _blocked(self.block, idx, theta, self.d.n_obs * self.n_classes ** 2)

    def block(self, idx: np.ndarray, theta: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = self.d.design_for(idx)
        m, p, k1 = theta.shape[0], self.d.n_features, self.n_classes - 1
        eta = fitted(X, theta.reshape(m, p, k1))
        z = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)  # (m, n, K)
        lse = special.logsumexp(z, axis=-1)
        picked = np.take_along_axis(z, self.d.y[idx][..., None], axis=-1)[..., 0]
        f = np.sum(lse - picked, axis=-1)
        P = np.exp(z - lse[..., None])[..., 1:]  # (m, n, K-1)
        Y = self.d.y[idx][..., None] == np.arange(1, self.n_classes)
        g = xt_dot(X, P - Y).reshape(m, p * k1)
        W = P[..., :, None] * (np.eye(k1) - P[..., None, :])  # (m, n, K-1, K-1)
        sub = "ia,ic,mijk->majck" if X.ndim == 2 else "mia,mic,mijk->majck"
        H = np.einsum(sub, X, X, W, optimize=True).reshape(m, p * k1, p * k1)
        return f, g, H


def _newton(obj: _Objective, n_batch: int, dim: int, n_obs: int, tol: float, max_iter: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Batched damped Newton from ``theta = 0``.

    Derivatives are evaluated at each trial point, so an accepted full step (the common case)
    costs one evaluation; a rejected one is halved and re-evaluated.

    Returns
    -------
    theta, f, g, converged, n_iter
        Final parameters ``(B, d)``, NLL ``(B,)`` and gradient ``(B, d)`` there, flags and
        iteration counts.
    """
    eps = np.finfo(np.float64).eps
    theta = np.zeros((n_batch, dim))
    f, g, H = obj.derivatives(np.arange(n_batch), theta)
    converged = np.zeros(n_batch, bool)
    n_iter = np.zeros(n_batch, int)
    active = np.arange(n_batch)
    for _ in range(max_iter):
        if active.size == 0:
            break
        step, solved = solve_batched(H[active], -g[active])
        f_old = f[active]
        slack = n_obs * eps * (1.0 + np.abs(f_old))
        t = np.ones(active.size)
        accepted = np.zeros(active.size, bool)
        pending = solved & np.isfinite(f_old)
        for _ in range(MAX_HALVINGS + 1):
            if not pending.any():
                break
            k = np.flatnonzero(pending)
            cand = theta[active[k]] + t[k, None] * step[k]
            fc, gc, Hc = obj.derivatives(active[k], cand)
            good = np.isfinite(fc) & (fc <= f_old[k] + slack[k])
            rows = active[k[good]]
            theta[rows], f[rows], g[rows], H[rows] = cand[good], fc[good], gc[good], Hc[good]
            accepted[k[good]] = True
            pending[k[good]] = False
            t[k[~good]] *= 0.5
        n_iter[active] += 1
        small = solved & (np.max(np.abs(step), axis=-1)
                          <= tol * (1.0 + np.max(np.abs(theta[active]), axis=-1)))
        converged[active[small]] = True
        active = active[~small & accepted]  # unsolved systems and failed line searches stop
    return theta, f, g, converged, n_iter


def _finish(d: Design, run: tuple, coef_shape: tuple[int, ...], n_classes: int) -> LogitFit:
    """Package a Newton run (see :func:`_newton`) with the caller's batch shape."""
    theta, f, g, converged, n_iter = run
    return LogitFit(coef=d.unflatten(theta.reshape((d.n_batch,) + coef_shape)),
                    nll=d.unflatten(f), max_grad=d.unflatten(np.max(np.abs(g), axis=-1)),
                    converged=d.unflatten(converged), n_iter=d.unflatten(n_iter),
                    n_classes=n_classes, n_obs=d.n_obs)


def fit_logistic(X: ArrayLike, y: ArrayLike, *, tol: float = DEFAULT_TOL,
                 max_iter: int = 100) -> LogitFit:
    r"""Batched logistic-regression MLE: minimise the binary cross-entropy by Newton/IRLS.

    Minimises :math:`\sum_i \log(1 + e^{\eta_i}) - y_i\eta_i`, :math:`\eta = X\beta` (the binary
    cross-entropy of the labels against :math:`\sigma(\eta)`), see the module docstring for the
    iteration, step halving and convergence criterion.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared or ``(*batch, n, p)`` (include a column of ones for an
        intercept), finite, ``n >= p``.
    y : array_like
        Binary labels in ``{0, 1}``, ``(*batch, n)``.
    tol : float, optional
        Step tolerance in ``(0, 1)`` (default :data:`DEFAULT_TOL`).
    max_iter : int, optional
        Maximum Newton iterations (default 100).

    Returns
    -------
    LogitFit
        ``coef`` of shape ``(*batch, p)``.

    References
    ----------
    McCullagh & Nelder (1989), §4.4; Murphy (2022), §10.2.6.
    """
    d = as_design(X, y, response="binary")
    tol = as_tolerance(tol)
    max_iter = as_max_iter(max_iter)
    run = _newton(_Logistic(d), d.n_batch, d.n_features, d.n_obs, tol, max_iter)
    return _finish(d, run, (d.n_features,), 2)


def fit_multinomial(X: ArrayLike, y: ArrayLike, n_classes: int, *, tol: float = DEFAULT_TOL,
                    max_iter: int = 100) -> LogitFit:
    r"""Batched multinomial-logit MLE: minimise the softmax cross-entropy by Newton/IRLS.

    Minimises :math:`\sum_i \mathrm{logsumexp}(z_i) - z_{i,y_i}` with logits
    :math:`z_i = (0, x_i'B_1, \dots, x_i'B_{K-1})` (class 0 is the reference), i.e. the
    categorical cross-entropy of the one-hot labels against :math:`\mathrm{softmax}(z_i)`.
    The Hessian with respect to ``B`` (flattened in C order) is
    :math:`\sum_i (\mathrm{diag}(\pi_i) - \pi_i\pi_i^\top) \otimes x_i x_i^\top` over the
    non-reference classes.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared or ``(*batch, n, p)``, finite, ``n >= p``.
    y : array_like
        Integer labels in ``[0, n_classes)``, ``(*batch, n)``.
    n_classes : int
        Number of classes ``K >= 2`` (``K = 2`` is the logistic model).
    tol, max_iter
        As in :func:`fit_logistic`.

    Returns
    -------
    LogitFit
        ``coef`` of shape ``(*batch, p, K - 1)`` (statsmodels ``MNLogit.params`` layout).

    References
    ----------
    McCullagh & Nelder (1989), §5.4; Murphy (2022), §10.3.
    """
    d = as_design(X, y, response="labels", n_classes=n_classes)
    k = int(n_classes)
    tol = as_tolerance(tol)
    max_iter = as_max_iter(max_iter)
    dim = d.n_features * (k - 1)
    run = _newton(_Multinomial(d, k), d.n_batch, dim, d.n_obs, tol, max_iter)
    return _finish(d, run, (d.n_features, k - 1), k)


def _proba_inputs(X: ArrayLike, coef: ArrayLike, coef_min_ndim: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    X_ = as_finite_array(X, "X", min_ndim=2, dtype=np.float64)
    c = as_finite_array(coef, "coef", min_ndim=coef_min_ndim, dtype=np.float64)
    axis = -1 if coef_min_ndim == 1 else -2
    if c.shape[axis] != X_.shape[-1]:
        raise ValueError(f"`coef` must have {X_.shape[-1]} entries along axis {axis} (the "
                         f"columns of `X`), got shape {c.shape}.")
    return X_, c


def logistic_proba(X: ArrayLike, coef: ArrayLike) -> np.ndarray:
    r"""Predicted :math:`P(y = 1 \mid x) = \sigma(x'\beta)` for a batch of coefficients.

    Parameters
    ----------
    X : array_like
        Points, ``(m, p)`` (shared) or ``(*batch, m, p)``.
    coef : array_like
        Coefficients, ``(*batch, p)``.

    Returns
    -------
    numpy.ndarray
        Probabilities, ``(*batch, m)``.
    """
    X_, c = _proba_inputs(X, coef, 1)
    try:
        eta = np.einsum("...ma,...a->...m", X_, c)
    except ValueError:
        raise ValueError(f"`X` and `coef` must have broadcastable batch shapes, got "
                         f"{X_.shape[:-2]} and {c.shape[:-1]}.") from None
    return special.expit(eta)


def multinomial_proba(X: ArrayLike, coef: ArrayLike) -> np.ndarray:
    r"""Predicted class probabilities :math:`\mathrm{softmax}(0, x'B_1, \dots)` for a batch.

    Parameters
    ----------
    X : array_like
        Points, ``(m, p)`` (shared) or ``(*batch, m, p)``.
    coef : array_like
        Coefficients, ``(*batch, p, K - 1)``.

    Returns
    -------
    numpy.ndarray
        Probabilities, ``(*batch, m, K)``, summing to 1 over the last axis.
    """
    X_, c = _proba_inputs(X, coef, 2)
    try:
        eta = X_ @ c
    except ValueError:
        raise ValueError(f"`X` and `coef` must have broadcastable batch shapes, got "
                         f"{X_.shape[:-2]} and {c.shape[:-2]}.") from None
    z = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)
    return special.softmax(z, axis=-1)
