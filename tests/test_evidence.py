"""Evidence records and how a claim's verdict follows from its checks."""

import json
import math

import numpy as np
import pytest

from claimkit.evidence import (EXPECTED_OUTCOME, ROLES, VERDICT_RULES, VERDICTS, Check,
                                  Decision, TestEvidence, claim_verdict, json_safe,
                                  verdict_from_checks, verdict_rules_markdown)


def _decision(outcome="pass", **kw):
    return Decision(outcome, "z-test", "rule", 0.5, **kw)


def _rec(role, outcome):
    return {"role": role, "outcome": outcome}


@pytest.mark.parametrize("checks, verdict", [
    ([], "not run"),
    ([_rec("literal", "pass"), _rec("control", "fail")], "supported"),
    ([_rec("literal", "pass"), _rec("condition", "fail")], "supported under conditions"),
    ([_rec("refuted", "fail"), _rec("corrected", "pass")], "refuted as written"),
    ([_rec("literal", "fail"), _rec("control", "fail")], "refuted as written"),
    ([_rec("literal", "pass"), _rec("control", "pass")], "inconclusive"),
    ([_rec("literal", "inconclusive")], "inconclusive"),
    ([_rec("refuted", "fail"), _rec("corrected", "fail")], "inconclusive"),
    ([_rec("literal", "pass"), _rec("condition", "pass")], "supported"),
    ([_rec("refuted", "pass")], "supported"),
    ([_rec("control", "fail")], "inconclusive"),
    ([_rec("condition", "fail"), _rec("control", "fail")], "inconclusive"),
    ([_rec("literal", "pass"), _rec("corrected", "inconclusive")], "inconclusive"),
])
def test_verdict_from_checks(checks, verdict):
    """Inconclusive/unrejected controls dominate, then refutation, then conditions."""
    assert verdict_from_checks(checks) == verdict


@pytest.mark.parametrize("role", ROLES)
def test_check_expectation_follows_role(role):
    """A check is as expected exactly when its outcome is the one its role predicts."""
    expected = EXPECTED_OUTCOME[role]
    other = "fail" if expected == "pass" else "pass"
    assert Check("EX-01", "x", role, _decision(expected)).as_expected
    assert not Check("EX-01", "x", role, _decision(other)).as_expected
    assert not Check("EX-01", "x", role, _decision("inconclusive")).as_expected


def test_check_to_json_is_strict_json():
    """Records survive json.dumps(allow_nan=False): non-finite numbers become strings."""
    c = Check("EX-01", "x", "control", _decision("fail", mcse=math.inf, ci=(-math.inf, 1.0),
                                                  n_reps=np.int64(10)),
              params={"n": np.int64(5), "grid": np.arange(3)})
    rec = json.loads(json.dumps(c.to_json(), allow_nan=False))
    assert rec["control"] is True and rec["expected"] == "fail" and rec["as_expected"] is True
    assert rec["mcse"] == "inf" and rec["ci"] == ["-inf", 1.0]
    assert rec["params"] == {"n": 5, "grid": [0, 1, 2]} and rec["n_reps"] == 10


def test_json_safe_handles_nested_numpy():
    """numpy scalars and arrays inside mappings and tuples become plain Python values."""
    assert json_safe({"a": (np.float32(1.5), np.array([np.nan]))}) == {"a": [1.5, ["nan"]]}


class _Frozen(dict):
    """A mapping subclass (not a plain dict): takes the general path."""


