"""tools/compare_results.py: how a refactoring proves that no number changed."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "compare_results.py"


def _doc() -> dict:
    check = {"name": "c", "outcome": "pass", "kind": "z-test", "estimate": 1.0, "target": 1.0,
             "mcse": 0.1, "ci": [0.8, 1.2], "margin": None, "alpha": 1e-6, "delta": 0.5,
             "n_reps": 10, "statistic": 0.0, "params": {}, "seed": None, "figure": None,
             "role": "literal", "expected": "pass", "distance_delta": None, "seconds": 1.0}
    return {"run": {"root_seed": 1, "scale": "standard"},
            "claims": [{"id": "X-01", "verdict": "supported", "title": "t", "sources": [],
                        "checks": [check]}]}


def _run(tmp_path: Path, before: dict, after: dict, *options: str
         ) -> subprocess.CompletedProcess:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(before), encoding="utf-8")
    b.write_text(json.dumps(after), encoding="utf-8")
    return subprocess.run([sys.executable, str(TOOL), str(a), str(b), *options],
                          capture_output=True, text=True, timeout=60)


def test_identical_numbers_pass_and_wall_times_are_ignored(tmp_path):
    """Only wall time differs: identical (exit 0)."""
    after = copy.deepcopy(_doc())
    after["claims"][0]["checks"][0]["seconds"] = 9.0
    proc = _run(tmp_path, _doc(), after)
    assert proc.returncode == 0 and "identical" in proc.stdout


def test_a_changed_number_is_found(tmp_path):
    """One estimate in the last digit, or a changed quote: exit 1, the difference named."""
    after = copy.deepcopy(_doc())
    after["claims"][0]["checks"][0]["estimate"] = 1.0000000000000002
    proc = _run(tmp_path, _doc(), after)
    assert proc.returncode == 1 and "estimate" in proc.stdout
    after = copy.deepcopy(_doc())
    after["claims"][0]["sources"] = [{"quote": "changed"}]
    assert _run(tmp_path, _doc(), after).returncode == 1


def test_runs_at_different_seeds_are_not_compared(tmp_path):
    """Different root seeds: exit 2 with a message."""
    after = copy.deepcopy(_doc())
    after["run"]["root_seed"] = 2
    proc = _run(tmp_path, _doc(), after)
    assert proc.returncode == 2 and "root seed" in proc.stderr


def test_rtol_accepts_rounding_and_nothing_more(tmp_path):
    """--rtol 1e-9: a last-digit change (also inside a nested field) passes; a change of 1e-6,
    an outcome or a text does not; a tolerance outside [0, 1) is a usage error."""
    after = copy.deepcopy(_doc())
    check = after["claims"][0]["checks"][0]
    check["estimate"], check["ci"] = 1.0000000000000002, [0.8, 1.2000000000000002]
    check["params"] = {}
    proc = _run(tmp_path, _doc(), after, "--rtol", "1e-9")
    assert proc.returncode == 0 and "equal within rtol 1e-09" in proc.stdout
    for field, value in (("mcse", 0.100001), ("outcome", "fail"), ("kind", "other")):
        changed = copy.deepcopy(_doc())
        changed["claims"][0]["checks"][0][field] = value
        proc = _run(tmp_path, _doc(), changed, "--rtol", "1e-9")
        assert proc.returncode == 1 and field in proc.stdout
    assert _run(tmp_path, _doc(), after, "--rtol", "2").returncode == 2
