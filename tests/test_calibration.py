"""Calibration mode: derived seeds, Clopper-Pearson intervals, summaries, and the plugin run."""

from __future__ import annotations

import json
import math

import numpy as np
from pathlib import Path

import pytest
from scipy import stats

from claimkit.plugin.calibration import (Calibration, clopper_pearson, derive_seeds, summarise,
                                       summary_lines)
from claimkit.decisions import POWER

#: The repository's catalogue, passed explicitly: pytester runs outside its ini file.
CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

pytest_plugins = ["pytester"]


# --------------------------------------------------------------------------------------------
# derived seeds
# --------------------------------------------------------------------------------------------

def test_seeds_are_spawned_not_incremented():
    """Seed i is SeedSequence(root).spawn(K)[i] as a 64-bit integer, not root + i."""
    seeds = derive_seeds(7, 4)
    children = np.random.SeedSequence(7).spawn(4)
    assert seeds == tuple(int(c.generate_state(1, np.uint64)[0]) for c in children)
    assert len(set(seeds)) == 4 and not set(seeds) & {7, 8, 9, 10, 11}


def test_more_repetitions_extend_the_seed_list():
    """K = 10 starts with the seeds of K = 3: a larger calibration extends a smaller one."""
    assert derive_seeds(20261121, 10)[:3] == derive_seeds(20261121, 3)


def test_seeds_depend_on_the_root_seed():
    """Different root seeds give disjoint derived seeds."""
    assert not set(derive_seeds(1, 5)) & set(derive_seeds(2, 5))


@pytest.mark.parametrize("root, k, match", [
    (-1, 3, "`root_seed` must be a non-negative integer"),
    (1.5, 3, "`root_seed` must be a non-negative integer"),
    (1, 0, "`k` must be a positive integer"),
    (1, True, "`k` must be a positive integer"),
])
def test_derive_seeds_rejects_bad_input(root, k, match):
    """Bad root seeds and repetition counts raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        derive_seeds(root, k)


# --------------------------------------------------------------------------------------------
# Clopper-Pearson
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (1, 1), (17, 400)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.999])
def test_clopper_pearson_matches_scipy_exact(k, n, level):
    """The interval equals scipy's binomtest(...).proportion_ci(method='exact')."""
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    got = clopper_pearson(k, n, level)
    assert got.events == k and got.trials == n and got.rate == k / n
    # scipy finds the ends by root finding (brentq, xtol ~ 1e-12); ours are beta quantiles.
    np.testing.assert_allclose(got.ci, (ref.low, ref.high), rtol=1e-9, atol=1e-15)


def test_clopper_pearson_zero_events_has_the_rule_of_three_bound():
    """0 of n events: the upper end is 1 - (alpha/2)^(1/n), about 3.7/n at 95 %."""
    r = clopper_pearson(0, 100)
    assert r.ci[0] == 0.0
    assert math.isclose(r.ci[1], 1 - 0.025 ** (1 / 100), rel_tol=1e-12)


@pytest.mark.parametrize("k, n, level, match", [
    (0, 0, 0.95, "`trials` must be a positive integer"),
    (-1, 5, 0.95, r"`events` must be an integer in \[0, trials\]"),
    (6, 5, 0.95, r"`events` must be an integer in \[0, trials\]"),
    (1, 5, 1.0, r"`level` must lie in \(0, 1\)"),
])
def test_clopper_pearson_rejects_bad_input(k, n, level, match):
    """Counts outside [0, n], n < 1 and levels outside (0, 1) raise ValueError."""
    with pytest.raises(ValueError, match=match):
        clopper_pearson(k, n, level)


# --------------------------------------------------------------------------------------------
# summaries from synthetic payloads
# --------------------------------------------------------------------------------------------

def _check(name, role, alpha, outcome, **params):
    return {"name": name, "role": role, "kind": "z-test" if alpha else "exact", "alpha": alpha,
            "outcome": outcome, "params": params}


