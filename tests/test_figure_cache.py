"""claimkit.report.figure_cache: workers draw figures ahead, the report finds them drawn."""

from __future__ import annotations

import os
import time

import pytest

from claimkit.report import figure_cache, figures

SPEC = {"kind": "line", "title": "t", "xlabel": "n", "ylabel": "y",
        "series": [{"label": "a", "x": [1, 2, 3], "y": [1.0, 0.5, 0.25]}]}


@pytest.fixture
def cache(tmp_path):
    figures._svg_cached.cache_clear()
    figures._forest_cached.cache_clear()
    c = figure_cache.use(tmp_path / ".figure-cache")
    yield c
    figure_cache.use(None)
    figures._svg_cached.cache_clear()
    figures._forest_cached.cache_clear()


def test_put_get_and_keys(tmp_path):
    c = figure_cache.FigureCache(tmp_path / "c")
    k1, k2 = c.key("figure", "a"), c.key("figure", "b")
    assert k1 != k2 and len(k1) == 64
    assert c.get(k1) is None
    c.put(k1, "<svg/>")
    assert c.get(k1) == "<svg/>" and c.get(k2) is None


def test_prune_removes_only_entries_this_run_did_not_touch(tmp_path):
    folder = tmp_path / "c"
    old = figure_cache.FigureCache(folder)
    old.put("stale", "<svg>old</svg>")
    old.put("reused", "<svg>kept</svg>")
    past = time.time() - 3600
    for name in ("stale", "reused"):
        os.utime(folder / f"{name}.svg", (past, past))
    run = figure_cache.FigureCache(folder)
    assert run.get("reused") == "<svg>kept</svg>"      # read by this run: touched
    run.put("fresh", "<svg>new</svg>")
    assert run.prune() == 1
    assert sorted(p.name for p in folder.iterdir()) == ["fresh.svg", "reused.svg"]


def test_prerender_then_figure_svg_draws_nothing(cache, monkeypatch):
    """A figure drawn ahead (as a worker does) is found on disk: the report never draws it,
    and the SVG is the same as a fresh drawing."""
    fresh = figures.figure_svg(SPEC, id_prefix="x-")
    figures._svg_cached.cache_clear()
    for path in cache.folder.iterdir():
        path.unlink()
    figures.prerender(SPEC)
    assert len(list(cache.folder.iterdir())) == 1
    figures._svg_cached.cache_clear()          # a new process: only the disk cache is left

    def no_drawing(*args):
        raise AssertionError("drew a figure that the cache holds")

    monkeypatch.setattr(figures, "_svg_drawn", no_drawing)
    assert figures.figure_svg(SPEC, id_prefix="x-") == fresh


def test_prerender_without_cache_does_nothing(tmp_path, monkeypatch):
    figure_cache.use(None)
    monkeypatch.setattr(figures, "_svg_drawn", lambda *a: pytest.fail("drew without a cache"))
    figures.prerender(SPEC)


def test_prerender_refuses_a_bad_spec(cache):
    with pytest.raises(ValueError):
        figures.prerender({"kind": "pie"})


def test_unwritable_cache_only_costs_time(tmp_path):
    """A cache folder that cannot be created is skipped: drawing still works."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    figures._svg_cached.cache_clear()
    figure_cache.use(blocker / "sub")
    try:
        assert figures.figure_svg(SPEC).startswith("<svg")
    finally:
        figure_cache.use(None)
        figures._svg_cached.cache_clear()


pytest_plugins = ["pytester"]

SUITE = '''
import pytest
from claimkit import decisions


@pytest.mark.claim("EX-04")
def test_with_figure(mc):
    mc.record("one equals one", decisions.exact_close(1.0, 1.0, rtol=0.0),
              figure=%r)
''' % (SPEC,)


def test_a_run_draws_its_figures_into_the_report_folder_cache(pytester):
    """Workers (here: two) draw each check's figure as it is recorded; the page holds the same
    SVG as a fresh drawing."""
    from pathlib import Path

    catalogue = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")
    pytester.makepyfile(test_fig=SUITE)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess("--claims-catalogue", catalogue, "--report-dir",
                                           str(out), "-n", "2")
    result.assert_outcomes(passed=1)
    cached = list((out / ".figure-cache").glob("*.svg"))
    assert len(cached) >= 1
    figure_cache.use(None)
    figures._svg_cached.cache_clear()
    fresh = figures.figure_svg(SPEC, id_prefix="zz-")
    body = fresh.split("</defs>", 1)[1][:200]     # past the root element and the clip id
    assert body in (out / "index.html").read_text(encoding="utf-8")
