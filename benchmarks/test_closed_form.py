"""Closed-form MLEs reach >= 80 % of the throughput of the raw generator call alone.

Candidate: the Monte Carlo engine running the kernel the claims run,
``model.sample_mle(rng, size, n)`` -- draw, then estimate without re-validating the model's
own draws (why that is safe: :mod:`simulations.models`, "Validation and the Monte Carlo hot
path") -- for R replications (per-block generators and chunk concatenation included).
Baseline: the same per-block generators making the *raw* numpy call that produces the
variates of that distribution, in the dtype numpy returns, and nothing else
(:data:`RAW_CALLS`: ``random`` for the Bernoulli's uniforms, ``poisson``, ``exponential``,
``standard_normal``) -- the floor no kernel can beat. ``ratio = baseline_seconds /
candidate_seconds`` is the fraction of that throughput the estimator keeps (performance
contract: >= 0.8). ``extra_info`` also holds ``ratio_vs_draw``, the ratio against the model's
own ``draw`` (which adds the Bernoulli comparison and the float conversions).

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
TARGET: float = 0.8
#: Interleaved rounds, each at least this long per function (see benchmarks.timing).
REPEAT: int = 5
MIN_ROUND_SECONDS: float = 0.1
MODELS = [Bernoulli(0.3), Poisson(3.0), Exponential(2.0), Normal(1.0, 4.0)]


#: The raw generator call behind each model's draw (same distribution, numpy's own dtype).
RAW_CALLS = {
    "bernoulli": lambda m, rng, shape: rng.random(shape),
    "poisson": lambda m, rng, shape: rng.poisson(m.lam, shape),
    "exponential": lambda m, rng, shape: rng.exponential(1.0 / m.rate, shape),
    "normal": lambda m, rng, shape: rng.standard_normal(shape),
}


def _raw_calls(model, seed):
    call = RAW_CALLS[model.name.lower()]

    def run() -> None:
        for b in range(REPS // BLOCK_SIZE):
            call(model, block_rng(seed, b), (BLOCK_SIZE, N_OBS))
    return run


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
    """Engine + closed-form MLE vs the raw generator call: the ratio goes to extra_info."""
    seed = check_seed(1, "ASY-01", "benchmark", {"model": model.name})
    candidate, baseline = _estimator(model, seed), _raw_calls(model, seed)
    draws, validated = _draws_only(model, seed), _validated_estimator(model, seed)
    benchmark.group = "closed-form MLE"
    stats = benchmark(candidate)
    assert stats.shape == (REPS, model.n_params)
    np.testing.assert_array_equal(stats, validated())  # same numbers as the checked path
    times = best_times({"baseline": baseline, "candidate": candidate, "validated": validated,
                        "draw": draws}, repeat=REPEAT, min_round_seconds=MIN_ROUND_SECONDS)
    record_ratio(benchmark, metric="throughput vs the raw generator call",
                 candidate=f"simulate(sample_mle) {model.name}",
                 baseline=f"raw numpy call for {model.name} per block", times=times,
                 target=TARGET, reps=REPS, n_obs=N_OBS, validated_seconds=times["validated"],
                 ratio_validated=times["baseline"] / times["validated"],
                 ratio_vs_draw=times["draw"] / times["candidate"])
