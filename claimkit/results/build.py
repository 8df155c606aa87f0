"""Assemble ``results.json`` (schema: the report directory's ``SCHEMA.md``) from test reports.

The :class:`Collector` lives on the controlling process only. It receives every test report
(from this process or from pytest-xdist workers), keeps each test's state and the checks it
shipped, and at the end of the run turns them, together with the catalogue, into one
JSON document per run.
"""

from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

from claimkit.budget import budget_report
from claimkit.evidence import TEST_OUTCOMES, ClaimVerdict, TestEvidence, claim_verdict as _verdict
from claimkit.evidence import json_safe, least_favourable, passage_verdict

from claimkit.results.schema import CHECKS_KEY, CLAIM_KEY, COMPLETED_KEY, SCHEMA_VERSION


@dataclass
class TestState:
    """What is known of one test: claim, outcome, message, duration, checks."""

    __test__ = False  # not a pytest test class

    nodeid: str
    claim: str | None = None
    outcome: str = "not run"
    message: str = ""
    seconds: float = 0.0
    worker: str | None = None
    checks: list[dict] = field(default_factory=list)
    completed: bool = False

    def evidence(self) -> TestEvidence:
        """This test as the verdict table reads it."""
        return TestEvidence(self.nodeid, self.outcome, self.message, tuple(self.checks),
                            self.completed)

    def to_json(self) -> dict:
        """The test as listed under its claim: what happened, never when or where (that is
        :meth:`timing`, kept in ``run.timings``)."""
        return {"nodeid": self.nodeid, "outcome": self.outcome, "message": self.message}

    def timing(self) -> dict:
        """Wall time and xdist worker of the test, and the wall time of each of its checks."""
        return {"seconds": round(self.seconds, 6), "worker": self.worker,
                "checks": [c.get("seconds") for c in self.checks]}


def _first_line(longrepr: Any) -> str:
    """A short, single-paragraph message from a report's longrepr."""
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # skip: (path, lineno, reason)
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(getattr(longrepr, "reprcrash", None), "message", None)
    text = str(crash if crash else longrepr).strip()
    return text[:2000]


class Collector:
    """Collects test states on the controller."""

    def __init__(self) -> None:
        self.tests: dict[str, TestState] = {}

    def state(self, nodeid: str) -> TestState:
        if nodeid not in self.tests:
            self.tests[nodeid] = TestState(nodeid)
        return self.tests[nodeid]

    def expect(self, nodeid: str, claim: str | None) -> None:
        """Register a collected test (so that it appears even if it never runs)."""
        st = self.state(nodeid)
        st.claim = st.claim or claim

    def add(self, report: Any) -> None:
        """Fold one ``TestReport`` (any phase, any process) into the test's state."""
        st = self.state(report.nodeid)
        props = dict(getattr(report, "user_properties", []) or [])
        st.claim = st.claim or props.get(CLAIM_KEY)
        if CHECKS_KEY in props:
            st.checks = json.loads(props[CHECKS_KEY])
        if COMPLETED_KEY in props:
            st.completed = bool(props[COMPLETED_KEY])
        node = getattr(report, "node", None)
        gateway = getattr(node, "gateway", None)
        st.worker = getattr(gateway, "id", None) or st.worker
        st.seconds += float(getattr(report, "duration", 0.0) or 0.0)
        when = getattr(report, "when", "call")
        if report.outcome == "skipped":
            if st.outcome in ("not run", "passed"):
                st.outcome, st.message = "skipped", _first_line(report.longrepr)
        elif report.outcome == "failed":
            if when == "call" or when not in ("setup", "teardown"):
                st.outcome = "failed"
            elif st.outcome != "failed":
                st.outcome = "error"
            st.message = st.message or _first_line(report.longrepr)
        elif when == "call" and st.outcome == "not run":
            st.outcome = "passed"

    def by_claim(self) -> dict[str | None, list[TestState]]:
        out: dict[str | None, list[TestState]] = {}
        for st in self.tests.values():
            out.setdefault(st.claim, []).append(st)
        return out


