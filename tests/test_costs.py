"""claimkit.costs and --mc-cost-model: same numbers while counting, counts, floor, options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claimkit import costs, seeding

CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

pytest_plugins = ["pytester"]


def test_counting_draws_the_same_numbers_and_counts_them():
    """Inside counting() a stream draws exactly what it draws outside; every variate counted."""
    seed = np.random.SeedSequence(7)
    plain = seeding.make_generator(seed)
    expected = (plain.standard_normal((30, 4)), plain.poisson(3.0, 11), plain.random())
    log = costs.DrawLog()
    with costs.counting(log):
        rng = seeding.make_generator(seed)
        got = (rng.standard_normal((30, 4)), rng.poisson(3.0, 11), rng.random())
    assert isinstance(rng, np.random.Generator) and type(rng) is costs.CountingGenerator
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    assert log.variates == {"standard_normal": 120, "poisson": 11, "random": 1}
    assert log.total == 132
    assert log.replay() >= 0.0
    # Outside the block streams are plain generators again and nothing more is logged.
    assert type(seeding.make_generator(seed)) is np.random.Generator
    seeding.make_generator(seed).random(5)
    assert log.total == 132


def test_counting_refuses_a_wrong_log():
    with pytest.raises(ValueError, match="`log`"):
        with costs.counting({}):
            pass


SUITE = '''
import pytest
from claimkit import decisions, mcse


@pytest.mark.claim("EX-04")
def test_bias(mc):
    n = 4
    res = mc.simulate("var", lambda rng, size: rng.normal(size=(size, n)).var(axis=1), 3000)
    est = mcse.mean(res.stats)
    mc.record("mean of MLE variance",
              decisions.z_test(est.value, est.mcse, (n - 1) / n, alpha=mc.alpha,
                               n_reps=res.n_reps), seed=res.seed)
'''


def test_cost_model_option_writes_variates_and_floor(pytester):
    """--mc-cost-model PATH: per-module CPU, floor and the variates the streams drew."""
    pytester.makepyfile(test_tiny=SUITE)
    path = pytester.path / "cost.json"
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "-p", "no:xdist",
                                           "--no-claims-report", "--mc-cost-model", str(path))
    result.assert_outcomes(passed=1)
    doc = json.loads(path.read_text())
    (module,) = doc["modules"].values()
    reps = 3000   # scaled_reps at the standard scale keeps the base count
    assert module["variates"] == {"normal": reps * 4}
    assert module["tests"] == 1 and module["floor_seconds"] > 0
    assert doc["total"]["variates"] == reps * 4
    assert doc["total"]["process_cpu_seconds"] >= module["cpu_seconds"] > 0
    (node, test), = doc["tests"].items()
    assert node.endswith("test_tiny.py::test_bias")
    assert test["variates"] == reps * 4
    assert (test["cpu_seconds"], test["floor_seconds"]) == (module["cpu_seconds"],
                                                            module["floor_seconds"])


def test_cost_model_needs_a_serial_run(pytester):
    """Under -n 2 the tests run elsewhere: a usage error, before any test."""
    pytester.makepyfile(test_tiny=SUITE)
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "-n", "2",
                                           "--mc-cost-model", str(pytester.path / "c.json"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mc-cost-model measures a serial run*"])


def test_cost_model_refuses_a_missing_directory(pytester):
    pytester.makepyfile(test_tiny=SUITE)
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "-p", "no:xdist",
                                           "--mc-cost-model",
                                           str(pytester.path / "nowhere" / "c.json"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mc-cost-model: directory*does not exist*"])
