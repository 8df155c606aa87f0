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


def design_record(divisor: int, *, scale: str, what: str, how: str, source: str,
                  **fields: float) -> dict:
    """The ``design`` entry of a check's params where a scale's design divides replications.

    Empty for ``divisor == 1`` (the standard design: a check's params are unchanged);
    otherwise the divisor, the design's margins and controls (``fields``) and why, in one
    sentence: what is divided, what follows for the rules (``how``), α unchanged, and where
    the design is derived (``source``).

    Parameters
    ----------
    divisor : int
        Replications of the design are the standard ones divided by this (>= 1).
    scale : {'smoke', 'standard', 'full'}
        The run's scale.
    what, how, source : str
        What the design divides, what follows for the rules, where it is derived (non-empty).
    **fields : float
        Margins and control values the checks of the design use.
    """
    if isinstance(divisor, bool) or not isinstance(divisor, int) or divisor < 1:
        raise ValueError(f"`divisor` must be an integer >= 1, got {divisor!r}.")
    if scale not in SCALES:
        raise ValueError(f"`scale` must be one of {sorted(SCALES)}, got {scale!r}.")
    for name, text in (("what", what), ("how", how), ("source", source)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"`{name}` must be a non-empty string, got {text!r}.")
    if divisor == 1:
        return {}
    return {"design": {"replications_divisor": divisor, **fields,
                       "why": f"{scale} scale: {what} at 1/{divisor} of the replications, "
                              f"{how}, α unchanged ({source})"}}
