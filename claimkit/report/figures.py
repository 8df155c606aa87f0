"""Figure specs (:mod:`claimkit.figures`) and check overviews -> inline SVG.

Figures are written as SVG directly (:mod:`claimkit.report.svgdraw`): a few hundred
elements per figure, 0.3–3 ms each, instead of a plotting library's 40–70 ms. The
output is fit for inlining in HTML, small and deterministic:

* text is ``<text>`` (no embedded glyphs or fonts; the page names the font) and every string
  is escaped, so labels cannot inject markup; labels are drawn literally (no TeX);
* no XML prolog, doctype, metadata, comments, style sheet or namespace URLs;
* coordinates are rounded (path data to 0.1 pt, positions to 0.01 pt), series longer than
  :data:`MAX_POINTS` are thinned to that many points, and log-axis tick labels are plain text
  (``10⁻³``);
* the margins are computed from the widths of the tick labels and titles measured in the
  figure font (matplotlib's font metrics, :func:`_text_width`);
* every ``id`` is prefixed so that several figures can share one page.

Two entry points: :func:`figure_svg` draws a figure spec that a claim test attached to a check;
:func:`forest_svg` draws one row per check on a common axis (the report derives these overviews
from the checks themselves, see :mod:`claimkit.report.derived`).
"""

from __future__ import annotations

import functools
import json
import math
import re
import textwrap
import unicodedata
import warnings
from typing import Any, Mapping, Sequence

from claimkit.figures import FIGURE_KINDS, SCALES, _label, validate_figure

from . import figure_cache, svgdraw

__all__ = ["FIGURE_KINDS", "SCALES", "MAX_POINTS", "ROLE_COLOURS", "validate_figure",
           "figure_svg", "forest_svg", "prerender"]

#: Longest series drawn: longer ones are thinned to this many evenly spaced points (ends kept).
MAX_POINTS = 400
#: Line series with at most this many points get a marker at each point.
MARKER_POINTS = 40
#: Colour of a check's row in an overview, by role (controls match the page's control tag).
ROLE_COLOURS: dict[str, str] = {"literal": "#1f77b4", "corrected": "#2ca02c",
                                "refuted": "#d62728", "condition": "#e07b00",
                                "control": "#6639ba"}

_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
_REF_DASHES = ("5.5,3.3", "2.2,2.2", "6.6,2.2,1.1,2.2")
_FONT_SIZE = 9.0
_TITLE_SIZE = 10.0
#: The figures' font: text widths are measured in it, and the page names it first.
_FONT_FAMILY = "DejaVu Sans"
#: Stand-in for the id prefix inside cached SVG; replaced only in id/url/href positions.
_PREFIX_TOKEN = "zzfigprefixzz"


def _thin_indices(n: int, k: int = MAX_POINTS) -> list[int]:
    """At most ``k`` evenly spaced indices of ``range(n)``, first and last included."""
    if n <= k:
        return list(range(n))
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})


def _thin(fig_spec: dict) -> dict:
    """The spec with every numeric series longer than :data:`MAX_POINTS` thinned (a new dict)."""
    out = dict(fig_spec)
    for group in ("series", "reference"):
        thinned = []
        for s in fig_spec[group]:
            n = len(s["x"])
            if n > MAX_POINTS and not (s["x"] and isinstance(s["x"][0], str)):
                keep = _thin_indices(n)
                s = {k: ([v[i] for i in keep] if isinstance(v, list) else v) for k, v in s.items()}
            thinned.append(s)
        out[group] = thinned
    return out


# -- drawing helpers ----------------------------------------------------------------------------

def _clean(values: list[float], log: bool) -> list[float]:
    """Non-finite values, and non-positive ones on a log axis, become NaN (gaps)."""
    return [v if math.isfinite(v) and (v > 0 or not log) else math.nan for v in values]


@functools.lru_cache(maxsize=4096)
def _glyph_width(char: str) -> float:
    """Advance width in points of ``char`` set in the figure font at 1 point (0 for a
    combining mark, which sits on the character before it)."""
    if unicodedata.combining(char):
        return 0.0
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=[_FONT_FAMILY], size=100.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs outside the font (CJK) measure as boxes
        return text_to_path.get_text_width_height_descent(char, prop, ismath=False)[0] / 100.0


def _text_width(text: str, size: float) -> float:
    """Width in points of ``text`` (its widest line) in the figure font at ``size`` points: the
    sum of its glyphs' advances (kerning, a few per cent at most, is left out)."""
    return max((size * sum(_glyph_width(c) for c in line) for line in text.split("\n")),
               default=0.0)


