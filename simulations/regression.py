"""Batched linear regression under squared and absolute loss, and the matching likelihoods.

One call fits ``B`` data sets at once (see :mod:`simulations.design` for the shapes): the
replications of a Monte Carlo study are a leading batch axis, never a Python loop.

=======================  ==================================================================
:func:`least_squares`    minimises ``sum (y - X b)^2``: Householder QR, ``b = R^-1 Q' y``
:func:`gaussian_mle`     maximises the Gaussian likelihood in ``(b, sigma)`` jointly:
                         ``b`` = least squares, ``sigma^2 = RSS / n`` (closed form)
:func:`lad`              minimises ``sum |y - X b|`` (median regression): batched IRLS, then
                         exact pivots to a basic solution certified optimal (see below)
:func:`laplace_mle`      maximises the Laplace likelihood in ``(b, scale)`` jointly:
                         ``b`` = LAD, ``scale = mean |y - X b|`` (closed form)
:func:`gaussian_regression_nll`, :func:`laplace_regression_nll`
                         the two negative log-likelihoods at arbitrary parameters
=======================  ==================================================================

Why the closed forms are the joint maximisers. For fixed ``b`` the Gaussian NLL
``RSS(b)/(2 sigma^2) + (n/2) log(2 pi sigma^2)`` is minimised by ``sigma^2 = RSS(b)/n``,
leaving the profile ``(n/2)(log(2 pi RSS(b)/n) + 1)``, increasing in ``RSS(b)``; so the joint
maximiser is ``(b_LS, RSS/n)``. Likewise the Laplace NLL ``SAD(b)/s + n log(2 s)`` is minimised
by ``s = SAD(b)/n``, leaving ``n (log(2 SAD(b)/n) + 1)``, increasing in ``SAD(b)``.

LAD convergence criterion
-------------------------
IRLS for the L1 loss (Schlossmacher 1973) reweights least squares with
``w_i = 1 / max(|r_i|, floor)``; it approaches the LAD solution but only linearly, never
reaches it exactly because of the floor, and can stall at a non-optimal vertex. A LAD solution
is, however, attained at a *basic* solution ``b(h) = X_h^{-1} y_h`` interpolating ``p``
observations ``h`` (Koenker 2005, §2.2), and a basic solution is optimal iff it passes the exact
condition of Koenker (2005, Theorem 2.1) for the median (``tau = 1/2``)::

    xi(h) = X_h^{-T} sum_{i not in h} sign(r_i) x_i ,     b(h) optimal  <=>  max|xi_j| <= 1

(``sign(0) = +1``, Koenker's ``psi_tau(0) = tau`` convention). :func:`lad` runs a few IRLS
steps, takes the ``p`` smallest residuals as a basis and, while the condition fails, moves to
a better adjacent basic solution along the descent edge ``j = argmax|xi_j|`` with an exact line
search (a weighted median; Barrodale & Roberts 1973). A data set is *converged* when its basic
solution passes the test, up to :data:`CERTIFICATE_SLACK` for rounding; the returned
coefficients are then that basic solution, exact up to the rounding of one ``p x p`` solve.
Data sets not certified within the limits keep their last iterate and are flagged
``converged = False`` -- never dropped.

References
----------
Golub, G. H. & Van Loan, C. F. (2013). *Matrix Computations*, 4th ed., §5.3 (least squares by
QR).
Koenker, R. (2005). *Quantile Regression*. Cambridge University Press, §2.2, Theorem 2.1.
Koenker, R. & Bassett, G. (1978). Regression quantiles. *Econometrica* 46(1), 33-50.
Barrodale, I. & Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. *SIAM J. Numer. Anal.* 10(5), 839-848.
Schlossmacher, E. J. (1973). An iterative technique for absolute deviations curve fitting.
*JASA* 68(344), 857-859.
Murphy, K. P. (2022). *Probabilistic Machine Learning: An Introduction*, §11.2 (least squares
as Gaussian MLE), §11.6.1 (Laplace likelihood and robust regression).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from simulations.design import (
    Design,
    as_coef,
    as_design,
    as_max_iter,
    fitted,
    gram,
    solve_batched,
    xt_dot,
)
from claimkit.validation import as_finite_array, check_broadcastable_to

__all__ = [
    "CERTIFICATE_SLACK",
    "IRLS_FLOOR",
    "RANK_TOL_FACTOR",
    "RegressionFit",
    "gaussian_mle",
    "gaussian_regression_nll",
    "lad",
    "laplace_mle",
    "laplace_regression_nll",
    "least_squares",
]

#: A design is declared rank deficient when ``|R_jj| <= RANK_TOL_FACTOR * n * eps * max_j |R_jj|``
#: in its QR factorisation (the threshold numpy's ``matrix_rank`` applies to singular values).
#: QR without pivoting is not rank revealing in general (Golub & Van Loan 2013, §5.4.1), but an
#: exactly dependent column gives ``R_jj = 0`` up to rounding, which is what this catches.
RANK_TOL_FACTOR: float = 1.0
#: IRLS weight floor for LAD, relative to the mean absolute OLS residual: it caps the weights
#: ``1/|r_i|`` (and the condition of the weighted normal equations) at ``1e9 / mean|r|``. It does
#: not affect the result, which is the certified basic solution reached by the pivots.
IRLS_FLOOR: float = 1e-9
#: Slack on Koenker's optimality condition ``max|xi_j| <= 1``. ``xi`` is computed from a sum of
#: ``n`` rows and one ``p x p`` solve, with rounding error about ``n * kappa(X_h) * eps``
#: (``<= 1e-10`` for ``n <= 1e4`` and ``kappa <= 1e2``); for data in general position the
#: optimal basis has ``max|xi_j| < 1`` strictly.
CERTIFICATE_SLACK: float = 1e-9


@dataclass(frozen=True, slots=True)
class RegressionFit:
    """A batch of fitted linear regressions.

    Attributes
    ----------
    coef : numpy.ndarray
        Coefficients, shape ``(*batch, p)``.
    scale : numpy.ndarray
        Maximum-likelihood scale of the matching noise law, shape ``batch``: the Gaussian
        ``sigma_hat = sqrt(RSS / n)`` for least squares, the Laplace ``b_hat = SAD / n`` for LAD.
    loss : numpy.ndarray
        The minimised criterion, shape ``batch``: ``RSS`` or ``SAD = sum |r_i|``.
    nll : numpy.ndarray
        Negative log-likelihood of the matching noise law at ``(coef, scale)``, shape ``batch``
        (``-inf`` for a perfect fit, whose scale is 0).
    converged : numpy.ndarray of bool
        Per data set: the solution is exact (direct methods: always ``True``) or certified.
    n_iter : numpy.ndarray of int
        Iterations used per data set (0 for direct methods).
    method : str
        ``'least-squares (QR)'`` or ``'lad (IRLS + exact pivots, certified)'``.
    n_obs : int
        Observations per data set.
    """

    coef: np.ndarray
    scale: np.ndarray
    loss: np.ndarray
    nll: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray
    method: str
    n_obs: int

    @property
    def n_failed(self) -> int:
        """Number of data sets that did not converge (kept in every array, flagged here)."""
        return int(np.count_nonzero(~self.converged))


# ---------------------------------------------------------------------- likelihoods


def _residuals(X: ArrayLike, y: ArrayLike, coef: ArrayLike, scale: ArrayLike
               ) -> tuple[Design, np.ndarray, np.ndarray]:
    """Validate data, coefficients ``(*batch, p)`` and positive scales ``batch``; return the
    design, the residuals ``y - X coef`` ``(B, n)`` and the scales ``(B,)``."""
    d = as_design(X, y, min_obs_per_feature=False)
    c = as_coef(coef, d)
    s = as_finite_array(scale, "scale", dtype=np.float64)
    if np.any(s <= 0):
        raise ValueError("`scale` must be positive.")
    check_broadcastable_to(s, d.batch_shape, ("scale", "y"))
    s = np.broadcast_to(s, d.batch_shape).reshape(d.n_batch)
    return d, d.y - fitted(d.X, c), s


def gaussian_regression_nll(X: ArrayLike, y: ArrayLike, coef: ArrayLike,
                            scale: ArrayLike) -> np.ndarray:
    r"""Gaussian negative log-likelihood :math:`\frac{RSS}{2\sigma^2} + \frac n2\log(2\pi\sigma^2)`.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` or ``(*batch, n, p)``.
    y : array_like
        Responses, ``(*batch, n)``.
    coef : array_like
        Coefficients, broadcastable to ``(*batch, p)``.
    scale : array_like
        Standard deviations ``sigma > 0``, broadcastable to ``batch``.

    Returns
    -------
    numpy.ndarray
        NLL per data set, shape ``batch``.
    """
    d, r, s = _residuals(X, y, coef, scale)
    rss = np.sum(r ** 2, axis=-1)
    n = d.n_obs
    return d.unflatten(rss / (2 * s ** 2) + 0.5 * n * np.log(2 * math.pi * s ** 2))


def laplace_regression_nll(X: ArrayLike, y: ArrayLike, coef: ArrayLike,
                           scale: ArrayLike) -> np.ndarray:
    r"""Laplace negative log-likelihood :math:`\frac1b\sum_i|y_i - x_i'\beta| + n\log(2b)`.

    Parameters and result as in :func:`gaussian_regression_nll`, with Laplace scales ``b > 0``
    as ``scale``.
    """
    d, r, s = _residuals(X, y, coef, scale)
    sad = np.sum(np.abs(r), axis=-1)
    return d.unflatten(sad / s + d.n_obs * np.log(2 * s))


def _gaussian_nll_at_mle(rss: np.ndarray, n: int) -> np.ndarray:
    """Profile Gaussian NLL ``(n/2)(log(2 pi RSS/n) + 1)`` (``-inf`` when ``RSS = 0``)."""
    with np.errstate(divide="ignore"):
        return 0.5 * n * (np.log(2 * math.pi * rss / n) + 1.0)


def _laplace_nll_at_mle(sad: np.ndarray, n: int) -> np.ndarray:
    """Profile Laplace NLL ``n (log(2 SAD/n) + 1)`` (``-inf`` when ``SAD = 0``)."""
    with np.errstate(divide="ignore"):
        return n * (np.log(2 * sad / n) + 1.0)


# ---------------------------------------------------------------------- least squares


def _check_rank(R: np.ndarray, n: int) -> None:
    """Raise if any triangular factor ``R`` (``(..., p, p)``) is numerically rank deficient."""
    diag = np.abs(np.diagonal(R, axis1=-2, axis2=-1))
    tol = RANK_TOL_FACTOR * n * np.finfo(np.float64).eps * diag.max(axis=-1, keepdims=True)
    if np.any(diag <= tol):
        raise ValueError("`X` must have full column rank (a diagonal entry of its QR factor R "
                         "is below n * eps * max|R_jj|).")


def _ls_coef(d: Design) -> np.ndarray:
    """Least-squares coefficients ``(B, p)`` by Householder QR (one factorisation if shared)."""
    Q, R = np.linalg.qr(d.X, mode="reduced")
    _check_rank(R, d.n_obs)
    qty = xt_dot(Q, d.y)  # (B, p)
    if d.shared:
        return np.linalg.solve(R, qty.T).T
    return np.linalg.solve(R, qty[..., None])[..., 0]


def least_squares(X: ArrayLike, y: ArrayLike) -> RegressionFit:
    r"""Batched ordinary least squares :math:`\hat\beta = \arg\min_\beta \|y - X\beta\|^2`.

    Solved by Householder QR, :math:`X = QR`, :math:`\hat\beta = R^{-1} Q^\top y` (backward
    stable; the normal equations are never formed, so the error grows with
    :math:`\kappa(X)` rather than :math:`\kappa(X)^2` for small residuals). A shared design is
    factorised once for all data sets.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared or ``(*batch, n, p)``, full column rank, ``n >= p``.
    y : array_like
        Responses, ``(*batch, n)``.

    Returns
    -------
    RegressionFit
        ``loss`` = RSS, ``scale`` = :math:`\sqrt{RSS/n}`, ``nll`` = Gaussian NLL at the MLE.

    References
    ----------
    Golub & Van Loan (2013), *Matrix Computations*, §5.3.3.
    """
    d = as_design(X, y)
    coef = _ls_coef(d)
    rss = np.sum((d.y - fitted(d.X, coef)) ** 2, axis=-1)
    n = d.n_obs
    return RegressionFit(coef=d.unflatten(coef), scale=d.unflatten(np.sqrt(rss / n)),
                         loss=d.unflatten(rss), nll=d.unflatten(_gaussian_nll_at_mle(rss, n)),
                         converged=d.unflatten(np.ones(d.n_batch, bool)),
                         n_iter=d.unflatten(np.zeros(d.n_batch, int)),
                         method="least-squares (QR)", n_obs=n)


def gaussian_mle(X: ArrayLike, y: ArrayLike) -> RegressionFit:
    r"""Joint maximum-likelihood estimate of :math:`(\beta, \sigma)` under Gaussian noise.

    The model is :math:`y \sim N(X\beta, \sigma^2 I)`.

    Closed form: :math:`\hat\beta` is least squares and :math:`\hat\sigma^2 = RSS/n` (not
    :math:`RSS/(n-p)`), by profiling :math:`\sigma` out of the likelihood (module docstring).

    Parameters
    ----------
    X, y : array_like
        As in :func:`least_squares`.

    Returns
    -------
    RegressionFit
        ``scale`` = :math:`\hat\sigma`, ``nll`` = :math:`\frac n2(\log(2\pi\hat\sigma^2) + 1)`.

    References
    ----------
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §11.2.2.
    """
    return least_squares(X, y)


# ---------------------------------------------------------------------- least absolute deviations


def _basis_rows(d: Design, idx: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X_h`` ``(m, p, p)`` and ``y_h`` ``(m, p)`` of data sets ``idx`` for bases ``h``."""
    Xh = d.X[h] if d.shared else np.take_along_axis(d.X[idx], h[..., None], axis=1)
    return Xh, np.take_along_axis(d.y[idx], h, axis=-1)


