"""What a smaller ``--mc-scale`` can save: two cost models of the suite, split by what scales.

Given the cost-model documents (``pytest claims/ --mc-cost-model``) of a run at the standard
scale and one at a smaller scale (smoke), every test of the smaller run falls in one part:

* *few variates*: it draws the same number of variates at both scales, fewer than
  ``mc_variates`` (default 1e5) -- exact identities, library oracles, optimiser runs, the
  documents' code: no replication count to shrink;
* *unscaled Monte Carlo*: the same number of variates at both scales, at least
  ``mc_variates`` -- a check whose design keeps its replications at the smaller scale;
* *scaled*: a different number of variates.

With everything outside the tests (interpreter start, collection, fixtures, the report), the
first part gives ``floor_ratio``: the smaller run's CPU over the standard run's if every Monte
Carlo check cost nothing -- no design of the Monte Carlo checks (fewer replications,
sequential looks) goes below it. Adding the unscaled Monte Carlo tests gives ``fixed_ratio``,
the least reachable by shrinking only the checks that scale already.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["MC_VARIATES", "ScaleSplit", "check_threshold", "cost_model_tests", "draws_part", "split_by_scaling"]

#: Tests drawing fewer variates than this (at both scales alike) count as not Monte Carlo.
MC_VARIATES: int = 100_000


@dataclass(frozen=True, slots=True)
class ScaleSplit:
    """Two runs' CPU seconds, the smaller one's split by what its tests draw.

    Attributes
    ----------
    standard_cpu, small_cpu : float
        Process CPU seconds of the standard and of the smaller run.
    small_outside_cpu : float
        The smaller run's CPU outside its tests (start-up, collection, fixtures, report).
    small_few_variates_cpu : float
        Its tests that draw fewer than ``mc_variates`` variates, as many as at standard.
    small_unscaled_mc_cpu : float
        Its tests that draw at least ``mc_variates`` variates, as many as at standard.
    small_scaled_cpu, standard_scaled_cpu : float
        CPU seconds of the tests whose variate count differs, in each run.
    few_variates_tests, unscaled_mc_tests, scaled_tests : int
        How many tests fall in each part.
    mc_variates : int
        The threshold used.
    modules : dict
        Per claim module: ``tests``, ``few_variates_tests``, ``unscaled_mc_tests``,
        ``standard_cpu``, ``small_cpu``.
    """

    standard_cpu: float
    small_cpu: float
    small_outside_cpu: float
    small_few_variates_cpu: float
    small_unscaled_mc_cpu: float
    small_scaled_cpu: float
    standard_scaled_cpu: float
    few_variates_tests: int
    unscaled_mc_tests: int
    scaled_tests: int
    mc_variates: int
    modules: dict[str, dict[str, float | int]]

    @property
    def ratio(self) -> float:
        """Smaller run's CPU / standard run's CPU."""
        return self.small_cpu / self.standard_cpu

    @property
    def floor_ratio(self) -> float:
        """(Outside the tests + few-variate tests) / standard CPU: the least ``ratio`` any
        design of the Monte Carlo checks can reach."""
        return (self.small_outside_cpu + self.small_few_variates_cpu) / self.standard_cpu

    @property
    def fixed_ratio(self) -> float:
        """:attr:`floor_ratio` plus the unscaled Monte Carlo tests: the least ``ratio``
        reachable by shrinking only the tests that scale already."""
        return self.floor_ratio + self.small_unscaled_mc_cpu / self.standard_cpu

    def as_record(self) -> dict[str, Any]:
        """Every field and every ratio, as stored in a benchmark's ``extra_info`` (JSON)."""
        return {**asdict(self), "ratio": self.ratio, "floor_ratio": self.floor_ratio,
                "fixed_ratio": self.fixed_ratio, "scaled_ratio": self.scaled_ratio}

    @property
    def scaled_ratio(self) -> float:
        """Scaled tests' CPU, smaller run / standard run (NaN when no test scales)."""
        if self.standard_scaled_cpu <= 0:
            return math.nan
        return self.small_scaled_cpu / self.standard_scaled_cpu


def draws_part(variates: int, mc_variates: int) -> str:
    """``"few"`` for a test that draws fewer than ``mc_variates`` variates, else ``"mc"``."""
    return "few" if variates < mc_variates else "mc"


