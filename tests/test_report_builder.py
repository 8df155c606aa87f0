"""Tests of the report builder: results.json -> self-contained, escaped, deterministic HTML."""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from claimkit.report import ResultsError, load_results, render, validate_results, write_report
from claimkit.report.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert(1)</script>"
QUOTES = "\"&'"
VERDICTS = ("supported", "supported under conditions", "refuted as written", "inconclusive", "not run")


def _check(claim: str, name: str, role: str, outcome: str, **extra) -> dict:
    """One evidence record shaped like claimkit.evidence.Check.to_json()."""
    expected = {"literal": "pass", "corrected": "pass", "condition": "fail", "control": "fail"}[role]
    rec = {
        "claim": claim, "test": f"claims/test_x.py::test_{claim.lower()}", "name": name,
        "role": role, "control": role == "control", "expected": expected,
        "as_expected": outcome == expected, "outcome": outcome, "kind": "z-test",
        "rule": "|z| = 1.31 < 4.89", "estimate": 0.50123, "target": 0.5, "mcse": 0.00312,
        "ci": [0.4859, 0.5165], "margin": None, "alpha": 1e-06, "delta": 0.0163,
        "n_reps": 20000, "statistic": 1.31, "params": {"n": 50},
        "seed": {"entropy": 20261121, "spawn_key": [3, 1], "block_size": 512},
        "seconds": 0.84, "note": "", "figure": None,
    }
    rec.update(extra)
    return rec


def _test(nodeid: str, outcome: str = "passed", message: str = "") -> dict:
    """One pytest item record."""
    return {"nodeid": nodeid, "outcome": outcome, "message": message, "seconds": 0.12, "worker": "gw0"}


def _claim(cid: str, family: str, family_title: str, verdict: str, **extra) -> dict:
    """One claim record with a Chinese source quote spanning two lines."""
    rec = {
        "id": cid, "title": f"Title of {cid}", "family": family, "family_title": family_title,
        "sources": [{"file": "000_6a9745706ba7aa1d.txt", "section": "交叉熵", "language": "zh-Hant",
                     "quote": "交叉熵損失等價於\n負對數似然。", "english": "Cross-entropy loss equals\nthe negative log-likelihood."}],
        "statement": f"Statement of {cid}.", "expected_verdict": verdict, "verdict": verdict,
        "verdict_matches": True, "conditions": "", "corrected": "",
        "tests": [_test(f"claims/test_{family.lower()}.py::test_{cid.lower().replace('-', '')}")],
        "checks": [_check(cid, f"check of {cid}", "literal", "pass")],
    }
    rec.update(extra)
    if rec["tests"]:
        for check in rec["checks"]:
            if check["test"].startswith("claims/test_x.py::"):
                check["test"] = rec["tests"][0]["nodeid"]
    return rec


