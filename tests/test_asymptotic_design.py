"""ASY-02's design per scale (claims/test_asymptotics.py, ``Design``): the smoke design keeps
every check's α, widens each margin as its derivation requires, and keeps each control where
the same rule still rejects it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from claimkit import decisions
from claimkit.budget import CHECK_ALPHA
from claims import test_asymptotics as asy


def test_standard_design_is_the_module_constants():
    """Standard and full run the constants the module docstring derives (numbers unchanged)."""
    for scale in ("standard", "full"):
        d = asy.design_for(scale)
        assert d is asy.STANDARD_DESIGN
    d = asy.STANDARD_DESIGN
    assert (d.r_exact_law, d.r_coverage) == (asy.R_EXACT_LAW, asy.R_COVERAGE)
    assert (d.ks_margin, d.coverage_margin) == (asy.KS_MARGIN, asy.COVERAGE_MARGIN)
    assert d.control_variance_factor == asy.CONTROL_VARIANCE_FACTOR
    assert d.control_z == pytest.approx(stats.norm.ppf(0.95), abs=1e-15)


def test_scaled_design_of_one_rederives_the_standard_design():
    """The smoke derivation at divisor 1 reproduces the standard margins and controls: the
    formulas of scaled_design are the ones the standard constants came from."""
    d, std = asy.scaled_design(1), asy.STANDARD_DESIGN
    assert (d.r_exact_law, d.r_coverage) == (std.r_exact_law, std.r_coverage)
    for field in ("ks_margin", "coverage_margin", "control_level", "control_z",
                  "control_variance_factor"):
        assert getattr(d, field) == pytest.approx(getattr(std, field), rel=1e-9), field


def test_smoke_design_divides_replications_and_widens_margins():
    d = asy.design_for("smoke")
    assert d.r_coverage * asy.SMOKE_DIVISOR == asy.R_COVERAGE
    assert d.r_exact_law * asy.SMOKE_DIVISOR == asy.R_EXACT_LAW
    assert 0.17 < d.ks_margin < 0.18 and 0.049 < d.coverage_margin < 0.051
    assert 0.80 < d.control_level < 0.85 and 3.0 < d.control_variance_factor < 3.5


@pytest.mark.parametrize("scale", ["standard", "smoke"])
def test_a_true_limit_passes_with_probability_at_least_one_minus_alpha(scale):
    """The margins leave room for the allowances and the rules' bands at the design's R:
    Kolmogorov: allowance 0.0579 + 2 DKW radii at α; coverage: allowance 0.0035 +
    (z_{1−α} + z_{1−α/2}) sd at 0.95."""
    d = asy.design_for(scale)
    assert 0.0579 + 2 * decisions.dkw_radius(CHECK_ALPHA, d.r_coverage) <= d.ks_margin
    sd = math.sqrt(0.95 * 0.05 / d.r_coverage)
    z2 = special.ndtri(1 - CHECK_ALPHA) + special.ndtri(1 - CHECK_ALPHA / 2)
    assert 0.0035 + z2 * sd <= d.coverage_margin


@pytest.mark.parametrize("scale", ["standard", "smoke"])
def test_the_controls_are_rejected_at_the_design(scale):
    """The coverage rule rejects the gross control with P >= 0.99; the exact-law DKW rule's
    near-margin control sits more than one δ (1.45 δ) from the truth at either scale."""
    d = asy.design_for(scale)
    sd = math.sqrt(d.control_level * (1 - d.control_level) / d.r_coverage)
    room = (0.95 - d.control_level) - d.coverage_margin
    assert room >= (special.ndtri(1 - CHECK_ALPHA / 2) + special.ndtri(0.99)) * sd
    units = asy.normal_variance_distance(d.control_variance_factor) / decisions.dkw_delta(
        CHECK_ALPHA, d.r_exact_law)
    assert units == pytest.approx(1.446, abs=0.01)


def test_the_smoke_controls_are_rejected_by_the_rules_themselves():
    """Simulated at the smoke design: the 82 % interval's coverage and N(0, f) draws go
    through binomial_rate and dkw_kolmogorov and are rejected (fail)."""
    d = asy.design_for("smoke")
    rng = np.random.default_rng(np.random.SeedSequence(20261204))
    covered = int(rng.binomial(d.r_coverage, d.control_level))
    assert decisions.binomial_rate(covered, d.r_coverage, 0.95, alpha=CHECK_ALPHA,
                                   margin=d.coverage_margin).outcome == "fail"
    z = rng.standard_normal(d.r_exact_law) * math.sqrt(d.control_variance_factor)
    assert decisions.dkw_kolmogorov(z, special.ndtr, alpha=CHECK_ALPHA).outcome == "fail"


def test_normal_variance_distance_is_the_supremum():
    x = np.linspace(0.0, 12.0, 400_001)
    for f in (1.5, 3.24, 10.0):
        brute = float(np.max(special.ndtr(x) - special.ndtr(x / math.sqrt(f))))
        assert asy.normal_variance_distance(f) == pytest.approx(brute, abs=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: asy.design_for("quick"), r"^`scale` must be one of"),
    (lambda: asy.scaled_design(0), r"^`divisor` must be an integer >= 1"),
    (lambda: asy.scaled_design(2.0), r"^`divisor` must be an integer >= 1"),
    (lambda: asy.normal_variance_distance(1.0), r"^`factor` must be greater than 1"),
    (lambda: decisions.dkw_radius(0.0, 10), r"^`alpha` must lie in"),
    (lambda: decisions.dkw_radius(0.05, 0), r"^`reps` must be an integer >= 1"),
    (lambda: decisions.dkw_delta(1.5, 10), r"^`alpha` must lie in"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_checks_record_says_why_its_replications_are_fewer():
    """Standard checks' params are unchanged; smoke checks carry the design and its reason."""
    assert asy.STANDARD_DESIGN.record() == {}
    rec = asy.design_for("smoke").record()["design"]
    assert rec["replications_divisor"] == 8 and "smoke" in rec["why"]
    assert rec["ks_margin"] == asy.design_for("smoke").ks_margin


def test_dkw_delta_is_the_rules_delta():
    sample = np.random.default_rng(np.random.SeedSequence(3)).standard_normal(777)
    dec = decisions.dkw_kolmogorov(sample, special.ndtr, alpha=CHECK_ALPHA)
    assert dec.delta == decisions.dkw_delta(CHECK_ALPHA, 777)
