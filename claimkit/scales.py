"""Monte Carlo scales: ``--mc-scale smoke|standard|full`` multiplies replication budgets.

Alpha does not depend on the scale (see :mod:`claimkit.budget`); the detectable deviation
delta shrinks roughly as ``1/sqrt(factor)``.
"""

from __future__ import annotations

import math

SCALES: dict[str, float] = {"smoke": 0.125, "standard": 1.0, "full": 8.0}
DEFAULT_SCALE: str = "standard"


def scaled_reps(base: int, scale: str, minimum: int = 64) -> int:
    """Replications for a check whose standard budget is ``base``.

    Parameters
    ----------
    base : int
        Replications at the ``standard`` scale, ``>= 1``.
    scale : {'smoke', 'standard', 'full'}
        The run's scale.
    minimum : int, optional
        Lower bound, so that smoke runs keep usable intervals.
    """
    if scale not in SCALES:
        raise ValueError(f"`scale` must be one of {sorted(SCALES)}, got {scale!r}.")
    if isinstance(base, bool) or not isinstance(base, int) or base < 1:
        raise ValueError(f"`base` must be a positive integer, got {base!r}.")
    return max(int(minimum), int(math.ceil(base * SCALES[scale])))
