"""claimkit.sweep and ClaimRun.sweep: one seeded run per grid point, cited together."""

from __future__ import annotations

import numpy as np
import pytest

from claimkit import Sweep, run_sweep
from claimkit.evidence import Decision
from claimkit.plugin.context import ClaimRun


def _run() -> ClaimRun:
    return ClaimRun(claim="EX-01", test_name="t", case="", case_params={}, root_seed=7,
                    scale="standard")


def _kernel(n):
    return lambda rng, size: rng.normal(size=(size, n)).mean(axis=1)


def test_each_point_is_the_run_simulate_gives_it():
    """A sweep point has the numbers of mc.simulate on the same label and n: the rest of the
    grid does not change it."""
    mc = _run()
    sweep = mc.sweep("means", (4, 16), _kernel, 512)
    alone = mc.simulate("means", _kernel(16), 512, min_reps=512, n=16)
    np.testing.assert_array_equal(sweep[16].stats, alone.stats)
    assert sweep.grid == (4, 16) and sweep.n_reps == [512, 512] and sweep.last is sweep[16]
    assert [n for n, _ in sweep] == [4, 16]


def test_record_reads_seed_and_time_from_the_evidence():
    """record(evidence=sweep) cites every grid point's seed and sums their times."""
    mc = _run()
    sweep = mc.sweep("means", (4, 16), _kernel, 512)
    check = mc.record("c", Decision("pass", "exact", "r", 0.0), evidence=sweep)
    assert check.seed["sweep"] == "n" and [p["n"] for p in check.seed["points"]] == [4, 16]
    assert check.seconds == pytest.approx(sweep.seconds)
    one = mc.record("d", Decision("pass", "exact", "r", 0.0), evidence=sweep[4])
    assert one.seed == sweep[4].seed
    with pytest.raises(ValueError, match="`evidence`"):
        mc.record("e", Decision("pass", "exact", "r", 0.0), evidence=object())


@pytest.mark.parametrize(("grid", "param", "match"), [
    ((), "n", "`grid`"), ((4, 4), "n", "`grid`"), ((4,), "not an id", "`param`")])
def test_invalid_sweeps_name_the_parameter(grid, param, match):
    """Empty or repeating grids and a non-identifier parameter are refused."""
    with pytest.raises(ValueError, match=match):
        run_sweep(_run().simulate, "x", grid, _kernel, 64, param=param)


def test_sweep_lookup_by_value():
    """Indexing is by grid value; a value off the grid is a KeyError naming it."""
    sweep = _run().sweep("means", (4, 16), _kernel, 64)
    assert isinstance(sweep, Sweep)
    with pytest.raises(KeyError, match="8"):
        sweep[8]
    with pytest.raises(ValueError, match="`runs`"):
        Sweep(param="n", grid=(1, 2), runs=(sweep[4],))
