"""``results.json`` (as a dict) -> the self-contained HTML report. A pure function: no clock, no
environment, no file system beyond the package's own templates; equal inputs give equal bytes.

Every string from the results passes through Jinja's autoescape; the only markup marked safe is
the SVG drawn by :mod:`claimkit.report.figures` (which escapes its text) and the page's constant
script. A Content-Security-Policy ``<meta>`` lets the page fetch nothing and run only that
script (pinned by its SHA-256), so even a string that escaped escaping would stay inert.

Claims whose tests attach no figure get overview figures derived from their checks
(:mod:`claimkit.report.derived`); checks are grouped under the test that recorded them, each group headed
by the command that reproduces it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import re
import shlex
from pathlib import Path
from typing import Any, Mapping

import jinja2
from markupsafe import Markup

from .derived import overview_figures, row_labels
from .figures import figure_svg
from claimkit.evidence import PASSAGE_RULE, VERDICT_RULES
from claimkit.normal_tails import TAIL_LEVEL_TEXT, TAIL_TOLERANCE

from claimkit.results.load import TEST_OUTCOMES, VERDICTS, validate_results

__all__ = ["render", "fmt_num", "fmt_estimate", "fmt_interval", "fmt_seconds", "fmt_count",
           "fmt_params", "repro_command", "claim_anchor", "VERDICT_MEANINGS", "ROLE_MEANINGS"]

TEMPLATE_DIR = Path(__file__).with_name("templates")
TEMPLATE = "report.html.j2"
CALIBRATION_TEMPLATE = "calibration.html.j2"
#: The page's script: plain JavaScript without template tags, read verbatim (``.j2`` only so
#: that the package data glob ships it).
SCRIPT = "report.js.j2"


def _slug(text: str) -> str:
    """CSS class fragment for an enumerated value: 'refuted as written' -> 'refuted-as-written'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def claim_anchor(claim_id: str) -> str:
    """Stable anchor of a claim: ``claim-<ID>`` with whitespace replaced by '-'."""
    return "claim-" + re.sub(r"\s+", "-", claim_id.strip())


# -- number formatting --------------------------------------------------------------------------

def fmt_num(x: Any, sig: int = 4) -> str:
    """A number in compact form with ``sig`` significant digits: 0.001234, 12.5, 1e-06 -> '1e-6'."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, str):
        return x
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    a = abs(x)
    if 1e-3 <= a < 1e6:
        decimals = max(0, sig - 1 - math.floor(math.log10(a)))
        s = f"{x:.{decimals}f}"
        return s.rstrip("0").rstrip(".") if "." in s else s
    mantissa, exponent = f"{x:.{sig - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def fmt_estimate(estimate: Any, mcse: Any) -> str:
    """``estimate ± MCSE``, the estimate rounded to the precision of its MCSE (2 significant digits)."""
    if estimate is None:
        return "—"
    if mcse is None:
        return fmt_num(estimate)
    est, se = float(estimate), float(mcse)
    if math.isfinite(est) and math.isfinite(se) and se > 0 and abs(est) < 1e6:
        decimals = max(0, 1 - math.floor(math.log10(se)))
        if decimals <= 8:
            return f"{est:.{decimals}f} ± {se:.{decimals}f}"
    return f"{fmt_num(est)} ± {fmt_num(se, 2)}"


def fmt_interval(ci: Any) -> str:
    """``[lo, hi]`` or an em dash."""
    if not ci:
        return "—"
    return f"[{fmt_num(ci[0])}, {fmt_num(ci[1])}]"


def fmt_seconds(s: Any) -> str:
    """Wall time: '0.12 s', '41.2 s', '1 h 02 min'."""
    if s is None:
        return "—"
    s = float(s)
    if not math.isfinite(s):
        return fmt_num(s)
    if s < 0.01:
        return "<0.01 s"
    if s < 10:
        return f"{s:.2f} s"
    if s < 600:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60):02d} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60):02d} min"


def fmt_count(n: Any) -> str:
    """An integer count with thousands separators ('100,000'), or an em dash."""
    return "—" if n is None else f"{n:,}"


def fmt_params(params: Mapping[str, Any]) -> str:
    """``k=v, …`` in the order given; strings unquoted, other values as compact JSON."""
    parts = []
    for k, v in params.items():
        text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        parts.append(f"{k}={text}")
    return ", ".join(parts)


def repro_command(nodeid: str, root_seed: int, scale: str) -> str:
    """The shell command that reruns one test with this run's seed and scale."""
    unsafe = set('"$`\\!')
    quoted = shlex.quote(nodeid) if unsafe & set(nodeid) else f'"{nodeid}"'
    return f"pytest {quoted} --mc-seed {root_seed} --mc-scale {shlex.quote(scale)}"


