"""Tests of the figures the report derives from checks (forest / dot overviews), of series
thinning and tick labels, and of the page's script policy and calibration section."""

from __future__ import annotations

import base64
import copy
import hashlib
import math
import re

import pytest
from markupsafe import escape

from browser.samples import HOSTILE, as_json_safe, calibration_section, realistic_results
from claimkit.report import render, validate_results
from claimkit.report.derived import (EXACT_CAPTION, MAX_ROWS, STOCHASTIC_CAPTION, exact_rows,
                             overview_figures, row_labels, stochastic_rows)
from claimkit.report.figures import MAX_POINTS, figure_svg, forest_svg
from claimkit.report.svgdraw import log_label


@pytest.fixture(scope="module")
def doc() -> dict:
    """The realistic sample, validated (non-finite numbers as floats)."""
    return validate_results(as_json_safe(realistic_results()))


def _claim(doc: dict, cid: str) -> dict:
    return next(c for c in doc["claims"] if c["id"] == cid)


def _article(page: str, cid: str) -> str:
    start = page.index(f'id="claim-{cid}"')
    return page[start:page.index("</article>", start)]


# -- rows derived from checks -------------------------------------------------------------------

def test_stochastic_rows_are_deviations_in_units_of_delta(doc: dict) -> None:
    """Each Monte Carlo check becomes (estimate − target)/δ with its CI on the same scale."""
    checks = _claim(doc, "EX-04")["checks"]
    rows = stochastic_rows(checks)
    assert len(rows) == len(checks)
    for row, c in zip(rows, checks):
        assert row["estimate"] == pytest.approx((c["estimate"] - c["target"]) / c["delta"])
        assert row["lo"] == pytest.approx((c["ci"][0] - c["target"]) / c["delta"])
        assert row["hi"] == pytest.approx((c["ci"][1] - c["target"]) / c["delta"])
        assert row["role"] == c["role"] and row["ticks"] == []
    controls = [r for r in rows if r["role"] == "control"]
    assert controls and all(abs(r["estimate"]) > 1 for r in controls)


def test_stochastic_rows_mark_margins_and_skip_what_has_no_scale(doc: dict) -> None:
    """Margins become ±margin/δ ticks (only + for DKW distances); exact checks and δ-less checks are left out."""
    checks = _claim(doc, "ASY-02")["checks"]
    rows = stochastic_rows(checks)
    dkw, binom = checks[0], checks[1]
    assert rows[0]["ticks"] == [pytest.approx(dkw["margin"] / dkw["delta"])]
    assert rows[1]["ticks"] == [pytest.approx(-binom["margin"] / binom["delta"]),
                                pytest.approx(binom["margin"] / binom["delta"])]
    broken = copy.deepcopy(checks)
    broken[0]["delta"], broken[1]["target"] = 0.0, None
    assert len(stochastic_rows(broken)) == len(checks) - 2
    assert stochastic_rows(_claim(doc, "LIK-01")["checks"]) == []


def test_exact_rows_use_the_error_to_tolerance_ratio(doc: dict) -> None:
    """Exact checks are drawn at max error / tolerance; infinite ratios stay, NaN ones are dropped."""
    checks = _claim(doc, "LIK-02")["checks"]
    rows = exact_rows(checks)
    assert [r["estimate"] for r in rows] == [c["statistic"] for c in checks]
    assert math.isinf(rows[2]["estimate"]) and rows[2]["role"] == "control"
    nan = copy.deepcopy(checks)
    nan[0]["statistic"] = math.nan
    assert len(exact_rows(nan)) == len(checks) - 1


def test_row_labels_tell_apart_checks_of_the_same_name() -> None:
    """Repeated names get the parameters that differ between them; unique names stay bare."""
    checks = [{"name": "mean", "params": {"n": 10, "model": "a"}},
              {"name": "mean", "params": {"n": 20, "model": "a"}},
              {"name": "other", "params": {"n": 10}}]
    assert row_labels(checks) == ["mean · n=10", "mean · n=20", "other"]
    long = [{"name": "x" * 200, "params": {}}]
    assert len(row_labels(long)[0]) <= 80 and row_labels(long)[0].endswith("…")


