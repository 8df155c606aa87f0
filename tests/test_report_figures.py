"""Tests of the report's figures (spec -> inline SVG) and of its number and command formatting."""

from __future__ import annotations

import math
import re
import subprocess

import pytest

from claimkit.report.figures import figure_svg, validate_figure
from claimkit.report.render import claim_anchor, fmt_estimate, fmt_interval, fmt_num, fmt_seconds, repro_command


def line_spec(**overrides) -> dict:
    """A log-log RMSE-vs-n figure with a band and a dashed −1/2 reference."""
    spec = {
        "kind": "line", "title": "RMSE vs n", "xlabel": "sample size n", "ylabel": "RMSE",
        "xscale": "log", "yscale": "log",
        "series": [{"label": "MLE", "x": [10, 100, 1000], "y": [0.3, 0.1, 0.03],
                    "lo": [0.27, 0.09, 0.027], "hi": [0.33, 0.11, 0.033]}],
        "reference": [{"label": "slope −1/2", "x": [10, 1000], "y": [0.3, 0.03]}],
    }
    spec.update(overrides)
    return spec


def test_figure_is_a_bare_inline_svg_element() -> None:
    """No XML prolog, doctype, metadata, comments, style sheet, namespaces or URLs: just <svg>…</svg>."""
    svg = figure_svg(line_spec())
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    for banned in ("<?xml", "<!DOCTYPE", "<metadata", "<!--", "<style", "xmlns", "http", "@font-face"):
        assert banned not in svg, banned


def test_figure_shows_title_axis_labels_and_legend() -> None:
    """Title, both axis labels and one legend entry per series (band and line together) are <text>."""
    svg = figure_svg(line_spec())
    for text in ("RMSE vs n", "sample size n", "RMSE", "MLE", "slope −1/2"):
        assert svg.count(f">{text}</text>") == 1, text
    assert "(band)" not in svg


def test_band_is_shaded_and_reference_is_dashed() -> None:
    """lo/hi draw a translucent fill; reference lines carry a dash pattern; neither appears when absent."""
    svg = figure_svg(line_spec())
    assert "fill-opacity: 0.22" in svg and "stroke-dasharray" in svg
    plain = line_spec(reference=[])
    del plain["series"][0]["lo"], plain["series"][0]["hi"]
    svg = figure_svg(plain)
    assert "fill-opacity" not in svg and "stroke-dasharray" not in svg


def test_log_axes_are_drawn_when_asked() -> None:
    """Log axes label decades as plain text (0.01…10000, else 10ᵏ; 1-2-5 steps on short ranges); linear axes do not."""
    svg = figure_svg(line_spec())
    assert all(f">{t}</text>" in svg for t in ("10", "100", "1000", "0.05", "0.1", "0.2"))
    assert "<tspan" not in svg  # no mathtext superscripts
    wide = line_spec()
    wide["series"][0].update(x=[1e-9, 1e-5, 1e3], lo=None, hi=None)
    svg = figure_svg(wide)
    assert all(f">{t}</text>" in svg for t in ("10⁻⁹", "10⁻³", "10³")) and ">1000</text>" not in svg
    linear = figure_svg(line_spec(xscale="linear", yscale="linear"))
    assert ">100</text>" not in linear and "⁻" not in linear


def test_figure_is_deterministic_and_ids_are_prefixed() -> None:
    """Equal specs give equal SVG; every id carries the prefix so figures can share a page."""
    a = figure_svg(line_spec(), id_prefix="f0-0-")
    assert a == figure_svg(line_spec(), id_prefix="f0-0-")
    b = figure_svg(line_spec(), id_prefix="f1-0-")
    ids_a = re.findall(r'\sid="([^"]+)"', a)
    ids_b = re.findall(r'\sid="([^"]+)"', b)
    assert ids_a and all(i.startswith("f0-0-") for i in ids_a) and not set(ids_a) & set(ids_b)
    refs = re.findall(r'(?:url\(#|href="#)([^)"]+)', a)
    assert refs and set(refs) <= set(ids_a)


def test_coordinates_have_limited_precision() -> None:
    """Path data and positions are rounded to two decimals."""
    svg = figure_svg(line_spec())
    for attr in re.findall(r'\s(?:d|x|y|width|height|transform)="([^"]*)"', svg):
        assert not re.search(r"\d\.\d{3}", attr), attr


def test_hostile_labels_are_escaped() -> None:
    """A label with <script> ends up as escaped text, never as markup."""
    hostile = "<script>alert(1)</script>"
    spec = line_spec(title=hostile, xlabel=f"n {hostile}")
    spec["series"][0]["label"] = hostile
    svg = figure_svg(spec)
    assert "<script" not in svg
    assert svg.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3


def test_label_that_is_not_valid_mathtext_is_drawn_literally() -> None:
    """A label with unbalanced TeX between dollars does not break the figure."""
    svg = figure_svg(line_spec(xlabel=r"cost $\frac{1$"))
    assert r">cost $\frac{1$</text>" in svg