# -- the view model -----------------------------------------------------------------------------

#: What each verdict means, for the reader (shown once at the top): the verdict table's own words.
VERDICT_MEANINGS: dict[str, str] = {r.verdict: r.meaning for r in VERDICT_RULES}
#: When each verdict is given, in the table's order of precedence.
VERDICT_WHEN: tuple[tuple[str, str], ...] = tuple((r.verdict, r.when) for r in VERDICT_RULES)
#: What each role of a check means (legend of the checks tables).
ROLE_MEANINGS: dict[str, str] = {
    "literal": "the statement as the document writes it; should pass",
    "refuted": "the document's words where they are false; should fail",
    "corrected": "the correct statement; should pass",
    "condition": "the omitted assumption violated; should fail",
    "control": "a deliberately false variant (negative control); should be rejected",
    "reference": "the fast computation the claim relies on, against a slow, obviously correct "
                 "one; should pass",
}


def _figure(check: Mapping[str, Any], prefix: str) -> dict:
    """The SVG of a check's figure, or the reason it could not be drawn."""
    spec = check["figure"]
    try:
        svg, error = Markup(figure_svg(spec, id_prefix=prefix)), ""
    except Exception as exc:  # noqa: BLE001 - one bad figure must not cost the whole report
        svg, error = None, f"{type(exc).__name__}: {exc}".splitlines()[0]
    return {"svg": svg, "error": error, "title": spec.get("title") or check["name"],
            "caption": _figure_caption(check), "derived": False}


#: How a figure's caption reads the outcome of the check it was drawn for, by role.
_CAPTION_OUTCOME = {
    ("refuted", "fail"): "the statement as written is refuted",
    ("refuted", "pass"): "the statement as written held here",
    ("control", "fail"): "the false variant is rejected",
    ("control", "pass"): "the false variant was not rejected",
}


def _figure_caption(check: Mapping[str, Any]) -> str:
    """Caption of an attached figure: which check it belongs to and what that check found --
    never the check's statement alone, which for a refuted statement would read as a fact."""
    role, outcome = check["role"], check["outcome"]
    found = _CAPTION_OUTCOME.get((role, outcome), f"{outcome}")
    kind = "negative control" if check.get("control") else f"{role} check"
    return f"Drawn for the {kind} “{check['name']}”: {found}."


def _check_view(c: Mapping[str, Any]) -> dict:
    """One check, with its numbers preformatted for the table."""
    return {
        **c,
        "estimate_text": fmt_estimate(c["estimate"], c["mcse"]),
        "ci_text": fmt_interval(c["ci"]),
        "target_text": fmt_num(c["target"]),
        "margin_text": fmt_num(c["margin"], 3),
        "alpha_text": fmt_num(c["alpha"], 3),
        "delta_text": fmt_num(c["delta"], 3),
        "reps_text": fmt_count(c["n_reps"]),
        "seconds_text": fmt_seconds(c["seconds"]),
        "params_text": fmt_params(c["params"]),
        "seed_text": fmt_params(c["seed"]) if c["seed"] else "",
    }


def _test_view(t: Mapping[str, Any], run: Mapping[str, Any]) -> dict:
    """One pytest item with its reproducing command."""
    return {**t, "seconds_text": fmt_seconds(t["seconds"]),
            "command": repro_command(t["nodeid"], run["root_seed"], run["scale"])}


def _groups(claim: Mapping[str, Any], checks: list[dict], run: Mapping[str, Any]) -> list[dict]:
    """The claim's checks grouped under the test that recorded them, in test order; every test
    appears, with or without checks; checks naming no known test get a group of their own."""
    by_test: dict[str | None, list[dict]] = {}
    for c in checks:
        by_test.setdefault(c["test"], []).append(c)
    groups = []
    for t in claim["tests"]:
        groups.append({**_test_view(t, run), "known": True,
                       "checks": by_test.pop(t["nodeid"], [])})
    for nodeid, cs in by_test.items():
        if nodeid is None:
            groups.append({"nodeid": "", "outcome": "", "message": "", "seconds_text": "",
                           "worker": None, "command": "", "known": False, "checks": cs})
        else:
            groups.append({**_test_view({"nodeid": nodeid, "outcome": "", "message": "",
                                         "seconds": None, "worker": None}, run),
                           "known": False, "checks": cs})
    return groups


