"""Interleaved best-of timing and the ratio record every benchmark stores in ``extra_info``.

On a shared machine the minimum over repetitions is the least noisy estimate of a function's
cost (Python ``timeit`` documentation); alternating baseline and candidate inside each
repetition exposes both to the same background load, and repeating a fast function within a
round (``min_round_seconds``, like ``timeit``'s autorange) gives it as long a measurement as
a slow one.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

__all__ = ["Ratio", "best_times", "record_ratio"]


def best_times(fns: Mapping[str, Callable[[], Any]], repeat: int = 5,
               min_round_seconds: float = 0.0) -> dict[str, float]:
    """Best per-call wall time of each function over ``repeat`` interleaved rounds.

    Parameters
    ----------
    fns : mapping of str to callable
        Functions without arguments, timed in mapping order within every round.
    repeat : int, optional
        Rounds, ``>= 1``.
    min_round_seconds : float, optional
        As ``timeit``'s autorange: a function that runs faster is called ``k`` times per round
        (``k`` from one calibration call, so that a round takes at least this long) and its
        round time is the mean of those calls. A short function then gets as many seconds of
        measurement per round as a long one, so one scheduler hiccup cannot dominate its
        estimate. The default 0 calls every function once per round.

    Returns
    -------
    dict of str to float
        Best seconds per call, per function.
    """
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"`repeat` must be a positive integer, got {repeat!r}.")
    if not fns:
        raise ValueError("`fns` must hold at least one function.")
    if not (isinstance(min_round_seconds, (int, float)) and 0 <= min_round_seconds < math.inf):
        raise ValueError(f"`min_round_seconds` must be a finite number >= 0, got "
                         f"{min_round_seconds!r}.")
    calls = {name: _calls_per_round(fn, min_round_seconds) for name, fn in fns.items()}
    best = {name: math.inf for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(calls[name]):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / calls[name])
    return best


def _calls_per_round(fn: Callable[[], Any], min_round_seconds: float) -> int:
    """Calls of ``fn`` that take at least ``min_round_seconds`` (one timed calibration call)."""
    if min_round_seconds <= 0:
        return 1
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-9)
    return max(1, math.ceil(min_round_seconds / once))


@dataclass(frozen=True, slots=True)
class Ratio:
    """A speed ratio ``baseline_seconds / candidate_seconds`` against its target.

    Attributes
    ----------
    metric : str
        What the ratio means, e.g. ``"throughput vs drawing alone"``.
    candidate, baseline : str
        What was timed.
    candidate_seconds, baseline_seconds : float
        Best times of the same work.
    ratio : float
        ``baseline_seconds / candidate_seconds`` (larger is better for the candidate).
    target : float
        The performance contract's threshold.
    meets_target : bool
        ``ratio >= target``.
    """

    metric: str
    candidate: str
    baseline: str
    candidate_seconds: float
    baseline_seconds: float
    ratio: float
    target: float
    meets_target: bool


def record_ratio(benchmark: Any, *, metric: str, candidate: str, baseline: str,
                 times: Mapping[str, float], target: float, **extra: Any) -> Ratio:
    """Compute the ratio from ``times`` (keys ``candidate``, ``baseline``) and store it.

    The ratio and every keyword in ``extra`` go to ``benchmark.extra_info`` (and so into
    ``--benchmark-json``); nothing is asserted about time.
    """
    c, b = float(times["candidate"]), float(times["baseline"])
    if not (c > 0 and b > 0):
        raise ValueError("`times` must hold positive 'candidate' and 'baseline' seconds.")
    ratio = Ratio(metric, candidate, baseline, c, b, b / c, float(target), b / c >= target)
    benchmark.extra_info.update(asdict(ratio))
    benchmark.extra_info.update(extra)
    return ratio
