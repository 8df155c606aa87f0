"""Figure specs (``checks[].figure``, see ``reports/SCHEMA.md``) -> inline SVG strings.

Drawing uses matplotlib's object API (``matplotlib.figure.Figure``, no pyplot, so no global
backend or figure registry is touched) and saves to SVG in memory. The output is made fit for
inlining in HTML and deterministic: fixed ``svg.hashsalt``, text kept as ``<text>``
(``svg.fonttype = "none"``, no embedded glyphs), no XML prolog, doctype, metadata, comments or
namespace URLs, coordinates rounded to 0.01 pt, and every ``id`` prefixed so that several figures
can share one page. Matplotlib escapes all text it writes, so labels cannot inject markup.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import warnings
from typing import Any, Mapping

__all__ = ["FIGURE_KINDS", "SCALES", "validate_figure", "figure_svg"]

FIGURE_KINDS: tuple[str, ...] = ("line", "ecdf", "bar")
SCALES: tuple[str, ...] = ("linear", "log")

_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
_REF_DASHES = ((0, (5, 3)), (0, (2, 2)), (0, (6, 2, 1, 2)))
_RC = {
    "svg.hashsalt": "reports-figure",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "legend.fontsize": 8,
    "path.simplify": True,
    "axes.unicode_minus": True,
}
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


# -- validation ---------------------------------------------------------------------------------

def _numbers(value: Any, name: str) -> list[float]:
    """A list of numbers; ``"nan"``/``"inf"``/``"-inf"`` and null become non-finite floats."""
    if not isinstance(value, list):
        raise ValueError(f"`{name}` must be an array of numbers.")
    out = []
    for v in value:
        if v is None:
            out.append(math.nan)
        elif isinstance(v, str) and v in _NONFINITE:
            out.append(_NONFINITE[v])
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            raise ValueError(f"`{name}` must be an array of numbers; found {v!r}.")
    return out


def _label(value: Any, name: str) -> str:
    """An optional string (null or absent -> '')."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"`{name}` must be a string.")
    return value


def _series(value: Any, name: str, kind: str, band: bool) -> dict:
    """One series (or reference line): label, x, y and optional lo/hi of the same length."""
    if not isinstance(value, Mapping):
        raise ValueError(f"`{name}` must be an object with `x` and `y`.")
    for key in ("x", "y"):
        if key not in value:
            raise ValueError(f"`{name}` is missing `{key}`.")
    x_raw = value["x"]
    if kind == "bar" and isinstance(x_raw, list) and all(isinstance(v, str) for v in x_raw) and x_raw:
        x: list = list(x_raw)  # categorical bars
    else:
        x = _numbers(x_raw, f"{name}.x")
    out: dict[str, Any] = {"label": _label(value.get("label"), f"{name}.label"), "x": x,
                           "y": _numbers(value["y"], f"{name}.y")}
    if len(out["y"]) != len(x):
        raise ValueError(f"`{name}.y` must have the length of `{name}.x` ({len(x)}).")
    if band:
        for key in ("lo", "hi"):
            if value.get(key) is None:
                out[key] = None
                continue
            out[key] = _numbers(value[key], f"{name}.{key}")
            if len(out[key]) != len(x):
                raise ValueError(f"`{name}.{key}` must have the length of `{name}.x` ({len(x)}).")
        if (out["lo"] is None) != (out["hi"] is None):
            raise ValueError(f"`{name}` must give both `lo` and `hi`, or neither.")
    return out


def validate_figure(spec: Any) -> dict:
    """Check a figure spec and return a normalised copy (floats, defaults filled in).

    Raises
    ------
    ValueError
        Naming the offending field, e.g. "`series[0].lo` must have the length of `series[0].x` (5)."
    """
    if not isinstance(spec, Mapping):
        raise ValueError("`figure` must be an object.")
    kind = spec.get("kind")
    if kind not in FIGURE_KINDS:
        raise ValueError(f"`kind` must be one of {', '.join(map(repr, FIGURE_KINDS))}; got {kind!r}.")
    out: dict[str, Any] = {"kind": kind}
    for key in ("title", "xlabel", "ylabel"):
        out[key] = _label(spec.get(key), key)
    for key in ("xscale", "yscale"):
        scale = spec.get(key) or "linear"
        if scale not in SCALES:
            raise ValueError(f"`{key}` must be 'linear' or 'log'; got {scale!r}.")
        out[key] = scale
    series = spec.get("series", [])
    reference = spec.get("reference") or []
    if not isinstance(series, list):
        raise ValueError("`series` must be an array.")
    if not isinstance(reference, list):
        raise ValueError("`reference` must be an array.")
    out["series"] = [_series(s, f"series[{i}]", kind, True) for i, s in enumerate(series)]
    out["reference"] = [_series(s, f"reference[{i}]", kind, False) for i, s in enumerate(reference)]
    if not out["series"] and not out["reference"]:
        raise ValueError("`series` must hold at least one series (or give a `reference`).")
    return out


# -- drawing ------------------------------------------------------------------------------------

def _clean(values: list[float], log: bool) -> list[float]:
    """Non-finite values, and non-positive ones on a log axis, become NaN (gaps)."""
    return [v if math.isfinite(v) and (v > 0 or not log) else math.nan for v in values]


