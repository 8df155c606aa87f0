"""The controller keeps its report when rendering, calibration or a snapshot fails, and the
option parsers and calibration helpers reject bad input with messages naming the parameter."""

from __future__ import annotations

import json

import numpy as np
from pathlib import Path

import pytest

from claimkit.plugin.calibration import summary_lines
from claimkit.plugin.calibration.validation import check_level, is_int
from claimkit.plugin.options import non_negative_int

#: The repository's catalogue, passed explicitly: pytester runs outside its ini file.
CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

pytest_plugins = ["pytester"]

SUITE = '''
import pytest

from claimkit import decisions


@pytest.mark.claim("EX-01")
def test_exact(mc):
    x = mc.rng("x").random(8)
    mc.record("sum is order-free", decisions.exact_close(x.sum(), x[::-1].sum(), rtol=1e-14))
'''


def _run(pytester: pytest.Pytester, conftest: str, *args: str):
    pytester.makepyfile(test_suite=SUITE)
    pytester.makeconftest(conftest)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir",
                                           str(out), *args)
    return result, out


def test_results_json_is_written_when_rendering_fails(pytester):
    """A renderer that raises costs the HTML only: results.json is complete and the run passes."""
    result, out = _run(pytester, '''
import claimkit.report as reports

def _broken(*args, **kwargs):
    raise RuntimeError("renderer broke")

reports.write_report = _broken
''')
    result.assert_outcomes(passed=1)
    doc = json.loads((out / "results.json").read_text())
    assert [c["id"] for c in doc["claims"] if c["verdict"] != "not run"] == ["EX-01"]
    # No report, but no stale or misleading page either: the page says rendering failed.
    page = (out / "index.html").read_text()
    assert 'id="not-rendered"' in page and "renderer broke" in page
    result.stderr.fnmatch_lines(["*could not render*renderer broke*"])


def test_results_json_is_written_when_calibration_fails(pytester):
    """A calibration summary that raises is left out of results.json; the report is written."""
    result, out = _run(pytester, '''
import claimkit.plugin.calibration.plugin as cal

def _broken(*args, **kwargs):
    raise RuntimeError("summary broke")

cal.summarise = _broken
''', "--mc-calibrate", "2")
    result.assert_outcomes(passed=1)
    doc = json.loads((out / "results.json").read_text())
    assert "calibration" not in doc and (out / "index.html").exists()
    result.stderr.fnmatch_lines(["*calibration summary left out of results.json*summary broke*"])
    result.stdout.fnmatch_lines(["*could not summarise the calibration*summary broke*"])


def test_a_failing_snapshot_does_not_stop_the_run(pytester):
    """A snapshot that cannot be written is reported; the run and its final report go on."""
    result, out = _run(pytester, '''
from claimkit.plugin import plugin

_document = plugin.SuiteState.document

def _no_snapshots(self, *, exit_status, interrupted, in_progress=False):
    if in_progress:
        raise OSError("disk full")
    return _document(self, exit_status=exit_status, interrupted=interrupted)

plugin.SuiteState.document = _no_snapshots
''', "--mc-snapshot-seconds", "0")
    result.assert_outcomes(passed=1)
    assert json.loads((out / "results.json").read_text())["run"]["in_progress"] is False
    result.stderr.fnmatch_lines(["*could not write a snapshot of results.json*disk full*"])


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_every_process_freezes_its_objects_at_exit(pytester, workers):
    """Interpreter teardown does not traverse the run's objects (plugin._freeze_objects_at_exit):
    an exit hook registered before the plugin's (so it runs after it) finds them frozen, in
    the controller and in every worker; the report is complete."""
    result, out = _run(pytester, f'''
import atexit, gc, os

_name = ["controller"]  # not from the environment: this suite may itself run under xdist

def pytest_configure(config):
    if hasattr(config, "workerinput"):
        _name[0] = config.workerinput["workerid"]

def _record():
    with open(os.path.join({str(pytester.path)!r}, "frozen-" + _name[0]), "w") as fh:
        fh.write(str(gc.get_freeze_count()))

atexit.register(_record)
''', *workers)
    result.assert_outcomes(passed=1)
    assert json.loads((out / "results.json").read_text())["run"]["exit_status"] == 0
    counts = {p.name: int(p.read_text()) for p in pytester.path.glob("frozen-*")}
    expected = {"frozen-controller"} | {f"frozen-gw{i}" for i in range(2) if workers}
    assert set(counts) == expected and min(counts.values()) > 10_000


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", ""])
def test_non_negative_int_option_rejects_bad_values(value):
    """Negative or non-integer option values are usage errors naming the option."""
    with pytest.raises(pytest.UsageError, match="--mc-seed must be a non-negative integer"):
        non_negative_int("--mc-seed")(value)


def test_non_negative_int_option_parses_integers():
    """Zero and positive integers pass through as int."""
    parse = non_negative_int("--mc-calibrate")
    assert parse("0") == 0 and parse("12") == 12


@pytest.mark.parametrize("flag", ["mc-seed", 3, None])
def test_non_negative_int_rejects_a_bad_flag(flag):
    """The option name must be a string starting with '--'."""
    with pytest.raises(ValueError, match="`flag` must be an option name starting with '--'"):
        non_negative_int(flag)


def test_summary_lines_rejects_a_non_calibration():
    """summary_lines takes a Calibration, not its JSON form."""
    with pytest.raises(ValueError, match="`cal` must be a Calibration, got dict"):
        summary_lines({"repetitions": 3})


@pytest.mark.parametrize("level", [0.0, 1.0, True, "0.9", float("nan")])
def test_check_level_rejects_levels_outside_the_unit_interval(level):
    """Levels must be numbers strictly between 0 and 1 (bool is not a number here)."""
    with pytest.raises(ValueError, match=r"`level` must lie in \(0, 1\)"):
        check_level(level)


def test_is_int_excludes_bool_and_floats():
    """Python and numpy integers count; bool and floats do not."""
    assert is_int(3) and is_int(np.int64(3))
    assert not is_int(True) and not is_int(3.0)
