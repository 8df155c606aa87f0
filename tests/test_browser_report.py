"""The generated report in a real browser: headless Chromium driven through chromedriver.

The page is generated here from a realistic results document (``tests/browser/samples.py``)
with :func:`reports.write_report` -- no suite run. Without Chromium the tests skip with the
reason, except under ``CI=true``, where a missing browser is a failure. Screenshots of the
page at 1400 px and at 400 px (a phone) are saved to ``artifacts/report-browser-1400.png`` and
``artifacts/report-browser-400.png`` (and of one claim to ``report-browser-claim.png`` and
``report-browser-400-claim.png``) at the repository root; the paths are printed.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from browser.driver import BrowserMissing, Chrome, find_browser
from browser.samples import HOSTILE, as_json_safe, calibration_section, realistic_results
from claimkit.report import write_report
from claimkit.report.derived import MAX_ROWS, exact_rows, stochastic_rows
from claimkit.report.render import claim_anchor

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"

#: Installed before any page script: records uncaught errors, rejected promises, console.error
#: calls and Content-Security-Policy violations (an attempt to load or run anything foreign).
COLLECTOR = """
window.__problems = [];
window.addEventListener('error', function (e) { window.__problems.push('error: ' + e.message); });
window.addEventListener('unhandledrejection', function (e) { window.__problems.push('rejection: ' + e.reason); });
document.addEventListener('securitypolicyviolation', function (e) {
  window.__problems.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI); });
(function () { var orig = console.error; console.error = function () {
  window.__problems.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
  return orig.apply(console, arguments); }; }());