def claim_verdict(states: Iterable[TestState]) -> ClaimVerdict:
    """Verdict of one claim from its tests, by the verdict table
    (:data:`claimkit.evidence.VERDICT_RULES`)."""
    return _verdict(s.evidence() for s in states)


def source_verdicts(states: Iterable[TestState], sources: Iterable[Mapping[str, Any]]
                    ) -> tuple[list[ClaimVerdict], ClaimVerdict]:
    """The verdict of every quoted passage and the claim's, the least favourable of them
    (:data:`claimkit.evidence.PASSAGE_RULE`)."""
    evidence = [s.evidence() for s in states]
    per = [passage_verdict(evidence, states_conditions=bool(src.get("states_conditions")))
           for src in sources]
    return per, (least_favourable(per) if per else _verdict(evidence))


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | None]:
    """Versions of Python and the libraries whose behaviour the claims check."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "statsmodels", "pytest", "matplotlib", "torch",
                 "scikit-learn", "hmmlearn"):
        out[dist] = _version(dist)
    return out


def git_commit(root: Path) -> str | None:
    """The checked-out commit of ``root`` (with ``+dirty`` for uncommitted changes), or None."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout
        return sha + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def claim_checks(states: Iterable[TestState]) -> list[dict]:
    """A claim's checks as results.json lists them: its tests' checks in node-id order, each
    with its test's node id and without its time (kept in ``run.timings``)."""
    return [{**{k: v for k, v in c.items() if k != "seconds"}, "test": s.nodeid}
            for s in sorted(states, key=lambda s: s.nodeid) for c in s.checks]


def build_results(collector: Collector, catalogue: Mapping[str, Any], run: Mapping[str, Any]
                  ) -> dict:
    """The results document (schema version :data:`SCHEMA_VERSION`).

    Parameters
    ----------
    collector : Collector
        Test states of the run.
    catalogue : mapping of str to ClaimInfo
        The claims catalogue (objects with ``to_json()``), in catalogue order.
    run : mapping
        Run metadata without the ``alpha`` and ``tests`` entries, which are derived here.
    """
    groups = collector.by_claim()
    claims = []
    alphas: list[float] = []
    for cid, info in catalogue.items():
        states = sorted(groups.get(cid, []), key=lambda s: s.nodeid)
        checks = claim_checks(states)
        alphas += [float(c.get("alpha") or 0.0) for c in checks]
        entry = dict(info.to_json())
        per_source, verdict = source_verdicts(states, entry["sources"])
        for src, v in zip(entry["sources"], per_source):
            src["verdict"] = v.verdict
        entry["source"] = entry["sources"][0] if entry["sources"] else None  # primary source
        entry.update(verdict=verdict.verdict, verdict_reasons=list(verdict.reasons),
                     verdict_matches=verdict.verdict == entry["expected_verdict"],
                     tests=[s.to_json() for s in states], checks=checks)
        claims.append(entry)
    unknown = [s for key, sts in groups.items() if key not in catalogue for s in sts]
    budget = budget_report(alphas)
    counts = {k: 0 for k in TEST_OUTCOMES}
    for st in collector.tests.values():
        counts[st.outcome] += 1
    run_doc = {**run,
               "alpha": {"family": budget.family_alpha, "capacity": budget.capacity,
                         "per_check": budget.check_alpha,
                         "stochastic_checks": budget.stochastic_checks,
                         "spent": budget.spent, "within": budget.within},
               "tests": counts,
               "timings": {st.nodeid: st.timing()
                           for st in sorted(collector.tests.values(), key=lambda s: s.nodeid)}}
    unchecked = [u.to_json() for u in getattr(catalogue, "unchecked", ())]
    return json_safe({"schema_version": SCHEMA_VERSION, "run": run_doc, "claims": claims,
                      "unchecked_passages": unchecked,
                      "unclaimed_tests": [s.to_json() for s in sorted(unknown,
                                                                       key=lambda s: s.nodeid)]})