def _claim_view(claim: Mapping[str, Any], index: int, run: Mapping[str, Any]) -> dict:
    """Everything the template shows for one claim, preformatted."""
    checks = [_check_view(c) for c in claim["checks"]]
    figures = [_figure(c, f"f{index}-{j}-") for j, c in enumerate(claim["checks"])
               if c["figure"] is not None]
    if not figures and claim["checks"]:
        for fig in overview_figures(claim["id"], claim["checks"], f"f{index}-"):
            figures.append({**fig, "svg": Markup(fig["svg"]) if fig["svg"] else None,
                            "derived": True})
    controls = [c for c in claim["checks"] if c["control"]]
    control_list = [{"label": label, "outcome": c["outcome"], "as_expected": c["as_expected"],
                     "distance_text": fmt_num(c.get("distance_delta"), 2)
                     if isinstance(c.get("distance_delta"), (int, float)) else ""}
                    for c, label in zip(controls, row_labels(controls))]
    outcomes = {o: sum(c["outcome"] == o for c in checks) for o in ("pass", "fail", "inconclusive")}
    stochastic = [c for c in checks if c["alpha"]]
    tests = [_test_view(t, run) for t in claim["tests"]]
    return {
        **claim,
        "anchor": claim_anchor(claim["id"]),
        "verdict_slug": _slug(claim["verdict"]),
        "expected_slug": _slug(claim["expected_verdict"]),
        "checks": checks,
        "groups": _groups(claim, checks, run),
        "figures": figures,
        "tests": tests,
        "n_controls": len(controls),
        "n_controls_rejected": sum(c["outcome"] == "fail" for c in controls),
        "control_list": control_list,
        "outcome_counts": outcomes,
        "n_unexpected": sum(not c["as_expected"] for c in checks),
        "n_stochastic": len(stochastic),
        "alpha_spent_text": fmt_num(sum(float(c["alpha"]) for c in stochastic), 3),
    }


def _failures(claims: list[dict], unclaimed: list[dict]) -> dict:
    """Tests that failed, errored or were skipped (each once, with the claims it serves), claims
    whose verdict differs from the expected one, and claims this run did not check."""
    by_nodeid: dict[str, dict] = {}
    for claim in claims:
        for t in claim["tests"]:
            if t["outcome"] in ("failed", "error", "skipped"):
                entry = by_nodeid.setdefault(t["nodeid"], {**t, "claims": []})
                entry["claims"].append({"id": claim["id"], "anchor": claim_anchor(claim["id"])})
    for t in unclaimed:
        if t["outcome"] in ("failed", "error", "skipped"):
            by_nodeid.setdefault(t["nodeid"], {**t, "claims": []})
    entries = list(by_nodeid.values())
    return {
        "broken": [e for e in entries if e["outcome"] in ("failed", "error")],
        "skipped": [e for e in entries if e["outcome"] == "skipped"],
        "mismatched": [c for c in claims
                       if c["verdict"] != c["expected_verdict"] and c["verdict"] != "not run"],
        "not_run": [c for c in claims
                    if c["verdict"] == "not run" and c["expected_verdict"] != "not run"],
    }


def _calibration_block(results: Mapping[str, Any]) -> Markup | None:
    """The calibration section (``templates/calibration.html.j2``) when the run calibrated.

    Rendered on its own, so that a malformed ``calibration`` object costs only this section.
    """
    calibration = results.get("calibration")
    if not calibration:
        return None
    try:
        html = _environment().get_template(CALIBRATION_TEMPLATE).render(calibration=calibration)
    except Exception as exc:  # noqa: BLE001 - the claims must still render
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        html = str(Markup('<section id="calibration" aria-labelledby="calibration-h">'
                          '<h2 id="calibration-h">Calibration</h2>'
                          '<p class="bad">The calibration summary could not be shown: {}</p>'
                          '</section>').format(message))
    return Markup(html)


