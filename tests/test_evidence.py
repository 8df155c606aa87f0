"""Evidence records and how a claim's verdict follows from its checks."""

import json
import math

import numpy as np
import pytest

from simulations.evidence import (EXPECTED_OUTCOME, ROLES, Check, Decision, json_safe,
                                  verdict_from_checks)


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
