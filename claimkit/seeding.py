"""Reproducible random streams keyed by what a check *is*, never by when it runs.

Every check draws from its own :class:`numpy.random.SeedSequence` whose entropy is the suite's
root seed and whose spawn key is a stable hash of ``(claim ID, check label, parameters)``.
Replications are grouped in fixed-size *blocks*; block ``b`` of a check uses the child stream
``SeedSequence(root, spawn_key=key + (b,))``. Because the block size is a constant of the suite,
not of the run, the numbers a check sees do not depend on test order, ``-k`` selection, the
number of xdist workers or the memory chunk size.

References
----------
NumPy, "Parallel Random Number Generation", ``doc/source/reference/random/parallel.rst``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import numpy as np

#: Root seed used when the user gives none (printed in the pytest header).
DEFAULT_ROOT_SEED: int = 20261121

#: Replications per seeding block. Changing it changes every number: it is part of the contract.
BLOCK_SIZE: int = 512


def _canonical(value: Any) -> Any:
    """Canonical JSON-able form of parameters (numpy scalars -> Python, tuples -> lists)."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise ValueError(f"`params` must hold only JSON-like values, got {type(value).__name__}.")


def stable_key(claim: str, label: str, params: Mapping[str, Any] | None = None) -> tuple[int, ...]:
    """Hash ``(claim, label, params)`` to a spawn key of four 32-bit words.

    Uses SHA-256 of canonical JSON, so the key is identical across processes and Python
    versions (unlike the salted built-in :func:`hash`).

    Parameters
    ----------
    claim : str
        Claim ID, e.g. ``"EX-04"``.
    label : str
        Name of the check within the claim.
    params : mapping, optional
        Parameters of the check; order of keys does not matter.

    Returns
    -------
    tuple of int
        Four unsigned 32-bit integers.
    """
    if not isinstance(claim, str) or not claim:
        raise ValueError("`claim` must be a non-empty string.")
    if not isinstance(label, str) or not label:
        raise ValueError("`label` must be a non-empty string.")
    payload = json.dumps([claim, label, _canonical(dict(params or {}))], sort_keys=True,
                         separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    digest = hashlib.sha256(payload.encode("ascii")).digest()
    return tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))


def check_seed(root_seed: int, claim: str, label: str,
               params: Mapping[str, Any] | None = None) -> np.random.SeedSequence:
    """The seed sequence of one check.

    Parameters
    ----------
    root_seed : int
        The suite's root seed (non-negative).
    claim, label, params
        As in :func:`stable_key`.

    Returns
    -------
    numpy.random.SeedSequence
    """
    if isinstance(root_seed, bool) or not isinstance(root_seed, (int, np.integer)) or root_seed < 0:
        raise ValueError(f"`root_seed` must be a non-negative integer, got {root_seed!r}.")
    return np.random.SeedSequence(int(root_seed), spawn_key=stable_key(claim, label, params))


def block_seed(seed: np.random.SeedSequence, block: int) -> np.random.SeedSequence:
    """Child stream of replication block ``block`` of a check (independent of chunking)."""
    if block < 0:
        raise ValueError(f"`block` must be non-negative, got {block!r}.")
    return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (int(block),))


#: The Generator class every stream is built with; :mod:`claimkit.costs` swaps in a counting
#: subclass (same numbers) while it measures the variates a run draws.
_GENERATOR_CLASS: type[np.random.Generator] = np.random.Generator


def make_generator(seed: np.random.SeedSequence) -> np.random.Generator:
    """A PCG64 generator on ``seed`` -- the one constructor of every stream of a run."""
    return _GENERATOR_CLASS(np.random.PCG64(seed))


def block_rng(seed: np.random.SeedSequence, block: int) -> np.random.Generator:
    """A PCG64 generator for replication block ``block`` of a check."""
    return make_generator(block_seed(seed, block))


def seed_record(seed: np.random.SeedSequence) -> dict:
    """JSON-safe description of a seed sequence, as stored in evidence records."""
    return {"entropy": int(seed.entropy), "spawn_key": [int(k) for k in seed.spawn_key],
            "block_size": BLOCK_SIZE}
