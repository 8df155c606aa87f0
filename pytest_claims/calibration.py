"""Calibration mode: rerun every claim test over K root seeds and measure the decision rules.

``pytest claims/ --mc-calibrate K`` runs the suite as usual (its evidence is unchanged) and
then calls every claim test K more times, each time with a fresh ``mc`` fixture bound to a
*derived* root seed. Root seed ``i`` is

    ``SeedSequence(root_seed).spawn(K)[i].generate_state(1, numpy.uint64)[0]``

so repetition ``i`` is exactly the normal run ``pytest --mc-seed <seed i>`` (child ``i`` does
not depend on K: a larger K extends a smaller one). From the outcomes it estimates, per check
and pooled over the run:

* the **false-failure rate** of every stochastic check (``alpha > 0``) whose role expects
  ``pass`` (``literal``, ``corrected``): fails / K with a Clopper-Pearson interval, compared
  with the declared alpha (consistent when the interval's lower end is <= alpha);
  ``inconclusive`` outcomes are counted apart -- they are a budget (delta) problem, not an
  alpha error;
* the **power** of every stochastic check whose role expects ``fail`` (``control``,
  ``condition``, ``refuted``): rejections / K with its interval, compared with
  :data:`simulations.decisions.POWER` (consistent when the upper end is >= 0.99);
* the **determinism** of exact checks (``alpha == 0``): same outcome on every seed;
* the **family-wise** rate: repetitions (whole runs) with at least one false failure,
  compared with the alpha those checks spend together.

The summary goes to ``results.json`` (top-level ``calibration``, see ``reports/SCHEMA.md``)
and to the terminal. Calibration measures; it never changes a test's outcome or a verdict.

References
----------
Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated
in the case of the binomial. Biometrika 26(4), 404-413.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pytest
from scipy import stats

from pytest_claims.context import ClaimRun
from simulations.decisions import POWER
from simulations.evidence import EXPECTED_OUTCOME, json_safe

#: user_properties key carrying a test's calibration repetitions to the controller.
CALIBRATION_KEY = "claim_calibration"
#: Two-sided level of the Clopper-Pearson intervals of the calibration summary.
LEVEL: float = 0.95
#: How derived seeds are made, as stated in ``results.json``.
SEED_DERIVATION = "SeedSequence(root_seed).spawn(K)[i].generate_state(1, uint64)[0]"

_PAYLOAD = pytest.StashKey[dict]()
_PLUGIN_NAME = "claims-calibration"
_REP_ERRORS = (Exception, pytest.fail.Exception, pytest.skip.Exception)


# --------------------------------------------------------------------------------------------
# statistics (no pytest)
# --------------------------------------------------------------------------------------------

def derive_seeds(root_seed: int, k: int) -> tuple[int, ...]:
    """The K root seeds of a calibration run, spawned from ``root_seed`` (never ``seed + i``).

    Parameters
    ----------
    root_seed : int
        The run's root seed (non-negative).
    k : int
        Number of repetitions, ``>= 1``.

    Returns
    -------
    tuple of int
        Seed ``i`` is ``SeedSequence(root_seed).spawn(k)[i].generate_state(1, uint64)[0]``;
        it does not depend on ``k``.
    """
    if isinstance(root_seed, bool) or not isinstance(root_seed, (int, np.integer)) \
            or root_seed < 0:
        raise ValueError(f"`root_seed` must be a non-negative integer, got {root_seed!r}.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"`k` must be a positive integer, got {k!r}.")
    children = np.random.SeedSequence(int(root_seed)).spawn(int(k))
    return tuple(int(c.generate_state(1, np.uint64)[0]) for c in children)


@dataclass(frozen=True, slots=True)
class Rate:
    """An observed binomial rate with its Clopper-Pearson interval.

    Attributes
    ----------
    events, trials : int
        Number of events (false failures, rejections, ...) and of trials.
    rate : float
        ``events / trials``.
    ci : tuple of float
        Two-sided Clopper-Pearson interval at ``level``.
    level : float
        Confidence level of ``ci``.
    """

    events: int
    trials: int
    rate: float
    ci: tuple[float, float]
    level: float


def clopper_pearson(events: int, trials: int, level: float = LEVEL) -> Rate:
    """Exact (Clopper-Pearson) interval of a binomial rate.

    Parameters
    ----------
    events : int
        Observed events, ``0 <= events <= trials``.
    trials : int
        Trials, ``>= 1``.
    level : float, optional
        Two-sided confidence level in (0, 1).

    Returns
    -------
    Rate
    """
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise ValueError(f"`trials` must be a positive integer, got {trials!r}.")
    if isinstance(events, bool) or not isinstance(events, (int, np.integer)) \
            or not 0 <= events <= trials:
        raise ValueError(f"`events` must be an integer in [0, trials], got {events!r}.")
    if not isinstance(level, (float, int)) or not 0.0 < level < 1.0:
        raise ValueError(f"`level` must lie in (0, 1), got {level!r}.")
    k, n, a = int(events), int(trials), (1.0 - float(level)) / 2.0
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1.0 - a, k + 1, n - k))
    return Rate(k, n, k / n, (lo, hi), float(level))


@dataclass(frozen=True, slots=True)
class CheckCalibration:
    """How one check behaved over the calibration repetitions.

    Attributes
    ----------
    test, claim, name, params, role, kind, alpha
        Identify the check as in ``results.json``.
    expected : str
        Outcome its role expects.
    measure : {'false-failure', 'power', 'deterministic'}
        What ``rate`` estimates: the false-failure rate (stochastic, expected pass), the
        rejection rate (stochastic, expected fail) or the as-expected rate (exact checks).
    outcomes : dict
        Counts of ``pass``, ``fail``, ``inconclusive`` over the repetitions.
    sequence : str
        The outcome of every repetition in seed order: ``p``, ``f``, ``i``; ``-`` where the
        repetition did not record the check; ``=`` where it was not rerun because the test
        drew no random stream (``seed_free``).
    seed_free : bool
        The test used no ``mc.rng``/``mc.seed``/``mc.simulate`` stream: it ran once, since
        its outcome cannot depend on the root seed.
    baseline : str or None
        Outcome in the normal run (not counted in ``outcomes``).
    rate : Rate
        The estimate with its interval.
    reference : float
        What ``rate`` is compared with: alpha, :data:`POWER`, or 1.
    consistent : bool
        False-failure: interval's lower end <= alpha. Power: upper end >= POWER.
        Deterministic: the same outcome on every seed (baseline included).
    """

    test: str
    claim: str | None
    name: str
    params: dict
    role: str
    kind: str
    alpha: float
    expected: str
    measure: str
    outcomes: dict
    sequence: str
    seed_free: bool
    baseline: str | None
    rate: Rate
    reference: float
    consistent: bool


@dataclass(frozen=True, slots=True)
class PooledRate:
    """A rate pooled over checks (or runs), against its reference value.

    Attributes
    ----------
    checks : int
        Checks pooled (repetitions, for the family-wise rate).
    rate : Rate or None
        Pooled events over pooled trials (None when nothing was pooled).
    reference : float
        Alpha (mean over checks), :data:`POWER`, or the alpha spent per run.
    consistent : bool
        See :class:`CheckCalibration`; True when nothing was pooled.
    inconclusive : int
        Inconclusive outcomes among the trials (false-failure and power only).
    """

    checks: int
    rate: Rate | None
    reference: float
    consistent: bool
    inconclusive: int = 0


@dataclass(frozen=True, slots=True)
class RepError:
    """A repetition of a test that raised, was skipped, or recorded no check."""

    test: str
    seed: int
    status: str
    message: str


@dataclass(frozen=True, slots=True)
class Calibration:
    """Summary of a calibration run (the ``calibration`` section of ``results.json``).

    Attributes
    ----------
    repetitions : int
        K.
    root_seed : int
        The run's root seed, from which the K seeds are derived.
    seeds : tuple of int
        The derived root seeds (repetition ``i`` = ``--mc-seed seeds[i]``).
    level : float
        Level of every interval.
    power_target : float
        :data:`simulations.decisions.POWER`.
    seconds : float
        Wall time spent in repetitions (all tests, all processes).
    false_failure, power, exact, family : PooledRate
        Pooled summaries (``exact``: deterministic checks, rate = as-expected outcomes).
    checks : tuple of CheckCalibration
        Per check.
    errors : tuple of RepError
        Repetitions that did not complete.
    """

    repetitions: int
    root_seed: int
    seeds: tuple[int, ...]
    level: float
    power_target: float
    seconds: float
    false_failure: PooledRate
    power: PooledRate
    exact: PooledRate
    family: PooledRate
    checks: tuple[CheckCalibration, ...]
    errors: tuple[RepError, ...]

    @property
    def consistent(self) -> bool:
        """Every check and every pooled rate is consistent with its reference, no rep errors."""
        return (not self.errors and all(c.consistent for c in self.checks)
                and all(p.consistent for p in (self.false_failure, self.power, self.exact,
                                                self.family)))

    def to_json(self) -> dict:
        """Strict-JSON form, as stored under ``calibration`` in ``results.json``."""
        doc = asdict(self)
        doc["seed_derivation"] = SEED_DERIVATION
        doc["consistent"] = self.consistent
        return json_safe(doc)


def _check_key(check: Mapping[str, Any]) -> tuple[str, str]:
    return check["name"], json.dumps(check.get("params") or {}, sort_keys=True)


def _keyed(checks: Sequence[Mapping[str, Any]]) -> list[tuple[tuple[str, str, int], dict]]:
    """Checks keyed by (name, params, occurrence) so that repeated names stay apart."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for c in checks:
        key = _check_key(c)
        out.append(((*key, seen[key]), dict(c)))
        seen[key] += 1
    return out


