"""Summarise the repetitions of every test into a :class:`~.records.Calibration`.

References
----------
Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated
in the case of the binomial. Biometrika 26(4), 404-413.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from claimkit.plugin.calibration.rates import LEVEL, clopper_pearson
from claimkit.plugin.calibration.records import Calibration, CheckCalibration, PooledRate, RepError
from claimkit.plugin.calibration.validation import check_level
from claimkit.decisions import POWER
from claimkit.evidence import EXPECTED_OUTCOME

#: Characters of :attr:`CheckCalibration.sequence` for a repetition that recorded the check.
_RECORDED = frozenset("pfi")


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def _keyed(checks: Sequence[Mapping[str, Any]]) -> list[tuple[tuple[str, str, str, int], dict]]:
    """Checks keyed by what they are, not by values that change with the seed.

    The key is (role, kind, name with its numbers masked, occurrence of that triple in the
    test): a test records its checks in an order fixed by its code, and numbers computed from
    the data (in names or params) do not split one check into one-trial fragments.
    """
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    out = []
    for c in checks:
        key = (str(c.get("role")), str(c.get("kind", "")), _NUMBER.sub("#", str(c["name"])))
        out.append(((*key, seen[key]), dict(c)))
        seen[key] += 1
    return out


def _measure(alpha: float, expected: str) -> str:
    if alpha <= 0:
        return "deterministic"
    return "false-failure" if expected == "pass" else "power"


def _rate_against_reference(measure: str, counts: Mapping[str, int], outcomes: list[str],
                            alpha: float, expected: str, baseline: str | None,
                            level: float) -> tuple[Any, float, bool]:
    """The rate a check's ``measure`` estimates, its reference and whether they agree.

    A false failure is any outcome but ``pass`` of a check that should pass: an inconclusive
    outcome fails the suite just as a ``fail`` does, and is inside the same alpha budget. An
    exact check is consistent only when it gave the outcome its role expects on every seed.
    """
    k = len(outcomes)
    if measure == "false-failure":
        rate = clopper_pearson(counts["fail"] + counts["inconclusive"], k, level)
        return rate, alpha, rate.ci[0] <= alpha
    if measure == "power":
        rate = clopper_pearson(counts["fail"], k, level)
        return rate, POWER, rate.ci[1] >= POWER
    rate = clopper_pearson(counts[expected], k, level)
    every = set(outcomes) | ({baseline} if baseline is not None else set())
    return rate, 1.0, every == {expected}


def _check_summary(test: str, claim: str | None, first: Mapping[str, Any],
                   by_rep: Mapping[int, str], k_total: int, baseline: str | None,
                   level: float, seed_free: bool = False) -> CheckCalibration:
    outcomes = list(by_rep.values())
    missing = "=" if seed_free else "-"
    sequence = "".join(by_rep[i][0] if i in by_rep else missing for i in range(k_total))
    role = first["role"]
    expected = EXPECTED_OUTCOME[role]
    alpha = float(first.get("alpha") or 0.0)
    measure = _measure(alpha, expected)
    counts = {o: outcomes.count(o) for o in ("pass", "fail", "inconclusive")}
    rate, reference, consistent = _rate_against_reference(measure, counts, outcomes, alpha,
                                                          expected, baseline, level)
    return CheckCalibration(test=test, claim=claim, name=first["name"],
                            params=dict(first.get("params") or {}), role=role,
                            kind=str(first.get("kind", "")), alpha=alpha, expected=expected,
                            measure=measure, outcomes=counts, sequence=sequence,
                            seed_free=seed_free, baseline=baseline, rate=rate,
                            reference=reference, consistent=bool(consistent))


def _test_checks(payload: Mapping[str, Any], index: Mapping[int, int],
                 level: float) -> list[CheckCalibration]:
    """The per-check summaries of one test's repetitions."""
    baseline = {key: c["outcome"] for key, c in _keyed(payload.get("baseline", []))}
    outcomes: dict[tuple, dict[int, str]] = defaultdict(dict)
    first: dict[tuple, dict] = {}
    for rep in payload["reps"]:
        i = index.get(int(rep["seed"]))
        if i is None:
            raise ValueError(f"`payloads` hold a repetition with seed {rep['seed']} "
                             "that is not in `seeds`.")
        for key, c in _keyed(rep["checks"]):
            outcomes[key][i] = c["outcome"]
            first.setdefault(key, c)
    return [_check_summary(payload["test"], payload.get("claim"), first[key], outs, len(index),
                           baseline.get(key), level, bool(payload.get("seed_free")))
            for key, outs in outcomes.items()]


