"""What faster Monte Carlo kernels can save: one cost model split by what its tests draw.

The cost model (``pytest claims/ --mc-cost-model``) measures the suite's CPU seconds against
its *floor*, the seconds its variates cost to generate alone, and the contract asks for at most
``target`` (2) times the floor. Every test of the run falls in one part (the threshold of
:mod:`benchmarks.scale_split`):

* *few variates*: it draws fewer than ``mc_variates`` variates -- exact identities, library
  oracles, optimiser runs, the documents' code: its time is not a multiple of any draws;
* *Monte Carlo*: the rest, whose time is its draws plus the estimators and rules applied to
  them.

With everything outside the tests (interpreter start, collection, fixtures, the report), the
first part is what no kernel can remove. Two figures follow from one run:

* ``least_multiple`` -- the run's multiple of its floor if every Monte Carlo test cost no
  more than its own draws: no faster estimator goes below it;
* ``required_mc_multiple(target)`` -- the multiple of their own draws at which the Monte Carlo
  tests would have to run for the whole run to meet ``target`` (``<= 1``: not even draws
  alone fit; ``<= 0``: the rest alone exceeds the target).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.scale_split import (
    MC_VARIATES,
    check_threshold,
    cost_model_tests,
    draws_part,
)

__all__ = ["FloorSplit", "split_by_draws"]


@dataclass(frozen=True, slots=True)
class FloorSplit:
    """One cost-model run's CPU seconds and floor, split by what its tests draw.

    Attributes
    ----------
    cpu : float
        Process CPU seconds of the run.
    floor : float
        CPU seconds its variates cost to generate alone.
    outside_cpu : float
        CPU outside the tests (start-up, collection, fixtures, report).
    few_variates_cpu, few_variates_floor : float
        CPU and floor of the tests that draw fewer than ``mc_variates`` variates.
    mc_cpu, mc_floor : float
        CPU and floor of the other (Monte Carlo) tests.
    few_variates_tests, mc_tests : int
        How many tests fall in each part.
    mc_variates : int
        The threshold used.
    """

    cpu: float
    floor: float
    outside_cpu: float
    few_variates_cpu: float
    few_variates_floor: float
    mc_cpu: float
    mc_floor: float
    few_variates_tests: int
    mc_tests: int
    mc_variates: int

    @property
    def multiple(self) -> float:
        """The run's CPU over its floor."""
        return self.cpu / self.floor

    @property
    def mc_multiple(self) -> float:
        """The Monte Carlo tests' CPU over their own floor."""
        return self.mc_cpu / self.mc_floor

    @property
    def least_multiple(self) -> float:
        """The run's multiple if every Monte Carlo test cost just its draws: (outside +
        few-variate tests + the Monte Carlo tests' floor) / floor."""
        return (self.outside_cpu + self.few_variates_cpu + self.mc_floor) / self.floor

    def required_mc_multiple(self, target: float) -> float:
        """The multiple of their own floor at which the Monte Carlo tests must run for the
        run to cost ``target`` times its floor: ``(target · floor − outside − few-variate
        tests) / Monte Carlo floor``.

        Parameters
        ----------
        target : float
            The run's allowed multiple of its floor (> 0).
        """
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not target > 0:
            raise ValueError(f"`target` must be a positive number, got {target!r}.")
        return (target * self.floor - self.outside_cpu - self.few_variates_cpu) / self.mc_floor

    def as_record(self, target: float) -> dict[str, Any]:
        """Every field and figure (``required_mc_multiple`` at ``target``), as stored in a
        benchmark's ``extra_info`` (JSON)."""
        return {**asdict(self), "multiple": self.multiple, "mc_multiple": self.mc_multiple,
                "least_multiple": self.least_multiple, "target": float(target),
                "required_mc_multiple": self.required_mc_multiple(target)}


def split_by_draws(doc: Mapping[str, Any], *, mc_variates: int = MC_VARIATES) -> FloorSplit:
    """Split one cost model's CPU time and floor by what its tests draw.

    Parameters
    ----------
    doc : mapping
        A cost-model document (``--mc-cost-model``), with each test's ``floor_seconds``.
    mc_variates : int, optional
        A test that draws at least this many variates is a Monte Carlo test (> 0).

    Returns
    -------
    FloorSplit

    Raises
    ------
    ValueError
        If ``doc`` is not a cost model, no test draws ``mc_variates`` variates or more (no
        Monte Carlo floor to compare with), or ``mc_variates`` is not a positive integer.
    """
    mc_variates = check_threshold(mc_variates)
    tests, cpu, in_tests = cost_model_tests(doc, "doc")
    parts = {"few": [0.0, 0.0, 0], "mc": [0.0, 0.0, 0]}  # CPU, floor, tests
    for t in tests.values():
        part = parts[draws_part(int(t["variates"]), mc_variates)]
        part[0] += float(t["cpu_seconds"])
        part[1] += float(t["floor_seconds"])
        part[2] += 1
    if not parts["mc"][1] > 0:
        raise ValueError(f"`doc` must hold a test drawing at least {mc_variates} variates with "
                         "a positive floor.")
    return FloorSplit(cpu=cpu, floor=parts["few"][1] + parts["mc"][1],
                      outside_cpu=cpu - in_tests,
                      few_variates_cpu=parts["few"][0], few_variates_floor=parts["few"][1],
                      mc_cpu=parts["mc"][0], mc_floor=parts["mc"][1],
                      few_variates_tests=parts["few"][2], mc_tests=parts["mc"][2],
                      mc_variates=mc_variates)