def _measure(alpha: float, expected: str) -> str:
    if alpha <= 0:
        return "deterministic"
    return "false-failure" if expected == "pass" else "power"


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
    k = len(outcomes)
    if measure == "false-failure":
        rate = clopper_pearson(counts["fail"], k, level)
        reference, consistent = alpha, rate.ci[0] <= alpha
    elif measure == "power":
        rate = clopper_pearson(counts["fail"], k, level)
        reference, consistent = POWER, rate.ci[1] >= POWER
    else:
        rate = clopper_pearson(counts[expected], k, level)
        every = set(outcomes) | ({baseline} if baseline is not None else set())
        reference, consistent = 1.0, len(every) == 1
    return CheckCalibration(test=test, claim=claim, name=first["name"],
                            params=dict(first.get("params") or {}), role=role,
                            kind=str(first.get("kind", "")), alpha=alpha, expected=expected,
                            measure=measure, outcomes=counts, sequence=sequence,
                            seed_free=seed_free, baseline=baseline, rate=rate,
                            reference=reference, consistent=bool(consistent))


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
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("`seeds` must hold at least one derived seed.")
    if not 0.0 < level < 1.0:
        raise ValueError(f"`level` must lie in (0, 1), got {level!r}.")
    index = {s: i for i, s in enumerate(seeds)}
    checks: list[CheckCalibration] = []
    errors: list[RepError] = []
    run_failed = [False] * len(seeds)
    run_alpha = [0.0] * len(seeds)
    seconds = 0.0
    for p in sorted(payloads, key=lambda p: p["test"]):
        test, claim = p["test"], p.get("claim")
        baseline = {key: c["outcome"] for key, c in _keyed(p.get("baseline", []))}
        outcomes: dict[tuple, dict[int, str]] = defaultdict(dict)
        first: dict[tuple, dict] = {}
        for rep in p["reps"]:
            seconds += float(rep.get("seconds", 0.0))
            if rep["status"] != "ok":
                errors.append(RepError(test, int(rep["seed"]), rep["status"],
                                       str(rep.get("message", ""))[:500]))
            i = index.get(int(rep["seed"]))
            if i is None:
                raise ValueError(f"`payloads` hold a repetition with seed {rep['seed']} "
                                 "that is not in `seeds`.")
            for key, c in _keyed(rep["checks"]):
                outcomes[key][i] = c["outcome"]
                first.setdefault(key, c)
                alpha = float(c.get("alpha") or 0.0)
                if alpha > 0 and EXPECTED_OUTCOME[c["role"]] == "pass":
                    run_alpha[i] += alpha
                    run_failed[i] |= c["outcome"] == "fail"
        for key, outs in outcomes.items():
            checks.append(_check_summary(test, claim, first[key], outs, len(seeds),
                                         baseline.get(key), level, bool(p.get("seed_free"))))
    by = defaultdict(list)
    for c in checks:
        by[c.measure].append(c)
    ff = by["false-failure"]
    mean_alpha = float(np.mean([c.alpha for c in ff])) if ff else 0.0
    power = by["power"]
    exact = by["deterministic"]
    family_rate = clopper_pearson(sum(run_failed), len(seeds), level)
    family_ref = float(np.mean(run_alpha))
    return Calibration(
        repetitions=len(seeds), root_seed=int(root_seed), seeds=seeds, level=float(level),
        power_target=POWER, seconds=round(seconds, 3),
        false_failure=_pooled(ff, mean_alpha, level),
        power=_pooled(power, POWER, level, all(c.consistent for c in power)),
        exact=_pooled(exact, 1.0, level, all(c.consistent for c in exact)),
        family=PooledRate(len(seeds), family_rate, family_ref,
                          family_rate.ci[0] <= family_ref),
        checks=tuple(checks), errors=tuple(errors))


