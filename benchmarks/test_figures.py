"""Figures written as SVG directly vs matplotlib drawing the same series.

Candidate: :func:`claimkit.report.figures.figure_svg` on the two shapes of figure the claims
attach most — a log–log rate plot (five points, a band, a dashed reference; ASY-01, GEN-01/02)
and an ECDF-deviation plot (400 points with a band and the margin lines; ASY-02) — with its
caches cleared, so every call draws. Baseline: matplotlib's object API drawing the same
series with the same elements (``Figure``, ``plot``, ``fill_between``, log scales, legend,
labels) and saving SVG text, the way the report drew figures before, without the layout the
report adds on top. ``ratio = baseline_seconds / candidate_seconds``; the performance contract
asks for figures off the critical path, which at ≥ 10× the plotting library they are whatever
the run's size.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from benchmarks.timing import best_times, record_ratio
from claimkit.report import figure_cache, figures

REPEAT: int = 5
MIN_ROUND_SECONDS: float = 0.1
TARGET: float = 10.0


def _rate_spec() -> dict:
    n = [50, 126, 316, 795, 2000]
    y = [0.3 / np.sqrt(k / 50) for k in n]
    return {"kind": "line", "title": "Gamma: RMSE of shapê vs n", "xlabel": "n",
            "ylabel": "RMSE", "xscale": "log", "yscale": "log",
            "series": [{"label": "MLE (band: 1−α interval)", "x": n, "y": y,
                        "lo": [v * 0.97 for v in y], "hi": [v * 1.03 for v in y]}],
            "reference": [{"label": "slope −1/2", "x": [50, 2000],
                           "y": [0.3, 0.3 / np.sqrt(40)]}]}


def _deviation_spec() -> dict:
    x = np.linspace(-3.5, 3.5, 400)
    dev = 0.004 * np.sin(3 * x)
    return {"kind": "line", "title": "Normal: standardised mû, n = 2000",
            "xlabel": "√(n I) (θ̂ − θ)", "ylabel": "F̂ − Φ", "xscale": "linear",
            "yscale": "linear",
            "series": [{"label": "F̂ − Φ (band: DKW)", "x": x.tolist(), "y": dev.tolist(),
                        "lo": (dev - 0.02).tolist(), "hi": (dev + 0.02).tolist()}],
            "reference": [{"label": "margin ±0.1", "x": [-3.5, 3.5], "y": [0.1, 0.1]},
                          {"label": "−0.1", "x": [-3.5, 3.5], "y": [-0.1, -0.1]}]}


def _matplotlib_svg(spec: dict) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 3.5))
    ax = fig.add_subplot()
    for s in spec["series"]:
        ax.fill_between(s["x"], s["lo"], s["hi"], alpha=0.22, linewidth=0)
        ax.plot(s["x"], s["y"], label=s["label"], marker="o" if len(s["x"]) <= 40 else None)
    for r in spec["reference"]:
        ax.plot(r["x"], r["y"], linestyle="--", color="#333333", label=r["label"])
    ax.set_xscale(spec["xscale"])
    ax.set_yscale(spec["yscale"])
    ax.set_title(spec["title"])
    ax.set_xlabel(spec["xlabel"])
    ax.set_ylabel(spec["ylabel"])
    ax.legend()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    return buf.getvalue()


def _direct_svg(spec: dict) -> str:
    figures._svg_cached.cache_clear()  # draw every time
    return figures.figure_svg(spec)


@pytest.mark.parametrize("shape", ["rate", "deviation"])
def test_figure_svg_vs_matplotlib(benchmark, shape):
    """One figure, spec → SVG text: direct SVG vs matplotlib drawing the same series."""
    spec = _rate_spec() if shape == "rate" else _deviation_spec()
    figure_cache.use(None)
    benchmark.group = "figures"
    svg = benchmark(_direct_svg, spec)
    assert svg.startswith("<svg ") and spec["title"] in svg
    times = best_times({"baseline": lambda: _matplotlib_svg(spec),
                        "candidate": lambda: _direct_svg(spec)}, repeat=REPEAT,
                       min_round_seconds=MIN_ROUND_SECONDS)
    record_ratio(benchmark, metric="speed-up vs matplotlib", candidate="figure_svg (direct SVG)",
                 baseline="matplotlib Figure → SVG, same series", times=times, target=TARGET,
                 shape=shape, points=len(spec["series"][0]["x"]))
