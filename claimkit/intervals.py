"""The one Clopper–Pearson (exact binomial) interval of the kit.

Every binomial interval -- the decision rules' (:mod:`claimkit.decisions`), the calibration's
false-failure and power rates, a claim module's coverage bands -- comes from
:func:`clopper_pearson`, which is scipy's exact interval (``binomtest(...).proportion_ci(method=
"exact")``, root search on the binomial tails).

References
----------
Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated in
the case of the binomial. Biometrika 26(4), 404-413.
"""

from __future__ import annotations

import numbers

from scipy import stats

__all__ = ["clopper_pearson"]

_ALTERNATIVES = ("two-sided", "less", "greater")


def clopper_pearson(events: int, trials: int, *, level: float,
                    alternative: str = "two-sided") -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval of a binomial proportion.

    Parameters
    ----------
    events : int
        Observed events, ``0 <= events <= trials``.
    trials : int
        Trials, ``>= 1``.
    level : float
        Confidence level in (0, 1). Two-sided: each end is a one-sided bound at level
        ``(1 + level) / 2``; an interval whose ends are one-sided bounds at ``1 − α`` is
        ``level = 1 − 2α``.
    alternative : {'two-sided', 'less', 'greater'}, optional
        ``'less'`` gives ``(0, upper bound)``, ``'greater'`` ``(lower bound, 1)``.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Raises
    ------
    ValueError
        Naming the parameter, when it is out of range.
    """
    if not isinstance(trials, numbers.Integral) or isinstance(trials, bool) or trials < 1:
        raise ValueError(f"`trials` must be a positive integer, got {trials!r}.")
    if not isinstance(events, numbers.Integral) or isinstance(events, bool) \
            or not 0 <= events <= trials:
        raise ValueError(f"`events` must be an integer in [0, trials], got {events!r}.")
    if not isinstance(level, numbers.Real) or not 0.0 < float(level) < 1.0:
        raise ValueError(f"`level` must lie in (0, 1), got {level!r}.")
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"`alternative` must be one of {_ALTERNATIVES}, got {alternative!r}.")
    ci = stats.binomtest(int(events), int(trials), alternative=alternative).proportion_ci(
        confidence_level=float(level), method="exact")
    return float(ci.low), float(ci.high)
