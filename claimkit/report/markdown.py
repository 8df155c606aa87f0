"""A short Markdown summary of a results document, for a CI job summary or a pull request.

``pytest --claims-summary PATH`` writes it (GitHub Actions: ``--claims-summary
"$GITHUB_STEP_SUMMARY"``). It lists the verdict counts, every claim with its verdict against
the expected one, and -- first, because that is what a reviewer needs -- anything
unexpected: verdicts that differ from the catalogue, failed or erroring tests, an interrupted
run, a spent error budget.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping

from claimkit.evidence import VERDICTS

__all__ = ["summary_markdown"]


def _cell(text: Any) -> str:
    """Table-safe text: no pipes or newlines."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _unexpected(doc: Mapping[str, Any]) -> list[str]:
    run = doc["run"]
    out = []
    if run.get("interrupted"):
        out.append(f"the run was **interrupted** (exit status {run.get('exit_status')}): "
                   "tests that did not finish are “not run”")
    if not run["alpha"]["within"]:
        out.append(f"the error budget was **exceeded**: α spent {run['alpha']['spent']:.3g} of "
                   f"{run['alpha']['family']:g}")
    for claim in doc["claims"]:
        if claim["verdict"] != claim["expected_verdict"]:
            out.append(f"**{claim['id']}** is “{claim['verdict']}”, expected "
                       f"“{claim['expected_verdict']}”")
        for test in claim["tests"]:
            if test["outcome"] in ("failed", "error"):
                message = f": {_cell(test['message'])[:200]}" if test.get("message") else ""
                out.append(f"`{test['nodeid']}` {test['outcome']}{message}")
    for test in doc.get("unclaimed_tests", []):
        if test["outcome"] in ("failed", "error"):
            out.append(f"`{test['nodeid']}` (no claim) {test['outcome']}")
    return out


def summary_markdown(doc: Mapping[str, Any]) -> str:
    """The Markdown summary of a results document (as written to results.json).

    Parameters
    ----------
    doc : mapping
        A results document (``run``, ``claims``; schema in the report folder's SCHEMA.md).

    Returns
    -------
    str
        Markdown: a headline, the unexpected items, and one table row per claim.

    Raises
    ------
    ValueError
        If ``doc`` lacks ``run`` or ``claims``.
    """
    if not isinstance(doc, Mapping) or "run" not in doc or "claims" not in doc:
        raise ValueError("`doc` must be a results document with 'run' and 'claims'.")
    run = doc["run"]
    documents = [c for c in doc["claims"] if not c.get("supporting")]
    supporting = [c for c in doc["claims"] if c.get("supporting")]
    counts = Counter(c["verdict"] for c in documents)
    tally = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])
    unexpected = _unexpected(doc)
    lines = [f"## Statistical claims: {len(documents)} claims of the documents — {tally}", ""]
    if supporting:
        s = Counter(c["verdict"] for c in supporting)
        lines += ["Supporting claims (the suite's own, counted apart): "
                  + ", ".join(f"{s[v]} {v}" for v in VERDICTS if s[v]) + ".", ""]
    lines += [f"Scale `{run['scale']}`, root seed `{run['root_seed']}`, α spent "
              f"{run['alpha']['spent']:.3g} of {run['alpha']['family']:g} "
              f"({run['alpha']['stochastic_checks']} stochastic checks).", ""]
    if unexpected:
        lines += [f"### Unexpected ({len(unexpected)})", ""] + [f"- {u}" for u in unexpected]
    else:
        lines += ["Nothing unexpected: every verdict is the one the catalogue expects."]
    lines += ["", "| claim | title | verdict | expected | |", "|---|---|---|---|:---:|"]
    for c in doc["claims"]:
        ok = "✓" if c["verdict"] == c["expected_verdict"] else "**✗**"
        tag = " (supporting)" if c.get("supporting") else ""
        lines.append(f"| {c['id']}{tag} | {_cell(c['title'])} | {c['verdict']} | "
                     f"{c['expected_verdict']} | {ok} |")
    return "\n".join(lines) + "\n"