def _fit(text: str, width_pt: float, size: float) -> str:
    """``text`` cut (with an ellipsis) so that it is at most ``width_pt`` wide at ``size``."""
    if _text_width(text, size) <= width_pt:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _text_width(text[:mid].rstrip() + "…", size) <= width_pt:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def _fit_label(text: str, width_pt: float, size: float) -> str:
    """Like :func:`_fit`, but a ``" · "``-separated suffix (what tells rows apart) is kept whole
    when it takes at most half the width."""
    head, sep, tail = text.rpartition(" · ")
    if not sep or _text_width(text, size) <= width_pt:
        return _fit(text, width_pt, size)
    room = width_pt - _text_width(sep + tail, size)
    if room < width_pt / 2:
        return _fit(text, width_pt, size)
    return _fit(head, room, size) + sep + tail


def _legend_shape(labels: list[str], axes_width_pt: float, max_cols: int = 2) -> tuple[int, int]:
    """Columns and rows of a legend below the axes: as many columns (up to ``max_cols``) as fit."""
    if not labels:
        return 1, 0
    widest = max(_text_width(t, 8.0) for t in labels) + 36.0
    ncol = max(1, min(max_cols, len(labels), int(axes_width_pt // widest)))
    return ncol, math.ceil(len(labels) / ncol)


# -- drawing ------------------------------------------------------------------------------------

def _title_lines(title: str, width_pt: float) -> list[str]:
    """``title`` wrapped onto at most three lines that fit ``width_pt``."""
    if not title:
        return []
    if _text_width(title, _TITLE_SIZE) <= width_pt:
        return [title]
    chars = max(20, int(len(title) * width_pt / _text_width(title, _TITLE_SIZE)) - 2)
    lines = textwrap.wrap(title, chars)
    return lines[:2] + ([" ".join(lines[2:])] if len(lines) > 2 else [])


def _legend(canvas: svgdraw.Canvas, entries: list[tuple[str, dict]], centre: float, top: float,
            width_pt: float, max_cols: int = 2, size: float = 8.0) -> None:
    """Legend entries (label, swatch) in rows below the axes, centred on ``centre``.

    A swatch may hold ``band`` (a colour: a translucent box), ``line`` (a colour), ``dash``
    (a dash pattern), ``marker`` (a colour: a dot), ``hollow`` (an open dot), ``ring`` (a
    red ring), ``arrow`` (a triangle) and ``box`` (a colour and opacity: a filled box).
    """
    if not entries:
        return
    ncol, nrows = _legend_shape([e[0] for e in entries], width_pt, max_cols)
    col_w = max(_text_width(e[0], size) for e in entries) + 36.0
    x0 = centre - ncol * col_w / 2 + 6.0
    x0 = max(4.0, min(x0, canvas.width - ncol * col_w + 9.0))  # inside the figure
    row_h = size * 1.45
    for i, (label, sw) in enumerate(entries):
        x = x0 + (i % ncol) * col_w
        y = top + (i // ncol) * row_h + row_h / 2
        if "band" in sw:
            canvas.rect(x, y - 3.5, 16.0, 7.0, fill=sw["band"], fill_opacity=0.22)
        if "box" in sw:
            canvas.rect(x, y - 3.5, 16.0, 7.0, fill=sw["box"][0], fill_opacity=sw["box"][1])
        if "line" in sw:
            canvas.line(x, y, x + 16.0, y, fill="none", stroke=sw["line"], stroke_width=1.3,
                        stroke_dasharray=sw.get("dash"))
        if "marker" in sw:
            canvas.circle(x + 8.0, y, 2.25, fill=sw["marker"], stroke=sw["marker"])
        if "hollow" in sw:
            canvas.circle(x + 8.0, y, 2.25, fill="#ffffff", stroke=sw["hollow"])
        if "ring" in sw:
            canvas.circle(x + 8.0, y, 4.5, fill="none", stroke="#cf222e", stroke_width=1.3)
        if "arrow" in sw:
            canvas.path(_triangle(x + 8.0, y, right=True), fill=sw["arrow"], stroke=sw["arrow"])
        canvas.text(x + 22.4, y + size * 0.36, label, size=size, anchor="start")


def _triangle(x: float, y: float, right: bool, r: float = 2.6) -> str:
    s = 1.0 if right else -1.0
    return svgdraw.path_data([(x + s * r, y), (x - s * r, y - r), (x - s * r, y + r)],
                             close=True)


def _axes_ticks(canvas: svgdraw.Canvas, ax: svgdraw.Axis, ay: svgdraw.Axis | None,
                xticks: tuple[list, list, list], yticks: tuple[list, list, list] | None,
                box: tuple[float, float, float, float], grid: str = "#dddddd") -> None:
    """Grid (in colour ``grid``), spines, tick marks and tick labels of the axes ``box`` =
    (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    grid_line = {"fill": "none", "stroke": grid, "stroke_width": 0.6}
    tick = {"stroke": "#000000", "stroke_width": 0.8}
    for v, label in zip(xticks[0], xticks[1]):
        x = ax(v)
        canvas.line(x, y1, x, y0, **grid_line)
        canvas.line(x, y1, x, y1 + 3.5, **tick)
        canvas.text(x, y1 + 13.84, label, size=_FONT_SIZE)
    for v in xticks[2]:
        canvas.line(ax(v), y1, ax(v), y1 + 2.0, stroke="#000000", stroke_width=0.6)
    if ay is not None and yticks is not None:
        for v, label in zip(yticks[0], yticks[1]):
            y = ay(v)
            canvas.line(x0, y, x1, y, **grid_line)
            canvas.line(x0, y, x0 - 3.5, y, **tick)
            canvas.text(x0 - 7.0, y + 3.42, label, size=_FONT_SIZE, anchor="end")
        for v in yticks[2]:
            canvas.line(x0, ay(v), x0 - 2.0, ay(v), stroke="#000000", stroke_width=0.6)
        canvas.line(x0, y0, x0, y1, stroke="#000000", stroke_width=0.8)
    canvas.line(x0, y1, x1, y1, stroke="#000000", stroke_width=0.8)


def _band_data(ax: svgdraw.Axis, ay: svgdraw.Axis, x: list[float], lo: list[float],
               hi: list[float], steps: bool) -> str:
    """Path data of the band between ``lo`` and ``hi`` over ``x``: one closed outline per run
    of finite points (a gap at every non-finite one); ``steps`` holds each value to the next x."""
    runs: list[list[tuple[float, float, float]]] = [[]]
    for xv, a, b in zip(x, lo, hi):
        if math.isfinite(xv) and math.isfinite(a) and math.isfinite(b):
            runs[-1].append((ax(xv), ay(a), ay(b)))
        elif runs[-1]:
            runs.append([])
    d = []
    for run in runs:
        if not run:
            continue
        if steps:
            run = [p for k, (px, a, b) in enumerate(run)
                   for p in ((px, a, b), (run[k + 1][0] if k + 1 < len(run) else px, a, b))]
        upper = [(px, b) for px, _, b in run]
        lower = [(px, a) for px, a, _ in reversed(run)]
        d.append(svgdraw.path_data(upper + lower, close=True))
    return " ".join(d)


def _bars(canvas: svgdraw.Canvas, ax: svgdraw.Axis, ay: svgdraw.Axis, x: list[float],
          y: list[float], lo: list[float] | None, hi: list[float] | None, colour: str, *,
          slot: tuple[int, int], base: float) -> None:
    """Series ``slot[0]`` of ``slot[1]`` as bars from ``base`` at category positions ``x``,
    with error bars from ``lo`` to ``hi`` when given."""
    i, nser = slot
    bar_w = 0.8 / nser
    base_px = ay(base)
    err = {"fill": "none", "stroke": "#333333", "stroke_width": 0.8}
    for k, (xv, yv) in enumerate(zip(x, y)):
        if not (math.isfinite(xv) and math.isfinite(yv)):
            continue
        left = ax(xv - 0.4 + bar_w * i)
        width = ax(xv - 0.4 + bar_w * (i + 1)) - left
        top = ay(yv)
        canvas.rect(left, min(top, base_px), width, abs(base_px - top), fill=colour,
                    fill_opacity=0.85)
        if lo is not None and hi is not None:
            a = lo[k] if math.isfinite(lo[k]) else yv
            b = hi[k] if math.isfinite(hi[k]) else yv
            cx = left + width / 2
            canvas.line(cx, ay(a), cx, ay(b), **err)
            for v in (a, b):
                canvas.line(cx - 2.0, ay(v), cx + 2.0, ay(v), **err)


def _draw(fig_spec: dict, width: float, height: float) -> str:
    """Draw the normalised spec as SVG (ids under :data:`_PREFIX_TOKEN`)."""
    kind = fig_spec["kind"]
    xlog = fig_spec["xscale"] == "log" and kind != "bar"
    ylog = fig_spec["yscale"] == "log"
    series, refs = fig_spec["series"], fig_spec["reference"]
    categories: list = []
    if kind == "bar":
        for s in series:
            for c in s["x"]:
                if c not in categories:
                    categories.append(c)

    def xs(values: list) -> list[float]:
        if kind == "bar":
            return [float(categories.index(c)) if c in categories else math.nan for c in values]
        return _clean(values, xlog)

    # data limits
    xvals: list[float] = []
    yvals: list[float] = []
    for s in series + refs:
        xvals += xs(s["x"])
        yvals += _clean(s["y"], ylog)
        for key in ("lo", "hi"):
            if s.get(key) is not None:
                yvals += _clean(s[key], ylog)
    if kind == "bar":
        xlim = (-0.5 - 0.05 * len(categories), len(categories) - 0.5 + 0.05 * len(categories))
        ylo, yhi = svgdraw.padded_limits(yvals + [0.0], ylog)
        if not ylog and min((v for v in yvals if math.isfinite(v)), default=0.0) >= 0:
            ylo = 0.0
        ylim = (ylo, yhi)
    else:
        xlim = svgdraw.padded_limits(xvals, xlog)
        ylim = svgdraw.padded_limits(yvals, ylog)

    # layout (points): title, tick labels, axis labels and legend around the axes
    w_pt, h_pt = width * 72.0, height * 72.0
    line = _FONT_SIZE * 1.25
    probe_y = svgdraw.Axis(ylim[0], ylim[1], 1.0, 0.0, ylog)
    yticks = probe_y.ticks()
    if kind == "bar":
        names = [c if isinstance(c, str) else f"{c:g}" for c in categories]
        xticks = ([float(i) for i in range(len(names))], names, [])
    else:
        probe_x = svgdraw.Axis(xlim[0], xlim[1], 0.0, 1.0, xlog)
        xticks = probe_x.ticks()
    rotate = False
    rotation_extra = 0.0
    if kind == "bar":
        slot = (w_pt * 0.8) / max(1, len(xticks[1]))
        widest = max((_text_width(t, _FONT_SIZE) for t in xticks[1]), default=0.0)
        if widest > slot * 0.95:
            rotate, rotation_extra = True, widest * 0.5
    title = _title_lines(fig_spec["title"], w_pt - 20.0)
    top = 7.0 + (len(title) * _TITLE_SIZE * 1.3 + 6.0 if title else 0.0)
    bottom = 5.0 + line + 7.0 + (line + 3.0 if fig_spec["xlabel"] else 0.0) + rotation_extra
    axes_h = max(h_pt - top - bottom, 0.35 * h_pt)
    ylabel_lines: list[str] = []
    if fig_spec["ylabel"]:
        ylabel_lines = [fig_spec["ylabel"]]
        if _text_width(fig_spec["ylabel"], _FONT_SIZE) > 0.95 * axes_h:
            chars = max(12, int(len(fig_spec["ylabel"]) * 0.9 * axes_h
                                / _text_width(fig_spec["ylabel"], _FONT_SIZE)))
            ylabel_lines = textwrap.wrap(fig_spec["ylabel"], chars)[:3]
    ytick_w = max((_text_width(t, _FONT_SIZE) for t in yticks[1]), default=0.0)
    left = min(6.0 + ytick_w + 7.0 + len(ylabel_lines) * line + (4.0 if ylabel_lines else 0.0),
               0.55 * w_pt)
    last = _text_width(xticks[1][-1], _FONT_SIZE) / 2 if xticks[1] and not rotate else 0.0
    right = max(12.0, last + 4.0)

    # series, references and their legend entries
    entries: list[tuple[str, dict]] = []
    for i, s in enumerate(series):
        if s["label"]:
            colour = _PALETTE[i % len(_PALETTE)]
            sw: dict = {"box": (colour, 0.85)} if kind == "bar" else {"line": colour}
            if kind != "bar" and s["lo"] is not None and s["hi"] is not None:
                sw["band"] = colour
            label = s["label"] + (" (bars: interval)" if kind == "bar" and s["lo"] is not None
                                  and s["hi"] is not None else "")
            entries.append((label, sw))
    for j, r in enumerate(refs):
        if r["label"]:
            entries.append((r["label"], {"line": "#333333", "dash": _REF_DASHES[j % 3]}))
    ncol, nrows = _legend_shape([e[0] for e in entries], w_pt - left - right)
    legend_h = nrows * 8.0 * 1.45 + (8.0 if nrows else 0.0)
    h_total = top + axes_h + bottom + legend_h
    x0, x1, y0, y1 = left, w_pt - right, top, top + axes_h
    canvas = svgdraw.Canvas(w_pt, h_total, _PREFIX_TOKEN)
    canvas.clip_rect(x0, y0, x1 - x0, y1 - y0)
    ax = svgdraw.Axis(xlim[0], xlim[1], x0, x1, xlog)
    ay = svgdraw.Axis(ylim[0], ylim[1], y1, y0, ylog)
    _axes_ticks(canvas, ax, ay, xticks if kind != "bar" else ([], [], []), yticks,
                (x0, y0, x1, y1))
    if kind == "bar":
        for pos, name in zip(xticks[0], xticks[1]):
            x = ax(pos)
            canvas.line(x, y1, x, y1 + 3.5, stroke="#000000", stroke_width=0.8)
            if rotate:
                canvas.text(x, y1 + 12.0, name, size=_FONT_SIZE, anchor="end", angle=-30.0)
            else:
                canvas.text(x, y1 + 13.84, name, size=_FONT_SIZE)
    nser = max(1, len(series))
    for i, s in enumerate(series):
        colour = _PALETTE[i % len(_PALETTE)]
        x = xs(s["x"])
        y = _clean(s["y"], ylog)
        lo = _clean(s["lo"], ylog) if s["lo"] is not None else None
        hi = _clean(s["hi"], ylog) if s["hi"] is not None else None
        if kind == "bar":
            _bars(canvas, ax, ay, x, y, lo, hi, colour, slot=(i, nser),
                  base=ylim[0] if ylog else max(ylim[0], min(0.0, ylim[1])))
            continue
        if lo is not None and hi is not None:
            canvas.path(_band_data(ax, ay, x, lo, hi, steps=kind == "ecdf"), clip=True,
                        fill=colour, fill_opacity=0.22)
        pts: list[tuple[float, float] | None] = []
        finite = [(xv, yv) for xv, yv in zip(x, y) if math.isfinite(xv) and math.isfinite(yv)]
        for k, (xv, yv) in enumerate(zip(x, y)):
            if not (math.isfinite(xv) and math.isfinite(yv)):
                pts.append(None)
                continue
            pts.append((ax(xv), ay(yv)))
            if kind == "ecdf":
                nxt = next((xs_ for xs_ in x[k + 1:] if math.isfinite(xs_)), None)
                if nxt is not None:
                    pts.append((ax(nxt), ay(yv)))
        canvas.path(svgdraw.path_data(pts), clip=True, fill="none", stroke=colour,
                    stroke_width=1.3)
        if kind == "line" and len(finite) <= MARKER_POINTS:
            for xv, yv in finite:
                canvas.circle(ax(xv), ay(yv), 1.5, fill=colour, stroke=colour)
    for j, r in enumerate(refs):
        dash = _REF_DASHES[j % len(_REF_DASHES)]
        y = _clean(r["y"], ylog)
        x = xs(r["x"])
        style = {"fill": "none", "stroke": "#333333", "stroke_width": 1.1,
                 "stroke_dasharray": dash}
        if kind == "bar" and not any(math.isfinite(v) for v in x) and y and len(set(y)) == 1:
            canvas.line(x0, ay(y[0]), x1, ay(y[0]), **style)
            continue
        pts = [(ax(a), ay(b)) if math.isfinite(a) and math.isfinite(b) else None
               for a, b in zip(x, y)]
        canvas.path(svgdraw.path_data(pts), clip=True, **style)

    # texts
    centre = (x0 + x1) / 2
    for k, text in enumerate(title):
        canvas.text(centre, y0 - 8.0 - (len(title) - 1 - k) * _TITLE_SIZE * 1.3, text,
                    size=_TITLE_SIZE)
    if fig_spec["xlabel"]:
        canvas.text(centre, y1 + 26.84 + rotation_extra, fig_spec["xlabel"], size=_FONT_SIZE)
    for k, text in enumerate(ylabel_lines):
        xk = x0 - 7.0 - ytick_w - 4.0 - (len(ylabel_lines) - 1 - k) * line - 2.0
        canvas.text(xk, (y0 + y1) / 2, text, size=_FONT_SIZE, angle=-90.0)
    _legend(canvas, entries, centre, y1 + bottom - 2.0, x1 - x0)
    return canvas.svg()


def _with_prefix(svg: str, prefix: str) -> str:
    """Put the real id prefix where the cached SVG holds :data:`_PREFIX_TOKEN`."""
    return re.sub(r'(\sid="|url\(#|href="#)' + _PREFIX_TOKEN, lambda m: m.group(1) + prefix, svg)


def _check_prefix(id_prefix: str) -> None:
    """Refuse an id prefix that could break the markup."""
    if not isinstance(id_prefix, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        raise ValueError("`id_prefix` must start with a letter and hold only letters, digits, '-' or '_'.")


def figure_svg(spec: Mapping[str, Any], *, id_prefix: str = "fig-", width: float = 6.0,
               height: float = 3.5) -> str:
    """Draw a figure spec as an inline ``<svg>`` element.

    Parameters
    ----------
    spec : mapping
        A figure spec as in ``reports/SCHEMA.md`` (validated here).
    id_prefix : str
        Prepended to every ``id`` in the SVG; give each figure on a page its own prefix.
    width, height : float
        Size in inches (the page scales it down to fit).

    Returns
    -------
    str
        ``<svg …>…</svg>`` with no prolog; byte-identical for equal inputs.

    Raises
    ------
    ValueError
        If the spec is malformed, or ``id_prefix`` is not a plain identifier prefix.
    """
    _check_prefix(id_prefix)
    if not (0 < width <= 20 and 0 < height <= 20):
        raise ValueError("`width` and `height` must lie in (0, 20] inches.")
    fig_spec = _thin(validate_figure(spec))
    svg = _svg_cached(json.dumps(fig_spec, sort_keys=True), float(width), float(height))
    return _with_prefix(svg, id_prefix)


def prerender(spec: Mapping[str, Any], *, width: float = 6.0, height: float = 3.5) -> None:
    """Draw a figure spec into the disk cache (:mod:`claimkit.report.figure_cache`) now, so
    that :func:`figure_svg` of the same spec and size later finds it drawn.

    The test workers call this as each check's results arrive; without an active cache it
    does nothing. Raises ``ValueError`` as :func:`figure_svg` for a malformed spec.
    """
    if figure_cache.active() is None:
        return
    fig_spec = _thin(validate_figure(spec))
    _svg_cached(json.dumps(fig_spec, sort_keys=True), float(width), float(height))


def _disk_cached(kind: str, draw: Any, *parts: str) -> str:
    """``draw()``, looked up first in (and stored into) the active disk cache."""
    cache = figure_cache.active()
    if cache is None:
        return draw()
    key = cache.key(kind, *parts)
    svg = cache.get(key)
    if svg is None:
        svg = draw()
        cache.put(key, svg)
    return svg


@functools.lru_cache(maxsize=256)
def _svg_cached(spec_json: str, width: float, height: float) -> str:
    """Draw and tidy a normalised spec (given as canonical JSON); drawing is pure, so cache it
    (in memory, and on disk when a figure cache is active)."""
    return _disk_cached("figure", lambda: _svg_drawn(spec_json, width, height), spec_json,
                        repr(width), repr(height))


def _svg_drawn(spec_json: str, width: float, height: float) -> str:
    return _draw(json.loads(spec_json), width, height)


# -- overviews: one row per check ---------------------------------------------------------------

def _forest_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Validate and normalise the rows of :func:`forest_svg`."""
    if not isinstance(rows, Sequence) or isinstance(rows, (str, bytes)) or not rows:
        raise ValueError("`rows` must be a non-empty sequence of mappings.")
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, Mapping):
            raise ValueError(f"`rows[{i}]` must be a mapping.")
        label = _label(r.get("label"), f"rows[{i}].label")
        role = r.get("role", "literal")
        if role not in ROLE_COLOURS:
            raise ValueError(f"`rows[{i}].role` must be one of {', '.join(map(repr, ROLE_COLOURS))}; "
                             f"got {role!r}.")
        est = r.get("estimate")
        if isinstance(est, bool) or not isinstance(est, (int, float)) or math.isnan(est):
            raise ValueError(f"`rows[{i}].estimate` must be a number (±inf allowed), not {est!r}.")
        lo, hi = r.get("lo"), r.get("hi")
        for key, v in (("lo", lo), ("hi", hi)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise ValueError(f"`rows[{i}].{key}` must be a number or None.")
        ticks = [float(t) for t in r.get("ticks", ()) if math.isfinite(float(t))]
        out.append({"label": label, "role": role, "estimate": float(est),
                    "lo": None if lo is None else float(lo), "hi": None if hi is None else float(hi),
                    "ticks": ticks, "as_expected": bool(r.get("as_expected", True))})
    return out


def forest_svg(rows: Sequence[Mapping[str, Any]], *, title: str, xlabel: str,
               xscale: str = "linear", reference: float = 0.0, reference_label: str = "",
               band: tuple[float, float] | None = None, band_label: str = "",
               id_prefix: str = "forest-", width: float = 9.0) -> str:
    """Draw one horizontal row per check on a common axis (a forest / dot plot) as inline SVG.

    Parameters
    ----------
    rows : sequence of mapping
        One per check, top to bottom: ``label`` (str), ``role`` (a key of
        :data:`ROLE_COLOURS`), ``estimate`` (number, ±inf allowed), optional ``lo``/``hi``
        (interval ends), ``ticks`` (short vertical marks, e.g. ±margin) and ``as_expected``
        (False draws a red ring round the point).
    title, xlabel : str
        Texts of the figure.
    xscale : {'linear', 'log'}
        Axis scale. On a log axis, values <= 0 are drawn at the left edge as hollow points.
    reference : float
        Position of the vertical reference line (the target, or 1 for ratios).
    reference_label, band_label : str
        Legend entries of the reference line and of the shaded band.
    band : (float, float), optional
        A shaded vertical band, e.g. ±δ.
    id_prefix : str
        Prepended to every ``id`` in the SVG.
    width : float
        Width in inches; the height follows from the number of rows.

    Returns
    -------
    str
        ``<svg …>…</svg>``, deterministic for equal inputs.

    Raises
    ------
    ValueError
        If ``rows`` is empty or malformed, ``xscale`` is unknown, or ``id_prefix`` is unsafe.
    """
    _check_prefix(id_prefix)
    if xscale not in SCALES:
        raise ValueError(f"`xscale` must be 'linear' or 'log'; got {xscale!r}.")
    if not (0 < width <= 20):
        raise ValueError("`width` must lie in (0, 20] inches.")
    norm = _forest_rows(rows)
    key = json.dumps({"rows": norm, "title": title, "xlabel": xlabel, "xscale": xscale,
                      "reference": reference, "reference_label": reference_label,
                      "band": list(band) if band else None, "band_label": band_label,
                      "width": width}, sort_keys=True)
    return _with_prefix(_forest_cached(key), id_prefix)


def _forest_limits(rows: list[dict], log: bool, reference: float,
                   band: tuple[float, float] | None) -> tuple[float, float]:
    """x-limits: fit every non-control row, the reference and the band; controls only when
    they are not far outside (they are clipped to the edge otherwise)."""
    def values(rs: list[dict]) -> list[float]:
        vs = [v for r in rs for v in (r["estimate"], r["lo"], r["hi"], *r["ticks"])
              if v is not None and math.isfinite(v) and (v > 0 or not log)]
        return vs

    main = values([r for r in rows if r["role"] != "control"]) + [reference]
    if band:
        main += [b for b in band if math.isfinite(b) and (b > 0 or not log)]
    every = main + values([r for r in rows if r["role"] == "control"])
    if log:
        lo, hi = math.log10(min(main)), math.log10(max(main))
        lo_all, hi_all = math.log10(min(every)), math.log10(max(every))
        span = max(hi - lo, 1.0)
        lo = lo_all if lo - lo_all <= 2 * span else lo - 0.3 * span
        hi = hi_all if hi_all - hi <= 2 * span else hi + 0.3 * span
        pad = 0.06 * (hi - lo) + 0.15
        return 10 ** (lo - pad), 10 ** (hi + pad)
    lo, hi = min(main), max(main)
    span = max(hi - lo, 1e-300)
    lo_all, hi_all = min(every), max(every)
    lo = lo_all if lo - lo_all <= 2 * span else lo - 0.3 * span
    hi = hi_all if hi_all - hi <= 2 * span else hi + 0.3 * span
    pad = 0.06 * (hi - lo) or 1.0
    return lo - pad, hi + pad


@functools.lru_cache(maxsize=256)
def _forest_cached(key: str) -> str:
    """Draw and tidy one overview (arguments as canonical JSON), through the disk cache."""
    return _disk_cached("forest", lambda: _forest_drawn(key), key)


def _forest_drawn(key: str) -> str:
    a = json.loads(key)
    rows, log, width = a["rows"], a["xscale"] == "log", a["width"]
    band = tuple(a["band"]) if a["band"] else None
    n = len(rows)
    row_h = 13.0  # points per row
    label_size = _FONT_SIZE - 0.5
    labels = [_fit_label(r["label"], 0.5 * width * 72.0 - 12.0, label_size) for r in rows]
    ytick_w = max((_text_width(t, label_size) for t in labels), default=0.0)
    xmin, xmax = _forest_limits(rows, log, a["reference"], band)
    hollow_any = clipped_any = missed_any = False
    for r in rows:
        est = r["estimate"]
        hollow_any |= log and est <= 0
        clipped_any |= not (log and est <= 0) and (est < xmin or est > xmax)
        missed_any |= not r["as_expected"]
    entries: list[tuple[str, dict]] = []
    for role, colour in ROLE_COLOURS.items():
        if any(r["role"] == role for r in rows):
            entries.append((role if role != "control" else "negative control",
                            {"line": colour, "marker": colour}))
    if a["reference_label"]:
        entries.append((a["reference_label"], {"line": "#333333", "dash": _REF_DASHES[0]}))
    if band and a["band_label"]:
        entries.append((a["band_label"], {"box": ("#1f77b4", 0.10)}))
    if hollow_any:
        entries.append(("0 (drawn at the edge)", {"hollow": "#333333"}))
    if clipped_any:
        entries.append(("beyond the axis", {"arrow": "#333333"}))
    if missed_any:
        entries.append(("outcome not as its role expects", {"ring": True}))
    w_pt = width * 72.0
    line = _FONT_SIZE * 1.25
    title = _fit(a["title"], w_pt - 16.0, _TITLE_SIZE)
    ncol, legend_rows = _legend_shape([e[0] for e in entries], w_pt - 20.0, max_cols=3)
    top = 7.0 + (_TITLE_SIZE * 1.3 + 6.0 if title else 0.0)
    bottom = 5.0 + line + 7.0 + line + 3.0 + legend_rows * 8 * 1.35 + 10.0
    left = min(12.0 + ytick_w, 0.55 * w_pt)
    h_pt = min(20.0 * 72.0, top + bottom + n * row_h + 8.0)
    x0, x1, y0, y1 = left, w_pt - 14.0, top, h_pt - bottom
    canvas = svgdraw.Canvas(w_pt, h_pt, _PREFIX_TOKEN)
    canvas.clip_rect(x0, y0, x1 - x0, y1 - y0)
    ax = svgdraw.Axis(xmin, xmax, x0, x1, log)
    ay = svgdraw.Axis(n - 0.4, -0.6, y1, y0)
    for i in range(1, n, 2):
        canvas.rect(x0, ay(i - 0.5), x1 - x0, ay(i + 0.5) - ay(i - 0.5), fill="#f3f5f7")
    if band:
        b0, b1 = max(band[0], xmin), min(band[1], xmax)
        if b1 > b0 and (not log or b0 > 0):
            canvas.rect(ax(b0), y0, ax(b1) - ax(b0), y1 - y0, fill="#1f77b4", fill_opacity=0.10)
    majors, tick_labels, _ = ax.ticks()
    _axes_ticks(canvas, ax, None, (majors, tick_labels, []), None, (x0, y0, x1, y1),
                grid="#e3e3e3")
    if ax.inside(a["reference"]):
        canvas.line(ax(a["reference"]), y0, ax(a["reference"]), y1, fill="none",
                    stroke="#333333", stroke_width=1.0, stroke_dasharray=_REF_DASHES[0])
    for i, r in enumerate(rows):
        colour = ROLE_COLOURS[r["role"]]
        y = ay(i)
        lo, hi = r["lo"], r["hi"]
        if lo is not None or hi is not None:
            a_lo = lo if lo is not None and math.isfinite(lo) and not (log and lo <= 0) else xmin
            a_hi = hi if hi is not None and math.isfinite(hi) else xmax
            a_lo, a_hi = max(a_lo, xmin), min(a_hi, xmax)
            if a_hi >= a_lo:
                canvas.line(ax(a_lo), y, ax(a_hi), y, fill="none", stroke=colour,
                            stroke_width=1.6)
        for t in r["ticks"]:
            if xmin <= t <= xmax and ax.inside(t):
                canvas.line(ax(t), ay(i - 0.28), ax(t), ay(i + 0.28), fill="none",
                            stroke="#555555", stroke_width=0.9)
        est = r["estimate"]
        if log and est <= 0:
            canvas.circle(x0, y, 2.25, fill="#ffffff", stroke=colour)
            x = x0
        elif est < xmin or est > xmax:
            right = est > xmax
            x = x1 if right else x0
            canvas.path(_triangle(x, y, right=right), fill=colour, stroke=colour)
            canvas.text(x + (-7.0 if right else 7.0), y + 2.5, svgdraw.short_number(est), size=7.0,
                        anchor="end" if right else "start", fill=colour)
        else:
            x = ax(est)
            canvas.circle(x, y, 2.25, fill=colour, stroke=colour)
        if not r["as_expected"]:
            canvas.circle(x, y, 4.5, fill="none", stroke="#cf222e", stroke_width=1.3)
    for i, text in enumerate(labels):
        canvas.text(x0 - 7.0, ay(i) + label_size * 0.36, text, size=label_size, anchor="end")
    centre = (x0 + x1) / 2
    canvas.text(centre, y1 + 26.84, a["xlabel"], size=_FONT_SIZE)
    if title:
        canvas.text(w_pt / 2, 6.0 + _TITLE_SIZE, title, size=_TITLE_SIZE)
    _legend(canvas, entries, w_pt / 2, y1 + line + 7.0 + line + 8.0, w_pt - 20.0, max_cols=3)
    return canvas.svg()
