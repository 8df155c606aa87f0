"""Evidence records: what one check decided, and how a claim's verdict follows from its checks.

A *decision* is what a decision rule (:mod:`simulations.decisions`) returns for one planned test.
A *check* is a decision placed in context: which claim, which parameters, which role it plays
(the statement as written, a corrected statement, a condition, or a negative control), the seed
of its random stream and its wall time. Checks are JSON-safe through :meth:`Check.to_json`.

Verdict rules (see ``VERDICTS``):

* a check whose outcome is ``inconclusive``, or a negative control that was *not* rejected,
  makes the claim ``inconclusive`` -- the suite could not decide at this budget;
* a ``literal`` check (the statement as written, expected to hold) or a ``refuted`` check (the
  statement as written, expected to be rejected) that fails makes the claim
  ``refuted as written``;
* a ``condition`` check that fails (a case where the omitted assumption is violated and the
  statement breaks) makes the claim ``supported under conditions``;
* otherwise the claim is ``supported``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Literal, Mapping

Outcome = Literal["pass", "fail", "inconclusive"]
Role = Literal["literal", "refuted", "corrected", "condition", "control"]

OUTCOMES: tuple[str, ...] = ("pass", "fail", "inconclusive")
ROLES: tuple[str, ...] = ("literal", "refuted", "corrected", "condition", "control")
VERDICTS: tuple[str, ...] = (
    "supported",
    "supported under conditions",
    "refuted as written",
    "inconclusive",
    "not run",
)

#: The outcome each role is expected to produce when the suite's understanding of a claim holds.
EXPECTED_OUTCOME: dict[str, str] = {
    "literal": "pass",
    "refuted": "fail",
    "corrected": "pass",
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
    """
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
        ``exact``, ``z-test``, ``equivalence``, ``binomial``, ``dkw`` or ``slope``.
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
            **d,
        }
        return json_safe(rec)


def verdict_from_checks(checks: Iterable[Mapping[str, Any]]) -> str:
    """Derive a claim's verdict from its checks' JSON records.

    Parameters
    ----------
    checks : iterable of mapping
        Records as produced by :meth:`Check.to_json` (keys ``role`` and ``outcome``).

    Returns
    -------
    str
        One of ``VERDICTS``; ``'not run'`` when there are no checks.
    """
    checks = list(checks)
    if not checks:
        return "not run"
    outcomes = [(c["role"], c["outcome"]) for c in checks]
    if any(o == "inconclusive" for _, o in outcomes):
        return "inconclusive"
    if any(r == "control" and o != "fail" for r, o in outcomes):
        return "inconclusive"
    if any(r == "corrected" and o != "pass" for r, o in outcomes):
        return "inconclusive"
    if any(r in ("literal", "refuted") and o == "fail" for r, o in outcomes):
        return "refuted as written"
    if any(r == "condition" and o == "fail" for r, o in outcomes):
        return "supported under conditions"
    return "supported"
