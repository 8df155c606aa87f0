"""The slow MLE reference of the ASY claims: BFGS on a model's raw log-likelihood, certified."""

from __future__ import annotations

import numpy as np
import pytest

from simulations import reference_fits as ref
from simulations.models import Exponential, Gamma, Normal


def test_bfgs_reference_agrees_with_the_closed_form_within_its_bound():
    """For the normal model the certified BFGS optimum is within its bound of (x̄, σ̂²)."""
    model = Normal(mu=1.0, sigma2=4.0)
    data = model.draw(np.random.default_rng(np.random.SeedSequence(1)), 1, 500)
    fit = ref.model_mle_bfgs(model, data, model.theta)
    exact = model.mle(data)[0]
    assert np.max(np.abs(fit.coef - exact)) <= fit.error_bound
    assert fit.error_bound < 1e-6


def test_certificate_is_small_at_the_mle_and_large_away_from_it():
    """The certified distance is tiny at the MLE and about the true distance away from it."""
    model = Gamma(shape=2.0, rate=1.5)
    data = model.draw(np.random.default_rng(np.random.SeedSequence(2)), 1, 800)
    mle = model.mle(data)[0]
    at, lam = ref.mle_certificate(model, data, mle)
    away, _ = ref.mle_certificate(model, data, mle + np.array([0.05, 0.0]))
    assert lam > 0 and at < 1e-8 and away > 0.02


def test_an_estimator_off_by_o_1_over_n_is_caught():
    """An estimator O(1/n) away from the MLE (n/(n−1) times it) has a certificate far above
    STATIONARY_SE standard errors, so the ASY reference check fails it; the MLE passes."""
    from claims.test_asymptotics import N_MAX, STATIONARY_SE
    model = Exponential(rate=2.0)
    n = N_MAX
    data = model.draw(np.random.default_rng(np.random.SeedSequence(3)), 1, n)
    se = float(np.sqrt(model.inverse_information()[0, 0] / n))
    off = model.mle(data)[0] * n / (n - 1)
    assert ref.mle_certificate(model, data, off)[0] > STATIONARY_SE * se
    assert ref.mle_certificate(model, data, model.mle(data)[0])[0] < STATIONARY_SE * se


@pytest.mark.parametrize("call, match", [
    (lambda m, d: ref.model_mle_bfgs(m, d[:2] if not isinstance(d, tuple) else d, m.theta),
     "`data`"),
    (lambda m, d: ref.model_mle_bfgs(m, d[:1], [np.nan, 1.0]), "`start`"),
    (lambda m, d: ref.mle_certificate(m, d[:1], np.ones((2, 2))), "`theta`"),
])
def test_reference_validates_input(call, match):
    """Bad input raises ValueError naming the parameter."""
    model = Normal(mu=0.0, sigma2=1.0)
    data = model.draw(np.random.default_rng(0), 3, 20)
    with pytest.raises(ValueError, match=match):
        call(model, data)