@pytest.mark.parametrize("kind", ["ecdf", "bar"])
def test_other_kinds_render(kind: str) -> None:
    """ECDF (steps with band) and bar (categories, error bars) figures render with their labels."""
    spec = line_spec(kind=kind, xscale="linear", yscale="linear")
    if kind == "bar":
        spec["series"][0]["x"] = ["n=10", "n=100", "n=1000"]
        spec["reference"] = [{"label": "nominal", "x": ["n=10", "n=1000"], "y": [0.2, 0.2]}]
    svg = figure_svg(spec)
    assert svg.startswith("<svg ") and ">sample size n</text>" in svg
    if kind == "bar":
        assert ">n=100</text>" in svg and ">nominal</text>" in svg


def test_nonfinite_and_nonpositive_values_leave_gaps() -> None:
    """'nan'/'inf' strings, nulls and non-positive values on log axes are skipped, not fatal."""
    spec = line_spec()
    spec["series"][0]["y"] = [0.3, "nan", -1.0]
    spec["series"][0]["hi"] = [0.33, "inf", None]
    assert figure_svg(spec).startswith("<svg ")


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"kind": "pie"}, r"`kind` must be one of 'line', 'ecdf', 'bar'; got 'pie'"),
        ({"xscale": "symlog"}, r"`xscale` must be 'linear' or 'log'; got 'symlog'"),
        ({"series": [{"x": [1, 2], "y": [1]}]}, r"`series\[0\].y` must have the length of `series\[0\].x` \(2\)"),
        ({"series": [{"x": [1], "y": [1], "lo": [0]}]}, r"`series\[0\]` must give both `lo` and `hi`"),
        ({"series": [{"x": [1], "y": ["a"]}]}, r"`series\[0\].y` must be an array of numbers; found 'a'"),
        ({"series": [{"y": [1]}]}, r"`series\[0\]` is missing `x`"),
        ({"series": [], "reference": []}, r"`series` must hold at least one series"),
        ({"title": 3}, r"`title` must be a string"),
    ],
)
def test_figure_spec_errors_name_the_field(overrides: dict, match: str) -> None:
    """Malformed specs raise ValueError naming the offending field."""
    with pytest.raises(ValueError, match=match):
        validate_figure(line_spec(**overrides))


def test_id_prefix_is_validated() -> None:
    """An id prefix that could break the markup is refused."""
    with pytest.raises(ValueError, match=r"`id_prefix` must start with a letter"):
        figure_svg(line_spec(), id_prefix='x" onload="')


# -- formatting ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"), (0, "0"), (0.0, "0"), (1.0, "1"), (20261121, "20261121"), (12.5, "12.5"),
        (0.001234, "0.001234"), (0.50123456, "0.5012"), (123456.7, "123457"), (-0.5, "-0.5"),
        (1e-06, "1e-6"), (0.000412, "4.12e-4"), (2.5e7, "2.5e7"), (math.nan, "NaN"),
        (math.inf, "∞"), (-math.inf, "-∞"),
    ],
)
def test_fmt_num_is_compact(value, text: str) -> None:
    """Numbers use 4 significant digits, plain notation in [1e-3, 1e6) and short exponents outside."""
    assert fmt_num(value) == text


@pytest.mark.parametrize(
    ("estimate", "mcse", "text"),
    [
        (0.50123, 0.00312, "0.5012 ± 0.0031"),
        (12.3456, 1.2, "12.3 ± 1.2"),
        (0.5, 0.1, "0.50 ± 0.10"),
        (1.0, None, "1"),
        (1e-9, 1e-10, "1e-9 ± 1e-10"),
        (math.nan, 0.1, "NaN ± 0.1"),
        (None, None, "—"),
    ],
)
def test_fmt_estimate_matches_precision_to_mcse(estimate, mcse, text: str) -> None:
    """The estimate is shown to the precision of two significant digits of its MCSE."""
    assert fmt_estimate(estimate, mcse) == text


def test_fmt_interval_and_seconds() -> None:
    """Intervals are bracketed pairs; times are short and humane."""
    assert fmt_interval([0.48591, 0.51652]) == "[0.4859, 0.5165]"
    assert fmt_interval(None) == "—"
    assert [fmt_seconds(s) for s in (0.001, 0.123, 41.23, 725, 7300)] == [
        "<0.01 s", "0.12 s", "41.2 s", "12 min 05 s", "2 h 01 min"]


def test_claim_anchor_is_stable() -> None:
    """Anchors are claim-<ID>, whitespace replaced by hyphens."""
    assert claim_anchor("CE-07") == "claim-CE-07"
    assert claim_anchor(" MAP 05 ") == "claim-MAP-05"


@pytest.mark.parametrize(
    "nodeid",
    [
        "claims/test_cross_entropy.py::test_ce07[n=10]",
        "claims/t.py::test[a b-$HOME-`id`]",
        "claims/t.py::test[\"&'-<script>]",
        "claims/t.py::test[back\\slash!]",
    ],
)
def test_repro_command_survives_the_shell(nodeid: str) -> None:
    """bash receives the node id verbatim from the reproducing command, whatever characters it holds."""
    cmd = repro_command(nodeid, 20261121, "standard")
    assert cmd.startswith("pytest ") and cmd.endswith(" --mc-seed 20261121 --mc-scale standard")
    quoted = cmd[len("pytest "):-len(" --mc-seed 20261121 --mc-scale standard")]
    if nodeid.startswith("claims/test_cross_entropy"):
        assert quoted == f'"{nodeid}"'
    out = subprocess.run(["bash", "-c", f"printf '%s' {quoted}"], capture_output=True, text=True, check=True)
    assert out.stdout == nodeid
