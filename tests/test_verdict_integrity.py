"""Crafted claim tests that break, skip or meet NaN: their verdicts in results.json and the HTML.

Each case is a small suite run in a subprocess with the real plugin; the verdict must follow the
verdict table (``claimkit.evidence.VERDICT_RULES``): a broken test is never a pass, a skip is
never a silent pass, and a numerical breakdown is never evidence.
"""

from __future__ import annotations

import json
import subprocess
import sys

from pathlib import Path

import pytest

from claimkit.report.render import claim_anchor

#: The repository's catalogue, passed explicitly: pytester runs outside its ini file.
CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

SUITE = '''
import numpy as np
import pytest

from claimkit import decisions

ok = decisions.exact_close(1.0, 1.0, rtol=0.0)
rejected = decisions.exact_close(2.0, 1.0, rtol=0.0)


@pytest.mark.claim("EX-01")
def test_records_then_raises(mc):
    mc.record("a passing check", ok)
    raise ZeroDivisionError("the test broke after one check")


@pytest.mark.claim("EX-02")
def test_passes(mc):
    mc.record("a passing check", ok)
    mc.record("control: a false variant", rejected, role="control")


@pytest.mark.claim("EX-02")
def test_skipped(mc):
    pytest.skip("an optional library is missing")


@pytest.mark.claim("EX-03")
def test_only_a_control(mc):
    mc.record("control: a false variant", rejected, role="control")


@pytest.mark.claim("EX-04")
def test_nan_is_no_evidence(mc):
    mc.record("a passing check", ok)
    mc.record("control: broken by NaN", decisions.exact_close(np.nan, 1.0, rtol=0.0),
              role="control")


@pytest.mark.claim("CE-01")
def test_sound(mc):
    mc.record("a passing check", ok)
    mc.record("control: a false variant", rejected, role="control")
'''

EXPECTED = {
    "EX-01": "inconclusive",
    "EX-02": "partly checked",
    "EX-03": "inconclusive",
    "EX-04": "inconclusive",
    "CE-01": "supported",
}


@pytest.fixture(scope="module")
def crafted_run(tmp_path_factory):
    """Run the crafted suite once; return (results document, HTML text)."""
    path = tmp_path_factory.mktemp("crafted")
    (path / "test_crafted.py").write_text(SUITE, encoding="utf-8")
    out = path / "out"
    proc = subprocess.run([sys.executable, "-m", "pytest", "--claims-catalogue", CATALOGUE_ARG,
                           "-p", "no:cacheprovider", "--report-dir", str(out),
                           str(path / "test_crafted.py")],
                          cwd=path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    html = (out / "index.html").read_text(encoding="utf-8")
    return doc, html


@pytest.mark.parametrize("claim, verdict", sorted(EXPECTED.items()))
def test_crafted_verdicts_in_results_json(crafted_run, claim, verdict):
    """Each crafted case gets the verdict of the table, with its reasons recorded."""
    doc, _ = crafted_run
    entry = next(c for c in doc["claims"] if c["id"] == claim)
    assert entry["verdict"] == verdict
    assert bool(entry["verdict_reasons"]) == (verdict != "supported")


def test_reasons_name_the_broken_test_the_skip_and_the_nan(crafted_run):
    """The reasons say which test broke and how, why a test was skipped, what was NaN."""
    doc, _ = crafted_run
    reasons = {c["id"]: " ".join(c["verdict_reasons"]) for c in doc["claims"]}
    assert "test_records_then_raises failed" in reasons["EX-01"]
    assert "the test broke after one check" in reasons["EX-01"]
    assert "an optional library is missing" in reasons["EX-02"]
    assert "no literal or refuted check reached a decision" in reasons["EX-03"]
    assert "not evidence" in reasons["EX-04"] or "not rejected" in reasons["EX-04"]


def test_crafted_verdicts_in_the_html(crafted_run):
    """The page shows each claim's verdict and the reasons for it."""
    _, html = crafted_run
    for claim, verdict in EXPECTED.items():
        assert f'id="{claim_anchor(claim)}" data-verdict="{verdict}"' in html
    assert "the test broke after one check" in html
    assert "Why partly checked" in html
    assert "How a verdict is decided" in html
