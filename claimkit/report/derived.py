"""Overview figures the report derives from a claim's checks alone (no figure spec needed).

A claim whose tests attach no figure still gets a picture of its evidence, drawn from the
numbers every check record carries (see ``reports/SCHEMA.md``):

* **Monte Carlo checks** (every kind but ``exact``, with a finite target and ``δ > 0``): a
  forest plot of ``(estimate − target) / δ`` with the confidence interval on the same scale,
  the ``±δ`` band and the ``±margin`` of limit claims. One unit is the smallest deviation the
  check detects with probability ≥ 0.99, so checks with different estimands share one axis.
* **Exact checks** (``kind = "exact"`` with a ``statistic``): the largest error divided by the
  tolerance on a log axis; a check passes at ratio ≤ 1.

Both are pure functions of the check records, so the page stays a pure function of
``results.json``.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, Mapping, Sequence

from claimkit.normal_tails import TAIL_LEVEL_TEXT

from .figures import forest_svg

__all__ = ["MAX_ROWS", "row_labels", "stochastic_rows", "exact_rows", "overview_figures"]

#: Rows per overview figure; longer lists are split into parts.
MAX_ROWS = 40
_NAME_CHARS = 72
_PARAM_CHARS = 36

STOCHASTIC_CAPTION = (
    "Each row is one Monte Carlo check: the dot is its estimate and the bar the interval its "
    "rule decides with (a z-test's two-sided 1 − α interval, 1 − " + TAIL_LEVEL_TEXT
    + " where it checks its normal tail; a margin rule's one-sided 1 − α bound at each end), "
    "both drawn as the deviation from the theoretical target in units of that check's δ (the "
    "smallest deviation it detects with probability ≥ 0.99). The shaded band is ±δ; grey "
    "ticks mark the margin of a limit claim. Literal and corrected checks should sit near 0; "
    "negative controls and condition checks should lie clearly away from it.")
EXACT_CAPTION = (
    "Each row is one exact check: its largest error divided by its tolerance (machine epsilon "
    "times the conditioning of the computation). A check passes when the ratio is at most 1, the "
    "dashed line; negative controls must land to the right of it. An error of exactly 0 is drawn "
    "as a hollow dot at the left edge.")


def _finite(x: Any) -> bool:
    """True for a finite real number (not bool)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _short(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _param_text(value: Any) -> str:
    """A parameter value as short text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           separators=(",", ":"))


#: Characters of a long name kept before the ellipsis when its distinguishing part follows.
_LEAD_CHARS = 16


def _distinct_names(names: Sequence[str]) -> dict[str, str]:
    """Each name cut to :data:`_NAME_CHARS`; names that the cut would make equal keep their
    beginning, an ellipsis, and the part where they start to differ (so that rows which only
    differ late -- "... at n = 50" vs "... at n = 2000" -- stay told apart)."""
    flat = {n: " ".join(n.split()) for n in dict.fromkeys(names)}
    cut = {n: _short(f, _NAME_CHARS) for n, f in flat.items()}
    groups: dict[str, list[str]] = {}
    for n, c in cut.items():
        groups.setdefault(c, []).append(n)
    for members in groups.values():
        if len(members) < 2:
            continue
        texts = [flat[n] for n in members]
        common = len(os.path.commonprefix(texts))
        start = max(_LEAD_CHARS, common - 12)        # a little context before the difference
        start = texts[0].rfind(" ", 0, start) + 1 or start
        for n in members:
            text = flat[n]
            if len(text) <= _NAME_CHARS:
                continue
            cut[n] = _short(text[:_LEAD_CHARS].rstrip() + "… " + text[start:], _NAME_CHARS)
    return cut


def row_labels(checks: Sequence[Mapping[str, Any]]) -> list[str]:
    """Short one-line labels for checks: the name, plus the parameters that tell apart checks
    of equal name.

    Parameters
    ----------
    checks : sequence of mapping
        Check records with ``name`` and optional ``params``.

    Returns
    -------
    list of str
        One label per check, at most about 80 characters.
    """
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for c in checks:
        by_name.setdefault(c["name"], []).append(c)
    short = _distinct_names([c["name"] for c in checks])
    out = []
    for c in checks:
        label = short[c["name"]]
        same = by_name[c["name"]]
        if len(same) > 1:
            params = c.get("params") or {}
            keys = [k for k in params
                    if len({_param_text((o.get("params") or {}).get(k)) for o in same}) > 1]
            if keys:
                extra = ", ".join(f"{k}={_param_text(params[k])}" for k in keys)
                label += " · " + _short(extra, _PARAM_CHARS)
        out.append(label)
    return out


def stochastic_rows(checks: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Rows of the Monte Carlo overview: ``(value − target) / δ`` for each eligible check.

    Parameters
    ----------
    checks : sequence of mapping
        Validated check records of one claim.

    Returns
    -------
    list of dict
        Rows for :func:`claimkit.report.figures.forest_svg`, in the order of ``checks``; checks of kind
        ``exact``, or without a finite estimate, target or positive δ, are left out.
    """
    eligible = [c for c in checks
                if c["kind"] != "exact" and _finite(c["estimate"]) and _finite(c["target"])
                and _finite(c["delta"]) and c["delta"] > 0]
    rows = []
    for c, label in zip(eligible, row_labels(eligible)):
        t, d = c["target"], c["delta"]
        lo = hi = None
        if c["ci"]:
            lo, hi = ((v - t) / d if not math.isnan(v) else None for v in c["ci"])
        ticks: list[float] = []
        if _finite(c["margin"]) and c["margin"] > 0:
            m = c["margin"] / d
            ticks = [m] if c["kind"] == "dkw" else [-m, m]
        rows.append({"label": label, "role": c["role"], "estimate": (c["estimate"] - t) / d,
                     "lo": lo, "hi": hi, "ticks": ticks, "as_expected": c["as_expected"]})
    return rows


def exact_rows(checks: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Rows of the exact-check overview: the statistic ``max error / tolerance`` of each check.

    Parameters
    ----------
    checks : sequence of mapping
        Validated check records of one claim.

    Returns
    -------
    list of dict
        Rows for :func:`claimkit.report.figures.forest_svg`; only checks of kind ``exact`` whose
        ``statistic`` is a number (``+inf`` allowed) are kept.
    """
    eligible = [c for c in checks
                if c["kind"] == "exact" and isinstance(c.get("statistic"), (int, float))
                and not isinstance(c.get("statistic"), bool) and not math.isnan(c["statistic"])
                and c["statistic"] >= 0]
    return [{"label": label, "role": c["role"], "estimate": float(c["statistic"]),
             "as_expected": c["as_expected"]}
            for c, label in zip(eligible, row_labels(eligible))]


def _parts(rows: list[dict]) -> list[list[dict]]:
    """``rows`` cut into consecutive parts of at most :data:`MAX_ROWS`, of nearly equal size."""
    if not rows:
        return []
    k = math.ceil(len(rows) / MAX_ROWS)
    size = math.ceil(len(rows) / k)
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def overview_figures(claim_id: str, checks: Sequence[Mapping[str, Any]], prefix: str) -> list[dict]:
    """The derived overview figures of one claim, drawn as inline SVG.

    Parameters
    ----------
    claim_id : str
        Shown in each figure's title.
    checks : sequence of mapping
        Validated check records of the claim.
    prefix : str
        Id prefix for the SVGs (each figure appends its own suffix).

    Returns
    -------
    list of dict
        One per figure: ``title``, ``caption``, ``svg`` (or None) and ``error`` (why it could
        not be drawn, or ``''``).
    """
    figures = []
    specs = []
    for i, part in enumerate(stoch := _parts(stochastic_rows(checks))):
        suffix = f" (part {i + 1} of {len(stoch)})" if len(stoch) > 1 else ""
        specs.append((part, dict(
            title=f"{claim_id}: Monte Carlo checks against their targets{suffix}",
            xlabel="(value − target) / δ", reference=0.0, reference_label="target",
            band=(-1.0, 1.0), band_label="±δ"), STOCHASTIC_CAPTION))
    for i, part in enumerate(exact := _parts(exact_rows(checks))):
        suffix = f" (part {i + 1} of {len(exact)})" if len(exact) > 1 else ""
        specs.append((part, dict(
            title=f"{claim_id}: exact checks against their tolerances{suffix}",
            xlabel="largest error ÷ tolerance", xscale="log", reference=1.0,
            reference_label="tolerance (pass ≤ 1)"), EXACT_CAPTION))
    for j, (rows, kwargs, caption) in enumerate(specs):
        try:
            svg, error = forest_svg(rows, id_prefix=f"{prefix}o{j}-", **kwargs), ""
        except Exception as exc:  # noqa: BLE001 - one bad figure must not cost the whole report
            svg, error = None, f"{type(exc).__name__}: {exc}".splitlines()[0]
        figures.append({"title": kwargs["title"], "caption": caption, "svg": svg, "error": error})
    return figures
