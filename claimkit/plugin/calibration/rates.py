"""Observed binomial rates with exact (Clopper-Pearson) intervals."""

from __future__ import annotations

from dataclasses import dataclass


from claimkit.intervals import clopper_pearson as _exact_interval
from claimkit.plugin.calibration.validation import check_level, is_int

#: Two-sided level of the Clopper-Pearson intervals of the calibration summary.
LEVEL: float = 0.95


@dataclass(frozen=True, slots=True)
class Rate:
    """An observed binomial rate with its Clopper-Pearson interval.

    Attributes
    ----------
    events, trials : int
        Number of events (false failures, rejections, ...) and of trials.
    rate : float
        ``events / trials``.
    ci : tuple of float
        Two-sided Clopper-Pearson interval at ``level``.
    level : float
        Confidence level of ``ci``.
    """

    events: int
    trials: int
    rate: float
    ci: tuple[float, float]
    level: float


def clopper_pearson(events: int, trials: int, level: float = LEVEL) -> Rate:
    """Exact (Clopper-Pearson) interval of a binomial rate.

    The kit's one interval, :func:`claimkit.intervals.clopper_pearson`.

    Parameters
    ----------
    events : int
        Observed events, ``0 <= events <= trials``.
    trials : int
        Trials, ``>= 1``.
    level : float, optional
        Two-sided confidence level in (0, 1).

    Returns
    -------
    Rate

    References
    ----------
    Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. Biometrika 26(4), 404-413.
    """
    if not is_int(trials) or trials < 1:
        raise ValueError(f"`trials` must be a positive integer, got {trials!r}.")
    if not is_int(events) or not 0 <= events <= trials:
        raise ValueError(f"`events` must be an integer in [0, trials], got {events!r}.")
    level = check_level(level)
    k, n = int(events), int(trials)
    return Rate(k, n, k / n, _exact_interval(k, n, level=level), level)
