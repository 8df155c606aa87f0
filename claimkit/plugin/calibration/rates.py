"""Observed binomial rates with exact (Clopper-Pearson) intervals."""

from __future__ import annotations

from dataclasses import dataclass


from claimkit.intervals import clopper_pearson as _exact_interval

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
    """The exact (Clopper-Pearson) interval of a binomial rate, as a :class:`Rate`.

    The interval, its input checks and its reference are the kit's one owner,
    :func:`claimkit.intervals.clopper_pearson`; this adds the rate and the level.

    Returns
    -------
    Rate

    Raises
    ------
    ValueError
        Naming ``events``, ``trials`` or ``level`` when it is out of range.
    """
    ci = _exact_interval(events, trials, level=level)
    return Rate(int(events), int(trials), int(events) / int(trials), ci, float(level))