@dataclass(frozen=True, slots=True)
class _Vertex:
    """Basic solutions of ``m`` data sets with Koenker's optimality test."""

    coef: np.ndarray       # (m, p)  X_h^{-1} y_h
    resid: np.ndarray      # (m, n)  with exact zeros on the basis
    xi: np.ndarray         # (m, p)  X_h^{-T} sum_{i not in h} sign(r_i) x_i
    Xh: np.ndarray         # (m, p, p)
    ok: np.ndarray         # (m,)    X_h non-singular
    certified: np.ndarray  # (m,)    max |xi| <= 1 + slack


def _vertex(d: Design, idx: np.ndarray, h: np.ndarray) -> _Vertex:
    """The basic solutions ``b(h)`` of data sets ``idx`` and their optimality certificates."""
    Xh, yh = _basis_rows(d, idx, h)
    coef, ok = solve_batched(Xh, yh)
    resid = d.y[idx] - fitted(d.design_for(idx), coef)
    np.put_along_axis(resid, h, 0.0, axis=-1)
    s = np.where(resid >= 0, 1.0, -1.0)  # Koenker's psi(0) = tau convention: sign(0) = +1
    np.put_along_axis(s, h, 0.0, axis=-1)
    xi, ok_xi = solve_batched(Xh.swapaxes(-1, -2), xt_dot(d.design_for(idx), s))
    ok = ok & ok_xi
    certified = ok & (np.max(np.abs(xi), axis=-1) <= 1.0 + CERTIFICATE_SLACK)
    return _Vertex(coef, resid, xi, Xh, ok, certified)


