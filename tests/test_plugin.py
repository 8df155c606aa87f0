"""The plugin end to end, on a tiny claims suite run in a temporary directory."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

#: The repository's catalogue, passed explicitly: pytester runs outside its ini file.
CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

pytest_plugins = ["pytester"]

TINY_SUITE = '''
import numpy as np
import pytest

from claimkit.evidence import Decision


def _mean_decision(x, target):
    m, se = float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(len(x)))
    z = abs(m - target) / se
    return Decision("pass" if z < 4.89 else "fail", "z-test", f"|z| = {z:.2f}", m, target=target,
                    mcse=se, alpha=1e-6, delta=7.2 * se, n_reps=len(x))


@pytest.mark.claim("EX-04")
@pytest.mark.parametrize("n", [2, 5, 10])
def test_bias(mc, n):
    res = mc.simulate("var", lambda rng, size: rng.normal(size=(size, n)).var(axis=1), 3000, n=n)
    mc.record("mean of MLE variance", _mean_decision(res.stats, (n - 1) / n), seed=res.seed)
    mc.record("control: unbiased", _mean_decision(res.stats, 1.0), role="control")


@pytest.mark.claim("EX-01")
def test_draws(mc):
    x = mc.rng("draws").random(1000)
    mc.record("uniform mean", _mean_decision(x, 0.5))
'''

REVERSE_ORDER = '''
def pytest_collection_modifyitems(items):
    items.reverse()
'''


def _run(pytester: pytest.Pytester, *args: str) -> dict:
    pytester.makepyfile(test_tiny=TINY_SUITE)
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir",
                                           str(pytester.path / "out"), *args)
    result.assert_outcomes(passed=4) if "-k" not in " ".join(args) else None
    return json.loads((pytester.path / "out" / "results.json").read_text())


def _numbers(doc: dict) -> dict:
    """Every check's numbers, keyed by test id and check name."""
    return {(c["test"], c["name"]): {k: c[k] for k in ("estimate", "mcse", "ci", "outcome",
                                                       "seed", "n_reps")}
            for claim in doc["claims"] for c in claim["checks"]}


def test_serial_and_xdist_give_identical_numbers(pytester):
    """Running serially and with -n 2 writes the same numbers for every check."""
    serial = _numbers(_run(pytester))
    parallel = _numbers(_run(pytester, "-n", "2"))
    assert serial and serial == parallel


def test_order_and_selection_do_not_change_numbers(pytester):
    """Reversed test order and -k selection reproduce the full run's numbers exactly."""
    full = _numbers(_run(pytester))
    pytester.makeconftest(REVERSE_ORDER)
    assert _numbers(_run(pytester)) == full
    selected = _numbers(_run(pytester, "-k", "test_bias and 5"))
    assert selected and all(full[key] == val for key, val in selected.items())


def test_root_seed_is_in_header_and_changes_numbers(pytester):
    """--mc-seed appears in the pytest header and in results.json, and moves the numbers."""
    pytester.makepyfile(test_tiny=TINY_SUITE)
    out = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--mc-seed", "99",
                                        "--report-dir", str(pytester.path / "out"))
    out.stdout.fnmatch_lines(["claims: root seed 99 (--mc-seed), scale standard*"])
    doc = json.loads((pytester.path / "out" / "results.json").read_text())
    assert doc["run"]["root_seed"] == 99
    assert _numbers(doc) != _numbers(_run(pytester))


def test_results_hold_catalogue_claims_with_verdicts(pytester):
    """Every catalogue claim is listed; claims without tests are 'not run'."""
    doc = _run(pytester)
    by_id = {c["id"]: c for c in doc["claims"]}
    assert doc["schema_version"] == 2
    assert by_id["EX-04"]["verdict"] == "supported"
    assert by_id["EX-01"]["verdict"] == "supported"
    assert by_id["CE-07"]["verdict"] == "not run"
    check = by_id["EX-04"]["checks"][0]
    for key in ("name", "params", "kind", "outcome", "estimate", "mcse", "ci", "target",
                "margin", "alpha", "delta", "n_reps", "seed", "control"):
        assert key in check
    # Times and workers live only in the run block (schema 2).
    assert "seconds" not in check
    assert all("seconds" not in t and "worker" not in t for t in by_id["EX-04"]["tests"])
    timing = doc["run"]["timings"][check["test"]]
    assert timing["seconds"] > 0 and len(timing["checks"]) == len(
        [c for c in by_id["EX-04"]["checks"] if c["test"] == check["test"]])
    assert doc["run"]["alpha"]["stochastic_checks"] == 7


