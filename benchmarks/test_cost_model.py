"""The cost model: the claims suite's CPU time as a multiple of its variate floor.

One serial run of ``pytest claims/ --mc-cost-model`` in a subprocess (same scale, seed and
options as the README's main command, without xdist): the plugin counts the variates every
claim module draws from the suite's streams, replays them alone to time their generation
(the floor), and measures each module's CPU time and the whole process's
(:mod:`claimkit.plugin.costs`). Both are measured in that one run. ``ratio = floor / CPU`` is
the share of the suite's time that is random-number generation; the performance contract is
CPU <= 2x floor, i.e. ratio >= 0.5. Per-module multiples go to ``extra_info["modules"]``;
:mod:`benchmarks.floor_split` adds the multiple of their own draws at which the Monte Carlo
tests would have to run to meet the contract, given what the rest of the run costs.

The same measurement at ``--mc-scale smoke`` gives the smoke scale's CPU against standard's
(contract: at most a third), split by :mod:`benchmarks.scale_split` into what no design of the
Monte Carlo checks can shrink (everything outside the tests, the tests that draw few
variates), the Monte Carlo tests smoke keeps at their standard size, and those it shrinks.
Each scale's run is made once per benchmark session and shared.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path

from benchmarks.floor_split import split_by_draws
from benchmarks.scale_split import split_by_scaling
from benchmarks.suite_time import run_suite
from benchmarks.timing import record_ratio

#: CPU <= MULTIPLE_TARGET x floor, i.e. floor / CPU >= TARGET.
MULTIPLE_TARGET: float = 2.0
TARGET: float = 1.0 / MULTIPLE_TARGET
#: Smoke CPU <= standard CPU / 3.
SMOKE_TARGET: float = 3.0


@functools.cache
def _cost_model_once(scale: str) -> str:
    """:func:`run_cost_model` once per scale and session, as JSON text (callers get a copy)."""
    return json.dumps(run_cost_model(scale))


def run_cost_model(scale: str = "standard") -> dict:
    """Run the claims suite serially with ``--mc-cost-model`` and return its document."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cost.json"
        run = run_suite(scale, "-p", "no:xdist", "--mc-cost-model", str(path))
        if run["exit_code"] != 0 or not path.exists():
            raise RuntimeError(f"claims run failed: exit {run['exit_code']}, "
                               f"tests {run['tests']}")
        return json.loads(path.read_text())


def test_suite_cpu_against_variate_floor(benchmark):
    """Whole claims suite, serial: CPU seconds against the seconds its variates cost alone."""
    scale = os.environ.get("CLAIMS_COST_SCALE", "standard")
    benchmark.group = "cost model"
    doc = benchmark.pedantic(lambda: json.loads(_cost_model_once(scale)), rounds=1,
                             iterations=1)
    total = doc["total"]
    record_ratio(benchmark, metric="variate floor / suite CPU (cost model)",
                 candidate=f"pytest claims/ (serial, {scale}): CPU s",
                 baseline="generating the same variates alone: CPU s",
                 times={"candidate": total["process_cpu_seconds"],
                        "baseline": total["floor_seconds"]},
                 target=TARGET, scale=scale, cost_model=doc,
                 floor_split=split_by_draws(doc).as_record(MULTIPLE_TARGET))
    assert total["variates"] > 0 and total["floor_seconds"] > 0


def test_smoke_cpu_against_standard(benchmark):
    """Serial smoke run's CPU against the standard run's, split by what the scale changes."""
    benchmark.group = "cost model"
    smoke = benchmark.pedantic(lambda: json.loads(_cost_model_once("smoke")), rounds=1,
                               iterations=1)
    split = split_by_scaling(json.loads(_cost_model_once("standard")), smoke)
    record_ratio(benchmark, metric="standard CPU / smoke CPU (cost model, serial)",
                 candidate="pytest claims/ --mc-scale smoke: CPU s",
                 baseline="pytest claims/ (standard): CPU s",
                 times={"candidate": split.small_cpu, "baseline": split.standard_cpu},
                 target=SMOKE_TARGET, scale_split=split.as_record())
    assert (split.few_variates_tests + split.unscaled_mc_tests + split.scaled_tests
            == len(smoke["tests"]))