def _pivot(d: Design, idx: np.ndarray, h: np.ndarray, v: _Vertex) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """One descent pivot per data set: leave basis row ``j`` along an edge, exact line search.

    With ``j = argmax |xi_j|`` (``|xi_j| > 1``) and ``sigma = sign(xi_j)``, the edge direction
    ``delta = sigma X_h^{-1} e_j`` keeps the other basis residuals at 0 and has directional
    derivative ``1 - |xi_j| < 0``. Along it ``SAD(b + t delta) = sum_i |a_i| |z_i - t|`` with
    ``a = X delta`` and ``z_i = r_i / a_i``, minimised at the weighted median of ``z`` (weights
    ``|a_i|``): the observation at that median enters the basis, ``j`` leaves (Barrodale &
    Roberts 1973). Returns the new bases and a flag: the step moved (``t > 0``).
    """
    m, p = h.shape
    j = np.argmax(np.abs(v.xi), axis=-1)
    sigma = np.sign(v.xi[np.arange(m), j])
    e = np.zeros((m, p))
    e[np.arange(m), j] = sigma
    delta, ok = solve_batched(v.Xh, e)
    a = fitted(d.design_for(idx), delta)
    np.put_along_axis(a, h, e, axis=-1)  # exact on the basis: a_h = sigma e_j
    w = np.abs(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(w > 0, v.resid / np.where(w > 0, a, 1.0), 0.0)
    order = np.argsort(z, axis=-1, kind="stable")
    cum = np.cumsum(np.take_along_axis(w, order, axis=-1), axis=-1)
    k = np.argmax(cum >= 0.5 * cum[:, -1:], axis=-1)
    entering = order[np.arange(m), k]
    moved = ok & (np.take_along_axis(z, entering[:, None], axis=-1)[:, 0] > 0)
    new_h = h.copy()
    new_h[np.arange(m), j] = entering
    return np.where(moved[:, None], new_h, h), moved


def lad(X: ArrayLike, y: ArrayLike, *, irls_steps: int = 3,
        max_pivots: int = 500) -> RegressionFit:
    r"""Batched least-absolute-deviations (median) regression.

    Computes :math:`\arg\min_\beta\sum_i|y_i - x_i'\beta|` for every data set.

    Two phases, both vectorised over data sets:

    1. IRLS from the OLS solution with weights :math:`w_i = 1/\max(|r_i|, \text{floor})`
       (``floor`` = :data:`IRLS_FLOOR` times the mean absolute OLS residual), at most
       ``irls_steps`` steps. IRLS gets close to the solution fast but converges only
       linearly and can stall at a non-optimal vertex, where residuals pinned at the floor get
       huge weights.
    2. From the basis of the ``p`` smallest residuals, exact descent pivots along the edges of
       the L1 polyhedron (:func:`_pivot`, Barrodale & Roberts 1973) until Koenker's optimality
       condition holds (module docstring). Each pivot strictly decreases the loss for data in
       general position, so the phase is finite.

    Convergence criterion: a data set is converged when its basic solution passes the exact
    optimality test ``max|xi_j| <= 1 + CERTIFICATE_SLACK``; the coefficients returned are then
    the basic solution itself, exact up to rounding of one ``p x p`` solve. The test is applied
    after every IRLS step too, so easy data sets stop early.

    For the location model (``X`` a column of ones) and odd ``n`` the result is the sample
    median exactly; for even ``n`` it is one of the two middle order statistics (every point
    between them minimises the absolute loss).

    Parameters
    ----------
    X, y : array_like
        As in :func:`least_squares`.
    irls_steps : int, optional
        Maximum IRLS steps (phase 1, default 3: a few steps bring the small residuals near the
        optimal basis; more steps cost more than the pivots they save).
    max_pivots : int, optional
        Maximum descent pivots (phase 2, default 500).

    Returns
    -------
    RegressionFit
        ``loss`` = :math:`SAD = \sum|r_i|`, ``scale`` = :math:`SAD/n` (Laplace MLE of the scale),
        ``nll`` = Laplace NLL at the MLE, ``converged`` = certified optimal, ``n_iter`` = IRLS
        steps plus pivots used. Non-converged data sets (a singular basis, or the limits
        reached) are returned with their last iterate and counted in ``n_failed``.

    References
    ----------
    Koenker (2005), *Quantile Regression*, §2.2, Theorem 2.1 and §6.2; Schlossmacher (1973);
    Barrodale, I. & Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
    approximation. *SIAM J. Numer. Anal.* 10(5), 839-848.
    """
    d = as_design(X, y)
    irls_steps = as_max_iter(irls_steps, "irls_steps")
    max_pivots = as_max_iter(max_pivots, "max_pivots")
    B, n, p = d.n_batch, d.n_obs, d.n_features
    coef = _ls_coef(d)
    resid = d.y - fitted(d.X, coef)
    floor = IRLS_FLOOR * np.maximum(np.mean(np.abs(resid), axis=-1), np.finfo(float).tiny)
    converged = np.zeros(B, bool)
    n_iter = np.zeros(B, int)

    def smallest(r: np.ndarray) -> np.ndarray:
        return np.argpartition(np.abs(r), p - 1, axis=-1)[:, :p]

    def accept(idx: np.ndarray, v: _Vertex) -> np.ndarray:
        coef[idx[v.certified]] = v.coef[v.certified]
        converged[idx[v.certified]] = True
        return ~v.certified

    active = np.arange(B)
    for step in range(irls_steps + 1):  # phase 1: IRLS, certificate tested after each step
        active = active[accept(active, _vertex(d, active, smallest(resid[active])))]
        if active.size == 0 or step == irls_steps:
            break
        Xa = d.design_for(active)
        w = 1.0 / np.maximum(np.abs(resid[active]), floor[active, None])
        new, solved = solve_batched(gram(Xa, w), xt_dot(Xa, w * d.y[active]))
        coef[active[solved]] = new[solved]
        resid[active] = d.y[active] - fitted(Xa, coef[active])
        n_iter[active] += 1
    h = smallest(resid[active])
    for _ in range(max_pivots):  # phase 2: exact descent pivots between basic solutions
        if active.size == 0:
            break
        v = _vertex(d, active, h)
        live = accept(active, v) & v.ok
        coef[active[v.ok]] = v.coef[v.ok]
        active, h, v = active[live], h[live], _Vertex(*(f[live] for f in (
            v.coef, v.resid, v.xi, v.Xh, v.ok, v.certified)))
        if active.size == 0:
            break
        h, moved = _pivot(d, active, h, v)
        n_iter[active] += 1
        active, h = active[moved], h[moved]
    sad = np.sum(np.abs(d.y - fitted(d.X, coef)), axis=-1)
    return RegressionFit(coef=d.unflatten(coef), scale=d.unflatten(sad / n),
                         loss=d.unflatten(sad), nll=d.unflatten(_laplace_nll_at_mle(sad, n)),
                         converged=d.unflatten(converged), n_iter=d.unflatten(n_iter),
                         method="lad (IRLS + exact pivots, certified)", n_obs=n)


def laplace_mle(X: ArrayLike, y: ArrayLike, *, irls_steps: int = 3,
                max_pivots: int = 500) -> RegressionFit:
    r"""Joint maximum-likelihood estimate of :math:`(\beta, b)` under Laplace noise.

    The model is :math:`y_i \sim \mathrm{Laplace}(x_i'\beta, b)`.

    :math:`\hat\beta` is the LAD fit (:func:`lad`) and :math:`\hat b = \frac1n\sum_i|y_i -
    x_i'\hat\beta|`, by profiling :math:`b` out of the likelihood (module docstring).

    Parameters
    ----------
    X, y, irls_steps, max_pivots
        As in :func:`lad`.

    Returns
    -------
    RegressionFit
        ``scale`` = :math:`\hat b`, ``nll`` = :math:`n(\log(2\hat b) + 1)`.

    References
    ----------
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §11.6.1.
    """
    return lad(X, y, irls_steps=irls_steps, max_pivots=max_pivots)
