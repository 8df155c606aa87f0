"""Regular parametric models for the large-sample claims (ASY): one small interface per model.

Every model is a frozen dataclass holding its *true* parameter and implementing :class:`Model`:

============================  ===================================================================
``draw(rng, size, n)``        ``size`` replications of ``n`` i.i.d. observations: shape
                              ``(size, n)`` (logistic regression: a pair ``(X, y)`` of shapes
                              ``(size, n, 2)``, ``(size, n)``)
``logpdf(data, theta)``       log-density (or log-pmf) of every observation, shape ``(..., n)``
``score(data, theta)``        per-observation score ``d log p / d theta``, ``(..., n, p)``
``mean_score(data, theta)``   its mean over the observations, ``(..., p)`` (from the sufficient
                              statistics where the model has them)
``hessian(data, theta)``      per-observation second derivative, shape ``(..., n, p, p)``
``fisher_information(t)``     Fisher information of *one* observation, shape ``(..., p, p)``
``inverse_information(t)``    its inverse, the asymptotic covariance of ``√n (θ̂ - θ)``
``mle(data)``                 maximum-likelihood estimate of every replication, ``(..., p)``
``sample_mle(rng, size, n)``  ``mle(draw(rng, size, n))`` for the Monte Carlo kernels, without
                              re-validating data the model drew itself (see below)
============================  ===================================================================

``theta`` defaults to the model's true parameter and may carry leading (replication) axes that
broadcast against the data's, e.g. ``theta`` of shape ``(R, p)`` with data of shape ``(R, n)``.
The leading axes of ``data`` index replications: every method is vectorised over them, so a
Monte Carlo chunk is one call (no per-replication Python loop).

Estimators
----------
Closed form: Bernoulli (``x̄``), Poisson (``x̄``), Exponential (``1/x̄``), Normal
(``x̄``, ``mean((x - x̄)^2)``). Numerical, batched across replications:

* **Gamma** (shape ``a``, rate ``b``): the profile likelihood of the shape gives
  ``log a - psi(a) = s := log x̄ - mean(log x)`` and ``b = a / x̄``. The root is found by Minka's
  (2002) generalised Newton iteration ``1/a' = 1/a + (log a - psi(a) - s) / (a^2 (1/a - psi'(a)))``
  started from his closed-form approximation ``a0 = (3 - s + sqrt((s - 3)^2 + 24 s)) / (12 s)``;
  four iterations reach machine precision. Rows with ``s <= 0`` (constant data) have no MLE: NaN.
* **Cauchy location** (known scale): the likelihood is multimodal (local maxima near outlying
  observations; Reeds 1985). Safeguarded Newton is run from each of the candidates
  :data:`CAUCHY_START_QUANTILES` (the median and the quartiles, from one sort of each row:
  :func:`row_quantiles`): a Newton step where the
  log-likelihood is concave, a Fisher-scoring step ``2 * score / n`` where it is not, and step
  halving until the log-likelihood does not decrease. Among the local maxima found, the one with
  the highest log-likelihood is returned. Starting from the quartiles guards against data whose
  median falls in a dip between two clusters; it does not *guarantee* the global maximum, which
  is why ``tests/test_models.py`` compares with an exhaustive grid search on small samples.
* **Logistic regression** (intercept and one standard-normal covariate): the project's one
  batched logistic MLE, :func:`simulations.classification.fit_logistic` (damped Newton/IRLS
  with step halving and per-replication convergence flags). :meth:`LogisticRegression.fit`
  returns the whole fit, whose ``n_failed`` counts the replications that did not converge
  (complete or quasi-complete separation, where the MLE does not exist); ``mle`` returns NaN
  for exactly those replications, so a Monte Carlo summary cannot use them unnoticed.

Every public method validates its input and raises ``ValueError`` naming the parameter in
backticks (see :mod:`claimkit.validation`).

Validation and the Monte Carlo hot path
---------------------------------------
For the closed-form estimators, checking the data (finite, in the support) costs as much as
the estimate itself. ``sample_mle(rng, size, n)`` -- what the Monte Carlo kernels call --
draws with the model's own sampler and estimates without re-checking what it drew. That is
safe because the checks cannot fail there: the parameters were validated when the model was
built, and the samplers return values in the support by construction (0.0/1.0 from a
comparison, Poisson counts, exponential and normal variates from numpy's generators). The
one failure the data checks would catch -- a non-finite value, if extreme parameters made a
variate overflow -- propagates to the row mean every closed-form estimator starts from, and
that mean is checked (``O(size)``, not ``O(size n)``). The public ``mle(data)`` validates as
before; both paths compute the estimate with the same code.

References
----------
Lehmann, E. L. & Casella, G. (1998). *Theory of Point Estimation*, 2nd ed., Springer, ch. 6.
van der Vaart, A. W. (1998). *Asymptotic Statistics*, Cambridge University Press, ch. 5 and 7.
Minka, T. P. (2002). Estimating a Gamma distribution. Microsoft Research technical note.
Reeds, J. A. (1985). Asymptotic number of roots of Cauchy location likelihood equations.
Annals of Statistics 13(2), 775-784.
McCullagh, P. & Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed., §2.5 (IRLS).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Sequence, Union, runtime_checkable

import numpy as np
from scipy import special

from simulations.classification import (DEFAULT_MAX_ITER, DEFAULT_TOL, LogitFit,
                                         fit_logistic_design)
from simulations.design import Design
from simulations.order_statistics import row_quantiles
from claimkit.validation import as_binary, as_finite_array, positive_int, positive_scalar

__all__ = [
    "CAUCHY_START_QUANTILES",
    "Bernoulli",
    "CauchyLocation",
    "Data",
    "Exponential",
    "Gamma",
    "LogisticRegression",
    "Model",
    "Normal",
    "Poisson",
    "gamma_shape_mle",
]

#: Data of one model: an array ``(..., n)``, or ``(X, y)`` for logistic regression.
Data = Union[np.ndarray, tuple[np.ndarray, np.ndarray]]

#: Quantile levels of the starting points of the Cauchy-location Newton runs.
CAUCHY_START_QUANTILES: tuple[float, ...] = (0.25, 0.5, 0.75)


@runtime_checkable
class Model(Protocol):
    """A parametric model with a known Fisher information and a (batched) MLE."""

    name: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]

    @property
    def theta(self) -> np.ndarray:
        """The true parameter, shape ``(p,)``."""

    def draw(self, rng: np.random.Generator, size: int, n: int) -> Data:
        """``size`` replications of ``n`` observations at the true parameter."""

    def logpdf(self, data: Data, theta: Any = None) -> np.ndarray:
        """Log-density of every observation, shape ``(..., n)``."""

    def score(self, data: Data, theta: Any = None) -> np.ndarray:
        """Per-observation score, shape ``(..., n, p)``."""

    def mean_score(self, data: Data, theta: Any = None) -> np.ndarray:
        """Mean of the per-observation scores over the ``n`` observations, ``(..., p)``."""

    def hessian(self, data: Data, theta: Any = None) -> np.ndarray:
        """Per-observation second derivative of the log-density, shape ``(..., n, p, p)``."""

    def fisher_information(self, theta: Any = None) -> np.ndarray:
        """Fisher information of one observation, shape ``(..., p, p)``."""

    def inverse_information(self, theta: Any = None) -> np.ndarray:
        """Inverse Fisher information (asymptotic covariance), shape ``(..., p, p)``."""

    def mle(self, data: Data) -> np.ndarray:
        """Maximum-likelihood estimate of every replication, shape ``(..., p)``."""

    def sample_mle(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """``mle(draw(rng, size, n))`` without re-validating the draws, shape ``(size, p)``."""


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------

def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"`rng` must be a numpy.random.Generator, got {type(rng).__name__}.")
    return rng


def _open_unit(x: Any, name: str) -> float:
    v = positive_scalar(x, name)
    if not v < 1.0:
        raise ValueError(f"`{name}` must lie in (0, 1), got {x!r}.")
    return v


def _real(x: Any, name: str) -> float:
    arr = as_finite_array(x, name, ndim=0)
    return float(arr)


class _ArrayModel:
    """Shared plumbing of models whose data is one array ``(..., n)``."""

    __slots__ = ()
    name: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]

    # -- to be provided by the model ------------------------------------------------------
    def _check_theta_domain(self, theta: np.ndarray, closure: bool) -> None:
        """Raise if ``theta`` lies outside the parameter space (or its closure)."""
        raise NotImplementedError  # pragma: no cover - provided by every model

    def _check_support(self, x: np.ndarray) -> None:
        """Raise if ``x`` holds values outside the support (finite values are checked already)."""

    # -- shared ---------------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        """Number of parameters ``p``."""
        return len(self.param_names)

    def _params(self, theta: Any, *, closure: bool = False) -> np.ndarray:
        if theta is None:
            return self.theta  # type: ignore[attr-defined]
        arr = as_finite_array(theta, "theta", min_ndim=1)
        if arr.shape[-1] != self.n_params:
            raise ValueError(f"`theta` must have last dimension {self.n_params} "
                             f"({', '.join(self.param_names)}), got shape {arr.shape}.")
        self._check_theta_domain(arr, closure)
        return arr

    def _data(self, data: Any) -> np.ndarray:
        x = as_finite_array(data, "data", min_ndim=1)
        self._check_support(x)
        return x

    @staticmethod
    def _col(theta: np.ndarray, j: int) -> np.ndarray:
        """Component ``j`` with a trailing axis to broadcast against ``(..., n)``."""
        return theta[..., j, None]

    def mean_score(self, data: Any, theta: Any = None) -> np.ndarray:
        """Mean score over the observations, ``(..., p)``: the score's mean, or the same
        quantity from the sufficient statistics where a model overrides this (one pass over
        the data instead of a ``(..., n, p)`` array)."""
        return self.score(data, theta).mean(axis=-2)  # type: ignore[attr-defined]

    def _draw_args(self, rng: Any, size: Any, n: Any) -> tuple[np.random.Generator, int, int]:
        return _check_rng(rng), positive_int(size, "size"), positive_int(n, "n")

    def _mle_unchecked(self, x: np.ndarray) -> np.ndarray:
        """The MLE of data ``x`` that need no checks (see :meth:`sample_mle`).

        Closed-form models override this with their formula (their ``mle`` is this after
        :meth:`_data`); iterative estimators, whose cost dwarfs the checks, validate anyway.
        """
        return self.mle(x)  # type: ignore[attr-defined]

    def sample_mle(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """MLE of ``size`` fresh replications of ``n`` observations: ``mle(draw(...))``.

        The draws are not re-validated: they come from the model's own sampler, in the support
        by construction (module docstring, "Validation and the Monte Carlo hot path").

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of the draws.
        size, n : int
            Replications and observations per replication.

        Returns
        -------
        numpy.ndarray
            Shape ``(size, p)``; the same numbers as ``mle(draw(rng, size, n))``.
        """
        return self._mle_unchecked(self.draw(rng, size, n))  # type: ignore[attr-defined]

    def inverse_information(self, theta: Any = None) -> np.ndarray:
        """Inverse of :meth:`fisher_information`: asymptotic covariance of ``sqrt(n)(θ̂ - θ)``.

        Parameters
        ----------
        theta : array_like, optional
            Parameter(s), shape ``(..., p)``; default the true parameter.

        Returns
        -------
        numpy.ndarray
            Shape ``(..., p, p)``.
        """
        return np.linalg.inv(self.fisher_information(theta))


def _scalar_info(values: np.ndarray) -> np.ndarray:
    """Stack scalar informations into ``(..., 1, 1)`` matrices."""
    return np.asarray(values, dtype=float)[..., None, None]


def _finite_means(x: np.ndarray) -> np.ndarray:
    """Row means of ``x``, shape ``(...)``, checked finite: ``O(rows)`` guard of unchecked data.

    A NaN or infinite value in a row (or a row whose sum overflows) makes its mean
    non-finite, so this catches what a finiteness check of ``x`` would, at the cost of one
    check per row instead of per value.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        m = x.mean(axis=-1)
    if not np.all(np.isfinite(m)):
        raise ValueError("`data` must be finite (no NaN or inf); a row mean is not finite.")
    return m


