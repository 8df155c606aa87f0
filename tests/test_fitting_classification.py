"""Tests of :mod:`simulations.classification`: batched Newton/IRLS for the logistic and
multinomial-logit MLE against statsmodels ``Logit``/``MNLogit`` (same data, stated Newton
tolerance), the cross-entropy it minimises, non-convergence bookkeeping and input validation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from simulations import classification as C
from simulations import losses
from simulations import reference_fits as ref
from simulations.decisions import eps_tolerance


def _design(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    return np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])


def _binary(rng: np.random.Generator, X: np.ndarray, beta: np.ndarray, reps: int) -> np.ndarray:
    return (rng.random((reps, X.shape[0])) < special.expit(X @ beta)).astype(float)


def _labels(rng: np.random.Generator, X: np.ndarray, B: np.ndarray, reps: int) -> np.ndarray:
    z = np.concatenate([np.zeros((X.shape[0], 1)), X @ B], axis=1)
    cum = np.cumsum(special.softmax(z, axis=1), axis=1)
    u = rng.random((reps, X.shape[0], 1))
    return np.minimum((u > cum).sum(axis=-1), B.shape[1])


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Agreement to NEWTON_ATOL, absolute plus relative to the coefficients' size."""
    return bool(np.all(np.abs(a - b) <= ref.NEWTON_ATOL * (1.0 + np.abs(b))))


@pytest.mark.parametrize("n,p", [(40, 2), (200, 4), (1000, 6)])
def test_logistic_matches_statsmodels_logit(n, p):
    """Batched Newton/IRLS gives statsmodels Logit's MLE on every data set of the batch."""
    rng = np.random.default_rng(201)
    X = _design(rng, n, p)
    y = _binary(rng, X, rng.uniform(-1, 1, p), 5)
    fit = C.fit_logistic(X, y)
    assert fit.n_failed == 0 and fit.coef.shape == (5, p)
    for b in range(5):
        assert _close(fit.coef[b], ref.logit_statsmodels(X, y[b]).coef)


@pytest.mark.parametrize("n,p,k", [(150, 2, 3), (400, 3, 4), (600, 4, 5)])
def test_multinomial_matches_statsmodels_mnlogit(n, p, k):
    """Batched multinomial Newton gives statsmodels MNLogit's MLE, same (p, K−1) layout."""
    rng = np.random.default_rng(202)
    X = _design(rng, n, p)
    y = _labels(rng, X, rng.uniform(-1, 1, (p, k - 1)), 3)
    fit = C.fit_multinomial(X, y, k)
    assert fit.n_failed == 0 and fit.coef.shape == (3, p, k - 1)
    for b in range(3):
        assert _close(fit.coef[b], ref.mnlogit_statsmodels(X, y[b]).coef)


def test_two_class_multinomial_is_logistic():
    """With K = 2 the multinomial logit is the logistic model: same coefficients and NLL."""
    rng = np.random.default_rng(203)
    X = _design(rng, 120, 3)
    y = _binary(rng, X, np.array([0.2, 1.0, -0.7]), 4)
    lo, mn = C.fit_logistic(X, y), C.fit_multinomial(X, y.astype(int), 2)
    assert _close(mn.coef[..., 0], lo.coef)
    assert np.allclose(mn.nll, lo.nll, rtol=eps_tolerance(np.float64, ops=8 * 120), atol=0)


def test_minimised_objective_is_the_cross_entropy():
    """The reported NLL is the summed cross-entropy of the labels against the fitted model."""
    rng = np.random.default_rng(204)
    X = _design(rng, 80, 3)
    y = _binary(rng, X, np.array([0.5, -1.0, 0.3]), 3)
    fit = C.fit_logistic(X, y)
    yk = _labels(rng, X, rng.normal(size=(3, 3)), 3)
    fk = C.fit_multinomial(X, yk, 4)
    tol = eps_tolerance(np.float64, condition=10.0, ops=8 * 80)
    for b in range(3):
        ce = losses.binary_cross_entropy_with_logits(y[b], X @ fit.coef[b], reduction="sum")
        assert fit.nll[b] == pytest.approx(ce, rel=tol)
        logits = np.concatenate([np.zeros((80, 1)), X @ fk.coef[b]], axis=1)
        ce_k = losses.cross_entropy_from_logits(yk[b], logits, reduction="sum")
        assert fk.nll[b] == pytest.approx(ce_k, rel=tol)
    assert np.all(fit.max_grad <= 1e-8 * 80) and np.all(fk.max_grad <= 1e-8 * 80)


def test_batch_equals_loop_and_shared_equals_stacked_design():
    """Fits do not depend on batching or on whether the design is shared or stacked."""
    rng = np.random.default_rng(205)
    X = _design(rng, 90, 3)
    y = _binary(rng, X, np.array([0.1, 0.8, -0.4]), 6).reshape(2, 3, 90)
    shared = C.fit_logistic(X, y)
    stacked = C.fit_logistic(np.broadcast_to(X, (2, 3, 90, 3)), y)
    assert shared.coef.shape == (2, 3, 3) and shared.converged.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            single = C.fit_logistic(X, y[i, j])
            assert _close(shared.coef[i, j], single.coef)
            assert _close(stacked.coef[i, j], single.coef)


