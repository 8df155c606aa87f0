"""Evidence records: what one check decided, and how a claim's verdict follows from its checks.

A *decision* is what a decision rule (:mod:`claimkit.decisions`) returns for one planned test.
A *check* is a decision placed in context: which claim, which parameters, which role it plays
(the statement as written, a corrected statement, a condition, or a negative control), the seed
of its random stream and its wall time. Checks are JSON-safe through :meth:`Check.to_json`.

A claim's verdict follows from its tests and their checks by one table, :data:`VERDICT_RULES`
(rows in order of precedence; the first row whose condition holds decides). The report, the
README and the catalogue's documentation render that table; nothing else states the rules.
:func:`claim_verdict` applies it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable, Literal, Mapping

import numpy as np

Outcome = Literal["pass", "fail", "inconclusive"]
Role = Literal["literal", "refuted", "corrected", "condition", "control", "reference"]

OUTCOMES: tuple[str, ...] = ("pass", "fail", "inconclusive")
ROLES: tuple[str, ...] = ("literal", "refuted", "corrected", "condition", "control",
                          "reference")
#: The outcome each role is expected to produce when the suite's understanding of a claim holds.
EXPECTED_OUTCOME: dict[str, str] = {
    "literal": "pass",
    "refuted": "fail",
    "corrected": "pass",
    "reference": "pass",
    "condition": "fail",
    "control": "fail",
}


def _finite_or_none(x: Any) -> Any:
    """Map non-finite floats to strings so that the record stays strict JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    return x


