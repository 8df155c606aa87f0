"""The Monte Carlo runner: chunked, vectorised, and identical for every chunk size."""

import numpy as np
import pytest

from claimkit.engine import MonteCarloResult, simulate
from claimkit.seeding import BLOCK_SIZE, check_seed


def _var_kernel(rng, size):
    return rng.normal(size=(size, 7)).var(axis=1)


class _SplitMean:
    """A split kernel: draw, then a statistic (computed once per block)."""

    def draw(self, rng, size):
        return rng.exponential(size=(size, 5)), rng.normal(size=(size, 5))

    def statistic(self, data):
        x, z = data
        return np.stack([x.mean(axis=1), z.max(axis=1)], axis=1)


class _BatchDependent:
    """A statistic that depends on which replications share its batch (centred on the batch
    mean, scaled by the batch size), like an iterative batched fit that runs until the whole
    batch has converged."""

    def draw(self, rng, size):
        return rng.normal(size=(size, 3))

    def statistic(self, data):
        return (data - data.mean(axis=0)).sum(axis=1) * len(data)


@pytest.mark.parametrize("kernel", [_var_kernel, _SplitMean(), _BatchDependent()],
                         ids=["callable", "split", "batch-dependent"])
@pytest.mark.parametrize("n_reps", [1, BLOCK_SIZE - 1, 3 * BLOCK_SIZE + 17])
def test_chunk_size_never_changes_numbers(kernel, n_reps):
    """The same check gives bit-identical statistics for chunk sizes from one block to all."""
    seed = check_seed(5, "EX-04", "engine")
    ref = simulate(kernel, n_reps, seed, chunk_reps=10 ** 9).stats
    for chunk in (1, BLOCK_SIZE, 2 * BLOCK_SIZE + 1):
        assert np.array_equal(simulate(kernel, n_reps, seed, chunk_reps=chunk).stats, ref)
    assert ref.shape[0] == n_reps


def test_more_replications_extend_the_sequence():
    """Raising R keeps the first replications: blocks are seeded by index, not by R."""
    seed = check_seed(5, "EX-04", "extend")
    short = simulate(_var_kernel, 1000, seed).stats
    long = simulate(_var_kernel, 5000, seed).stats
    assert np.array_equal(long[:BLOCK_SIZE], short[:BLOCK_SIZE])


