"""SVG written directly for the report's figures: scales, ticks, paths and text.

The report draws a few hundred small line and dot plots per run. A plotting library spends
40–70 ms on each (artist trees, transforms, a text layout engine); writing the handful of
elements these figures need takes 0.3–3 ms (``benchmarks/test_figures.py``), so the figures
cost the run almost nothing. :mod:`claimkit.report.figures` decides what a figure shows and where it goes; this
module only turns that into markup:

* :class:`Axis` maps data to page coordinates on a linear or log scale and chooses the ticks
  (1-2-2.5-5 steps; decades on log axes, 1-2-5 within fewer than two decades) and their labels;
* :class:`Canvas` collects elements and writes one ``<svg class="plot">`` with every id under
  a prefix, coordinates rounded (path data to 0.1 pt, positions to 0.01 pt) and every text
  escaped, so labels cannot inject markup.

Units are points; the page scales the figure to its column (``viewBox``).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

__all__ = ["Axis", "Canvas", "fmt", "linear_ticks", "log_label", "log_ticks", "padded_limits",
           "short_number"]

#: Most ticks a linear axis gets (fewer when the 1-2-2.5-5 steps allow).
MAX_TICKS: int = 6
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt(value: float, places: int = 2) -> str:
    """``value`` with at most ``places`` decimals, trailing zeros dropped (``-0`` as ``0``)."""
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def log_label(value: float, plain: bool = True) -> str:
    """Tick label on a log axis: ``0.01``…``10000`` as plain numbers when ``plain``, other
    decades as ``10⁻⁵``; off-decade ticks (short ranges) with three significant digits."""
    if not (value > 0 and math.isfinite(value)):
        return ""
    k = math.log10(value)
    kr = round(k)
    if abs(k - kr) > 1e-9:
        if 1e-3 <= value < 1e5:
            return f"{value:.6g}"
        mantissa = value / 10.0 ** math.floor(k)
        return f"{mantissa:.2g}×10" + str(math.floor(k)).translate(_SUPERSCRIPT)
    if plain and -2 <= kr <= 4:
        return f"{10.0 ** kr:g}" if kr < 0 else str(10 ** kr)
    return "1" if kr == 0 else "10" + str(kr).translate(_SUPERSCRIPT)


def short_number(value: float) -> str:
    """A number in three significant digits for a label: ``0.0123``, ``4.5×10⁻⁷``, ``−∞``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if 999.5 <= abs(value) < 1e5:
        return f"{value:.0f}".replace("-", "−")
    if value == 0 or 1e-3 <= abs(value) < 999.5:
        return f"{value:.3g}".replace("-", "−")
    k = math.floor(math.log10(abs(value)))
    mantissa = f"{value / 10.0 ** k:.3g}".replace("-", "−")
    return f"{mantissa}×10" + str(k).translate(_SUPERSCRIPT)