def json_safe(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and non-finite floats to strict-JSON values.

    Parameters
    ----------
    value : object
        Any nesting of mappings, sequences, numpy scalars/arrays and plain Python values.

    Returns
    -------
    object
        The same structure made of ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``
        and ``None``; ``nan``/``inf`` become the strings ``'nan'``, ``'inf'``, ``'-inf'``.

    Notes
    -----
    Results documents are converted whole at every snapshot of a run, so the plain types
    are tested first by exact type, and a numeric array whose values are all finite is
    converted by one ``tolist``; every other value takes :func:`_json_safe_general`.
    """
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else repr(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {str(k): json_safe(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [json_safe(v) for v in value]
    if kind is np.ndarray and (value.dtype.kind in "biu" or (
            value.dtype.kind == "f" and np.isfinite(value).all())):
        return value.tolist()
    return _json_safe_general(value)


def _json_safe_general(value: Any) -> Any:
    """:func:`json_safe` of any value (mapping and sequence subclasses, numpy scalars, ...)."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return json_safe(value.tolist())
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return _finite_or_none(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Decision:
    """The result of one decision rule applied to one estimate.

    Attributes
    ----------
    outcome : {'pass', 'fail', 'inconclusive'}
        ``pass``: the evidence agrees with the hypothesis at the declared error rates;
        ``fail``: evidence against it; ``inconclusive``: the budget cannot decide.
    kind : str
        ``exact``, ``z-test``, ``chi2``, ``equivalence``, ``binomial``, ``dkw`` or ``slope``.
    rule : str
        The decision rule in words and numbers, e.g. ``"|z| = 1.3 < 4.89"``.
    estimate : float
        The Monte Carlo (or computed) estimate.
    target : float or None
        The theoretical value the estimate is compared with.
    mcse : float or None
        Monte Carlo standard error of ``estimate``.
    ci : tuple of float or None
        Confidence interval for the estimand at level ``1 - alpha``.
    margin : float or None
        Equivalence margin (limit claims) or absolute tolerance (exact identities).
    alpha : float
        Probability that this rule fails a true hypothesis (0 for exact identities).
    delta : float or None
        Smallest deviation from ``target`` detected with probability >= 0.99 at this budget.
    n_reps : int or None
        Number of Monte Carlo replications (or randomised inputs, for exact checks).
    statistic : float or None
        Test statistic, where the rule has one (z, Kolmogorov distance, slope, ...).
    """

    outcome: Outcome
    kind: str
    rule: str
    estimate: float
    target: float | None = None
    mcse: float | None = None
    ci: tuple[float, float] | None = None
    margin: float | None = None
    alpha: float = 0.0
    delta: float | None = None
    n_reps: int | None = None
    statistic: float | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"`outcome` must be one of {OUTCOMES}, got {self.outcome!r}.")
        if not 0.0 <= self.alpha < 1.0:
            raise ValueError(f"`alpha` must lie in [0, 1), got {self.alpha!r}.")


@dataclass(frozen=True, slots=True)
class Check:
    """One check of one claim: a decision with its context.

    Attributes
    ----------
    claim : str
        Claim ID from the catalogue, e.g. ``"EX-04"``.
    name : str
        Short description of what is checked.
    role : {'literal', 'refuted', 'corrected', 'condition', 'control'}
        What the check contributes to the verdict (see module docstring).
    decision : Decision
        The decision rule's result.
    params : dict
        Parameters of this check (JSON-safe).
    seed : dict or None
        Root entropy and spawn key of the check's random stream.
    seconds : float
        Wall time of the check.
    figure : dict or None
        Optional data for a figure in the report (series of numbers, axis labels).
    note : str
        Free text: what the numbers mean, the corrected statement, ...
    """

    claim: str
    name: str
    role: Role
    decision: Decision
    params: dict = field(default_factory=dict)
    seed: dict | None = None
    seconds: float = 0.0
    figure: dict | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"`role` must be one of {ROLES}, got {self.role!r}.")

    @property
    def expected(self) -> str:
        """The outcome this check's role expects."""
        return EXPECTED_OUTCOME[self.role]

    @property
    def as_expected(self) -> bool:
        """Whether the outcome matches what the role expects."""
        return self.decision.outcome == self.expected

    @property
    def distance_delta(self) -> float | None:
        """For a negative control: how far its false value lies from the truth, in units of δ.

        The rule's demonstrated power: ``(|target − truth| − margin) / δ``, with the truth taken
        from ``params["truth"]`` where the check states it and otherwise estimated by the
        decision's ``estimate``; for exact checks δ is the tolerance, so the distance is the
        largest error over the tolerance. None for other roles, or where the rule gives no δ.
        """
        if self.role != "control":
            return None
        d = self.decision
        if d.kind == "exact" and d.delta is not None and d.delta == 0:
            return d.statistic  # a zero tolerance: any error is infinitely many tolerances
        if d.delta is None or not d.delta > 0:
            return None
        if d.kind == "exact":
            if not math.isfinite(d.estimate):
                return None
            return abs(d.estimate - (d.target or 0.0)) / d.delta
        if d.target is None:
            return None
        truth = self.params.get("truth", d.estimate)
        if not isinstance(truth, (int, float)) or not math.isfinite(truth):
            return None
        return (abs(d.target - float(truth)) - (d.margin or 0.0)) / d.delta

    def to_json(self) -> dict:
        """Flat, strict-JSON record as stored in ``results.json``."""
        d = asdict(self.decision)
        rec = {
            "claim": self.claim,
            "name": self.name,
            "role": self.role,
            "control": self.role == "control",
            "expected": self.expected,
            "as_expected": self.as_expected,
            "params": self.params,
            "seed": self.seed,
            "seconds": self.seconds,
            "note": self.note,
            "figure": self.figure,
            "distance_delta": self.distance_delta,
            **d,
        }
        return json_safe(rec)


@dataclass(frozen=True, slots=True)
class VerdictRule:
    """One row of the verdict table.

    Attributes
    ----------
    verdict : str
        The verdict this row gives.
    when : str
        The condition under which it is given (rows are tried in the table's order).
    meaning : str
        What the verdict tells a reader of the report.
    """

    verdict: str
    when: str
    meaning: str