def summary_lines(cal: Calibration) -> list[str]:
    """Terminal lines summarising a calibration run."""
    pct = f"{cal.level:.0%}"

    def fmt(p: PooledRate, what: str) -> str:
        if p.rate is None:
            return f"{what}: none"
        r = p.rate
        return (f"{what}: {r.events} of {r.trials} (rate {r.rate:.3g}, {pct} CP "
                f"[{r.ci[0]:.3g}, {r.ci[1]:.3g}])")

    lines = [f"K = {cal.repetitions} root seeds spawned from {cal.root_seed}; "
             f"{len(cal.checks)} checks, {cal.seconds:.1f} s in repetitions"]
    ff = cal.false_failure
    lines.append(fmt(ff, f"false failures of {ff.checks} stochastic checks")
                 + f" vs alpha {ff.reference:.3g}: "
                 + ("consistent" if ff.consistent else "INCONSISTENT")
                 + (f"; {ff.inconclusive} inconclusive" if ff.inconclusive else ""))
    pw = cal.power
    low = min((c.rate.rate for c in cal.checks if c.measure == "power"), default=None)
    lines.append(fmt(pw, f"rejections by {pw.checks} stochastic controls")
                 + (f", lowest {low:.3g}" if low is not None else "")
                 + f" vs power {POWER:g}: " + ("consistent" if pw.consistent else "INCONSISTENT"))
    ex = cal.exact
    unstable = sum(not c.consistent for c in cal.checks if c.measure == "deterministic")
    free = sum(c.seed_free for c in cal.checks)
    lines.append(f"exact checks: {ex.checks}, "
                 + ("same outcome on every seed" if not unstable
                    else f"{unstable} CHANGE OUTCOME with the seed")
                 + (f"; {free} checks of seed-free tests ran once" if free else ""))
    fam = cal.family
    lines.append(fmt(fam, "runs with a false failure") + f" vs alpha spent {fam.reference:.3g}: "
                 + ("consistent" if fam.consistent else "INCONSISTENT"))
    for c in cal.checks:
        if not c.consistent:
            lines.append(f"  inconsistent [{c.role}, {c.measure}] {c.test} :: {c.name}: "
                         f"{c.outcomes}")
    for e in cal.errors:
        lines.append(f"  repetition {e.status} (seed {e.seed}) {e.test}: {e.message[:120]}")
    return lines


