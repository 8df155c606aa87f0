"""CI outputs: verdict properties in JUnit XML and the Markdown summary (--claims-summary)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from claimkit.report.markdown import summary_markdown

CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

pytest_plugins = ["pytester"]

SUITE = '''
import pytest
from claimkit import decisions


@pytest.mark.claim("EX-04")
def test_holds(mc):
    mc.record("one is one", decisions.exact_close(1.0, 1.0, rtol=0.0))
    mc.record("control: one is two", decisions.exact_close(1.0, 2.0, rtol=0.0), role="control")


@pytest.mark.claim("EX-01")
def test_breaks(mc):
    mc.record("one is two", decisions.exact_close(1.0, 2.0, rtol=0.0))


def test_plain():
    pass
'''


@pytest.fixture
def outputs(pytester):
    pytester.makepyfile(test_ci=SUITE)
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir",
                                           str(pytester.path / "out"), "--junitxml", "junit.xml",
                                           "--claims-summary", "summary.md", "-n", "2")
    return result, pytester.path / "junit.xml", pytester.path / "summary.md"


def test_junit_cases_carry_claim_roles_and_verdict(outputs):
    result, junit, _ = outputs
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    cases = {c.get("name"): {p.get("name"): p.get("value") for p in c.iter("property")}
             for c in ET.parse(junit).getroot().iter("testcase")}
    holds, breaks = cases["test_holds"], cases["test_breaks"]
    assert holds["claim_id"] == "EX-04" and holds["claim_verdict"] == "supported"
    assert holds["check_roles"] == "control,literal" and holds["checks_as_expected"] == "true"
    assert breaks["claim_id"] == "EX-01" and breaks["claim_verdict"] == "refuted as written"
    assert breaks["claim_verdict_as_expected"] == "false"
    assert "claim_verdict" not in cases["test_plain"]


def test_summary_lists_verdicts_and_what_was_unexpected(outputs):
    _, _, summary = outputs
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Statistical claims:")
    assert "### Unexpected" in text
    assert "**EX-01** is “refuted as written”, expected “supported”" in text
    assert "`test_ci.py::test_breaks` failed" in text
    assert "| EX-04 |" in text and "| ✓ |" in text


def test_summary_markdown_refuses_a_non_document():
    with pytest.raises(ValueError, match="`doc`"):
        summary_markdown({"claims": []})


def test_summary_escapes_table_cells():
    doc = {"run": {"scale": "standard", "root_seed": 1, "interrupted": False,
                   "alpha": {"spent": 0.0, "family": 1e-3, "within": True,
                             "stochastic_checks": 0}},
           "claims": [{"id": "X-1", "title": "a | b\nc", "verdict": "supported",
                       "expected_verdict": "supported", "tests": [], "checks": []}]}
    assert "| X-1 | a \\| b c | supported | supported | ✓ |" in summary_markdown(doc)


def test_rendering_the_report_is_announced(outputs):
    """The controller says it is rendering (it used to render for ~20 s in silence)."""
    result, _, _ = outputs
    result.stdout.fnmatch_lines(["claims: rendering *index.html (40 claims, * attached figures*"])


def test_ecdf_figures_show_the_deviation_with_its_band():
    """ASY-02's ECDF figures plot F̂ − F (a calibration plot) at FIGURE_POINTS points with the
    simultaneous DKW band around it and the margin, instead of two CDFs on [0, 1]."""
    import importlib.util

    import numpy as np
    from scipy import special

    path = Path(__file__).resolve().parents[1] / "claims" / "test_asymptotics.py"
    spec = importlib.util.spec_from_file_location("asy_for_figure", path)
    module = importlib.util.module_from_spec(spec)
    import sys
    sys.modules[spec.name] = module          # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    z = np.random.default_rng(0).standard_normal(16384)
    fig = module._ecdf_figure(z, special.ndtr, special.ndtri, 0.02, "t", "x", "Φ (N(0, 1))",
                              margin=0.1)
    (series,) = fig["series"]
    x, d = np.asarray(series["x"]), np.asarray(series["y"])
    assert fig["kind"] == "line" and len(x) > 0.9 * module.FIGURE_POINTS >= 360
    np.testing.assert_allclose(d, np.searchsorted(np.sort(z), x, side="right") / z.size
                               - special.ndtr(x))
    np.testing.assert_allclose(np.asarray(series["hi"]) - d, 0.02)
    assert abs(d).max() < 0.02            # a true N(0, 1) sample stays inside its band
    assert {r["label"] for r in fig["reference"]} >= {"no deviation", "margin ±0.1"}
