r"""Penalised least squares and penalised logistic regression, batched across replications.

Every solver works on a *batch* of independent problems at once, with the shapes of
:mod:`simulations.design`: the design ``X`` is ``(n, p)`` (shared by the batch) or
``(*batch, n, p)``, the response ``y`` is ``(*batch, n)``; the result has shape
``(*batch, p)``. A single problem is the batch shape ``()``. Unpenalised least squares (the
MLE) is :func:`simulations.regression.least_squares`; this module adds the penalties.

Conventions (stated once, used everywhere in the suite)
-------------------------------------------------------
* **ridge**   minimises ``RSS(w) + lam * ||w||_2^2``  (Hoerl & Kennard 1970), with
  ``RSS(w) = ||y - X w||_2^2``; solution ``(X'X + lam I)^{-1} X'y``.
* **lasso**   minimises ``RSS(w) + lam * ||w||_1``    (Tibshirani 1996).
* **ridge logistic** minimises ``sum_i [log(1 + exp(x_i'w)) - y_i x_i'w] + (lam / 2) ||w||_2^2``
  (the Bernoulli negative log-likelihood plus the Gaussian log-prior with ``tau^2 = 1 / lam``).

No intercept is fitted and every coefficient is penalised: the prior of
:mod:`simulations.posteriors` is placed on all of ``w``. Centre the data first to leave an
intercept out of the penalty.

Why these are MAP estimates (the mappings are derived in :mod:`simulations.posteriors`):
with ``y | w ~ N(Xw, sigma^2 I)``, a prior ``w ~ N(0, tau^2 I)`` gives ridge with
``lam = sigma^2 / tau^2`` and a prior ``w_j ~ Laplace(0, b)`` gives the lasso with
``lam = 2 sigma^2 / b``.

Other libraries scale the same problems differently; e.g. statsmodels'
``OLS.fit_regularized(alpha=a, L1_wt=w)`` minimises
``RSS / (2n) + a * ((1 - w) ||b||_2^2 / 2 + w ||b||_1)``, so ridge ``lam`` is ``a = lam / n``
(``L1_wt = 0``) and lasso ``lam`` is ``a = lam / (2 n)`` (``L1_wt = 1``); see
:func:`statsmodels_alpha`.

References
----------
Hoerl, A. E. & Kennard, R. W. (1970). Ridge regression: biased estimation for nonorthogonal
problems. Technometrics 12(1), 55-67.
Tibshirani, R. (1996). Regression shrinkage and selection via the lasso. JRSS B 58(1), 267-288.
Friedman, J., Hastie, T. & Tibshirani, R. (2010). Regularization paths for generalized linear
models via coordinate descent. Journal of Statistical Software 33(1), 1-22.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
from numpy.typing import ArrayLike

from simulations.design import (Design, as_coef, as_design, fitted, gram as weighted_gram,
                                xt_dot)
from claimkit.validation import (as_finite_array, nonnegative_scalar, positive_int,
                                    positive_scalar)

__all__ = [
    "LassoFit",
    "LogisticMAPFit",
    "RidgeFit",
    "lasso",
    "lasso_kkt_residual",
    "lasso_objective",
    "ridge",
    "ridge_from_mle",
    "ridge_from_moments",
    "ridge_logistic",
    "ridge_objective",
    "soft_threshold",
    "draw_gaussian_moments",
    "statsmodels_alpha",
    "sufficient_statistics",
]

#: Default relative tolerance of the coordinate-descent stopping rule (see :func:`lasso`).
LASSO_TOL: float = 1e-12
#: Default cap on coordinate-descent sweeps.
LASSO_MAX_ITER: int = 10_000
#: Default relative tolerance of the Newton stopping rule (see :func:`ridge_logistic`).
NEWTON_TOL: float = 1e-12
#: Default cap on Newton iterations.
NEWTON_MAX_ITER: int = 100
#: Maximum number of step halvings in one damped Newton iteration.
_MAX_HALVINGS: int = 40
_EPS: float = float(np.finfo(np.float64).eps)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class RidgeFit:
    """Ridge solutions of a batch of problems.

    Attributes
    ----------
    coef : numpy.ndarray
        Coefficients, shape ``(..., p)``.
    lam : numpy.ndarray or float
        Penalty weight(s) in the ``RSS + lam ||w||^2`` convention.
    """

    coef: np.ndarray
    lam: float | np.ndarray


@dataclass(frozen=True, slots=True)
class _IterativeFit:
    """Solutions of a batch of penalised problems, with the iterative solver's record.

    Attributes
    ----------
    coef : numpy.ndarray
        Coefficients, shape ``(..., p)``.
    lam : float
        Penalty weight (its convention: see the subclass).
    n_iter : numpy.ndarray
        Iterations used per problem, shape ``(...)``.
    converged : numpy.ndarray
        Whether the stopping rule was met within ``max_iter`` iterations, shape ``(...)``.
    tol : float
        Relative tolerance of the stopping rule.
    max_iter : int
        Cap on iterations.
    """

    coef: np.ndarray
    lam: float
    n_iter: np.ndarray
    converged: np.ndarray
    tol: float
    max_iter: int

    @property
    def n_not_converged(self) -> int:
        """Number of problems in the batch that hit ``max_iter`` without converging."""
        return int(np.count_nonzero(~self.converged))


@dataclass(frozen=True, slots=True)
class LassoFit(_IterativeFit):
    """Lasso solutions of a batch of problems, with the solver's convergence record.

    Attributes as in :class:`_IterativeFit`: ``lam`` in the ``RSS + lam ||w||_1`` convention,
    ``n_iter`` and ``max_iter`` count coordinate-descent sweeps, and coefficients set to zero by
    the soft threshold are *exactly* ``0.0``.
    """


@dataclass(frozen=True, slots=True)
class LogisticMAPFit(_IterativeFit):
    """Ridge-penalised logistic regression solutions, with the solver's convergence record.

    Attributes as in :class:`_IterativeFit`: ``lam`` in the ``NLL + (lam / 2) ||w||^2``
    convention, ``n_iter`` and ``max_iter`` count Newton iterations.
    """


# --------------------------------------------------------------------------- validation


def _design(X: ArrayLike, y: ArrayLike, *, binary: bool = False) -> Design:
    """Validate a batch of problems (shapes of :func:`simulations.design.as_design`; ``n < p``
    is allowed because a penalty makes the problem well posed)."""
    return as_design(X, y, response="binary" if binary else "real", min_obs_per_feature=False)


def _objective(coef: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float,
               penalty: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``RSS(w) + lam * penalty(w)`` per problem, in the batch shape."""
    d = _design(X, y)
    w = as_coef(coef, d)
    lam_ = nonnegative_scalar(lam, "lam")
    r = d.y - fitted(d.X, w)
    return d.unflatten(np.sum(r * r, axis=-1) + lam_ * penalty(w))