def _rep_errors(payload: Mapping[str, Any]) -> list[RepError]:
    return [RepError(payload["test"], int(rep["seed"]), rep["status"],
                     str(rep.get("message", ""))[:500])
            for rep in payload["reps"] if rep["status"] != "ok"]


def _pooled(checks: list[CheckCalibration], reference: float, level: float,
            consistent: bool | None = None) -> PooledRate:
    trials = sum(c.rate.trials for c in checks)
    if not trials:
        return PooledRate(len(checks), None, reference, True)
    events = sum(c.rate.events for c in checks)
    rate = clopper_pearson(events, trials, level)
    inconclusive = sum(c.outcomes["inconclusive"] for c in checks)
    if consistent is None:
        consistent = rate.ci[0] <= reference
    return PooledRate(len(checks), rate, reference, bool(consistent), inconclusive)


def _family(false_failure: list[CheckCalibration], k: int, level: float) -> PooledRate:
    """Runs (repetitions) with at least one false failure (failed or inconclusive), against
    the alpha they spend."""
    failed = [any(c.sequence[i] in "fi" for c in false_failure) for i in range(k)]
    spent = [sum(c.alpha for c in false_failure if c.sequence[i] in _RECORDED)
             for i in range(k)]
    rate = clopper_pearson(sum(failed), k, level)
    reference = float(np.mean(spent))
    return PooledRate(k, rate, reference, rate.ci[0] <= reference)


def summarise(payloads: Iterable[Mapping[str, Any]], root_seed: int, seeds: Sequence[int],
              level: float = LEVEL) -> Calibration:
    """Summarise the repetitions of every test into a :class:`Calibration`.

    Parameters
    ----------
    payloads : iterable of mapping
        One per test, as built by the plugin: ``{"test", "claim", "baseline": [check],
        "reps": [{"seed", "status", "message", "seconds", "checks": [check]}]}`` where a
        check is ``{"name", "role", "kind", "alpha", "outcome", "params"}``.
    root_seed : int
        The run's root seed.
    seeds : sequence of int
        The derived seeds, in repetition order.
    level : float, optional
        Two-sided level of every Clopper-Pearson interval.

    Returns
    -------
    Calibration

    References
    ----------
    Clopper & Pearson (1934), Biometrika 26(4), 404-413.
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("`seeds` must hold at least one derived seed.")
    level = check_level(level)
    index = {s: i for i, s in enumerate(seeds)}
    ordered = sorted(payloads, key=lambda p: p["test"])
    checks = [c for p in ordered for c in _test_checks(p, index, level)]
    errors = [e for p in ordered for e in _rep_errors(p)]
    seconds = sum(float(rep.get("seconds", 0.0)) for p in ordered for rep in p["reps"])
    by: dict[str, list[CheckCalibration]] = defaultdict(list)
    for c in checks:
        by[c.measure].append(c)
    ff, power, exact = by["false-failure"], by["power"], by["deterministic"]
    mean_alpha = float(np.mean([c.alpha for c in ff])) if ff else 0.0
    return Calibration(
        repetitions=len(seeds), root_seed=int(root_seed), seeds=seeds, level=level,
        power_target=POWER, seconds=round(seconds, 3),
        false_failure=_pooled(ff, mean_alpha, level),
        power=_pooled(power, POWER, level, all(c.consistent for c in power)),
        exact=_pooled(exact, 1.0, level, all(c.consistent for c in exact)),
        family=_family(ff, len(seeds), level),
        checks=tuple(checks), errors=tuple(errors))