def _payload(test, outcomes_by_rep, seeds, status=None):
    reps = []
    for i, seed in enumerate(seeds):
        reps.append({"seed": seed, "status": (status or {}).get(i, "ok"), "message": "",
                     "seconds": 0.1, "checks": outcomes_by_rep[i]})
    return {"test": test, "claim": "EX-04", "baseline": outcomes_by_rep[0], "reps": reps}


SEEDS = (11, 22, 33, 44)


def test_summary_counts_false_failures_power_and_determinism():
    """Per check: fails of literal checks, rejections of controls, stability of exact checks."""
    reps = [[_check("mean", "literal", 0.2, o), _check("control", "control", 1e-6, c),
             _check("identity", "literal", 0.0, "pass")]
            for o, c in zip("pfpp", "fffp")]
    for rep in reps:
        for c in rep:
            c["outcome"] = {"p": "pass", "f": "fail"}.get(c["outcome"], c["outcome"])
    cal = summarise([_payload("t.py::a", reps, SEEDS)], 5, SEEDS)
    by = {c.name: c for c in cal.checks}
    assert by["mean"].measure == "false-failure" and by["mean"].rate.events == 1
    assert by["mean"].sequence == "pfpp" and by["mean"].consistent  # 1/4 is consistent with 0.2
    assert by["control"].measure == "power" and by["control"].rate.rate == 0.75
    assert by["control"].reference == POWER and by["control"].consistent  # CP upper >= 0.99
    assert by["identity"].measure == "deterministic" and by["identity"].consistent
    assert cal.family.rate.events == 1 and math.isclose(cal.family.reference, 0.2)
    assert cal.false_failure.rate.trials == 4 and cal.power.rate.trials == 4


def test_false_failures_far_above_alpha_are_inconsistent():
    """4 fails in 4 repetitions of an alpha = 1e-6 check contradict alpha."""
    reps = [[_check("mean", "corrected", 1e-6, "fail")] for _ in SEEDS]
    cal = summarise([_payload("t.py::a", reps, SEEDS)], 5, SEEDS)
    assert not cal.checks[0].consistent and not cal.false_failure.consistent
    assert not cal.consistent
    assert any("inconsistent [corrected, false-failure]" in line for line in summary_lines(cal))


def test_inconclusive_is_a_false_failure():
    """An inconclusive check fails the suite: it counts as a false failure (and is shown apart),
    and a check inconclusive on every seed is not consistent with its alpha."""
    reps = [[_check("limit", "literal", 1e-6, "inconclusive")] for _ in SEEDS]
    cal = summarise([_payload("t.py::a", reps, SEEDS)], 5, SEEDS)
    check = cal.checks[0]
    assert check.rate.events == 4 and check.outcomes["inconclusive"] == 4
    assert not check.consistent and not cal.false_failure.consistent
    assert cal.false_failure.inconclusive == 4
    assert cal.family.rate.events == len(SEEDS)


def test_exact_check_inconclusive_on_every_seed_is_not_consistent():
    """The same outcome on every seed is not enough: it must be the one the role expects."""
    reps = [[_check("identity", "literal", 0.0, "inconclusive")] for _ in SEEDS]
    cal = summarise([_payload("t.py::a", reps, SEEDS)], 5, SEEDS)
    assert not cal.checks[0].consistent and not cal.exact.consistent


def test_checks_are_keyed_by_what_they_are_not_by_seed_dependent_values():
    """Numbers computed from the data (in names or params) do not split a check."""
    reps = [[_check(f"max error {0.1 * i:.3g} below tol", "literal", 0.0, "pass",
                    largest=float(i))] for i, _ in enumerate(SEEDS)]
    cal = summarise([_payload("t.py::a", reps, SEEDS)], 5, SEEDS)
    assert len(cal.checks) == 1 and cal.checks[0].sequence == "pppp"


def test_exact_check_that_changes_with_the_seed_is_flagged():
    """An alpha = 0 check must give the same outcome on every seed, baseline included."""
    reps = [[_check("identity", "literal", 0.0, o)] for o in ("pass", "pass", "fail", "pass")]
    cal = summarise([_payload("t.py::a", reps, SEEDS)], 5, SEEDS)
    assert not cal.checks[0].consistent and not cal.exact.consistent