def test_json_safe_fast_paths_give_the_general_conversion():
    """Plain types, finite numeric arrays (one tolist) and everything else convert alike: the
    same value, and the same JSON, as the type-by-type conversion of each element."""
    value = {
        1: [1.0, float("nan"), -float("inf"), 2, True, None, "s", (3, 4.5)],
        "arrays": [np.arange(3), np.array([0.5, 1.5]), np.array([1.0, np.nan, np.inf]),
                   np.array([[True, False]]), np.array(2.5), np.array([1 + 2j]),
                   np.array(["a"], dtype=object), np.float32([0.25]), np.uint8([7])],
        "scalars": [np.float64(np.nan), np.float64(0.1), np.int64(-3), np.bool_(True)],
        "sub": _Frozen(x=(np.float64(np.inf),)),
        "other": {1, 2},
    }
    expected = {
        "1": [1.0, "nan", "-inf", 2, True, None, "s", [3, 4.5]],
        "arrays": [[0, 1, 2], [0.5, 1.5], [1.0, "nan", "inf"], [[True, False]], 2.5,
                   ["(1+2j)"], ["a"], [0.25], [7]],
        "scalars": ["nan", 0.1, -3, True],
        "sub": {"x": ["inf"]},
        "other": "{1, 2}",
    }
    out = json_safe(value)
    assert out == expected
    assert json.dumps(out, allow_nan=False) == json.dumps(expected, allow_nan=False)
    assert all(type(v) is float for v in out["arrays"][1])   # python floats, not numpy's