def make_results() -> dict:
    """A realistic results document: every verdict, controls, failures, skips, a figure, hostile strings."""
    figure = {
        "kind": "line", "title": f"RMSE vs n {HOSTILE}", "xlabel": "sample size n", "ylabel": "RMSE of MLE",
        "xscale": "log", "yscale": "log",
        "series": [{"label": f"MLE {QUOTES}", "x": [10, 100, 1000, 10000], "y": [0.31, 0.1, 0.032, 0.0099],
                    "lo": [0.29, 0.095, 0.030, 0.0094], "hi": [0.33, 0.105, 0.034, 0.0104]}],
        "reference": [{"label": "slope −1/2", "x": [10, 10000], "y": [0.316, 0.01]}],
    }
    ecdf = {
        "kind": "ecdf", "title": "ECDF of standardised MLE", "xlabel": "z", "ylabel": "F(z)",
        "series": [{"label": "ECDF", "x": [-2, -1, 0, 1, 2], "y": [0.03, 0.16, 0.5, 0.84, 0.97],
                    "lo": [0.0, 0.11, 0.45, 0.79, 0.92], "hi": [0.08, 0.21, 0.55, 0.89, 1.0]}],
        "reference": [{"label": "N(0,1)", "x": [-2, -1, 0, 1, 2], "y": [0.023, 0.159, 0.5, 0.841, 0.977]}],
    }
    claims = [
        _claim("CE-01", "CE", "Cross-entropy", "supported",
               checks=[_check("CE-01", "CE equals NLL", "literal", "pass", kind="exact", rule="max |CE − NLL| = 2e-16 ≤ tol 1e-12",
                              estimate=2.2e-16, target=0.0, mcse=None, ci=None, margin=1e-12, alpha=0.0, delta=1e-12, n_reps=1000),
                       _check("CE-01", "shifted labels (false variant)", "control", "fail", rule="|z| = 41.2 > 4.89")]),
        _claim("CE-07", "CE", "Cross-entropy", "refuted as written",
               corrected="The minimiser of −Σ y log ŷ over ŷ is ȳ only with the (1 − y) term.",
               sources=[{"file": "001_a41e3c103ce9f303.txt", "section": f"sec {HOSTILE}", "language": "zh-Hant",
                         "quote": f"引文 {HOSTILE}\n第二行 {QUOTES}", "english": f"Quote {HOSTILE} {QUOTES}"}],
               checks=[_check("CE-07", f"minimiser equals mean {HOSTILE}", "literal", "fail", kind="exact",
                              params={"n": 10, "label": HOSTILE, "q": QUOTES}, estimate=1.0, target=0.7, mcse=None,
                              ci=None, margin=1e-8, alpha=0.0, delta=1e-8, n_reps=1, note=f"note {QUOTES}"),
                       _check("CE-07", "corrected minimiser", "corrected", "pass")],
               tests=[_test(f"claims/test_cross_entropy.py::test_ce07[{HOSTILE}-{QUOTES}]")]),
        _claim("CO-02", "CO", "Consistency", "supported under conditions",
               conditions="Requires a finite Fisher information.",
               checks=[_check("CO-02", "RMSE slope", "literal", "pass", kind="slope", figure=figure),
                       _check("CO-02", "Cauchy location, sample mean", "condition", "fail", figure=ecdf)]),
        _claim("CO-05", "CO", "Consistency", "inconclusive", expected_verdict="supported", verdict_matches=False,
               checks=[_check("CO-05", "efficiency ratio → 1", "literal", "inconclusive", kind="equivalence",
                              margin=0.05, rule="CI [0.93, 1.06] straddles margin ±0.05")],
               tests=[_test("claims/test_consistency.py::test_co05", "failed", "AssertionError: inconclusive at this budget")]),
        _claim("MAP-05", "MAP", "MAP estimation", "not run", checks=[],
               tests=[_test("claims/test_map.py::test_map05", "skipped", "torch is not installed")]),
    ]
    return {
        "schema_version": 2,
        "run": {
            "root_seed": 20261121, "scale": "standard",
            "alpha": {"family": 0.001, "capacity": 1000, "per_check": 1e-06, "stochastic_checks": 412,
                      "spent": 0.000412, "within": True},
            "versions": {"python": "3.11.7", "numpy": "2.1.0", "scipy": "1.14.0", "statsmodels": "0.14.2",
                         "pytest": "8.3.2", "torch": None},
            "git_commit": "abc123def456", "started": "2026-11-21T06:00:00+00:00", "wall_seconds": 41.2,
            "command": "pytest claims/ -n 2", "workers": 2, "interrupted": False, "exit_status": 1,
            "tests": {"passed": 4, "failed": 1, "error": 1, "skipped": 1, "not run": 0},
        },
        "claims": claims,
        "unclaimed_tests": [_test("tests/test_misc.py::test_boom", "error", f"RuntimeError: {HOSTILE}")],
    }


@pytest.fixture
def results() -> dict:
    """A fresh sample results document."""
    return make_results()


@pytest.fixture
def html(results: dict) -> str:
    """The sample rendered to HTML."""
    return render(results)


def write_json(path: Path, doc: object) -> Path:
    """Write ``doc`` as UTF-8 JSON and return ``path``."""
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def script_blocks(page: str) -> list[str]:
    """Contents of every <script> element of ``page``."""
    return re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S | re.I)


