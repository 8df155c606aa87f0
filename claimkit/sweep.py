"""Grid-over-n experiments: one Monte Carlo run per grid point, kept together.

A limit claim ("→ as n grows") is decided over a grid of sample sizes, never at one n. A
:class:`Sweep` holds the run of every grid point -- statistics, replication count, the seed
record and wall time of each -- so that one check can cite all of them
(``mc.record(..., evidence=sweep)`` stores every point's seed and the summed time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from claimkit.engine import Kernel, MonteCarloResult

__all__ = ["Sweep", "run_sweep"]


@dataclass(frozen=True)
class Sweep:
    """The Monte Carlo runs of one experiment over a grid.

    Attributes
    ----------
    param : str
        Name of the grid parameter (e.g. ``"n"``); it keys each point's stream.
    grid : tuple
        Grid values, in order.
    runs : tuple of MonteCarloResult
        One run per grid value.
    """

    param: str
    grid: tuple[Any, ...]
    runs: tuple[MonteCarloResult, ...]

    def __post_init__(self) -> None:
        if len(self.grid) != len(self.runs) or not self.grid:
            raise ValueError("`runs` must hold one run per value of a non-empty `grid`.")

    def __getitem__(self, value: Any) -> MonteCarloResult:
        """The run at grid value ``value`` (not a position)."""
        try:
            return self.runs[self.grid.index(value)]
        except ValueError:
            raise KeyError(f"{value!r} is not on the grid {self.grid}") from None

    def __iter__(self) -> Iterator[tuple[Any, MonteCarloResult]]:
        return iter(zip(self.grid, self.runs))

    def __len__(self) -> int:
        return len(self.grid)

    @property
    def last(self) -> MonteCarloResult:
        """The run at the largest grid value (the last one)."""
        return self.runs[-1]

    @property
    def n_reps(self) -> list[int]:
        """Replications per grid point."""
        return [r.n_reps for r in self.runs]

    @property
    def seconds(self) -> float:
        """Summed wall time of every grid point."""
        return float(sum(r.seconds for r in self.runs))

    @property
    def seed(self) -> dict:
        """Seed record citing every grid point: ``{"sweep": param, "points": [...]}``, each
        point the run's seed record with its grid value."""
        return {"sweep": self.param,
                "points": [{self.param: _json_value(v), **r.seed} for v, r in self]}

    def stats(self, value: Any) -> np.ndarray:
        """Per-replication statistics at grid value ``value``."""
        return self[value].stats


def _json_value(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def run_sweep(simulate: Callable[..., MonteCarloResult], label: str, grid: Sequence[Any],
              kernel_for: Callable[[Any], Kernel], reps: int | Callable[[Any], int], *,
              param: str = "n", **options: Any) -> Sweep:
    """Run ``kernel_for(value)`` at every grid value on its own stream.

    Parameters
    ----------
    simulate : callable
        ``simulate(label, kernel, reps, **options, **{param: value})``, e.g. the ``mc``
        fixture's :meth:`~claimkit.ClaimRun.simulate`; the grid value keys the stream, so a
        point's numbers do not depend on the rest of the grid.
    label : str
        Name of the experiment's streams.
    grid : sequence
        Grid values (non-empty, distinct).
    kernel_for : callable
        Grid value -> kernel ``kernel(rng, size)``.
    reps : int or callable
        Replications per point, or grid value -> replications.
    param : str, optional
        Name of the grid parameter (default ``"n"``).
    **options
        Passed to ``simulate`` (e.g. ``min_reps``).

    Returns
    -------
    Sweep

    Raises
    ------
    ValueError
        If ``grid`` is empty or repeats a value, or ``param`` is not an identifier.
    """
    values = tuple(grid)
    if not values:
        raise ValueError("`grid` must not be empty.")
    if len(set(values)) != len(values):
        raise ValueError(f"`grid` must not repeat a value, got {values}.")
    if not isinstance(param, str) or not param.isidentifier():
        raise ValueError(f"`param` must be an identifier, got {param!r}.")
    runs = tuple(simulate(label, kernel_for(v), reps(v) if callable(reps) else reps,
                          **options, **{param: v}) for v in values)
    return Sweep(param=param, grid=values, runs=runs)
