"""GEN-02's recovery sweep per scale (claims/test_hmm.py, ``RecoveryDesign``): the standard
design is the module's constants; smoke halves every replication count, widens the slope
margin by √2 and keeps the near-margin control two margins away, α unchanged."""

from __future__ import annotations

import math

import pytest
from scipy import special

from claimkit.budget import CHECK_ALPHA
from claims import test_hmm as gen

#: SE(slope) of the recovery sweep at the standard design (module docstring's design pilot).
STANDARD_SLOPE_SE = 0.0082


def test_standard_design_is_the_module_constants():
    for scale in ("standard", "full"):
        d = gen.recovery_design(scale)
        assert d.divisor == 1 and d.record() == {}
        assert [d.reps(t) for t in gen.T_GRID] == [gen.reps_for(t) for t in gen.T_GRID]
        assert d.margin == gen.SLOPE_MARGIN
        assert d.near_miss_rate == gen.RATE + 2 * gen.SLOPE_MARGIN


def test_smoke_halves_every_count_and_widens_the_margin():
    d = gen.recovery_design("smoke")
    assert [2 * d.reps(t) for t in gen.T_GRID] == [gen.reps_for(t) for t in gen.T_GRID]
    assert d.margin == pytest.approx(gen.SLOPE_MARGIN * math.sqrt(2), rel=1e-15)
    assert d.near_miss_rate == pytest.approx(-0.2172, abs=1e-4)
    rec = d.record()["design"]
    assert rec["replications_divisor"] == 2 and "GEN-02" in rec["why"]
    assert rec["slope_margin"] == d.margin and rec["near_miss_rate"] == d.near_miss_rate


@pytest.mark.parametrize("bend", [0.0, 0.01, 0.02])
def test_smoke_keeps_the_claim_as_far_inside_its_band(bend):
    """Every point's MCSE grows by √2, so SE(slope) does; a slope bent by ``bend`` (≤ 0.02, the
    design pilot's bound) stays at least as many SEs inside the band as at standard."""
    d = gen.recovery_design("smoke")
    z = special.ndtri(1 - CHECK_ALPHA)
    at_standard = (gen.SLOPE_MARGIN - bend) / STANDARD_SLOPE_SE - z
    at_smoke = (d.margin - bend) / (STANDARD_SLOPE_SE * math.sqrt(2)) - z
    assert at_smoke >= at_standard - 1e-12 > 5.0


def test_the_near_margin_control_keeps_its_distance_in_se():
    """The control's band starts one margin from the true rate −1/2: margin/SE(slope) = 12.2
    at either scale, above z_{1−α} + z_{0.99} = 7.1 (rejected with P ≥ 0.99)."""
    needed = special.ndtri(1 - CHECK_ALPHA) + special.ndtri(0.99)
    for scale, se in (("standard", STANDARD_SLOPE_SE),
                      ("smoke", STANDARD_SLOPE_SE * math.sqrt(2))):
        d = gen.recovery_design(scale)
        beyond = (d.near_miss_rate - d.margin) - gen.RATE
        assert beyond / se == pytest.approx(12.2, abs=0.05) and beyond / se > needed


@pytest.mark.parametrize("call, message", [
    (lambda: gen.recovery_design("quick"), r"^`scale` must be one of"),
    (lambda: gen.RecoveryDesign(0), r"^`divisor` must be an integer >= 1 dividing"),
    (lambda: gen.RecoveryDesign(3), r"^`divisor` must be an integer >= 1 dividing"),
    (lambda: gen.RecoveryDesign(2.0), r"^`divisor` must be an integer >= 1 dividing"),
    (lambda: gen.RecoveryDesign(True), r"^`divisor` must be an integer >= 1 dividing"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
