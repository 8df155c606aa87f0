"""benchmarks.floor_split: one cost model's time against its floor, split by what tests draw."""

from __future__ import annotations

import dataclasses
import json

import pytest

from benchmarks.floor_split import split_by_draws
from benchmarks.report import render
from benchmarks.scale_split import MC_VARIATES

BIG = 10 * MC_VARIATES


def _doc(tests: dict[str, tuple[float, float, int]], outside: float) -> dict:
    """A cost model: node id -> (CPU seconds, floor seconds, variates); ``outside`` the rest."""
    in_tests = sum(cpu for cpu, _, _ in tests.values())
    return {"tests": {k: {"cpu_seconds": cpu, "floor_seconds": floor, "variates": v,
                          "variates_by_method": {}} for k, (cpu, floor, v) in tests.items()},
            "total": {"process_cpu_seconds": in_tests + outside, "test_cpu_seconds": in_tests,
                      "floor_seconds": sum(f for _, f, _ in tests.values())}}


RUN = _doc({"claims/a.py::exact": (3.0, 0.0, 0), "claims/a.py::oracle": (1.0, 0.5, 50),
            "claims/b.py::mc": (12.0, 5.0, BIG), "claims/b.py::edge": (4.0, 2.5, MC_VARIATES)},
           outside=2.0)


def test_split_puts_every_test_in_one_part():
    split = split_by_draws(RUN)
    assert (split.few_variates_tests, split.mc_tests) == (2, 2)
    assert split.cpu == 22.0 and split.floor == 8.0 and split.outside_cpu == 2.0
    assert (split.few_variates_cpu, split.few_variates_floor) == (4.0, 0.5)
    assert (split.mc_cpu, split.mc_floor) == (16.0, 7.5)  # exactly at the threshold: MC
    assert split.multiple == 22.0 / 8.0
    assert split.mc_multiple == 16.0 / 7.5
    assert split.least_multiple == (2.0 + 4.0 + 7.5) / 8.0
    # 2 x 8 = 16 CPU-s allowed; 6 go outside the Monte Carlo tests, 10 remain for 7.5 of draws.
    assert split.required_mc_multiple(2.0) == pytest.approx(10.0 / 7.5)
    assert split.required_mc_multiple(4) == pytest.approx(26.0 / 7.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        split.cpu = 0.0
    record = json.loads(json.dumps(split.as_record(2.0)))
    assert record["least_multiple"] == split.least_multiple
    assert record["required_mc_multiple"] == split.required_mc_multiple(2.0)
    assert record["target"] == 2.0 and record["mc_variates"] == MC_VARIATES


def test_threshold_moves_tests_between_parts():
    split = split_by_draws(RUN, mc_variates=MC_VARIATES + 1)
    assert (split.few_variates_tests, split.mc_tests) == (3, 1)
    assert split.few_variates_floor == 3.0 and split.mc_floor == 5.0


def test_the_figures_agree_with_the_cost_model_they_split():
    """Meeting the target exactly: a run whose Monte Carlo tests run at the required multiple
    costs the target's multiple of its floor."""
    split = split_by_draws(RUN)
    need = split.required_mc_multiple(3.0)
    faster = _doc({"claims/a.py::exact": (3.0, 0.0, 0), "claims/a.py::oracle": (1.0, 0.5, 50),
                   "claims/b.py::mc": (need * 5.0, 5.0, BIG),
                   "claims/b.py::edge": (need * 2.5, 2.5, MC_VARIATES)}, outside=2.0)
    assert split_by_draws(faster).multiple == pytest.approx(3.0)


@pytest.mark.parametrize("bad", [
    {"tests": {}}, [],
    _doc({"claims/a.py::x": (1.0, 0.0, 0)}, outside=0.0) | {"total": {
        "process_cpu_seconds": 0.0, "test_cpu_seconds": 0.0}},
    {"tests": {"x": {"cpu_seconds": 1.0, "variates": BIG}},
     "total": {"process_cpu_seconds": 1.0, "test_cpu_seconds": 1.0}},
    _doc({"claims/a.py::exact": (3.0, 0.0, 0)}, outside=1.0),
])
def test_not_a_cost_model_with_monte_carlo_tests_names_the_parameter(bad):
    with pytest.raises(ValueError, match="`doc`"):
        split_by_draws(bad)


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "100"])
def test_threshold_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="`mc_variates`"):
        split_by_draws(RUN, mc_variates=bad)


@pytest.mark.parametrize("bad", [0, -2.0, True, "2", float("nan")])
def test_target_must_be_positive(bad):
    with pytest.raises(ValueError, match="`target`"):
        split_by_draws(RUN).required_mc_multiple(bad)


def _report(target: float) -> str:
    extra = {"metric": "variate floor / suite CPU (cost model)", "candidate": "suite",
             "baseline": "floor", "ratio": 8.0 / 22.0, "target": 1.0 / target,
             "meets_target": False, "scale": "standard", "cost_model": {
                 "total": {"variates": 3.0e6, "floor_seconds": 8.0, "process_cpu_seconds": 22.0,
                           "multiple": 2.75, "test_cpu_seconds": 20.0, "test_multiple": 2.5},
                 "modules": {}, "tests": RUN["tests"]},
             "floor_split": split_by_draws(RUN).as_record(target)}
    return render({"benchmarks": [{"name": "test_cost", "group": "cost model",
                                   "extra_info": extra}]})


def test_report_shows_the_split_and_what_the_target_asks():
    text = _report(2.0)
    assert "| outside the tests (start-up, collection, fixtures, report) | — | 2 | 0 | — |" \
        in text
    assert "| 2 | 4 | 0.5 | — |" in text
    assert "| Monte Carlo tests | 2 | 16 | 7.5 | 2.13 |" in text
    assert ("If every Monte Carlo test cost just its draws, the run would be **1.69×** its "
            "floor; to meet 2×, the Monte Carlo tests would have to run at **1.33×** their own "
            "draws (they run at 2.13×).") in text


def test_report_says_when_no_kernel_can_meet_the_target():
    text = _report(1.5)  # 12 CPU-s allowed: 6 outside the Monte Carlo tests, 6 < 7.5 of draws
    assert ("to meet 1.5×, the rest of the run leaves less than the Monte Carlo tests' draws: "
            "no kernel can meet it.") in text