#: The verdict table, in order of precedence: the first row whose condition holds decides.
VERDICT_RULES: tuple[VerdictRule, ...] = (
    VerdictRule("not run",
                "no test of the claim ran (all were deselected, skipped or never reached)",
                "the claim was not checked in this run."),
    VerdictRule("inconclusive",
                "a test of the claim failed or errored for any reason other than a check's "
                "outcome differing from what its role expects (the test and its error are named); "
                "or a check is inconclusive (its interval straddles a margin, its budget cannot "
                "rule out the deviation that matters, or a value it needed was NaN or infinite); "
                "or a negative control was not rejected; or a corrected statement was not "
                "confirmed; or a reference check (a fast estimator against its slow, obviously "
                "correct reference) failed; or no literal or refuted check reached a decision",
                "the suite could not decide: a test broke, a check could not decide at this "
                "budget, or a negative control showed the rule has no power here."),
    VerdictRule("partly checked",
                "otherwise, a test of the claim was skipped or never reached (the reason is "
                "named): no firm verdict rests on part of the evidence",
                "some of the claim's tests did not run; what ran is shown, but no verdict is "
                "drawn from it."),
    VerdictRule("refuted as written",
                "otherwise, a literal or refuted check (the statement as written) decided "
                "against the statement",
                "the evidence contradicts the statement as the document writes it; the "
                "corrected statement is shown and checked."),
    VerdictRule("supported under conditions",
                "otherwise, a condition check failed (a case with the omitted assumption "
                "violated, where the statement breaks)",
                "the statement holds, but only under an assumption the document leaves out; a "
                "check with that assumption violated fails."),
    VerdictRule("supported",
                "otherwise: every test ran to its end, at least one literal check passed, "
                "every literal check passed and every negative control was rejected",
                "the statement as written passed every check and every negative control was "
                "rejected."),
)

#: Verdicts in the order a reader meets them (firm verdicts first).
VERDICTS: tuple[str, ...] = (
    "supported",
    "supported under conditions",
    "refuted as written",
    "partly checked",
    "inconclusive",
    "not run",
)

#: Outcomes of a test (pytest's, folded over its phases) as the verdict table reads them.
TEST_OUTCOMES: tuple[str, ...] = ("passed", "failed", "error", "skipped", "not run")


#: How the table applies to a claim quoted from several passages.
PASSAGE_RULE: str = (
    "A claim quoted from several passages gets a verdict per passage. A passage that itself "
    "states the assumption the claim needs (`states_conditions = true` in the catalogue) is "
    "judged without the claim's condition checks, so it can be supported where another passage "
    "holds only under conditions. The claim's own verdict is the least favourable of its "
    "passages' verdicts (a row higher in the table is less favourable).")


def verdict_rules_markdown() -> str:
    """The verdict table as a Markdown table, followed by :data:`PASSAGE_RULE` (README and
    catalogue documentation)."""
    rows = ["| verdict | given when (first row that applies) | what it tells the reader |",
            "|---|---|---|"]
    rows += [f"| **{r.verdict}** | {r.when} | {r.meaning} |" for r in VERDICT_RULES]
    return "\n".join(rows) + "\n\n" + PASSAGE_RULE


def passage_verdict(tests: Iterable["TestEvidence"], *, states_conditions: bool
                    ) -> ClaimVerdict:
    """The verdict of one quoted passage of a claim (:data:`PASSAGE_RULE`).

    Parameters
    ----------
    tests : iterable of TestEvidence
        Every collected test of the claim.
    states_conditions : bool
        Whether the passage itself states the assumption the claim needs; its verdict is then
        decided without the claim's ``condition`` checks.

    Returns
    -------
    ClaimVerdict
    """
    if not isinstance(states_conditions, bool):
        raise ValueError(f"`states_conditions` must be a bool, got {states_conditions!r}.")
    if not states_conditions:
        return claim_verdict(tests)
    return claim_verdict(replace(t, checks=tuple(c for c in t.checks if c["role"] != "condition"))
                         for t in tests)


def least_favourable(verdicts: Iterable[ClaimVerdict]) -> ClaimVerdict:
    """The least favourable of several passage verdicts (the one whose row of
    :data:`VERDICT_RULES` comes first).

    Raises
    ------
    ValueError
        If ``verdicts`` is empty.
    """
    order = {r.verdict: i for i, r in enumerate(VERDICT_RULES)}
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("`verdicts` must not be empty.")
    return min(verdicts, key=lambda v: order[v.verdict])


