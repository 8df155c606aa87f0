"""simulations.hmm: forward algorithm, enumeration, input validation."""

from __future__ import annotations

import numpy as np
import pytest

from simulations import hmm


def test_forward_equals_enumeration_and_known_value():
    """A one-state HMM is i.i.d. categorical: ℓ = Σ log B[o_t]."""
    obs = np.array([0, 2, 1, 1, 0])
    emit = np.array([[0.5, 0.2, 0.3]])
    expected = float(np.sum(np.log(emit[0, obs])))
    args = (obs, np.array([1.0]), np.array([[1.0]]), emit)
    assert hmm.forward_loglik(*args) == pytest.approx(expected, rel=1e-14)
    assert hmm.brute_force_loglik(*args) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"start": [0.5, 0.6]}, "start"),
    ({"trans": [[0.9, 0.1], [0.5, 0.4]]}, "trans"),
    ({"emit": [[1.0, 0.0], [0.2, 0.7]]}, "emit"),
    ({"obs": [0, 3]}, "obs"),
    ({"obs": []}, "obs"),
])
def test_invalid_input_names_the_parameter(kwargs, name):
    """Every malformed component raises ValueError naming it."""
    args = {"obs": [0, 1, 1], "start": [0.5, 0.5], "trans": [[0.9, 0.1], [0.2, 0.8]],
            "emit": [[0.7, 0.3], [0.1, 0.9]], **kwargs}
    with pytest.raises(ValueError, match=f"`{name}`"):
        hmm.forward_loglik(**args)


def test_enumeration_refuses_too_many_paths():
    """K^T above 2^20 is refused."""
    with pytest.raises(ValueError, match="`obs`"):
        hmm.brute_force_loglik(np.zeros(21, dtype=int), [0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]],
                               [[1.0], [1.0]])


def test_sample_follows_deterministic_rows():
    """With A swapping the states and B emitting the state's own symbol, the draws alternate."""
    rng = np.random.default_rng(0)
    states, obs = hmm.sample_hmm(rng, 3, 7, [1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]],
                                 [[1.0, 0.0], [0.0, 1.0]])
    assert states.shape == obs.shape == (3, 7)
    assert (states == np.arange(7) % 2).all() and (obs == states).all()


def test_one_state_fit_is_the_empirical_frequency():
    """K = 1: the Baum–Welch update of B is the symbol frequency, reached in one step (a second
    update changes nothing and certifies convergence)."""
    obs = np.array([[0, 2, 1, 1, 0, 1]])
    fit = hmm.fit_baum_welch(obs, [1.0], [[1.0]], [[0.2, 0.5, 0.3]], tol=1e-12)
    np.testing.assert_allclose(fit.emit[0, 0], [2 / 6, 3 / 6, 1 / 6], rtol=1e-14)
    assert fit.converged[0] and fit.iterations[0] == 2
    assert fit.loglik[0] == pytest.approx(np.log([2 / 6, 3 / 6, 1 / 6])[obs[0]].sum(), rel=1e-14)


def test_fit_ascends_and_lands_near_the_truth_on_a_long_sequence():
    """T = 20 000 from a generic start: every fit converges without a decrease, within 0.03."""
    trans = np.array([[0.9, 0.1], [0.2, 0.8]])
    emit = np.array([[0.8, 0.15, 0.05], [0.05, 0.15, 0.8]])
    _, obs = hmm.sample_hmm(np.random.default_rng(1), 2, 20_000, [0.5, 0.5], trans, emit)
    fit = hmm.fit_baum_welch(obs, [0.5, 0.5], [[0.6, 0.4], [0.4, 0.6]],
                             [[0.4, 0.3, 0.3], [0.3, 0.3, 0.4]])
    assert fit.converged.all() and (fit.max_decrease <= 1e-9).all()
    a, b = hmm.align_states(fit.trans, fit.emit, trans, emit)
    assert np.abs(a - trans).max() < 0.03 and np.abs(b - emit).max() < 0.03


def test_align_states_undoes_a_relabelling():
    """Swapping the two states of the truth is undone exactly."""
    trans = np.array([[0.9, 0.1], [0.2, 0.8]])
    emit = np.array([[0.8, 0.2], [0.1, 0.9]])
    swapped_t, swapped_e = trans[::-1, ::-1][None], emit[::-1][None]
    a, b = hmm.align_states(swapped_t, swapped_e, trans, emit)
    np.testing.assert_array_equal(a[0], trans)
    np.testing.assert_array_equal(b[0], emit)
    with pytest.raises(ValueError, match="`trans`"):
        hmm.align_states(trans[None], emit[None, :1], trans, emit)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"obs": [[0]]}, "obs"),
    ({"obs": [[0, 5]]}, "obs"),
    ({"obs": [[0.0, 1.0]]}, "obs"),
    ({"tol": 0.0}, "tol"),
    ({"max_iter": 0}, "max_iter"),
    ({"trans": [[0.5, 0.6], [0.5, 0.5]]}, "trans"),
])
def test_fit_refuses_invalid_input(kwargs, name):
    """fit_baum_welch names the parameter it refuses."""
    args = {"obs": [[0, 1, 1]], "start": [0.5, 0.5], "trans": [[0.9, 0.1], [0.2, 0.8]],
            "emit": [[0.7, 0.3], [0.1, 0.9]], **kwargs}
    with pytest.raises(ValueError, match=f"`{name}`"):
        hmm.fit_baum_welch(**args)


@pytest.mark.parametrize(("size", "t", "name"), [(0, 5, "size"), (2, 0, "t")])
def test_sample_refuses_invalid_sizes(size, t, name):
    """sample_hmm names the size it refuses."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        hmm.sample_hmm(np.random.default_rng(0), size, t, [1.0], [[1.0]], [[1.0]])
