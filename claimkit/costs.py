"""The cost model: how many random variates a run draws, and what drawing them alone costs.

A Monte Carlo suite cannot be cheaper than generating its random numbers. This module
measures that floor for a run of the suite: while :func:`counting` is active every stream
of the run (:func:`claimkit.seeding.make_generator`) is a :class:`CountingGenerator`, a
``numpy.random.Generator`` that draws exactly the same numbers and logs every draw (method,
arguments, number of variates). :meth:`DrawLog.replay` then repeats the logged calls on a
fresh generator and times them: the CPU seconds that generating those variates takes on this
machine, with nothing else. ``cpu / floor`` is the suite's cost as a multiple of the floor.

Draws a test makes outside the suite's streams (a document's own unseeded
``np.random.normal``, a library's internal generator) are not counted: the floor is that of
the suite's own Monte Carlo.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from claimkit import seeding

__all__ = ["CountingGenerator", "DrawLog", "counting"]

#: Generator methods that draw variates (everything else -- ``spawn``, ``bit_generator`` --
#: passes through uncounted).
DRAW_METHODS: tuple[str, ...] = (
    "beta", "binomial", "chisquare", "choice", "dirichlet", "exponential", "f", "gamma",
    "geometric", "gumbel", "hypergeometric", "integers", "laplace", "logistic", "lognormal",
    "logseries", "multinomial", "multivariate_hypergeometric", "multivariate_normal",
    "negative_binomial", "noncentral_chisquare", "noncentral_f", "normal", "pareto",
    "permutation", "permuted", "poisson", "power", "random", "rayleigh", "shuffle",
    "standard_cauchy", "standard_exponential", "standard_gamma", "standard_normal",
    "standard_t", "triangular", "uniform", "vonmises", "wald", "weibull", "zipf",
)


@dataclass
class DrawLog:
    """Logged draws: ``calls`` (method, args, kwargs) and variates per method."""

    calls: list[tuple[str, tuple, dict]] = field(default_factory=list)
    variates: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Variates drawn, all methods."""
        return int(sum(self.variates.values()))

    def add(self, method: str, args: tuple, kwargs: dict, out: Any) -> None:
        self.calls.append((method, args, kwargs))
        count = int(np.size(out)) if out is not None else int(np.size(args[0]) if args else 0)
        self.variates[method] = self.variates.get(method, 0) + count

    def replay(self, seed: int = 0) -> float:
        """CPU seconds to repeat every logged call on a fresh PCG64 generator (the floor)."""
        rng = np.random.Generator(np.random.PCG64(seed))
        start = time.process_time()
        for method, args, kwargs in self.calls:
            getattr(rng, method)(*args, **kwargs)
        return time.process_time() - start


#: The log the counting generators write to (one per measured section; see :func:`counting`).
_ACTIVE: list[DrawLog] = []


def _counted(method: str):
    base = getattr(np.random.Generator, method)

    def draw(self, *args: Any, **kwargs: Any) -> Any:
        out = base(self, *args, **kwargs)
        if _ACTIVE:
            _ACTIVE[-1].add(method, args, kwargs, out)
        return out

    draw.__name__ = method
    draw.__doc__ = base.__doc__
    return draw


class CountingGenerator(np.random.Generator):
    """A ``numpy.random.Generator`` (same bit generator, same numbers) that logs its draws."""


for _name in DRAW_METHODS:
    if hasattr(np.random.Generator, _name):
        setattr(CountingGenerator, _name, _counted(_name))


@contextlib.contextmanager
def counting(log: DrawLog) -> Iterator[DrawLog]:
    """Within the block, every stream of the suite is a :class:`CountingGenerator` logging to
    ``log``. Nested blocks log to the innermost one."""
    if not isinstance(log, DrawLog):
        raise ValueError(f"`log` must be a DrawLog, got {type(log).__name__}.")
    previous = seeding._GENERATOR_CLASS
    seeding._GENERATOR_CLASS = CountingGenerator
    _ACTIVE.append(log)
    try:
        yield log
    finally:
        _ACTIVE.pop()
        seeding._GENERATOR_CLASS = previous