# -- rendering ----------------------------------------------------------------------------------

def test_render_is_deterministic(results: dict) -> None:
    """Rendering the same document twice, or a deep copy of it, gives identical text."""
    first = render(results)
    assert render(copy.deepcopy(results)) == first
    assert render(json.loads(json.dumps(results))) == first


def test_render_does_not_modify_its_input(results: dict) -> None:
    """render() leaves the caller's dict untouched."""
    before = json.dumps(results, sort_keys=True)
    render(results)
    assert json.dumps(results, sort_keys=True) == before


def test_same_results_file_gives_identical_bytes_across_processes(tmp_path: Path, results: dict) -> None:
    """Two CLI runs in fresh interpreters with different hash seeds write byte-identical HTML."""
    src = write_json(tmp_path / "results.json", results)
    outputs = []
    for hashseed in ("1", "2"):
        out = tmp_path / f"index-{hashseed}.html"
        proc = subprocess.run([sys.executable, "-m", "claimkit.report", str(src), "-o", str(out)], cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": hashseed},
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_every_claim_has_one_stable_anchor_linked_from_the_contents(html: str, results: dict) -> None:
    """Each claim has exactly one id="claim-<ID>" and the contents link to it."""
    for claim in results["claims"]:
        anchor = f"claim-{claim['id']}"
        assert html.count(f'id="{anchor}"') == 1
        assert f'<li data-claim="{anchor}"><a href="#{anchor}">' in html
    assert 'id="claim-CE-07"' in html


def test_contents_are_grouped_by_family(html: str) -> None:
    """The contents list families in order of appearance, each linking to its section."""
    nav = html[html.index('<nav id="contents"'):html.index("</nav>")]
    positions = [nav.index(f'href="#family-{f}"') for f in ("ce", "co", "map")]
    assert positions == sorted(positions)
    assert nav.index("claim-CE-07") < nav.index('href="#family-co"') < nav.index("claim-CO-02")
    for family in ("ce", "co", "map"):
        assert f'<section class="family" id="family-{family}">' in html


def test_hostile_strings_are_escaped_everywhere(html: str) -> None:
    """Quotes, params, test ids, messages and figure labels with <script> or "&' appear only escaped."""
    assert "<script>alert" not in html.lower()
    assert "alert(1)</script>" not in html
    assert QUOTES not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert html.count(escaped) >= 8  # section, quote, english, check name, params, nodeid, message, figure title
    assert "&#34;&amp;&#39;" in html
    assert len(re.findall(r"<script\b", html, flags=re.I)) == 1


def test_the_only_script_block_carries_no_data(html: str, results: dict) -> None:
    """The single inline script is the same for any input and names no claim, test or label."""
    (script,) = script_blocks(html)
    results["claims"] = results["claims"][:1]
    results["run"]["root_seed"] = 7
    (other,) = script_blocks(render(results))
    assert script == other
    for needle in ("CE-07", "alert", "20261121", "claims/", "Cross-entropy"):
        assert needle not in script


def test_page_is_readable_without_javascript(html: str) -> None:
    """Claims are never hidden by markup; only the JS-driven filter bar starts hidden."""
    assert re.findall(r"<[^>]*\shidden\b[^>]*>", html) == [
        '<div id="filters" role="search" aria-label="Filter claims" hidden>']
    assert html.count('<article class="claim"') == 5
    # Each claim opens on its verdict, quote and first figure; the checks tables and any
    # further figures fold away in native <details> (opened without JavaScript).
    assert html.count('<details class="evidence">') == 5
    assert html.count("<details") == 5 + html.count('<details class="more-figures">')
    for article in html.split('<article class="claim"')[1:]:
        head = article[:article.index('<details')]
        assert 'class="badge v-' in head and "<blockquote" in head


def test_no_external_resources(html: str) -> None:
    """No http(s) URL, @import, off-page src/href or non-fragment url() anywhere in the page."""
    assert not re.search(r"https?://", html, flags=re.I)
    assert not re.search(r"@import", html, flags=re.I)
    assert not re.search(r"<link\b", html, flags=re.I)
    refs = re.findall(r"""\b(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]*)""", html, flags=re.I)
    assert refs and all(ref.startswith("#") for ref in refs), [r for r in refs if not r.startswith("#")]
    assert all(u.startswith("#") for u in re.findall(r"url\(\s*([^)]*)\)", html))


def test_summary_counts_verdicts_and_test_outcomes(html: str) -> None:
    """The top shows one count per verdict, each with its own badge colour class, and test outcome counts."""
    summary = html[html.index('id="summary"'):html.index('id="run"')]
    for verdict in VERDICTS:
        slug = verdict.replace(" ", "-")
        assert (f'<a class="card v-{slug}" href="#main" data-set-verdict="{verdict}"><b>1</b>'
                f'<span class="badge v-{slug}">{verdict}</span></a>') in summary
    for outcome, count in (("passed", 4), ("failed", 1), ("error", 1), ("skipped", 1), ("not-run", 0)):
        assert f'<li><b>{count}</b><span class="t t-{outcome}">' in summary
    css = html[html.index("<style>"):html.index("</style>")]
    colours = [re.search(rf"\.v-{v.replace(' ', '-')}\{{background:([^}}]+)\}}", css).group(1) for v in VERDICTS]
    assert len(set(colours)) == len(VERDICTS)


def test_alpha_and_delta_are_explained(html: str) -> None:
    """A paragraph tells the reader what α and δ mean, with this run's budget."""
    assert "probability that the check fails although the claim is true" in html
    assert "smallest deviation" in html and "probability at least 0.99" in html
    assert "budget is α = 0.001" in html and "spends 1e-6" in html


def test_run_metadata_is_shown(html: str) -> None:
    """Seed, scale, α budget, versions, commit, start, wall time, command, workers and interruption appear."""
    run = html[html.index('id="run"'):html.index('id="failures"')]
    for text in ("<code>20261121</code>", "standard", "family 0.001", "per check 1e-6",
                 "checks counted 412 of capacity 1000", "spent 4.12e-4", "within budget",
                 "python 3.11.7", 'torch <span class="muted">not installed</span>', "<code>abc123def456</code>",
                 "2026-11-21T06:00:00+00:00", "41.2 s", "<code>pytest claims/ -n 2</code>",
                 "<dt>Workers</dt><dd>2</dd>", "<dt>Interrupted</dt><dd>no</dd>"):
        assert text in run, text


def test_interrupted_run_is_flagged(results: dict) -> None:
    """An interrupted, over-budget run gets a banner and says so in the metadata."""
    results["run"].update(interrupted=True, exit_status=2)
    results["run"]["alpha"]["within"] = False
    page = render(results)
    assert 'class="banner" role="alert">This run was interrupted (exit status 2)' in page
    assert '<dt>Interrupted</dt><dd><span class="bad">yes</span></dd>' in page
    assert '<span class="bad">over budget</span>' in page


def test_failure_summary_lists_problem_tests_and_unexpected_verdicts(html: str) -> None:
    """Failed, errored and skipped tests appear with their messages, and so do claims off their expected verdict."""
    failures = html[html.index('id="failures"'):html.index('<nav id="contents"')]
    assert "claims/test_consistency.py::test_co05" in failures
    assert "AssertionError: inconclusive at this budget" in failures
    assert "tests/test_misc.py::test_boom" in failures and "RuntimeError: &lt;script&gt;" in failures
    assert "claims/test_map.py::test_map05" in failures and "torch is not installed" in failures
    assert '<a href="#claim-CO-05">CO-05</a> Title of CO-05: <span class="badge v-inconclusive">' in failures
    assert "claim-CE-07" not in failures


def test_claims_not_run_are_listed_apart_from_mismatches(results: dict) -> None:
    """A claim expected to be supported but not run is listed as not checked, not as a surprise."""
    results["claims"][-1]["expected_verdict"] = "supported"
    page = render(results)
    failures = page[page.index('id="failures"'):page.index('<nav id="contents"')]
    assert "Claims not checked in this run (1)" in failures and '<a href="#claim-MAP-05">MAP-05</a>.' in failures
    assert "Verdicts that differ from the expected one (1)" in failures
    article = page[page.index('id="claim-MAP-05"'):]
    assert '<p class="notrun">Expected verdict: <span class="badge v-supported">supported</span> — not checked' in article


def test_clean_run_says_nothing_failed(results: dict) -> None:
    """Without failures, skips or mismatches the summary says so in one line."""
    for claim in results["claims"]:
        claim["expected_verdict"] = claim["verdict"]
        for t in claim["tests"]:
            t.update(outcome="passed", message="")
    results["unclaimed_tests"] = []
    assert "No test failed, errored or was skipped, and every verdict is the expected one." in render(results)


def test_claim_shows_sources_statement_conditions_and_correction(html: str) -> None:
    """Quotes keep their language and line breaks; English, statement, conditions and correction follow."""
    assert '<blockquote lang="zh-Hant">交叉熵損失等價於\n負對數似然。</blockquote>' in html
    assert ('<blockquote class="english" lang="en">Cross-entropy loss equals\nthe negative log-likelihood.'
            '</blockquote>') in html
    assert "white-space:pre-wrap" in html
    assert "<code>001_a41e3c103ce9f303.txt</code>" in html
    assert 'section “<span lang="zh-Hant">交叉熵</span>”' in html
    assert '<dt>Corrected statement</dt><dd class="corrected">The minimiser of −Σ y log ŷ' in html
    assert "<dt>Conditions</dt><dd>Requires a finite Fisher information.</dd>" in html
    assert "<dt>Statement checked</dt><dd>Statement of CE-01.</dd>" in html


def test_expected_verdict_is_shown_only_when_it_differs(html: str) -> None:
    """A claim whose verdict is off its expectation names the expected verdict; others do not."""
    assert html.count('class="mismatch"') == 1
    article = html[html.index('id="claim-CO-05"'):html.index('id="claim-MAP-05"')]
    assert 'Expected verdict: <span class="badge v-supported">supported</span>' in article


def test_checks_table_formats_numbers_and_marks_controls(html: str) -> None:
    """Estimates carry their MCSE at matching precision; α, δ, CI and counts are compact; controls are tagged."""
    article = html[html.index('id="claim-CE-01"'):html.index('id="claim-CE-07"')]
    assert '<td class="num">0.5012 ± 0.0031</td>' in article
    assert '<td class="num">[0.4859, 0.5165]</td>' in article
    assert '<td class="num">1e-6</td>' in article and '<td class="num">0.0163</td>' in article
    assert '<td class="num">20,000</td>' in article and '<td class="num">2.2e-16</td>' in article
    assert '<tr class="control">' in article and '<span class="tag control">negative control</span>' in article
    assert "1 of 1 rejected" in article
    assert '<span class="o o-fail">rejected</span> shifted labels (false variant)</li>' in article
    assert '<div class="rule"><span class="kind">exact</span>max |CE − NLL| = 2e-16 ≤ tol 1e-12</div>' in article
    assert '<span class="ok" title="the role expects pass">✓</span>' in article
    refuted = html[html.index('id="claim-CE-07"'):html.index('id="claim-CO-02"')]
    assert '<span class="miss">✗ expected pass</span>' in refuted
    assert '<tr class=" unexpected">' in refuted
    assert '<span class="miss">1 not as their role expects</span>' in refuted


def test_tests_list_outcomes_and_reproducing_commands(html: str) -> None:
    """Each test heads its checks with its outcome, message and a command with this run's seed and scale."""
    article = html[html.index('id="claim-CE-01"'):html.index('id="claim-CE-07"')]
    group = article[article.index('<tbody class="test"'):article.index("</tbody>")]
    assert group.startswith('<tbody class="test" data-nodeid="claims/test_ce.py::test_ce01" data-outcome="passed">')
    assert ('<span class="t t-passed">passed</span> <code class="cmd">pytest &#34;claims/test_ce.py::test_ce01&#34; '
            '--mc-seed 20261121 --mc-scale standard</code>') in group
    assert group.count('<td class="check">') == 2  # both checks sit under the command that reproduces them
    article = html[html.index('id="claim-MAP-05"'):html.index("</article>", html.index('id="claim-MAP-05"'))]
    assert '<span class="t t-skipped">skipped</span>' in article and "torch is not installed" in article
    assert "No check recorded: the test did not run." in article
    assert "No test was collected" not in article


def test_checks_of_an_unlisted_test_keep_their_own_group(results: dict) -> None:
    """A check naming a test the claim does not list still appears, under that test's command."""
    results["claims"][0]["checks"][1]["test"] = "claims/test_ce.py::test_other[x]"
    page = render(results)
    article = page[page.index('id="claim-CE-01"'):page.index('id="claim-CE-07"')]
    assert '<tbody class="test" data-nodeid="claims/test_ce.py::test_other[x]" data-outcome="">' in article
    assert "<code class=\"cmd\">pytest &#34;claims/test_ce.py::test_other[x]&#34; --mc-seed" in article
    results["claims"][0]["checks"][1]["test"] = None
    page = render(results)
    assert "checks without a recorded test" in page


def test_figures_are_inline_svg_with_axis_labels(html: str) -> None:
    """Checks with a figure get an inline <svg> (no XML prolog) showing title, axis labels and legend."""
    article = html[html.index('id="claim-CO-02"'):html.index('id="claim-CO-05"')]
    assert article.count("<svg ") == 2
    for text in ("sample size n", "RMSE of MLE", "slope −1/2", "ECDF of standardised MLE", "N(0,1)"):
        assert f">{text}</text>" in article, text
    assert "MLE \"&amp;'</text>" in article  # matplotlib escapes & and <; quotes are harmless in text
    assert "<?xml" not in html and html.count("<!DOCTYPE") == 1
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_broken_figure_is_reported_in_place(results: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """If drawing a figure raises, the report still renders and names the problem where the figure would be."""
    render_module = importlib.import_module("claimkit.report.render")  # `claimkit.report.render` is also the function

    def boom(spec, **kwargs):
        raise RuntimeError("matplotlib exploded")

    monkeypatch.setattr(render_module, "figure_svg", boom)
    page = render(results)
    assert page.count("Figure not drawn: RuntimeError: matplotlib exploded") == 2


def test_report_stays_small(html: str) -> None:
    """No embedded fonts or images, and coordinates are written with at most two decimals."""
    assert "@font-face" not in html and "data:" not in html and "<image" not in html
    assert len(html.encode()) < 80_000
    for d in re.findall(r'\sd="([^"]*)"', html):
        assert not re.search(r"\d\.\d{3}", d)


def test_claim_without_tests_or_checks_still_renders(results: dict) -> None:
    """A claim with no tests and no checks is listed with a note instead of empty tables."""
    results["claims"][-1]["tests"] = []
    page = render(results)
    assert 'id="claim-MAP-05"' in page and "No test was collected for this claim." in page


# -- load / validate ----------------------------------------------------------------------------

def test_load_round_trips_and_converts_nonfinite_strings(tmp_path: Path, results: dict) -> None:
    """'nan'/'inf' strings become floats and optional keys get defaults."""
    check = results["claims"][0]["checks"][1]
    check.update(estimate="nan", mcse="inf", ci=["-inf", 1.0])
    del check["note"], check["figure"], check["statistic"]
    doc = load_results(write_json(tmp_path / "r.json", results))
    got = doc["claims"][0]["checks"][1]
    assert got["estimate"] != got["estimate"] and got["mcse"] == float("inf") and got["ci"][0] == float("-inf")
    assert (got["note"], got["figure"], got["statistic"]) == ("", None, None)
    assert doc["unclaimed_tests"][0]["nodeid"] == "tests/test_misc.py::test_boom"
    assert "NaN ± ∞" in render(doc)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.pop("run"), r"`results` is missing the required key `run`"),
        (lambda d: d["run"].pop("root_seed"), r"`run` is missing the required key `root_seed`"),
        (lambda d: d.update(schema_version=3), r"unsupported `schema_version` 3; this reader knows version 2"),
        (lambda d: d.pop("schema_version"), r"`schema_version` is missing"),
        (lambda d: d["claims"][1].pop("verdict"), r"`claims\[1\]` is missing the required key `verdict`"),
        (lambda d: d["claims"][0].update(verdict="maybe"), r"`claims\[0\].verdict` must be one of 'supported'"),
        (lambda d: d["claims"][2]["checks"][0].update(alpha="0.1"), r"`claims\[2\].checks\[0\].alpha` must be a number"),
        (lambda d: d["claims"][0]["tests"][0].update(outcome="xpassed"), r"`claims\[0\].tests\[0\].outcome` must be one of"),
        (lambda d: d["run"]["alpha"].update(within="yes"), r"`run.alpha.within` must be a boolean; got string 'yes'"),
        (lambda d: d["claims"][0]["checks"][0].update(ci=[1]), r"`claims\[0\].checks\[0\].ci` must be null or an array of two"),
        (lambda d: d["claims"].append(copy.deepcopy(d["claims"][0])), r"`claims\[5\].id` 'CE-01' repeats `claims\[0\].id`"),
        (lambda d: d["claims"][2]["checks"][0]["figure"]["series"][0].update(lo=[1.0]),
         r"`claims\[2\].checks\[0\].figure`: `series\[0\].lo` must have the length of `series\[0\].x` \(4\)"),
    ],
)
def test_validation_names_the_offending_field(results: dict, mutate, match: str) -> None:
    """Each schema violation raises ResultsError with one sentence naming the field."""
    mutate(results)
    with pytest.raises(ResultsError, match=match) as info:
        validate_results(results)
    assert "\n" not in str(info.value)


