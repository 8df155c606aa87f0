r"""Reference implementations (numpy) of SGD, Adam and AdamW, with recorded trajectories.

The question these answer: is "weight decay" an L2 penalty, i.e. a Gaussian prior, i.e. does
training with it converge to the MAP estimate? With a full-batch (deterministic) gradient of a
convex data loss ``L(w)`` and weight decay ``wd``:

* **SGD with weight decay** (``torch.optim.SGD(weight_decay=wd)``): the update
  ``w <- w - lr (grad L(w) + wd w)`` is gradient descent on ``L(w) + (wd / 2) ||w||^2``, so its
  limit is the minimiser of that penalised loss: the Gaussian-prior MAP.
* **Adam with an L2 term in the loss** (``torch.optim.Adam(weight_decay=wd)``, which adds
  ``wd w`` to the gradient before the moment estimates): any fixed point has
  ``m_hat / (sqrt(v_hat) + eps) = 0``, i.e. ``grad L(w) + wd w = 0``: again the MAP (Kingma & Ba
  2015, with the L2 gradient of Loshchilov & Hutter 2019, Algorithm 2, purple line 6).
* **AdamW**, decoupled weight decay (``torch.optim.AdamW(weight_decay=wd)``; Loshchilov & Hutter
  2019, Algorithm 2 with the green term): ``w <- w - eta_t lr (m_hat / (sqrt(v_hat) + eps) + wd w)``
  where the moments see only ``grad L``. A fixed point with a converged gradient
  ``g`` has ``v_hat = g^2`` and therefore ``g_j / (|g_j| + eps) = -wd w_j``, i.e.
  ``g_j = -eps wd w_j / (1 - wd |w_j|)`` (for ``wd |w_j| < 1``): the limit is *not* the stationary point of
  ``L + (wd / 2) ||w||^2`` (where ``g = -wd w``) but, for small ``eps``, close to the
  unpenalised minimiser. Decoupled decay is not L2 regularisation for adaptive methods --
  the point of Loshchilov & Hutter's paper.

Mean-loss convention. The data losses here are *means* over the ``n`` observations, as in deep
learning code: ``L(w) = RSS(w) / (2n)`` for least squares and the mean binary cross-entropy for
logistic regression. Then ``L(w) + (wd / 2) ||w||^2`` has the same minimiser as
``RSS + lam ||w||^2`` (resp. ``sum BCE + (lam / 2) ||w||^2``) with ``lam = n * wd``
(:func:`weight_decay_lambda`), i.e. a Gaussian prior with ``tau^2 = sigma^2 / (n wd)``
(resp. ``1 / (n wd)``).

Parametrisation. ``lr`` is Algorithm 2's ``alpha`` and ``schedule(t)`` its multiplier
``eta_t`` (default 1). The decoupled decay is parametrised as in ``torch.optim.AdamW``: the
per-step shrinkage is ``eta_t * lr * weight_decay``, i.e. Algorithm 2's ``lambda`` equals
``lr * weight_decay``. The update formulas follow ``torch.optim`` (single-tensor path) operation
by operation, so that float64 runs agree with torch to rounding.

References
----------
Kingma, D. P. & Ba, J. (2015). Adam: a method for stochastic optimization. ICLR.
Loshchilov, I. & Hutter, F. (2019). Decoupled weight decay regularization. ICLR, Algorithm 2.
Robbins, H. & Monro, S. (1951). A stochastic approximation method. Ann. Math. Statist. 22(3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np
from numpy.typing import ArrayLike

from simulations.design import as_design
from simulations.penalised import ridge, ridge_logistic
from claimkit.validation import (as_finite_array, nonnegative_scalar, positive_int,
                                    positive_scalar)

__all__ = [
    "ConvexProblem",
    "Trajectory",
    "adam",
    "adamw",
    "least_squares_problem",
    "logistic_problem",
    "sgd",
    "weight_decay_lambda",
]

GradientFn = Callable[[np.ndarray], np.ndarray]
Schedule = Callable[[int], float]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Trajectory:
    """An optimiser run: final iterate, recorded iterates and the stopping record.

    Attributes
    ----------
    method : str
        ``'sgd'``, ``'adam'`` or ``'adamw'``.
    coef : numpy.ndarray
        Final iterate.
    iterates : numpy.ndarray
        Recorded iterates, shape ``(k, *coef.shape)``; ``iterates[0]`` is the start.
    steps : numpy.ndarray
        Iteration number of each recorded iterate (``0`` = start; the last is ``n_iter``).
    n_iter : int
        Iterations run.
    converged : bool
        Whether the step criterion ``||w_t - w_{t-1}||_inf <= tol (1 + ||w_t||_inf)`` stopped the
        run before ``max_iter``.
    hyper : dict
        Hyper-parameters of the run.
    """

    method: str
    coef: np.ndarray
    iterates: np.ndarray
    steps: np.ndarray
    n_iter: int
    converged: bool
    hyper: dict = field(default_factory=dict)

    def distances(self, target: ArrayLike) -> np.ndarray:
        """Euclidean distance of every recorded iterate to ``target``."""
        t = as_finite_array(target, "target", dtype=np.float64)
        if t.shape != self.coef.shape:
            raise ValueError(f"`target` must have shape {self.coef.shape}, got {t.shape}.")
        diff = (self.iterates - t).reshape(self.iterates.shape[0], -1)
        return np.sqrt(np.sum(diff * diff, axis=-1))


# --------------------------------------------------------------------------- validation


def _w0(w0: ArrayLike) -> np.ndarray:
    return np.array(as_finite_array(w0, "w0", min_ndim=1, dtype=np.float64), copy=True)


def _grad_fn(grad: GradientFn, w: np.ndarray) -> GradientFn:
    if not callable(grad):
        raise ValueError("`grad` must be callable: grad(w) -> array of w's shape.")
    g = np.asarray(grad(w))
    if g.shape != w.shape:
        raise ValueError(f"`grad` must return an array of shape {w.shape}, got {g.shape}.")
    return grad


def _schedule(schedule: Schedule | None) -> Schedule:
    if schedule is None:
        return lambda t: 1.0
    if not callable(schedule):
        raise ValueError("`schedule` must be callable: schedule(t) -> multiplier eta_t.")
    return schedule


def _betas(betas: tuple[float, float]) -> tuple[float, float]:
    try:
        b1, b2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise ValueError(f"`betas` must be a pair of numbers in [0, 1), got {betas!r}.") from None
    if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
        raise ValueError(f"`betas` must be a pair of numbers in [0, 1), got {betas!r}.")
    return b1, b2


def _common(lr: float, weight_decay: float, max_iter: int, record_every: int,
            tol: float) -> tuple[float, float, int, int, float]:
    return (positive_scalar(lr, "lr"), nonnegative_scalar(weight_decay, "weight_decay"),
            positive_int(max_iter, "max_iter"), positive_int(record_every, "record_every"),
            nonnegative_scalar(tol, "tol"))


# --------------------------------------------------------------------------- driver


def _run(method: str, step: Callable[[int, np.ndarray], np.ndarray], w: np.ndarray,
         max_iter: int, record_every: int, tol: float, hyper: dict) -> Trajectory:
    """Iterate ``w <- step(t, w)`` for ``t = 1..max_iter``, recording every ``record_every``."""
    iterates, steps = [w.copy()], [0]
    converged = False
    t = 0
    for t in range(1, max_iter + 1):
        new = step(t, w)
        if not np.all(np.isfinite(new)):
            raise FloatingPointError(f"{method} diverged at iteration {t} (non-finite iterate); "
                                     "lower `lr`.")
        moved = float(np.max(np.abs(new - w)))
        w = new
        if t % record_every == 0:
            iterates.append(w.copy())
            steps.append(t)
        if moved <= tol * (1.0 + float(np.max(np.abs(w)))):
            converged = True
            break
    if steps[-1] != t:
        iterates.append(w.copy())
        steps.append(t)
    return Trajectory(method=method, coef=w, iterates=np.stack(iterates),
                      steps=np.asarray(steps), n_iter=t, converged=converged, hyper=hyper)


def sgd(grad: GradientFn, w0: ArrayLike, *, lr: float, weight_decay: float = 0.0,
        max_iter: int = 10_000, tol: float = 0.0, record_every: int = 1,
        schedule: Schedule | None = None) -> Trajectory:
    r"""(Full-batch) SGD with coupled weight decay, as ``torch.optim.SGD`` without momentum.

    ``d = grad L(w) + wd * w``; ``w <- w - eta_t lr d``. This is gradient descent on
    ``L(w) + (wd / 2) ||w||^2``: weight decay *is* an L2 penalty for SGD. On an ``L``-smooth,
    ``mu``-strongly convex penalised loss it converges linearly for ``lr < 2 / L`` with rate
    ``max |1 - lr * eig|`` over the Hessian's eigenvalues.

    Parameters
    ----------
    grad : callable
        ``grad(w)``: gradient of the data loss ``L`` (no penalty), shape of ``w``.
    w0 : array_like
        Starting point.
    lr : float
        Learning rate ``> 0``.
    weight_decay : float, optional
        ``wd >= 0``.
    max_iter : int, optional
        Maximum number of iterations.
    tol : float, optional
        Stop when ``||w_t - w_{t-1}||_inf <= tol (1 + ||w_t||_inf)``; ``0`` stops only at an
        exact fixed point.
    record_every : int, optional
        Record every ``record_every``-th iterate (the start and the end are always recorded).
    schedule : callable, optional
        ``schedule(t)`` -> learning-rate multiplier ``eta_t`` for step ``t = 1, 2, ...``.

    Returns
    -------
    Trajectory

    References
    ----------
    Robbins & Monro (1951). Loshchilov & Hutter (2019), Proposition 1: for plain SGD, weight
    decay and an L2 penalty are the same update (up to reparametrising the coefficient by the
    learning rate); Algorithm 1 shows both variants.
    """
    lr_, wd, max_iter_, every, tol_ = _common(lr, weight_decay, max_iter, record_every, tol)
    w = _w0(w0)
    g_fn = _grad_fn(grad, w)
    eta = _schedule(schedule)

    def step(t: int, w: np.ndarray) -> np.ndarray:
        d = np.asarray(g_fn(w), dtype=np.float64)
        if wd != 0:
            d = d + wd * w
        return w + (-(lr_ * eta(t))) * d

    return _run("sgd", step, w, max_iter_, every, tol_,
                {"lr": lr_, "weight_decay": wd, "tol": tol_})


def _adam_like(method: Literal["adam", "adamw"], grad: GradientFn, w0: ArrayLike, lr: float,
               betas: tuple[float, float], eps: float, weight_decay: float, max_iter: int,
               tol: float, record_every: int, schedule: Schedule | None) -> Trajectory:
    lr_, wd, max_iter_, every, tol_ = _common(lr, weight_decay, max_iter, record_every, tol)
    b1, b2 = _betas(betas)
    eps_ = positive_scalar(eps, "eps")
    w = _w0(w0)
    g_fn = _grad_fn(grad, w)
    eta = _schedule(schedule)
    m = np.zeros_like(w)
    v = np.zeros_like(w)

    def step(t: int, w: np.ndarray) -> np.ndarray:
        nonlocal m, v
        lr_t = lr_ * eta(t)
        g = np.asarray(g_fn(w), dtype=np.float64)
        if wd != 0:
            if method == "adamw":
                w = w * (1 - lr_t * wd)            # decoupled: shrink the weights directly
            else:
                g = g + wd * w                     # L2 in the loss: decay enters the moments
        m = m + (1 - b1) * (g - m)
        v = v * b2 + (1 - b2) * (g * g)
        step_size = lr_t / (1 - b1 ** t)
        denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps_
        return w + (-step_size) * (m / denom)

    return _run(method, step, w, max_iter_, every, tol_,
                {"lr": lr_, "betas": [b1, b2], "eps": eps_, "weight_decay": wd, "tol": tol_})


def adam(grad: GradientFn, w0: ArrayLike, *, lr: float = 1e-3,
         betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
         max_iter: int = 10_000, tol: float = 0.0, record_every: int = 1,
         schedule: Schedule | None = None) -> Trajectory:
    r"""Adam with the L2 penalty in the loss, as ``torch.optim.Adam(weight_decay=wd)``.

    ``g = grad L(w) + wd w``; ``m <- beta1 m + (1 - beta1) g``; ``v <- beta2 v + (1 - beta2) g^2``;
    ``w <- w - eta_t lr m_hat / (sqrt(v_hat) + eps)`` with the bias corrections
    ``m_hat = m / (1 - beta1^t)``, ``v_hat = v / (1 - beta2^t)``. A fixed point has ``m = 0``,
    hence ``grad L(w) + wd w = 0``: the minimiser of ``L + (wd / 2) ||w||^2``, the MAP.

    Parameters
    ----------
    grad, w0, max_iter, tol, record_every, schedule
        As in :func:`sgd`.
    lr : float, optional
        Step size ``alpha > 0``.
    betas : pair of float, optional
        Moment decay rates in ``[0, 1)``.
    eps : float, optional
        Denominator offset ``> 0``.
    weight_decay : float, optional
        Coefficient ``wd >= 0`` of the L2 term ``(wd / 2) ||w||^2`` added to the loss.

    Returns
    -------
    Trajectory

    References
    ----------
    Kingma & Ba (2015), Algorithm 1; Loshchilov & Hutter (2019), Algorithm 2 (L2 variant).
    """
    return _adam_like("adam", grad, w0, lr, betas, eps, weight_decay, max_iter, tol,
                      record_every, schedule)


def adamw(grad: GradientFn, w0: ArrayLike, *, lr: float = 1e-3,
          betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 1e-2, max_iter: int = 10_000, tol: float = 0.0,
          record_every: int = 1, schedule: Schedule | None = None) -> Trajectory:
    r"""AdamW, decoupled weight decay, as ``torch.optim.AdamW`` (Loshchilov & Hutter, Alg. 2).

    ``w <- w (1 - eta_t lr wd)`` then the Adam step on ``grad L(w)`` alone (both evaluated at the
    previous iterate, as in Algorithm 2, line 12, with ``lambda = lr * wd``). The moments never
    see the decay, so the limit does not solve ``grad L(w) + wd w = 0``: see the module docstring.

    Parameters
    ----------
    grad, w0, lr, betas, eps, max_iter, tol, record_every, schedule
        As in :func:`adam`.
    weight_decay : float, optional
        Decoupled decay ``wd >= 0`` (torch's default ``0.01``).

    Returns
    -------
    Trajectory

    References
    ----------
    Loshchilov, I. & Hutter, F. (2019). Decoupled weight decay regularization. ICLR,
    Algorithm 2 ("AdamW").
    """
    return _adam_like("adamw", grad, w0, lr, betas, eps, weight_decay, max_iter, tol,
                      record_every, schedule)


# --------------------------------------------------------------------------- problems


def weight_decay_lambda(weight_decay: float, n: int) -> float:
    r"""Penalty ``lam = n * wd`` equivalent to weight decay ``wd`` on a *mean* loss.

    Least squares: ``RSS / (2n) + (wd / 2) ||w||^2 = [RSS + n wd ||w||^2] / (2n)`` -> ridge with
    ``lam = n wd`` (:func:`simulations.penalised.ridge`). Logistic: ``mean BCE + (wd / 2)||w||^2
    = [sum BCE + (n wd / 2) ||w||^2] / n`` -> :func:`simulations.penalised.ridge_logistic` with
    ``lam = n wd``.

    Parameters
    ----------
    weight_decay : float
        ``wd >= 0``.
    n : int
        Number of observations the loss averages over.

    Returns
    -------
    float
    """
    return nonnegative_scalar(weight_decay, "weight_decay") * positive_int(n, "n")


@dataclass(frozen=True, slots=True)
class ConvexProblem:
    """A convex mean loss on data ``(X, y)``: least squares or logistic regression.

    Attributes
    ----------
    kind : {'least-squares', 'logistic'}
        ``L(w) = RSS / (2n)`` or the mean binary cross-entropy of ``sigmoid(Xw)``.
    X : numpy.ndarray
        Design, shape ``(n, p)``.
    y : numpy.ndarray
        Responses, shape ``(n,)`` (0/1 for logistic).
    """

    kind: Literal["least-squares", "logistic"]
    X: np.ndarray
    y: np.ndarray

    @property
    def n(self) -> int:
        """Number of observations."""
        return int(self.X.shape[0])

    def loss(self, w: np.ndarray) -> float:
        """The data loss ``L(w)`` (a mean over observations)."""
        z = self.X @ w
        if self.kind == "least-squares":
            r = self.y - z
            return float(r @ r) / (2 * self.n)
        return float(np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - self.y * z))

    def grad(self, w: np.ndarray) -> np.ndarray:
        """Full-batch gradient of ``L`` at ``w``."""
        z = self.X @ w
        if self.kind == "least-squares":
            return self.X.T @ (z - self.y) / self.n
        return self.X.T @ (1.0 / (1.0 + np.exp(-z)) - self.y) / self.n

    def penalised_optimum(self, weight_decay: float) -> np.ndarray:
        """Minimiser of ``L(w) + (wd / 2) ||w||^2``: the Gaussian-prior MAP (``wd = 0``: the MLE).

        Computed by a direct solver (ridge normal equations, or damped Newton for logistic
        regression) with ``lam = n * wd`` (:func:`weight_decay_lambda`), independently of the
        iterative optimisers of this module.
        """
        lam = weight_decay_lambda(weight_decay, self.n)
        if self.kind == "least-squares":
            return ridge(self.X, self.y, lam).coef
        fit = ridge_logistic(self.X, self.y, lam)
        if fit.n_not_converged:
            raise FloatingPointError("Newton did not converge for the penalised logistic optimum.")
        return fit.coef


def _single(X: ArrayLike, y: ArrayLike, response: Literal["real", "binary"]
            ) -> tuple[np.ndarray, np.ndarray]:
    """One data set: ``X`` of shape ``(n, p)`` and ``y`` of shape ``(n,)``."""
    X_ = as_finite_array(X, "X", ndim=2, dtype=np.float64)
    y_ = as_finite_array(y, "y", ndim=1, dtype=np.float64)
    d = as_design(X_, y_, response=response, min_obs_per_feature=False)
    return d.X, d.y[0]


def least_squares_problem(X: ArrayLike, y: ArrayLike) -> ConvexProblem:
    """Least squares with the mean loss ``RSS / (2n)``.

    Parameters
    ----------
    X : array_like
        Design, shape ``(n, p)``.
    y : array_like
        Responses, shape ``(n,)``.

    Returns
    -------
    ConvexProblem
    """
    return ConvexProblem("least-squares", *_single(X, y, "real"))


def logistic_problem(X: ArrayLike, y: ArrayLike) -> ConvexProblem:
    """Logistic regression with the mean binary cross-entropy loss.

    Parameters
    ----------
    X : array_like
        Design, shape ``(n, p)``.
    y : array_like
        0/1 responses, shape ``(n,)``.

    Returns
    -------
    ConvexProblem
    """
    return ConvexProblem("logistic", *_single(X, y, "binary"))
