"""Counter-examples to the large-sample properties of the MLE, and inefficient competitors.

Each object states the law that replaces the regular one, so that the claims suite can run
these cases through *the same* decision rules as the regular models (where they must fail):

===========================  ===================================================================
:class:`NeymanScott`         pairs with their own means: ``σ̂² → σ²/2`` (inconsistent; the
                             number of parameters grows with n)
:func:`cauchy_sample_mean`   the sample mean of Cauchy data is Cauchy for every n (inconsistent)
:class:`UniformScale`        Uniform(0, θ): ``n(θ - θ̂)/θ → Exp(1)``; the √n law is degenerate,
                             not normal (the support depends on θ)
:class:`BoundaryNormal`      N(μ, 1) with μ >= 0 at μ = 0: ``μ̂ = max(x̄, 0)``, half of the mass
                             of ``√n μ̂`` sits at 0
:func:`sample_median`        normal mean: ``n Var(median) / σ² → π/2`` (efficiency 2/π)
:func:`gamma_mom_shape`      Gamma shape by the method of moments: efficiency < 1
:func:`hodges`               Hodges' superefficient estimator: ``n Var → a²`` at θ = 0 < 1 = CRB
===========================  ===================================================================

Samplers follow :class:`simulations.models.Model`: ``draw(rng, size, n)`` returns ``size``
replications along the leading axis. Estimators reduce the last (observation) axis and
return one value per replication (shape ``data.shape[:-1]``).

References
----------
Neyman, J. & Scott, E. L. (1948). Consistent estimates based on partially consistent
observations. Econometrica 16(1), 1-32.
Lehmann, E. L. & Casella, G. (1998). *Theory of Point Estimation*, 2nd ed., Springer, ch. 6
(asymptotic efficiency; Hodges' example of superefficiency in §6.2).
van der Vaart, A. W. (1998). *Asymptotic Statistics*, Cambridge University Press, ch. 5
(consistency, asymptotic normality and their conditions) and §8.1 (Hodges' estimator).
Self, S. G. & Liang, K.-Y. (1987). Asymptotic properties of maximum likelihood estimators and
likelihood ratio tests under nonstandard conditions. JASA 82(398), 605-610.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from claimkit.validation import as_finite_array, positive_int, positive_scalar
from simulations.order_statistics import row_median

__all__ = [
    "BoundaryNormal",
    "MEDIAN_EFFICIENCY_LIMIT",
    "NeymanScott",
    "UniformScale",
    "cauchy_sample_mean",
    "gamma_mom_shape",
    "gamma_mom_shape_avar",
    "hodges",
    "hodges_limit_variance",
    "sample_median",
]

#: ``lim n Var(median) / σ²`` for normal data: ``π/2`` (asymptotic relative efficiency 2/π).
MEDIAN_EFFICIENCY_LIMIT: float = math.pi / 2.0


def _rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"`rng` must be a numpy.random.Generator, got {type(rng).__name__}.")
    return rng


def _sample(data: Any, name: str = "data") -> np.ndarray:
    return as_finite_array(data, name, min_ndim=1)


# --------------------------------------------------------------------------------------------
# Neyman-Scott
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NeymanScott:
    """``n`` pairs ``x_i1, x_i2 ~ N(μ_i, σ²)``, every pair with its own unknown mean.

    The joint MLE of ``σ²`` is ``σ̂² = (1/(2n)) Σ_i Σ_j (x_ij - x̄_i)²``, i.e.
    ``(1/(4n)) Σ_i (x_i1 - x_i2)²``, with ``E σ̂² = σ²/2`` and ``Var σ̂² = σ⁴/(2n)`` exactly:
    it converges to ``σ²/2``, not σ².

    Parameters
    ----------
    sigma2 : float
        Common variance, > 0.
    mean_scale : float, optional
        The incidental means are drawn ``μ_i ~ N(0, mean_scale²)`` in every replication (the
        MLE of σ² does not depend on them).
    """

    sigma2: float = 1.0
    mean_scale: float = 10.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma2", positive_scalar(self.sigma2, "sigma2"))
        object.__setattr__(self, "mean_scale", positive_scalar(self.mean_scale, "mean_scale"))

    @property
    def limit(self) -> float:
        """``plim σ̂² = σ²/2``."""
        return self.sigma2 / 2.0

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Pairs, shape ``(size, n, 2)``."""
        rng, size, n = _rng(rng), positive_int(size, "size"), positive_int(n, "n")
        mu = self.mean_scale * rng.standard_normal((size, n, 1))
        return mu + math.sqrt(self.sigma2) * rng.standard_normal((size, n, 2))

    @staticmethod
    def mle(data: Any) -> np.ndarray:
        """``σ̂²`` of every replication; ``data`` has shape ``(..., n, 2)``."""
        x = as_finite_array(data, "data", min_ndim=2)
        if x.shape[-1] != 2:
            raise ValueError(f"`data` must hold pairs along its last axis, got shape {x.shape}.")
        d = x[..., 0] - x[..., 1]
        return (d * d).mean(axis=-1) / 4.0


