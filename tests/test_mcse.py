"""Monte Carlo standard errors of :mod:`claimkit.mcse` against closed forms and the bootstrap.

How the tolerances are derived
------------------------------
(a) *Repeated studies.* ``S = 2000`` independent simulation studies of ``R = 500`` replications
are drawn as one ``(S, R)`` array. For each performance measure we compare, on the log scale,

* ``sd_S`` -- the standard deviation of the ``S`` study-level estimates (the true sampling SD
  of the estimate, observed), whose relative standard error is ``sqrt((kurt - 1) / (4 (S - 1)))``
  with ``kurt`` the (sample) kurtosis of the study-level estimates;
* ``mcse_bar`` -- the mean of the ``S`` reported MCSEs, relative standard error
  ``sd(mcse) / (sqrt(S) mean(mcse))``;
* the closed-form MCSE for the known distribution (no error).

``|log(a / b)|`` must be at most ``Z_TOL * (se_a + se_b) + SLACK`` where ``se_a + se_b`` bounds
the standard deviation of ``log a - log b`` whatever their correlation, ``Z_TOL = z_{1 - 1e-4/2}``
(false alarm <= 1e-4 per comparison under normality of the log ratio) and ``SLACK = 3 / R``
absorbs the O(1/R) bias of the first-order MCSE formulas (e.g. ``E[S] = sigma (1 - 1/(4R))``).

(b) *Bootstrap.* For ``K`` independent studies of ``R`` replications we resample the
replications ``B`` times and compute the bootstrap SD of the measure; per study the log ratio
``log(boot SD / MCSE)`` combines bootstrap noise (relative SD about ``1 / sqrt(2B)``) and the
difference between the plug-in formula and the bootstrap. The studies are independent, so the
standard error of the mean log ratio is estimated by ``sd / sqrt(K)`` and the mean must lie
within ``t_{K-1, 1 - 1e-4/2}`` of those standard errors of 0, plus ``SLACK = 3 / R + 1 / B`` for
the O(1/R) differences between the ideal bootstrap (divisor ``R``) and the formulas and the
``1 / (4B)`` bias of a bootstrap SD.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from claimkit import mcse

SEED = 20261121  # the suite's default root seed; each test adds its own constant label
Z_TOL = float(stats.norm.isf(1e-4 / 2))
S, R = 2000, 500


def _rel_se_sd(values: np.ndarray) -> float:
    """Relative standard error of the sample SD of ``values`` (kurtosis-adjusted)."""
    kurt = float(stats.kurtosis(values, fisher=False))
    return math.sqrt(max(kurt - 1.0, 0.0) / (4.0 * (values.size - 1)))


def _check_repeats(est: mcse.Estimate, closed_form: float) -> None:
    """Across-study SD, mean reported MCSE and closed form agree within their MC error."""
    values, mcses = np.asarray(est.value), np.asarray(est.mcse)
    sd_s = float(values.std(ddof=1))
    se_sd = _rel_se_sd(values)
    m_bar = float(mcses.mean())
    se_m = float(mcses.std(ddof=1)) / (math.sqrt(mcses.size) * m_bar)
    slack = 3.0 / est.n_reps
    assert abs(math.log(sd_s / m_bar)) <= Z_TOL * (se_sd + se_m) + slack, (sd_s, m_bar)
    assert abs(math.log(m_bar / closed_form)) <= Z_TOL * se_m + slack, (m_bar, closed_form)
    assert abs(math.log(sd_s / closed_form)) <= Z_TOL * se_sd + slack, (sd_s, closed_form)


def _check_bootstrap(fn, data: tuple[np.ndarray, ...], rng: np.random.Generator,
                     n_boot: int = 400) -> None:
    """Bootstrap SD of the measure matches the reported MCSE, averaged over K studies."""
    k_studies, r = data[0].shape
    idx = rng.integers(0, r, size=(k_studies, n_boot, r))
    boot = [np.take_along_axis(d[:, None, :], idx, axis=2) for d in data]
    boot_sd = np.asarray(fn(*boot, axis=2).value).std(axis=1, ddof=1)
    reported = np.asarray(fn(*data, axis=1).mcse)
    log_ratio = np.log(boot_sd / reported)
    se = log_ratio.std(ddof=1) / math.sqrt(k_studies)
    tol = stats.t.isf(1e-4 / 2, k_studies - 1) * se + 3.0 / r + 1.0 / n_boot
    assert abs(log_ratio.mean()) <= tol, (log_ratio.mean(), tol)


# ------------------------------------------------------------------------------------------
# (a) closed forms and repeated studies
# ------------------------------------------------------------------------------------------

def test_mean_mcse_matches_repeated_studies():
    """MCSE of a mean of Exp(1) values equals 1/sqrt(R) and the across-study SD."""
    rng = np.random.default_rng([SEED, 1])
    x = rng.exponential(size=(S, R))
    _check_repeats(mcse.mean(x, axis=1), 1.0 / math.sqrt(R))


def test_bias_mcse_matches_repeated_studies():
    """MCSE of the bias of N(theta + 0.1, 2^2) estimates equals sigma/sqrt(R)."""
    rng = np.random.default_rng([SEED, 2])
    theta, sigma = 1.0, 2.0
    est = theta + 0.1 + sigma * rng.standard_normal((S, R))
    res = mcse.bias(est, theta, axis=1)
    _check_repeats(res, sigma / math.sqrt(R))
    assert abs(float(np.mean(res.value)) - 0.1) <= Z_TOL * sigma / math.sqrt(S * R)


def test_empirical_se_mcse_matches_repeated_studies():
    """MCSE of EmpSE for normal estimates equals sigma/sqrt(2(R-1))."""
    rng = np.random.default_rng([SEED, 3])
    sigma = 0.7
    est = sigma * rng.standard_normal((S, R))
    _check_repeats(mcse.empirical_se(est, axis=1), sigma / math.sqrt(2 * (R - 1)))


def test_mse_mcse_matches_repeated_studies():
    """MCSE of the MSE of N(theta + b, s^2) estimates equals sqrt((2 s^4 + 4 b^2 s^2) / R)."""
    rng = np.random.default_rng([SEED, 4])
    theta, b, sigma = -1.0, 0.3, 0.5
    est = theta + b + sigma * rng.standard_normal((S, R))
    closed = math.sqrt((2 * sigma ** 4 + 4 * b ** 2 * sigma ** 2) / R)
    _check_repeats(mcse.mse(est, theta, axis=1), closed)


def test_model_se_mcse_matches_repeated_studies():
    """MCSE of ModSE for se = sigma sqrt(chi2_nu / nu) equals sigma / sqrt(2 nu R)."""
    rng = np.random.default_rng([SEED, 5])
    sigma, nu = 1.5, 10
    se = sigma * np.sqrt(rng.chisquare(nu, size=(S, R)) / nu)
    _check_repeats(mcse.model_se(se, axis=1), sigma / math.sqrt(2 * nu * R))


@pytest.mark.parametrize("fn,p", [(mcse.coverage, 0.95), (mcse.rejection_rate, 0.05)])
def test_rate_mcse_matches_repeated_studies(fn, p):
    """MCSE of coverage / rejection rate equals sqrt(p(1-p)/R)."""
    rng = np.random.default_rng([SEED, 6, int(p * 100)])
    ind = rng.random((S, R)) < p
    _check_repeats(fn(ind, axis=1), math.sqrt(p * (1 - p) / R))


def test_variance_ratio_mcse_matches_repeated_studies():
    """MCSE of Var(a)/Var(b), bivariate normal corr c, equals 2 rho sqrt((1 - c^2) / R)."""
    rng = np.random.default_rng([SEED, 7])
    c, sa, sb = 0.8, 2.0, 1.0
    z1, z2 = rng.standard_normal((2, S, R))
    a = sa * z1
    b = sb * (c * z1 + math.sqrt(1 - c ** 2) * z2)
    rho = sa ** 2 / sb ** 2
    res = mcse.variance_ratio(a, b, axis=1)
    _check_repeats(res, 2 * rho * math.sqrt((1 - c ** 2) / R))


# ------------------------------------------------------------------------------------------
# (b) bootstrap of the replications
# ------------------------------------------------------------------------------------------

K_BOOT, R_BOOT = 40, 300


def test_bootstrap_mean_bias_mse():
    """Bootstrap SDs of mean, bias and MSE (skewed data) agree with the reported MCSEs."""
    rng = np.random.default_rng([SEED, 11])
    x = rng.gamma(2.0, size=(K_BOOT, R_BOOT))
    _check_bootstrap(mcse.mean, (x,), rng)
    _check_bootstrap(lambda e, axis: mcse.bias(e, 2.0, axis=axis), (x,), rng)
    _check_bootstrap(lambda e, axis: mcse.mse(e, 1.5, axis=axis), (x,), rng)


def test_bootstrap_empirical_se_and_model_se():
    """Bootstrap SDs of EmpSE (normal data) and ModSE agree with the reported MCSEs."""
    rng = np.random.default_rng([SEED, 12])
    _check_bootstrap(mcse.empirical_se, (rng.standard_normal((K_BOOT, R_BOOT)),), rng)
    se = np.sqrt(rng.chisquare(8, size=(K_BOOT, R_BOOT)) / 8)
    _check_bootstrap(mcse.model_se, (se,), rng)


def test_bootstrap_coverage():
    """Bootstrap SD of a coverage proportion agrees with sqrt(p(1-p)/R)."""
    rng = np.random.default_rng([SEED, 13])
    _check_bootstrap(mcse.coverage, (rng.random((K_BOOT, R_BOOT)) < 0.9,), rng)


def test_bootstrap_variance_ratio_non_normal():
    """Paired bootstrap of a variance ratio of skewed, correlated methods matches the delta MCSE."""
    rng = np.random.default_rng([SEED, 14])
    common = rng.exponential(size=(K_BOOT, R_BOOT))
    a = common + 0.5 * rng.standard_normal((K_BOOT, R_BOOT))
    b = 0.7 * common + rng.exponential(0.5, size=(K_BOOT, R_BOOT))
    _check_bootstrap(mcse.variance_ratio, (a, b), rng)


# ------------------------------------------------------------------------------------------
# exact relations, API and validation
# ------------------------------------------------------------------------------------------

def test_mse_decomposes_into_bias_and_variance():
    """MSE = bias^2 + (R-1)/R EmpSE^2 up to rounding."""
    rng = np.random.default_rng([SEED, 21])
    est = 3.0 + rng.standard_normal(1000)
    b, e, m = mcse.bias(est, 2.5), mcse.empirical_se(est), mcse.mse(est, 2.5)
    assert m.value == pytest.approx(b.value ** 2 + e.value ** 2 * 999 / 1000, rel=1e-12)


def test_one_dimensional_returns_floats_and_matches_numpy():
    """1-D input gives Python floats equal to the textbook formulas."""
    x = np.array([1.0, 2.0, 4.0, 7.0])
    res = mcse.mean(x)
    assert isinstance(res.value, float) and isinstance(res.mcse, float) and res.n_reps == 4
    assert res.value == 3.5
    assert res.mcse == pytest.approx(np.std(x, ddof=1) / 2.0, rel=1e-15)
    cov = mcse.coverage([True, False, True, True])
    assert cov.value == 0.75 and cov.mcse == pytest.approx(math.sqrt(0.75 * 0.25 / 4))


def test_axis_argument_reduces_any_axis():
    """axis selects the replication axis; trailing axes broadcast against theta."""
    rng = np.random.default_rng([SEED, 22])
    x = rng.standard_normal((3, 50, 4))
    res = mcse.bias(x, np.arange(4.0), axis=1)
    assert res.value.shape == (3, 4) and res.n_reps == 50
    np.testing.assert_allclose(res.value, x.mean(axis=1) - np.arange(4.0), rtol=1e-14)


def test_estimate_is_frozen_and_slotted():
    """Estimate is an immutable slotted dataclass."""
    est = mcse.mean([1.0, 2.0])
    assert not hasattr(est, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.value = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("call,match", [
    (lambda: mcse.mean([1.0]), "`x` must hold at least 2"),
    (lambda: mcse.mean([1.0, np.nan]), "`x` must contain only finite"),
    (lambda: mcse.mean(3.0), "`x` must have at least one dimension"),
    (lambda: mcse.mean(["a", "b"]), "`x` must be an array of real numbers"),
    (lambda: mcse.mean([1.0, 2.0], axis=2), "`axis` must be an integer"),
    (lambda: mcse.bias([1.0, np.inf], 0.0), "`estimates` must contain only finite"),
    (lambda: mcse.bias([1.0, 2.0], np.nan), "`theta` must be finite"),
    (lambda: mcse.mse([1.0, 2.0], "x"), "`theta` must be a real number"),
    (lambda: mcse.coverage([0, 1, 2]), "`covered` must contain only booleans"),
    (lambda: mcse.rejection_rate([True]), "`rejected` must hold at least 2"),
    (lambda: mcse.model_se([-1.0, 1.0]), "`se` must contain only non-negative"),
    (lambda: mcse.variance_ratio([1.0, 2.0], [1.0, 2.0, 3.0]), "`b` must have the same shape"),
    (lambda: mcse.variance_ratio([1.0, 2.0], [1.0, 1.0]), "`b` must have positive variance"),
])
def test_validation_messages(call, match):
    """Invalid inputs raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()
