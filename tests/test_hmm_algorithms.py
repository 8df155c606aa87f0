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