def test_repeated_check_names_are_kept_apart_and_errors_listed():
    """Two checks with one name are two checks; a raising repetition is listed with its seed."""
    reps = [[_check("same", "literal", 0.1, "pass"), _check("same", "literal", 0.1, "fail")]
            for _ in SEEDS]
    reps[3] = []
    cal = summarise([_payload("t.py::a", reps, SEEDS, status={3: "error"})], 5, SEEDS)
    assert [c.rate.events for c in cal.checks] == [0, 3]
    assert [c.sequence for c in cal.checks] == ["ppp-", "fff-"]
    assert [(e.seed, e.status) for e in cal.errors] == [(44, "error")]


def test_summary_is_strict_json():
    """to_json gives a JSON-serialisable dict with the derivation rule and seeds."""
    reps = [[_check("mean", "literal", 0.2, "pass")] for _ in SEEDS]
    doc = summarise([_payload("t.py::a", reps, SEEDS)], 5, SEEDS).to_json()
    json.dumps(doc, allow_nan=False)
    assert doc["seeds"] == list(SEEDS) and "spawn" in doc["seed_derivation"]
    assert set(doc) >= {"repetitions", "false_failure", "power", "exact", "family", "checks",
                        "errors", "consistent", "level"}


def test_summarise_rejects_unknown_seeds():
    """A repetition whose seed is not a derived seed is an error in the payload."""
    reps = [[_check("mean", "literal", 0.2, "pass")] for _ in SEEDS]
    with pytest.raises(ValueError, match="`payloads` hold a repetition with seed 44"):
        summarise([_payload("t.py::a", reps, SEEDS)], 5, SEEDS[:3])


# --------------------------------------------------------------------------------------------
# the plugin on a tiny suite
# --------------------------------------------------------------------------------------------

CAL_SUITE = '''
import math

import numpy as np
import pytest

from claimkit import decisions

R = 256


@pytest.mark.claim("EX-04")
def test_null_at_large_alpha(mc):
    """A z-test with the exact standard error at alpha = 0.2 on a true null: P(fail) = 0.2."""
    res = mc.simulate("mean", lambda rng, size: rng.standard_normal(size), R)
    est = float(res.stats.mean())
    mc.record("mean of N(0, 1) is 0", decisions.z_test(est, 1 / math.sqrt(R), 0.0, alpha=0.2,
                                                       n_reps=R), seed=res.seed)
    mc.record("control: mean of N(0, 1) is 0.5",
              decisions.z_test(est, 1 / math.sqrt(R), 0.5, alpha=1e-6, n_reps=R),
              role="control")
    x = mc.rng("exact").random(50)
    mc.record("sum is order-free", decisions.exact_close(x.sum(), x[::-1].sum(), rtol=1e-14))


@pytest.mark.claim("EX-01")
def test_seed_free(mc):
    mc.record("0.5 + 0.25 = 0.75", decisions.exact_close(0.5 + 0.25, 0.75, rtol=0.0))
'''

K = 120


def _calibrate(pytester, *args):
    pytester.makepyfile(test_cal=CAL_SUITE)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir",
                                           str(out), *args)
    return result, json.loads((out / "results.json").read_text())


def _evidence(doc):
    return {(c["test"], c["name"]): (c["estimate"], c["outcome"], c["seed"])
            for claim in doc["claims"] for c in claim["checks"]}


