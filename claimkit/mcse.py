"""Performance measures of a simulation study with their Monte Carlo standard errors (MCSE).

Every function takes per-replication values (the leading axis, or ``axis``, indexes the
``R = n_reps`` independent replications, as produced by :func:`claimkit.engine.simulate`)
and returns an :class:`Estimate` holding the performance measure and its MCSE. With more than
one dimension the reduction runs along ``axis`` and ``value``/``mcse`` are arrays, so many
independent simulation studies can be summarised in one vectorised call.

The formulas are those of Table 6 of Morris, White & Crowther (2019); ``theta`` is the true
value of the estimand and ``R`` the number of replications:

* mean: ``xbar = sum(x_i) / R``, MCSE ``sqrt(S_x^2 / R)``;
* bias: ``mean(theta_hat) - theta``, MCSE ``sqrt(S_theta_hat^2 / R)``;
* empirical SE: ``EmpSE = S_theta_hat``, MCSE ``EmpSE / sqrt(2 (R - 1))``;
* MSE: ``mean((theta_hat - theta)^2)``,
  MCSE ``sqrt(sum(((theta_hat_i - theta)^2 - MSE)^2) / (R (R - 1)))``;
* average model SE: ``ModSE = sqrt(mean(se_i^2))``, MCSE ``sqrt(Var(se^2) / (4 R ModSE^2))``;
* coverage, rejection rate: ``p_hat = mean(indicator)``, MCSE ``sqrt(p_hat (1 - p_hat) / R)``;
* variance ratio ``Var(a) / Var(b)`` of paired replications: delta method, see
  :func:`variance_ratio`.

``S^2`` is the sample variance with ``ddof = 1``. The MCSE of the empirical SE assumes
approximately normal estimates (as in Morris et al.); all others are distribution free.

References
----------
Morris, T. P., White, I. R. & Crowther, M. J. (2019). Using simulation studies to evaluate
statistical methods. Statistics in Medicine 38(11), 2074-2102, Table 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = [
    "Estimate",
    "mean",
    "log_root",
    "bias",
    "empirical_se",
    "mse",
    "model_se",
    "coverage",
    "rejection_rate",
    "variance_ratio",
]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A performance measure with its Monte Carlo standard error.

    Attributes
    ----------
    value : float or numpy.ndarray
        The performance measure (an array when several studies are reduced at once).
    mcse : float or numpy.ndarray
        Its Monte Carlo standard error, same shape as ``value``.
    n_reps : int
        Number of replications ``R`` the measure is computed from.
    """

    value: float | np.ndarray
    mcse: float | np.ndarray
    n_reps: int


def _out(value: np.ndarray, mcse: np.ndarray, n_reps: int) -> Estimate:
    """Package results, turning 0-d arrays into Python floats."""
    value, mcse = np.asarray(value, dtype=float), np.asarray(mcse, dtype=float)
    if value.ndim == 0:
        return Estimate(float(value), float(mcse), int(n_reps))
    return Estimate(value, mcse, int(n_reps))


def _reps(x: object, name: str, axis: int) -> np.ndarray:
    """Validate per-replication values and move the replication axis to the front."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise ValueError(f"`{name}` must be an array of real numbers.") from exc
    if arr.dtype == bool:
        arr = arr.astype(float)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"`{name}` must be an array of real numbers, got dtype {arr.dtype}.")
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must have at least one dimension (the replications).")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) \
            or not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"`axis` must be an integer in [-{arr.ndim}, {arr.ndim}), got {axis!r}.")
    arr = np.moveaxis(arr.astype(float, copy=False), int(axis), 0)
    if arr.shape[0] < 2:
        raise ValueError(f"`{name}` must hold at least 2 replications along `axis`, "
                         f"got {arr.shape[0]}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must contain only finite values.")
    return arr


def _theta(theta: object) -> np.ndarray:
    """Validate the true value(s) of the estimand."""
    try:
        t = np.asarray(theta, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError("`theta` must be a real number or an array of real numbers.") from exc
    if not np.all(np.isfinite(t)):
        raise ValueError("`theta` must be finite.")
    return t


def _mean_and_mcse(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean over the replications (axis 0), its MCSE ``S / sqrt(R)``, and ``R``."""
    r = arr.shape[0]
    return arr.mean(axis=0), arr.std(axis=0, ddof=1) / np.sqrt(r), r


