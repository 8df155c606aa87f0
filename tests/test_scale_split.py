"""benchmarks.scale_split: a smaller scale's CPU split into what it cannot shrink and the rest."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from benchmarks.report import render
from benchmarks.scale_split import MC_VARIATES, split_by_scaling


def _doc(tests: dict[str, tuple[float, int]], outside: float) -> dict:
    """A cost-model document: node id -> (CPU seconds, variates); ``outside`` the rest."""
    in_tests = sum(cpu for cpu, _ in tests.values())
    return {"tests": {k: {"cpu_seconds": cpu, "floor_seconds": 0.0, "variates": v,
                          "variates_by_method": {}} for k, (cpu, v) in tests.items()},
            "total": {"process_cpu_seconds": in_tests + outside, "test_cpu_seconds": in_tests}}


BIG = 10 * MC_VARIATES
STANDARD = _doc({"claims/a.py::exact": (4.0, 0), "claims/a.py::mc": (10.0, BIG),
                 "claims/b.py::oracle": (2.0, 50), "claims/b.py::kept": (3.0, MC_VARIATES),
                 "claims/b.py::mc": (6.0, BIG)}, outside=3.0)
SMOKE = _doc({"claims/a.py::exact": (4.5, 0), "claims/a.py::mc": (2.0, BIG // 8),
              "claims/b.py::oracle": (1.5, 50), "claims/b.py::kept": (2.5, MC_VARIATES),
              "claims/b.py::mc": (1.0, 90)}, outside=2.5)


def test_split_puts_every_test_in_one_part():
    split = split_by_scaling(STANDARD, SMOKE)
    assert (split.few_variates_tests, split.unscaled_mc_tests, split.scaled_tests) == (2, 1, 2)
    assert split.standard_cpu == 28.0 and split.small_cpu == 14.0
    assert split.small_outside_cpu == 2.5
    assert split.small_few_variates_cpu == 4.5 + 1.5
    assert split.small_unscaled_mc_cpu == 2.5  # exactly at the threshold: Monte Carlo
    assert split.small_scaled_cpu == 3.0 and split.standard_scaled_cpu == 16.0
    assert split.ratio == 0.5
    assert split.floor_ratio == (2.5 + 6.0) / 28.0
    assert split.fixed_ratio == pytest.approx((2.5 + 6.0 + 2.5) / 28.0)
    assert split.scaled_ratio == 3.0 / 16.0
    assert split.floor_ratio < split.fixed_ratio < split.ratio
    assert split.modules["claims/b.py"] == {"tests": 3, "few_variates_tests": 1,
                                            "unscaled_mc_tests": 1, "standard_cpu": 11.0,
                                            "small_cpu": 5.0}
    with pytest.raises(dataclasses.FrozenInstanceError):
        split.small_cpu = 0.0
    record = split.as_record()
    assert record["floor_ratio"] == split.floor_ratio and record["small_cpu"] == 14.0
    assert json.loads(json.dumps(record))["modules"] == split.modules


def test_threshold_moves_tests_between_parts():
    split = split_by_scaling(STANDARD, SMOKE, mc_variates=MC_VARIATES + 1)
    assert (split.few_variates_tests, split.unscaled_mc_tests) == (3, 0)
    assert split.fixed_ratio == split.floor_ratio


def test_nothing_scaled_has_no_scaled_ratio():
    split = split_by_scaling(STANDARD, STANDARD)
    assert split.scaled_tests == 0 and split.ratio == 1.0
    assert split.fixed_ratio == pytest.approx(1.0)
    assert math.isnan(split.scaled_ratio)


@pytest.mark.parametrize("bad", [
    {"tests": {}}, [],
    _doc({"claims/a.py::x": (1.0, 0)}, outside=0.0) | {"total": {
        "process_cpu_seconds": 0.0, "test_cpu_seconds": 0.0}},
    {"tests": {"x": {"cpu_seconds": "fast", "variates": 1}},
     "total": {"process_cpu_seconds": 1.0, "test_cpu_seconds": 1.0}},
])
def test_not_a_cost_model_names_the_parameter(bad):
    with pytest.raises(ValueError, match="`standard`"):
        split_by_scaling(bad, SMOKE)
    with pytest.raises(ValueError, match="`small`"):
        split_by_scaling(STANDARD, bad)


def test_different_tests_are_refused():
    fewer = _doc({"claims/a.py::exact": (4.0, 0)}, outside=1.0)
    with pytest.raises(ValueError, match="`small` must have run the tests of `standard`"):
        split_by_scaling(STANDARD, fewer)


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "100"])
def test_threshold_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="`mc_variates`"):
        split_by_scaling(STANDARD, SMOKE, mc_variates=bad)


def test_report_shows_the_split():
    split = split_by_scaling(STANDARD, SMOKE)
    extra = {"metric": "standard CPU / smoke CPU (cost model, serial)", "candidate": "smoke",
             "baseline": "standard", "ratio": 2.0, "target": 3.0, "meets_target": False,
             "scale_split": split.as_record()}
    text = render({"benchmarks": [{"name": "test_smoke", "group": "cost model",
                                   "extra_info": extra}]})
    assert "14 vs 28 CPU s = **0.5** of standard" in text
    assert "| outside the tests (start-up, collection, fixtures, report) | — | 2.5 | 0.0893 |" \
        in text
    assert "| tests drawing fewer than 1e+05 variates" in text
    assert "| 2 | 6 | 0.214 |" in text
    assert "| Monte Carlo tests smoke does not shrink | 1 | 2.5 | 0.0893 |" in text
    assert "| tests smoke shrinks | 2 | 3 | 0.107 |" in text
    assert "The first two rows are **0.304** of standard" in text
    assert "take 0.188 of their standard CPU." in text
    assert "| `claims/b.py` | 3 | 1 | 1 | 11 | 5 | 0.455 |" in text
    assert "| 2 | ≥ 3 | **no** |" in text  # the ratio row
