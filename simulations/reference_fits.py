"""Reference fits: slow, one-data-set-at-a-time fits by scipy and statsmodels (the oracles).

The batched fitters of :mod:`simulations.regression` and :mod:`simulations.classification`
are checked against these independent implementations on the same data (the properscoring
pattern: a fast vectorised routine against a slow, obviously correct one). Each oracle comes
with the tolerance to which it solves its problem, stated as a module constant with its
derivation; comparisons must use these constants (or the per-data-set bounds computed from
them), never hand-picked decimals.

Every oracle takes one data set: a design ``X`` of shape ``(n, p)`` and responses (or labels)
``y`` of shape ``(n,)``, both finite with as many entries in ``y`` as rows in ``X`` (otherwise
``ValueError`` naming the parameter); it returns a :class:`ReferenceFit` whose docstring entry
says which fields the oracle fills.

======================================  ==========================================================
:func:`gaussian_mle_bfgs`               joint numerical maximisation of the Gaussian likelihood
                                        in ``(beta, log sigma)``, ``scipy.optimize.minimize`` BFGS
:func:`lad_linprog`                     LAD as a linear programme, ``scipy.optimize.linprog``
                                        (HiGHS)
:func:`laplace_mle_numerical`           Laplace likelihood maximised numerically: ``beta`` by the
                                        LP, ``b`` by bounded scalar minimisation of the NLL
:func:`quantreg_median`                 statsmodels ``QuantReg(q=0.5)``, with its convergence
                                        status
:func:`lad_oracle`                      the LAD oracle of a comparison: ``QuantReg`` where it
                                        converged, the LP where it did not
:func:`logit_statsmodels`,              statsmodels ``Logit`` / ``MNLogit`` (Newton)
:func:`mnlogit_statsmodels`
:func:`brier_minimiser`                 coefficients minimising the squared error of predicted
                                        probabilities (negative control of CE-08)
:func:`model_mle_bfgs`                  the MLE of one data set of any model of
                                        :mod:`simulations.models`, by BFGS on its mean NLL
:func:`mle_certificate`                 how far a candidate MLE can be from a stationary point
                                        of the log-likelihood
======================================  ==========================================================

References
----------
Nocedal, J. & Wright, S. J. (2006). *Numerical Optimization*, 2nd ed., §3.5 (step length and
rounding), Theorem 3.5/§6.1 (BFGS).
Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method. *Math.
Prog. Comp.* 10, 119-142 (HiGHS).
Koenker (2005), *Quantile Regression*, §6.2 (L1 regression as a linear programme).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np
import scipy
import statsmodels
from statsmodels.discrete.discrete_model import Logit, MNLogit
from statsmodels.regression.quantile_regression import QuantReg
from numpy.typing import ArrayLike
from scipy import optimize, special
from statsmodels.tools.sm_exceptions import ConvergenceWarning, IterationLimitWarning

from claimkit.decisions import eps_tolerance
from claimkit.validation import as_finite_array

__all__ = [
    "BFGS_BOUND_FACTOR",
    "BFGS_GTOL",
    "BFGS_ROUNDING_FLOOR",
    "LP_ATOL",
    "NEWTON_ATOL",
    "NEWTON_TOL",
    "QUANTREG_MAX_ITER",
    "QUANTREG_PTOL",
    "QUANTREG_RESID_FLOOR",
    "QUANTREG_STALLED",
    "SCALAR_RTOL",
    "SCALAR_XATOL",
    "ReferenceFit",
    "basis_inverse_norm",
    "least_squares_tolerance",
    "brier_minimiser",
    "mle_certificate",
    "model_mle_bfgs",
    "gaussian_mle_bfgs",
    "lad_linprog",
    "lad_oracle",
    "laplace_mle_numerical",
    "logit_statsmodels",
    "mnlogit_statsmodels",
    "oracle_versions",
    "quantreg_median",
    "quantreg_tolerance",
]

#: BFGS gradient tolerance on the *mean* NLL (scale-free in ``n``).
BFGS_GTOL: float = 1e-10
#: A posteriori error bound of a BFGS optimum. Near a strongly convex minimum
#: ``|theta - theta*|_2 <= |g|_2 / lambda_min(H)`` (``g``, ``H``: gradient and Hessian of the
#: mean NLL); the factor 2 covers the change of ``H`` between ``theta`` and ``theta*``, which is
#: negligible at distances ``~1e-8``. BFGS may stop with "precision loss" before reaching
#: :data:`BFGS_GTOL` -- once ``|g|^2 / lambda`` falls below the rounding of ``f``,
#: ``|g| ~ sqrt(eps |f| lambda_max) ~ 1e-8`` -- so the bound uses the *achieved* gradient, never
#: the requested one (see :attr:`ReferenceFit.error_bound`).
BFGS_BOUND_FACTOR: float = 2.0
#: Rounding floor added to that bound: the gradient itself is computed with an absolute error
#: ``~ n eps max|x_i r_i| / (n sigma^2) <~ 1e-14``, i.e. ``<~ 1e-13`` in ``theta`` for
#: ``lambda_min >= 0.1``.
BFGS_ROUNDING_FLOOR: float = 1e-12
#: Agreement of the HiGHS LP solution with an exact LAD basic solution. HiGHS recomputes the
#: primal solution from the optimal basis, accurate to about ``kappa(X_h) * eps ~ 1e-14`` for our
#: designs; 1e-9 leaves room for its scaling and presolve. A different vertex, accepted within
#: HiGHS' dual feasibility tolerance 1e-7 (a near tie, probability ~1e-7 for continuous data),
#: would differ by O(1).
LP_ATOL: float = 1e-9
#: statsmodels' ``QuantReg.fit`` replaces residuals ``|r| < 1e-6`` by ``+-1e-6`` before
#: reweighting (hard-coded in statsmodels/regression/quantile_regression.py), so its fixed point
#: is a Huber-smoothed L1 solution: the basis residuals sit inside ``[-1e-6, 1e-6]`` instead of
#: at 0, which moves ``beta`` by at most ``1e-6 * ||X_h^{-1}||_inf`` (see
#: :func:`quantreg_tolerance`).
QUANTREG_RESID_FLOOR: float = 1e-6
#: ``p_tol`` passed to ``QuantReg.fit``. Its IRLS stops when ``max|beta_k - beta_{k-1}| < p_tol``,
#: which is not an optimality test: IRLS can drift slowly for thousands of iterations with steps
#: of 1e-9..1e-6 while 1e-2 away from the solution (statsmodels issues #3770, #3774; seen here
#: with the default ``p_tol = 1e-6``, which stopped at such a point). ``1e-12`` is three orders
#: below the smallest drift step observed, so a stop means the iteration has settled.
QUANTREG_PTOL: float = 1e-12
#: Iteration cap for ``QuantReg.fit``: a compute budget, not a tolerance. The drift can last
#: ~1e5 iterations (REG-03 at root seed 13293329459389197239 needed 98 490 on one data set and
#: failed at the former cap 5e4; of 300 data sets per REG-03 design, one needed more than 5e4
#: and none more than 1e5). At ~7e-5 s per iteration (n <= 401, p <= 5) the cap bounds one fit
#: at about 15 s. Reaching it is never silent: :func:`quantreg_median` reports
#: ``converged=False`` and :func:`lad_oracle` then falls back to the exact LP, so no verdict
#: depends on where IRLS happens to stop.
QUANTREG_MAX_ITER: int = 200_000
#: The statsmodels warnings by which ``QuantReg.fit`` says that IRLS stopped without meeting
#: ``p_tol``: the iteration cap, or a detected cycle of iterates. Any other warning is an error.
QUANTREG_STALLED: tuple[type[Warning], ...] = (IterationLimitWarning, ConvergenceWarning)
#: statsmodels Newton tolerance for ``Logit``/``MNLogit`` (stop when ``max|step| <= tol``),
#: equal to :data:`simulations.classification.DEFAULT_TOL`.
NEWTON_TOL: float = 1e-10
#: Agreement of two Newton solutions of the same logistic/multinomial likelihood. Each stops
#: after a step ``<= 1e-10 (1 + |theta|)``; with quadratic convergence the error left is of order
#: ``1e-20``, and the rounding floor of the solution is ``||H^{-1}|| * ||rounding of g||`` ~
#: ``kappa(H) * eps ~ 1e-11`` for Fisher informations with ``kappa <= 1e5``. ``1e-8`` (absolute,
#: plus relative to ``|theta|``) leaves a factor >= 100.
NEWTON_ATOL: float = 1e-8
#: ``xatol`` of the bounded scalar minimisation of the Laplace NLL in ``x = log b``.
SCALAR_XATOL: float = 1e-11
#: Relative accuracy of that ``b``. scipy's bounded Brent stops when its bracket is below
#: ``2 (sqrt(eps) |x| + xatol / 3)``, and no scalar minimiser can locate a smooth minimum beyond
#: ``sqrt(2 eps |f| / f'')`` (``f'' = n``, ``|f| = n |log 2b + 1|``: about
#: ``2e-8 sqrt(|log 2b + 1|)``). For ``|log b| <= 5`` (checked by :func:`laplace_mle_numerical`)
#: both are below ``1.6e-7``; ``2e-7`` it is.
SCALAR_RTOL: float = 2e-7


@dataclass(frozen=True, slots=True)
class ReferenceFit:
    """One reference fit.

    Attributes
    ----------
    coef : numpy.ndarray
        Coefficients (``(p,)``, or ``(p, K - 1)`` for the multinomial logit).
    scale : float or None
        Fitted scale (``sigma`` or ``b``) where the model has one.
    max_grad : float or None
        Largest gradient component at the optimum, where the optimiser reports one.
    lambda_min : float or None
        Smallest eigenvalue of the objective's Hessian at the optimum, where known.
    error_bound : float or None
        Bound on the distance (max norm) of ``(coef, scale)`` from the exact optimum, where the
        optimiser's state gives one.
    converged : bool or None
        Whether an iterative oracle met its own stopping rule (None where it reports no status).
    info : str
        Optimiser status message.
    """

    coef: np.ndarray
    scale: float | None = None
    max_grad: float | None = None
    lambda_min: float | None = None
    error_bound: float | None = None
    converged: bool | None = None
    info: str = ""


def oracle_versions() -> dict[str, str]:
    """Versions of the oracle libraries, for evidence records."""
    return {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__}


def _xy(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    X_ = as_finite_array(X, "X", ndim=2, dtype=np.float64)
    y_ = as_finite_array(y, "y", ndim=1, dtype=np.float64)
    if y_.shape[0] != X_.shape[0]:
        raise ValueError(f"`y` must have as many entries as `X` has rows, got {y_.shape[0]} "
                         f"and {X_.shape[0]}.")
    return X_, y_


def gaussian_mle_bfgs(X: ArrayLike, y: ArrayLike) -> ReferenceFit:
    """Maximise the Gaussian likelihood in ``(beta, log sigma)`` jointly with BFGS.

    Minimises the mean NLL ``RSS(beta) / (2 n sigma^2) + log sigma + log(2 pi)/2`` with its
    analytic gradient, from ``beta = 0``, ``sigma = sd(y)``, with ``gtol =`` :data:`BFGS_GTOL`.
    No closed form is used.

    Returns
    -------
    ReferenceFit
        ``coef``, ``scale = sigma``, ``max_grad`` (of the mean NLL), ``lambda_min`` of the
        mean-NLL Hessian at the returned point (``X'X/(n sigma^2)`` block and the ``log sigma``
        curvature ``2 RSS/(n sigma^2)``, which is 2 at the optimum; the cross terms vanish at
        the optimum) and ``error_bound = BFGS_BOUND_FACTOR |g|_2 / lambda_min +
        BFGS_ROUNDING_FLOOR`` on ``(beta, log sigma)``, converted to ``(beta, sigma)``:
        ``|sigma e^delta - sigma| <= sigma delta (1 + delta)`` for ``|delta| <= bound <= 1``.
    """
    X_, y_ = _xy(X, y)
    n, p = X_.shape

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        beta, log_s = theta[:-1], theta[-1]
        r = y_ - X_ @ beta
        inv = math.exp(-2.0 * log_s)
        rss = float(r @ r)
        value = 0.5 * rss * inv / n + log_s + 0.5 * math.log(2 * math.pi)
        grad = np.append(-(X_.T @ r) * inv / n, 1.0 - rss * inv / n)
        return value, grad

    x0 = np.append(np.zeros(p), math.log(max(float(np.std(y_)), 1e-300)))
    res = optimize.minimize(fun, x0, jac=True, method="BFGS",
                            options={"gtol": BFGS_GTOL, "maxiter": 10_000})
    beta, sigma = res.x[:-1], math.exp(res.x[-1])
    r = y_ - X_ @ beta
    h_beta = np.linalg.eigvalsh(X_.T @ X_ / (n * sigma ** 2)).min()
    h_s = 2.0 * float(r @ r) / (n * sigma ** 2)
    lam = float(min(h_beta, h_s))
    bound = BFGS_BOUND_FACTOR * float(np.linalg.norm(res.jac)) / lam + BFGS_ROUNDING_FLOOR
    return ReferenceFit(coef=beta, scale=sigma, max_grad=float(np.max(np.abs(res.jac))),
                        lambda_min=lam, error_bound=bound * max(1.0, sigma * (1.0 + bound)),
                        info=str(res.message))


def least_squares_tolerance(X: ArrayLike, y: ArrayLike, coef: ArrayLike) -> float:
    """Max-norm bound on the difference of two backward-stable least-squares solutions.

    The forward error of a backward-stable LS solver (Householder QR, SVD) is, to first order,
    ``||db|| / ||b|| <= c n p eps (kappa + kappa^2 ||r|| / (||X|| ||b||))`` (Wedin's theorem;
    Higham 2002, *Accuracy and Stability of Numerical Algorithms*, Thm 20.3 and §20.1). Two
    solvers may each be off by that much: the bound is twice it (with ``c = 1``, as
    :func:`claimkit.decisions.eps_tolerance` with ``ops = n p``), and at least that
    relative to 1 for tiny coefficients.

    Parameters
    ----------
    X, y : array_like
        The data set.
    coef : array_like
        A least-squares solution ``(p,)``.
    """
    X_, y_ = _xy(X, y)
    b = as_finite_array(coef, "coef", ndim=1, dtype=np.float64)
    n, p = X_.shape
    kappa = float(np.linalg.cond(X_))
    nb = float(np.linalg.norm(b))
    eta = float(np.linalg.norm(y_ - X_ @ b)) / (float(np.linalg.norm(X_, 2)) * max(nb, 1e-300))
    rtol = eps_tolerance(np.float64, condition=kappa + kappa ** 2 * eta, ops=n * p)
    return 2.0 * rtol * max(nb, 1.0)


def lad_linprog(X: ArrayLike, y: ArrayLike) -> ReferenceFit:
    """Least absolute deviations as a linear programme, solved by HiGHS.

    ``min 1'(u + v)`` subject to ``X b + u - v = y``, ``u, v >= 0``; ``coef`` from
    ``scipy.optimize.linprog(method='highs')``.
    """
    X_, y_ = _xy(X, y)
    n, p = X_.shape
    c = np.concatenate([np.zeros(p), np.ones(2 * n)])
    A = np.hstack([X_, np.eye(n), -np.eye(n)])
    bounds = [(None, None)] * p + [(0, None)] * (2 * n)
    res = optimize.linprog(c, A_eq=A, b_eq=y_, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed: {res.message}")
    return ReferenceFit(coef=res.x[:p], info=str(res.message))


def laplace_mle_numerical(X: ArrayLike, y: ArrayLike) -> ReferenceFit:
    """Maximise the Laplace likelihood numerically, in ``beta`` and then in ``b``.

    For every ``b`` the Laplace NLL ``SAD(beta)/b + n log(2b)`` is increasing in ``SAD(beta)``,
    so its maximiser in ``beta`` is the LAD fit whatever ``b`` is: ``beta`` is computed by the
    LP (:func:`lad_linprog`). ``b`` is then found by ``scipy.optimize.minimize_scalar``
    (bounded Brent, ``xatol =`` :data:`SCALAR_XATOL` in ``log b``) on the NLL at that ``beta``
    -- no closed form is used; ``b`` is accurate to :data:`SCALAR_RTOL` (relative). Fills
    ``coef`` and ``scale = b``.
    """
    X_, y_ = _xy(X, y)
    n = X_.shape[0]
    beta = lad_linprog(X_, y_).coef
    sad = float(np.sum(np.abs(y_ - X_ @ beta)))
    if sad == 0.0:
        return ReferenceFit(coef=beta, scale=0.0, info="perfect fit")
    centre = math.log(sad / n)  # bracket only: the search interval spans a factor e^10 each way

    def nll(log_b: float) -> float:
        return sad * math.exp(-log_b) + n * (math.log(2.0) + log_b)

    if abs(centre) > 5.0:
        raise ValueError("`y` must have a mean absolute LAD residual in [e^-5, e^5], the range "
                         "in which SCALAR_RTOL holds.")
    res = optimize.minimize_scalar(nll, bounds=(centre - 10.0, centre + 10.0), method="bounded",
                                   options={"xatol": SCALAR_XATOL, "maxiter": 10_000})
    return ReferenceFit(coef=beta, scale=math.exp(res.x), info=str(res.message))


def quantreg_median(X: ArrayLike, y: ArrayLike, *,
                    max_iter: int = QUANTREG_MAX_ITER) -> ReferenceFit:
    """statsmodels ``QuantReg(y, X).fit(q=0.5)`` with ``p_tol =`` :data:`QUANTREG_PTOL`.

    Parameters
    ----------
    X, y : array_like
        The data set.
    max_iter : int, optional
        Iteration cap of the IRLS (default :data:`QUANTREG_MAX_ITER`).

    Returns
    -------
    ReferenceFit
        ``coef`` = ``params``; ``converged`` is False when IRLS stopped with one of
        :data:`QUANTREG_STALLED` (its ``params`` are then not a solution); ``info`` holds the
        iteration count and that warning.
    """
    X_, y_ = _xy(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = QuantReg(y_, X_).fit(q=0.5, p_tol=QUANTREG_PTOL, max_iter=max_iter)
    stalled = [w for w in caught if issubclass(w.category, QUANTREG_STALLED)]
    other = [w for w in caught if not issubclass(w.category, QUANTREG_STALLED)]
    if other:
        raise other[0].message  # any other warning must not pass silently
    info = f"iterations {res.iterations}" + "".join(f"; {w.message}" for w in stalled)
    return ReferenceFit(coef=np.asarray(res.params), converged=not stalled, info=info)


def lad_oracle(X: ArrayLike, y: ArrayLike, coef: ArrayLike, *,
               max_iter: int = QUANTREG_MAX_ITER) -> ReferenceFit:
    """The oracle against which a LAD solution ``coef`` is compared, and the tolerance.

    statsmodels ``QuantReg(q=0.5)`` (:func:`quantreg_median`) when its IRLS converged, with
    ``error_bound =`` :func:`quantreg_tolerance`. IRLS has no optimality test and can drift for
    longer than any fixed cap (see :data:`QUANTREG_MAX_ITER`); where it did not converge its
    ``params`` say nothing about ``coef``, so the exact LP solution (:func:`lad_linprog`, HiGHS)
    is the oracle instead, with ``error_bound =`` :data:`LP_ATOL`. The choice depends only on
    the oracle's own status, never on the comparison, so it cannot turn a wrong ``coef`` into a
    pass: both oracles solve the same problem, each to its stated tolerance.

    Parameters
    ----------
    X, y, max_iter
        As in :func:`quantreg_median`.
    coef : array_like
        The LAD solution ``(p,)`` to be checked (sets the basis of :func:`quantreg_tolerance`).

    Returns
    -------
    ReferenceFit
        ``coef`` of the oracle used, ``error_bound`` the tolerance of the comparison,
        ``converged`` QuantReg's status, ``info`` naming the oracle used.
    """
    qr = quantreg_median(X, y, max_iter=max_iter)
    if qr.converged:
        return replace(qr, error_bound=quantreg_tolerance(X, y, coef), info=f"QuantReg: {qr.info}")
    lp = lad_linprog(X, y)
    return replace(lp, error_bound=LP_ATOL, converged=False,
                   info=f"linprog (QuantReg did not converge: {qr.info}): {lp.info}")


def basis_inverse_norm(X: ArrayLike, y: ArrayLike, coef: ArrayLike) -> float:
    """``||X_h^{-1}||_inf`` for the basis ``h`` of the ``p`` smallest ``|y - X coef|``.

    Parameters
    ----------
    X, y : array_like
        The data set.
    coef : array_like
        A LAD solution ``(p,)``.
    """
    X_, y_ = _xy(X, y)
    c = as_finite_array(coef, "coef", ndim=1, dtype=np.float64)
    p = X_.shape[1]
    h = np.argsort(np.abs(y_ - X_ @ c))[:p]
    return float(np.linalg.norm(np.linalg.inv(X_[h]), ord=np.inf))


def quantreg_tolerance(X: ArrayLike, y: ArrayLike, coef: ArrayLike) -> float:
    """Largest distance between ``QuantReg(q=0.5)`` and the exact LAD solution ``coef``.

    ``2 * QUANTREG_RESID_FLOOR * ||X_h^{-1}||_inf + 1000 * QUANTREG_PTOL``: the floor term (see
    :data:`QUANTREG_RESID_FLOOR`) with a factor 2 for the linearisation, plus the error IRLS can
    have left when its step fell below ``p_tol`` (``p_tol * rho / (1 - rho)`` for a linear
    contraction rate ``rho <= 0.999``).
    """
    return 2.0 * QUANTREG_RESID_FLOOR * basis_inverse_norm(X, y, coef) + 1000.0 * QUANTREG_PTOL


def _newton(model: type, X: ArrayLike, y: ArrayLike) -> ReferenceFit:
    """``model(y, X).fit(method='newton', tol=NEWTON_TOL)`` for a statsmodels discrete model."""
    X_, y_ = _xy(X, y)
    res = model(y_, X_).fit(method="newton", tol=NEWTON_TOL, maxiter=200, disp=0)
    converged = bool(res.mle_retvals["converged"])
    return ReferenceFit(coef=np.asarray(res.params), converged=converged,
                        info=f"converged {converged}")


def logit_statsmodels(X: ArrayLike, y: ArrayLike) -> ReferenceFit:
    """statsmodels ``Logit(y, X).fit(method='newton', tol=NEWTON_TOL)``; ``y`` in ``{0, 1}``."""
    return _newton(Logit, X, y)


def mnlogit_statsmodels(X: ArrayLike, y: ArrayLike) -> ReferenceFit:
    """statsmodels ``MNLogit(y, X).fit(method='newton', tol=NEWTON_TOL)``.

    ``y`` holds labels in ``{0, ..., K - 1}``, every class present; ``coef`` is ``(p, K - 1)``.
    """
    return _newton(MNLogit, X, y)


def brier_minimiser(X: ArrayLike, y: ArrayLike, n_classes: int,
                    start: ArrayLike) -> ReferenceFit:
    """Coefficients minimising the squared error of predicted probabilities (Brier score).

    Minimises ``sum_i ||onehot(y_i) - softmax(0, x_i' B)||^2`` (for ``K = 2``:
    ``sum (y - sigmoid(x' b))^2``) with BFGS and a numerical gradient from ``start``.

    Parameters
    ----------
    X : array_like
        Design ``(n, p)``.
    y : array_like
        Integer labels in ``[0, n_classes)``, ``(n,)``.
    n_classes : int
        ``K >= 2``.
    start : array_like
        Starting coefficients, ``(p,)`` for ``K = 2`` or ``(p, K - 1)``.
    """
    X_, y_ = _xy(X, y)
    onehot = np.eye(n_classes)[y_.astype(int)]
    shape = np.shape(start)

    def brier(theta: np.ndarray) -> float:
        B = theta.reshape(X_.shape[1], -1)
        z = np.concatenate([np.zeros((X_.shape[0], 1)), X_ @ B], axis=1)
        return float(np.sum((onehot - special.softmax(z, axis=1)) ** 2))

    res = optimize.minimize(brier, np.ravel(np.asarray(start, float)), method="BFGS",
                            options={"gtol": 1e-8, "maxiter": 10_000})
    return ReferenceFit(coef=res.x.reshape(shape), info=str(res.message))


def _one_data_set(data: object) -> object:
    """Check that ``data`` holds exactly one replication (leading axis of size 1)."""
    arrays = data if isinstance(data, tuple) else (data,)
    if not all(isinstance(a, np.ndarray) and a.ndim >= 2 and a.shape[0] == 1 for a in arrays):
        raise ValueError("`data` must hold one replication: arrays of shape (1, n, ...).")
    return data


def mle_certificate(model: object, data: object, theta: ArrayLike) -> tuple[float, float]:
    """Distance bound of ``theta`` from a local maximiser of the model's log-likelihood.

    Near a strongly concave maximum ``|theta - theta*|_2 <= 2 |g|_2 / lambda_min(H)``, with
    ``g`` the mean score and ``H`` the mean observed information at ``theta`` (the factor 2
    covers the change of ``H`` over that distance, as in :data:`BFGS_BOUND_FACTOR`), plus the
    rounding of ``g``: ``n`` terms of size ``|s_i|``, i.e. ``4 n eps mean|s_i| / lambda_min``.

    Parameters
    ----------
    model : simulations.models.Model
        Any model with ``score`` and ``hessian``.
    data : array or tuple of arrays
        One replication (leading axis of size 1).
    theta : array_like
        Candidate, shape ``(p,)``.

    Returns
    -------
    bound, lambda_min : float
        The bound (``inf`` where the observed information is not positive definite) and the
        smallest eigenvalue of ``H``.
    """
    d = _one_data_set(data)
    th = np.asarray(theta, dtype=float)
    if th.ndim != 1 or not np.all(np.isfinite(th)):
        raise ValueError("`theta` must be a finite 1-D array.")
    scores = model.score(d, th[None, :])[0]
    g = scores.mean(axis=0)
    h = -model.hessian(d, th[None, :])[0].mean(axis=0)
    lam = float(np.linalg.eigvalsh(0.5 * (h + h.T)).min())
    if not lam > 0:
        return math.inf, lam
    n = scores.shape[0]
    rounding = 4.0 * n * float(np.finfo(np.float64).eps) * float(np.abs(scores).mean()) / lam
    return BFGS_BOUND_FACTOR * float(np.linalg.norm(g)) / lam + rounding, lam


def model_mle_bfgs(model: object, data: object, start: ArrayLike) -> ReferenceFit:
    """Maximise one data set's log-likelihood numerically: BFGS on the mean NLL.

    Uses only the model's ``logpdf`` and ``score`` (no closed form, no Newton step of the fast
    estimator), from ``start``; a step outside the parameter space is an infinite NLL. The
    returned ``error_bound`` is :func:`mle_certificate` at the optimum.

    Parameters
    ----------
    model : simulations.models.Model
        Any model of :mod:`simulations.models`.
    data : array or tuple of arrays
        One replication (leading axis of size 1).
    start : array_like
        Starting point, shape ``(p,)``, inside the parameter space.

    Returns
    -------
    ReferenceFit
        ``coef``, ``max_grad``, ``lambda_min``, ``error_bound``, ``converged``, ``info``.
    """
    d = _one_data_set(data)
    x0 = np.asarray(start, dtype=float)
    if x0.ndim != 1 or not np.all(np.isfinite(x0)):
        raise ValueError("`start` must be a finite 1-D array.")

    def fun(t: np.ndarray) -> tuple[float, np.ndarray]:
        try:
            value = -float(model.logpdf(d, t[None, :]).mean())
            grad = -model.score(d, t[None, :])[0].mean(axis=0)
        except ValueError:  # outside the parameter space
            return math.inf, np.zeros_like(t)
        return value, grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = optimize.minimize(fun, x0, jac=True, method="BFGS",
                                options={"gtol": BFGS_GTOL, "maxiter": 10_000})
    bound, lam = mle_certificate(model, d, res.x)
    return ReferenceFit(coef=np.asarray(res.x), max_grad=float(np.max(np.abs(res.jac))),
                        lambda_min=lam, error_bound=bound, converged=bool(res.success),
                        info=str(res.message))