@dataclass(frozen=True, slots=True)
class TestEvidence:
    """What the verdict table needs to know of one test of a claim.

    Attributes
    ----------
    nodeid : str
        pytest node id.
    outcome : str
        One of :data:`TEST_OUTCOMES`.
    message : str
        The failure, error or skip message.
    checks : tuple of mapping
        The test's check records (:meth:`Check.to_json`).
    completed : bool
        Whether the test body ran to its end, so that a failure can only be a check whose
        outcome differs from what its role expects (the checks then decide).
    """

    __test__ = False  # not a pytest test class

    nodeid: str
    outcome: str
    message: str = ""
    checks: tuple = ()
    completed: bool = False

    def __post_init__(self) -> None:
        if self.outcome not in TEST_OUTCOMES:
            raise ValueError(f"`outcome` must be one of {TEST_OUTCOMES}, got {self.outcome!r}.")


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    """A claim's verdict and the reasons the verdict table gave it."""

    verdict: str
    reasons: tuple[str, ...] = ()


def _brief(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def claim_verdict(tests: Iterable[TestEvidence]) -> ClaimVerdict:
    """Apply :data:`VERDICT_RULES` to the tests of one claim.

    Parameters
    ----------
    tests : iterable of TestEvidence
        Every collected test of the claim, whatever its outcome.

    Returns
    -------
    ClaimVerdict
        The verdict and, for every verdict but ``supported``, the reasons (which test, which
        check, which error).
    """
    tests = list(tests)
    ran = [t for t in tests if t.outcome not in ("skipped", "not run")]
    unrun = [t for t in tests if t.outcome in ("skipped", "not run")]
    if not ran:
        reasons = tuple(f"{t.nodeid}: {t.outcome}" + (f" ({_brief(t.message)})" if t.message
                                                       else "") for t in unrun)
        return ClaimVerdict("not run", reasons or ("no test of the claim was collected",))
    reasons: list[str] = []
    for t in ran:
        if t.outcome in ("failed", "error") and not t.completed:
            reasons.append(f"test {t.nodeid} {t.outcome}: {_brief(t.message) or 'no message'}")
    checks = [c for t in ran for c in t.checks]
    for c in checks:
        role, outcome, name = c["role"], c["outcome"], c.get("name", "?")
        if outcome == "inconclusive":
            reasons.append(f"check '{name}' ({role}) is inconclusive: {_brief(c.get('rule', ''))}")
        elif role == "control" and outcome != "fail":
            reasons.append(f"negative control '{name}' was not rejected")
        elif role == "corrected" and outcome != "pass":
            reasons.append(f"corrected statement '{name}' was not confirmed")
        elif role == "reference" and outcome != "pass":
            reasons.append(f"reference check '{name}' failed: the fast computation the claim "
                           "relies on does not match its slow, obviously correct reference")
    if not any(c["role"] in ("literal", "refuted") and c["outcome"] in ("pass", "fail")
               for c in checks):
        reasons.append("no literal or refuted check reached a decision")
    if reasons:
        return ClaimVerdict("inconclusive", tuple(reasons))
    if unrun:
        return ClaimVerdict("partly checked", tuple(
            f"test {t.nodeid} {'was skipped' if t.outcome == 'skipped' else 'did not run'}"
            + (f": {_brief(t.message)}" if t.message else "") for t in unrun))
    against = [c for c in checks if c["role"] in ("literal", "refuted") and c["outcome"] == "fail"]
    if against:
        return ClaimVerdict("refuted as written", tuple(
            f"{c['role']} check '{c.get('name', '?')}' failed: {_brief(c.get('rule', ''))}"
            for c in against))
    broken = [c for c in checks if c["role"] == "condition" and c["outcome"] == "fail"]
    if broken:
        return ClaimVerdict("supported under conditions", tuple(
            f"condition check '{c.get('name', '?')}' failed" for c in broken))
    return ClaimVerdict("supported")


def verdict_from_checks(checks: Iterable[Mapping[str, Any]]) -> str:
    """The verdict of one claim whose checks all come from one test that ran to its end.

    Parameters
    ----------
    checks : iterable of mapping
        Records as produced by :meth:`Check.to_json` (keys ``role``, ``outcome``, ``name``).

    Returns
    -------
    str
        One of :data:`VERDICTS` (see :func:`claim_verdict`); ``'not run'`` without checks.
    """
    checks = tuple(checks)
    if not checks:
        return "not run"
    return claim_verdict([TestEvidence("checks", "passed", checks=checks, completed=True)]).verdict