@pytest.mark.parametrize("first", [BLOCK_SIZE, 3 * BLOCK_SIZE, 2 * BLOCK_SIZE + 100])
def test_reusing_a_shorter_run_gives_the_numbers_of_a_fresh_run(first):
    """Extending a run keeps its whole blocks and computes only the rest (a partial last block
    is recomputed); the statistics equal a fresh run's, for a custom backend too."""
    seed = check_seed(5, "EX-04", "reuse")
    calls = []

    def counted(rng, size):
        calls.append(size)
        return _var_kernel(rng, size)

    short = simulate(counted, first, seed)
    calls.clear()
    longer = simulate(counted, 5 * BLOCK_SIZE + 3, seed, reuse=short)
    assert np.array_equal(longer.stats, simulate(_var_kernel, 5 * BLOCK_SIZE + 3, seed).stats)
    assert sum(calls) == 5 * BLOCK_SIZE + 3 - (first // BLOCK_SIZE) * BLOCK_SIZE
    assert longer.seconds >= short.seconds
    via = simulate(_var_kernel, 5 * BLOCK_SIZE + 3, seed, reuse=short,
                   backend=lambda fn, tasks: [fn(t) for t in tasks])
    assert np.array_equal(via.stats, longer.stats)
    same = simulate(_var_kernel, first, seed, reuse=short)
    assert np.array_equal(same.stats, short.stats)


def test_reuse_must_be_a_shorter_run_of_the_same_stream():
    seed = check_seed(5, "EX-04", "reuse")
    run = simulate(_var_kernel, 2 * BLOCK_SIZE, seed)
    for other_seed, n in ((check_seed(6, "EX-04", "reuse"), 4 * BLOCK_SIZE), (seed, BLOCK_SIZE)):
        with pytest.raises(ValueError, match="^`reuse` must be an earlier result"):
            simulate(_var_kernel, n, other_seed, reuse=run)
    with pytest.raises(ValueError, match="^`reuse`"):
        simulate(_var_kernel, 4 * BLOCK_SIZE, seed, reuse=run.stats)


def test_chunks_bound_the_kernel_call_size():
    """No kernel call sees more replications than one block (memory O(block * n))."""
    sizes = []

    def kernel(rng, size):
        sizes.append(size)
        return np.zeros(size)

    simulate(kernel, 5 * BLOCK_SIZE, check_seed(1, "A-01", "x"), chunk_reps=BLOCK_SIZE)
    assert max(sizes) == BLOCK_SIZE and len(sizes) == 5


def test_split_kernel_statistic_sees_one_block_at_a_time():
    """A split kernel's statistic is called once per block, whatever the chunk size: its
    arithmetic, not only its randomness, is attached to blocks."""
    calls = []

    class K:
        def draw(self, rng, size):
            return rng.random((size, 2))

        def statistic(self, data):
            calls.append(data.shape[0])
            return data.sum(axis=1)

    simulate(K(), 4 * BLOCK_SIZE, check_seed(1, "A-01", "y"), chunk_reps=2 * BLOCK_SIZE)
    assert calls == [BLOCK_SIZE] * 4


def test_custom_backend_gives_identical_numbers():
    """A backend that evaluates chunks in reverse order and reassembles them changes nothing."""
    def reverse_backend(fn, tasks):
        return list(reversed([fn(t) for t in reversed(tasks)]))

    seed = check_seed(3, "A-01", "backend")
    ref = simulate(_var_kernel, 3000, seed, chunk_reps=BLOCK_SIZE).stats
    got = simulate(_var_kernel, 3000, seed, chunk_reps=BLOCK_SIZE, backend=reverse_backend).stats
    assert np.array_equal(ref, got)


def test_progress_reports_every_chunk():
    """The progress callback sees the running count of replications after every chunk."""
    seen = []
    simulate(_var_kernel, 2 * BLOCK_SIZE + 5, check_seed(1, "A-01", "p"), chunk_reps=BLOCK_SIZE,
             progress=lambda done, total: seen.append((done, total)))
    total = 2 * BLOCK_SIZE + 5
    assert seen == [(BLOCK_SIZE, total), (2 * BLOCK_SIZE, total), (total, total)]


def test_result_is_frozen_and_describes_the_run():
    """The result keeps the raw replications, the seed record and the chunk size."""
    res = simulate(_var_kernel, 100, check_seed(1, "A-01", "r"))
    assert isinstance(res, MonteCarloResult) and res.n_reps == 100
    assert res.seed["entropy"] == 1
    with pytest.raises(AttributeError):
        res.n_reps = 3


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_reps=0), "`n_reps`"), (dict(n_reps=2.5), "`n_reps`"),
    (dict(chunk_reps=0), "`chunk_reps`"), (dict(seed=5), "`seed`"),
    (dict(kernel=3), "`kernel`"),
])
def test_simulate_rejects_bad_input(kwargs, match):
    """Bad replication counts, chunk sizes, seeds and kernels raise ValueError naming them."""
    args = dict(kernel=_var_kernel, n_reps=10, seed=check_seed(1, "A-01", "v"))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        simulate(**args)


def test_kernel_with_wrong_leading_axis_is_rejected():
    """A kernel returning the wrong number of replications is an error, not silent garbage."""
    with pytest.raises(ValueError, match="`kernel` must return a leading axis"):
        simulate(lambda rng, size: np.zeros(size + 1), 10, check_seed(1, "A-01", "w"))


def test_batched_logistic_fits_are_identical_for_every_chunk_size():
    """A batched logistic IRLS (it iterates until its whole batch has converged) gives the same
    numbers to the last bit with one block per chunk and with many blocks per chunk."""
    from scipy import special

    from simulations import classification

    class _Logistic:
        X = np.column_stack([np.ones(40), np.linspace(-2, 2, 40)])
        prob = special.expit(0.3 + 1.5 * X[:, 1])

        def draw(self, rng, size):
            return (rng.random((size, self.prob.size)) < self.prob).astype(np.float64)

        def statistic(self, y):
            return classification.fit_logistic(self.X, y).coef

    seed = check_seed(5, "CE-10", "chunks")
    ref = simulate(_Logistic(), 4 * BLOCK_SIZE, seed, chunk_reps=4 * BLOCK_SIZE).stats
    one = simulate(_Logistic(), 4 * BLOCK_SIZE, seed, chunk_reps=100).stats
    assert np.array_equal(np.nan_to_num(one, nan=7.0), np.nan_to_num(ref, nan=7.0))