def test_overviews_split_long_claims_into_parts(doc: dict) -> None:
    """More than MAX_ROWS checks of one kind are drawn as several figures, each titled with its part."""
    checks = _claim(doc, "EX-04")["checks"] * 6
    assert len(checks) > MAX_ROWS
    figures = overview_figures("EX-04", checks, "t-")
    parts = -(-len(checks) // MAX_ROWS)
    assert [f["title"] for f in figures] == [
        f"EX-04: Monte Carlo checks against their targets (part {i} of {parts})"
        for i in range(1, parts + 1)]
    assert all(f["svg"] and f["caption"] == STOCHASTIC_CAPTION and not f["error"] for f in figures)


# -- drawing ------------------------------------------------------------------------------------

def test_forest_draws_labels_reference_band_and_clipped_values() -> None:
    """Labels, legend, the reference and the ±δ band are drawn; values off the axis are annotated."""
    rows = [{"label": "near the target", "role": "literal", "estimate": 0.2, "lo": -0.5, "hi": 0.9},
            {"label": f"far control {HOSTILE}", "role": "control", "estimate": 80.0, "lo": 79.0,
             "hi": 81.0},
            {"label": "missed", "role": "literal", "estimate": 1.5, "lo": 1.1, "hi": 1.9,
             "as_expected": False}]
    svg = forest_svg(rows, title="T", xlabel="(value − target) / δ", reference_label="target",
                     band=(-1.0, 1.0), band_label="±δ", id_prefix="fx-")
    assert svg.startswith('<svg class="plot" role="img" ') and "<script" not in svg
    for text in ("near the target", "target", "±δ", "negative control", "literal", "80",
                 "beyond the axis", "outcome not as its role expects", "(value − target) / δ"):
        assert f">{text}" in svg, text
    assert "&lt;script&gt;" in svg
    assert svg == forest_svg(rows, title="T", xlabel="(value − target) / δ", reference_label="target",
                             band=(-1.0, 1.0), band_label="±δ", id_prefix="fx-")


def test_forest_on_a_log_axis_shows_zero_and_infinity_at_the_edges() -> None:
    """On a log axis an error of 0 is a hollow point at the left edge and ∞ an arrow at the right."""
    rows = [{"label": "exact zero", "role": "literal", "estimate": 0.0},
            {"label": "small", "role": "literal", "estimate": 1e-4},
            {"label": "broken", "role": "control", "estimate": math.inf}]
    svg = forest_svg(rows, title="T", xlabel="largest error ÷ tolerance", xscale="log",
                     reference=1.0, reference_label="tolerance (pass ≤ 1)")
    assert ">0 (drawn at the edge)<" in svg and ">∞<" in svg and ">10⁻⁴<" in svg


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rows": []}, r"`rows` must be a non-empty sequence"),
        ({"rows": [{"label": "a", "role": "maybe", "estimate": 1.0}]}, r"`rows\[0\].role` must be one of"),
        ({"rows": [{"label": "a", "estimate": math.nan}]}, r"`rows\[0\].estimate` must be a number"),
        ({"rows": [{"label": "a", "estimate": "1"}]}, r"`rows\[0\].estimate` must be a number"),
        ({"rows": [{"label": 3, "estimate": 1.0}]}, r"`rows\[0\].label` must be a string"),
        ({"xscale": "symlog"}, r"`xscale` must be 'linear' or 'log'"),
        ({"id_prefix": "1bad"}, r"`id_prefix` must start with a letter"),
        ({"width": 0}, r"`width` must lie in \(0, 20\]"),
    ],
)
def test_forest_rejects_bad_input_naming_the_parameter(kwargs: dict, match: str) -> None:
    """Malformed rows or options raise ValueError naming the parameter."""
    args = {"rows": [{"label": "a", "estimate": 1.0}], "title": "T", "xlabel": "x", **kwargs}
    with pytest.raises(ValueError, match=match):
        forest_svg(**args)


def test_long_series_are_thinned_keeping_their_ends() -> None:
    """A 5000-point ECDF is drawn from at most MAX_POINTS points, first and last included."""
    n = 5000
    x = [i / n for i in range(n)]
    spec = {"kind": "ecdf", "title": "E", "xlabel": "z", "ylabel": "F",
            "series": [{"label": "ECDF", "x": x, "y": x, "lo": x, "hi": x}],
            "reference": [{"label": "ref", "x": x, "y": x}]}
    svg = figure_svg(spec)
    longest = max(len(re.findall(r"[ML]", d)) for d in re.findall(r'\sd="([^"]*)"', svg))
    assert 2 * MAX_POINTS <= longest <= 4 * MAX_POINTS + 8  # a stepped band: 4 vertices per point
    assert len(svg) < 60_000
    short = {**spec, "series": [{"label": "ECDF", "x": x[:100], "y": x[:100]}], "reference": []}
    assert figure_svg(short).count("<path") >= 1