def test_validation_rejects_a_non_object_document() -> None:
    """A JSON array at the top level is a schema violation."""
    with pytest.raises(ResultsError, match=r"`results` must be a JSON object; got array"):
        validate_results([])


def test_validation_keeps_unknown_keys(results: dict) -> None:
    """Extra keys a writer adds are preserved and do not break rendering."""
    results["run"]["calibration"] = {"k": 3}
    results["claims"][0]["extra"] = "x"
    doc = validate_results(results)
    assert doc["run"]["calibration"] == {"k": 3} and doc["claims"][0]["extra"] == "x"
    render(results)


# -- writing and the command line ---------------------------------------------------------------

def test_write_report_writes_atomically_and_rerenders(tmp_path: Path, results: dict) -> None:
    """write_report replaces the HTML in one step, leaves no temp files, and picks up new results."""
    src = write_json(tmp_path / "results.json", results)
    out = tmp_path / "site" / "index.html"
    assert write_report(src, out) == out
    assert out.read_text(encoding="utf-8") == render(results)
    results["claims"][0]["title"] = "A brand-new title"
    write_json(src, results)
    write_report(src, out)
    assert "A brand-new title" in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in out.parent.iterdir()) == ["index.html"]


def test_write_report_keeps_old_file_when_replace_fails(tmp_path: Path, results: dict,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """If the final rename fails, the old HTML stays byte-identical and the temp file is removed."""
    import claimkit.report.build as build

    src = write_json(tmp_path / "results.json", results)
    out = tmp_path / "index.html"
    out.write_bytes(b"old report")

    def fail(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build.os, "replace", fail)
    with pytest.raises(OSError):
        write_report(src, out)
    assert out.read_bytes() == b"old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "results.json"]


def test_write_report_preserves_file_mode(tmp_path: Path, results: dict) -> None:
    """A replaced report keeps the permissions of the file it replaces."""
    src = write_json(tmp_path / "results.json", results)
    out = tmp_path / "index.html"
    out.write_text("old")
    out.chmod(0o640)
    write_report(src, out)
    assert out.stat().st_mode & 0o777 == 0o640


def test_cli_renders_and_rerenders(tmp_path: Path, results: dict) -> None:
    """`python -m claimkit.report RESULTS -o HTML` exits 0, writes the rendered page, and re-renders on change."""
    src = write_json(tmp_path / "results.json", results)
    out = tmp_path / "index.html"
    cmd = [sys.executable, "-m", "claimkit.report", str(src), "-o", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"wrote {out}" and "error" not in proc.stderr
    assert out.read_text(encoding="utf-8") == render(results)
    results["run"]["root_seed"] = 99
    write_json(src, results)
    assert main([str(src), "-o", str(out)]) == 0
    assert "--mc-seed 99 " in out.read_text(encoding="utf-8")


def test_cli_writes_beside_the_results_by_default(tmp_path: Path, results: dict) -> None:
    """Without -o the CLI writes index.html beside the results file."""
    (tmp_path / "reports").mkdir()
    write_json(tmp_path / "reports" / "results.json", results)
    proc = subprocess.run([sys.executable, "-m", "claimkit.report", "reports/results.json"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "reports" / "index.html").read_text(encoding="utf-8") == render(results)


def _break_missing(path: Path, results: dict) -> None:
    """Leave no results file."""
    path.unlink()


def _break_json(path: Path, results: dict) -> None:
    """Truncate the JSON mid-document."""
    path.write_text(json.dumps(results)[:200], encoding="utf-8")


def _break_version(path: Path, results: dict) -> None:
    """Claim an unknown schema version."""
    write_json(path, {**results, "schema_version": 99})


def _break_key(path: Path, results: dict) -> None:
    """Drop a required key of one check."""
    del results["claims"][3]["checks"][0]["outcome"]
    write_json(path, results)


def _break_encoding(path: Path, results: dict) -> None:
    """Write bytes that are not UTF-8."""
    path.write_bytes(b'{"schema_version": 2, "run": "\xff"}')


@pytest.mark.parametrize(
    ("breaker", "needle"),
    [
        (_break_missing, "results file not found"),
        (_break_json, "malformed JSON: "),
        (_break_version, "unsupported `schema_version` 99; this reader knows version 2"),
        (_break_key, "`claims[3].checks[0]` is missing the required key `outcome`"),
        (_break_encoding, "not valid UTF-8"),
    ],
)
def test_cli_bad_input_exits_2_and_keeps_existing_report(tmp_path: Path, results: dict, capsys, breaker,
                                                         needle: str) -> None:
    """Missing, malformed, wrong-version or incomplete results: exit 2, one `error:` line, HTML untouched."""
    src = write_json(tmp_path / "results.json", results)
    out = tmp_path / "index.html"
    assert main([str(src), "-o", str(out)]) == 0
    before = out.read_bytes()
    capsys.readouterr()
    breaker(src, results)
    assert main([str(src), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {src}: ") and needle in lines[0]
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "results.json") == ["index.html"]


def test_cli_error_exit_code_in_a_real_process(tmp_path: Path) -> None:
    """The module entry point really exits with status 2 and a single stderr line."""
    out = tmp_path / "index.html"
    out.write_text("keep me")
    proc = subprocess.run([sys.executable, "-m", "claimkit.report", str(tmp_path / "nope.json"), "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == f"error: {tmp_path / 'nope.json'}: results file not found."
    assert out.read_text() == "keep me"


def test_cli_write_failure_exits_1(tmp_path: Path, results: dict, capsys) -> None:
    """When the output cannot be written the CLI says so and exits 1."""
    src = write_json(tmp_path / "results.json", results)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main([str(src), "-o", str(blocker / "index.html")]) == 1
    assert capsys.readouterr().err.startswith(f"error: cannot write {blocker / 'index.html'}: ")


def test_supporting_claims_are_counted_apart(results: dict) -> None:
    """A supporting claim is left out of the headline counts and shown in its own part."""
    doc = copy.deepcopy(results)
    doc["claims"][0]["supporting"] = True
    html = render(doc)
    n_docs = len(doc["claims"]) - 1
    assert f"<title>Claims report — {n_docs} claims," in html
    assert "Verdicts of the documents&#39; " + str(n_docs) + " claims" in html \
        or f"Verdicts of the documents' {n_docs} claims" in html
    assert 'id="family-supporting"' in html and "Supporting claim:" in html
    assert "1 <a href=\"#family-supporting\">supporting claim</a>" in html
