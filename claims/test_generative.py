"""GEN — generative models: maximum likelihood trains Gaussian mixtures (GEN-01).

Document 000 (§應用場景 3) says maximum likelihood trains generative models such as Gaussian
mixtures and HMMs. For a two-component univariate Gaussian mixture the suite checks

* EM never decreases the log-likelihood, at every step of every replication (exact, up to
  float64 rounding of the two log-likelihoods compared);
* the EM estimate (with a variance floor) recovers *every* parameter at the rate
  ``n^(-1/2)``: for the mixing weights, the component means and the component standard
  deviations alike, the slope of log RMSE on log n equals -1/2 within a margin;
* the *unconstrained* likelihood is unbounded: a component centred on one data point whose
  standard deviation ``sigma -> 0`` drives ``l`` to infinity like ``-log sigma`` (Kiefer &
  Wolfowitz 1956; Day 1969), so "the MLE" exists only under a constraint such as
  ``sigma >= sigma_min`` (the condition the document omits);
* negative control: a wrong estimator (a single Gaussian fitted by ML, components read off as
  ``x̄ ∓ s``) converges to the wrong values, its RMSE does not fall like ``n^(-1/2)`` and the
  same slope rule rejects it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from claimkit import decisions, mcse
from simulations.mixtures import fit_em, mixture_loglik, sample_mixture

CLAIM = "GEN-01"

#: The true mixture: well separated (means 6 sds apart, so that n = 100 is already in the
#: n^(-1/2) regime), with unequal weights (a symmetric design is a special case).
WEIGHTS = (0.4, 0.6)
MEANS = (-3.0, 3.0)
SDS = (1.0, 1.0)

#: Sample sizes of the rate check: a factor 16 in n (log n spans 2.77).
N_GRID = (100, 200, 400, 800, 1600)
#: Replications per sample size at the standard scale.
BASE_REPS = 2048
#: Floor at smaller scales, set by the hardest of the three rate checks, the weights: the
#: squared error of a weight is a scaled chi^2_1 (relative variance 2, against about 1 for the
#: means and sds, which average two components), so its log-RMSE MCSE is sqrt(1/(2R)) and the
#: slope SE is that over sqrt(Sxx) = 2.19 (five points log 2 apart). At R = 1024 this is 0.010,
#: the 1 - 1e-6 interval half-width 0.048: with the second-order bend (< 0.02, see
#: SLOPE_MARGIN) the interval stays inside the band unless the slope estimate is off by more
#: than 3 SE. (R = 512 gives a half-width of 0.068, leaving < 2 SE: too often inconclusive.)
MIN_REPS = 1024

#: Claimed rate of the RMSE of every parameter (weights, means, standard deviations).
RATE = -0.5
#: Equivalence margin of the slope of log RMSE on log n, the same for all three parameter
#: groups. The claim is "RMSE ∝ n^(-1/2)"; rates n^(-1/3) (slope -0.33) or n^(-2/3) (-0.67)
#: must fall outside the band, so the margin is below 1/6. It must also absorb the O(1/n)
#: second-order terms: if MSE = (A/n)(1 + c/n + ...), the least-squares slope of log RMSE over
#: this grid moves by -0.0016 c (slope of 1/(2n) on log n over n = 100..1600). With known
#: labels (N_k ~ Bin(n, w_k) points in component k):
#:   * weights: MSE = w(1 - w)/n exactly, c = 0;
#:   * means: MSE = σ² E[1/N_k] = σ²/(n w_k) (1 + (1 - w_k)/(n w_k) + ...), c ≈ 1.2 averaged
#:     over the two components (bend 0.002);
#:   * sds (ddof 0, the M-step's): MSE = σ²/(2 n w_k) (1 + c/n), c ≈ 3.2 from the exact chi
#:     moments averaged over N_k (bend 0.005).
#: EM with unknown labels adds overlap terms, small with components 6 sds apart; a design
#: pilot on an independent generator (np.random.default_rng(8675309), 4000 fits per n, not
#: the suite's stream) gave EM/known-labels MSE ratios at n = 100 and 1600 of 1.01/1.00
#: (weights), 1.05/1.04 (means) and 1.19/1.10 (sds), i.e. bends of at most ~0.015. So the
#: systematic part is below 0.02 for every parameter; 0.1 leaves >= 0.08 for the Monte Carlo
#: interval (half-width ≈ 0.048 for the weights, 0.035 for means and sds, at MIN_REPS).
SLOPE_MARGIN = 0.1
#: Near-margin control: the same rule on the means' RMSEs against a false rate n^(−0.3), i.e. a
#: target two margins from the truth: the control lies one margin beyond the band edge, about
#: 2–4 δ (δ = λ·SE(slope) ≈ 0.03–0.05 at the standard scale).
NEAR_MISS_RATE = RATE + 2 * SLOPE_MARGIN

#: Rounding allowance of one EM step l_{t+1} - l_t: each log-likelihood is a sum of n terms
#: (all negative here: with every sigma_k > 1/sqrt(2π) ≈ 0.4 every density is below 1, so
#: sum |terms| = |l|), so its float64 error is at most about n * eps * |l| (Higham 2002,
#: §4.2); two of them are compared.
ASCENT_TERMS = 2

#: Collapse demonstration: data sets and their size.
COLLAPSE_SETS = 16
COLLAPSE_N = 200
#: Standard deviations of the collapsing component, down to the float64 range (1e-300).
COLLAPSE_SIGMAS = tuple(10.0 ** -k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 300))
#: For sigma <= 1e-20 the other terms of l(θ_σ) + log σ differ from their limit by O(σ),
#: far below float64 resolution: the identity l = C - log σ holds to rounding error.
IDENTITY_MAX_SIGMA = 1e-20


@dataclass(frozen=True, slots=True)
class RateRun:
    """Monte Carlo results at one sample size (per-replication columns, see ``_STATS``)."""

    n: int
    stats: np.ndarray
    seed: dict
    seconds: float


# per-replication statistics returned by the recovery kernel
_STATS = ("se2_means", "se2_weights", "se2_sds", "se2_wrong", "ascent_ratio", "violations",
          "converged", "iterations", "max_decrease", "breakdowns")


def _ascent_tolerance(trace: np.ndarray, n: int) -> np.ndarray:
    """Per-replication rounding allowance of one log-likelihood step (see ASCENT_TERMS)."""
    rel = decisions.eps_tolerance(np.float64, ops=n)
    return ASCENT_TERMS * rel * np.nanmax(np.abs(trace), axis=1)


def _recovery_kernel(n: int):
    """Kernel: draw ``size`` data sets of size ``n``, fit EM and the wrong estimator.

    Squared errors are averaged over the two components (per replication); for the weights
    both components carry the same error, since w_2 = 1 - w_1.
    """
    truth = np.asarray(MEANS)
    true_w, true_sd = np.asarray(WEIGHTS), np.asarray(SDS)

    def kernel(rng: np.random.Generator, size: int) -> np.ndarray:
        x = sample_mixture(rng, size, n, WEIGHTS, MEANS, SDS)
        fit = fit_em(x)
        trace = fit.loglik_trace
        # Columns past a replication's last iteration are padding (NaN by construction); a
        # non-finite value *within* its iterations is a numerical breakdown: its steps' drops
        # stay NaN, so the ascent check reads it as inconclusive, never as an ascent.
        ran = np.arange(trace.shape[1])[None, :] <= fit.iterations[:, None]
        breakdowns = np.count_nonzero(ran & ~np.isfinite(trace), axis=1)
        tol = _ascent_tolerance(np.where(ran, trace, 0.0), n)
        with np.errstate(invalid="ignore"):
            drop = np.where(ran[:, 1:], np.maximum(-np.diff(trace, axis=1), 0.0), 0.0)
            drop[breakdowns > 0] = np.nan
        wrong = np.stack([x.mean(axis=1) - x.std(axis=1), x.mean(axis=1) + x.std(axis=1)], 1)
        return np.column_stack([
            ((fit.means - truth) ** 2).mean(axis=1),
            ((fit.weights - true_w) ** 2).mean(axis=1),
            ((fit.sds - true_sd) ** 2).mean(axis=1),
            ((wrong - truth) ** 2).mean(axis=1),
            drop.max(axis=1) / tol,
            (drop > tol[:, None]).sum(axis=1),
            fit.converged,
            fit.iterations,
            drop.max(axis=1),
            breakdowns,
        ])

    return kernel


def _column(run: RateRun, name: str) -> np.ndarray:
    return run.stats[:, _STATS.index(name)]


def _log_rmse(runs: list[RateRun], name: str) -> tuple[np.ndarray, np.ndarray]:
    """log RMSE per n and its MCSE (delta method: MCSE(MSE) / (2 MSE))."""
    return mcse.log_root([mcse.mean(_column(r, name)) for r in runs])


#: The parameter groups of the rate checks: column of ``_STATS``, what it is, check name.
#: The means come first: their check keeps the name (and the figure) it always had.
_PARAMETERS = (
    ("se2_means", "component means", "RMSE of the EM component means falls like n^(-1/2)"),
    ("se2_weights", "mixing weights",
     "RMSE of the EM mixing weights falls like n^(-1/2)"),
    ("se2_sds", "component standard deviations",
     "RMSE of the EM component standard deviations falls like n^(-1/2)"),
)


def _figure(ns: np.ndarray, runs: list[RateRun]) -> dict:
    """RMSE vs n per parameter on log-log axes, ±1.96 MCSE bands, slope -1/2 references."""
    z = stats.norm.ppf(0.975)
    series, reference = [], []
    for name, what, _ in _PARAMETERS:
        y, se = _log_rmse(runs, name)
        series.append({"label": f"EM, σ ≥ σ_min: {what} (band: ±1.96 MCSE)", "x": ns.tolist(),
                       "y": np.exp(y).tolist(), "lo": np.exp(y - z * se).tolist(),
                       "hi": np.exp(y + z * se).tolist()})
        anchor = float(np.mean(y - RATE * np.log(ns)))
        reference.append({"label": f"slope −1/2 through the {what}", "x": ns.tolist(),
                          "y": np.exp(anchor + RATE * np.log(ns)).tolist()})
    y, se = _log_rmse(runs, "se2_wrong")
    series.append({"label": "control: single Gaussian x̄ ∓ s, means (band: ±1.96 MCSE)",
                   "x": ns.tolist(), "y": np.exp(y).tolist(),
                   "lo": np.exp(y - z * se).tolist(), "hi": np.exp(y + z * se).tolist()})
    return {"kind": "line", "title": "GEN-01: RMSE of the EM mixture parameters vs n",
            "xlabel": "n", "ylabel": "RMSE", "xscale": "log", "yscale": "log",
            "series": series, "reference": reference}


def _seed_record(runs: list[RateRun]) -> dict:
    first = runs[0].seed
    return {"entropy": first["entropy"], "block_size": first["block_size"],
            "spawn_keys": {f"n={r.n}": r.seed["spawn_key"] for r in runs}}


def _record_ascent(mc, runs: list[RateRun]) -> None:
    ratio = np.concatenate([_column(r, "ascent_ratio") for r in runs])
    steps = int(sum(_column(r, "violations").sum() for r in runs))
    reps_bad = int(sum(np.count_nonzero(_column(r, "violations")) for r in runs))
    worst = max(float(np.nanmax(_column(r, "max_decrease"), initial=0.0)) for r in runs)
    broken = int(sum(np.count_nonzero(_column(r, "breakdowns")) for r in runs))
    fits = ratio.size
    not_conv = int(sum(np.count_nonzero(_column(r, "converged") == 0) for r in runs))
    iters = np.concatenate([_column(r, "iterations") for r in runs])
    mc.record("EM never decreases the log-likelihood (every step, every replication)",
              decisions.exact_close(ratio, 0.0, rtol=0.0, atol=1.0, n_inputs=fits),
              role="literal", params={"n": list(N_GRID), "reps_per_n": runs[0].stats.shape[0]},
              seed=_seed_record(runs), seconds=sum(r.seconds for r in runs),
              note=(f"{steps} step(s) on {reps_bad} of {fits} fits decreased l by more than the "
                    f"rounding allowance {ASCENT_TERMS}·n·eps·|l| (values are decrease / "
                    f"allowance); largest decrease {worst:.3g}. EM iterations: median "
                    f"{np.median(iters):.0f}, max {iters.max():.0f}; {not_conv} fit(s) did not "
                    f"converge within 500 iterations and are kept in every statistic; {broken} "
                    f"fit(s) had a non-finite log-likelihood (a breakdown: inconclusive)."))


def _record_rates(mc, runs: list[RateRun]) -> None:
    ns = np.array([r.n for r in runs], dtype=float)
    seed = _seed_record(runs)
    figure = _figure(ns, runs)
    for i, (column, what, name) in enumerate(_PARAMETERS):
        y, se = _log_rmse(runs, column)
        mc.record(name,
                  decisions.slope(np.log(ns), y, target=RATE, margin=SLOPE_MARGIN,
                                  alpha=mc.alpha, y_se=se, scale="known"),
                  role="literal", params={"n": ns.astype(int).tolist(), "means": list(MEANS),
                                          "sds": list(SDS), "weights": list(WEIGHTS)},
                  seed=seed, seconds=0.0, figure=figure if i == 0 else None,
                  note=(f"{what.capitalize()}: weighted least squares of log RMSE on log n, "
                        "weights from the delta-method MCSE of log RMSE; squared errors averaged "
                        "over the two components; non-converged fits included. RMSE: "
                        + ", ".join(f"n={int(n)}: {math.exp(v):.4g}" for n, v in zip(ns, y))))
    y, se = _log_rmse(runs, _PARAMETERS[0][0])
    mc.record(f"control near the margin: RMSE of the means falls like n^({NEAR_MISS_RATE:g})",
              decisions.slope(np.log(ns), y, target=NEAR_MISS_RATE, margin=SLOPE_MARGIN,
                              alpha=mc.alpha, y_se=se, scale="known"),
              role="control", params={"n": ns.astype(int).tolist(), "truth": RATE},
              seed=seed, seconds=0.0,
              note="A false rate two margins from −1/2: the slope rule must reject it.")
    yw, sew = _log_rmse(runs, "se2_wrong")
    mc.record("control: RMSE of the single-Gaussian estimator x̄ ∓ s falls like n^(-1/2)",
              decisions.slope(np.log(ns), yw, target=RATE, margin=SLOPE_MARGIN,
                              alpha=mc.alpha, y_se=sew, scale="known"),
              role="control", params={"n": ns.astype(int).tolist()}, seed=seed, seconds=0.0,
              note=("A misspecified ML fit converges to the wrong values (the KL projection), so "
                    "its RMSE levels off at the bias: "
                    + ", ".join(f"n={int(n)}: {math.exp(v):.4g}" for n, v in zip(ns, yw))))


@pytest.mark.claim(CLAIM)
def test_em_ascent_and_rate(mc):
    """EM ascends at every step and the RMSE of every parameter falls like n^(-1/2); a wrong
    estimator's does not."""
    sweep = mc.sweep("recovery", N_GRID, _recovery_kernel, BASE_REPS, min_reps=MIN_REPS)
    runs = [RateRun(n=n, stats=res.stats, seed=res.seed, seconds=res.seconds)
            for n, res in sweep]
    _record_ascent(mc, runs)
    _record_rates(mc, runs)