def _draw(fig_spec: dict, width: float, height: float, parse_math: bool) -> str:
    """Draw the normalised spec and return matplotlib's raw SVG text."""
    import matplotlib
    from matplotlib.figure import Figure

    kind = fig_spec["kind"]
    xlog, ylog = fig_spec["xscale"] == "log", fig_spec["yscale"] == "log"
    with matplotlib.rc_context(_RC), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
        categories: list = []
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
                ax.bar(pos, [0.0 if math.isnan(v) else v for v in y], width=bar_w, color=colour,
                       alpha=0.85, label=s["label"] or None, yerr=yerr, capsize=2,
                       error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
                continue
            x = _clean(s["x"], xlog)
            if lo is not None and hi is not None:
                ax.fill_between(x, lo, hi, color=colour, alpha=0.22, linewidth=0,
                                step="post" if kind == "ecdf" else None,
                                label=f"{s['label']} (band)" if s["label"] else None)
            if kind == "ecdf":
                ax.step(x, y, where="post", color=colour, linewidth=1.3, label=s["label"] or None)
            else:
                ax.plot(x, y, color=colour, linewidth=1.3, marker="o", markersize=3,
                        label=s["label"] or None)
        for j, r in enumerate(fig_spec["reference"]):
            dash = _REF_DASHES[j % len(_REF_DASHES)]
            y = _clean(r["y"], ylog)
            if kind == "bar":
                pts = [(categories.index(c), v) for c, v in zip(r["x"], y) if c in categories]
                if not pts and len(set(y)) == 1 and y:
                    ax.axhline(y[0], color="#333333", linestyle=dash, linewidth=1.1,
                               label=r["label"] or None)
                    continue
                x = [p[0] for p in pts]
                y = [p[1] for p in pts]
            else:
                x = _clean(r["x"], xlog)
            ax.plot(x, y, color="#333333", linestyle=dash, linewidth=1.1, label=r["label"] or None)
        if kind == "bar":
            ax.set_xticks(range(len(categories)))
            ax.set_xticklabels([c if isinstance(c, str) else f"{c:g}" for c in categories])
        else:
            ax.set_xscale(fig_spec["xscale"])
        ax.set_yscale(fig_spec["yscale"])
        texts = [ax.set_xlabel(fig_spec["xlabel"]), ax.set_ylabel(fig_spec["ylabel"]),
                 ax.set_title(fig_spec["title"])]
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        handles, _labels = ax.get_legend_handles_labels()
        if handles:
            legend = ax.legend(frameon=False)
            texts.extend(legend.get_texts())
        if kind == "bar":
            texts.extend(ax.get_xticklabels())
        for t in texts:
            t.set_parse_math(parse_math)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


_NUM = re.compile(r"-?\d+\.\d+")
_COORD_ATTR = re.compile(r'\s(d|x|y|width|height|transform)="([^"]*)"')


def _round_numbers(text: str) -> str:
    """Round every decimal number in ``text`` to 2 places, dropping trailing zeros."""
    def fix(m: re.Match) -> str:
        s = f"{float(m.group(0)):.2f}".rstrip("0").rstrip(".")
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


def _tidy(svg: str, prefix: str) -> str:
    """Make matplotlib's SVG document an inline, compact, id-safe ``<svg>`` element."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<defs>\s*</defs>", "", svg)
    svg = re.sub(r"\s*<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'\s(xmlns(:\w+)?|version)="[^"]*"', "", svg)
    svg = _COORD_ATTR.sub(lambda m: f' {m.group(1)}="{_round_numbers(" ".join(m.group(2).split()))}"', svg)
    svg = re.sub(r"\n\s+", "\n", svg).strip()
    svg = re.sub(r";?\s*font-family: [^;\"]*", "", svg)
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    svg = re.sub(r'\sid="([^"]+)"',
                 lambda m: f' id="{prefix}{m.group(1)}"' if m.group(1) in referenced else "", svg)
    svg = re.sub(r'(url\(#|href="#)([^)"]+)', lambda m: m.group(1) + prefix + m.group(2), svg)
    svg = re.sub(r'\stransform="rotate\(-?0 [^"]*\)"', "", svg)
    svg = _drop_bare_groups(svg)
    return svg.replace("<svg ", '<svg class="plot" role="img" ', 1)


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
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        raise ValueError("`id_prefix` must start with a letter and hold only letters, digits, '-' or '_'.")
    if not (0 < width <= 20 and 0 < height <= 20):
        raise ValueError("`width` and `height` must lie in (0, 20] inches.")
    fig_spec = validate_figure(spec)
    return _svg_cached(json.dumps(fig_spec, sort_keys=True), id_prefix, float(width), float(height))


@functools.lru_cache(maxsize=256)
def _svg_cached(spec_json: str, id_prefix: str, width: float, height: float) -> str:
    """Draw and tidy a normalised spec (given as canonical JSON); drawing is pure, so cache it."""
    fig_spec = json.loads(spec_json)
    try:
        raw = _draw(fig_spec, width, height, parse_math=True)
    except ValueError:
        # A label that looks like mathtext but does not parse: draw every label literally.
        raw = _draw(fig_spec, width, height, parse_math=False)
    return _tidy(raw, id_prefix)
