"""Tests of :mod:`simulations.classification`: batched Newton/IRLS for the logistic and
multinomial-logit MLE against statsmodels ``Logit``/``MNLogit`` (same data, stated Newton
tolerance), the cross-entropy it minimises, non-convergence bookkeeping and input validation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import special

from simulations import classification as C
from simulations import losses
from simulations import reference_fits as ref
from claimkit.decisions import eps_tolerance
from simulations.design import as_design


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


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")  # statsmodels
def test_overshooting_newton_steps_are_halved_and_still_reach_the_mle(monkeypatch):
    """Heavy-tailed covariates make some full steps overshoot: they are halved, and every
    converged fit equals statsmodels Logit's MLE."""
    halved = []
    backtrack = C._backtrack

    def spy(*args, **kwargs):
        t, found = backtrack(*args, **kwargs)
        halved.append(int(np.count_nonzero(found & (t < 1.0))))
        return t, found
    monkeypatch.setattr(C, "_backtrack", spy)
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(40), rng.exponential(size=(40, 2)) ** 3])
    beta = rng.normal(size=3) * 3
    y = _binary(rng, X, beta, 100)
    fit = C.fit_logistic(X, y)
    assert sum(halved) > 0
    assert fit.n_failed == np.count_nonzero(~fit.converged)
    for b in np.flatnonzero(fit.converged):
        assert _close(fit.coef[b], ref.logit_statsmodels(X, y[b]).coef)


@pytest.mark.parametrize("shared", [True, False])
def test_blocks_compaction_and_frozen_rows_do_not_change_the_fit(monkeypatch, shared):
    """Tiny blocks (many blocks, rows stopping at different iterations, one separated data set
    per block) give statsmodels' MLE and the same flags as one big block."""
    rng = np.random.default_rng(209)
    X = _design(rng, 60, 3)
    y = _binary(rng, X, np.array([0.3, 1.0, -0.5]), 24)
    y[::8] = (X[:, 1] > 0).astype(float)  # separated: no MLE, iterates to max_iter
    Xb = X if shared else np.broadcast_to(X, (24, 60, 3))
    big = C.fit_logistic(Xb, y, max_iter=40)
    # 8 data sets per block: 5 work values per observation, + p + p(p+1)/2 per-row design.
    monkeypatch.setattr(C, "LOGISTIC_BLOCK_VALUES", 8 * 60 * (5 if shared else 5 + 3 + 6))
    small = C.fit_logistic(Xb, y, max_iter=40)
    np.testing.assert_array_equal(small.converged, big.converged)
    assert small.converged.tolist() == [b % 8 != 0 for b in range(24)]
    assert small.n_iter[0] == 40
    for b in np.flatnonzero(small.converged):
        oracle = ref.logit_statsmodels(X, y[b]).coef
        assert _close(small.coef[b], oracle) and _close(big.coef[b], oracle)


def _reference_derivatives(X: np.ndarray, y: np.ndarray, beta: np.ndarray):
    """Slow, obviously correct gradient, Hessian and NLL of one data set (scipy special)."""
    eta = X @ beta
    resid = np.where(y == 1, -special.expit(-eta), special.expit(eta))  # sigmoid(eta) - y
    w = special.expit(eta) * special.expit(-eta)
    nll = -np.sum(np.where(y == 1, special.log_expit(eta), special.log_expit(-eta)))
    return X.T @ resid, (X * w[:, None]).T @ X, nll, np.abs(X).T @ np.abs(resid)


@pytest.mark.parametrize("shared", [True, False])
def test_kernel_derivatives_match_a_direct_reference(shared):
    """Gradient, Hessian and NLL of the kernel equal the direct formulas, to relative accuracy
    also where every residual and weight is far below eps (margins near 40)."""
    rng = np.random.default_rng(210)
    m, n, p = 5, 30, 3
    X = _design(rng, n, p)
    y = _binary(rng, X, np.zeros(p), m)
    theta = rng.normal(size=(m, p)) * np.array([[1.0], [5.0], [20.0], [0.1], [20.0]])
    # Data sets 2 and 4: every point fitted with a margin near 40, residuals ~ -e^-40.
    theta[2], theta[4] = [40.0, 0.0, 0.0], [40.0, 0.5, -0.5]
    y[[2, 4]] = 1.0
    sy = 2.0 * y - 1.0
    if shared:
        cols = C._SharedColumns.load(X, sy)
    else:
        q = p * (p + 1) // 2
        cols = C._RowColumns.load(np.broadcast_to(X, (m, n, p)), sy, np.empty((m, p, n)),
                                  np.empty((m, q, n)))
    scratch = C._Scratch(*(np.empty((m, n)) for _ in range(4)))
    g, h = C._derivatives(cols, theta, scratch)
    f = C._nll(cols, theta, scratch)
    H = C._symmetric(h, p)
    for b in range(m):
        g_ref, H_ref, f_ref, g_terms = _reference_derivatives(X, y[b], theta[b])
        # A sum of n terms, each to a few ulps *of itself*: the bound is relative to the sum of
        # |terms|, ~1e-16 for data sets 2 and 4 -- where sigmoid(eta) - y computed directly
        # rounds every residual to 0 and fails it.
        assert np.all(np.abs(g[b] - g_ref) <= 64 * np.finfo(float).eps * g_terms)
        assert np.allclose(H[b], H_ref, rtol=1e-13, atol=0)
        assert f[b] == pytest.approx(f_ref, rel=1e-13)


