"""Input checks shared by the calibration statistics (they raise ``ValueError``)."""

from __future__ import annotations

import numpy as np


def is_int(value: object) -> bool:
    """True for Python and numpy integers, False for ``bool`` and everything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_level(level: object) -> float:
    """``level`` as a float; ``ValueError`` naming `level` unless it lies in (0, 1)."""
    if isinstance(level, bool) or not isinstance(level, (float, int)) or not 0.0 < level < 1.0:
        raise ValueError(f"`level` must lie in (0, 1), got {level!r}.")
    return float(level)
