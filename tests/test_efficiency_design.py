"""REG-04's Monte Carlo confirmations per scale (claims/test_regression_losses.py,
``efficiency_design``): the standard count is the module's constant; smoke takes an eighth,
α unchanged, and the figures its derivation rests on hold."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from claimkit.budget import CHECK_ALPHA
from claimkit.normal_tails import reps_for_normal_tail
from claims import test_regression_losses as reg

#: Power 0.99 of a two-sided z-test at the checks' α: the control's z must reach this.
Z_POWER = float(special.ndtri(1 - CHECK_ALPHA / 2) + special.ndtri(0.99))
#: The design pilot (efficiency_design's docstring): the standard run's largest sample
#: moments of the terms and the nearest control's z.
PILOT_SKEWNESS, PILOT_KURTOSIS, PILOT_CONTROL_Z = 0.37, 8.04, 33.0


def test_standard_and_full_use_the_standard_count():
    for scale in ("standard", "full"):
        assert reg.efficiency_design(scale) == (reg.EFFICIENCY_REPS, {})


def test_smoke_takes_an_eighth_and_says_why():
    reps, record = reg.efficiency_design("smoke")
    assert reps * 8 == reg.EFFICIENCY_REPS == reps * reg.SMOKE_DIVISOR
    design = record["design"]
    assert design["replications_divisor"] == 8
    assert "REG-04" in design["why"] and "α unchanged" in design["why"]


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.8, 0.95])
def test_limit_law_of_the_terms_has_kurtosis_six_whatever_the_correlation(rho):
    """u − v = Z₁² − Z₂² for jointly normal standardised (Z₁, Z₂) with correlation ρ: skewness
    0 and excess kurtosis 6, by Gauss–Hermite quadrature (exact for these polynomials)."""
    x, w = np.polynomial.hermite_e.hermegauss(8)
    w = w / w.sum()
    a, b = np.meshgrid(x, x, indexing="ij")
    z1, z2 = a, rho * a + math.sqrt(1 - rho ** 2) * b
    d, p = z1 ** 2 - z2 ** 2, np.outer(w, w)
    m1, m2 = (p * d).sum(), (p * d ** 2).sum()
    assert m1 == pytest.approx(0.0, abs=1e-12)
    assert (p * d ** 3).sum() / m2 ** 1.5 == pytest.approx(0.0, abs=1e-9)
    assert (p * d ** 4).sum() / m2 ** 2 - 3 == pytest.approx(6.0, rel=1e-12)


def test_smoke_count_accepts_the_observed_moments_and_the_cap_far_more():
    """The standard runs' sample moments (|γ| ≤ 0.37, κ ≤ 8.04) are accepted at smoke's count;
    the limit law's (0, 6) with room; the cap accepts |γ| = 1 with κ = 680."""
    reps, _ = reg.efficiency_design("smoke")
    assert reps_for_normal_tail(PILOT_SKEWNESS, PILOT_KURTOSIS, CHECK_ALPHA) <= reps
    assert 2 * reps_for_normal_tail(0.0, 6.0, CHECK_ALPHA) <= reps
    assert reps_for_normal_tail(1.0, 680.0, CHECK_ALPHA) <= reg.EFFICIENCY_REPS_CAP


def test_smoke_keeps_the_control_rejected_with_power():
    """The control (ratio 1) lies 33–43 MCSE from the truth at standard (its nearest 33.0);
    an eighth of the replications divides that by √8 and it still exceeds Z_POWER."""
    assert PILOT_CONTROL_Z / math.sqrt(reg.SMOKE_DIVISOR) > Z_POWER


def test_bad_scale_is_named():
    with pytest.raises(ValueError, match="`scale`"):
        reg.efficiency_design("quick")
