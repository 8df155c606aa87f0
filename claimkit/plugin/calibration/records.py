"""Frozen records of a calibration summary (the ``calibration`` section of ``results.json``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from claimkit.plugin.calibration.rates import Rate
from claimkit.plugin.calibration.seeds import SEED_DERIVATION
from claimkit.evidence import json_safe


@dataclass(frozen=True, slots=True)
class CheckCalibration:
    """How one check behaved over the calibration repetitions.

    Attributes
    ----------
    test, claim, name, params, role, kind, alpha
        Identify the check as in ``results.json``.
    expected : str
        Outcome its role expects.
    measure : {'false-failure', 'power', 'deterministic'}
        What ``rate`` estimates: the false-failure rate (stochastic, expected pass), the
        rejection rate (stochastic, expected fail) or the as-expected rate (exact checks).
    outcomes : dict
        Counts of ``pass``, ``fail``, ``inconclusive`` over the repetitions.
    sequence : str
        The outcome of every repetition in seed order: ``p``, ``f``, ``i``; ``-`` where the
        repetition did not record the check; ``=`` where it was not rerun because the test
        drew no random stream (``seed_free``).
    seed_free : bool
        The test used no ``mc.rng``/``mc.seed``/``mc.simulate`` stream: it ran once, since
        its outcome cannot depend on the root seed.
    baseline : str or None
        Outcome in the normal run (not counted in ``outcomes``).
    rate : Rate
        The estimate with its interval.
    reference : float
        What ``rate`` is compared with: alpha, :data:`POWER`, or 1.
    consistent : bool
        False-failure: interval's lower end <= alpha. Power: upper end >= POWER.
        Deterministic: the same outcome on every seed (baseline included).
    """

    test: str
    claim: str | None
    name: str
    params: dict
    role: str
    kind: str
    alpha: float
    expected: str
    measure: str
    outcomes: dict
    sequence: str
    seed_free: bool
    baseline: str | None
    rate: Rate
    reference: float
    consistent: bool


#: Probability with which a calibration "detects" a rate (see :func:`detectable_rate`).
DETECTION_PROBABILITY: float = 0.95


def detectable_rate(trials: int, probability: float = DETECTION_PROBABILITY) -> float:
    """The smallest event rate that ``trials`` independent trials show at least once with
    ``probability``: ``1 - (1 - probability)^(1/trials)`` (about ``3 / trials`` at 95 %).

    A calibration that sees no false failure is *consistent* with α -- not rejected; it shows
    only that the false-failure rate is unlikely to be above this value, which for any
    affordable number of seeds is far above α = 1e-6.
    """
    if isinstance(trials, bool) or int(trials) != trials or trials < 1:
        raise ValueError(f"`trials` must be a positive integer, got {trials!r}.")
    if not 0 < probability < 1:
        raise ValueError(f"`probability` must lie in (0, 1), got {probability!r}.")
    return float(-np.expm1(np.log1p(-probability) / int(trials)))


@dataclass(frozen=True, slots=True)
class PooledRate:
    """A rate pooled over checks (or runs), against its reference value.

    Attributes
    ----------
    checks : int
        Checks pooled (repetitions, for the family-wise rate).
    rate : Rate or None
        Pooled events over pooled trials (None when nothing was pooled).
    reference : float
        Alpha (mean over checks), :data:`POWER`, or the alpha spent per run.
    consistent : bool
        See :class:`CheckCalibration`; True when nothing was pooled.
    inconclusive : int
        Inconclusive outcomes among the trials (false-failure and power only).
    """

    checks: int
    rate: Rate | None
    reference: float
    consistent: bool
    inconclusive: int = 0


@dataclass(frozen=True, slots=True)
class RepError:
    """A repetition of a test that raised, was skipped, or recorded no check."""

    test: str
    seed: int
    status: str
    message: str


@dataclass(frozen=True, slots=True)
class Calibration:
    """Summary of a calibration run (the ``calibration`` section of ``results.json``).

    Attributes
    ----------
    repetitions : int
        K.
    root_seed : int
        The run's root seed, from which the K seeds are derived.
    seeds : tuple of int
        The derived root seeds (repetition ``i`` = ``--mc-seed seeds[i]``).
    level : float
        Level of every interval.
    power_target : float
        :data:`claimkit.decisions.POWER`.
    seconds : float
        Wall time spent in repetitions (all tests, all processes).
    false_failure, power, exact, family : PooledRate
        Pooled summaries (``exact``: deterministic checks, rate = as-expected outcomes).
    checks : tuple of CheckCalibration
        Per check.
    errors : tuple of RepError
        Repetitions that did not complete.
    """

    repetitions: int
    root_seed: int
    seeds: tuple[int, ...]
    level: float
    power_target: float
    seconds: float
    false_failure: PooledRate
    power: PooledRate
    exact: PooledRate
    family: PooledRate
    checks: tuple[CheckCalibration, ...]
    errors: tuple[RepError, ...]

    @property
    def consistent(self) -> bool:
        """Every check and every pooled rate is consistent with its reference, no rep errors."""
        return (not self.errors and all(c.consistent for c in self.checks)
                and all(p.consistent for p in (self.false_failure, self.power, self.exact,
                                                self.family)))

    def detectable(self) -> dict:
        """What "consistent" can and cannot show: the smallest false-failure rate each
        measure would reveal with :data:`DETECTION_PROBABILITY` (:func:`detectable_rate`)."""
        pooled = self.false_failure.rate.trials if self.false_failure.rate else 0
        alpha = self.false_failure.reference
        per_check = detectable_rate(self.repetitions)
        return {"probability": DETECTION_PROBABILITY, "per_check": per_check,
                "per_check_over_alpha": per_check / alpha if alpha > 0 else None,
                "pooled": detectable_rate(pooled) if pooled else None}

    def to_json(self) -> dict:
        """Strict-JSON form, as stored under ``calibration`` in ``results.json``."""
        doc = asdict(self)
        doc["seed_derivation"] = SEED_DERIVATION
        doc["consistent"] = self.consistent
        doc["detectable"] = self.detectable()
        return json_safe(doc)