def _context(results: dict) -> dict:
    """The template's context."""
    run = results["run"]
    claims = [_claim_view(c, i, run) for i, c in enumerate(results["claims"])]
    families: list[dict] = []
    by_family: dict[str, dict] = {}
    documents_claims = [c for c in claims if not c["supporting"]]
    supporting = [c for c in claims if c["supporting"]]
    for c in documents_claims:
        fam = by_family.get(c["family"])
        if fam is None:
            fam = {"code": c["family"], "title": c["family_title"], "anchor": "family-" + _slug(c["family"]),
                   "claims": []}
            by_family[c["family"]] = fam
            families.append(fam)
        fam["claims"].append(c)
    if supporting:
        families.append({"code": "Supporting", "anchor": "family-supporting", "claims": supporting,
                         "title": "the suite's own statements that the documents rely on or "
                                  "imply (not counted with the documents' claims)"})
    for fam in families:
        fam["verdict_counts"] = [{"verdict": v, "slug": _slug(v),
                                  "count": sum(c["verdict"] == v for c in fam["claims"])}
                                 for v in VERDICTS]
    verdict_counts = [{"verdict": v, "slug": _slug(v),
                       "count": sum(c["verdict"] == v for c in documents_claims),
                       "meaning": VERDICT_MEANINGS[v]}
                      for v in VERDICTS]
    test_keys = list(TEST_OUTCOMES) + sorted(k for k in run["tests"] if k not in TEST_OUTCOMES)
    test_counts = [{"outcome": k, "slug": _slug(k), "count": run["tests"].get(k, 0)} for k in test_keys]
    alpha = run["alpha"]
    run_view = {
        **run,
        "alpha_text": {
            "family": fmt_num(alpha["family"], 3),
            "per_check": fmt_num(alpha["per_check"], 3),
            "spent": fmt_num(alpha["spent"], 3),
        },
        "wall_text": fmt_seconds(run["wall_seconds"]),
        "tail_level_text": TAIL_LEVEL_TEXT,
        "tail_factor_text": f"{1 + TAIL_TOLERANCE:g}",
        "versions_list": [{"name": k, "version": v} for k, v in run["versions"].items()],
        "commit_short": (run["git_commit"] or "")[:12],
    }
    failures = _failures(results["claims"], results["unclaimed_tests"])
    return {
        "run": run_view,
        "claims": claims,
        "families": families,
        "verdicts": list(VERDICTS),
        "verdict_rules": [{"verdict": v, "slug": _slug(v), "when": w} for v, w in VERDICT_WHEN],
        "passage_rule": PASSAGE_RULE.replace("`", ""),
        "verdict_counts": verdict_counts,
        "n_document_claims": len(documents_claims),
        "supporting_counts": [{"verdict": v, "slug": _slug(v),
                               "count": sum(c["verdict"] == v for c in supporting)}
                              for v in VERDICTS],
        "n_supporting": len(supporting),
        "test_counts": test_counts,
        "roles": ROLE_MEANINGS,
        "failures": failures,
        "unclaimed": [_test_view(t, run) for t in results["unclaimed_tests"]],
        "unchecked_passages": results["unchecked_passages"],
        "n_checks": sum(len(c["checks"]) for c in claims),
        "n_figures": sum(len(c["figures"]) for c in claims),
        "calibration": _calibration_block(results),
        "script": Markup(_script()),
        "csp": _content_security_policy(),
    }


@functools.lru_cache(maxsize=1)
def _script() -> str:
    """The page's only script (filter and search); constant, so the CSP can pin its hash."""
    return (TEMPLATE_DIR / SCRIPT).read_text(encoding="utf-8")


def _content_security_policy() -> str:
    """A policy that lets the page load nothing and run nothing but its own script."""
    digest = base64.b64encode(hashlib.sha256(_script().encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The Jinja environment: autoescape on for every template, strict undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,  # every template, whatever its extension (.j2 is not in select_autoescape)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["slug"] = _slug
    env.filters["anchor"] = claim_anchor
    return env


def render(results: Mapping[str, Any]) -> str:
    """Render a results document (parsed ``results.json``) as one self-contained HTML page.

    Raises
    ------
    claimkit.results.load.ResultsError
        If ``results`` does not follow schema version 1.
    """
    doc = validate_results(results)
    return _environment().get_template(TEMPLATE).render(**_context(doc))