@pytest.mark.parametrize(
    ("value", "plain", "text"),
    [(1000, True, "1000"), (0.01, True, "0.01"), (1e-3, True, "10⁻³"), (1e5, True, "10⁵"),
     (1000, False, "10³"), (1, False, "1"), (2000, True, "2000"), (2e-5, True, "2×10⁻⁵"),
     (0.0, True, ""), (math.inf, True, "")],
)
def test_log_tick_labels_are_plain_text(value: float, plain: bool, text: str) -> None:
    """Log ticks read 0.01…10000 as numbers, other decades as 10ᵏ, never as mathtext."""
    assert log_label(value, plain) == text


# -- the page -----------------------------------------------------------------------------------

def test_claims_without_figure_specs_get_derived_overviews(doc: dict) -> None:
    """A claim whose tests attach no figure shows overviews with their captions; others show only their specs."""
    page = render(doc)
    ex04 = _article(page, "EX-04")
    assert ex04.count("<svg ") == 1 and str(escape(STOCHASTIC_CAPTION)) in ex04
    assert 'class="plot derived"' in ex04
    lik01 = _article(page, "LIK-01")
    assert lik01.count("<svg ") == 1 and str(escape(EXACT_CAPTION)) in lik01
    asy02 = _article(page, "ASY-02")
    assert asy02.count("<svg ") == 4 and "derived" not in asy02
    assert "<svg " not in _article(page, "GEN-01")  # no checks, nothing to draw


def test_scripts_are_pinned_by_the_content_security_policy(doc: dict) -> None:
    """The CSP forbids every fetch and allows exactly the page's one script, by its SHA-256."""
    page = render(doc)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    (script,) = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert csp.replace("&#39;", "'") == ("default-src 'none'; style-src 'unsafe-inline'; "
                                         f"script-src 'sha256-{digest}'; base-uri 'none'; "
                                         "form-action 'none'")


def test_calibration_section_is_shown_when_present(doc: dict) -> None:
    """A run with a calibration summary shows it between the failures and the contents."""
    with_cal = validate_results(as_json_safe({**realistic_results(), "calibration": calibration_section()}))
    page = render(with_cal)
    assert page.index('id="failures"') < page.index('id="calibration"') < page.index('id="contents"')
    assert "Calibration: do the decision rules keep their promises?" in page
    assert 'id="calibration"' not in render(doc)


def test_malformed_calibration_costs_only_its_section(doc: dict) -> None:
    """A calibration object the template cannot read is reported in place; every claim still renders."""
    page = render({**doc, "calibration": {"repetitions": 3}})
    assert "The calibration summary could not be shown: UndefinedError" in page
    assert page.count('<article class="claim"') == len(doc["claims"])


def test_row_labels_keep_the_part_that_tells_long_names_apart() -> None:
    """Long names that differ only near their end keep that end (issue: labels were cut
    before the distinguishing part)."""
    from claimkit.report.derived import row_labels

    stem = "forward algorithm equals the log of the sum over every hidden path of the chain"
    checks = [{"name": f"{stem} at sequence length T = {t}", "params": {}} for t in (50, 2000)]
    labels = row_labels(checks)
    assert len(set(labels)) == 2
    assert labels[0].endswith("T = 50") and labels[1].endswith("T = 2000")
    assert all(len(label) <= 72 for label in labels)
    # short names are untouched
    assert row_labels([{"name": "a"}, {"name": "b"}]) == ["a", "b"]


def test_caption_of_a_refuted_checks_figure_does_not_state_it_as_fact() -> None:
    """MAP-05's AdamW figure: the caption names the check and says it is refuted."""
    from claimkit.report.render import _figure_caption

    check = {"name": "AdamW converges to the Gaussian-prior MAP", "role": "refuted",
             "outcome": "fail", "control": False}
    caption = _figure_caption(check)
    assert caption == ("Drawn for the refuted check “AdamW converges to the Gaussian-prior "
                       "MAP”: the statement as written is refuted.")
    assert _figure_caption({**check, "role": "literal", "outcome": "pass"}).endswith(": pass.")