@pytest.mark.parametrize("shared", [True, False])
def test_reported_gradient_is_the_gradient_at_the_returned_coefficients(shared):
    """``max_grad`` is evaluated at ``coef`` itself (the converged iterate is returned, not
    the untaken small step beyond it), and ``coef`` is within ``tol`` of statsmodels."""
    rng = np.random.default_rng(211)
    X = _design(rng, 120, 2)
    y = _binary(rng, X, np.array([-0.5, 1.0]), 8)
    Xd = X if shared else np.broadcast_to(X, (8, 120, 2))
    fit = C.fit_logistic(Xd, y)
    assert fit.n_failed == 0
    for b in range(8):
        g_ref, _, _, g_terms = _reference_derivatives(X, y[b], fit.coef[b])
        # The gradient near the optimum is a cancelling sum: agreement to rounding of its
        # terms, far below the gradient itself (~1e-10 here, ~1e-20 one step further).
        assert abs(fit.max_grad[b] - np.max(np.abs(g_ref))) <= 64 * np.finfo(float).eps * max(
            g_terms)
        assert _close(fit.coef[b], ref.logit_statsmodels(X, y[b]).coef)


def test_two_by_two_solver_equals_lapack_and_flags_singular_rows():
    """The explicit 2 x 2 inverse solves as ``solve_batched`` does, to rounding; singular and
    non-finite systems are flagged with a zero solution; p != 2 goes to LAPACK."""
    from simulations.design import solve_batched
    rng = np.random.default_rng(212)
    L = rng.normal(size=(50, 2, 2))
    A = L @ L.transpose(0, 2, 1) + 0.1 * np.eye(2)
    A[3] = [[1.0, 2.0], [2.0, 4.0]]          # singular
    A[7, 0, 0] = np.inf                      # non-finite
    b = rng.normal(size=(50, 2))
    upper = A[:, [0, 0, 1], [0, 1, 1]]
    x, ok = C._solve_upper(upper, b, 2)
    x_ref, ok_ref = solve_batched(A, b)
    assert not ok[3] and not ok[7] and np.all(x[[3, 7]] == 0.0)
    good = np.delete(np.arange(50), [3, 7])
    assert ok[good].all() and ok_ref[good].all()
    assert np.allclose(x[good], x_ref[good], rtol=1e-12, atol=1e-14)
    A3 = L[:5, :2, :2] @ L[:5, :2, :2].transpose(0, 2, 1) + np.eye(2)
    B3 = np.zeros((5, 3, 3))
    B3[:, :2, :2], B3[:, 2, 2] = A3, 2.0
    x3, ok3 = C._solve_upper(B3[:, [0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2]], np.ones((5, 3)), 3)
    assert ok3.all() and np.allclose(np.einsum("mij,mj->mi", B3, x3), 1.0)


def test_fit_logistic_design_is_fit_logistic_without_revalidation():
    """The Design entry point gives the same fit and checks the structure it is given."""
    rng = np.random.default_rng(211)
    X = _design(rng, 50, 2)
    y = _binary(rng, X, np.array([0.0, 1.0]), 3)
    d = as_design(X, y, response="binary")
    a, b = C.fit_logistic(X, y), C.fit_logistic_design(d)
    np.testing.assert_array_equal(a.coef, b.coef)
    np.testing.assert_array_equal(a.nll, b.nll)
    with pytest.raises(ValueError, match=r"^`design` must be a simulations.design.Design"):
        C.fit_logistic_design((X, y))
    labels = as_design(X, y.astype(int), response="labels", n_classes=2)
    with pytest.raises(ValueError, match=r"^`design` must hold float64 `X`"):
        C.fit_logistic_design(labels)


def test_fits_in_concurrent_threads_equal_serial_fits():
    """Each thread has its own work arrays: concurrent fits (as under Dask threads) are exact."""
    rng = np.random.default_rng(212)
    jobs = []
    for n in (40, 90, 150, 40):
        X = rng.normal(size=(30, n, 2))
        X[..., 0] = 1.0
        jobs.append((X, _binary(rng, X[0], np.array([0.2, 0.8]), 30)))
    serial = [C.fit_logistic(X, y).coef for X, y in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda job: C.fit_logistic(*job).coef, jobs * 3))
    for i, coef in enumerate(threaded):
        np.testing.assert_array_equal(coef, serial[i % len(jobs)])


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