def _flat_moments(d: Design) -> tuple[np.ndarray, np.ndarray]:
    """``X'X`` of shape ``(B, p, p)`` and ``X'y`` of shape ``(B, p)``."""
    if d.shared:
        g = np.broadcast_to(d.X.T @ d.X, (d.n_batch, d.n_features, d.n_features))
    else:
        g = np.swapaxes(d.X, -1, -2) @ d.X
    g = 0.5 * (g + np.swapaxes(g, -1, -2))
    return g, xt_dot(d.X, d.y)


def sufficient_statistics(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``X'X`` and ``X'y`` of a batch of problems: all that ridge and the lasso depend on.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared by the batch or ``(*batch, n, p)``.
    y : array_like
        Responses, ``(*batch, n)``.

    Returns
    -------
    gram : numpy.ndarray
        ``X'X``, shape ``(*batch, p, p)``.
    xty : numpy.ndarray
        ``X'y``, shape ``(*batch, p)``.
    """
    d = _design(X, y)
    g, c = _flat_moments(d)
    return d.unflatten(np.ascontiguousarray(g)), d.unflatten(c)


def _lam_array(lam: ArrayLike, batch_shape: tuple[int, ...]) -> np.ndarray:
    """A non-negative penalty, scalar or broadcastable to the batch shape."""
    lam_ = as_finite_array(lam, "lam", dtype=np.float64)
    if np.any(lam_ < 0):
        raise ValueError(f"`lam` must be non-negative, got minimum {lam_.min()!r}.")
    try:
        np.broadcast_shapes(lam_.shape, batch_shape)
    except ValueError:
        raise ValueError(f"`lam` must be a scalar or broadcast to the batch shape "
                         f"{batch_shape}, got shape {lam_.shape}.") from None
    return lam_


def _gram(gram: ArrayLike, name: str = "gram") -> np.ndarray:
    g = as_finite_array(gram, name, min_ndim=2, dtype=np.float64)
    if g.shape[-1] != g.shape[-2]:
        raise ValueError(f"`{name}` must be square in its last two axes, got shape {g.shape}.")
    scale = np.max(np.abs(g), initial=0.0)
    if not np.allclose(g, np.swapaxes(g, -1, -2), rtol=0.0, atol=64 * np.finfo(float).eps * scale):
        raise ValueError(f"`{name}` must be symmetric.")
    return g


def draw_gaussian_moments(rng: np.random.Generator, size: int, n: int, coef: ArrayLike,
                          sigma: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw ``(X'X, X'y)`` of ``size`` data sets ``y = Xw + sigma eps``, ``X_ij, eps_i ~ N(0, 1)``.

    Exact in law and ``O(p^2)`` per data set whatever ``n``: by the Bartlett decomposition
    ``X'X ~ Wishart_p(n, I)`` equals ``A A'`` with ``A`` lower triangular,
    ``A_ii^2 ~ chi^2_{n-i}`` (``i = 0..p-1``) and ``A_ij ~ N(0, 1)`` below the diagonal, all
    independent; given ``X``, ``X'eps ~ N(0, X'X)``, drawn as ``A z`` with ``z ~ N(0, I_p)``.
    Ridge, the lasso and least squares depend on the data only through these statistics, so
    simulation studies over large ``n`` cost nothing extra.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    size : int
        Number of data sets.
    n : int
        Observations per data set, ``>= p``.
    coef : array_like
        True coefficients ``w``, shape ``(p,)``.
    sigma : float
        Noise standard deviation, ``> 0``.

    Returns
    -------
    gram : numpy.ndarray
        ``(size, p, p)``.
    xty : numpy.ndarray
        ``(size, p)``.

    References
    ----------
    Bartlett, M. S. (1933). On the theory of statistical regression. Proc. R. Soc. Edinburgh
    53, 260-283. Odell, P. L. & Feiveson, A. H. (1966). A numerical procedure to generate a
    sample covariance matrix. JASA 61(313), 199-203.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError("`rng` must be a numpy.random.Generator.")
    size_ = positive_int(size, "size")
    w = as_finite_array(coef, "coef", ndim=1, dtype=np.float64)
    p = w.size
    n_ = positive_int(n, "n")
    if n_ < p:
        raise ValueError(f"`n` must be at least the number of coefficients {p}, got {n_}.")
    s = positive_scalar(sigma, "sigma")
    a = np.zeros((size_, p, p))
    rows, cols = np.tril_indices(p, -1)
    a[:, rows, cols] = rng.normal(size=(size_, rows.size))
    a[:, np.arange(p), np.arange(p)] = np.sqrt(rng.chisquare(n_ - np.arange(p), size=(size_, p)))
    gram = a @ np.swapaxes(a, -1, -2)
    xty = gram @ w + s * np.einsum("bij,bj->bi", a, rng.normal(size=(size_, p)))
    return gram, xty


# --------------------------------------------------------------------------- ridge


def ridge_objective(coef: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float) -> np.ndarray:
    """Ridge objective ``RSS(w) + lam ||w||_2^2`` per problem.

    Parameters
    ----------
    coef : array_like
        Coefficients, broadcastable to ``(*batch, p)``.
    X, y : array_like
        Batch of problems: ``X`` of shape ``(n, p)`` (shared) or ``(*batch, n, p)``, ``y`` of
        shape ``(*batch, n)``.
    lam : float
        Penalty weight, ``>= 0``.

    Returns
    -------
    numpy.ndarray
        Objective values, batch shape.
    """
    return _objective(coef, X, y, lam, lambda w: np.sum(w * w, axis=-1))


def ridge_from_moments(gram: ArrayLike, xty: ArrayLike, lam: ArrayLike) -> RidgeFit:
    """Ridge solution ``(G + lam I)^{-1} c`` from the sufficient statistics ``G = X'X, c = X'y``.

    Parameters
    ----------
    gram : array_like
        ``X'X``, shape ``(..., p, p)``, symmetric positive semi-definite.
    xty : array_like
        ``X'y``, shape ``(..., p)``.
    lam : float or array_like
        Penalty weight(s) ``>= 0``; a scalar or an array broadcastable to the batch shape
        ``gram.shape[:-2]``. With ``lam = 0`` this is the least-squares (Gaussian ML) solution.

    Returns
    -------
    RidgeFit

    Notes
    -----
    Solved by LU on the normal equations (``numpy.linalg.solve``, batched). The relative error
    of the solution is of order ``cond(G + lam I) * eps`` (Higham 2002, §7), adequate for the
    well-conditioned designs of the suite; ``lam > 0`` can only improve the conditioning.

    References
    ----------
    Hoerl & Kennard (1970), eq. (2.2).
    """
    g = _gram(gram)
    c = as_finite_array(xty, "xty", min_ndim=1, dtype=np.float64)
    if c.shape != g.shape[:-1]:
        raise ValueError(f"`xty` must have the shape of `gram` without its last axis, "
                         f"got {c.shape} and {g.shape}.")
    lam_ = _lam_array(lam, g.shape[:-2])
    p = g.shape[-1]
    a = g + lam_[..., None, None] * np.eye(p)
    try:
        coef = np.linalg.solve(a, c[..., None])[..., 0]
    except np.linalg.LinAlgError:
        raise ValueError("`gram` + `lam` I must be non-singular: with `lam` = 0 the design "
                         "needs full column rank.") from None
    lam_out: float | np.ndarray = float(lam_) if lam_.ndim == 0 else lam_
    return RidgeFit(coef=coef, lam=lam_out)


def ridge(X: ArrayLike, y: ArrayLike, lam: ArrayLike) -> RidgeFit:
    r"""Ridge regression ``argmin_w ||y - Xw||^2 + lam ||w||^2`` for a batch of problems.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared by the batch or ``(*batch, n, p)``.
    y : array_like
        Responses, ``(*batch, n)``.
    lam : float or array_like
        Penalty weight(s) ``>= 0`` (scalar or broadcastable to the batch shape).
        ``lam = 0`` gives ordinary least squares, the Gaussian MLE (prefer
        :func:`simulations.regression.least_squares`, QR-based, for that).

    Returns
    -------
    RidgeFit
        ``coef`` has shape ``(..., p)``.

    Notes
    -----
    This is the posterior mode (and mean) of ``w`` under ``y | w ~ N(Xw, sigma^2 I)``,
    ``w ~ N(0, tau^2 I)`` when ``lam = sigma^2 / tau^2``; see
    :func:`simulations.posteriors.gaussian_prior_ridge_lambda` for the derivation.

    References
    ----------
    Hoerl, A. E. & Kennard, R. W. (1970). Technometrics 12(1), 55-67.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> ridge(X, np.array([1.0, 2.0, 3.0]), 0.0).coef.round(12)
    array([1., 2.])
    """
    d = _design(X, y)
    lam_ = np.broadcast_to(_lam_array(lam, d.batch_shape), d.batch_shape).reshape(d.n_batch)
    g, c = _flat_moments(d)
    fit = ridge_from_moments(g, c, lam_)
    lam_out = float(lam_[0]) if np.ndim(lam) == 0 else d.unflatten(np.asarray(lam_))
    return RidgeFit(coef=d.unflatten(fit.coef), lam=lam_out)


def ridge_from_mle(gram: ArrayLike, coef_mle: ArrayLike, lam: ArrayLike) -> np.ndarray:
    r"""The ridge solution predicted from the unpenalised one: ``(G + lam I)^{-1} G w_MLE``.

    Because ``X'y = G w_MLE`` when ``G = X'X`` is non-singular, the penalised optimum is a
    deterministic linear shrinkage of the unpenalised optimum; the difference is
    ``-lam (G + lam I)^{-1} w_MLE``, which is ``O(lam / n)`` when ``G`` grows like ``n``.

    Parameters
    ----------
    gram : array_like
        ``X'X``, shape ``(..., p, p)``.
    coef_mle : array_like
        Least-squares solution, shape ``(..., p)``.
    lam : float or array_like
        Penalty weight(s) ``>= 0``.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., p)``.
    """
    g = _gram(gram)
    w = as_finite_array(coef_mle, "coef_mle", min_ndim=1, dtype=np.float64)
    if w.shape[-1] != g.shape[-1]:
        raise ValueError(f"`coef_mle` must have {g.shape[-1]} coefficients in its last axis, "
                         f"got shape {w.shape}.")
    return ridge_from_moments(g, np.einsum("...ij,...j->...i", g, w), lam).coef


# --------------------------------------------------------------------------- lasso


def soft_threshold(z: ArrayLike, t: ArrayLike) -> np.ndarray:
    """Soft-thresholding operator ``sign(z) * max(|z| - t, 0)`` (exact zeros inside ``[-t, t]``).

    Parameters
    ----------
    z : array_like
        Values.
    t : float or array_like
        Thresholds ``>= 0``, broadcastable against ``z``.

    Returns
    -------
    numpy.ndarray

    References
    ----------
    Friedman, Hastie & Tibshirani (2010), eq. (6).
    """
    z_ = as_finite_array(z, "z", dtype=np.float64)
    t_ = as_finite_array(t, "t", dtype=np.float64)
    if np.any(t_ < 0):
        raise ValueError("`t` must be non-negative.")
    return _soft(z_, t_)


def _soft(z: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Soft threshold returning +0.0 (never -0.0) inside the threshold."""
    shrunk = np.abs(z) - t
    return np.where(shrunk > 0, np.sign(z) * shrunk, 0.0)