# --------------------------------------------------------------------------------------------
# pytest integration
# --------------------------------------------------------------------------------------------

def _positive_k(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        raise pytest.UsageError(f"--mc-calibrate must be a non-negative integer, got {value!r}.")
    if k < 0:
        raise pytest.UsageError(f"--mc-calibrate must be a non-negative integer, got {value!r}.")
    return k


def add_options(group: Any) -> None:
    """Add ``--mc-calibrate K`` to the plugin's option group."""
    group.addoption("--mc-calibrate", action="store", type=_positive_k, default=0, metavar="K",
                    help="calibration: rerun every claim test over K root seeds spawned from "
                         "--mc-seed and report false-failure rates and power (default 0: off).")


class _TrackedRun(ClaimRun):
    """A ClaimRun that notes whether the test drew any random stream (rng/seed/simulate)."""

    seeded: bool = False

    def seed(self, label: str, **params: Any) -> np.random.SeedSequence:
        self.seeded = True
        return super().seed(label, **params)


def _brief(check: Any) -> dict:
    d = check.decision
    return {"name": check.name, "role": check.role, "kind": d.kind, "alpha": d.alpha,
            "outcome": d.outcome, "params": check.params}


class CalibrationPlugin:
    """Reruns claim tests over derived seeds (every process) and collects them (controller)."""

    def __init__(self, config: pytest.Config, k: int) -> None:
        self.config = config
        self.k = k
        self.root_seed = int(config.getoption("mc_seed"))
        self.seeds = derive_seeds(self.root_seed, k)
        self.worker = hasattr(config, "workerinput")
        self.payloads: dict[str, dict] = {}
        self.printed: set[str] = set()
        self._summary: Calibration | None = None

    # -- every process ---------------------------------------------------------------------
    def _terminal(self) -> Any:
        if self.worker:
            return None
        return self.config.pluginmanager.get_plugin("terminalreporter")

    def _rerun(self, item: pytest.Item, run: ClaimRun, seed: int) -> dict:
        fresh = _TrackedRun(claim=run.claim, test_name=run.test_name, case=run.case,
                            case_params=run.case_params, root_seed=seed, scale=run.scale,
                            chunk_reps=run.chunk_reps, backend=run.backend)
        funcargs = item.funcargs  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        status, message = "ok", ""
        funcargs["mc"] = fresh
        try:
            item.runtest()
        except pytest.skip.Exception as exc:
            status, message = "skipped", str(exc)
        except _REP_ERRORS as exc:
            status, message = "error", f"{type(exc).__name__}: {exc}"
        finally:
            funcargs["mc"] = run
        if status == "ok" and not fresh.checks:
            status, message = "error", "recorded no check"
        return {"seed": seed, "status": status, "message": message, "seeded": fresh.seeded,
                "seconds": round(time.perf_counter() - t0, 6),
                "checks": [_brief(c) for c in fresh.checks]}

    @staticmethod
    def _mark(rep: dict) -> str:
        if rep["status"] != "ok":
            return "E"
        bad = [c for c in rep["checks"] if c["alpha"] > 0
               and c["outcome"] != EXPECTED_OUTCOME[c["role"]]]
        if any(EXPECTED_OUTCOME[c["role"]] == "pass" and c["outcome"] == "fail" for c in bad):
            return "F"
        if any(c["outcome"] == "inconclusive" for c in bad):
            return "i"
        return "c" if bad else "."

    def _calibrate(self, item: pytest.Item) -> None:
        run = getattr(item, "funcargs", {}).get("mc")
        if not isinstance(run, ClaimRun):
            return
        tr = self._terminal()
        verbose = self.config.getoption("verbose") > 0
        if tr is not None:
            tr.ensure_newline()
            tr.write(f"calibrate {item.nodeid} ")
        reps = []
        for i, seed in enumerate(self.seeds):
            rep = self._rerun(item, run, seed)
            reps.append(rep)
            seed_free = i == 0 and rep["status"] == "ok" and not rep["seeded"]
            if tr is not None:
                if verbose:
                    tr.write_line(f"  repetition {i + 1}/{self.k} seed {seed}: {rep['status']}, "
                                  f"{len(rep['checks'])} checks, mark {self._mark(rep)}, "
                                  f"{rep['seconds']:.2f} s")
                else:
                    tr.write(self._mark(rep), flush=True)
            if seed_free:  # no random stream: the outcome cannot depend on the root seed
                break
        payload = {"test": item.nodeid, "claim": run.claim, "seed_free": seed_free,
                   "baseline": [_brief(c) for c in run.checks], "reps": reps}
        item.stash[_PAYLOAD] = payload
        if tr is not None:
            tr.write_line(" " + _test_line(payload))
            self.printed.add(item.nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        try:
            result = yield
        except (pytest.skip.Exception, pytest.exit.Exception, KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # a failing normal run is calibrated too, then re-raised
            self._calibrate(item)
            raise
        self._calibrate(item)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        payload = item.stash.get(_PAYLOAD, None)
        if payload is not None and call.when == "call":
            report.user_properties = [*report.user_properties,
                                      (CALIBRATION_KEY, json.dumps(json_safe(payload),
                                                                   allow_nan=False))]
        return report

    # -- controller --------------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker or report.when != "call":
            return
        props = dict(getattr(report, "user_properties", []) or [])
        if CALIBRATION_KEY not in props:
            return
        payload = json.loads(props[CALIBRATION_KEY])
        self.payloads[report.nodeid] = payload
        tr = self._terminal()
        if tr is not None and report.nodeid not in self.printed:
            tr.write_line(f"calibrate {report.nodeid} "
                          + "".join(self._mark(r) for r in payload["reps"])
                          + " " + _test_line(payload))

    def summary(self) -> Calibration:
        """The calibration summary of everything collected so far."""
        if self._summary is None:
            self._summary = summarise(self.payloads.values(), self.root_seed, self.seeds)
        return self._summary

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        return [f"claims: calibration over K = {self.k} root seeds spawned from "
                f"{self.root_seed} (--mc-calibrate)"]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.worker:
            return
        terminalreporter.section("claims calibration")
        for line in summary_lines(self.summary()):
            terminalreporter.write_line(line)


def _test_line(payload: Mapping[str, Any]) -> str:
    """One-line result of a test's repetitions."""
    ff = trials = rej = ctl = inc = err = exact = 0
    for rep in payload["reps"]:
        err += rep["status"] != "ok"
        for c in rep["checks"]:
            if not c["alpha"] > 0:
                exact += 1
                continue
            inc += c["outcome"] == "inconclusive"
            if EXPECTED_OUTCOME[c["role"]] == "pass":
                trials += 1
                ff += c["outcome"] == "fail"
            else:
                ctl += 1
                rej += c["outcome"] == "fail"
    secs = sum(r["seconds"] for r in payload["reps"])
    parts = []
    if trials:
        parts.append(f"false failures {ff}/{trials}")
    if ctl:
        parts.append(f"rejections {rej}/{ctl}")
    if exact:
        parts.append(f"{exact} exact")
    if inc:
        parts.append(f"{inc} inconclusive")
    if err:
        parts.append(f"{err} repetitions raised")
    if payload.get("seed_free"):
        parts.append("seed-free: ran once")
    return "(" + (", ".join(parts) or "no checks") + f"; {secs:.1f} s)"


def configure(config: pytest.Config) -> None:
    """Register the calibration plugin when ``--mc-calibrate K`` asks for K > 0."""
    k = config.getoption("mc_calibrate", 0)
    if k and not config.pluginmanager.has_plugin(_PLUGIN_NAME):
        config.pluginmanager.register(CalibrationPlugin(config, k), _PLUGIN_NAME)


def with_calibration(config: pytest.Config, doc: dict) -> dict:
    """``doc`` with a top-level ``calibration`` section when this run calibrates."""
    plugin = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if plugin is None:
        return doc
    return {**doc, "calibration": plugin.summary().to_json()}
