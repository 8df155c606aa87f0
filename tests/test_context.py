"""The `mc` fixture object: stream keys, scaling and evidence recording."""

import numpy as np
import pytest

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
