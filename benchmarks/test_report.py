"""The ratio table and timing helpers (plain tests: run without --benchmark-only)."""

from __future__ import annotations

import json

import pytest

from benchmarks.report import main, render
from benchmarks.timing import best_times, record_ratio


class _FakeBenchmark:
    def __init__(self) -> None:
        self.extra_info: dict = {}


def test_record_ratio_stores_baseline_over_candidate():
    """ratio = baseline / candidate, compared with the target, stored in extra_info."""
    bench = _FakeBenchmark()
    r = record_ratio(bench, metric="m", candidate="c", baseline="b",
                     times={"candidate": 0.5, "baseline": 2.0}, target=10.0, reps=7)
    assert r.ratio == 4.0 and not r.meets_target
    assert bench.extra_info["ratio"] == 4.0 and bench.extra_info["reps"] == 7


def test_best_times_takes_the_minimum_of_interleaved_rounds():
    """Every function runs once per round, in order."""
    calls = []
    times = best_times({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3)
    assert calls == ["a", "b"] * 3 and set(times) == {"a", "b"}


def test_best_times_repeats_fast_functions_within_a_round():
    """With min_round_seconds a fast function is called several times per round (autorange)."""
    calls = []
    times = best_times({"fast": lambda: calls.append(1)}, 2, min_round_seconds=1e-4)
    assert len(calls) > 3 and 0 < times["fast"] < 1e-4


@pytest.mark.parametrize("call, match", [
    (lambda: best_times({}, 1), "`fns` must hold at least one function"),
    (lambda: best_times({"a": int}, 0), "`repeat` must be a positive integer"),
    (lambda: best_times({"a": int}, 1, min_round_seconds=-1.0),
     "`min_round_seconds` must be a finite number >= 0"),
    (lambda: record_ratio(_FakeBenchmark(), metric="m", candidate="c", baseline="b",
                          times={"candidate": 0.0, "baseline": 1.0}, target=1.0),
     "`times` must hold positive"),
    (lambda: render({"nothing": 1}), "`doc` must be a pytest-benchmark JSON document"),
])
def test_bad_input_raises(call, match):
    """Helpers reject bad input with a ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()


def _rendered(tmp_path, capsys, doc: dict) -> str:
    """What ``python -m benchmarks.report`` prints for the benchmark JSON ``doc``."""
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(doc))
    assert main([str(path)]) == 0
    return capsys.readouterr().out


def test_report_renders_ratio_rows(tmp_path, capsys):
    """A benchmark JSON with ratios becomes a markdown table; unmet targets are bold."""
    doc = {"machine_info": {"cpu": {"brand_raw": "CPU"}, "python_version": "3.11"},
           "benchmarks": [{"name": "test_x", "group": "g", "extra_info": {
               "metric": "speed-up", "candidate": "fast", "baseline": "slow", "ratio": 12.0,
               "target": 10.0, "meets_target": True}},
               {"name": "test_y", "group": "g", "extra_info": {
                   "metric": "throughput", "candidate": "est", "baseline": "draw",
                   "ratio": 0.5, "target": 0.7, "meets_target": False}}]}
    out = _rendered(tmp_path, capsys, doc)
    assert "| `test_x` | speed-up | fast | slow | 12 | ≥ 10 | yes |" in out
    assert "| 0.5 | ≥ 0.7 | **no** |" in out


def test_report_on_missing_file_fails_cleanly(tmp_path, capsys):
    """A missing JSON file exits non-zero with a message, no traceback."""
    assert main([str(tmp_path / "none.json")]) == 1
    assert "benchmarks.report:" in capsys.readouterr().err


def test_report_renders_the_cost_model(tmp_path, capsys):
    """The cost model's totals and one row per claim module."""
    model = {"modules": {"claims/test_a.py": {"variates_total": 1000, "floor_seconds": 0.5,
                                              "cpu_seconds": 1.5, "multiple": 3.0},
                         "claims/test_b.py": {"variates_total": 0, "floor_seconds": 0.0,
                                              "cpu_seconds": 0.2, "multiple": None}},
             "tests": {"claims/test_a.py::test_x": {"variates": 1000, "floor_seconds": 0.5,
                                                    "cpu_seconds": 1.5},
                       "claims/test_b.py::test_y": {"variates": 0, "floor_seconds": 0.0,
                                                    "cpu_seconds": 0.2}},
             "total": {"variates": 1000, "floor_seconds": 0.5, "process_cpu_seconds": 2.5,
                       "multiple": 5.0, "test_cpu_seconds": 1.7, "test_multiple": 3.4}}
    doc = {"machine_info": {}, "benchmarks": [{"name": "test_cost", "group": "cost model",
                                               "extra_info": {"cost_model": model,
                                                              "scale": "standard"}}]}
    out = _rendered(tmp_path, capsys, doc)
    assert "**5× the floor**" in out
    assert "| `claims/test_a.py` | 1e+03 | 0.5 | 1.5 | 3 |" in out
    assert "| `claims/test_b.py` | 0 | 0 | 0.2 | — |" in out
    # Tests ranked by CPU time above their floor: test_x (1 s above) before test_y (0.2 s).
    assert out.index("| `claims/test_a.py::test_x` | 1e+03 | 0.5 | 1.5 | 1 |") < out.index(
        "| `claims/test_b.py::test_y` | 0 | 0 | 0.2 | 0.2 |")