def _proportion(arr: np.ndarray) -> Estimate:
    """Proportion of 1s over the replications (axis 0), MCSE ``sqrt(p (1 - p) / R)``."""
    r = arr.shape[0]
    p = arr.mean(axis=0)
    return _out(p, np.sqrt(p * (1.0 - p) / r), r)


def _indicator(x: object, name: str, axis: int) -> np.ndarray:
    """Validate 0/1 (or boolean) indicators."""
    arr = _reps(x, name, axis)
    if not np.all((arr == 0.0) | (arr == 1.0)):
        raise ValueError(f"`{name}` must contain only booleans or 0/1 values.")
    return arr


def mean(x: object, *, axis: int = 0) -> Estimate:
    """Mean of per-replication values with MCSE ``S_x / sqrt(R)``.

    Parameters
    ----------
    x : array_like
        Per-replication values (finite), replications along ``axis``, at least 2 of them.
    axis : int, optional
        Axis indexing the replications (default 0).

    Returns
    -------
    Estimate
    """
    return _out(*_mean_and_mcse(_reps(x, "x", axis)))


def log_root(means: Sequence[Estimate]) -> tuple[np.ndarray, np.ndarray]:
    """``0.5 log`` of each estimated mean and its delta-method MCSE ``MCSE / (2 mean)``.

    With the means of per-replication squared errors at each point of a grid, this is log
    RMSE and its standard error: the y of a rate plot of log RMSE on log n.

    Parameters
    ----------
    means : sequence of Estimate
        Positive scalar means (e.g. :func:`mean` of squared errors), one per grid point.

    Returns
    -------
    log_rmse, se : numpy.ndarray
        One value per estimate.

    References
    ----------
    Morris, White & Crowther (2019), Stat. Med. 38(11), Table 6 (MCSE of the MSE).
    """
    value = np.array([m.value for m in means], dtype=float)
    if value.ndim != 1 or value.size == 0 or not np.all(value > 0):
        raise ValueError("`means` must be a non-empty sequence of positive scalar estimates.")
    return 0.5 * np.log(value), np.array([m.mcse for m in means]) / (2.0 * value)


def bias(estimates: object, theta: object, *, axis: int = 0) -> Estimate:
    """Bias ``mean(theta_hat) - theta`` with MCSE ``sqrt(S^2_theta_hat / R)``.

    Parameters
    ----------
    estimates : array_like
        Per-replication estimates ``theta_hat_i``.
    theta : float or array_like
        True value, broadcastable to the shape of the result.
    axis : int, optional
        Axis indexing the replications (default 0).
    """
    arr = _reps(estimates, "estimates", axis)
    t = _theta(theta)
    m, se, r = _mean_and_mcse(arr)
    return _out(m - t, se, r)


def empirical_se(estimates: object, *, axis: int = 0) -> Estimate:
    """Empirical standard error ``EmpSE = S_theta_hat`` with MCSE ``EmpSE / sqrt(2 (R - 1))``.

    The MCSE formula is exact to first order for normally distributed estimates (Morris et al.
    2019, Table 6); for heavy-tailed estimates it is too small by the factor
    ``sqrt((kurtosis - 1) / 2)``.

    Parameters
    ----------
    estimates : array_like
        Per-replication estimates.
    axis : int, optional
        Axis indexing the replications (default 0).
    """
    arr = _reps(estimates, "estimates", axis)
    r = arr.shape[0]
    emp = arr.std(axis=0, ddof=1)
    return _out(emp, emp / np.sqrt(2.0 * (r - 1)), r)


def mse(estimates: object, theta: object, *, axis: int = 0) -> Estimate:
    """Mean squared error ``mean((theta_hat - theta)^2)``.

    MCSE ``sqrt(sum(((theta_hat_i - theta)^2 - MSE)^2) / (R (R - 1)))``, i.e. the standard
    error of the mean of the squared errors. Parameters as in :func:`bias`.
    """
    arr = _reps(estimates, "estimates", axis)
    t = _theta(theta)
    r = arr.shape[0]
    sq = (arr - t) ** 2
    m = sq.mean(axis=0)
    return _out(m, np.sqrt(((sq - m) ** 2).sum(axis=0) / (r * (r - 1))), r)


