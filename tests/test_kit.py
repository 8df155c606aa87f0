"""The kit as a user meets it: its public API, its entry point, its independence from this
project's statistics, and a second document set run with zero edits to the kit."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path


import claimkit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "exponential-rate"


def test_public_api_is_exported_and_documented():
    """Every name of claimkit.__all__ exists and has a docstring of its own."""
    assert len(set(claimkit.__all__)) == len(claimkit.__all__)
    for name in claimkit.__all__:
        obj = getattr(claimkit, name)
        if callable(obj) or isinstance(obj, type(claimkit)):
            assert obj.__doc__ and obj.__doc__.strip(), name


def test_plugin_is_registered_by_its_entry_point():
    """Installing the project registers the plugin under pytest11 (no conftest needed)."""
    eps = metadata.entry_points(group="pytest11")
    assert any(ep.value == "claimkit.plugin.plugin" for ep in eps)
    out = subprocess.run([sys.executable, "-m", "pytest", "-VV"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert "claimkit/plugin/plugin.py" in out.stdout + out.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
    return out


def test_no_import_arrow_from_the_kit_to_the_statistics():
    """The kit imports neither simulations/ nor claims/ (nor does its report)."""
    for path in (ROOT / "claimkit").rglob("*.py"):
        bad = {m for m in _imports(path) if m.split(".")[0] in ("simulations", "claims")}
        assert not bad, (path, bad)


def _run_example(directory: Path, report: Path) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--claims-catalogue", str(directory / "catalogue.toml"),
         str(directory), "--report-dir", str(report), "-p", "no:cacheprovider", "-q",
         "-p", "no:randomly"],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    doc = json.loads((report / "results.json").read_text(encoding="utf-8"))
    return proc, doc


def test_example_document_set_runs_with_its_own_catalogue(tmp_path):
    """The example note is checked with its own catalogue: the expected verdicts (its
    deliberate error refuted) in its own results.json and page."""
    proc, doc = _run_example(EXAMPLE, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verdicts = {c["id"]: c["verdict"] for c in doc["claims"]}
    assert verdicts == {"EXP-01": "supported", "EXP-02": "supported", "EXP-03": "supported",
                        "EXP-04": "refuted as written"}
    assert all(c["verdict_matches"] for c in doc["claims"])
    assert {s["language"] for c in doc["claims"] for s in c["sources"]} == {"en"}
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    for cid in verdicts:
        assert f'id="{cid}"' in page or cid in page


def test_adding_a_claim_touches_the_catalogue_and_the_test_only(tmp_path):
    """A new claim needs one [[claims]] table and one test: nothing else changes."""
    work = tmp_path / "set"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("report", "__pycache__"))
    catalogue = work / "catalogue.toml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + '''
[[claims]]
id = "EXP-05"
title = "The exponential density integrates to one"
statement = "λ e^(−λx) integrates to 1 over x ≥ 0 (quadrature)."
expected_verdict = "supported"

  [[claims.sources]]
  document = "notes"
  anchor = "whose density is"
  english = "the density"
''', encoding="utf-8")
    test = work / "test_exponential_rate.py"
    test.write_text(test.read_text(encoding="utf-8") + '''

@pytest.mark.claim("EXP-05")
def test_density_integrates_to_one(mc):
    from scipy import integrate
    total, err = integrate.quad(lambda x: RATE * np.exp(-RATE * x), 0, np.inf)
    mc.record("∫ λe^(−λx) dx = 1", decisions.exact_close(total, 1.0, rtol=0.0, atol=10 * err))
''', encoding="utf-8")
    proc, doc = _run_example(work, tmp_path / "report")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    new = next(c for c in doc["claims"] if c["id"] == "EXP-05")
    assert new["verdict"] == "supported" and new["family"] == "EXP"


def test_a_bad_figure_spec_fails_its_own_test_not_the_report(pytester):
    """A malformed figure fails the test that records it, naming the field; the page renders."""
    pytester.makepyfile(test_bad_figure='''
import pytest
from claimkit import decisions

@pytest.mark.claim("EX-01")
def test_bad(mc):
    mc.record("check", decisions.exact_close(1.0, 1.0, rtol=0.0),
              figure={"kind": "line", "series": [{"x": [1, 2], "y": [1]}]})
''')
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        "--claims-catalogue", str(ROOT / "claims" / "catalogue.toml"), "--report-dir", str(out),
        "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert ("`figure` of check 'check': `series[0].y` must have the length of `series[0].x` "
            "(2)") in result.stdout.str()
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert next(c for c in doc["claims"] if c["id"] == "EX-01")["verdict"] == "inconclusive"
    assert (out / "index.html").is_file()


pytest_plugins = ["pytester"]