# --------------------------------------------------------------------------- unboundedness

def _collapse_paths(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The EM fit versus a degenerate path θ_σ of two-component mixtures.

    θ_σ puts weight 1/n and standard deviation σ on a component centred on the first data
    point, and weight 1 - 1/n on the single-Gaussian ML fit (x̄, s) that covers every point.
    Returns the EM log-likelihoods (sets,), l(θ_σ) (sets, sigmas) and the exact limit C of
    l(θ_σ) + log σ as σ -> 0 (sets,).
    """
    l_em = fit_em(x).loglik
    sets, n = x.shape
    weights = np.tile([1.0 / n, 1.0 - 1.0 / n], (sets, 1))
    centre, spread = x.mean(axis=1), x.std(axis=1)
    means = np.column_stack([x[:, 0], centre])
    path = np.empty((sets, len(COLLAPSE_SIGMAS)))
    for j, sigma in enumerate(COLLAPSE_SIGMAS):
        sds = np.column_stack([np.full(sets, sigma), spread])
        path[:, j] = mixture_loglik(x, weights, means, sds)
    # The limit, computed independently with scipy: the collapsed point contributes
    # log(w1 / sqrt(2π)) - log σ, every other point log(w2 φ(x; x̄, s)).
    others = stats.norm.logpdf(x[:, 1:], centre[:, None], spread[:, None]) + np.log1p(-1.0 / n)
    limit = np.log(1.0 / n) - 0.5 * np.log(2 * np.pi) + others.sum(axis=1)
    return l_em, path, limit


@pytest.mark.claim(CLAIM)
def test_mixture_likelihood_is_unbounded(mc):
    """A component collapsing on a data point sends l to +inf like −log σ: no unbounded MLE."""
    seed = mc.seed("collapse")
    x = sample_mixture(mc.rng("collapse"), COLLAPSE_SETS, COLLAPSE_N, WEIGHTS, MEANS,
                       SDS)
    l_em, path, limit = _collapse_paths(x)
    sig = np.asarray(COLLAPSE_SIGMAS)
    excess = path - l_em[:, None]
    # condition: "the likelihood is bounded by its EM maximum" (what "the MLE" presupposes)
    tol_bound = decisions.eps_tolerance(np.float64, ops=COLLAPSE_N) * float(np.abs(l_em).max())
    mc.record("the unconstrained mixture likelihood is bounded (the MLE exists)",
              decisions.exact_close(np.maximum(excess, 0.0), 0.0, rtol=0.0, atol=tol_bound,
                                    n_inputs=COLLAPSE_SETS),
              role="condition", seed=seed,
              params={"n": COLLAPSE_N, "sets": COLLAPSE_SETS, "sigma": sig.tolist()},
              note=("l(θ_σ) − l(EM fit) by σ, median over data sets: "
                    + ", ".join(f"σ=1e{int(round(math.log10(s)))}: {v:+.4g}"
                                for s, v in zip(sig, np.median(excess, axis=0)))
                    + ". Since l(θ_σ) = C − log σ + o(1), l exceeds any bound B once "
                      "σ < exp(C − B): a variance floor σ ≥ σ_min (or 'the largest local "
                      "maximum') is needed for 'the MLE' to exist."))
    # corrected: the growth is exactly −log σ (identity to rounding for σ <= 1e-20)
    small = sig <= IDENTITY_MAX_SIGMA
    grown = path[:, small] + np.log(sig[small])
    ops = 2 * COLLAPSE_N
    mc.record("as σ → 0 the log-likelihood grows like −log σ: l(θ_σ) + log σ → C",
              decisions.exact_close(grown, limit[:, None],
                                    rtol=decisions.eps_tolerance(np.float64, ops=ops),
                                    atol=decisions.eps_tolerance(np.float64, ops=ops)
                                    * float(np.abs(np.log(sig[small])).max())),
              role="corrected", seed=seed,
              params={"n": COLLAPSE_N, "sets": COLLAPSE_SETS, "sigma": sig[small].tolist()},
              note="θ_σ: weight 1/n, mean x₁, sd σ; weight 1 − 1/n on N(x̄, s²). "
                   "C = log(1/(n√(2π))) + Σ_{j≥2} log((1 − 1/n) φ(x_j; x̄, s)), computed "
                   "with scipy.stats.norm.logpdf independently of the mixture code.")
