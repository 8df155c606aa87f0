"""The Monte Carlo runner: replications vectorised along a leading axis, processed in chunks.

A *kernel* turns a generator and a number of replications into per-replication statistics.
It is either a plain callable ``kernel(rng, size) -> array`` (leading axis ``size``) or an
object with ``draw(rng, size)`` and ``statistic(data)`` (see :class:`SplitKernel`).

Randomness *and arithmetic* are attached to fixed-size blocks
(:data:`claimkit.seeding.BLOCK_SIZE`), memory and dispatch to chunks (a whole number of
blocks): every kernel call sees exactly one block, so the result is identical to the last bit
for every ``chunk_reps`` -- also for iterative batched estimators whose iteration count, and
with it their rounding, would depend on which replications share a batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from claimkit.seeding import BLOCK_SIZE, block_rng, seed_record

#: Default replications per chunk: memory is O(chunk_reps * n).
DEFAULT_CHUNK_REPS: int = 8 * BLOCK_SIZE


@runtime_checkable
class SplitKernel(Protocol):
    """A kernel whose random draw and statistic are separate, so a chunk is one vector op."""

    def draw(self, rng: np.random.Generator, size: int) -> Any:
        """Random data for ``size`` replications: an array or tuple of arrays, leading axis size."""

    def statistic(self, data: Any) -> np.ndarray:
        """Per-replication statistics from ``draw``'s output (leading axis = replications)."""


Kernel = Callable[[np.random.Generator, int], np.ndarray] | SplitKernel
#: ``backend(fn, tasks) -> results`` maps a chunk function over chunk tasks (local or Dask).
Backend = Callable[[Callable[[Any], np.ndarray], Sequence[Any]], list]


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Per-replication statistics of a Monte Carlo run.

    Attributes
    ----------
    stats : numpy.ndarray
        Statistics, shape ``(n_reps, ...)``; row ``r`` belongs to replication ``r``.
    n_reps : int
        Number of replications.
    seed : dict
        Root entropy and spawn key of the run's stream (see :func:`seed_record`).
    seconds : float
        Wall time of the run.
    chunk_reps : int
        Replications per chunk used (does not affect ``stats``).
    """

    stats: np.ndarray
    n_reps: int
    seed: dict
    seconds: float
    chunk_reps: int


def _block_sizes(n_reps: int) -> list[int]:
    full, rest = divmod(n_reps, BLOCK_SIZE)
    return [BLOCK_SIZE] * full + ([rest] if rest else [])


def run_chunk(kernel: Kernel, seed: np.random.SeedSequence,
              blocks: Sequence[tuple[int, int]]) -> np.ndarray:
    """Statistics of the replication blocks ``blocks`` (pairs ``(block index, size)``), one
    kernel call per block (see the module docstring)."""
    if isinstance(kernel, SplitKernel):
        out = np.concatenate([np.asarray(kernel.statistic(kernel.draw(block_rng(seed, b), size)))
                              for b, size in blocks], axis=0)
    else:
        out = np.concatenate([np.asarray(kernel(block_rng(seed, b), size)) for b, size in blocks],
                             axis=0)
    expected = sum(size for _, size in blocks)
    if out.shape[:1] != (expected,):
        raise ValueError(f"`kernel` must return a leading axis of {expected} replications, "
                         f"got shape {out.shape}.")
    return out


def _local_backend(fn: Callable[[Any], np.ndarray], tasks: Sequence[Any]) -> list:
    return [fn(t) for t in tasks]


def simulate(kernel: Kernel, n_reps: int, seed: np.random.SeedSequence, *,
             chunk_reps: int = DEFAULT_CHUNK_REPS, backend: Backend | None = None,
             progress: Callable[[int, int], None] | None = None,
             reuse: MonteCarloResult | None = None) -> MonteCarloResult:
    """Run ``n_reps`` replications of ``kernel`` in chunks.

    Parameters
    ----------
    kernel : callable or SplitKernel
        ``kernel(rng, size)`` returning statistics with leading axis ``size``, or an object with
        ``draw`` and ``statistic``.
    n_reps : int
        Number of replications, ``>= 1``.
    seed : numpy.random.SeedSequence
        The check's stream (see :func:`claimkit.seeding.check_seed`).
    chunk_reps : int, optional
        Replications per chunk, rounded up to whole blocks; bounds memory, never the numbers.
    backend : callable, optional
        ``backend(fn, tasks)`` evaluating ``fn`` on every chunk task and returning the results in
        order; defaults to a local loop. A Dask backend gives identical numbers.
    progress : callable, optional
        Called as ``progress(done_reps, n_reps)`` after every chunk (local backend only).
    reuse : MonteCarloResult, optional
        An earlier run of the same kernel on the same stream with at most ``n_reps``
        replications: its whole blocks are kept instead of recomputed (every block has its own
        generator, so the numbers are those of a fresh run), and ``seconds`` adds its time.
        For extending a run until a criterion on its replications holds.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> from claimkit.seeding import check_seed
    >>> seed = check_seed(1, "EX-04", "demo")
    >>> res = simulate(lambda rng, size: rng.normal(size=(size, 5)).var(axis=1), 1000, seed)
    >>> res.stats.shape
    (1000,)
    """
    if isinstance(n_reps, bool) or not isinstance(n_reps, (int, np.integer)) or n_reps < 1:
        raise ValueError(f"`n_reps` must be a positive integer, got {n_reps!r}.")
    if isinstance(chunk_reps, bool) or not isinstance(chunk_reps, (int, np.integer)) \
            or chunk_reps < 1:
        raise ValueError(f"`chunk_reps` must be a positive integer, got {chunk_reps!r}.")
    if not isinstance(seed, np.random.SeedSequence):
        raise ValueError("`seed` must be a numpy.random.SeedSequence.")
    if not (callable(kernel) or isinstance(kernel, SplitKernel)):
        raise ValueError("`kernel` must be callable or have `draw` and `statistic` methods.")
    kept = 0
    if reuse is not None:
        if not isinstance(reuse, MonteCarloResult) or reuse.seed != seed_record(seed) \
                or reuse.n_reps > n_reps:
            raise ValueError("`reuse` must be an earlier result on the same `seed` with at most "
                             "`n_reps` replications.")
        kept = reuse.n_reps // BLOCK_SIZE
    t0 = time.perf_counter()
    blocks = list(enumerate(_block_sizes(int(n_reps))))[kept:]
    per_chunk = max(1, -(-int(chunk_reps) // BLOCK_SIZE))
    tasks = [blocks[i:i + per_chunk] for i in range(0, len(blocks), per_chunk)]

    def fn(task: Sequence[tuple[int, int]]) -> np.ndarray:
        return run_chunk(kernel, seed, task)

    parts: list = [reuse.stats[:kept * BLOCK_SIZE]] if kept else []
    if backend is None:
        done = kept * BLOCK_SIZE
        for task in tasks:
            parts.append(fn(task))
            done += sum(size for _, size in task)
            if progress is not None:
                progress(done, int(n_reps))
    elif tasks:
        parts += list(backend(fn, tasks))
    stats = np.concatenate(parts, axis=0)
    seconds = time.perf_counter() - t0 + (reuse.seconds if reuse is not None else 0.0)
    return MonteCarloResult(stats=stats, n_reps=int(n_reps), seed=seed_record(seed),
                            seconds=seconds, chunk_reps=per_chunk * BLOCK_SIZE)