def lasso_objective(coef: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float) -> np.ndarray:
    """Lasso objective ``RSS(w) + lam ||w||_1`` per problem (parameters and result as in
    :func:`ridge_objective`)."""
    return _objective(coef, X, y, lam, lambda w: np.sum(np.abs(w), axis=-1))


def lasso_kkt_residual(coef: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float) -> np.ndarray:
    r"""Distance from zero to the subdifferential of ``RSS + lam ||w||_1`` at ``coef``.

    The subgradient of minimal Euclidean norm has components ``g_j + lam sign(w_j)`` where
    ``w_j != 0`` and ``max(|g_j| - lam, 0)`` where ``w_j = 0``, with ``g = -2 X'(y - Xw)``. It is
    zero exactly at the lasso solution, and for a ``mu``-strongly convex objective
    (``mu = 2 lambda_min(X'X)``) ``||w - w*|| <= residual / mu``: a certificate of accuracy.

    Parameters
    ----------
    coef, X, y
        As in :func:`ridge_objective`.
    lam : float
        Penalty weight, ``>= 0``.

    Returns
    -------
    numpy.ndarray
        Euclidean norm of the minimal subgradient, batch shape.
    """
    d = _design(X, y)
    w = as_coef(coef, d)
    lam_ = nonnegative_scalar(lam, "lam")
    g = -2.0 * xt_dot(d.X, d.y - fitted(d.X, w))
    sub = np.where(w != 0, g + lam_ * np.sign(w), np.maximum(np.abs(g) - lam_, 0.0))
    return d.unflatten(np.sqrt(np.sum(sub * sub, axis=-1)))


