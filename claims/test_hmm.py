"""GEN-02 — hidden Markov models are trained by maximum likelihood (000 §應用場景 3).

Exact checks: the forward algorithm against brute-force enumeration of all hidden paths,
hmmlearn's log-likelihood against it, the monotonicity of Baum–Welch, and one Baum–Welch
update of the suite's compiled kernel against hmmlearn's. Tolerances: the forward pass is T
steps of a K-term dot product, a product and a normalisation, then a sum of T logs; the
enumeration is a log-sum-exp over K^T terms of T logs each. Each side carries a relative error
of at most about ``c·T·K·eps`` in the log-likelihood's terms (Higham 2002, §3), bounded here by
``8·T·K·eps·(|ℓ| + T)``.

Recovery as T grows (a Monte Carlo rate check)
----------------------------------------------
Maximum likelihood *trains* an HMM if its estimate converges to the parameters that generated
the data. One long sequence of length T is drawn per replication from a two-state,
three-symbol HMM with persistent states; Baum–Welch starts from a fixed generic guess (not the
truth) and stops when ℓ changes by less than ``EM_TOL``; states are relabelled to the nearest
permutation of the truth (the likelihood cannot tell labels apart). The claim in its checkable
form: the RMSE over the six free parameters (two transition and four emission probabilities)
falls like T^(−1/2) — the slope of log RMSE on log T is −1/2 within ``SLOPE_MARGIN`` (rates
T^(−1/3) and T^(−2/3) lie outside), by the weighted slope rule with known MCSE.

Budget (α = ``mc.alpha`` = 1e-6, P(fail) + P(inconclusive) under the claim within it): the
delta-method MCSE of log RMSE is ``sqrt(κ/R)/2`` with κ = Var(e²)/MSE², 0.57–0.77 here (design
pilot on an independent generator, ``np.random.default_rng(8675309)``, 4096 fits per T, not the
suite's stream; the pilot's slope −0.501 ± 0.003 and T·MSE between 0.600 and 0.624 on the
whole grid bound the second-order bend of the slope by 0.02). Replications fall as T^(−1/2)
(``reps_for``: 1024 at T = 250 down to 256 at T = 4000, where a replication costs 16× more),
which gives SE(slope) = 0.0082, so P(not pass) = P(Z > (0.1 − 0.02)/0.0082 − 4.75) = P(Z > 5.0)
< 3e-7. Controls through the same rule: the RMSE against a false rate T^(−0.3) (two margins
away), and a hard-assignment estimator (each symbol read as the state that emits it most,
the ambiguous symbol as the previous state), which converges to the wrong values.

At ``--mc-scale smoke`` (:class:`RecoveryDesign`) every T runs half its replications: each
point's MCSE, and so SE(slope), grows by exactly √2 (0.0082 → 0.0116), and the margin with it
(0.1 → 0.141), so a slope bent by b sits (0.141 − b)/0.0116 >= (0.1 − b)/0.0082 standard
errors inside the band — P(not pass) no larger than at standard, α unchanged; the near-margin
control stays two margins from −1/2 (T^(−0.217)), 12 SE beyond the band's edge as at standard.
A quarter would leave 64 replications at T = 4000 for a delta-method MCSE and put the "near"
control at T^(−0.1), a rate at which the error hardly falls.

The EM steps of every fit are checked for ascent as well (largest decrease against a rounding
allowance of ``2·8·T·K·eps·|ℓ|``), and EM breakdowns (non-finite ℓ) count as inconclusive.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import special

from claimkit import decisions, mcse
from claimkit.scales import SCALES, design_record
from simulations import hmm

CLAIM = "GEN-02"
EPS = float(np.finfo(np.float64).eps)
#: Hidden states, symbols and sequence length of the enumeration checks (K^T = 4096 paths).
K, M, T_SMALL = 2, 3, 12
#: Random HMMs per check.
CASES = 40
#: Baum–Welch: sequence length and iterations checked one by one.
T_EM, EM_STEPS = 400, 25


#: Recovery design: the generating HMM (start fixed and known), EM's generic start, the T
#: grid (a factor 16), and replications falling as T^(-1/2) (see the module docstring).
TRUE_START = np.array([0.5, 0.5])
TRUE_TRANS = np.array([[0.9, 0.1], [0.2, 0.8]])
TRUE_EMIT = np.array([[0.8, 0.15, 0.05], [0.05, 0.15, 0.8]])
GUESS_TRANS = np.array([[0.7, 0.3], [0.3, 0.7]])
GUESS_EMIT = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
T_GRID = (250, 500, 1000, 2000, 4000)
EM_TOL = 1e-4
EM_MAX_ITER = 1000
RATE = -0.5
SLOPE_MARGIN = 0.1
#: hmmlearn oracle of the update: sequences, their length.
ORACLE_CASES, T_ORACLE = 16, 300


def reps_for(t: int) -> int:
    """Replications at sequence length ``t``: 1024·sqrt(250/t), rounded to a multiple of 8."""
    return int(8 * round(128 * math.sqrt(T_GRID[0] / t)))


#: Replication divisor of the recovery sweep at ``--mc-scale smoke`` (module docstring).
SMOKE_DIVISOR: int = 2


@dataclass(frozen=True)
class RecoveryDesign:
    """The recovery sweep's replications and the slope margin and near-margin control that
    follow from them (module docstring): :func:`reps_for` divided by ``divisor``, the margin
    times √divisor, the control two margins from −1/2."""

    divisor: int

    def __post_init__(self) -> None:
        if isinstance(self.divisor, bool) or not isinstance(self.divisor, int) \
                or self.divisor < 1 or any(reps_for(t) % self.divisor for t in T_GRID):
            raise ValueError("`divisor` must be an integer >= 1 dividing every replication "
                             f"count {[reps_for(t) for t in T_GRID]}, got {self.divisor!r}.")

    @property
    def margin(self) -> float:
        return SLOPE_MARGIN * math.sqrt(self.divisor)

    @property
    def near_miss_rate(self) -> float:
        return RATE + 2 * self.margin

    def reps(self, t: int) -> int:
        """Replications at sequence length ``t``."""
        return reps_for(t) // self.divisor

    def record(self) -> dict:
        """The design in a check's params: nothing at the standard design."""
        return design_record(self.divisor, scale="smoke", what="GEN-02's recovery sweep",
                             how="slope margin and near-margin control re-derived for them",
                             source="claims/test_hmm.py, RecoveryDesign",
                             slope_margin=self.margin, near_miss_rate=self.near_miss_rate)


