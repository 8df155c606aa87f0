"""The suite-wide error budget for stochastic checks.

The family-wise probability that *any* stochastic check of one run fails although its claim
is true is bounded by :data:`FAMILY_ALPHA`. The bound is split by Bonferroni over a declared
capacity of stochastic checks: every check spends :data:`CHECK_ALPHA`, and a run that records
more than :data:`CAPACITY` stochastic checks is reported as over budget (and fails).

Bonferroni needs no independence between checks: P(any false failure) <= sum of the alphas.
The share is the same at every ``--mc-scale``; only the Monte Carlo budget (and with it the
detectable deviation delta) changes.

References
----------
Dunn, O. J. (1961). Multiple comparisons among means. JASA 56(293), 52-64.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Family-wise false-failure rate of one run of the suite.
FAMILY_ALPHA: float = 1e-3
#: Maximum number of stochastic checks one run may spend alpha on.
CAPACITY: int = 1000
#: Alpha spent by each stochastic check (Bonferroni share).
CHECK_ALPHA: float = FAMILY_ALPHA / CAPACITY


@dataclass(frozen=True, slots=True)
class BudgetReport:
    """How much of the family-wise alpha a run spent."""

    family_alpha: float
    capacity: int
    check_alpha: float
    stochastic_checks: int
    spent: float

    @property
    def within(self) -> bool:
        """True when the run stayed inside the family-wise budget."""
        return self.spent <= self.family_alpha * (1 + 1e-12)


def budget_report(alphas: list[float]) -> BudgetReport:
    """Summarise the alphas spent by the stochastic checks of one run.

    Parameters
    ----------
    alphas : list of float
        Alpha of every stochastic check (exact checks spend 0 and may be included).
    """
    if any(a < 0 or a >= 1 for a in alphas):
        raise ValueError("`alphas` must lie in [0, 1).")
    spent = [a for a in alphas if a > 0]
    return BudgetReport(FAMILY_ALPHA, CAPACITY, CHECK_ALPHA, len(spent), float(sum(spent)))