# --------------------------------------------------------------------------------------------
# Bernoulli
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Bernoulli(_ArrayModel):
    """Bernoulli(``p``) trials; ``I(p) = 1 / (p (1 - p))``, MLE ``x̄``.

    Parameters
    ----------
    p : float
        Success probability, in (0, 1).
    """

    name: ClassVar[str] = "Bernoulli"
    param_names: ClassVar[tuple[str, ...]] = ("p",)
    p: float = 0.3

    def __post_init__(self) -> None:
        object.__setattr__(self, "p", _open_unit(self.p, "p"))

    @property
    def theta(self) -> np.ndarray:
        """``[p]``."""
        return np.array([self.p])

    def _check_theta_domain(self, theta: np.ndarray, closure: bool = False) -> None:
        bad = (theta < 0) | (theta > 1) if closure else (theta <= 0) | (theta >= 1)
        if np.any(bad):
            rng_txt = "[0, 1]" if closure else "(0, 1)"
            raise ValueError(f"`theta` must lie in {rng_txt} (a Bernoulli probability).")

    def _check_support(self, x: np.ndarray) -> None:
        if np.any((x != 0) & (x != 1)):
            raise ValueError("`data` must contain only 0 and 1 (Bernoulli outcomes).")

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Outcomes as floats 0.0/1.0, shape ``(size, n)``."""
        rng, size, n = self._draw_args(rng, size, n)
        return (rng.random((size, n)) < self.p).astype(float)

    def logpdf(self, data: Any, theta: Any = None) -> np.ndarray:
        """``x log p + (1 - x) log(1 - p)`` per observation."""
        x, t = self._data(data), self._params(theta)
        p = self._col(t, 0)
        return x * np.log(p) + (1.0 - x) * np.log1p(-p)

    def score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``x / p - (1 - x) / (1 - p)``, shape ``(..., n, 1)``."""
        x, t = self._data(data), self._params(theta)
        p = self._col(t, 0)
        return (x / p - (1.0 - x) / (1.0 - p))[..., None]

    def mean_score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``(x̄ - p) / (p (1 - p))``, shape ``(..., 1)``."""
        x, t = self._data(data), self._params(theta)
        p = t[..., 0]
        return ((x.mean(axis=-1) - p) / (p * (1.0 - p)))[..., None]

    def hessian(self, data: Any, theta: Any = None) -> np.ndarray:
        """``-x / p^2 - (1 - x) / (1 - p)^2``, shape ``(..., n, 1, 1)``."""
        x, t = self._data(data), self._params(theta)
        p = self._col(t, 0)
        return (-x / p ** 2 - (1.0 - x) / (1.0 - p) ** 2)[..., None, None]

    def fisher_information(self, theta: Any = None) -> np.ndarray:
        """``1 / (p (1 - p))``, shape ``(..., 1, 1)``."""
        p = self._params(theta)[..., 0]
        return _scalar_info(1.0 / (p * (1.0 - p)))

    def inverse_information(self, theta: Any = None) -> np.ndarray:
        """``p (1 - p)``; defined on the closed interval [0, 1] (0 at the boundary)."""
        p = self._params(theta, closure=True)[..., 0]
        return _scalar_info(p * (1.0 - p))

    def mle(self, data: Any) -> np.ndarray:
        """``x̄``, shape ``(..., 1)`` (0 or 1 when all outcomes agree)."""
        return self._mle_unchecked(self._data(data))

    def _mle_unchecked(self, x: np.ndarray) -> np.ndarray:
        return _finite_means(x)[..., None]

    def sample_mle(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """``mle(draw(rng, size, n))`` from the same uniforms, without the float outcomes.

        The mean of ``k`` ones and ``n - k`` zeros is exactly ``k / n`` in floating point, so
        counting the successes gives the same numbers as the mean of :meth:`draw`'s output
        at a fraction of the memory traffic.
        """
        rng, size, n = self._draw_args(rng, size, n)
        # Count the successes as bytes in the narrowest integer accumulator that holds n;
        # einsum's row sums run ~1.6x faster than np.add.reduce along the short rows (and
        # both beat count_nonzero along an axis).
        hits = (rng.random((size, n)) < self.p).view(np.uint8)
        acc = np.uint16 if n <= np.iinfo(np.uint16).max else np.uint32
        return (np.einsum("ij->i", hits, dtype=acc) / n)[:, None]


# --------------------------------------------------------------------------------------------
# Poisson
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Poisson(_ArrayModel):
    """Poisson(``lam``) counts; ``I(λ) = 1 / λ``, MLE ``x̄`` with ``Var(x̄) = λ / n`` exactly.

    Parameters
    ----------
    lam : float
        Mean, > 0.
    """

    name: ClassVar[str] = "Poisson"
    param_names: ClassVar[tuple[str, ...]] = ("lam",)
    lam: float = 3.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lam", positive_scalar(self.lam, "lam"))

    @property
    def theta(self) -> np.ndarray:
        """``[lam]``."""
        return np.array([self.lam])

    def _check_theta_domain(self, theta: np.ndarray, closure: bool = False) -> None:
        if np.any(theta < 0) or (not closure and np.any(theta == 0)):
            raise ValueError("`theta` must be positive (a Poisson mean).")

    def _check_support(self, x: np.ndarray) -> None:
        if np.any(x < 0) or np.any(x != np.floor(x)):
            raise ValueError("`data` must contain only non-negative integers (Poisson counts).")

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Counts as floats, shape ``(size, n)``."""
        rng, size, n = self._draw_args(rng, size, n)
        return rng.poisson(self.lam, (size, n)).astype(float)

    def logpdf(self, data: Any, theta: Any = None) -> np.ndarray:
        """``x log λ - λ - log x!`` per observation."""
        x, t = self._data(data), self._params(theta)
        lam = self._col(t, 0)
        return x * np.log(lam) - lam - special.gammaln(x + 1.0)

    def score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``x / λ - 1``, shape ``(..., n, 1)``."""
        x, t = self._data(data), self._params(theta)
        return (x / self._col(t, 0) - 1.0)[..., None]

    def mean_score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``x̄ / λ - 1``, shape ``(..., 1)``."""
        x, t = self._data(data), self._params(theta)
        return (x.mean(axis=-1) / t[..., 0] - 1.0)[..., None]

    def hessian(self, data: Any, theta: Any = None) -> np.ndarray:
        """``-x / λ^2``, shape ``(..., n, 1, 1)``."""
        x, t = self._data(data), self._params(theta)
        return (-x / self._col(t, 0) ** 2)[..., None, None]

    def fisher_information(self, theta: Any = None) -> np.ndarray:
        """``1 / λ``, shape ``(..., 1, 1)``."""
        return _scalar_info(1.0 / self._params(theta)[..., 0])

    def inverse_information(self, theta: Any = None) -> np.ndarray:
        """``λ``; defined for ``λ >= 0``."""
        return _scalar_info(self._params(theta, closure=True)[..., 0])

    def mle(self, data: Any) -> np.ndarray:
        """``x̄``, shape ``(..., 1)``."""
        return self._mle_unchecked(self._data(data))

    def _mle_unchecked(self, x: np.ndarray) -> np.ndarray:
        return _finite_means(x)[..., None]