def recovery_design(scale: str) -> RecoveryDesign:
    """The recovery sweep's design at ``scale``: halved at ``smoke``, standard otherwise."""
    if scale not in SCALES:
        raise ValueError(f"`scale` must be one of {sorted(SCALES)}, got {scale!r}.")
    return RecoveryDesign(SMOKE_DIVISOR if scale == "smoke" else 1)


def _tol(t: int, ll: np.ndarray) -> np.ndarray:
    return 8.0 * t * K * EPS * (np.abs(ll) + t)


def _hmmlearn(start: np.ndarray, trans: np.ndarray, emit: np.ndarray, **kw):
    from hmmlearn.hmm import CategoricalHMM

    model = CategoricalHMM(n_components=start.size, init_params="", **kw)
    model.startprob_, model.transmat_, model.emissionprob_ = start, trans, emit
    model.n_features = emit.shape[1]
    return model


@pytest.mark.claim(CLAIM)
def test_forward_algorithm_is_the_sum_over_hidden_paths(mc):
    """forward = log Σ_paths P(path, o) exactly; hmmlearn's score agrees; dropping A does not."""
    rng = mc.rng("hmms")
    fwd, brute, lib, indep = [], [], [], []
    for _ in range(CASES):
        start, trans, emit = hmm.random_hmm(rng, K, M)
        obs = rng.integers(0, M, size=T_SMALL)
        fwd.append(hmm.forward_loglik(obs, start, trans, emit))
        brute.append(hmm.brute_force_loglik(obs, start, trans, emit))
        lib.append(float(_hmmlearn(start, trans, emit).score(obs[:, None])))
        # Independent states: every step restarts from π (the transition matrix dropped).
        indep.append(hmm.forward_loglik(obs, start, np.tile(start, (K, 1)), emit))
    fwd, brute, lib, indep = map(np.array, (fwd, brute, lib, indep))
    tol = _tol(T_SMALL, brute)
    mc.record(f"forward algorithm = log of the sum over all {K}^{T_SMALL} hidden paths",
              decisions.exact_close(fwd, brute, rtol=0.0, atol=float(tol.max()),
                                    n_inputs=CASES),
              params={"K": K, "M": M, "T": T_SMALL, "cases": CASES})
    mc.record("hmmlearn CategoricalHMM.score equals the enumeration",
              decisions.exact_close(lib, brute, rtol=0.0, atol=float(tol.max()),
                                    n_inputs=CASES),
              params={"K": K, "M": M, "T": T_SMALL, "cases": CASES})
    mc.record("control: a forward pass without the transition matrix (independent states) "
              "equals the enumeration",
              decisions.exact_close(indep, brute, rtol=0.0, atol=float(tol.max()),
                                    n_inputs=CASES),
              role="control", params={"K": K, "M": M, "T": T_SMALL, "cases": CASES})