def test_separated_data_are_flagged_kept_and_counted():
    """Complete separation (no MLE) is reported as non-converged, never dropped."""
    rng = np.random.default_rng(206)
    X = _design(rng, 30, 2)
    y = _binary(rng, X, np.array([0.0, 1.0]), 4)
    y[2] = (X[:, 1] > 0).astype(float)  # data set 2 is completely separated
    fit = C.fit_logistic(X, y, max_iter=60)
    assert fit.converged.tolist() == [True, True, False, True]
    assert fit.n_failed == 1 and fit.n_iter[2] == 60
    assert fit.coef.shape == (4, 2) and abs(fit.coef[2, 1]) > 20  # diverging slope, still returned


def test_nearly_separated_data_converge_with_step_halving():
    """A large-coefficient MLE is still reached (damped Newton) and matches statsmodels."""
    rng = np.random.default_rng(207)
    x = np.sort(rng.normal(size=60))
    X = np.column_stack([np.ones(60), x])
    y = (x > 0).astype(float)
    y[[28, 33]] = 1.0 - y[[28, 33]]  # two crossings keep the MLE finite but large
    fit = C.fit_logistic(X, y)
    assert fit.converged.all()
    assert _close(fit.coef, ref.logit_statsmodels(X, y).coef)


def test_predicted_probabilities():
    """logistic_proba is sigmoid(Xβ); multinomial_proba rows are softmax(0, XB), summing to 1."""
    rng = np.random.default_rng(208)
    G = _design(rng, 7, 3)
    beta = rng.normal(size=(5, 3))
    assert np.allclose(C.logistic_proba(G, beta), special.expit(beta @ G.T), rtol=1e-15, atol=0)
    B = rng.normal(size=(5, 3, 2))
    P = C.multinomial_proba(G, B)
    assert P.shape == (5, 7, 3)
    assert np.allclose(P.sum(axis=-1), 1.0, rtol=0, atol=4 * np.finfo(float).eps)
    assert np.allclose(P[1], special.softmax(np.column_stack([np.zeros(7), G @ B[1]]), axis=1),
                       rtol=1e-14, atol=0)


# ------------------------------------------------------------------------- validation


@pytest.mark.parametrize("y,message", [
    ([0.0, 1.0, 0.5], r"^`y` must contain only 0 and 1\."),
    ([0.0, 1.0, np.nan], r"^`y` must be finite"),
    ([0.0, 1.0], r"^`y` must have as many observations"),
])
def test_logistic_rejects_invalid_labels(y, message):
    """Binary labels must be 0/1, finite and one per row of X."""
    with pytest.raises(ValueError, match=message):
        C.fit_logistic(np.ones((3, 1)), y)


@pytest.mark.parametrize("y,k,message", [
    ([0, 1, 3], 3, r"^`y` must be in \[0, 3\)"),
    ([0, -1, 2], 3, r"^`y` must be in \[0, 3\)"),
    ([0, 1.5, 2], 3, r"^`y` must be integer-valued class labels"),
    ([0, 1, 1], 1, r"^`n_classes` must be at least 2"),
    ([0, 1, 1], 2.0, r"^`n_classes` must be a positive integer"),
])
def test_multinomial_rejects_invalid_labels(y, k, message):
    """Class labels must be integers in range and K must be an integer >= 2."""
    with pytest.raises(ValueError, match=message):
        C.fit_multinomial(np.ones((3, 1)), y, k)


@pytest.mark.parametrize("kwargs,message", [
    ({"tol": 0.0}, r"^`tol` must be a real number in \(0, 1\)"),
    ({"tol": "1e-8"}, r"^`tol` must be a real number in \(0, 1\)"),
    ({"max_iter": 0}, r"^`max_iter` must be a positive integer"),
])
def test_fitters_reject_invalid_settings(kwargs, message):
    """Tolerance and iteration limit are validated with the parameter named."""
    with pytest.raises(ValueError, match=message):
        C.fit_logistic(np.ones((3, 1)), [0, 1, 1], **kwargs)
    with pytest.raises(ValueError, match=message):
        C.fit_multinomial(np.ones((3, 1)), [0, 1, 2], 3, **kwargs)


def test_probability_functions_validate_shapes():
    """Coefficients must match the columns of the evaluation points."""
    with pytest.raises(ValueError, match=r"^`coef` must have 2 entries along axis -1"):
        C.logistic_proba(np.ones((4, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"^`coef` must have 2 entries along axis -2"):
        C.multinomial_proba(np.ones((4, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"^`X` must be finite"):
        C.logistic_proba([[np.inf, 1.0]], np.ones(2))