# --------------------------------------------------------------------------------------------
# Exponential
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Exponential(_ArrayModel):
    """Exponential with rate ``rate`` (mean ``1 / rate``); ``I(λ) = 1 / λ^2``, MLE ``1 / x̄``.

    Parameters
    ----------
    rate : float
        Rate, > 0.
    """

    name: ClassVar[str] = "Exponential"
    param_names: ClassVar[tuple[str, ...]] = ("rate",)
    rate: float = 2.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", positive_scalar(self.rate, "rate"))

    @property
    def theta(self) -> np.ndarray:
        """``[rate]``."""
        return np.array([self.rate])

    def _check_theta_domain(self, theta: np.ndarray, closure: bool = False) -> None:
        if np.any(theta <= 0):
            raise ValueError("`theta` must be positive (an exponential rate).")

    def _check_support(self, x: np.ndarray) -> None:
        if np.any(x <= 0):
            raise ValueError("`data` must be positive (exponential observations).")

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Observations, shape ``(size, n)``."""
        rng, size, n = self._draw_args(rng, size, n)
        return rng.exponential(1.0 / self.rate, (size, n))

    def logpdf(self, data: Any, theta: Any = None) -> np.ndarray:
        """``log λ - λ x`` per observation."""
        x, t = self._data(data), self._params(theta)
        lam = self._col(t, 0)
        return np.log(lam) - lam * x

    def score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``1 / λ - x``, shape ``(..., n, 1)``."""
        x, t = self._data(data), self._params(theta)
        return (1.0 / self._col(t, 0) - x)[..., None]

    def mean_score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``1 / λ - x̄``, shape ``(..., 1)``."""
        x, t = self._data(data), self._params(theta)
        return (1.0 / t[..., 0] - x.mean(axis=-1))[..., None]

    def hessian(self, data: Any, theta: Any = None) -> np.ndarray:
        """``-1 / λ^2`` (the same for every observation), shape ``(..., n, 1, 1)``."""
        x, t = self._data(data), self._params(theta)
        lam = self._col(t, 0)
        return (np.zeros(np.broadcast_shapes(x.shape, lam.shape)) - 1.0 / lam ** 2)[..., None, None]

    def fisher_information(self, theta: Any = None) -> np.ndarray:
        """``1 / λ^2``, shape ``(..., 1, 1)``."""
        return _scalar_info(1.0 / self._params(theta)[..., 0] ** 2)

    def inverse_information(self, theta: Any = None) -> np.ndarray:
        """``λ^2``."""
        return _scalar_info(self._params(theta)[..., 0] ** 2)

    def mle(self, data: Any) -> np.ndarray:
        """``1 / x̄``, shape ``(..., 1)``."""
        return self._mle_unchecked(self._data(data))

    def _mle_unchecked(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / _finite_means(x)[..., None]


# --------------------------------------------------------------------------------------------
# Normal (mean and variance)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Normal(_ArrayModel):
    """Normal(``mu``, ``sigma2``), both unknown; ``I = diag(1/σ², 1/(2σ⁴))``.

    The MLE is ``(x̄, mean((x - x̄)^2))`` (variance with divisor ``n``); with ``n = 1`` the
    variance MLE does not exist (the likelihood is unbounded) and is NaN.

    Parameters
    ----------
    mu : float
        Mean.
    sigma2 : float
        Variance, > 0.
    """

    name: ClassVar[str] = "Normal"
    param_names: ClassVar[tuple[str, ...]] = ("mu", "sigma2")
    mu: float = 1.0
    sigma2: float = 4.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", _real(self.mu, "mu"))
        object.__setattr__(self, "sigma2", positive_scalar(self.sigma2, "sigma2"))

    @property
    def theta(self) -> np.ndarray:
        """``[mu, sigma2]``."""
        return np.array([self.mu, self.sigma2])

    def _check_theta_domain(self, theta: np.ndarray, closure: bool = False) -> None:
        if np.any(theta[..., 1] <= 0):
            raise ValueError("`theta` must have a positive variance `sigma2` (second entry).")

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Observations, shape ``(size, n)``."""
        rng, size, n = self._draw_args(rng, size, n)
        # μ + σ z in place (the same two roundings as the expression, no temporaries).
        x = rng.standard_normal((size, n))
        x *= math.sqrt(self.sigma2)
        x += self.mu
        return x

    def logpdf(self, data: Any, theta: Any = None) -> np.ndarray:
        """``-(1/2) log(2π σ²) - (x - μ)² / (2σ²)`` per observation."""
        x, t = self._data(data), self._params(theta)
        mu, s2 = self._col(t, 0), self._col(t, 1)
        return -0.5 * np.log(2.0 * np.pi * s2) - (x - mu) ** 2 / (2.0 * s2)

    def score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``((x - μ)/σ², -1/(2σ²) + (x - μ)²/(2σ⁴))``, shape ``(..., n, 2)``."""
        x, t = self._data(data), self._params(theta)
        mu, s2 = self._col(t, 0), self._col(t, 1)
        d = x - mu
        return np.stack([d / s2, -0.5 / s2 + d ** 2 / (2.0 * s2 ** 2)], axis=-1)

    def mean_score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``((x̄ - μ)/σ², -1/(2σ²) + mean((x - μ)²)/(2σ⁴))``, shape ``(..., 2)``."""
        x, t = self._data(data), self._params(theta)
        mu, s2 = t[..., 0], t[..., 1]
        d = x - mu[..., None]
        m1 = d.mean(axis=-1)
        return _normal_mean_score(m1, np.square(d, out=d).mean(axis=-1), s2)

    def mean_score_sufficient(self, xbar: Any, s2hat: Any, theta: Any = None) -> np.ndarray:
        """:meth:`mean_score` from the sufficient statistics ``(x̄, σ̂²)`` (e.g. those of
        :meth:`sample_sufficient`): ``mean((x − μ)²) = σ̂² + (x̄ − μ)²``; shape ``(..., 2)``."""
        xbar = as_finite_array(xbar, "xbar")
        s2hat = as_finite_array(s2hat, "s2hat")
        if xbar.shape != s2hat.shape:
            raise ValueError(f"`xbar` and `s2hat` must have one shape, got {xbar.shape} and "
                             f"{s2hat.shape}.")
        t = self._params(theta)
        m1 = xbar - t[..., 0]
        return _normal_mean_score(m1, s2hat + m1 * m1, t[..., 1])

    def hessian(self, data: Any, theta: Any = None) -> np.ndarray:
        """Second derivatives, shape ``(..., n, 2, 2)``."""
        x, t = self._data(data), self._params(theta)
        mu, s2 = self._col(t, 0), self._col(t, 1)
        d = x - mu
        h11 = np.broadcast_to(-1.0 / s2, d.shape)
        h12 = -d / s2 ** 2
        h22 = 0.5 / s2 ** 2 - d ** 2 / s2 ** 3
        return np.stack([np.stack([h11, h12], -1), np.stack([h12, h22], -1)], -2)

    def fisher_information(self, theta: Any = None) -> np.ndarray:
        """``diag(1/σ², 1/(2σ⁴))``, shape ``(..., 2, 2)``."""
        s2 = self._params(theta)[..., 1]
        out = np.zeros(s2.shape + (2, 2))
        out[..., 0, 0] = 1.0 / s2
        out[..., 1, 1] = 0.5 / s2 ** 2
        return out

    def inverse_information(self, theta: Any = None) -> np.ndarray:
        """``diag(σ², 2σ⁴)``."""
        s2 = self._params(theta)[..., 1]
        out = np.zeros(s2.shape + (2, 2))
        out[..., 0, 0] = s2
        out[..., 1, 1] = 2.0 * s2 ** 2
        return out

    def mle(self, data: Any) -> np.ndarray:
        """``(x̄, mean((x - x̄)²))``, shape ``(..., 2)``; variance NaN where it is 0."""
        return self._mle_unchecked(self._data(data))

    def _mle_unchecked(self, x: np.ndarray, overwrite: bool = False) -> np.ndarray:
        m = _finite_means(x)
        d = np.subtract(x, m[..., None], out=x if overwrite else None)
        v = np.square(d, out=d).mean(axis=-1)
        return np.stack([m, np.where(v > 0, v, np.nan)], axis=-1)

    def sample_mle(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """``mle(draw(rng, size, n))`` with the deviations from the mean formed in the draws'
        own buffer: the same operations on the same values, hence the same numbers, without a
        second ``(size, n)`` array."""
        return self._mle_unchecked(self.draw(rng, size, n), overwrite=True)

    def sample_sufficient(self, rng: np.random.Generator, size: int, n: int
                          ) -> tuple[np.ndarray, np.ndarray]:
        """The MLE's sufficient statistics ``(x̄, σ̂²)`` of ``size`` samples of ``n``, drawn
        from their exact law: ``x̄ ~ N(μ, σ²/n)`` independent of ``n σ̂²/σ² ~ χ²_{n−1}``
        (Cochran's theorem). Two variates per replication instead of ``n``: for checks whose
        statistic is a function of ``(x̄, σ̂²)`` alone. Shapes ``(size,)`` each; ``n >= 2``.
        """
        rng, size, n = self._draw_args(rng, size, n)
        if n < 2:
            raise ValueError(f"`n` must be at least 2 (σ̂² needs two observations), got {n}.")
        xbar = self.mu + math.sqrt(self.sigma2 / n) * rng.standard_normal(size)
        s2hat = self.sigma2 * rng.chisquare(n - 1, size) / n
        return xbar, s2hat


def _normal_mean_score(m1: np.ndarray, m2: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """Mean normal score from ``m1 = mean(x − μ)`` and ``m2 = mean((x − μ)²)``."""
    return np.stack([m1 / s2, -0.5 / s2 + m2 / (2.0 * s2 ** 2)], axis=-1)


# --------------------------------------------------------------------------------------------
# Gamma (shape and rate)
# --------------------------------------------------------------------------------------------

#: Above this shape, ``log a - psi(a)`` and its derivative come from their asymptotic series.
_GAMMA_SERIES_FROM: float = 16.0


def _log_minus_digamma(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f(a) = log a - psi(a)`` and ``f'(a) = 1/a - psi'(a)``, accurate for every a > 0.

    For large ``a`` both are differences of nearly equal numbers (``f ≈ 1/(2a)``), so the
    direct formulas lose ``log10(a)`` digits; above :data:`_GAMMA_SERIES_FROM` the asymptotic
    (Stirling) series ``f = 1/(2a) + 1/(12a²) - 1/(120a⁴) + 1/(252a⁶) - 1/(240a⁸) + 1/(132a¹⁰)``
    is used instead (Abramowitz & Stegun 6.3.18): its truncation error is 2.4e-15 f at
    a = 16 and falls as a⁻¹¹, while the direct difference would lose ~eps log(a)/f(a) ≈ 2e-14
    there. Both stay within a few ulps-equivalents of the root's conditioning.
    """
    big = a >= _GAMMA_SERIES_FROM
    ab = np.where(big, a, _GAMMA_SERIES_FROM)
    w = 1.0 / (ab * ab)
    f_series = 0.5 / ab + w * (1 / 12 + w * (-1 / 120 + w * (1 / 252 + w * (-1 / 240
                                                                            + w / 132))))
    df_series = -(0.5 / ab ** 2 + (1 / 6) / ab ** 3 + w * w * (
        -(1 / 30) / ab + w * ((1 / 42) / ab + w * (-(1 / 30) / ab + w * (5 / 66) / ab))))
    asmall = np.where(big, 1.0, a)
    f_direct = np.log(asmall) - special.digamma(asmall)
    df_direct = 1.0 / asmall - special.polygamma(1, asmall)
    return np.where(big, f_series, f_direct), np.where(big, df_series, df_direct)


def gamma_shape_mle(s: Any, *, tol: float = 1e-10, max_iter: int = 50) -> np.ndarray:
    """Solve ``log a - psi(a) = s`` for the Gamma shape ``a`` (batched), Minka (2002).

    Parameters
    ----------
    s : array_like
        ``log(mean(x)) - mean(log(x))`` of each replication (>= 0 by Jensen's inequality).
        Entries ``<= 0`` (constant data) have no solution and give NaN.
    tol : float, optional
        An entry is converged after a step with ``|Δa| <= tol * a``; the iteration converges
        quadratically, so the error left is ``O(tol²)``.
    max_iter : int, optional
        Maximum number of iterations; entries not converged by then are NaN.

    Returns
    -------
    numpy.ndarray
        The shape MLE, same shape as ``s``.

    Notes
    -----
    ``f(a) = log a - psi(a)`` decreases from ``+inf`` to 0, so the root is unique. Minka's
    generalised Newton step linearises ``f`` in ``1/a``; it converges in about four
    iterations from the approximation ``a0``, which is already within 1.5 % of the root.
    A step that would leave ``(0, inf)`` is replaced by halving or doubling ``a``. ``f`` is
    evaluated without cancellation (:func:`_log_minus_digamma`), so the root is found to
    relative accuracy ~1e-15 even for shapes of 1e6.
    """
    s = as_finite_array(s, "s")
    tol = positive_scalar(tol, "tol")
    max_iter = positive_int(max_iter, "max_iter")
    s = np.array(s, dtype=float, copy=True)
    ok = s > 0
    out = np.full(s.shape, np.nan)
    sv = s[ok]
    a = (3.0 - sv + np.sqrt((sv - 3.0) ** 2 + 24.0 * sv)) / (12.0 * sv)
    idx = np.arange(sv.size)
    done = np.zeros(sv.size, dtype=bool)
    for _ in range(max_iter):
        act = idx[~done]
        if act.size == 0:
            break
        aa, ss = a[act], sv[act]
        f, df = _log_minus_digamma(aa)
        num = f - ss
        den = aa * aa * df
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            new = 1.0 / (1.0 / aa + num / den)
        bad = ~np.isfinite(new) | (new <= 0)
        new = np.where(bad, np.where(num > 0, 2.0 * aa, 0.5 * aa), new)
        conv = ~bad & (np.abs(new - aa) <= tol * aa)
        a[act] = new
        done[act[conv]] = True
    out[ok] = np.where(done, a, np.nan)
    return out


@dataclass(frozen=True, slots=True)
class Gamma(_ArrayModel):
    """Gamma with shape ``a`` and rate ``b`` (mean ``a/b``), both unknown.

    ``I(a, b) = [[psi'(a), -1/b], [-1/b, a/b²]]``; the MLE is numerical (see
    :func:`gamma_shape_mle`) with ``b̂ = â / x̄``.

    Parameters
    ----------
    shape : float
        Shape ``a`` > 0.
    rate : float
        Rate ``b`` > 0.
    """

    name: ClassVar[str] = "Gamma"
    param_names: ClassVar[tuple[str, ...]] = ("shape", "rate")
    shape: float = 2.0
    rate: float = 1.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", positive_scalar(self.shape, "shape"))
        object.__setattr__(self, "rate", positive_scalar(self.rate, "rate"))

    @property
    def theta(self) -> np.ndarray:
        """``[shape, rate]``."""
        return np.array([self.shape, self.rate])

    def _check_theta_domain(self, theta: np.ndarray, closure: bool = False) -> None:
        if np.any(theta <= 0):
            raise ValueError("`theta` must be positive (Gamma shape and rate).")

    def _check_support(self, x: np.ndarray) -> None:
        if np.any(x <= 0):
            raise ValueError("`data` must be positive (Gamma observations).")

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Observations, shape ``(size, n)``."""
        rng, size, n = self._draw_args(rng, size, n)
        return rng.gamma(self.shape, 1.0 / self.rate, (size, n))

    def logpdf(self, data: Any, theta: Any = None) -> np.ndarray:
        """``a log b - log Γ(a) + (a - 1) log x - b x`` per observation."""
        x, t = self._data(data), self._params(theta)
        a, b = self._col(t, 0), self._col(t, 1)
        return a * np.log(b) - special.gammaln(a) + (a - 1.0) * np.log(x) - b * x

    def score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``(log b - psi(a) + log x, a/b - x)``, shape ``(..., n, 2)``."""
        x, t = self._data(data), self._params(theta)
        a, b = self._col(t, 0), self._col(t, 1)
        return np.stack([np.log(b) - special.digamma(a) + np.log(x), a / b - x], axis=-1)

    def mean_score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``(log b - psi(a) + mean(log x), a/b - x̄)``, shape ``(..., 2)``."""
        x, t = self._data(data), self._params(theta)
        a, b = t[..., 0], t[..., 1]
        return np.stack([np.log(b) - special.digamma(a) + np.log(x).mean(axis=-1),
                         a / b - x.mean(axis=-1)], axis=-1)

    def hessian(self, data: Any, theta: Any = None) -> np.ndarray:
        """``[[-psi'(a), 1/b], [1/b, -a/b²]]`` for every observation, ``(..., n, 2, 2)``."""
        x, t = self._data(data), self._params(theta)
        a, b = self._col(t, 0), self._col(t, 1)
        shape = np.broadcast_shapes(x.shape, a.shape)
        h11 = np.broadcast_to(-special.polygamma(1, a), shape)
        h12 = np.broadcast_to(1.0 / b, shape)
        h22 = np.broadcast_to(-a / b ** 2, shape)
        return np.stack([np.stack([h11, h12], -1), np.stack([h12, h22], -1)], -2)

    def fisher_information(self, theta: Any = None) -> np.ndarray:
        """``[[psi'(a), -1/b], [-1/b, a/b²]]``, shape ``(..., 2, 2)``."""
        t = self._params(theta)
        a, b = t[..., 0], t[..., 1]
        out = np.empty(a.shape + (2, 2))
        out[..., 0, 0] = special.polygamma(1, a)
        out[..., 0, 1] = out[..., 1, 0] = -1.0 / b
        out[..., 1, 1] = a / b ** 2
        return out

    def mle(self, data: Any) -> np.ndarray:
        """``(â, â/x̄)``, shape ``(..., 2)``; NaN for constant rows (no MLE)."""
        x = self._data(data)
        m = x.mean(axis=-1)
        s = np.log(m) - np.log(x).mean(axis=-1)
        a = gamma_shape_mle(s)
        return np.stack([a, a / m], axis=-1)


# --------------------------------------------------------------------------------------------
# Cauchy location
# --------------------------------------------------------------------------------------------

_EPS: float = float(np.finfo(np.float64).eps)


#: Elements per working block of the batched Newton loops: rows are processed in blocks of
#: about this many ``(row, observation)`` elements (1.5 MB per float64 temporary). Smaller
#: blocks pay the dozen numpy calls of an evaluation too often (192 KB blocks were 1.3-1.6x
#: slower on this project's machine, whose cores have 1 MB of L2 and share 32 MB of L3),
#: whole-chunk arrays leave the caches (2x slower for n in the thousands). The blocks never
#: change a number: every reduction is along one row (test_models checks it).
_BLOCK_ELEMENTS: int = 196_608


def _row_blocks(rows: int, width: int) -> list[slice]:
    """Slices of row blocks holding about :data:`_BLOCK_ELEMENTS` elements each."""
    step = max(1, _BLOCK_ELEMENTS // max(width, 1))
    return [slice(i, i + step) for i in range(0, rows, step)]


def _cauchy_eval(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-likelihood (without constants), score and second derivative (scale 1).

    ``x`` is ``(m, n)``, ``t`` is ``(m,)``; results are ``(m,)``. With ``u = x - t`` and
    ``r = 1 / (1 + u²)``: ``ℓ = -Σ log(1 + u²)``, ``ℓ' = 2 Σ u r``,
    ``ℓ'' = 2 Σ (u² - 1) r² = 2 Σ (r - 2 r²)``.
    """
    u = x - t[:, None]
    d = u * u
    d += 1.0
    r = 1.0 / d
    g = 2.0 * np.einsum("mn,mn->m", u, r)
    h = 2.0 * (r.sum(axis=-1) - 2.0 * np.einsum("mn,mn->m", r, r))
    ll = -np.log(d, out=d).sum(axis=-1)
    return ll, g, h


def _cauchy_newton_block(x: np.ndarray, t0: np.ndarray, *, tol: float, max_iter: int
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Safeguarded Newton for every (row, start) pair of one block of rows.

    ``x`` is ``(b, n)``, ``t0`` is ``(b, k)``. Returns local maximisers, their log-likelihoods
    and a converged flag, each ``(b, k)``. Only the pairs still iterating are evaluated.
    """
    b, k = t0.shape
    n = x.shape[-1]
    t = t0.reshape(-1).copy()
    rows = np.repeat(np.arange(b), k)
    ll, g, h = _cauchy_eval(x[rows], t)
    done = np.zeros(t.size, dtype=bool)
    # Rounding bound of a sum of n logs (pairwise summation), relative to |ℓ|: a step that
    # lowers ℓ by less than this is an ascent step lost in rounding, not a descent.
    rel_ll_tol = 4.0 * _EPS * (math.log2(n) + 2.0)
    for _ in range(max_iter):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        ta, la, ga, ha = t[act], ll[act], g[act], h[act]
        newton = ha < 0
        # Newton where the log-likelihood is concave, Fisher scoring (I = 1/2) elsewhere.
        step = np.where(newton, -ga / np.where(newton, ha, 1.0), 2.0 * ga / n)
        # In the Newton regime the error after a step of size s is O(s²): stop there.
        final = newton & (np.abs(step) <= tol * (1.0 + np.abs(ta)))
        t[act[final]] = ta[final] + step[final]
        done[act[final]] = True
        live = ~final
        idx, ta, la, step = act[live], ta[live], la[live], step[live]
        # The first trial evaluates every live pair; the rare halvings gather their rows.
        xa = x[rows[idx]]
        pending = np.arange(idx.size)
        xp = xa
        for _halving in range(64):
            cand = ta[pending] + step[pending]
            l2, g2, h2 = _cauchy_eval(xp, cand)
            ok = l2 >= la[pending] - rel_ll_tol * np.abs(la[pending])
            acc = idx[pending[ok]]
            t[acc], ll[acc], g[acc], h[acc] = cand[ok], l2[ok], g2[ok], h2[ok]
            pending = pending[~ok]
            if pending.size == 0:
                break
            step[pending] *= 0.5
            xp = xa[pending]
        # A step halved 64 times without ascent: a local maximum to working precision.
        done[idx[pending]] = True
    return t.reshape(b, k), ll.reshape(b, k), done.reshape(b, k)


@dataclass(frozen=True, slots=True)
class CauchyLocation(_ArrayModel):
    """Cauchy location ``loc`` with known scale; ``I = 1 / (2 scale²)``; numerical MLE.

    Parameters
    ----------
    loc : float
        Location (median).
    scale : float, optional
        Known scale, > 0.
    """

    name: ClassVar[str] = "Cauchy location"
    param_names: ClassVar[tuple[str, ...]] = ("loc",)
    loc: float = 0.5
    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "loc", _real(self.loc, "loc"))
        object.__setattr__(self, "scale", positive_scalar(self.scale, "scale"))

    @property
    def theta(self) -> np.ndarray:
        """``[loc]``."""
        return np.array([self.loc])

    def _check_theta_domain(self, theta: np.ndarray, closure: bool = False) -> None:
        """Every finite location is allowed."""

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Observations, shape ``(size, n)``."""
        rng, size, n = self._draw_args(rng, size, n)
        # loc + scale · c in place (the same two roundings as the expression).
        x = rng.standard_cauchy((size, n))
        x *= self.scale
        x += self.loc
        return x

    def logpdf(self, data: Any, theta: Any = None) -> np.ndarray:
        """``-log(π γ) - log(1 + ((x - θ)/γ)²)`` per observation."""
        x, t = self._data(data), self._params(theta)
        u = (x - self._col(t, 0)) / self.scale
        return -math.log(math.pi * self.scale) - np.log1p(u * u)

    def score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``2u / (γ (1 + u²))`` with ``u = (x - θ)/γ``, shape ``(..., n, 1)``."""
        x, t = self._data(data), self._params(theta)
        u = (x - self._col(t, 0)) / self.scale
        return (2.0 * u / (self.scale * (1.0 + u * u)))[..., None]

    def hessian(self, data: Any, theta: Any = None) -> np.ndarray:
        """``2 (u² - 1) / (γ² (1 + u²)²)``, shape ``(..., n, 1, 1)``."""
        x, t = self._data(data), self._params(theta)
        u = (x - self._col(t, 0)) / self.scale
        return (2.0 * (u * u - 1.0) / (self.scale ** 2 * (1.0 + u * u) ** 2))[..., None, None]

    def fisher_information(self, theta: Any = None) -> np.ndarray:
        """``1 / (2 γ²)`` (free of θ), shape ``(..., 1, 1)``."""
        t = self._params(theta)
        return _scalar_info(np.full(t.shape[:-1], 0.5 / self.scale ** 2))

    def mle(self, data: Any, *, tol: float = 1e-8, max_iter: int = 100) -> np.ndarray:
        """Highest local maximum found from the median and the quartiles, shape ``(..., 1)``.

        Parameters
        ----------
        data : array_like
            Observations, shape ``(..., n)``.
        tol : float, optional
            A Newton run stops after a Newton step (concave region) below
            ``tol * (1 + |θ|)`` in scale units; the error left is then ``O(tol²)``.
        max_iter : int, optional
            Maximum Newton iterations per run; runs that do not converge are discarded
            (NaN if none converges).
        """
        x = self._data(data)
        tol = positive_scalar(tol, "tol")
        max_iter = positive_int(max_iter, "max_iter")
        lead, n = x.shape[:-1], x.shape[-1]
        z = (x / self.scale).reshape(-1, n)
        starts = row_quantiles(z, CAUCHY_START_QUANTILES)  # (B, k)
        k = starts.shape[1]
        t, ll = np.empty_like(starts), np.empty_like(starts)
        conv = np.empty(starts.shape, dtype=bool)
        for sl in _row_blocks(z.shape[0], k * n):
            t[sl], ll[sl], conv[sl] = _cauchy_newton_block(z[sl], starts[sl], tol=tol,
                                                           max_iter=max_iter)
        ll = np.where(conv, ll, -np.inf)
        best = np.argmax(ll, axis=1)
        est = np.take_along_axis(t, best[:, None], axis=1)[:, 0]
        est = np.where(np.isfinite(ll.max(axis=1)), est, np.nan)
        return (self.scale * est).reshape(lead + (1,))


# --------------------------------------------------------------------------------------------
# Logistic regression
# --------------------------------------------------------------------------------------------

#: Gauss-Hermite nodes for E[f(Z)], Z ~ N(0, 1), used for the logistic Fisher information.
_GH_NODES: int = 160


@functools.lru_cache(maxsize=4)
def _hermite(k: int) -> tuple[np.ndarray, np.ndarray]:
    z, w = np.polynomial.hermite_e.hermegauss(k)
    return z, w / math.sqrt(2.0 * math.pi)


def _logistic_data(data: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(data, tuple) or len(data) != 2:
        raise ValueError("`data` must be a pair (X, y) of a design array and binary outcomes.")
    X = as_finite_array(data[0], "X", min_ndim=2)
    y = as_binary(data[1], "y")
    if y.shape != X.shape[:-1]:
        raise ValueError(f"`y` must have the shape of `X` without its last axis, got "
                         f"{y.shape} and {X.shape}.")
    return X, y


@dataclass(frozen=True, slots=True)
class LogisticRegression:
    """Logistic regression ``P(y = 1 | z) = expit(β0 + β1 z)`` with ``z ~ N(0, 1)``.

    An observation is the pair ``(x, y)`` with ``x = (1, z)``; the design is random, so the
    per-observation Fisher information is ``I(β) = E[p(1 - p) x xᵀ]`` with ``p = expit(xᵀβ)``,
    computed by Gauss-Hermite quadrature (160 nodes, error ~1e-15 for the parameters here).
    Data are pairs ``(X, y)`` of shapes ``(..., n, 2)`` and ``(..., n)``.

    Parameters
    ----------
    beta : tuple of float
        ``(β0, β1)``.
    """

    name: ClassVar[str] = "Logistic regression"
    param_names: ClassVar[tuple[str, ...]] = ("beta0", "beta1")
    beta: tuple[float, float] = (-0.5, 1.0)

    def __post_init__(self) -> None:
        arr = as_finite_array(self.beta, "beta", ndim=1)
        if arr.shape != (2,):
            raise ValueError(f"`beta` must hold 2 coefficients (intercept, slope), "
                             f"got {arr.shape[0]}.")
        object.__setattr__(self, "beta", (float(arr[0]), float(arr[1])))

    @property
    def n_params(self) -> int:
        """Number of parameters ``p``."""
        return 2

    @property
    def theta(self) -> np.ndarray:
        """``[β0, β1]``."""
        return np.array(self.beta)

    def _params(self, theta: Any) -> np.ndarray:
        if theta is None:
            return self.theta
        arr = as_finite_array(theta, "theta", min_ndim=1)
        if arr.shape[-1] != 2:
            raise ValueError(f"`theta` must have last dimension 2 (beta0, beta1), "
                             f"got shape {arr.shape}.")
        return arr

    def draw(self, rng: np.random.Generator, size: int, n: int
             ) -> tuple[np.ndarray, np.ndarray]:
        """Designs ``(size, n, 2)`` (first column 1) and outcomes ``(size, n)`` (0.0/1.0)."""
        rng = _check_rng(rng)
        size, n = positive_int(size, "size"), positive_int(n, "n")
        z = rng.standard_normal((size, n))
        X = np.empty((size, n, 2))
        X[..., 0] = 1.0
        X[..., 1] = z
        # expit(β0 + β1 z) and the 0/1 outcomes in two arrays (the same operations as the
        # plain expressions, without their temporaries).
        prob = np.multiply(z, self.beta[1])
        prob += self.beta[0]
        special.expit(prob, out=prob)
        y = rng.random((size, n))
        np.less(y, prob, out=y)
        return X, y

    @staticmethod
    def _eta(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Linear predictor ``Xθ``; ``theta`` ``(..., 2)`` broadcasts against ``X``'s rows.

        ``x₀θ₀ + x₁θ₁`` column by column: the same sum, in the same order, as
        ``(X * θ).sum(axis=-1)``, without its ``(..., n, 2)`` temporary and its reduction
        along an axis of length 2 (several times slower than two whole-column operations).
        """
        eta = X[..., 0] * theta[..., 0, None]
        eta += X[..., 1] * theta[..., 1, None]
        return eta

    def logpdf(self, data: Any, theta: Any = None) -> np.ndarray:
        """Conditional log-pmf ``y log p + (1 - y) log(1 - p)`` of each observation."""
        X, y = _logistic_data(data)
        eta = self._eta(X, self._params(theta))
        return y * special.log_expit(eta) + (1.0 - y) * special.log_expit(-eta)

    def score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``(y - p) x``, shape ``(..., n, 2)``."""
        X, y = _logistic_data(data)
        mu = special.expit(self._eta(X, self._params(theta)))
        return (y - mu)[..., None] * X

    def mean_score(self, data: Any, theta: Any = None) -> np.ndarray:
        """``mean((y - p) x)``, shape ``(..., 2)``."""
        X, y = _logistic_data(data)
        mu = special.expit(self._eta(X, self._params(theta)))
        return np.einsum("...n,...np->...p", y - mu, X) / X.shape[-2]

    def hessian(self, data: Any, theta: Any = None) -> np.ndarray:
        """``-p (1 - p) x xᵀ``, shape ``(..., n, 2, 2)``."""
        X, _ = _logistic_data(data)
        mu = special.expit(self._eta(X, self._params(theta)))
        return -(mu * (1.0 - mu))[..., None, None] * X[..., :, None] * X[..., None, :]

    def fisher_information(self, theta: Any = None) -> np.ndarray:
        """``E[p(1 - p) x xᵀ]`` over ``z ~ N(0, 1)``, shape ``(..., 2, 2)``."""
        t = self._params(theta)
        z, w = _hermite(_GH_NODES)
        eta = t[..., 0, None] + t[..., 1, None] * z
        mu = special.expit(eta)
        wt = w * mu * (1.0 - mu)
        out = np.empty(t.shape[:-1] + (2, 2))
        out[..., 0, 0] = wt.sum(axis=-1)
        out[..., 0, 1] = out[..., 1, 0] = (wt * z).sum(axis=-1)
        out[..., 1, 1] = (wt * z * z).sum(axis=-1)
        return out

    def inverse_information(self, theta: Any = None) -> np.ndarray:
        """Inverse of :meth:`fisher_information`."""
        return np.linalg.inv(self.fisher_information(theta))

    def fit(self, data: Any, *, tol: float = DEFAULT_TOL,
            max_iter: int = DEFAULT_MAX_ITER) -> LogitFit:
        """Batched logistic MLE of every replication, with convergence flags and their count.

        Parameters
        ----------
        data : tuple of array_like
            ``(X, y)`` of shapes ``(..., n, 2)`` and ``(..., n)``, ``y`` in ``{0, 1}``.
        tol, max_iter
            As in :func:`simulations.classification.fit_logistic`.

        Returns
        -------
        LogitFit
            ``coef`` of shape ``(..., 2)`` (the last iterate where not converged);
            ``converged`` flags and ``n_failed`` counts the replications without an MLE
            (separation) or not converged within ``max_iter``.
        """
        X, y = _logistic_data(data)
        if X.shape[-2] < X.shape[-1]:
            raise ValueError(f"`X` must have at least as many rows (observations) as columns, "
                             f"got shape {X.shape}.")
        return _fit_valid(X.astype(np.float64, copy=False), y.astype(np.float64, copy=False),
                          tol, max_iter)

    def mle(self, data: Any) -> np.ndarray:
        """``β̂`` of every replication, shape ``(..., 2)``; NaN where the fit did not converge.

        The fit is :meth:`fit`; its ``n_failed`` is the number of NaN rows here.
        """
        return _coef_or_nan(self.fit(data))

    def sample_mle(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """``mle(draw(rng, size, n))`` without re-validating the draws, shape ``(size, 2)``.

        ``X`` (a column of ones and standard-normal draws) is finite and ``y`` is 0.0/1.0 by
        construction, so the fit skips the data checks of :meth:`fit`; the numbers are the same.
        """
        X, y = self.draw(rng, size, n)
        return _coef_or_nan(_fit_valid(X, y, DEFAULT_TOL, DEFAULT_MAX_ITER))


def _fit_valid(X: np.ndarray, y: np.ndarray, tol: float, max_iter: int) -> LogitFit:
    """The shared logistic fit of data whose values are known to be valid.

    ``X`` float64 ``(..., n, p)`` and ``y`` 0.0/1.0 ``(..., n)``, flattened into a
    :class:`~simulations.design.Design` for
    :func:`~simulations.classification.fit_logistic_design` (no second validation pass).
    """
    lead, (n, p) = X.shape[:-2], X.shape[-2:]
    design = Design(X=np.ascontiguousarray(X.reshape((-1, n, p))),
                    y=np.ascontiguousarray(y.reshape((-1, n))), batch_shape=lead)
    return fit_logistic_design(design, tol=tol, max_iter=max_iter)


def _coef_or_nan(fit: LogitFit) -> np.ndarray:
    """The coefficients, with NaN rows where ``fit.converged`` is False."""
    return np.where(fit.converged[..., None], fit.coef, np.nan)
