"""Figure specs (:mod:`claimkit.figures`) and check overviews -> inline SVG.

Drawing uses matplotlib's object API (``matplotlib.figure.Figure``, no pyplot, so no global
backend or figure registry is touched) and saves to SVG in memory. The output is made fit for
inlining in HTML, small and deterministic:

* text stays ``<text>`` (``svg.fonttype = "none"``: no embedded glyphs or fonts), and matplotlib
  escapes every string it writes, so labels cannot inject markup;
* no XML prolog, doctype, metadata, comments, style sheet or namespace URLs;
* coordinates are rounded (path data to 0.1 pt, positions to 0.01 pt), series longer than
  :data:`MAX_POINTS` are thinned to that many points, and log-axis tick labels are plain text
  (``10⁻³``) rather than mathtext, which keeps drawing fast;
* the margins are computed from the measured widths of the tick labels and titles (no layout
  engine), and a fixed ``svg.hashsalt`` makes equal inputs give equal bytes;
* every ``id`` is prefixed so that several figures can share one page.

Two entry points: :func:`figure_svg` draws a figure spec that a claim test attached to a check;
:func:`forest_svg` draws one row per check on a common axis (the report derives these overviews
from the checks themselves, see :mod:`claimkit.report.derived`).
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import textwrap
import warnings
from typing import Any, Mapping, Sequence

from claimkit.figures import FIGURE_KINDS, SCALES, _label, validate_figure

from . import figure_cache

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
_REF_DASHES = ((0, (5, 3)), (0, (2, 2)), (0, (6, 2, 1, 2)))
_FONT_SIZE = 9.0
_TITLE_SIZE = 10.0
_RC = {
    "svg.hashsalt": "reports-figure",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": _FONT_SIZE,
    "axes.titlesize": _TITLE_SIZE,
    "legend.fontsize": 8,
    "path.simplify": True,
    "axes.unicode_minus": True,
    "axes.formatter.use_mathtext": False,
}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
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


def _log_label(value: float, plain: bool = True) -> str:
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


def _short_number(value: float) -> str:
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


def _log_formatter() -> Any:
    """A formatter that writes every decade of one axis alike: all plain when every tick lies
    in [0.01, 10000], otherwise all as powers of ten."""
    from matplotlib import ticker

    class LogLabels(ticker.Formatter):
        plain = True

        def set_locs(self, locs: Any) -> None:
            lo, hi = self.axis.get_view_interval() if self.axis is not None else (0.0, 0.0)
            lo, hi = min(lo, hi), max(lo, hi)
            shown = [v for v in locs if lo <= v <= hi and v > 0] or list(locs)
            self.plain = all(0.01 <= v <= 1e4 for v in shown)

        def __call__(self, x: float, pos: Any = None) -> str:
            return _log_label(x, self.plain)

    return LogLabels()


def _set_log_ticks(axis: Any, lo: float, hi: float) -> None:
    """Decade ticks labelled as plain text; 1-2-5 ticks when fewer than three decades are visible."""
    from matplotlib import ticker

    decades = math.floor(math.log10(hi)) - math.ceil(math.log10(lo)) if lo > 0 and hi > lo else 0
    if decades >= 2:
        axis.set_major_locator(ticker.LogLocator(base=10.0, numticks=9))
        if decades <= 5:
            axis.set_minor_locator(ticker.LogLocator(base=10.0, subs=tuple(range(2, 10)),
                                                     numticks=12))
        else:
            axis.set_minor_locator(ticker.NullLocator())
        axis.set_minor_formatter(ticker.NullFormatter())
        axis.set_major_formatter(_log_formatter())
    else:
        axis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0), numticks=12))
        axis.set_minor_locator(ticker.NullLocator())
        axis.set_major_formatter(_log_formatter())


@functools.lru_cache(maxsize=4096)
def _text_width(text: str, size: float) -> float:
    """Width in points of ``text`` set in the figure font at ``size`` points (no mathtext)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    if not text:
        return 0.0
    prop = FontProperties(family=_RC["font.sans-serif"], size=size)
    width = 0.0
    for line in text.split("\n"):
        width = max(width, text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0])
    return width


