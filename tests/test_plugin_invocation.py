"""Option values that pytest could take for test paths (claimkit.plugin.invocation), unit and
end to end: ``--report-dir /existing/dir`` outside the project, with and without workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimkit.plugin.invocation import has_config_file, joined, misread_values

pytest_plugins = ["pytester"]

CATALOGUE = Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml"
FLAGS = frozenset({"--report-dir", "--mc-seed"})


def test_joined_attaches_each_value_to_its_flag():
    args = ["-n", "2", "--report-dir", "/tmp/x", "-k", "a", "--mc-seed", "3", "--report-dir"]
    assert joined(args, FLAGS) == ["-n", "2", "--report-dir=/tmp/x", "-k", "a", "--mc-seed=3",
                                   "--report-dir"]
    assert joined(["--report-dir=/a", "tests"], FLAGS) == ["--report-dir=/a", "tests"]


def test_config_files_are_found_upwards_only_with_their_pytest_section(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert not has_config_file(tmp_path / "a" / "b")
    (tmp_path / "a" / "tox.ini").write_text("[tox]\nenvlist = py\n")
    assert not has_config_file(tmp_path / "a" / "b")          # a tox.ini without [pytest]
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    assert has_config_file(tmp_path / "a" / "b") and not has_config_file(tmp_path)


def test_misread_values_only_when_the_configuration_was_lost_to_them(tmp_path):
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "tests").mkdir(parents=True)
    outside.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    args = ["--report-dir", str(outside), "--mc-seed", "5"]
    assert misread_values(args, FLAGS, project, False, []) == [("--report-dir", str(outside))]
    assert misread_values(args, FLAGS, project, False, ["tests"]) == [
        ("--report-dir", str(outside))]
    assert misread_values(args, FLAGS, project, True, []) == []
    assert misread_values([f"--report-dir={outside}"], FLAGS, project, False, []) == []
    assert misread_values(["--report-dir", str(tmp_path / "new")], FLAGS, project, False,
                          []) == []
    # Test paths outside any configuration: the loss is theirs, not the option's.
    assert misread_values(args, FLAGS, project, False, [str(outside)]) == []
    assert misread_values(args, FLAGS, outside, False, []) == []


@pytest.mark.parametrize("call, message", [
    (lambda: joined("--report-dir x", FLAGS), "`args`"),
    (lambda: joined(["--report-dir", 3], FLAGS), "`args`"),
    (lambda: joined([], ["report-dir"]), "`flags`"),
    (lambda: has_config_file(3), "`start`"),
    (lambda: misread_values([], FLAGS, None, False, []), "`invocation_dir`"),
    (lambda: misread_values([], FLAGS, Path("."), False, "tests"), "`test_paths`"),
])
def test_bad_input_is_a_value_error_naming_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _project(pytester: pytest.Pytester) -> Path:
    """A project whose pyproject.toml limits collection to t/ and names the catalogue; a
    test outside t/ fails, so collecting it (the configuration lost) cannot pass."""
    pytester.makepyprojecttoml(f'''
[tool.pytest.ini_options]
testpaths = ["t"]
claims_catalogue = "{CATALOGUE.as_posix()}"
''')
    (pytester.path / "t").mkdir()
    (pytester.path / "t" / "test_in.py").write_text("def test_in():\n    pass\n")
    (pytester.path / "elsewhere").mkdir()
    (pytester.path / "elsewhere" / "test_out.py").write_text(
        "def test_out():\n    raise AssertionError('collected outside testpaths')\n")
    return pytester.path


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_new_report_dir_outside_the_project_keeps_the_configuration(pytester, tmp_path_factory,
                                                                    workers):
    """``--report-dir DIR`` (two words, DIR created by the run): the controller and the
    workers (which parse the command line after DIR exists) collect testpaths only."""
    _project(pytester)
    out = tmp_path_factory.mktemp("outside") / "report"
    result = pytester.runpytest_subprocess("--report-dir", str(out), *workers)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
    assert (out / "results.json").is_file()


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_existing_report_dir_written_as_two_words_is_a_usage_error(pytester, tmp_path_factory,
                                                                   workers):
    """An existing DIR outside the project costs pytest its configuration file before this
    plugin loads: the run stops at once, saying how to write the option; written as one word
    it runs."""
    _project(pytester)
    out = tmp_path_factory.mktemp("existing")
    result = pytester.runpytest_subprocess("--report-dir", str(out), *workers)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*pytest found no configuration file*--report-dir={out}*"])
    assert "collected outside testpaths" not in result.stdout.str()
    result = pytester.runpytest_subprocess(f"--report-dir={out}", *workers)
    result.assert_outcomes(passed=1)
