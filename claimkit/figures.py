"""Figure specs: what a claim test attaches to a check to be drawn in the report.

A spec is a JSON-safe mapping (``checks[].figure`` of results.json, documented in the report
directory's ``SCHEMA.md``)::

    {"kind": "line", "title": ..., "xlabel": ..., "ylabel": ..., "xscale": "log",
     "yscale": "linear",
     "series": [{"label": ..., "x": [...], "y": [...], "lo": [...], "hi": [...]}],
     "reference": [{"label": ..., "x": [...], "y": [...]}]}

:func:`validate_figure` is the one owner of that contract: the ``mc`` fixture calls it when a
check is recorded (a bad spec fails that test with a message naming the field, never the
report), and the report's loader calls it again on every spec it reads. :func:`line_figure`,
:func:`ecdf_figure` and :func:`bar_figure` build valid specs.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

__all__ = ["FIGURE_KINDS", "SCALES", "bar_figure", "ecdf_figure", "line_figure", "series",
           "validate_figure"]

#: Kinds of figure the report draws.
FIGURE_KINDS: tuple[str, ...] = ("line", "ecdf", "bar")
#: Axis scales.
SCALES: tuple[str, ...] = ("linear", "log")
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


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

    Parameters
    ----------
    spec : mapping
        A figure spec as documented in ``reports/SCHEMA.md``.

    Returns
    -------
    dict
        Keys kind, title, xlabel, ylabel, xscale, yscale, series, reference; every series has
        label, x, y (and lo, hi for ``series``), numbers as floats (non-finite allowed).

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


def series(label: str, x: Sequence[Any], y: Sequence[float], lo: Sequence[float] | None = None,
           hi: Sequence[float] | None = None) -> dict:
    """One series (or reference line) of a figure spec; ``lo``/``hi`` draw a band.

    Parameters
    ----------
    label : str
        Legend text.
    x, y : sequence
        Coordinates of equal length (``x`` may be category names for bar figures).
    lo, hi : sequence of float, optional
        Band around ``y`` (both or neither), same length as ``x``.

    Returns
    -------
    dict
    """
    out: dict[str, Any] = {"label": label, "x": [v if isinstance(v, str) else float(v)
                                                   for v in x],
                           "y": [float(v) for v in y]}
    if lo is not None or hi is not None:
        out["lo"] = None if lo is None else [float(v) for v in lo]
        out["hi"] = None if hi is None else [float(v) for v in hi]
    return out


def _figure(kind: str, title: str, xlabel: str, ylabel: str, data: Sequence[Mapping],
            reference: Sequence[Mapping], xscale: str, yscale: str) -> dict:
    spec = {"kind": kind, "title": title, "xlabel": xlabel, "ylabel": ylabel,
            "xscale": xscale, "yscale": yscale, "series": [dict(s) for s in data],
            "reference": [dict(r) for r in reference]}
    validate_figure(spec)
    return spec


def line_figure(title: str, xlabel: str, ylabel: str, data: Sequence[Mapping], *,
                reference: Sequence[Mapping] = (), xscale: str = "linear",
                yscale: str = "linear") -> dict:
    """A validated line-figure spec (e.g. a statistic against n with its confidence band).

    Raises
    ------
    ValueError
        Naming the offending field (see :func:`validate_figure`).
    """
    return _figure("line", title, xlabel, ylabel, data, reference, xscale, yscale)


def ecdf_figure(title: str, xlabel: str, ylabel: str, data: Sequence[Mapping], *,
                reference: Sequence[Mapping] = (), xscale: str = "linear",
                yscale: str = "linear") -> dict:
    """A validated ECDF-figure spec (step functions). Raises ``ValueError`` like
    :func:`line_figure`."""
    return _figure("ecdf", title, xlabel, ylabel, data, reference, xscale, yscale)


def bar_figure(title: str, xlabel: str, ylabel: str, data: Sequence[Mapping], *,
               reference: Sequence[Mapping] = (), yscale: str = "linear") -> dict:
    """A validated bar-figure spec (``x`` may be category names). Raises ``ValueError`` like
    :func:`line_figure`."""
    return _figure("bar", title, xlabel, ylabel, data, reference, "linear", yscale)
