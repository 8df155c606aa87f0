"""When the z-test's normal tail can be trusted at the suite's α, and how many replications that takes.

At α = 1e-6 a two-sided z-test rejects beyond |z| = 4.89, far in the tail, where the normal
approximation to a Monte Carlo mean of a skewed or heavy-tailed statistic can be badly wrong
(the mean of R copies of a χ²₁-like statistic at R = 10⁴ exceeds 4.89 standard errors about 150
times as often as the normal law says). For the studentised mean ``T = √R (ȳ − μ)/S`` the
one-term (order R^(−1/2)) Edgeworth corrections of the two tails cancel, and the two-sided tail
is, to order 1/R (Hall 1992, §2.6, eq. 2.55),

    P(|T| > z) = 2 Q(z) − (2/R) q₂(z) φ(z),
    q₂(z) = z [ κ (z² − 3)/12 − γ² (z⁴ + 2z² − 3)/18 − (z² + 3)/4 ],

with γ the skewness and κ the excess kurtosis of one replication's value. The relative error
of the nominal level is therefore ``|q₂(z) φ(z)| / (R Q(z))``; the suite bounds ``|q₂|`` by the
sum of its terms' absolute values, so that a kurtosis term cannot cancel a skewness term. A
z-test that relies on the tail has α as its share of the budget; it is run at the nominal
level :func:`tail_level` ``(α) = α / (1 + TAIL_TOLERANCE)`` and accepted only where the relative
error at that level is at most :data:`TAIL_TOLERANCE`, so that its realised false-failure rate,
at most ``(1 + TAIL_TOLERANCE)`` times the nominal level, stays within α. The replications
come from the statistic's known γ and κ with :func:`reps_for_normal_tail` (at that level).

References
----------
Hall, P. (1992). *The Bootstrap and Edgeworth Expansion*. Springer, §2.6.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from claimkit.validation import positive_int, real_scalar

__all__ = ["TAIL_TOLERANCE", "TAIL_LEVEL_TEXT", "sample_shape", "tail_level", "tail_relative_error",
           "reps_for_normal_tail"]

#: Largest accepted relative error of the z-test's nominal two-sided level.
TAIL_TOLERANCE: float = 0.5
#: The nominal level of a tail-checked z-test (:func:`tail_level`) as rules and the report
#: print it.
TAIL_LEVEL_TEXT: str = f"α/{1 + TAIL_TOLERANCE:g}"


def _check_alpha(alpha: object) -> float:
    a = real_scalar(alpha, "alpha")
    if not 0.0 < a < 1.0:
        raise ValueError(f"`alpha` must lie in (0, 1), got {alpha!r}.")
    return a


def _q2_phi_over_q(skewness: float, kurtosis: float, alpha: float) -> float:
    z = float(special.ndtri(1.0 - alpha / 2.0))
    q2 = z * (abs(kurtosis) * (z * z - 3) / 12.0
              + skewness ** 2 * (z ** 4 + 2 * z * z - 3) / 18.0 + (z * z + 3) / 4.0)
    phi = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return abs(q2) * phi / (alpha / 2.0)


def tail_level(alpha: float, tolerance: float = TAIL_TOLERANCE) -> float:
    """Nominal two-sided level of a z-test that relies on the normal tail, given its share α.

    Where the relative error of the nominal level is at most ``tolerance`` (the criterion of
    :func:`tail_relative_error`), the realised false-failure rate is at most
    ``(1 + tolerance)`` times the nominal level; testing at ``α / (1 + tolerance)`` keeps it
    within α.

    Parameters
    ----------
    alpha : float
        The test's share of the error budget, in (0, 1).
    tolerance : float, optional
        Accepted relative error of the level (> 0).

    Returns
    -------
    float
        ``alpha / (1 + tolerance)``.
    """
    a = _check_alpha(alpha)
    t = real_scalar(tolerance, "tolerance")
    if t <= 0:
        raise ValueError(f"`tolerance` must be positive, got {tolerance!r}.")
    return a / (1.0 + t)


def sample_shape(values: object) -> tuple[float, float]:
    """Sample skewness and excess kurtosis of per-replication values (the criterion's inputs).

    Parameters
    ----------
    values : array_like
        1-D, finite, not constant.

    Returns
    -------
    skewness, kurtosis : float
        ``scipy.stats.skew`` and ``scipy.stats.kurtosis`` (Fisher, biased estimators).
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)) or np.ptp(x) == 0:
        raise ValueError("`values` must be a finite, non-constant 1-D array.")
    return float(stats.skew(x)), float(stats.kurtosis(x))


def tail_relative_error(skewness: float, kurtosis: float, n_reps: int, alpha: float) -> float:
    """Relative error of the studentised mean's two-sided tail at level ``alpha`` (to O(1/R)).

    Parameters
    ----------
    skewness, kurtosis : float
        Skewness γ and *excess* kurtosis κ of one replication's value.
    n_reps : int
        Replications R (>= 2).
    alpha : float
        Two-sided level, in (0, 1).

    Returns
    -------
    float
        ``|q₂(z)| φ(z) / (R Q(z))`` with ``z = z_{1 − α/2}`` and ``|q₂|`` bounded term by
        term (see the module docstring).
    """
    g = real_scalar(skewness, "skewness")
    k = real_scalar(kurtosis, "kurtosis")
    if k < -2.0:
        raise ValueError(f"`kurtosis` (excess) must be >= -2, got {kurtosis!r}.")
    r = positive_int(n_reps, "n_reps")
    if r < 2:
        raise ValueError(f"`n_reps` must be >= 2, got {n_reps!r}.")
    return _q2_phi_over_q(g, k, _check_alpha(alpha)) / r


def reps_for_normal_tail(skewness: float, kurtosis: float, alpha: float,
                         tolerance: float = TAIL_TOLERANCE) -> int:
    """Fewest replications for which a z-test with share ``alpha`` can trust its tail: its
    :func:`tail_relative_error` at the nominal level :func:`tail_level` ``(alpha, tolerance)``
    is at most ``tolerance``.

    Parameters
    ----------
    skewness, kurtosis : float
        Skewness and excess kurtosis of one replication's value (known, not estimated).
    alpha : float
        The z-test's share of the error budget (its realised two-sided level is within it).
    tolerance : float, optional
        Accepted relative error of the nominal level (> 0).

    Returns
    -------
    int
    """
    g = real_scalar(skewness, "skewness")
    k = real_scalar(kurtosis, "kurtosis")
    level = tail_level(alpha, tolerance)
    return max(2, math.ceil(_q2_phi_over_q(g, k, level) / tolerance))