def linear_ticks(lo: float, hi: float, max_ticks: int = MAX_TICKS) -> tuple[list[float], float]:
    """Ticks at multiples of a 1, 2, 2.5 or 5 × 10ᵏ step inside ``[lo, hi]``, and the step."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return [lo], 1.0
    mag = 10.0 ** math.floor(math.log10(span / max_ticks))
    step = mag * 10.0
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if span / (m * mag) <= max_ticks:
            step = m * mag
            break
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [k * step for k in range(first, last + 1)], step


def _step_places(step: float) -> int:
    """Decimals that write every multiple of ``step`` exactly (at most 12)."""
    for places in range(13):
        if abs(round(step, places) - step) <= 1e-9 * step:
            return places
    return 12


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[float]]:
    """Major and minor ticks of a log axis on ``[lo, hi]``: decades (at most nine, every k-th
    when more) with 2…9 minor ticks up to five decades; 1-2-5 majors within fewer than two."""
    k0, k1 = math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9)
    if k1 - k0 >= 2:
        stride = max(1, math.ceil((k1 - k0 + 1) / 9))
        majors = [10.0 ** k for k in range(k0, k1 + 1) if (k - k0) % stride == 0]
        minors = ([m * 10.0 ** k for k in range(k0 - 1, k1 + 1) for m in range(2, 10)
                   if lo <= m * 10.0 ** k <= hi] if k1 - k0 <= 5 else [])
        return majors, minors
    majors = [m * 10.0 ** k for k in range(k0 - 1, k1 + 1) for m in (1.0, 2.0, 5.0)
              if lo * (1 - 1e-9) <= m * 10.0 ** k <= hi * (1 + 1e-9)]
    return majors, []


def padded_limits(values: Iterable[float], log: bool, pad: float = 0.05) -> tuple[float, float]:
    """Limits holding every finite value (positive ones on a log axis) with ``pad`` of the span
    added at each end (in log space on a log axis); a default range when there are none."""
    vs = [v for v in values if math.isfinite(v) and (v > 0 or not log)]
    if not vs:
        return (1.0, 10.0) if log else (0.0, 1.0)
    if log:
        a, b = padded_limits([math.log10(v) for v in vs], False, pad)
        return 10.0 ** a, 10.0 ** b
    lo, hi = min(vs), max(vs)
    if hi == lo:
        half = max(abs(lo) * 0.05, 1e-9)
        return lo - half, hi + half
    span = hi - lo
    return lo - pad * span, hi + pad * span


@dataclass(frozen=True)
class Axis:
    """A data range ``[lo, hi]`` drawn from page coordinate ``p0`` to ``p1``."""

    lo: float
    hi: float
    p0: float
    p1: float
    log: bool = False

    def __call__(self, v: float) -> float:
        if self.log:
            a, b, v = math.log10(self.lo), math.log10(self.hi), math.log10(v)
        else:
            a, b = self.lo, self.hi
        return self.p0 + (v - a) / (b - a) * (self.p1 - self.p0)

    def inside(self, v: float) -> bool:
        """``v`` can be placed on the axis (finite, positive on a log axis)."""
        return math.isfinite(v) and (v > 0 or not self.log)

    def ticks(self) -> tuple[list[float], list[str], list[float]]:
        """Major tick positions inside the range, their labels and the minor ticks."""
        if self.log:
            majors, minors = log_ticks(self.lo, self.hi)
            decades = all(abs(math.log10(v) - round(math.log10(v))) < 1e-9 for v in majors)
            # Decades alone: plain from 0.01 to 10⁴, else all as powers of ten. With 1-2-5
            # ticks: plain wherever they are written plain (10⁻³ to 10⁵), so an axis is alike.
            plain = all(0.01 <= v <= 1e4 if decades else 1e-3 <= v < 1e5 for v in majors)
            return majors, [log_label(v, plain) for v in majors], minors
        majors, step = linear_ticks(self.lo, self.hi)
        big = max((abs(v) for v in majors), default=0.0)
        labels = [fmt(v, _step_places(step)).replace("-", "−") for v in majors]
        if big >= 1e5 or 0 < big < 1e-4:
            short = [short_number(v) if v != 0 else "0" for v in majors]
            if len(set(short)) == len(short):
                labels = short
        return majors, labels, []


def _style(**props: object) -> str:
    return "; ".join(f"{k.replace('_', '-')}: {v}" for k, v in props.items() if v is not None)


@dataclass
class Canvas:
    """Elements of one figure ``width`` × ``height`` points; ids start with ``prefix``."""

    width: float
    height: float
    prefix: str
    parts: list[str] = field(default_factory=list)
    clip_id: str | None = None

    def clip_rect(self, x: float, y: float, w: float, h: float) -> None:
        """Define the plot area: paths drawn with ``clip=True`` stay inside it."""
        self.clip_id = f"{self.prefix}clip"
        self.parts.append(f'<defs>\n<clipPath id="{self.clip_id}"><rect x="{fmt(x)}" '
                          f'y="{fmt(y)}" width="{fmt(w)}" height="{fmt(h)}"/></clipPath>\n'
                          "</defs>")

    def path(self, d: str, *, clip: bool = False, **style: object) -> None:
        """A path with data ``d`` (see :func:`path_data`) and CSS properties ``style``."""
        if not d:
            return
        clip_attr = f' clip-path="url(#{self.clip_id})"' if clip and self.clip_id else ""
        self.parts.append(f'<path d="{d}"{clip_attr} style="{_style(**style)}"/>')

    def line(self, x0: float, y0: float, x1: float, y1: float, **style: object) -> None:
        self.path(f"M {fmt(x0, 1)} {fmt(y0, 1)} L {fmt(x1, 1)} {fmt(y1, 1)}", **style)

    def rect(self, x: float, y: float, w: float, h: float, **style: object) -> None:
        self.parts.append(f'<rect x="{fmt(x)}" y="{fmt(y)}" width="{fmt(w)}" '
                          f'height="{fmt(h)}" style="{_style(**style)}"/>')

    def circle(self, x: float, y: float, r: float, **style: object) -> None:
        self.parts.append(f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(r)}" '
                          f'style="{_style(**style)}"/>')

    def text(self, x: float, y: float, s: str, *, size: float, anchor: str = "middle",
             angle: float = 0.0, fill: str | None = None) -> None:
        """Text with its baseline at ``y``, turned by ``angle`` degrees about ``(x, y)``
        (-90: reading upwards)."""
        if not s:
            return
        turn = f' transform="rotate({fmt(angle)} {fmt(x)} {fmt(y)})"' if angle else ""
        style = _style(font_size=f"{fmt(size)}px", text_anchor=anchor, fill=fill)
        self.parts.append(f'<text style="{style}" x="{fmt(x)}" y="{fmt(y)}"{turn}>'
                          f"{html.escape(s, quote=False)}</text>")

    def svg(self) -> str:
        """The figure as one ``<svg>`` element."""
        w, h = fmt(self.width, 1), fmt(self.height, 1)
        head = (f'<svg class="plot" role="img" width="{w}pt" height="{h}pt" '
                f'viewBox="0 0 {w} {h}">')
        return "\n".join([head, *self.parts, "</svg>"])


def path_data(points: Sequence[tuple[float, float] | None], close: bool = False) -> str:
    """``M … L …`` through ``points``; ``None`` breaks the line (a gap)."""
    out: list[str] = []
    pen_up = True
    for p in points:
        if p is None:
            pen_up = True
            continue
        out.append(f"{'M' if pen_up else 'L'} {fmt(p[0], 1)} {fmt(p[1], 1)}")
        pen_up = False
    if close and out:
        out.append("z")
    return " ".join(out)