def _tick_labels(axis: Any, lo: float, hi: float) -> list[str]:
    """The labels of the major ticks that fall inside ``[lo, hi]``."""
    lo, hi = min(lo, hi), max(lo, hi)
    span = (hi - lo) * 1e-9
    locs = [v for v in axis.get_majorticklocs() if lo - span <= v <= hi + span]
    formatter = axis.get_major_formatter()
    formatter.set_locs(locs)
    return [str(formatter(v, i)) for i, v in enumerate(locs)]


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


def _wrap_title(ax: Any, title: str, width_pt: float, parse_math: bool) -> int:
    """Set ``title``, wrapped onto at most three lines that fit ``width_pt``; return the line count."""
    if not title:
        return 0
    text = title
    if _text_width(title, _TITLE_SIZE) > width_pt and "$" not in title:
        chars = max(20, int(len(title) * width_pt / _text_width(title, _TITLE_SIZE)) - 2)
        lines = textwrap.wrap(title, chars)
        text = "\n".join(lines[:2] + ([" ".join(lines[2:])] if len(lines) > 2 else []))
    ax.set_title(text).set_parse_math(parse_math)
    return text.count("\n") + 1


def _legend_shape(labels: list[str], axes_width_pt: float, max_cols: int = 2) -> tuple[int, int]:
    """Columns and rows of a legend below the axes: as many columns (up to ``max_cols``) as fit."""
    if not labels:
        return 1, 0
    widest = max(_text_width(t, 8.0) for t in labels) + 36.0
    ncol = max(1, min(max_cols, len(labels), int(axes_width_pt // widest)))
    return ncol, math.ceil(len(labels) / ncol)


def _layout(fig: Any, ax: Any, *, width: float, height: float, title_lines: int,
            xlabel: bool, ylabel: str, legend: tuple[list, list], parse_math: bool,
            xtick_rotation_extra: float = 0.0) -> None:
    """Size the figure and place the axes so that tick labels, axis labels, title and a legend
    below the axes all fit; the axes keep the height they would have without a legend."""
    from matplotlib.legend_handler import HandlerTuple

    w_pt, h_pt = width * 72.0, height * 72.0
    line = _FONT_SIZE * 1.25
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    yticks = _tick_labels(ax.yaxis, *ylim)
    xticks = _tick_labels(ax.xaxis, *xlim)
    ytick_width = max((_text_width(t, _FONT_SIZE) for t in yticks), default=0.0)
    formatter = ax.yaxis.get_major_formatter()
    offset = formatter.get_offset() if hasattr(formatter, "get_offset") else ""
    top = 7.0 + (title_lines * _TITLE_SIZE * 1.3 + 6.0 if title_lines else 0.0) \
        + (line if offset else 0.0)
    bottom = 5.0 + line + 7.0 + (line + 3.0 if xlabel else 0.0) + xtick_rotation_extra
    axes_h = max(h_pt - top - bottom, 0.35 * h_pt)
    ylabel_lines = 0
    if ylabel:
        text = ylabel
        if "$" not in ylabel and _text_width(ylabel, _FONT_SIZE) > 0.95 * axes_h:
            chars = max(12, int(len(ylabel) * 0.9 * axes_h / _text_width(ylabel, _FONT_SIZE)))
            text = "\n".join(textwrap.wrap(ylabel, chars)[:3])
        ax.set_ylabel(text).set_parse_math(parse_math)
        ylabel_lines = text.count("\n") + 1
    left = min(6.0 + ytick_width + 7.0 + ylabel_lines * line + (4.0 if ylabel_lines else 0.0),
               0.55 * w_pt)
    last = _text_width(xticks[-1], _FONT_SIZE) / 2 if xticks else 0.0
    right = max(12.0, last + 4.0)
    handles, labels = legend
    ncol, nrows = _legend_shape(labels, w_pt - left - right)
    legend_h = nrows * 8.0 * 1.45 + (8.0 if nrows else 0.0)
    h_total = top + axes_h + bottom + legend_h
    fig.set_size_inches(width, h_total / 72.0)
    fig.subplots_adjust(left=left / w_pt, right=1 - right / w_pt,
                        bottom=(bottom + legend_h) / h_total, top=1 - top / h_total)
    if handles:
        leg = ax.legend(handles, labels, loc="upper center", ncol=ncol, frameon=False,
                        bbox_to_anchor=(0.5, -(bottom - 2.0) / axes_h), borderaxespad=0.0,
                        handlelength=2.0, columnspacing=1.5,
                        handler_map={tuple: HandlerTuple(ndivide=1)})
        for t in leg.get_texts():
            t.set_parse_math(parse_math)


def _savefig(fig: Any) -> str:
    """The figure as matplotlib's SVG document text."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


# -- figure specs -------------------------------------------------------------------------------

def _draw(fig_spec: dict, width: float, height: float, parse_math: bool) -> str:
    """Draw the normalised spec and return matplotlib's raw SVG text."""
    import matplotlib
    from matplotlib.figure import Figure

    kind = fig_spec["kind"]
    xlog, ylog = fig_spec["xscale"] == "log", fig_spec["yscale"] == "log"
    with matplotlib.rc_context(_RC), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = Figure(figsize=(width, height))
        ax = fig.add_subplot()
        categories: list = []
        handles: list = []
        labels: list[str] = []
        if kind == "bar":
            for s in fig_spec["series"]:
                for c in s["x"]:
                    if c not in categories:
                        categories.append(c)
            nser = max(1, len(fig_spec["series"]))
            bar_w = 0.8 / nser
        for i, s in enumerate(fig_spec["series"]):
            colour = _PALETTE[i % len(_PALETTE)]
            y = _clean(s["y"], ylog)
            lo = _clean(s["lo"], ylog) if s["lo"] is not None else None
            hi = _clean(s["hi"], ylog) if s["hi"] is not None else None
            if kind == "bar":
                pos = [categories.index(c) - 0.4 + bar_w * (i + 0.5) for c in s["x"]]
                yerr = None
                if lo is not None and hi is not None:
                    yerr = [[max(0.0, a - b) if math.isfinite(a - b) else 0.0 for a, b in zip(y, lo)],
                            [max(0.0, b - a) if math.isfinite(b - a) else 0.0 for a, b in zip(y, hi)]]
                bars = ax.bar(pos, [0.0 if math.isnan(v) else v for v in y], width=bar_w,
                              color=colour, alpha=0.85, yerr=yerr, capsize=2,
                              error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
                if s["label"]:
                    handles.append(bars.patches[0] if bars.patches else bars)
                    labels.append(s["label"] + (" (bars: interval)" if yerr else ""))
                continue
            x = _clean(s["x"], xlog)
            band = None
            if lo is not None and hi is not None:
                band = ax.fill_between(x, lo, hi, color=colour, alpha=0.22, linewidth=0,
                                       step="post" if kind == "ecdf" else None)
            if kind == "ecdf":
                (line,) = ax.step(x, y, where="post", color=colour, linewidth=1.3)
            else:
                few = sum(math.isfinite(v) for v in y) <= MARKER_POINTS
                (line,) = ax.plot(x, y, color=colour, linewidth=1.3,
                                  marker="o" if few else None, markersize=3)
            if s["label"]:
                handles.append((band, line) if band is not None else line)
                labels.append(s["label"])
        for j, r in enumerate(fig_spec["reference"]):
            dash = _REF_DASHES[j % len(_REF_DASHES)]
            y = _clean(r["y"], ylog)
            if kind == "bar":
                pts = [(categories.index(c), v) for c, v in zip(r["x"], y) if c in categories]
                if not pts and len(set(y)) == 1 and y:
                    ref = ax.axhline(y[0], color="#333333", linestyle=dash, linewidth=1.1)
                    if r["label"]:
                        handles.append(ref)
                        labels.append(r["label"])
                    continue
                x = [p[0] for p in pts]
                y = [p[1] for p in pts]
            else:
                x = _clean(r["x"], xlog)
            (ref,) = ax.plot(x, y, color="#333333", linestyle=dash, linewidth=1.1)
            if r["label"]:
                handles.append(ref)
                labels.append(r["label"])
        rotation_extra = 0.0
        if kind == "bar":
            names = [c if isinstance(c, str) else f"{c:g}" for c in categories]
            ax.set_xticks(range(len(categories)))
            ticks = ax.set_xticklabels(names)
            slot = (width * 72.0 * 0.8) / max(1, len(names))
            widest = max((_text_width(t, _FONT_SIZE) for t in names), default=0.0)
            if widest > slot * 0.95:
                for t in ticks:
                    t.set_rotation(30)
                    t.set_horizontalalignment("right")
                rotation_extra = widest * 0.5
            for t in ticks:
                t.set_parse_math(False)
        else:
            ax.set_xscale(fig_spec["xscale"])
        ax.set_yscale(fig_spec["yscale"])
        ax.autoscale_view()
        if xlog and kind != "bar":
            _set_log_ticks(ax.xaxis, *ax.get_xlim())
        if ylog:
            _set_log_ticks(ax.yaxis, *ax.get_ylim())
        ax.set_xlabel(fig_spec["xlabel"]).set_parse_math(parse_math)
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        title_lines = _wrap_title(ax, fig_spec["title"], width * 72.0 - 20.0, parse_math)
        _layout(fig, ax, width=width, height=height, title_lines=title_lines,
                xlabel=bool(fig_spec["xlabel"]), ylabel=fig_spec["ylabel"],
                legend=(handles, labels), parse_math=parse_math,
                xtick_rotation_extra=rotation_extra)
        return _savefig(fig)


# -- SVG post-processing ------------------------------------------------------------------------

_NUM = re.compile(r"-?\d+\.\d+")
_COORD_ATTR = re.compile(r'\s(d|x|y|width|height|transform)="([^"]*)"')


def _round_numbers(text: str, places: int = 2) -> str:
    """Round every decimal number in ``text`` to ``places`` places, dropping trailing zeros."""
    def fix(m: re.Match) -> str:
        s = f"{float(m.group(0)):.{places}f}".rstrip("0").rstrip(".")
        return "0" if s == "-0" else s
    return _NUM.sub(fix, text)


def _drop_bare_groups(svg: str) -> str:
    """Remove ``<g>`` wrappers without attributes (and their ``</g>``); they change nothing."""
    out: list[str] = []
    stack: list[bool] = []
    pos = 0
    for m in re.finditer(r"<g>\n?|<g\s[^>]*>|</g>\n?", svg):
        out.append(svg[pos:m.start()])
        tag = m.group(0)
        if tag.startswith("</g>"):
            if stack.pop():
                out.append(tag)
        elif tag.startswith("<g>"):
            stack.append(False)
        else:
            stack.append(True)
            out.append(tag)
        pos = m.end()
    out.append(svg[pos:])
    return "".join(out)


def _coords(m: re.Match) -> str:
    """Rounded coordinate attribute: path data to 0.1 pt, everything else to 0.01."""
    value = " ".join(m.group(2).split())
    return f' {m.group(1)}="{_round_numbers(value, 1 if m.group(1) == "d" else 2)}"'


def _tidy(svg: str, prefix: str) -> str:
    """Make matplotlib's SVG document an inline, compact, id-safe ``<svg>`` element."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<defs>\s*</defs>", "", svg)
    svg = re.sub(r"\s*<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'\s(xmlns(:\w+)?|version)="[^"]*"', "", svg)
    svg = _COORD_ATTR.sub(_coords, svg)
    svg = re.sub(r"\n\s+", "\n", svg).strip()
    svg = re.sub(r";?\s*font-family: [^;\"]*", "", svg)
    svg = re.sub(r'\sstyle="\s*"', "", svg)
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    svg = re.sub(r'\sid="([^"]+)"',
                 lambda m: f' id="{prefix}{m.group(1)}"' if m.group(1) in referenced else "", svg)
    svg = re.sub(r'(url\(#|href="#)([^)"]+)', lambda m: m.group(1) + prefix + m.group(2), svg)
    svg = re.sub(r'\stransform="rotate\(-?0 [^"]*\)"', "", svg)
    svg = _drop_bare_groups(svg)
    return svg.replace("<svg ", '<svg class="plot" role="img" ', 1)


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
    fig_spec = json.loads(spec_json)
    try:
        raw = _draw(fig_spec, width, height, parse_math=True)
    except ValueError:
        # A label that looks like mathtext but does not parse: draw every label literally.
        raw = _draw(fig_spec, width, height, parse_math=False)
    return _tidy(raw, _PREFIX_TOKEN)


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
    import matplotlib
    from matplotlib import transforms
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    a = json.loads(key)
    rows, log, width = a["rows"], a["xscale"] == "log", a["width"]
    band = tuple(a["band"]) if a["band"] else None
    n = len(rows)
    row_h = 13.0  # points per row
    with matplotlib.rc_context(_RC), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        label_size = _FONT_SIZE - 0.5
        labels = [_fit_label(r["label"], 0.5 * width * 72.0 - 12.0, label_size) for r in rows]
        ytick_w = max((_text_width(t, label_size) for t in labels), default=0.0)
        fig = Figure(figsize=(width, 3.0))
        ax = fig.add_subplot()
        xmin, xmax = _forest_limits(rows, log, a["reference"], band)
        ax.set_xscale(a["xscale"])
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(n - 0.4, -0.6)
        if band:
            ax.axvspan(max(band[0], xmin), min(band[1], xmax), color="#1f77b4", alpha=0.10,
                       linewidth=0)
        ax.axvline(a["reference"], color="#333333", linestyle=_REF_DASHES[0], linewidth=1.0)
        clipped_any = hollow_any = missed_any = False
        for i in range(1, n, 2):
            ax.axhspan(i - 0.5, i + 0.5, color="#f3f5f7", linewidth=0, zorder=0)
        for i, r in enumerate(rows):
            colour = ROLE_COLOURS[r["role"]]
            lo, hi = r["lo"], r["hi"]
            if lo is not None or hi is not None:
                a_lo = lo if lo is not None and math.isfinite(lo) and not (log and lo <= 0) else xmin
                a_hi = hi if hi is not None and math.isfinite(hi) else xmax
                a_lo, a_hi = max(a_lo, xmin), min(a_hi, xmax)
                if a_hi >= a_lo:
                    ax.plot([a_lo, a_hi], [i, i], color=colour, linewidth=1.6,
                            solid_capstyle="butt")
            for t in r["ticks"]:
                if xmin <= t <= xmax:
                    ax.plot([t, t], [i - 0.28, i + 0.28], color="#555555", linewidth=0.9)
            est = r["estimate"]
            marker, face = "o", colour
            if log and est <= 0:
                x, marker, face, hollow_any = xmin, "o", "white", True
            elif est < xmin:
                x, marker, clipped_any = xmin, "<", True
            elif est > xmax:
                x, marker, clipped_any = xmax, ">", True
            else:
                x = est
            ax.plot([x], [i], marker=marker, markersize=4.5, color=colour,
                    markerfacecolor=face, markeredgewidth=1.0, linestyle="none", clip_on=False)
            if marker in "<>":
                ax.annotate(_short_number(est),
                            (x, i), xytext=(-7 if marker == ">" else 7, 0),
                            textcoords="offset points", va="center", fontsize=7,
                            ha="right" if marker == ">" else "left", color=colour,
                            annotation_clip=False).set_parse_math(False)
            if not r["as_expected"]:
                missed_any = True
                ax.plot([x], [i], marker="o", markersize=9, markerfacecolor="none",
                        markeredgecolor="#cf222e", markeredgewidth=1.3, linestyle="none",
                        clip_on=False)
        ax.set_yticks([])
        row_label = transforms.blended_transform_factory(ax.transAxes, ax.transData)
        for i, text in enumerate(labels):
            ax.annotate(text, (0, i), xycoords=row_label, xytext=(-7, 0),
                        textcoords="offset points", ha="right", va="center",
                        fontsize=label_size, annotation_clip=False).set_parse_math(False)
        if log:
            _set_log_ticks(ax.xaxis, xmin, xmax)
        ax.set_xlabel(a["xlabel"]).set_parse_math(False)
        ax.grid(True, axis="x", which="major", color="#e3e3e3", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        title = _fit(a["title"], width * 72.0 - 16.0, _TITLE_SIZE)
        title_lines = 1 if title else 0
        handles = []
        for role in ROLE_COLOURS:
            if any(r["role"] == role for r in rows):
                handles.append(Line2D([], [], color=ROLE_COLOURS[role], marker="o", markersize=4.5,
                                      linewidth=1.6, label=role if role != "control"
                                      else "negative control"))
        if a["reference_label"]:
            handles.append(Line2D([], [], color="#333333", linestyle=_REF_DASHES[0],
                                  linewidth=1.0, label=a["reference_label"]))
        if band and a["band_label"]:
            handles.append(Patch(color="#1f77b4", alpha=0.10, label=a["band_label"]))
        if hollow_any:
            handles.append(Line2D([], [], color="#333333", marker="o", markerfacecolor="white",
                                  linestyle="none", markersize=4.5, label="0 (drawn at the edge)"))
        if clipped_any:
            handles.append(Line2D([], [], color="#333333", marker=">", linestyle="none",
                                  markersize=4.5, label="beyond the axis"))
        if missed_any:
            handles.append(Line2D([], [], marker="o", markersize=9, markerfacecolor="none",
                                  markeredgecolor="#cf222e", linestyle="none",
                                  label="outcome not as its role expects"))
        ncol, legend_rows = _legend_shape([h.get_label() for h in handles], width * 72.0 - 20.0,
                                          max_cols=3)
        w_pt = width * 72.0
        line = _FONT_SIZE * 1.25
        top = 7.0 + (title_lines * _TITLE_SIZE * 1.3 + 6.0 if title_lines else 0.0)
        bottom = 5.0 + line + 7.0 + line + 3.0 + legend_rows * 8 * 1.35 + 10.0
        left = min(12.0 + ytick_w, 0.55 * w_pt)
        h_pt = min(20.0 * 72.0, top + bottom + n * row_h + 8.0)
        fig.set_size_inches(width, h_pt / 72.0)
        fig.subplots_adjust(left=left / w_pt, right=1 - 14.0 / w_pt, bottom=bottom / h_pt,
                            top=1 - top / h_pt)
        axes_h = h_pt - top - bottom
        if title:
            fig.text(0.5, 1 - 6.0 / h_pt, title, ha="center", va="top",
                     fontsize=_TITLE_SIZE).set_parse_math(False)
        if handles:
            legend = ax.legend(handles=handles, loc="upper center", ncol=ncol, frameon=False,
                               bbox_to_anchor=(0.5, -(line + 7.0 + line + 8.0) / axes_h),
                               bbox_transform=ax.transAxes, handlelength=1.8, columnspacing=1.2)
            for t in legend.get_texts():
                t.set_parse_math(False)
        raw = _savefig(fig)
    return _tidy(raw, _PREFIX_TOKEN)
