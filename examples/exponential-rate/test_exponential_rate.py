"""Checks of notes.md (the exponential rate), written against claimkit's public API only.

Each test records checks on the ``mc`` fixture; the verdict of each claim follows from the
kit's verdict table. Replication counts are derived before any data is seen: a z-test's
normal approximation at α is checked by the second-order Edgeworth criterion with the exact
skewness and kurtosis of the averaged statistic where they are known (λ̂ and (n − 1)/Σx are
inverse-Gamma), from the sample otherwise; where it fails the check is inconclusive, never a
pass.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from claimkit import decisions, line_figure, series
from claimkit.normal_tails import reps_for_normal_tail, sample_shape

RATE = 2.0
#: Sample sizes of the bias checks (λ̂ has a finite fourth moment for n > 4).
BIAS_N = (10, 40)
#: Sample sizes of the variance checks.
VAR_N = (50, 200, 800)
#: Replications of the variance checks (about 0.5 % relative MCSE of n·Var at n = 50).
VAR_REPS = 65536


def _sums(n: int):
    """Kernel: Σx of ``size`` samples of n exponential draws (the sufficient statistic)."""
    def kernel(rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(1.0 / RATE, size=(size, n)).sum(axis=1)
    return kernel


def _inverse_gamma_shape(n: int) -> tuple[float, float]:
    """Exact skewness and excess kurtosis of c/Σx, Σx ~ Gamma(n, rate λ) (scale-free)."""
    skew, kurt = stats.invgamma(a=n).stats(moments="sk")
    return float(skew), float(kurt)


@pytest.mark.claim("EXP-01")
def test_mle_is_reciprocal_mean(mc):
    """Score zero, curvature negative and scipy's fit equal at λ̂ = n/Σx, on random samples."""
    rng = mc.rng("samples")
    x = rng.exponential(1.0 / RATE, size=(200, 25))
    lam = x.shape[1] / x.sum(axis=1)
    score = x.shape[1] / lam - x.sum(axis=1)
    tol = decisions.eps_tolerance(np.float64, ops=4 * x.shape[1])
    mc.record("the score n/λ − Σx vanishes at λ̂ = n/Σx",
              decisions.exact_close(score / x.sum(axis=1), 0.0, rtol=0.0, atol=tol,
                                    n_inputs=len(lam)))
    mc.record("the second derivative −n/λ² is negative at λ̂",
              decisions.exact_close(np.minimum(-x.shape[1] / lam ** 2, 0.0),
                                    -x.shape[1] / lam ** 2, rtol=0.0, atol=0.0,
                                    n_inputs=len(lam)))
    fitted = np.array([1.0 / stats.expon.fit(row, floc=0)[1] for row in x])
    mc.record("scipy.stats.expon.fit(x, floc=0) gives rate 1/x̄",
              decisions.exact_close(fitted, lam, rtol=tol), note="scipy's scale is x̄.")


def _mean_checks(mc, label: str, n: int, factor: float, targets: tuple[float, ...]):
    """z-tests of E[factor/Σx] = each target on one run, with replications derived from the
    exact shape of factor/Σx."""
    skew, kurt = _inverse_gamma_shape(n)
    reps = max(4096, reps_for_normal_tail(skew, kurt, mc.alpha))
    run = mc.simulate(label, _sums(n), reps, min_reps=reps, n=n)
    values = factor / run.stats
    est, se = float(values.mean()), float(values.std(ddof=1) / np.sqrt(reps))
    return [decisions.z_test(est, se, t, alpha=mc.alpha, n_reps=reps, skewness=skew,
                             kurtosis=kurt) for t in targets], run


@pytest.mark.claim("EXP-02")
@pytest.mark.parametrize("n", BIAS_N)
def test_mle_is_biased(mc, n):
    """E[λ̂] = nλ/(n − 1); the claim of unbiasedness is rejected by the same rule."""
    (dec, control), run = _mean_checks(mc, "mle", n, n, (n * RATE / (n - 1), RATE))
    mc.record(f"n = {n}: E[λ̂] = nλ/(n − 1) = {n * RATE / (n - 1):.4g}", dec, evidence=run)
    mc.record(f"control: n = {n}: E[λ̂] = λ (unbiased)", control, role="control",
              evidence=run, seconds=0.0,
              note=f"The bias λ/(n − 1) = {RATE / (n - 1):.3g} is "
                   f"{RATE / (n - 1) / control.delta:.1f} detectable deviations.")


@pytest.mark.claim("EXP-03")
@pytest.mark.parametrize("n", BIAS_N)
def test_corrected_estimator_is_unbiased(mc, n):
    """E[(n − 1)/Σx] = λ."""
    (dec,), run = _mean_checks(mc, "corrected", n, n - 1, (RATE,))
    mc.record(f"n = {n}: E[(n − 1)/Σx] = λ = {RATE:g}", dec, evidence=run)


@pytest.mark.claim("EXP-04")
def test_asymptotic_variance(mc):
    """n·Var(λ̂) is its exact finite-n value at every n (→ λ²), and not the note's λ."""
    sweep = mc.sweep("variance", VAR_N, _sums, VAR_REPS)
    measured, lo, hi = [], [], []
    for n, run in sweep:
        lam = n / run.stats
        mean_n = n * RATE / (n - 1)  # exact E[λ̂]: the terms below average to n·Var exactly
        psi = n * (lam - mean_n) ** 2
        est, se = float(psi.mean()), float(psi.std(ddof=1) / np.sqrt(run.n_reps))
        skew, kurt = sample_shape(psi)
        exact = n ** 3 * RATE ** 2 / ((n - 1) ** 2 * (n - 2))
        dec = decisions.z_test(est, se, exact, alpha=mc.alpha, n_reps=run.n_reps,
                               skewness=skew, kurtosis=kurt)
        measured.append(est)
        lo.append(dec.ci[0])
        hi.append(dec.ci[1])
        mc.record(f"corrected: n = {n}: n·Var(λ̂) = n³λ²/((n−1)²(n−2)) = {exact:.4g}", dec,
                  role="corrected", evidence=run)
        literal = decisions.z_test(est, se, RATE, alpha=mc.alpha, n_reps=run.n_reps,
                                   skewness=skew, kurtosis=kurt)
        mc.record(f"as written: n = {n}: n·Var(λ̂) ≈ λ = {RATE:g}", literal, role="refuted",
                  evidence=run, seconds=0.0)
    mc.attach_figure(line_figure(
        "n·Var(λ̂) against n (λ = 2)", "n", "n·Var(λ̂)",
        [series("Monte Carlo (band: 1 − α interval)", VAR_N, measured, lo, hi)],
        reference=[series("exact n³λ²/((n−1)²(n−2)) → λ²", VAR_N,
                          [n ** 3 * RATE ** 2 / ((n - 1) ** 2 * (n - 2)) for n in VAR_N]),
                   series("the note: λ", VAR_N, [RATE] * len(VAR_N))],
        xscale="log"))
