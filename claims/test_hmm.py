"""GEN-02 — hidden Markov models are trained by maximum likelihood (000 §應用場景 3).

Exact checks only (no Monte Carlo decision): the forward algorithm against brute-force
enumeration of all hidden paths, hmmlearn's log-likelihood against it, and the monotonicity of
Baum–Welch. Tolerances: the forward pass is T steps of a K-term dot product, a product and a
normalisation, then a sum of T logs; the enumeration is a log-sum-exp over K^T terms of T logs
each. Each side carries a relative error of at most about ``c·T·K·eps`` in the
log-likelihood's terms (Higham 2002, §3), bounded here by ``8·T·K·eps·(|ℓ| + T)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from claimkit import decisions
from simulations import hmm

CLAIM = "GEN-02"
EPS = float(np.finfo(np.float64).eps)
#: Hidden states, symbols and sequence length of the enumeration checks (K^T = 4096 paths).
K, M, T_SMALL = 2, 3, 12
#: Random HMMs per check.
CASES = 40
#: Baum–Welch: sequence length and iterations checked one by one.
T_EM, EM_STEPS = 400, 25


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
