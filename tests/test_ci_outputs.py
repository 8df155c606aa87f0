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
