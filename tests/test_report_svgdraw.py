"""claimkit.report.svgdraw: the SVG the report's figures are written in."""

from __future__ import annotations

import math

import pytest

from claimkit.report import svgdraw
from claimkit.report.svgdraw import Axis, Canvas, fmt, linear_ticks, log_ticks, padded_limits


@pytest.mark.parametrize("value, places, text", [
    (100.0, 2, "100"), (2.5, 2, "2.5"), (0.125, 2, "0.12"), (-0.001, 2, "0"), (10.0, 1, "10"),
    (1234.5678, 1, "1234.6"), (-3.0, 0, "-3"),
])
def test_fmt_drops_only_decimal_zeros(value, places, text):
    assert fmt(value, places) == text


@pytest.mark.parametrize("lo, hi", [(0.0, 1.0), (-0.013, 0.0042), (0.95, 1.007), (1e5, 3e6),
                                    (0.8999, 0.9001), (-7.0, -6.5), (123.0, 9876.0)])
def test_linear_ticks_are_round_steps_inside_the_range(lo, hi):
    ticks, step = linear_ticks(lo, hi)
    assert 2 <= len(ticks) <= svgdraw.MAX_TICKS + 1
    assert all(lo - 1e-9 * (hi - lo) <= t <= hi + 1e-9 * (hi - lo) for t in ticks)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(abs(mantissa - m) < 1e-9 for m in (1.0, 2.0, 2.5, 5.0))
    labels = Axis(lo, hi, 0.0, 1.0).ticks()[1]
    assert len(set(labels)) == len(labels)  # distinct however narrow the range


def test_log_ticks_are_decades_or_one_two_five():
    majors, minors = log_ticks(0.015, 0.6)
    assert majors == pytest.approx([0.02, 0.05, 0.1, 0.2, 0.5]) and minors == []
    majors, minors = log_ticks(40.0, 2e5)
    assert majors == pytest.approx([100.0, 1e3, 1e4, 1e5]) and 40.0 <= min(minors)
    majors, minors = log_ticks(1e-9, 1e12)
    assert len(majors) <= 9 and minors == []
    labels = Axis(1e-9, 1e3, 0.0, 1.0, log=True).ticks()[1]
    assert labels[0] == "10⁻⁹" and labels[-1] == "10³"


def test_padded_limits():
    assert padded_limits([0.0, 10.0], log=False) == pytest.approx((-0.5, 10.5))
    lo, hi = padded_limits([1.0, 100.0, -1.0, math.nan], log=True)
    assert lo == pytest.approx(10 ** -0.1) and hi == pytest.approx(10 ** 2.1)
    assert padded_limits([], log=False) == (0.0, 1.0)
    lo, hi = padded_limits([3.0, 3.0], log=False)
    assert lo < 3.0 < hi


def test_axis_maps_both_ends_and_log_midpoints():
    a = Axis(1.0, 100.0, 10.0, 110.0, log=True)
    assert a(1.0) == pytest.approx(10.0) and a(10.0) == pytest.approx(60.0)
    assert a(100.0) == pytest.approx(110.0)
    assert not a.inside(0.0) and Axis(-1.0, 1.0, 0.0, 1.0).inside(0.0)


def test_paths_break_at_gaps_and_close_when_asked():
    assert svgdraw.path_data([(0, 0), None, (1, 1), (2, 2.25)]) == "M 0 0 M 1 1 L 2 2.2"
    assert svgdraw.path_data([(0, 0), (1, 0), (1, 1)], close=True).endswith(" z")
    assert svgdraw.path_data([None]) == ""


def test_canvas_escapes_text_and_prefixes_its_clip():
    c = Canvas(100.0, 50.0, "p1-")
    c.clip_rect(1, 2, 3, 4)
    c.path("M 0 0 L 1 1", clip=True, stroke="#000")
    c.text(5, 5, "<b>&</b>", size=9.0, angle=-90.0)
    svg = c.svg()
    assert svg.startswith('<svg class="plot" role="img" width="100pt" height="50pt"')
    assert 'id="p1-clip"' in svg and 'clip-path="url(#p1-clip)"' in svg
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in svg and "<b>" not in svg
    assert 'transform="rotate(-90 5 5)"' in svg
