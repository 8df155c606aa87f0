"""The report's size budget: a large, realistic run (40 claims × 30 checks, 60 figures of every
kind with full-length data) renders to one self-contained page under 5 MB that still holds
every claim, every check and every figure."""

from __future__ import annotations

import re

import pytest

from browser.samples import as_json_safe, figure_count, large_results
from claimkit.report import render, validate_results

MAX_BYTES = 5_000_000


@pytest.fixture(scope="module")
def large() -> tuple[dict, str]:
    """The large document and its rendered page."""
    doc = validate_results(as_json_safe(large_results(n_claims=40, checks_per_claim=30, n_figures=60)))
    return doc, render(doc)


def test_large_report_stays_under_5_mb(large: tuple[dict, str]) -> None:
    """40 claims × 30 checks with 60 full-size figures render to less than 5 MB of HTML."""
    doc, page = large
    assert len(doc["claims"]) == 40 and sum(len(c["checks"]) for c in doc["claims"]) == 1200
    assert figure_count(doc) == 60
    size = len(page.encode("utf-8"))
    assert size < MAX_BYTES, f"report is {size / 1e6:.2f} MB"


def test_large_report_holds_every_claim_check_and_figure(large: tuple[dict, str]) -> None:
    """Nothing is dropped to save space: each claim, check row and figure spec is on the page."""
    doc, page = large
    for claim in doc["claims"]:
        start = page.index(f'id="claim-{claim["id"]}"')
        article = page[start:page.index("</article>", start)]
        assert article.count('<td class="check">') == len(claim["checks"])
        specs = sum(1 for c in claim["checks"] if c["figure"])
        drawn = article.count('<figure class="plot" ')
        derived = article.count('<figure class="plot derived" ')
        assert (drawn, derived > 0) == ((specs, False) if specs else (0, True)), claim["id"]
    assert "Figure not drawn" not in page


def test_svg_is_compact(large: tuple[dict, str]) -> None:
    """Figures carry no fonts or images, path data has at most one decimal, and no path is huge."""
    _doc, page = large
    assert "@font-face" not in page and "<image" not in page and "base64," not in page
    paths = re.findall(r'\sd="([^"]*)"', page)
    assert paths and not any(re.search(r"\d\.\d\d", d) for d in paths)
    assert max(len(d) for d in paths) < 40_000  # an unthinned 2000-point band would be ~120 kB