def model_se(se: object, *, axis: int = 0) -> Estimate:
    """Average model-based standard error ``ModSE = sqrt(mean(se_i^2))``.

    MCSE ``sqrt(Var(se^2) / (4 R ModSE^2))`` (delta method on the square root of a mean).

    Parameters
    ----------
    se : array_like
        Per-replication model-based standard errors (finite, >= 0).
    axis : int, optional
        Axis indexing the replications (default 0).
    """
    arr = _reps(se, "se", axis)
    if np.any(arr < 0):
        raise ValueError("`se` must contain only non-negative standard errors.")
    r = arr.shape[0]
    sq = arr ** 2
    mod = np.sqrt(sq.mean(axis=0))
    var_sq = sq.var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(mod > 0, np.sqrt(var_sq / (4.0 * r * np.where(mod > 0, mod, 1.0) ** 2)), 0.0)
    return _out(mod, m, r)


def coverage(covered: object, *, axis: int = 0) -> Estimate:
    """Coverage ``p_hat = mean(covered)`` with MCSE ``sqrt(p_hat (1 - p_hat) / R)``.

    The MCSE is 0 when ``p_hat`` is 0 or 1; use an exact (Clopper-Pearson) interval, e.g.
    :func:`claimkit.decisions.binomial_rate`, to decide claims about rates.

    Parameters
    ----------
    covered : array_like of bool or {0, 1}
        Per-replication indicators that the interval covered the true value.
    axis : int, optional
        Axis indexing the replications (default 0).
    """
    return _proportion(_indicator(covered, "covered", axis))


def rejection_rate(rejected: object, *, axis: int = 0) -> Estimate:
    """Rejection rate (size or power) ``p_hat = mean(rejected)``, MCSE ``sqrt(p_hat(1-p_hat)/R)``.

    Parameters
    ----------
    rejected : array_like of bool or {0, 1}
        Per-replication indicators that the test rejected.
    axis : int, optional
        Axis indexing the replications (default 0).
    """
    return _proportion(_indicator(rejected, "rejected", axis))


def variance_ratio(a: object, b: object, *, axis: int = 0) -> Estimate:
    """Ratio of empirical variances ``rho = S_a^2 / S_b^2`` of paired replications.

    ``a_i`` and ``b_i`` come from the same replication (common random numbers), so the two
    variances are correlated; the MCSE accounts for it by the delta method on ``log rho``.
    With ``u_i = (a_i - abar)^2 / S_a^2`` and ``v_i = (b_i - bbar)^2 / S_b^2``::

        log rho_hat - log rho  ~=  mean(u - 1) - mean(v - 1),
        MCSE(log rho_hat)      =   sd(u - v) / sqrt(R),       (sd with ddof = 1)
        MCSE(rho_hat)          =   rho_hat * sd(u - v) / sqrt(R).

    No normality is assumed: ``sd(u - v)`` estimates ``Var(u) + Var(v) - 2 Cov(u, v)`` from the
    replications, including the kurtosis of each method and the correlation between them. For a
    bivariate normal pair with correlation ``c`` it equals ``4 (1 - c^2)``, so
    ``MCSE(rho_hat) = 2 rho sqrt((1 - c^2) / R)``, the formula of Morris et al. (2019, Table 6)
    for the relative precision ``rho`` of ``b`` with respect to ``a`` (up to ``R`` vs ``R - 1``).
    Relative efficiency of ``b`` vs ``a`` in the sense "``Var(a) / Var(b)`` > 1 means ``b`` is
    more precise" is this ratio.

    Parameters
    ----------
    a, b : array_like
        Paired per-replication estimates of two methods, same shape.
    axis : int, optional
        Axis indexing the replications (default 0).

    Raises
    ------
    ValueError
        If the shapes differ or ``b`` (or ``a``) has zero variance.
    """
    xa = _reps(a, "a", axis)
    xb = _reps(b, "b", axis)
    if xa.shape != xb.shape:
        raise ValueError(f"`b` must have the same shape as `a`, got {np.shape(b)} "
                         f"and {np.shape(a)}.")
    r = xa.shape[0]
    da, db = xa - xa.mean(axis=0), xb - xb.mean(axis=0)
    va, vb = (da ** 2).sum(axis=0) / (r - 1), (db ** 2).sum(axis=0) / (r - 1)
    if np.any(vb <= 0):
        raise ValueError("`b` must have positive variance.")
    if np.any(va <= 0):
        raise ValueError("`a` must have positive variance.")
    ratio = va / vb
    w = da ** 2 / va - db ** 2 / vb
    return _out(ratio, ratio * w.std(axis=0, ddof=1) / np.sqrt(r), r)