window.alert = function (m) { window.__problems.push('alert: ' + m); };
"""

VISIBLE_CLAIMS = ("return Array.prototype.filter.call(document.querySelectorAll('article.claim'),"
                  " function (a) { return a.offsetParent !== null; }).map(function (a) { return a.id; });")


def _require_browser() -> None:
    """Skip (or, under CI=true, fail) when Chromium or chromedriver is missing."""
    try:
        find_browser()
    except BrowserMissing as exc:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"CI=true requires the real-browser test, but {exc}", pytrace=False)
        pytest.skip(f"real-browser test skipped: {exc}")


def _expected_figures(claim: dict) -> int:
    """Figures the report draws for a claim: its specs, else its derived overviews."""
    specs = sum(1 for c in claim["checks"] if c["figure"])
    if specs or not claim["checks"]:
        return specs
    return sum(math.ceil(len(rows) / MAX_ROWS)
               for rows in (stochastic_rows(claim["checks"]), exact_rows(claim["checks"])))


@pytest.fixture(scope="module")
def doc() -> dict:
    """The realistic results document behind the page (with a calibration section)."""
    from claimkit.report import validate_results

    results = realistic_results()
    results["calibration"] = calibration_section()
    return validate_results(as_json_safe(results))


@pytest.fixture(scope="module")
def page(doc: dict, tmp_path_factory: pytest.TempPathFactory):
    """A browser showing the report generated from ``doc``."""
    _require_browser()
    base = tmp_path_factory.mktemp("browser-report")
    src = base / "results.json"
    src.write_text(json.dumps(as_json_safe(doc), ensure_ascii=False, allow_nan=False),
                   encoding="utf-8")
    html = write_report(src, base / "index.html")
    with Chrome(width=1400, height=1000) as chrome:
        chrome.cdp("Page.addScriptToEvaluateOnNewDocument", source=COLLECTOR)
        chrome.get(html.as_uri())
        yield chrome


#: Opens every folded part (further figures, checks tables) as a reader clicking them would.
OPEN_ALL = "document.querySelectorAll('details').forEach(function (d) { d.open = true; });"


def _show_all(chrome: Chrome) -> None:
    """Reset the filter to every verdict and an empty search."""
    box = chrome.find("#filter-text")
    chrome.clear(box)
    chrome.click(chrome.find('#filters button[data-verdict=""]'))


def test_every_claim_section_renders_with_its_figures(page: Chrome, doc: dict) -> None:
    """Each claim of results.json has one visible section holding all its figures, drawn and labelled."""
    _show_all(page)
    page.run(OPEN_ALL)
    info = page.run("""
        return Array.prototype.map.call(document.querySelectorAll('article.claim'), function (a) {
          var svgs = a.querySelectorAll('figure.plot svg');
          return {id: a.id, visible: a.offsetParent !== null, height: a.getBoundingClientRect().height,
                  figures: svgs.length, broken: a.querySelectorAll('figure.plot p.bad').length,
                  drawn: Array.prototype.every.call(svgs, function (s) {
                    var r = s.getBoundingClientRect(); return r.width > 200 && r.height > 80 &&
                      s.querySelectorAll('text').length >= 3; }),
                  groups: a.querySelectorAll('tbody.test').length,
                  rows: a.querySelectorAll('td.check').length};
        });""")
    by_id = {i["id"]: i for i in info}
    assert list(by_id) == [claim_anchor(c["id"]) for c in doc["claims"]]
    for claim in doc["claims"]:
        got = by_id[claim_anchor(claim["id"])]
        assert got["visible"] and got["height"] > 100, claim["id"]
        assert got["figures"] == _expected_figures(claim) and got["broken"] == 0, claim["id"]
        assert got["drawn"], claim["id"]
        assert got["groups"] == len(claim["tests"]) and got["rows"] == len(claim["checks"]), claim["id"]


def test_page_loads_nothing_and_logs_no_errors(page: Chrome) -> None:
    """No resource is fetched, no script error, CSP violation or console error occurs."""
    assert page.run("return performance.getEntriesByType('resource').length;") == 0
    assert page.run("return window.__problems;") == []
    severe = [e for e in page.console() if e.get("level") in ("SEVERE", "WARNING")]
    assert severe == []
    page.run("console.error('probe from the test');")  # the collectors work: a probe is seen
    assert page.run("return window.__problems;") == ["console.error: probe from the test"]
    assert any("probe from the test" in e.get("message", "") for e in page.console())
    page.run("window.__problems.length = 0;")


@pytest.mark.parametrize("verdict", ["supported", "supported under conditions", "refuted as written",
                                     "inconclusive", "not run"])
def test_verdict_filter_shows_exactly_the_claims_with_that_verdict(page: Chrome, doc: dict,
                                                                   verdict: str) -> None:
    """Clicking a verdict button leaves visible only the claims (and contents entries) with that verdict."""
    _show_all(page)
    page.click(page.find(f'#filters button[data-verdict="{verdict}"]'))
    expected = [claim_anchor(c["id"]) for c in doc["claims"] if c["verdict"] == verdict]
    assert page.run(VISIBLE_CLAIMS) == expected
    families = {c["family"] for c in doc["claims"] if c["verdict"] == verdict}
    shown = page.run("return Array.prototype.filter.call(document.querySelectorAll('section.family'),"
                     " function (s) { return s.offsetParent !== null; }).length;")
    assert shown == len(families)
    entries = page.run("return Array.prototype.filter.call(document.querySelectorAll("
                       "'#contents li[data-claim]'), function (l) { return l.offsetParent !== null; })"
                       ".map(function (l) { return l.getAttribute('data-claim'); });")
    assert entries == expected
    assert page.run("return document.getElementById('filter-count').textContent;") == \
        f"{len(expected)} of {len(doc['claims'])} claims shown"
    _show_all(page)
    assert len(page.run(VISIBLE_CLAIMS)) == len(doc["claims"])


def test_summary_cards_set_the_filter(page: Chrome, doc: dict) -> None:
    """Clicking a verdict card in the summary filters the claims to that verdict."""
    _show_all(page)
    page.click(page.find('a.card[data-set-verdict="refuted as written"]'))
    assert page.run(VISIBLE_CLAIMS) == [claim_anchor(c["id"]) for c in doc["claims"]
                                        if c["verdict"] == "refuted as written"]
    pressed = page.run("return document.querySelector('#filters button[aria-pressed=\"true\"]')"
                       ".getAttribute('data-verdict');")
    assert pressed == "refuted as written"
    _show_all(page)


def test_search_finds_claims_by_id_and_by_text(page: Chrome) -> None:
    """Typing in the search box narrows the claims to those containing every word typed."""
    _show_all(page)
    box = page.find("#filter-text")
    page.type(box, "EX-04")
    assert page.run(VISIBLE_CLAIMS) == ["claim-EX-04"]
    page.clear(box)
    page.type(box, "i.i.d 가정")  # the Korean quote of LIK-01 and ASY-02
    assert page.run(VISIBLE_CLAIMS) == ["claim-LIK-01", "claim-ASY-02"]
    page.clear(box)
    page.type(box, "zzqx-nonesuch")
    assert page.run(VISIBLE_CLAIMS) == []
    _show_all(page)


def test_hostile_strings_stay_inert(page: Chrome) -> None:
    """Markup in titles, parameters and test ids is shown as text and never runs or loads."""
    assert page.run("return document.scripts.length;") == 1
    assert page.run("return document.querySelectorAll('img, iframe, object, embed, link').length;") == 0
    assert page.run("return window.__problems;") == []
    text = page.run("return document.getElementById('claim-CE-07').textContent;")
    assert HOSTILE in text and '"><img src=x onerror=alert(1)>' in text


def test_screenshot_is_saved_as_an_artifact(page: Chrome) -> None:
    """A viewport screenshot (1400 px wide) and one of a claim with figures are written under
    artifacts/."""
    _show_all(page)
    page.run("window.scrollTo(0, 0);")
    top = page.screenshot(ARTIFACTS / "report-browser-1400.png")
    page.run("document.getElementById('filters').style.position = 'static';")  # not over the claim
    claim = page.screenshot(ARTIFACTS / "report-browser-claim.png", page.find("#claim-ASY-02"))
    page.run("document.getElementById('filters').style.position = '';")
    for path in (top, claim):
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        print(f"screenshot: {path}")


def test_without_javascript_every_claim_is_visible(doc: dict, tmp_path: Path) -> None:
    """With JavaScript disabled all claims and figures show and the filter bar stays hidden."""
    _require_browser()
    src = tmp_path / "results.json"
    src.write_text(json.dumps(as_json_safe(doc), ensure_ascii=False), encoding="utf-8")
    html = write_report(src, tmp_path / "index.html")
    with Chrome(width=1200, height=900, javascript=False) as chrome:
        chrome.get(html.as_uri())
        claims = chrome.find_all("article.claim")
        assert len(claims) == len(doc["claims"])
        assert all(chrome.displayed(c) for c in claims)
        assert not chrome.displayed(chrome.find("#filters"))
        # Folded parts open natively (no script of the page is needed): click each summary.
        for summary in chrome.find_all("details > summary"):
            chrome.click(summary)
        svgs = chrome.find_all("figure.plot svg")
        assert len(svgs) == sum(_expected_figures(c) for c in doc["claims"])
        assert all(chrome.rect(s)["width"] > 200 for s in svgs)
        assert chrome.run("return document.getElementById('filter-count').textContent;") == ""


def test_phone_width_has_no_horizontal_scroll_and_is_screenshot(doc: dict, tmp_path: Path) -> None:
    """At 400 px the page never scrolls sideways -- a figure keeps a readable size and
    scrolls inside its own box, as tables do -- folded parts open included; screenshots of
    the top and of a claim at 400 px."""
    _require_browser()
    src = tmp_path / "results.json"
    src.write_text(json.dumps(as_json_safe(doc), ensure_ascii=False), encoding="utf-8")
    html = write_report(src, tmp_path / "index.html")
    with Chrome(width=800, height=900) as chrome:
        # A window cannot be narrower than ~500 px: emulate a 400-px phone viewport instead.
        chrome.cdp("Emulation.setDeviceMetricsOverride", width=400, height=900,
                   deviceScaleFactor=1, mobile=True)
        chrome.get(html.as_uri())
        width = chrome.run("return window.innerWidth;")
        assert width == 400
        assert chrome.run("return document.documentElement.scrollWidth;") <= width
        top = chrome.screenshot(ARTIFACTS / "report-browser-400.png")
        chrome.run(OPEN_ALL)
        assert chrome.run("return document.documentElement.scrollWidth;") <= width
        wide = chrome.run("""return Array.prototype.filter.call(
            document.querySelectorAll('article.claim, figure.plot, .table-wrap'),
            function (e) { return e.getBoundingClientRect().right > window.innerWidth + 1; }
          ).map(function (e) { return (e.id || e.tagName) + ':' + e.getBoundingClientRect().right; });""")
        assert wide == []
        chrome.run("document.getElementById('filters').style.position = 'static';")
        claim = chrome.screenshot(ARTIFACTS / "report-browser-400-claim.png",
                                  chrome.find("#claim-ASY-02"))
        for path in (top, claim):
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            print(f"screenshot: {path}")
