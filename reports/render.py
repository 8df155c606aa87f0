"""``results.json`` (as a dict) -> the self-contained HTML report. A pure function: no clock, no
environment, no file system beyond the package's own template; equal inputs give equal bytes.

Every string from the results passes through Jinja's autoescape; the only markup marked safe is
the SVG that :func:`reports.figures.figure_svg` draws from numbers (matplotlib escapes its text).
"""

from __future__ import annotations

import functools
import json
import math
import re
import shlex
from pathlib import Path
from typing import Any, Mapping

import jinja2
from markupsafe import Markup

from .figures import figure_svg
from .load import TEST_OUTCOMES, VERDICTS, validate_results

__all__ = ["render", "fmt_num", "fmt_estimate", "fmt_interval", "fmt_seconds", "repro_command",
           "claim_anchor"]

TEMPLATE_DIR = Path(__file__).with_name("templates")
TEMPLATE = "report.html.j2"


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

def _figure(check: Mapping[str, Any], prefix: str) -> dict:
    """The SVG of a check's figure, or the reason it could not be drawn."""
    spec = check["figure"]
    try:
        svg, error = Markup(figure_svg(spec, id_prefix=prefix)), ""
    except Exception as exc:  # noqa: BLE001 - one bad figure must not cost the whole report
        svg, error = None, f"{type(exc).__name__}: {exc}".splitlines()[0]
    return {"svg": svg, "error": error, "title": spec.get("title") or check["name"],
            "caption": check["name"]}


def _claim_view(claim: Mapping[str, Any], index: int, run: Mapping[str, Any]) -> dict:
    """Everything the template shows for one claim, preformatted."""
    checks = []
    figures = []
    for j, c in enumerate(claim["checks"]):
        checks.append({
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
        })
        if c["figure"] is not None:
            figures.append(_figure(c, f"f{index}-{j}-"))
    controls = [c for c in claim["checks"] if c["control"]]
    tests = [{**t, "seconds_text": fmt_seconds(t["seconds"]),
              "command": repro_command(t["nodeid"], run["root_seed"], run["scale"])}
             for t in claim["tests"]]
    return {
        **claim,
        "anchor": claim_anchor(claim["id"]),
        "verdict_slug": _slug(claim["verdict"]),
        "expected_slug": _slug(claim["expected_verdict"]),
        "checks": checks,
        "figures": figures,
        "tests": tests,
        "n_controls": len(controls),
        "n_controls_rejected": sum(c["outcome"] == "fail" for c in controls),
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


def _context(results: dict) -> dict:
    """The template's context."""
    run = results["run"]
    claims = [_claim_view(c, i, run) for i, c in enumerate(results["claims"])]
    families: list[dict] = []
    by_family: dict[str, dict] = {}
    for c in claims:
        fam = by_family.get(c["family"])
        if fam is None:
            fam = {"code": c["family"], "title": c["family_title"], "anchor": "family-" + _slug(c["family"]),
                   "claims": []}
            by_family[c["family"]] = fam
            families.append(fam)
        fam["claims"].append(c)
    verdict_counts = [{"verdict": v, "slug": _slug(v), "count": sum(c["verdict"] == v for c in claims)}
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
        "versions_list": [{"name": k, "version": v} for k, v in run["versions"].items()],
    }
    return {
        "run": run_view,
        "claims": claims,
        "families": families,
        "verdicts": list(VERDICTS),
        "verdict_counts": verdict_counts,
        "test_counts": test_counts,
        "failures": _failures(results["claims"], results["unclaimed_tests"]),
        "unclaimed": [{**t, "seconds_text": fmt_seconds(t["seconds"]),
                       "command": repro_command(t["nodeid"], run["root_seed"], run["scale"])}
                      for t in results["unclaimed_tests"]],
        "n_checks": sum(len(c["checks"]) for c in claims),
    }


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
    reports.load.ResultsError
        If ``results`` does not follow schema version 1.
    """
    doc = validate_results(results)
    return _environment().get_template(TEMPLATE).render(**_context(doc))
