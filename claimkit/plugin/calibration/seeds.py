"""The K root seeds of a calibration run, spawned from the run's root seed."""

from __future__ import annotations

import numpy as np

from claimkit.plugin.calibration.validation import is_int

#: How derived seeds are made, as stated in ``results.json``.
SEED_DERIVATION = "SeedSequence(root_seed).spawn(K)[i].generate_state(1, uint64)[0]"


def derive_seeds(root_seed: int, k: int) -> tuple[int, ...]:
    """The K root seeds of a calibration run, spawned from ``root_seed`` (never ``seed + i``).

    Parameters
    ----------
    root_seed : int
        The run's root seed (non-negative).
    k : int
        Number of repetitions, ``>= 1``.

    Returns
    -------
    tuple of int
        Seed ``i`` is ``SeedSequence(root_seed).spawn(k)[i].generate_state(1, uint64)[0]``;
        it does not depend on ``k``.

    References
    ----------
    NumPy documentation, "Parallel random number generation" (``SeedSequence.spawn``).
    """
    if not is_int(root_seed) or root_seed < 0:
        raise ValueError(f"`root_seed` must be a non-negative integer, got {root_seed!r}.")
    if not is_int(k) or k < 1:
        raise ValueError(f"`k` must be a positive integer, got {k!r}.")
    children = np.random.SeedSequence(int(root_seed)).spawn(int(k))
    return tuple(int(c.generate_state(1, np.uint64)[0]) for c in children)
