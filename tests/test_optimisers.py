"""Tests of :mod:`simulations.optimisers`: update rules, limits, and agreement with torch.optim.

The limits are compared with direct solvers (ridge normal equations, damped Newton). Full-batch
SGD and Adam reach a floating-point fixed point, so "converged" means within ``1e-9`` relative of
the direct solution (the direct solvers are accurate to ``cond * eps ~ 1e-13``); "not converged"
means farther than ``1e-2`` relative. The one-step formulas are checked to a few ulps. The torch
comparison runs the same float64 arithmetic (``torch.optim`` single-tensor path), so trajectories
agree to ``1e-12`` relative over a few hundred steps.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulations import optimisers as O

EPS = float(np.finfo(np.float64).eps)
CONVERGED = 1e-9
NOT_CONVERGED = 1e-2


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


def _problem(rng, kind="least-squares", n=150):
    X = rng.normal(size=(n, 3)) * np.array([1.0, 0.3, 0.1])
    z = X @ np.array([1.0, -2.0, 3.0])
    if kind == "least-squares":
        return O.least_squares_problem(X, z + 0.5 * rng.normal(size=n))
    return O.logistic_problem(X, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float))


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# --------------------------------------------------------------------------- problems


@pytest.mark.parametrize("kind", ["least-squares", "logistic"])
def test_problem_gradient_matches_finite_differences(rng, kind):
    """grad(w) is the gradient of the mean loss (central differences, O(h²) error)."""
    prob = _problem(rng, kind)
    w = rng.normal(size=3)
    h = 1e-6
    num = np.array([(prob.loss(w + h * e) - prob.loss(w - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(prob.grad(w), num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", ["least-squares", "logistic"])
def test_penalised_optimum_is_stationary(rng, kind):
    """grad L(w*) + wd·w* = 0 at the direct solution with λ = n·wd."""
    prob = _problem(rng, kind)
    w = prob.penalised_optimum(0.05)
    assert np.linalg.norm(prob.grad(w) + 0.05 * w) <= 1e-12 * (1 + np.linalg.norm(w))
    assert O.weight_decay_lambda(0.05, prob.n) == pytest.approx(0.05 * prob.n)


# --------------------------------------------------------------------------- update rules


def test_sgd_step_is_gradient_descent_on_the_penalised_loss(rng):
    """One SGD step: w − lr·(∇L + wd·w); the schedule multiplies lr."""
    prob = _problem(rng)
    w0 = rng.normal(size=3)
    tr = O.sgd(prob.grad, w0, lr=0.3, weight_decay=0.1, max_iter=1)
    np.testing.assert_allclose(tr.coef, w0 - 0.3 * (prob.grad(w0) + 0.1 * w0), rtol=4 * EPS)
    half = O.sgd(prob.grad, w0, lr=0.6, weight_decay=0.1, max_iter=1, schedule=lambda t: 0.5)
    np.testing.assert_allclose(half.coef, tr.coef, rtol=4 * EPS)


def test_adam_first_step_is_a_sign_step(rng):
    """With bias correction, step 1 of Adam is lr·g/(|g|+ε): ≈ lr·sign(g) (Kingma & Ba §2.1)."""
    prob = _problem(rng)
    w0 = rng.normal(size=3)
    g = prob.grad(w0) + 0.1 * w0
    tr = O.adam(prob.grad, w0, lr=0.01, weight_decay=0.1, max_iter=1)
    np.testing.assert_allclose(tr.coef, w0 - 0.01 * g / (np.abs(g) + 1e-8), rtol=8 * EPS)


def test_adamw_first_step_decays_outside_the_moments(rng):
    """Step 1 of AdamW: w(1 − lr·wd) − lr·g/(|g|+ε) with g = ∇L only (Algorithm 2, line 12)."""
    prob = _problem(rng)
    w0 = rng.normal(size=3)
    g = prob.grad(w0)
    tr = O.adamw(prob.grad, w0, lr=0.01, weight_decay=0.1, max_iter=1)
    np.testing.assert_allclose(tr.coef, w0 * (1 - 0.01 * 0.1) - 0.01 * g / (np.abs(g) + 1e-8),
                               rtol=8 * EPS)


def test_without_weight_decay_adam_and_adamw_coincide(rng):
    """wd = 0: the L2 and decoupled variants are the same algorithm, bit for bit."""
    prob = _problem(rng)
    a = O.adam(prob.grad, np.zeros(3), lr=0.01, max_iter=200)
    b = O.adamw(prob.grad, np.zeros(3), lr=0.01, weight_decay=0.0, max_iter=200)
    np.testing.assert_array_equal(a.iterates, b.iterates)


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize("kind", ["least-squares", "logistic"])
def test_limits_sgd_and_adam_reach_the_map_adamw_does_not(rng, kind):
    """SGD+wd and Adam+L2 converge to the MAP; AdamW ends near the unpenalised optimum instead."""
    prob = _problem(rng, kind)
    wd = 0.01
    w_map, w_mle = prob.penalised_optimum(wd), prob.penalised_optimum(0.0)
    top = np.linalg.eigvalsh(prob.X.T @ prob.X / prob.n)[-1]
    lr = 1.0 / ((top if kind == "least-squares" else top / 4) + wd)
    kw = {"max_iter": 5000, "tol": 4 * EPS}
    sgd = O.sgd(prob.grad, np.zeros(3), lr=lr, weight_decay=wd, **kw)
    adam = O.adam(prob.grad, np.zeros(3), lr=0.01, weight_decay=wd, **kw)
    adamw = O.adamw(prob.grad, np.zeros(3), lr=0.01, weight_decay=wd, **kw)
    assert sgd.converged and _rel(sgd.coef, w_map) <= CONVERGED
    assert adam.converged and _rel(adam.coef, w_map) <= CONVERGED
    assert not adamw.converged and _rel(adamw.coef, w_map) >= NOT_CONVERGED
    assert _rel(adamw.coef, w_mle) < 0.1 * _rel(w_map, w_mle)


# --------------------------------------------------------------------------- trajectories


def test_trajectory_records_start_every_k_and_end(rng):
    """Recorded steps are 0, k, 2k, … and the last iteration; distances have one entry each."""
    prob = _problem(rng)
    tr = O.sgd(prob.grad, np.zeros(3), lr=0.5, max_iter=25, record_every=10)
    np.testing.assert_array_equal(tr.steps, [0, 10, 20, 25])
    assert tr.iterates.shape == (4, 3) and tr.n_iter == 25 and not tr.converged
    np.testing.assert_array_equal(tr.iterates[-1], tr.coef)
    d = tr.distances(tr.coef)
    assert d.shape == (4,) and d[-1] == 0.0
    assert tr.hyper["lr"] == 0.5


def test_step_tolerance_stops_at_a_fixed_point(rng):
    """A run stops, converged, when the step falls below tol·(1 + ‖w‖∞)."""
    prob = _problem(rng)
    tr = O.sgd(prob.grad, np.zeros(3), lr=0.9, max_iter=100_000, tol=1e-12)
    assert tr.converged and tr.n_iter < 100_000


def test_divergence_raises(rng):
    """A learning rate far above 2/L makes the iterates overflow: FloatingPointError."""
    prob = _problem(rng)
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.raises(FloatingPointError, match="sgd diverged"):
        O.sgd(prob.grad, np.ones(3), lr=1e6, max_iter=10_000)


@pytest.mark.parametrize("call,match", [
    (lambda g: O.sgd(g, np.zeros(3), lr=0.0), r"^`lr` must be positive"),
    (lambda g: O.sgd(g, np.zeros(3), lr=0.1, weight_decay=-1.0),
     r"^`weight_decay` must be non-negative"),
    (lambda g: O.sgd(g, np.zeros(3), lr=0.1, max_iter=0), r"^`max_iter` must be a positive"),
    (lambda g: O.sgd(g, np.zeros(3), lr=0.1, record_every=0),
     r"^`record_every` must be a positive"),
    (lambda g: O.sgd(g, np.zeros(3), lr=0.1, tol=-1.0), r"^`tol` must be non-negative"),
    (lambda g: O.sgd(g, [np.nan, 0.0, 0.0], lr=0.1), r"^`w0` must be finite"),
    (lambda g: O.sgd("grad", np.zeros(3), lr=0.1), r"^`grad` must be callable"),
    (lambda g: O.sgd(lambda w: np.zeros(2), np.zeros(3), lr=0.1),
     r"^`grad` must return an array of shape \(3,\)"),
    (lambda g: O.sgd(g, np.zeros(3), lr=0.1, schedule=2.0), r"^`schedule` must be callable"),
    (lambda g: O.adam(g, np.zeros(3), betas=(0.9, 1.0)), r"^`betas` must be a pair"),
    (lambda g: O.adam(g, np.zeros(3), betas=0.9), r"^`betas` must be a pair"),
    (lambda g: O.adamw(g, np.zeros(3), eps=0.0), r"^`eps` must be positive"),
    (lambda g: O.least_squares_problem(np.ones((2, 3, 2)), np.ones((2, 3))),
     r"^`X` must have 2 dimension"),
    (lambda g: O.logistic_problem(np.ones((3, 2)), [0.0, 0.5, 1.0]),
     r"^`y` must contain only 0 and 1"),
    (lambda g: O.weight_decay_lambda(-0.1, 10), r"^`weight_decay` must be non-negative"),
])
def test_validation_messages(rng, call, match):
    """Bad hyper-parameters, gradients and data raise ValueError naming the parameter."""
    prob = _problem(rng)
    with pytest.raises(ValueError, match=match):
        call(prob.grad)


# --------------------------------------------------------------------------- torch


@pytest.fixture
def torch():
    """torch with one intra-op thread (tiny tensors: more threads only contend), restored after."""
    torch = pytest.importorskip("torch", reason="torch is not installed: the comparison with "
                                                "torch.optim needs the optional extra")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


@pytest.mark.parametrize("kind", ["least-squares", "logistic"])
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_trajectories_match_torch_optim(rng, torch, kind, name):
    """300 float64 steps agree with torch.optim.SGD / Adam / AdamW to 1e-12 relative."""
    prob = _problem(rng, kind)
    wd, steps = 0.05, 300
    lr = 0.5 if name == "SGD" else 0.01
    ours = {"SGD": O.sgd, "Adam": O.adam, "AdamW": O.adamw}[name](
        prob.grad, np.zeros(3), lr=lr, weight_decay=wd, max_iter=steps)
    X, y = torch.tensor(prob.X), torch.tensor(prob.y)
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([w], lr=lr, weight_decay=wd)
    path = [w.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        z = X @ w
        loss = (0.5 * torch.mean((z - y) ** 2) if kind == "least-squares"
                else torch.nn.functional.binary_cross_entropy_with_logits(z, y))
        loss.backward()
        opt.step()
        path.append(w.detach().numpy().copy())
    path = np.array(path)
    scale = np.abs(path).max()
    np.testing.assert_allclose(ours.iterates, path, rtol=0, atol=1e-12 * scale)