@pytest.mark.claim(CLAIM)
def test_baum_welch_never_decreases_the_likelihood(mc):
    """One hmmlearn EM step at a time from a perturbed start: ℓ never decreases; random
    perturbations of the parameters do decrease it."""
    rng = mc.rng("em")
    start, trans, emit = hmm.random_hmm(rng, K, M)
    obs = _hmmlearn(start, trans, emit).sample(T_EM, random_state=int(rng.integers(2 ** 31)))[0]
    s0, a0, b0 = hmm.random_hmm(rng, K, M)
    model = _hmmlearn(s0, a0, b0, n_iter=1, tol=0.0, params="ste")
    ll = [hmm.forward_loglik(obs[:, 0], model.startprob_, model.transmat_,
                             model.emissionprob_)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n_iter=1 "did not converge": one step is the point
        for _ in range(EM_STEPS):
            model.fit(obs)
            ll.append(hmm.forward_loglik(obs[:, 0], model.startprob_, model.transmat_,
                                         model.emissionprob_))
    ll = np.array(ll)
    steps = np.diff(ll)
    tol = float(_tol(T_EM, ll).max())
    mc.record(f"Baum–Welch (hmmlearn, one EM step at a time): ℓ never decreases over "
              f"{EM_STEPS} steps",
              decisions.exact_close(np.minimum(steps, 0.0), 0.0, rtol=0.0, atol=tol,
                                    n_inputs=EM_STEPS),
              params={"T": T_EM, "steps": EM_STEPS},
              note=f"ℓ from {ll[0]:.2f} to {ll[-1]:.2f}; largest decrease "
                   f"{abs(min(float(steps.min()), 0.0)):.3g} (tolerance {tol:.3g}).")
    # Control: steps that move the fitted parameters at random (Dirichlet around them).
    fitted = (model.startprob_, model.transmat_, model.emissionprob_)
    base = hmm.forward_loglik(obs[:, 0], *fitted)
    moved = []
    for _ in range(EM_STEPS):
        s = rng.dirichlet(50 * fitted[0] + 1e-3)
        a = np.array([rng.dirichlet(50 * row + 1e-3) for row in fitted[1]])
        b = np.array([rng.dirichlet(50 * row + 1e-3) for row in fitted[2]])
        moved.append(hmm.forward_loglik(obs[:, 0], s, a, b) - base)
    mc.record("control: random moves of the fitted parameters never decrease ℓ",
              decisions.exact_close(np.minimum(moved, 0.0), 0.0, rtol=0.0, atol=tol,
                                    n_inputs=EM_STEPS),
              role="control", params={"T": T_EM, "steps": EM_STEPS})


# ------------------------------------------------------------------------------ recovery

def _free(trans: np.ndarray, emit: np.ndarray) -> np.ndarray:
    """The free parameters (R, 6): A_01, A_10 and the first two columns of B."""
    return np.concatenate([trans[:, [0, 1], [1, 0]], emit[:, :, :2].reshape(len(emit), -1)],
                          axis=1)


def _hard_assignment(obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Control estimator: symbol 0 read as state 0, symbol 2 as state 1, symbol 1 as the
    previous state (state 0 before any other symbol); A and B counted from those states."""
    size, t = obs.shape
    pos = np.where(obs != 1, np.arange(t), -1)
    last = np.maximum.accumulate(pos, axis=1)
    states = np.where(last >= 0, np.take_along_axis(obs, np.maximum(last, 0), axis=1) == 2,
                      False).astype(np.int64)
    pair = states[:, :-1] * 2 + states[:, 1:]
    counts = np.stack([(pair == c).sum(axis=1) for c in range(4)], axis=1).reshape(size, 2, 2)
    trans = counts / np.maximum(counts.sum(axis=2, keepdims=True), 1)
    emit = np.stack([np.stack([((states == k) & (obs == m)).sum(axis=1) for m in range(3)], 1)
                     for k in range(2)], axis=1).astype(float)
    emit /= np.maximum(emit.sum(axis=2, keepdims=True), 1)
    return trans, emit


#: Per-replication statistics of the recovery kernel.
_STATS = ("se2", "se2_trans", "se2_emit", "se2_hard", "ascent_ratio", "converged",
          "iterations", "breakdown")


def _recovery_kernel(t: int):
    truth = _free(TRUE_TRANS[None], TRUE_EMIT[None])

    def kernel(rng: np.random.Generator, size: int) -> np.ndarray:
        _, obs = hmm.sample_hmm(rng, size, t, TRUE_START, TRUE_TRANS, TRUE_EMIT)
        fit = hmm.fit_baum_welch(obs, TRUE_START, GUESS_TRANS, GUESS_EMIT, tol=EM_TOL,
                                 max_iter=EM_MAX_ITER)
        trans, emit = hmm.align_states(fit.trans, fit.emit, TRUE_TRANS, TRUE_EMIT)
        err2 = (_free(trans, emit) - truth) ** 2
        hard2 = (_free(*_hard_assignment(obs)) - truth) ** 2
        breakdown = ~np.isfinite(fit.loglik)
        allowance = 2.0 * _tol(t, np.where(breakdown, 0.0, fit.loglik)) / (t + 1.0)
        ratio = np.where(breakdown, np.nan, np.maximum(fit.max_decrease, 0.0) / allowance)
        return np.column_stack([err2.mean(axis=1), err2[:, :2].mean(axis=1),
                                err2[:, 2:].mean(axis=1), hard2.mean(axis=1), ratio,
                                fit.converged, fit.iterations, breakdown])

    return kernel


def _col(stats: np.ndarray, name: str) -> np.ndarray:
    return stats[:, _STATS.index(name)]


def _log_rmse(sweep, name: str) -> tuple[np.ndarray, np.ndarray]:
    """log RMSE per T and its MCSE (delta method: MCSE(MSE) / (2 MSE))."""
    return mcse.log_root([mcse.mean(_col(run.stats, name)) for _, run in sweep])


def _recovery_figure(ts: np.ndarray, sweep) -> dict:
    z = float(special.ndtri(0.975))
    series = []
    for name, label in (("se2", "Baum–Welch MLE, all six free parameters"),
                        ("se2_trans", "Baum–Welch MLE, transition probabilities"),
                        ("se2_emit", "Baum–Welch MLE, emission probabilities"),
                        ("se2_hard", "control: hard-assignment estimator")):
        y, se = _log_rmse(sweep, name)
        series.append({"label": f"{label} (band: ±1.96 MCSE)", "x": ts.tolist(),
                       "y": np.exp(y).tolist(), "lo": np.exp(y - z * se).tolist(),
                       "hi": np.exp(y + z * se).tolist()})
    y, _ = _log_rmse(sweep, "se2")
    anchor = float(np.mean(y - RATE * np.log(ts)))
    return {"kind": "line", "title": "GEN-02: RMSE of the HMM's maximum-likelihood estimate vs T",
            "xlabel": "sequence length T", "ylabel": "RMSE", "xscale": "log", "yscale": "log",
            "series": series,
            "reference": [{"label": "slope −1/2", "x": ts.tolist(),
                           "y": np.exp(anchor + RATE * np.log(ts)).tolist()}]}


@pytest.mark.claim(CLAIM)
def test_baum_welch_recovers_the_parameters_as_t_grows(mc):
    """The ML estimate (Baum–Welch from a generic start) converges at the rate T^(-1/2);
    EM ascends in every fit; a hard-assignment estimator and a false rate are rejected."""
    design = recovery_design(mc.scale)
    sweep = mc.sweep("recovery", T_GRID, _recovery_kernel, design.reps, param="T")
    ts = np.array(T_GRID, dtype=float)
    stats = [run.stats for _, run in sweep]
    ratio = np.concatenate([_col(s, "ascent_ratio") for s in stats])
    iters = np.concatenate([_col(s, "iterations") for s in stats])
    not_conv = int(sum(np.count_nonzero(_col(s, "converged") == 0) for s in stats))
    broken = int(sum(np.count_nonzero(_col(s, "breakdown")) for s in stats))
    mc.record("Baum–Welch never decreases the log-likelihood (every step of every fit)",
              decisions.exact_close(ratio, 0.0, rtol=0.0, atol=1.0, n_inputs=ratio.size),
              params={"T": list(T_GRID), "reps": sweep.n_reps}, evidence=sweep,
              note=(f"Largest decrease / rounding allowance over {ratio.size} fits: "
                    f"{np.nanmax(ratio, initial=0.0):.3g}. EM iterations: median "
                    f"{np.median(iters):.0f}, max {iters.max():.0f}; {not_conv} fit(s) did not "
                    f"converge within {EM_MAX_ITER} iterations (kept in every statistic); "
                    f"{broken} breakdown(s) (non-finite ℓ: inconclusive)."))
    y, se = _log_rmse(sweep, "se2")
    params = {"T": list(T_GRID), "reps": sweep.n_reps, "trans": TRUE_TRANS.tolist(),
              "emit": TRUE_EMIT.tolist(), **design.record()}
    yt, _ = _log_rmse(sweep, "se2_trans")
    ye, _ = _log_rmse(sweep, "se2_emit")
    mc.record("RMSE of the HMM's ML estimate (A and B, states relabelled) falls like T^(-1/2)",
              decisions.slope(np.log(ts), y, target=RATE, margin=design.margin, alpha=mc.alpha,
                              y_se=se, scale="known"),
              params=params, evidence=sweep, figure=_recovery_figure(ts, sweep),
              note=("Weighted least squares of log RMSE on log T, weights from the delta-method "
                    "MCSE. RMSE over the six free parameters: "
                    + ", ".join(f"T={int(t)}: {math.exp(v):.4g}" for t, v in zip(ts, y))
                    + "; transitions alone: "
                    + ", ".join(f"{math.exp(v):.3g}" for v in yt)
                    + "; emissions alone: " + ", ".join(f"{math.exp(v):.3g}" for v in ye)
                    + "."))
    mc.record(f"control near the margin: the RMSE falls like T^({design.near_miss_rate:.3g})",
              decisions.slope(np.log(ts), y, target=design.near_miss_rate, margin=design.margin,
                              alpha=mc.alpha, y_se=se, scale="known"),
              role="control", params={"T": list(T_GRID), "truth": RATE, **design.record()},
              evidence=sweep,
              note="A false rate two margins from −1/2: the slope rule must reject it.")
    yh, seh = _log_rmse(sweep, "se2_hard")
    mc.record("control: the RMSE of a hard-assignment estimator falls like T^(-1/2)",
              decisions.slope(np.log(ts), yh, target=RATE, margin=design.margin, alpha=mc.alpha,
                              y_se=seh, scale="known"),
              role="control", params={"T": list(T_GRID), **design.record()}, evidence=sweep,
              note=("Reading each symbol as its most likely state ignores the emission noise: "
                    "the estimate converges to the wrong values and its RMSE levels off: "
                    + ", ".join(f"T={int(t)}: {math.exp(v):.4g}" for t, v in zip(ts, yh))))


@pytest.mark.claim(CLAIM)
def test_baum_welch_update_matches_hmmlearn(mc):
    """One Baum–Welch update of the compiled kernel equals hmmlearn's (start held fixed); the
    independent-states update does not."""
    rng = mc.rng("update")
    ours, lib, tied = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n_iter=1 "did not converge": one step is the point
        for _ in range(ORACLE_CASES):
            start, trans, emit = hmm.random_hmm(rng, K, M)
            _, obs = hmm.sample_hmm(rng, 1, T_ORACLE, start, trans, emit)
            s0, a0, b0 = hmm.random_hmm(rng, K, M)
            one = hmm.fit_baum_welch(obs, s0, a0, b0, tol=1e-300, max_iter=1)
            ind = hmm.fit_baum_welch(obs, s0, a0, b0, tol=1e-300, max_iter=1, tied=True)
            model = _hmmlearn(s0, a0, b0, n_iter=1, tol=-np.inf, params="te")
            model.fit(obs.T)
            ours.append(np.concatenate([one.trans[0].ravel(), one.emit[0].ravel()]))
            tied.append(np.concatenate([ind.trans[0].ravel(), ind.emit[0].ravel()]))
            lib.append(np.concatenate([model.transmat_.ravel(), model.emissionprob_.ravel()]))
    ours, lib, tied = map(np.array, (ours, lib, tied))
    rtol = decisions.eps_tolerance(np.float64, ops=8 * T_ORACLE * K)
    params = {"K": K, "M": M, "T": T_ORACLE, "cases": ORACLE_CASES}
    mc.record("one Baum–Welch update equals hmmlearn's CategoricalHMM update (start fixed)",
              decisions.exact_close(ours, lib, rtol=rtol, atol=rtol, n_inputs=ORACLE_CASES),
              params=params)
    mc.record("control: the independent-states update (rows of A tied) equals hmmlearn's",
              decisions.exact_close(tied, lib, rtol=rtol, atol=rtol, n_inputs=ORACLE_CASES),
              role="control", params=params)
