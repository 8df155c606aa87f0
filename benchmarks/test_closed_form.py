"""Closed-form MLEs reach >= 70 % of the throughput of drawing the same random numbers alone.

Candidate: the Monte Carlo engine running ``model.mle(model.draw(rng, size, n))`` for R
replications (per-block generators, chunk concatenation, input validation included).
Baseline: the same per-block generators drawing the same numbers with ``model.draw`` and
nothing else. ``ratio = baseline_seconds / candidate_seconds`` is the fraction of the
drawing throughput the estimator keeps (performance contract: >= 0.7).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.timing import best_times, record_ratio
from simulations.engine import simulate
from simulations.models import Bernoulli, Exponential, Normal, Poisson
from simulations.seeding import BLOCK_SIZE, block_rng, check_seed

#: Observations per replication and replications per run (64 blocks of 512).
N_OBS: int = 100
REPS: int = 64 * BLOCK_SIZE
TARGET: float = 0.7
MODELS = [Bernoulli(0.3), Poisson(3.0), Exponential(2.0), Normal(1.0, 4.0)]


def _draws_only(model, seed):
    def run() -> None:
        for b in range(REPS // BLOCK_SIZE):
            model.draw(block_rng(seed, b), BLOCK_SIZE, N_OBS)
    return run


def _estimator(model, seed):
    def kernel(rng, size):
        return model.mle(model.draw(rng, size, N_OBS))

    def run() -> np.ndarray:
        return simulate(kernel, REPS, seed).stats
    return run


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_closed_form_mle_throughput(benchmark, model):
    """Engine + closed-form MLE vs drawing alone: the ratio goes to extra_info."""
    seed = check_seed(1, "ASY-01", "benchmark", {"model": model.name})
    candidate, baseline = _estimator(model, seed), _draws_only(model, seed)
    benchmark.group = "closed-form MLE"
    stats = benchmark(candidate)
    assert stats.shape == (REPS, model.n_params)
    times = best_times({"baseline": baseline, "candidate": candidate}, repeat=5)
    record_ratio(benchmark, metric="throughput vs drawing alone",
                 candidate=f"simulate(mle(draw)) {model.name}",
                 baseline=f"{model.name} draw() per block", times=times, target=TARGET,
                 reps=REPS, n_obs=N_OBS)