def test_calibration_measures_alpha_and_power(pytester):
    """alpha = 0.2 on a true null: CP covers 0.2; control always rejected; seed-free runs once."""
    result, doc = _calibrate(pytester, "--mc-calibrate", str(K))
    cal = doc["calibration"]
    assert cal["repetitions"] == K and cal["seeds"] == list(derive_seeds(cal["root_seed"], K))
    by = {c["name"]: c for c in cal["checks"]}
    null = by["mean of N(0, 1) is 0"]
    assert null["measure"] == "false-failure" and null["rate"]["trials"] == K
    lo, hi = null["rate"]["ci"]
    assert lo <= 0.2 <= hi and null["consistent"]
    control = by["control: mean of N(0, 1) is 0.5"]
    assert control["measure"] == "power" and control["rate"]["rate"] == 1.0
    assert by["sum is order-free"]["measure"] == "deterministic"
    assert by["sum is order-free"]["sequence"] == "p" * K
    assert by["0.5 + 0.25 = 0.75"]["seed_free"]
    assert by["0.5 + 0.25 = 0.75"]["sequence"] == "p" + "=" * (K - 1)
    result.stdout.fnmatch_lines(["calibrate test_cal.py::test_null_at_large_alpha *",
                                 "*claims calibration*",
                                 f"K = {K} root seeds spawned from 20261121*",
                                 "*false failures of 1 stochastic checks:*vs alpha 0.2*",
                                 f"*rejections by 1 stochastic controls: {K} of {K}*"])
    # "consistent" is said together with what K seeds can detect (issue: K = 10 cannot
    # show a rate 2 800× alpha).
    detect = cal["detectable"]
    assert detect["per_check"] == pytest.approx(1 - 0.05 ** (1 / K))
    result.stdout.fnmatch_lines([f"*'consistent' = not rejected: K = {K} seeds reveal*only a "
                                 f"false-failure rate of at least {detect['per_check']:.3g}*"])
    page = (pytester.path / "out" / "index.html").read_text(encoding="utf-8")
    assert "What “consistent” can and cannot show." in page
    assert f"at least {detect['per_check']:.3g}" in page


@pytest.mark.parametrize(("trials", "expected"), [(1, 0.95), (10, 0.2589), (100, 0.02951)])
def test_detectable_rate_is_the_rate_seen_at_least_once_with_95_percent(trials, expected):
    from claimkit.plugin.calibration.records import detectable_rate
    assert detectable_rate(trials) == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize(("trials", "probability", "match"),
                         [(0, 0.95, "`trials`"), (2.5, 0.95, "`trials`"), (10, 1.0, "`probability`")])
def test_detectable_rate_rejects_bad_input(trials, probability, match):
    from claimkit.plugin.calibration.records import detectable_rate
    with pytest.raises(ValueError, match=match):
        detectable_rate(trials, probability)


def test_repetition_i_is_the_run_with_seed_i(pytester):
    """Rerunning with --mc-seed <derived seed i> reproduces repetition i's outcome."""
    _, doc = _calibrate(pytester, "--mc-calibrate", "4")
    cal = doc["calibration"]
    seq = next(c for c in cal["checks"] if c["name"] == "mean of N(0, 1) is 0")["sequence"]
    for i in (0, 3):
        _, single = _calibrate(pytester, "--mc-seed", str(cal["seeds"][i]))
        check = next(c for claim in single["claims"] for c in claim["checks"]
                     if c["name"] == "mean of N(0, 1) is 0")
        assert check["outcome"][0] == seq[i]


def test_calibration_keeps_the_normal_evidence_and_works_under_xdist(pytester):
    """The normal run's checks are unchanged, and -n 2 gives the same calibration numbers."""
    _, plain = _calibrate(pytester)
    assert "calibration" not in plain
    _, serial = _calibrate(pytester, "--mc-calibrate", "6")
    _, parallel = _calibrate(pytester, "--mc-calibrate", "6", "-n", "2")
    assert _evidence(serial) == _evidence(plain) == _evidence(parallel)
    strip = ("seconds",)
    for doc in (serial, parallel):
        doc["calibration"] = {k: v for k, v in doc["calibration"].items() if k not in strip}
    assert serial["calibration"] == parallel["calibration"]


def test_bad_calibrate_option_is_a_usage_error(pytester):
    """A negative --mc-calibrate stops the run with a message naming the option."""
    pytester.makepyfile(test_cal=CAL_SUITE)
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--mc-calibrate", "-2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mc-calibrate must be a non-negative integer*"])


def test_calibration_is_a_frozen_dataclass():
    """Results cannot be mutated after the fact."""
    cal = summarise([_payload("t.py::a", [[_check("m", "literal", 0.2, "pass")]] * 4, SEEDS)],
                    5, SEEDS)
    assert isinstance(cal, Calibration)
    with pytest.raises(AttributeError):
        cal.repetitions = 3