@pytest.mark.parametrize("kwargs, match", [
    (dict(outcome="maybe"), "`outcome`"),
    (dict(alpha=1.0), "`alpha`"),
    (dict(alpha=-0.1), "`alpha`"),
])
def test_decision_rejects_bad_fields(kwargs, match):
    """An unknown outcome or an alpha outside [0, 1) is a ValueError naming the field."""
    args = dict(outcome="pass", kind="exact", rule="r", estimate=0.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        Decision(**args)


def test_check_rejects_unknown_role():
    """Roles are a closed set."""
    with pytest.raises(ValueError, match="`role`"):
        Check("EX-01", "x", "hunch", _decision())


def _test(outcome, checks=(), completed=False, nodeid="t.py::a", message=""):
    return TestEvidence(nodeid, outcome, message, tuple(checks), completed)


def test_verdict_table_is_one_table_of_every_verdict():
    """Every verdict has exactly one row; the Markdown rendering carries every row's words."""
    assert sorted(r.verdict for r in VERDICT_RULES) == sorted(VERDICTS)
    md = verdict_rules_markdown()
    for r in VERDICT_RULES:
        assert f"**{r.verdict}**" in md and r.when in md and r.meaning in md


def test_a_test_that_raises_after_a_passing_check_is_inconclusive():
    """One passing check and then an exception: the claim is inconclusive, naming the test."""
    v = claim_verdict([_test("failed", [_rec("literal", "pass")], completed=False,
                             message="ZeroDivisionError: boom")])
    assert v.verdict == "inconclusive"
    assert any("t.py::a failed" in r and "boom" in r for r in v.reasons)


def test_an_error_in_teardown_is_inconclusive():
    """A test whose body completed but whose teardown errored is a broken test."""
    v = claim_verdict([_test("error", [_rec("literal", "pass")], completed=False)])
    assert v.verdict == "inconclusive"


def test_a_failure_that_is_only_an_unexpected_outcome_is_decided_by_the_checks():
    """A completed test failed by a check's unexpected outcome: its checks decide the verdict."""
    v = claim_verdict([_test("failed", [_rec("literal", "fail"), _rec("control", "fail")],
                             completed=True)])
    assert v.verdict == "refuted as written" and v.reasons


def test_a_skipped_test_makes_the_claim_partly_checked():
    """One passing and one skipped test: partly checked, with the skip reason; never supported."""
    v = claim_verdict([_test("passed", [_rec("literal", "pass")], completed=True),
                       _test("skipped", nodeid="t.py::b", message="torch is not installed")])
    assert v.verdict == "partly checked"
    assert v.reasons == ("test t.py::b was skipped: torch is not installed",)


def test_a_test_never_reached_makes_the_claim_partly_checked():
    """An interrupted run leaves tests 'not run': what ran gives no firm verdict."""
    v = claim_verdict([_test("passed", [_rec("literal", "pass")], completed=True),
                       _test("not run", nodeid="t.py::b")])
    assert v.verdict == "partly checked"


def test_broken_beats_partly_checked_and_all_unrun_is_not_run():
    """A broken test outranks a skipped one; nothing that ran gives 'not run'."""
    v = claim_verdict([_test("failed", [], completed=False), _test("skipped", nodeid="b")])
    assert v.verdict == "inconclusive"
    assert claim_verdict([_test("skipped"), _test("not run", nodeid="b")]).verdict == "not run"
    assert claim_verdict([]).verdict == "not run"


def test_supported_needs_a_decided_literal_check():
    """Only rejected controls, or only conditions, are no evidence for the statement."""
    v = claim_verdict([_test("passed", [_rec("control", "fail")], completed=True)])
    assert v.verdict == "inconclusive"
    assert "no literal or refuted check reached a decision" in v.reasons


def test_test_evidence_validates_its_outcome():
    """A test outcome outside the table's vocabulary is rejected, naming the parameter."""
    with pytest.raises(ValueError, match="`outcome`"):
        TestEvidence("t", "crashed")


def test_documents_render_the_verdict_table_not_a_copy():
    """README, SCHEMA.md and claims/VERDICTS.md hold the current rendering of the table."""
    from pathlib import Path

    from claimkit.docs import render_blocks, stale_documents
    root = Path(__file__).resolve().parents[1]
    assert stale_documents([root / "README.md", root / "reports" / "SCHEMA.md",
                            root / "claims" / "VERDICTS.md"]) == []
    with pytest.raises(ValueError, match="`text`"):
        render_blocks("no block here")
    with pytest.raises(ValueError, match="`paths`"):
        stale_documents([])


def test_control_distance_in_units_of_delta():
    """A control's distance from the truth is |target − truth| (less any margin) over δ; exact
    checks use their error-over-tolerance statistic; other roles have none."""
    z = Decision("fail", "z-test", "r", 1.1, target=1.5, mcse=0.01, alpha=1e-6, delta=0.1)
    c = Check("X-01", "control", "control", z, params={"truth": 1.0})
    assert c.distance_delta == pytest.approx(5.0)
    assert Check("X-01", "control", "control", z).distance_delta == pytest.approx(4.0)
    eq = Decision("fail", "equivalence", "r", 1.3, target=1.0, margin=0.1, alpha=1e-6,
                  delta=0.05)
    assert Check("X-01", "c", "control", eq).distance_delta == pytest.approx(4.0)
    ex = Decision("fail", "exact", "r", 3.0, statistic=7.5, delta=0.4)
    assert Check("X-01", "c", "control", ex).distance_delta == pytest.approx(7.5)
    zero = Decision("fail", "exact", "r", 3.0, statistic=math.inf, delta=0.0)
    assert Check("X-01", "c", "control", zero).distance_delta == math.inf
    assert Check("X-01", "c", "literal", z).distance_delta is None
    assert Check("X-01", "c", "control", z).to_json()["distance_delta"] == pytest.approx(4.0)


def test_a_passage_that_states_the_condition_is_judged_without_condition_checks():
    """LIK-01's case: one passage omits independence, one states it. The first holds under
    conditions, the second is supported; the claim takes the least favourable."""
    from claimkit.evidence import least_favourable, passage_verdict

    literal = {"role": "literal", "outcome": "pass", "name": "product"}
    condition = {"role": "condition", "outcome": "fail", "name": "AR(1)"}
    tests = [TestEvidence("t", "passed", checks=(literal, condition), completed=True)]
    omits = passage_verdict(tests, states_conditions=False)
    states = passage_verdict(tests, states_conditions=True)
    assert (omits.verdict, states.verdict) == ("supported under conditions", "supported")
    assert least_favourable([states, omits]).verdict == "supported under conditions"
    refuted = passage_verdict([TestEvidence("t", "failed", checks=(
        {"role": "literal", "outcome": "fail", "name": "x"}, condition), completed=True)],
        states_conditions=True)
    assert refuted.verdict == "refuted as written"
    with pytest.raises(ValueError, match="`states_conditions`"):
        passage_verdict(tests, states_conditions="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`verdicts`"):
        least_favourable([])