# --------------------------------------------------------------------------------------------
# Cauchy sample mean
# --------------------------------------------------------------------------------------------

def cauchy_sample_mean(data: Any) -> np.ndarray:
    """Sample mean along the last axis: for Cauchy(θ, γ) data it is Cauchy(θ, γ) for every n.

    Parameters
    ----------
    data : array_like
        Observations, shape ``(..., n)``.
    """
    return _sample(data).mean(axis=-1)


# --------------------------------------------------------------------------------------------
# Uniform(0, θ)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class UniformScale:
    """Uniform(0, θ): the support depends on θ, so the regular theory does not apply.

    The MLE is ``θ̂ = max x_i``. Exactly, ``P(n(θ - θ̂)/θ > t) = (1 - t/n)^n`` for
    ``0 <= t <= n``, which tends to ``exp(-t)``: the error is O(1/n), not O(1/√n), and the
    scaled law is exponential, not normal. The "Fisher information" formula
    ``E[(∂ log p/∂θ)²] = 1/θ²`` exists, but ``-E[∂² log p/∂θ²] = -1/θ²`` differs from it and
    ``√(n I)(θ̂ - θ) → 0`` in probability.

    Parameters
    ----------
    theta : float
        Upper end of the support, > 0.
    """

    theta: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "theta", positive_scalar(self.theta, "theta"))

    @property
    def naive_information(self) -> float:
        """``E[score²] = 1/θ²`` per observation, the value a regular analysis would plug in."""
        return 1.0 / self.theta ** 2

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Observations, shape ``(size, n)``."""
        rng, size, n = _rng(rng), positive_int(size, "size"), positive_int(n, "n")
        return self.theta * rng.random((size, n))

    @staticmethod
    def mle(data: Any) -> np.ndarray:
        """``max x_i`` of every replication."""
        x = _sample(data)
        if np.any(x < 0):
            raise ValueError("`data` must be non-negative (Uniform(0, θ) observations).")
        return x.max(axis=-1)

    @staticmethod
    def scaled_error_cdf(t: Any, n: int) -> np.ndarray:
        """Exact CDF of ``n(θ - θ̂)/θ``: ``1 - (1 - t/n)^n`` on ``[0, n]``.

        Parameters
        ----------
        t : array_like
            Points at which to evaluate.
        n : int
            Sample size, >= 1.
        """
        n = positive_int(n, "n")
        tt = np.clip(as_finite_array(t, "t", allow_empty=True), 0.0, float(n))
        with np.errstate(divide="ignore"):  # t = n: log1p(-1) = -inf, CDF 1
            return -np.expm1(n * np.log1p(-tt / n))

    @staticmethod
    def limit_cdf(t: Any) -> np.ndarray:
        """Exp(1) CDF, the limit law of ``n(θ - θ̂)/θ``."""
        tt = as_finite_array(t, "t", allow_empty=True)
        return -np.expm1(-np.maximum(tt, 0.0))


# --------------------------------------------------------------------------------------------
# Boundary parameter
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BoundaryNormal:
    """N(μ, 1) with parameter space μ >= 0; at the boundary μ = 0 the MLE is not normal.

    ``μ̂ = max(x̄, 0)``. At μ = 0, ``√n μ̂ = max(Z, 0)`` with ``Z ~ N(0, 1)`` *exactly* for every
    n: half of the mass sits at 0 (Self & Liang 1987). A Wald interval ``μ̂ ± z_{0.975}/√n``
    covers μ = 0 whenever ``x̄ < z_{0.975}/√n``: coverage ``Φ(1.96) = 0.975``, not 0.95.

    Parameters
    ----------
    mu : float, optional
        True mean, >= 0.
    """

    mu: float = 0.0

    def __post_init__(self) -> None:
        mu = float(as_finite_array(self.mu, "mu", ndim=0))
        if mu < 0:
            raise ValueError(f"`mu` must be non-negative (the parameter space is μ >= 0), "
                             f"got {self.mu!r}.")
        object.__setattr__(self, "mu", mu)

    def draw(self, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
        """Observations, shape ``(size, n)``."""
        rng, size, n = _rng(rng), positive_int(size, "size"), positive_int(n, "n")
        return self.mu + rng.standard_normal((size, n))

    @staticmethod
    def mle(data: Any) -> np.ndarray:
        """``max(x̄, 0)`` of every replication."""
        return np.maximum(_sample(data).mean(axis=-1), 0.0)

    @staticmethod
    def limit_cdf(x: Any) -> np.ndarray:
        """CDF of ``√n μ̂`` at μ = 0: 0 below 0, ``Φ(x)`` from 0 on (a jump of 1/2 at 0)."""
        xx = as_finite_array(x, "x", allow_empty=True)
        return np.where(xx < 0, 0.0, special.ndtr(xx))

    @staticmethod
    def wald_coverage_at_boundary(level: float = 0.95) -> float:
        """Exact coverage of ``μ̂ ± z_{(1+level)/2}/√n`` at μ = 0: ``Φ(z_{(1+level)/2})``."""
        lv = positive_scalar(level, "level")
        if not lv < 1:
            raise ValueError(f"`level` must lie in (0, 1), got {level!r}.")
        return float(stats.norm.cdf(stats.norm.ppf(0.5 + lv / 2.0)))


# --------------------------------------------------------------------------------------------
# Inefficient and superefficient estimators
# --------------------------------------------------------------------------------------------

def sample_median(data: Any) -> np.ndarray:
    """Sample median along the last axis (for normal data: ``n Var → (π/2) σ²``)."""
    return row_median(_sample(data))


def gamma_mom_shape(data: Any) -> np.ndarray:
    """Method-of-moments Gamma shape ``x̄² / mean((x - x̄)²)`` along the last axis.

    Parameters
    ----------
    data : array_like
        Positive observations, shape ``(..., n)``, n >= 2.
    """
    x = _sample(data)
    if np.any(x <= 0):
        raise ValueError("`data` must be positive (Gamma observations).")
    if x.shape[-1] < 2:
        raise ValueError(f"`data` must hold at least 2 observations along its last axis, "
                         f"got {x.shape[-1]}.")
    m = x.mean(axis=-1)
    v = ((x - m[..., None]) ** 2).mean(axis=-1)
    with np.errstate(divide="ignore"):
        return np.where(v > 0, m * m / np.where(v > 0, v, 1.0), np.nan)


def gamma_mom_shape_avar(shape: float) -> float:
    """``lim n Var(â_MoM) = 2a(a + 1)`` for the Gamma shape a (delta method, any rate).

    The MLE's is ``a / (a psi'(a) - 1)``; their ratio exceeds 1 for every a (e.g. 1.74 at a = 2).

    Parameters
    ----------
    shape : float
        Gamma shape a > 0.
    """
    a = positive_scalar(shape, "shape")
    return 2.0 * a * (a + 1.0)


def hodges(data: Any, a: float = 0.5) -> np.ndarray:
    """Hodges' estimator of a normal mean: ``x̄`` if ``|x̄| >= n^(-1/4)``, else ``a x̄``.

    For N(θ, 1) data, ``n Var → 1`` at θ ≠ 0 but ``→ a² < 1`` at θ = 0: below the Cramér-Rao
    bound 1/I = 1 at one point, at the price of a worse risk near it (Lehmann & Casella 1998,
    §6.2; van der Vaart 1998, §8.1).

    Parameters
    ----------
    data : array_like
        Observations, shape ``(..., n)``.
    a : float, optional
        Shrinkage factor inside the threshold, ``0 <= a < 1``.
    """
    x = _sample(data)
    av = float(as_finite_array(a, "a", ndim=0))
    if not 0.0 <= av < 1.0:
        raise ValueError(f"`a` must lie in [0, 1), got {a!r}.")
    m = x.mean(axis=-1)
    return np.where(np.abs(m) >= x.shape[-1] ** -0.25, m, av * m)


def hodges_limit_variance(theta: float, a: float = 0.5) -> float:
    """``lim n Var`` of :func:`hodges` for N(θ, 1) data: ``a²`` at θ = 0, else 1."""
    t = float(as_finite_array(theta, "theta", ndim=0))
    av = float(as_finite_array(a, "a", ndim=0))
    if not 0.0 <= av < 1.0:
        raise ValueError(f"`a` must lie in [0, 1), got {a!r}.")
    return av * av if t == 0.0 else 1.0
