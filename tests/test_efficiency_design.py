"""REG-04's Monte Carlo confirmations per scale (claims/test_regression_losses.py,
``efficiency_design``): the standard count is the module's constant; smoke takes an eighth,
α unchanged, and the figures its derivation rests on hold."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from scipy import special

from claimkit.budget import CHECK_ALPHA
from claimkit.normal_tails import reps_for_normal_tail
from claims import test_regression_losses as reg

#: Power 0.99 of a two-sided z-test at the checks' α: the control's z must reach this.
Z_POWER = float(special.ndtri(1 - CHECK_ALPHA / 2) + special.ndtri(0.99))


def test_standard_and_full_use_the_standard_count():
    for scale in ("standard", "full"):
        assert reg.efficiency_design(scale) == (reg.EFFICIENCY_REPS, {})


def test_smoke_takes_an_eighth_and_says_why():
    reps, record = reg.efficiency_design("smoke")
    assert reps * 8 == reg.EFFICIENCY_REPS == reps * reg.SMOKE_DIVISOR
    design = record["design"]
    assert design["replications_divisor"] == 8
    assert "REG-04" in design["why"] and "α unchanged" in design["why"]


def test_limit_law_of_the_terms_has_kurtosis_six_whatever_the_correlation():
    """u − v = (Z₁ − Z₂)(Z₁ + Z₂), a product of independent centred normals: E[(XY)⁴] /
    E[(XY)²]² = 3·3 = 9, excess kurtosis 6, odd moments 0 — exactly, for every variance pair."""
    for var_x, var_y in ((Fraction(2, 5), Fraction(18, 5)), (Fraction(1), Fraction(3))):
        m2 = var_x * var_y
        m4 = (3 * var_x ** 2) * (3 * var_y ** 2)
        assert m4 / m2 ** 2 - 3 == 6


def test_smoke_count_accepts_the_observed_moments_and_the_cap_far_more():
    """The standard runs' sample moments (|γ| ≤ 0.37, κ ≤ 8.04) are accepted at smoke's count;
    the limit law's (0, 6) with room; the cap accepts |γ| = 1 with κ = 700."""
    reps, _ = reg.efficiency_design("smoke")
    assert reps_for_normal_tail(0.37, 8.04, CHECK_ALPHA) <= reps
    assert 2 * reps_for_normal_tail(0.0, 6.0, CHECK_ALPHA) <= reps
    assert reps_for_normal_tail(1.0, 700.0, CHECK_ALPHA) <= reg.EFFICIENCY_REPS_CAP


def test_smoke_keeps_the_control_rejected_with_power():
    """The control (ratio 1) lies 33–43 MCSE from the truth at standard (its nearest 33.0);
    an eighth of the replications divides that by √8 and it still exceeds Z_POWER."""
    assert 33.0 / math.sqrt(reg.SMOKE_DIVISOR) > Z_POWER


def test_bad_scale_is_named():
    with pytest.raises(ValueError, match="`scale`"):
        reg.efficiency_design("quick")
