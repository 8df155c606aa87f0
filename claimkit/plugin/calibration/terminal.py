"""Terminal text of a calibration run: progress marks, one line per test, the summary."""

from __future__ import annotations

from typing import Any, Mapping

from claimkit.plugin.calibration.records import Calibration, PooledRate
from claimkit.decisions import POWER
from claimkit.evidence import EXPECTED_OUTCOME


def rep_mark(rep: Mapping[str, Any]) -> str:
    """Progress mark of one repetition: ``E`` error, ``F`` false failure, ``i`` inconclusive,
    ``c`` a control not rejected, ``.`` every stochastic check as expected."""
    if rep["status"] != "ok":
        return "E"
    bad = [c for c in rep["checks"] if c["alpha"] > 0
           and c["outcome"] != EXPECTED_OUTCOME[c["role"]]]
    if any(EXPECTED_OUTCOME[c["role"]] == "pass" and c["outcome"] == "fail" for c in bad):
        return "F"
    if any(c["outcome"] == "inconclusive" for c in bad):
        return "i"
    return "c" if bad else "."


def _test_counts(payload: Mapping[str, Any]) -> dict[str, int]:
    n = dict.fromkeys(("ff", "trials", "rej", "ctl", "inc", "err", "exact"), 0)
    for rep in payload["reps"]:
        n["err"] += rep["status"] != "ok"
        for c in rep["checks"]:
            if not c["alpha"] > 0:
                n["exact"] += 1
                continue
            n["inc"] += c["outcome"] == "inconclusive"
            if EXPECTED_OUTCOME[c["role"]] == "pass":
                n["trials"] += 1
                n["ff"] += c["outcome"] == "fail"
            else:
                n["ctl"] += 1
                n["rej"] += c["outcome"] == "fail"
    return n


def repetitions_line(payload: Mapping[str, Any]) -> str:
    """One-line result of a test's repetitions (``payload`` as the plugin builds it)."""
    n = _test_counts(payload)
    secs = sum(r["seconds"] for r in payload["reps"])
    parts = [text for shown, text in (
        (n["trials"], f"false failures {n['ff']}/{n['trials']}"),
        (n["ctl"], f"rejections {n['rej']}/{n['ctl']}"),
        (n["exact"], f"{n['exact']} exact"),
        (n["inc"], f"{n['inc']} inconclusive"),
        (n["err"], f"{n['err']} repetitions raised"),
        (payload.get("seed_free"), "seed-free: ran once"),
    ) if shown]
    return "(" + (", ".join(parts) or "no checks") + f"; {secs:.1f} s)"



def _rate_text(p: PooledRate, what: str, level: float) -> str:
    if p.rate is None:
        return f"{what}: none"
    r = p.rate
    return (f"{what}: {r.events} of {r.trials} (rate {r.rate:.3g}, {level:.0%} CP "
            f"[{r.ci[0]:.3g}, {r.ci[1]:.3g}])")


def _verdict(consistent: bool) -> str:
    return "consistent" if consistent else "INCONSISTENT"


def _pooled_lines(cal: Calibration) -> list[str]:
    ff, pw, fam = cal.false_failure, cal.power, cal.family
    low = min((c.rate.rate for c in cal.checks if c.measure == "power"), default=None)
    unstable = sum(not c.consistent for c in cal.checks if c.measure == "deterministic")
    free = sum(c.seed_free for c in cal.checks)
    return [
        _rate_text(ff, f"false failures of {ff.checks} stochastic checks", cal.level)
        + f" vs alpha {ff.reference:.3g}: " + _verdict(ff.consistent)
        + (f" ({ff.inconclusive} of them inconclusive)" if ff.inconclusive else ""),
        _rate_text(pw, f"rejections by {pw.checks} stochastic controls", cal.level)
        + (f", lowest {low:.3g}" if low is not None else "")
        + f" vs power {POWER:g}: " + _verdict(pw.consistent),
        f"exact checks: {cal.exact.checks}, "
        + ("same outcome on every seed" if not unstable
           else f"{unstable} CHANGE OUTCOME with the seed or differ from their role")
        + (f"; {free} checks of seed-free tests ran once" if free else ""),
        _rate_text(fam, "runs with a false failure", cal.level)
        + f" vs alpha spent {fam.reference:.3g}: " + _verdict(fam.consistent),
        _power_line(cal),
    ]


def _power_line(cal: Calibration) -> str:
    """What "consistent" means here: the smallest rates these K seeds would reveal."""
    d = cal.detectable()
    times = (f" ({d['per_check_over_alpha']:.3g}× alpha)"
             if d["per_check_over_alpha"] is not None else "")
    pooled = f"; pooled over checks {d['pooled']:.3g}" if d["pooled"] is not None else ""
    return (f"'consistent' = not rejected: K = {cal.repetitions} seeds reveal, with "
            f"{d['probability']:.0%} probability, only a false-failure rate of at least "
            f"{d['per_check']:.3g} per check{times}{pooled}; rates below that can go unseen")


def summary_lines(cal: Calibration) -> list[str]:
    """Terminal lines summarising a calibration run.

    Parameters
    ----------
    cal : Calibration
        The run's summary.

    Returns
    -------
    list of str
        A header, one line per pooled rate, then one per inconsistent check and per failed
        repetition.
    """
    if not isinstance(cal, Calibration):
        raise ValueError(f"`cal` must be a Calibration, got {type(cal).__name__}.")
    lines = [f"K = {cal.repetitions} root seeds spawned from {cal.root_seed}; "
             f"{len(cal.checks)} checks, {cal.seconds:.1f} s in repetitions",
             *_pooled_lines(cal)]
    lines += [f"  inconsistent [{c.role}, {c.measure}] {c.test} :: {c.name}: {c.outcomes}"
              for c in cal.checks if not c.consistent]
    lines += [f"  repetition {e.status} (seed {e.seed}) {e.test}: {e.message[:120]}"
              for e in cal.errors]
    return lines
