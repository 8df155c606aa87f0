"""The `mc` fixture object: stream keys, scaling and evidence recording."""

import numpy as np
import pytest

from claimkit.normal_tails import reps_for_normal_tail, sample_shape
from claimkit.plugin.context import ClaimRun
from claimkit.evidence import Decision


def _run(**kw):
    args = dict(claim="EX-04", test_name="test_x", case="n=5", case_params={"n": 5},
                root_seed=1, scale="standard")
    args.update(kw)
    return ClaimRun(**args)


def test_streams_depend_on_case_and_label_not_on_instance():
    """Two runs of the same test case draw the same numbers; other labels/cases differ."""
    a, b = _run(), _run()
    assert np.array_equal(a.rng("x").random(3), b.rng("x").random(3))
    assert not np.array_equal(a.rng("x").random(3), a.rng("y").random(3))
    assert not np.array_equal(a.rng("x").random(3), _run(case="n=6").rng("x").random(3))


def test_simulate_uses_the_scale():
    """simulate() runs reps(base) replications at the run's scale."""
    res = _run(scale="smoke").simulate("v", lambda rng, size: rng.random(size), 800)
    assert res.n_reps == 100


def test_record_merges_params_and_times_checks():
    """Records carry the case parameters plus their own, and a non-negative wall time."""
    run = _run()
    check = run.record("demo", Decision("pass", "exact", "ok", 0.0), params={"k": 2},
                       seed=run.seed("demo"))
    assert check.params == {"n": 5, "k": 2} and check.seconds >= 0
    assert check.seed["entropy"] == 1 and run.checks == [check]


def test_unexpected_lists_checks_that_miss_their_role():
    """A control that passes is unexpected; a literal that passes is not."""
    run = _run()
    run.record("ok", Decision("pass", "exact", "ok", 0.0))
    bad = run.record("weak control", Decision("pass", "exact", "ok", 0.0), role="control")
    assert run.unexpected() == [bad]


def test_attach_figure_replaces_the_last_check():
    """A summary figure is attached to a recorded check without touching its decision."""
    run = _run()
    first = run.record("a", Decision("pass", "exact", "ok", 0.0))
    fig = {"kind": "line", "series": [{"label": "s", "x": [1, 2], "y": [np.float64(3), 4]}]}
    got = run.attach_figure(fig)
    assert got.decision == first.decision and got.figure["series"][0]["y"] == [3.0, 4]
    with pytest.raises(ValueError, match="`figure`"):
        _run().attach_figure(fig)


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="", decision=Decision("pass", "exact", "ok", 0.0)), "`name`"),
    (dict(name="x", decision="pass"), "`decision`"),
])
def test_record_rejects_bad_input(kwargs, match):
    """A check needs a name and a Decision."""
    with pytest.raises(ValueError, match=match):
        _run().record(**kwargs)


def _normal_terms(res):
    return None, [res.stats]


def _heavy_kernel(rng, size):
    """Terms with skewness and kurtosis far beyond what 512 replications accept at α = 1e-6."""
    return rng.lognormal(0.0, 1.2, size)


def test_simulate_tail_valid_keeps_a_run_whose_tail_is_valid():
    """Normal terms: the criterion holds at once, and the run is the plain simulate()'s."""
    run = _run()
    def kernel(rng, size):
        return rng.standard_normal(size)

    res, out = run.simulate_tail_valid("v", kernel, 4096, _normal_terms, 65536)
    plain = _run().simulate("v", kernel, 4096, min_reps=4096)
    assert out is None and res.n_reps == 4096 and np.array_equal(res.stats, plain.stats)


def test_simulate_tail_valid_extends_heavy_terms_on_the_same_stream():
    """Heavy-tailed terms are extended to 1.5 times the need (a multiple of 512); the first
    replications are the short run's; the cap stops the extension."""
    run = _run()
    res, _ = run.simulate_tail_valid("h", _heavy_kernel, 512, _normal_terms, 10**6)
    short = _run().simulate("h", _heavy_kernel, 512, min_reps=512)
    assert res.n_reps > 512 and res.n_reps % 512 == 0
    assert np.array_equal(res.stats[:512], short.stats)
    assert reps_for_normal_tail(*sample_shape(res.stats), run.alpha) <= res.n_reps
    capped, _ = _run().simulate_tail_valid("h", _heavy_kernel, 512, _normal_terms, 1024)
    assert capped.n_reps == 1024
    assert np.array_equal(capped.stats, res.stats[:1024])


@pytest.mark.parametrize("analyse, cap, match", [
    (None, 100, "`analyse`"), (_normal_terms, 0, "`cap`"), (_normal_terms, 2.5, "`cap`"),
    (_normal_terms, True, "`cap`")])
def test_simulate_tail_valid_rejects_bad_input(analyse, cap, match):
    with pytest.raises(ValueError, match=match):
        _run().simulate_tail_valid("v", lambda rng, size: rng.random(size), 64, analyse, cap)