def check_threshold(mc_variates: object) -> int:
    """``mc_variates`` if it is a positive integer; else a ValueError naming it."""
    if isinstance(mc_variates, bool) or not isinstance(mc_variates, int) or mc_variates < 1:
        raise ValueError(f"`mc_variates` must be a positive integer, got {mc_variates!r}.")
    return mc_variates


def cost_model_tests(doc: Any, name: str
                     ) -> tuple[Mapping[str, Mapping[str, Any]], float, float]:
    """A cost-model document's tests, process CPU seconds and CPU seconds inside the tests.

    Every test must give its CPU seconds, variates and floor seconds.

    Raises
    ------
    ValueError
        Naming ``name``, if ``doc`` is not a cost model with at least one test and a positive
        process CPU time.
    """
    try:
        tests, total = doc["tests"], doc["total"]
        process, in_tests = float(total["process_cpu_seconds"]), float(total["test_cpu_seconds"])
        for t in tests.values():
            float(t["cpu_seconds"]), int(t["variates"]), float(t["floor_seconds"])
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise ValueError(f"`{name}` must be a cost-model document (keys 'tests' and 'total' "
                         f"with CPU seconds, variates and floor seconds): {exc!r}") from exc
    if not tests or not process > 0:
        raise ValueError(f"`{name}` must hold at least one test and a positive process CPU "
                         "time.")
    return tests, process, in_tests


def split_by_scaling(standard: Mapping[str, Any], small: Mapping[str, Any], *,
                     mc_variates: int = MC_VARIATES) -> ScaleSplit:
    """Split the smaller run's CPU time by what its tests draw at both scales.

    Parameters
    ----------
    standard, small : mapping
        Cost-model documents (``--mc-cost-model``) of the same suite at the standard and at a
        smaller scale; both must have run the same tests.
    mc_variates : int, optional
        A test that draws at least this many variates is a Monte Carlo test (> 0).

    Returns
    -------
    ScaleSplit

    Raises
    ------
    ValueError
        If a document is not a cost model, the two ran different tests, or ``mc_variates``
        is not a positive integer.
    """
    mc_variates = check_threshold(mc_variates)
    big_tests, big_cpu, _ = cost_model_tests(standard, "standard")
    small_tests, small_cpu, small_in_tests = cost_model_tests(small, "small")
    if set(big_tests) != set(small_tests):
        only = sorted(set(big_tests) ^ set(small_tests))
        raise ValueError(f"`small` must have run the tests of `standard`; {len(only)} differ, "
                         f"e.g. {only[0]}.")
    cpu = {"few": 0.0, "mc": 0.0, "scaled": 0.0}
    count = {"few": 0, "mc": 0, "scaled": 0}
    big_scaled = 0.0
    modules: dict[str, dict[str, float | int]] = {}
    for node in sorted(big_tests):
        big, sm = big_tests[node], small_tests[node]
        variates = int(big["variates"])
        if variates != int(sm["variates"]):
            part = "scaled"
            big_scaled += float(big["cpu_seconds"])
        else:
            part = draws_part(variates, mc_variates)
        cpu[part] += float(sm["cpu_seconds"])
        count[part] += 1
        m = modules.setdefault(node.split("::")[0], {
            "tests": 0, "few_variates_tests": 0, "unscaled_mc_tests": 0,
            "standard_cpu": 0.0, "small_cpu": 0.0})
        m["tests"] += 1
        m["few_variates_tests"] += part == "few"
        m["unscaled_mc_tests"] += part == "mc"
        m["standard_cpu"] += float(big["cpu_seconds"])
        m["small_cpu"] += float(sm["cpu_seconds"])
    return ScaleSplit(standard_cpu=big_cpu, small_cpu=small_cpu,
                      small_outside_cpu=small_cpu - small_in_tests,
                      small_few_variates_cpu=cpu["few"], small_unscaled_mc_cpu=cpu["mc"],
                      small_scaled_cpu=cpu["scaled"], standard_scaled_cpu=big_scaled,
                      few_variates_tests=count["few"], unscaled_mc_tests=count["mc"],
                      scaled_tests=count["scaled"], mc_variates=mc_variates, modules=modules)