def _cd_sweeps(g: np.ndarray, c: np.ndarray, ref: np.ndarray, half_lam: float, tol: float,
               max_iter: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cyclic coordinate descent with covariance updates on flat batches ``(B, p)``.

    Only problems that have not yet met the stopping rule are updated in a sweep.
    """
    batch, p = c.shape
    diag = np.einsum("bjj->bj", g)
    norms = np.sqrt(diag)
    safe_diag = np.where(diag > 0, diag, 1.0)
    n_iter = np.zeros(batch, dtype=np.int64)
    converged = np.zeros(batch, dtype=bool)
    active = np.arange(batch)
    for sweep in range(1, max_iter + 1):
        ga, ca, wa, da, sa = g[active], c[active], w[active], diag[active], safe_diag[active]
        change = np.zeros(active.size)
        for j in range(p):
            rho = ca[:, j] - np.einsum("bk,bk->b", ga[:, j, :], wa) + da[:, j] * wa[:, j]
            new = np.where(da[:, j] > 0, _soft(rho, half_lam) / sa[:, j], 0.0)
            change = np.maximum(change, norms[active, j] * np.abs(new - wa[:, j]))
            wa[:, j] = new
        w[active] = wa
        n_iter[active] = sweep
        done = change <= tol * ref[active]
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    return w, n_iter, converged


def lasso(X: ArrayLike, y: ArrayLike, lam: float, *, tol: float = LASSO_TOL,
          max_iter: int = LASSO_MAX_ITER, coef0: ArrayLike | None = None) -> LassoFit:
    r"""Lasso ``argmin_w ||y - Xw||^2 + lam ||w||_1`` by cyclic coordinate descent, batched.

    Each coordinate update is exact: with the partial residual correlation
    ``rho_j = x_j'(y - X w) + ||x_j||^2 w_j`` the one-dimensional problem
    ``min ||r_j - x_j w_j||^2 + lam |w_j|`` is solved by ``w_j = S(rho_j, lam / 2) / ||x_j||^2``
    (``S`` = :func:`soft_threshold`). ``rho_j`` is computed from the Gram matrix
    (*covariance updates*, Friedman, Hastie & Tibshirani 2010, §2.2), so a sweep costs
    ``O(p^2)`` per problem, independent of ``n``, and all problems of the batch are updated in
    one vectorised operation per coordinate.

    Stopping rule (per problem): after a sweep, the largest change of a coordinate's
    contribution to the fit, ``max_j ||x_j|| |Delta w_j|``, is at most ``tol * ||y||``; problems
    that meet it are frozen, the others continue up to ``max_iter`` sweeps and are counted in
    :attr:`LassoFit.n_not_converged`. The objective is convex and the coordinate minimiser
    unique when every ``x_j != 0``, so the iterates converge to a minimiser (Tseng 2001).

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared by the batch or ``(*batch, n, p)``. All-zero columns get
        coefficient 0.
    y : array_like
        Responses, ``(*batch, n)``.
    lam : float
        Penalty weight ``>= 0`` (``RSS + lam ||w||_1`` convention).
    tol : float, optional
        Relative tolerance of the stopping rule, ``> 0``.
    max_iter : int, optional
        Maximum number of sweeps.
    coef0 : array_like, optional
        Starting point, broadcastable to ``(*batch, p)`` (default zeros).

    Returns
    -------
    LassoFit

    Notes
    -----
    The ``RSS + lam ||w||_1`` convention is the MAP criterion of a Laplace(0, b) prior with
    ``lam = 2 sigma^2 / b`` (derived in :func:`simulations.posteriors.laplace_prior_lasso_lambda`).
    glmnet and scikit-learn use ``RSS / (2n) + alpha ||w||_1``, i.e. ``alpha = lam / (2n)``.

    References
    ----------
    Tibshirani, R. (1996). JRSS B 58(1), 267-288.
    Friedman, J., Hastie, T. & Tibshirani, R. (2010). J. Stat. Softw. 33(1), 1-22.
    Tseng, P. (2001). Convergence of a block coordinate descent method for nondifferentiable
    minimization. J. Optim. Theory Appl. 109(3), 475-494.
    """
    d = _design(X, y)
    lam_ = nonnegative_scalar(lam, "lam")
    tol_ = positive_scalar(tol, "tol")
    max_iter_ = positive_int(max_iter, "max_iter")
    p = d.n_features
    w0 = np.zeros((d.n_batch, p)) if coef0 is None else np.array(as_coef(coef0, d, "coef0"))
    g, c = _flat_moments(d)
    ref = np.sqrt(np.einsum("bn,bn->b", d.y, d.y))
    ref = np.where(ref > 0, ref, 1.0)
    w, n_iter, converged = _cd_sweeps(g, c, ref, 0.5 * lam_, tol_, max_iter_, w0)
    return LassoFit(coef=d.unflatten(w), lam=lam_, n_iter=d.unflatten(n_iter),
                    converged=d.unflatten(converged), tol=tol_, max_iter=max_iter_)


# --------------------------------------------------------------------------- logistic


def _log1pexp(z: np.ndarray) -> np.ndarray:
    """``log(1 + exp(z))`` without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _logistic_objective(X: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    """Penalised Bernoulli NLL for flat batches ``w`` ``(B, p)``, ``X`` shared or ``(B, n, p)``."""
    z = fitted(X, w)
    return np.sum(_log1pexp(z) - y * z, axis=-1) + 0.5 * lam * np.sum(w * w, axis=-1)


def ridge_logistic(X: ArrayLike, y: ArrayLike, lam: float, *, tol: float = NEWTON_TOL,
                   max_iter: int = NEWTON_MAX_ITER) -> LogisticMAPFit:
    r"""Gaussian-prior MAP of logistic regression by damped Newton, batched.

    Minimises ``sum_i [log(1 + exp(x_i'w)) - y_i x_i'w] + (lam / 2) ||w||^2``: the Bernoulli
    negative log-likelihood (the summed binary cross-entropy) minus the log density of the
    prior ``w ~ N(0, I / lam)``, up to a constant. Equivalently, the *mean* cross-entropy plus
    ``(wd / 2) ||w||^2`` -- the objective that SGD with ``weight_decay = wd`` minimises -- with
    ``lam = n * wd``.

    Newton step ``(X'DX + lam I)^{-1} grad`` with ``D = diag(p_i (1 - p_i))``, halved until the
    objective does not increase. Stopping rule (per problem): ``||step||_inf <= tol * (1 +
    ||w||_inf)``; problems that do not meet it within ``max_iter`` iterations are counted in
    :attr:`LogisticMAPFit.n_not_converged`. With ``lam > 0`` the objective is strongly convex
    and Newton converges quadratically near the solution.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared by the batch or ``(*batch, n, p)``.
    y : array_like
        0/1 responses, ``(*batch, n)``.
    lam : float
        Penalty weight ``>= 0`` (``lam = 0`` is the MLE, which need not exist for separable data).
    tol : float, optional
        Relative tolerance of the stopping rule, ``> 0``.
    max_iter : int, optional
        Maximum number of Newton iterations.

    Returns
    -------
    LogisticMAPFit

    References
    ----------
    Le Cessie, S. & van Houwelingen, J. C. (1992). Ridge estimators in logistic regression.
    Applied Statistics 41(1), 191-201.
    Nocedal, J. & Wright, S. J. (2006). Numerical Optimization, 2nd ed., §3.5 (backtracking).
    """
    d = _design(X, y, binary=True)
    lam_ = nonnegative_scalar(lam, "lam")
    tol_ = positive_scalar(tol, "tol")
    max_iter_ = positive_int(max_iter, "max_iter")
    n, p = d.n_obs, d.n_features
    w = np.zeros((d.n_batch, p))
    n_iter = np.zeros(d.n_batch, dtype=np.int64)
    converged = np.zeros(d.n_batch, dtype=bool)
    active = np.arange(d.n_batch)
    eye = np.eye(p)
    for it in range(1, max_iter_ + 1):
        Xa, ya, wa = d.design_for(active), d.y[active], w[active]
        prob = 1.0 / (1.0 + np.exp(-fitted(Xa, wa)))
        grad = xt_dot(Xa, prob - ya) + lam_ * wa
        hess = weighted_gram(Xa, prob * (1 - prob)) + lam_ * eye
        try:
            step = np.linalg.solve(hess, grad[..., None])[..., 0]
        except np.linalg.LinAlgError:  # lam = 0 with a rank-deficient design
            step = np.einsum("bij,bj->bi", np.linalg.pinv(hess), grad)
        f0 = _logistic_objective(Xa, ya, wa, lam_)
        # Rounding noise of a sum of n terms: an "increase" below it is not evidence against
        # the full step (without this slack, steps near the optimum would be halved away).
        slack = 4.0 * n * _EPS * (1.0 + np.abs(f0))
        t = np.ones(active.size)
        for _ in range(_MAX_HALVINGS):
            f1 = _logistic_objective(Xa, ya, wa - t[:, None] * step, lam_)
            worse = f1 > f0 + slack
            if not np.any(worse):
                break
            t = np.where(worse, 0.5 * t, t)
        new = wa - t[:, None] * step
        w[active] = new
        n_iter[active] = it
        done = np.max(np.abs(new - wa), axis=-1) <= tol_ * (1.0 + np.max(np.abs(new), axis=-1))
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    return LogisticMAPFit(coef=d.unflatten(w), lam=lam_, n_iter=d.unflatten(n_iter),
                          converged=d.unflatten(converged), tol=tol_, max_iter=max_iter_)


# --------------------------------------------------------------------------- statsmodels


def statsmodels_alpha(lam: float, n: int, penalty: Literal["l2", "l1"]) -> float:
    r"""statsmodels' ``alpha`` for ``OLS.fit_regularized`` that gives this module's ``lam``.

    ``OLS(y, X).fit_regularized(alpha=a, L1_wt=w)`` minimises (statsmodels docstring of
    ``fit_regularized``; ``_fit_ridge`` for ``L1_wt = 0`` computes
    ``V (S^2 + a n)^{-1} S U'y = (X'X + a n I)^{-1} X'y``)::

        RSS / (2 n) + a * ((1 - w) * ||b||_2^2 / 2 + w * ||b||_1).

    Multiplying by ``2 n``: with ``w = 0`` it is ``RSS + a n ||b||^2`` so ``a = lam / n``;
    with ``w = 1`` it is ``RSS + 2 a n ||b||_1`` so ``a = lam / (2 n)``.

    Parameters
    ----------
    lam : float
        Penalty weight ``>= 0`` in this module's convention.
    n : int
        Number of observations.
    penalty : {'l2', 'l1'}
        Ridge (``L1_wt = 0``) or lasso (``L1_wt = 1``).

    Returns
    -------
    float
    """
    lam_ = nonnegative_scalar(lam, "lam")
    n_ = positive_int(n, "n")
    if penalty == "l2":
        return lam_ / n_
    if penalty == "l1":
        return lam_ / (2 * n_)
    raise ValueError(f"`penalty` must be 'l2' or 'l1', got {penalty!r}.")