def test_unexpected_outcome_fails_the_test(pytester):
    """A control that is not rejected fails its test and makes the claim inconclusive."""
    pytester.makepyfile(test_weak='''
import pytest
from claimkit.evidence import Decision

@pytest.mark.claim("EX-02")
def test_weak_control(mc):
    mc.record("control that passes", Decision("pass", "exact", "0 <= tol", 0.0), role="control")
''')
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir",
                                           str(pytester.path / "out"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*[[]control[]] control that passes: outcome pass, expected fail*"])
    doc = json.loads((pytester.path / "out" / "results.json").read_text())
    ex02 = next(c for c in doc["claims"] if c["id"] == "EX-02")
    assert ex02["verdict"] == "inconclusive" and not ex02["verdict_matches"]


def test_claim_test_without_checks_fails(pytester):
    """A claim test that records nothing cannot pass."""
    pytester.makepyfile(test_empty='''
import pytest

@pytest.mark.claim("EX-02")
def test_nothing(mc):
    pass
''')
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir",
                                           str(pytester.path / "out"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*recorded no check*"])


def test_errors_skips_and_crashes_are_recorded(pytester):
    """Raising, skipped and crashed-worker tests all appear in results.json with their state."""
    pytester.makepyfile(test_states='''
import os
import pytest
from claimkit.evidence import Decision

@pytest.mark.claim("EX-02")
def test_raises(mc):
    raise RuntimeError("boom <b>")

@pytest.mark.claim("CE-11")
def test_skipped(mc):
    pytest.skip("torch is not installed")

@pytest.fixture
def broken():
    raise OSError("setup failed")

@pytest.mark.claim("EX-03")
def test_setup_error(mc, broken):
    pass

@pytest.mark.claim("LIK-04")
def test_crash(mc):
    os._exit(3)
''')
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "-n", "2",
                                           "--report-dir", str(pytester.path / "out"))
    assert result.ret != 0
    doc = json.loads((pytester.path / "out" / "results.json").read_text())
    tests = {t["nodeid"].split("::")[1]: (t["outcome"], t["message"], c["id"], c["verdict"])
             for c in doc["claims"] for t in c["tests"]}
    assert tests["test_raises"][0] == "failed" and "boom <b>" in tests["test_raises"][1]
    assert tests["test_raises"][3] == "inconclusive"
    assert tests["test_skipped"][:2] == ("skipped", "torch is not installed")
    assert tests["test_skipped"][3] == "not run"
    assert tests["test_setup_error"][0] == "error"
    assert tests["test_crash"][0] == "failed" and "crashed" in tests["test_crash"][1]
    assert (pytester.path / "out" / "index.html").exists()


def test_unknown_claim_id_is_a_usage_error(pytester):
    """A marker naming an ID that is not in the catalogue stops the run with a clear message."""
    pytester.makepyfile(test_unknown='''
import pytest

@pytest.mark.claim("XX-99")
def test_x(mc):
    pass
''')
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG)
    result.stderr.fnmatch_lines(["*claim 'XX-99' is not in the catalogue*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_unwritable_report_dir_is_a_one_line_usage_error_before_any_test(pytester, workers):
    """--report-dir under a regular file (cannot be created): usage error at start-up, one
    line, no test run, no traceback (the old behaviour lost every result at the end)."""
    pytester.makepyfile(test_tiny=TINY_SUITE + '''

def test_marker_file_written_if_run(tmp_path_factory):
    open(__file__ + ".ran", "w").close()
''')
    blocker = pytester.path / "plain-file"
    blocker.write_text("not a folder")
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir",
                                           str(blocker / "report"), *workers)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1 and "--report-dir: cannot write to" in errors[0]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert not list(pytester.path.glob("*.ran"))


def test_identical_runs_differ_only_in_the_run_block(pytester):
    """results.json outside `run` is a pure function of code, seed, scale and options: two
    identical runs (here -n 2, whose worker assignment varies) give identical claims."""
    pytester.makepyfile(test_tiny=TINY_SUITE)
    docs = []
    for i in range(2):
        out = pytester.path / f"out{i}"
        result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG,
                                               "--report-dir", str(out), "-n", "2")
        assert result.ret == 0
        docs.append(json.loads((out / "results.json").read_text()))
    a, b = ({k: v for k, v in d.items() if k != "run"} for d in docs)
    assert a == b
    assert docs[0]["run"]["timings"].keys() == docs[1]["run"]["timings"].keys()


def test_bad_seed_is_a_usage_error(pytester):
    """A negative --mc-seed is rejected before anything runs."""
    pytester.makepyfile(test_tiny=TINY_SUITE)
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--mc-seed", "-4")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mc-seed must be a non-negative integer*"])


def test_killed_controller_leaves_a_snapshot(pytester):
    """A run killed outright (SIGKILL) still leaves results.json with what had finished."""
    pytester.makepyfile(test_killed='''
import os
import signal
import pytest
from claimkit.evidence import Decision

@pytest.mark.claim("EX-02")
def test_first(mc):
    mc.record("exact", Decision("pass", "exact", "0 <= tol", 0.0))

@pytest.mark.claim("EX-03")
def test_second(mc):
    os.kill(os.getpid(), signal.SIGKILL)
''')
    out = pytester.path / "out"
    out.mkdir()
    (out / "index.html").write_text("<html>OLD COMPLETE REPORT of an earlier run</html>")
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir", str(out),
                                           "--mc-snapshot-seconds", "0")
    assert result.ret != 0
    # The earlier run's page was replaced at start-up: nothing stale looks current.
    stale = (out / "index.html").read_text()
    assert "OLD COMPLETE REPORT" not in stale
    assert 'id="in-progress"' in stale and "killed before it could finish" in stale
    doc = json.loads((out / "results.json").read_text())
    assert doc["run"]["in_progress"] and doc["run"]["interrupted"]
    by_id = {c["id"]: c for c in doc["claims"]}
    assert by_id["EX-02"]["verdict"] == "supported"
    assert [t["outcome"] for t in by_id["EX-03"]["tests"]] == ["not run"]
    import subprocess
    import sys
    rendered = subprocess.run([sys.executable, "-m", "claimkit.report", str(out / "results.json"), "-o",
                               str(out / "index.html")], capture_output=True, text=True)
    assert rendered.returncode == 0, rendered.stderr
    assert "snapshot written while the run was still going" in (out / "index.html").read_text()
