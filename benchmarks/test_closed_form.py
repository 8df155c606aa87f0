"""Closed-form MLEs reach >= 70 % of the throughput of drawing the same random numbers alone.

Candidate: the Monte Carlo engine running the kernel the claims run,
``model.sample_mle(rng, size, n)`` -- draw, then estimate without re-validating the model's
own draws (why that is safe: :mod:`simulations.models`, "Validation and the Monte Carlo hot
path") -- for R replications (per-block generators and chunk concatenation included).
Baseline: the same per-block generators drawing the same numbers with ``model.draw`` and
nothing else. ``ratio = baseline_seconds / candidate_seconds`` is the fraction of the
drawing throughput the estimator keeps (performance contract: >= 0.7).

For comparison ``extra_info`` also holds ``ratio_validated``: the same ratio for
``model.mle(model.draw(...))``, the public entry point that checks its data (finite, in the
support) -- for the Bernoulli model those checks cost about as much as the draw itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.timing import best_times, record_ratio
from claimkit.engine import simulate
from simulations.models import Bernoulli, Exponential, Normal, Poisson
from claimkit.seeding import BLOCK_SIZE, block_rng, check_seed

#: Observations per replication and replications per run (64 blocks of 512).
N_OBS: int = 100
REPS: int = 64 * BLOCK_SIZE
TARGET: float = 0.7
#: Interleaved rounds, each at least this long per function (see benchmarks.timing).
REPEAT: int = 5
MIN_ROUND_SECONDS: float = 0.1
MODELS = [Bernoulli(0.3), Poisson(3.0), Exponential(2.0), Normal(1.0, 4.0)]


def _draws_only(model, seed):
    def run() -> None:
        for b in range(REPS // BLOCK_SIZE):
            model.draw(block_rng(seed, b), BLOCK_SIZE, N_OBS)
    return run


def _estimator(model, seed):
    def kernel(rng, size):
        return model.sample_mle(rng, size, N_OBS)

    def run() -> np.ndarray:
        return simulate(kernel, REPS, seed).stats
    return run


def _validated_estimator(model, seed):
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
    validated = _validated_estimator(model, seed)
    benchmark.group = "closed-form MLE"
    stats = benchmark(candidate)
    assert stats.shape == (REPS, model.n_params)
    np.testing.assert_array_equal(stats, validated())  # same numbers as the checked path
    times = best_times({"baseline": baseline, "candidate": candidate, "validated": validated},
                       repeat=REPEAT, min_round_seconds=MIN_ROUND_SECONDS)
    record_ratio(benchmark, metric="throughput vs drawing alone",
                 candidate=f"simulate(sample_mle) {model.name}",
                 baseline=f"{model.name} draw() per block", times=times, target=TARGET,
                 reps=REPS, n_obs=N_OBS, validated_seconds=times["validated"],
                 ratio_validated=times["baseline"] / times["validated"])
