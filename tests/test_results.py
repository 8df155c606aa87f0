"""Assembling results.json from test reports."""

import json
from types import SimpleNamespace

from pathlib import Path

import pytest

from claimkit.catalogue import load_catalogue
from claimkit.results import (CHECKS_KEY, CLAIM_KEY, Collector, TestState, build_results,
                                   claim_verdict, write_json_atomic)


def _report(nodeid, when, outcome, claim="EX-01", checks=None, longrepr=None):
    props = [(CLAIM_KEY, claim)]
    if checks is not None:
        props.append((CHECKS_KEY, json.dumps(checks)))
    return SimpleNamespace(nodeid=nodeid, when=when, outcome=outcome, longrepr=longrepr,
                           user_properties=props, duration=0.5)


def _check(role="literal", outcome="pass", alpha=1e-6):
    return {"role": role, "outcome": outcome, "alpha": alpha, "name": "c"}


def test_phases_fold_into_one_state():
    """setup + call + teardown reports make one passed test with its checks and duration."""
    col = Collector()
    col.add(_report("t::a", "setup", "passed"))
    col.add(_report("t::a", "call", "passed", checks=[_check()]))
    col.add(_report("t::a", "teardown", "passed"))
    st = col.tests["t::a"]
    assert (st.outcome, st.claim, len(st.checks), st.seconds) == ("passed", "EX-01", 1, 1.5)


@pytest.mark.parametrize("when, outcome, state", [
    ("setup", "failed", "error"), ("call", "failed", "failed"), ("teardown", "failed", "error"),
    ("setup", "skipped", "skipped"), ("???", "failed", "failed"),
])
def test_failures_and_skips_are_classified(when, outcome, state):
    """Setup/teardown failures are errors, call failures and worker crashes are failures."""
    col = Collector()
    col.add(_report("t::a", when, outcome, longrepr=("f.py", 1, "Skipped: no torch")))
    assert col.tests["t::a"].outcome == state


def test_skip_reason_is_kept():
    """A skip's reason is the message shown in the report."""
    col = Collector()
    col.add(_report("t::a", "setup", "skipped", longrepr=("f.py", 1, "Skipped: no torch")))
    assert col.tests["t::a"].message == "no torch"


def test_claim_verdict_needs_checks_from_every_broken_test():
    """A crashed test without evidence makes the claim inconclusive; all-skipped is not run."""
    ok = TestState("a", "EX-01", "passed", checks=[_check(), _check("control", "fail")],
                   completed=True)
    crashed = TestState("b", "EX-01", "failed")
    skipped = TestState("c", "EX-01", "skipped")
    assert claim_verdict([ok]).verdict == "supported"
    assert claim_verdict([ok, crashed]).verdict == "inconclusive"
    assert claim_verdict([skipped]).verdict == "not run"
    assert claim_verdict([ok, skipped]).verdict == "partly checked"


def test_build_results_lists_every_catalogue_claim_and_unknown_tests():
    """Every catalogue claim appears once; tests without a claim go to unclaimed_tests."""
    col = Collector()
    col.add(_report("t::a", "call", "passed", checks=[_check()]))
    col.add(_report("t::b", "call", "passed", claim=None))
    catalogue = load_catalogue(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")
    doc = build_results(col, catalogue, {"root_seed": 1})
    assert [c["id"] for c in doc["claims"]] == list(catalogue)
    ex01 = doc["claims"][[c["id"] for c in doc["claims"]].index("EX-01")]
    assert ex01["verdict"] == "supported" and ex01["checks"][0]["test"] == "t::a"
    assert [t["nodeid"] for t in doc["unclaimed_tests"]] == ["t::b"]
    assert doc["run"]["alpha"]["stochastic_checks"] == 1
    assert doc["run"]["tests"]["passed"] == 2


def test_write_json_atomic_replaces_and_leaves_no_temp(tmp_path):
    """The file is replaced in one step and no temporary file stays behind."""
    path = tmp_path / "out" / "results.json"
    write_json_atomic({"a": 1}, path)
    write_json_atomic({"a": 2}, path)
    assert json.loads(path.read_text()) == {"a": 2}
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]


def test_write_json_atomic_keeps_old_file_on_error(tmp_path):
    """A value that is not strict JSON leaves the previous file untouched."""
    path = tmp_path / "results.json"
    write_json_atomic({"a": 1}, path)
    with pytest.raises(ValueError):
        write_json_atomic({"a": float("nan")}, path)
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
