"""Batched maximum likelihood for logistic and multinomial-logit regression: cross-entropy
minimised by Newton's method (IRLS), one model per data set of a leading batch axis.

The negative log-likelihood of a categorical model with class probabilities ``pi_i`` is the
summed cross-entropy ``-sum_i log pi_{i, y_i}`` between the one-hot labels and the model, so
the minimiser of the cross-entropy *is* the maximum-likelihood estimate; these functions
minimise it directly.

Models (class 0 is the reference, as in statsmodels ``Logit``/``MNLogit``):

* logistic: ``P(y = 1 | x) = sigmoid(x' beta)``, ``beta`` of shape ``(p,)``;
* multinomial logit: ``P(y = k | x) = softmax(0, x' B_1, ..., x' B_{K-1})_k``, ``B`` of shape
  ``(p, K - 1)`` (the layout of ``MNLogit.params``).

Algorithm (Newton-Raphson = IRLS for canonical links; McCullagh & Nelder 1989, §2.5 and
§4.4): from ``theta = 0``, ``theta <- theta + t * step`` with ``H step = -g`` (``g``, ``H``:
gradient and Hessian of the NLL, the Hessian is the Fisher information ``X' W X``). Step
halving: ``t = 1, 1/2, 1/4, ...`` (at most :data:`MAX_HALVINGS` times) until the NLL does not
increase by more than its rounding error, ``n * eps * (1 + |NLL|)``.

Convergence criterion, per data set: the full Newton step is small,
``max|step| <= tol * (1 + max|theta|)``. Newton converges quadratically near the optimum, so
the error left after such a step is ``O(tol^2)``. A data set whose Newton system is singular or
whose line search fails, or that reaches ``max_iter`` (e.g. under complete or quasi-complete
separation, where the MLE does not exist and ``|theta|`` grows by about one unit per step), is
flagged ``converged = False``; it is kept in every array and counted in ``n_failed``, never
dropped.

The logistic kernel
-------------------
:func:`fit_logistic` is the one batched logistic MLE of the project (the Monte Carlo models of
:mod:`simulations.models` call it too), so it is written for throughput without giving up
any of the above:

* **Descent certificate instead of the NLL.** The NLL is convex, so
  ``f(theta + s) <= f(theta) + g(theta + s)' s``: when the gradient at the candidate -- which
  the next Newton step needs anyway -- has ``g(theta + s)' s <= n eps``, the step cannot have
  increased the NLL beyond the halving rule's slack and is accepted without evaluating it.
  Only the other candidates (overshooting steps, in practice only far from the optimum) go
  through step halving on the NLL. The NLL itself is computed once, at the end.
* **One exponential per observation** gives the residual ``sigmoid(eta) - y`` and the weight
  ``sigmoid'(eta)``, both to a few ulps of *relative* accuracy even where they are tiny
  (:func:`_derivatives`); the NLL uses ``max(eta, 0) + log1p(exp(-|eta|))`` (:func:`_nll`).
* **Blocks and reused memory.** Data sets are processed in blocks of about
  :data:`LOGISTIC_BLOCK_VALUES` work-array values, carved from one per-thread buffer that
  every block and call reuses (fresh arrays of that size cost more in page faults than the
  arithmetic on them). Per-data-set designs are stored column-major, multiplied by the signed
  labels ``2y - 1``, together with their column products ``x_j x_k``: the margins, ``X' r``
  and ``X' W X`` are each one matrix-vector product per data set.
* **Only rows still iterating are updated.** Rows that stop are frozen (zero gradient,
  identity Hessian: their step is exactly 0) and the block is compacted to the rows still
  iterating once they are at most half of it.
* **No evaluation only to stop.** The convergence test needs the Newton step, which needs the
  derivatives at the current iterate only: a logistic fit stops at the first iterate whose step
  is small and returns *that* iterate with the gradient computed there (its distance to the
  optimum is the step's size to first order, so ``<= tol * (1 + max|theta|)``), instead of
  taking the small step and evaluating the derivatives once more to report the gradient at the
  new point. The multinomial fits take the small step (error ``O(tol^2)``).

References
----------
McCullagh, P. & Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed. Chapman & Hall,
§2.5 (IRLS), §4.4 (binary data), §5.4 (multinomial response).
Murphy, K. P. (2022). *Probabilistic Machine Learning: An Introduction*. MIT Press, §10.2.6
(Newton / IRLS for logistic regression), §10.3 (multinomial logistic regression).
Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
logistic regression models. *Biometrika* 71(1), 1-10.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from simulations.design import (
    Design,
    as_design,
    as_max_iter,
    as_tolerance,
    fitted,
    solve_batched,
    xt_dot,
)
from claimkit.validation import as_finite_array

__all__ = [
    "BLOCK_ELEMENTS",
    "DEFAULT_MAX_ITER",
    "DEFAULT_TOL",
    "LOGISTIC_BLOCK_VALUES",
    "MAX_HALVINGS",
    "LogitFit",
    "fit_logistic",
    "fit_logistic_design",
    "fit_multinomial",
    "logistic_proba",
    "multinomial_proba",
]

#: Default step tolerance: ``max|step| <= tol * (1 + max|theta|)``. Quadratic convergence leaves
#: an error of order ``tol^2``, far below rounding; the step itself is computed to about
#: ``kappa(H) * eps``, so ``1e-10`` is reachable for Fisher informations with ``kappa < 1e5``.
DEFAULT_TOL: float = 1e-10
#: Default iteration limit. Newton needs 5-8 iterations on data with an MLE; 100 lets a
#: separated data set's ``|theta|`` grow to about 100 before it is flagged.
DEFAULT_MAX_ITER: int = 100
#: Maximum halvings of a Newton step (``t >= 2**-30``, about ``1e-9``).
MAX_HALVINGS: int = 30
#: Values per temporary array when the multinomial NLL and its derivatives are evaluated.
BLOCK_ELEMENTS: int = 1 << 16
#: Work-array values (float64) per block of the logistic kernel, 4 MiB: a block holds
#: ``5 + p + p(p+1)/2`` values per observation (5 for a shared design), so for ``p = 2``
#: about 52 000 observations -- enough that numpy's per-call overhead is small against the
#: arithmetic (smaller blocks are slower), little enough to stay in the L2/L3 caches.
LOGISTIC_BLOCK_VALUES: int = 1 << 19
_EPS: float = float(np.finfo(np.float64).eps)
#: Largest argument of ``exp`` in the logistic derivatives (``exp(709) < DBL_MAX``).
_EXP_MAX: float = 709.0


@dataclass(frozen=True, slots=True)
class LogitFit:
    """A batch of fitted logistic or multinomial-logit models.

    Attributes
    ----------
    coef : numpy.ndarray
        ``(*batch, p)`` for the logistic model; ``(*batch, p, K - 1)`` for the multinomial
        logit (class 0 is the reference; the layout of statsmodels ``MNLogit.params``).
    nll : numpy.ndarray
        Summed cross-entropy = negative log-likelihood at ``coef``, shape ``batch``.
    max_grad : numpy.ndarray
        ``max |d NLL / d theta|`` at ``coef``, shape ``batch``.
    converged : numpy.ndarray of bool
        Per data set: the convergence criterion (module docstring) was met.
    n_iter : numpy.ndarray of int
        Newton iterations per data set.
    n_classes : int
        Number of classes ``K`` (2 for the logistic model).
    n_obs : int
        Observations per data set.
    """

    coef: np.ndarray
    nll: np.ndarray
    max_grad: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray
    n_classes: int
    n_obs: int

    @property
    def n_failed(self) -> int:
        """Number of data sets that did not converge (kept in every array, flagged here)."""
        return int(np.count_nonzero(~self.converged))


# ------------------------------------------------------------------ logistic kernel: memory


class _Workspace(threading.local):
    """One flat float64 buffer per thread from which the kernel carves its work arrays.

    Reused by every block and every call in the thread, so that steady-state Monte Carlo runs
    touch no fresh pages; each thread (e.g. a Dask worker thread) has its own.
    """

    def __init__(self) -> None:
        self.flat = np.empty(0)

    def carve(self, *shapes: tuple[int, ...]) -> list[np.ndarray]:
        """Disjoint uninitialised arrays of ``shapes``, valid until the next ``carve``."""
        sizes = [math.prod(s) for s in shapes]
        if self.flat.size < sum(sizes):
            self.flat = np.empty(sum(sizes))
        out, at = [], 0
        for shape, size in zip(shapes, sizes):
            out.append(self.flat[at:at + size].reshape(shape))
            at += size
        return out


_WORKSPACE = _Workspace()


@functools.lru_cache(maxsize=16)
def _triu(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the upper triangle of a ``p x p`` matrix (row-major).

    Cached and shared, hence read-only.
    """
    j, k = np.triu_indices(p)
    j.setflags(write=False)
    k.setflags(write=False)
    return j, k


def _symmetric(upper: np.ndarray, p: int) -> np.ndarray:
    """Symmetric matrices ``(m, p, p)`` from their upper triangles ``(m, q)``."""
    j, k = _triu(p)
    out = np.empty(upper.shape[:-1] + (p, p))
    out[:, j, k] = upper
    out[:, k, j] = upper
    return out


def _solve_upper(upper: np.ndarray, b: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``A_m x_m = b_m`` for symmetric ``A`` given by upper triangles ``(m, q)``.

    As :func:`~simulations.design.solve_batched` (rows of singular or non-finite systems are
    0 and flagged); for ``p = 2``, with ``upper = (a, c, d)`` for ``[[a, c], [c, d]]``, by the
    explicit inverse ``[[d, -c], [-c, a]] / (ad - c^2)``: a few vector operations instead of a
    batched LAPACK call whose per-call cost dominates at this size. Kept here rather than in
    ``solve_batched``: its other callers (the regression fits) keep LAPACK's numbers.
    """
    if p != 2:
        return solve_batched(_symmetric(upper, p), b)
    a, c, d = upper[:, 0], upper[:, 1], upper[:, 2]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        det = a * d - c * c
        x = np.stack([(d * b[:, 0] - c * b[:, 1]) / det,
                      (a * b[:, 1] - c * b[:, 0]) / det], axis=1)
    ok = (det != 0.0) & np.all(np.isfinite(x), axis=1)
    x[~ok] = 0.0
    return x, ok


# ------------------------------------------------------------------ logistic kernel: designs


class _Columns(Protocol):
    """The signed designs of a block of ``m`` data sets, seen through the products Newton needs.

    With signed labels ``s = 2y - 1`` every observation enters the NLL through its margin
    ``s * eta``; the products below fold ``s`` in.
    """

    def take(self, rows: np.ndarray) -> _Columns:
        """The data sets ``rows`` of the block (block-local indices)."""

    def margin(self, theta: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Margins ``s * (X theta)`` ``(m, n)`` of parameters ``(m, p)``, into ``out``."""

    def signed_dot(self, v: np.ndarray) -> np.ndarray:
        """``X' (s * v)`` per data set: ``(m, p)`` for ``v`` of shape ``(m, n)``."""

    def gram(self, w: np.ndarray) -> np.ndarray:
        """Upper triangle of ``X' diag(w) X`` per data set, ``(m, p (p + 1) / 2)``."""


class _SharedColumns:
    """One design ``X`` ``(n, p)`` for every data set, signed labels ``sy`` ``(m, n)``.

    ``X theta``, ``X' v`` and ``X' diag(w) X`` (via the column products ``x_j x_k``) are each
    one BLAS matrix product for the whole block.
    """

    __slots__ = ("X", "products", "sy")

    def __init__(self, X: np.ndarray, products: np.ndarray, sy: np.ndarray) -> None:
        self.X, self.products, self.sy = X, products, sy

    @classmethod
    def load(cls, X: np.ndarray, sy: np.ndarray) -> _SharedColumns:
        """From the shared design ``(n, p)`` and the block's signed labels."""
        j, k = _triu(X.shape[1])
        return cls(X, X[:, j] * X[:, k], sy)

    def take(self, rows: np.ndarray) -> _SharedColumns:
        return _SharedColumns(self.X, self.products, self.sy[rows])

    def margin(self, theta: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.matmul(theta, self.X.T, out=out)
        return np.multiply(out, self.sy, out=out)

    def signed_dot(self, v: np.ndarray) -> np.ndarray:
        return (self.sy * v) @ self.X

    def gram(self, w: np.ndarray) -> np.ndarray:
        return w @ self.products


class _RowColumns:
    """One design per data set, signed and column-major: ``Xs = s * X'`` ``(m, p, n)``.

    ``products[:, i] = x_j * x_k`` for the ``i``-th upper-triangle pair ``(j, k)`` (``s^2 = 1``
    drops out), so ``X' diag(w) X`` is one matrix-vector product per data set; designs and
    products are formed once per block, not once per iteration.
    """

    __slots__ = ("Xs", "products")

    def __init__(self, Xs: np.ndarray, products: np.ndarray) -> None:
        self.Xs, self.products = Xs, products

    @classmethod
    def load(cls, X: np.ndarray, sy: np.ndarray, Xs: np.ndarray, products: np.ndarray
             ) -> _RowColumns:
        """Fill the buffers ``Xs`` ``(m, p, n)``, ``products`` from designs ``(m, n, p)``."""
        np.copyto(Xs, X.transpose(0, 2, 1))
        for i, (j, k) in enumerate(zip(*_triu(X.shape[2]))):
            np.multiply(Xs[:, j], Xs[:, k], out=products[:, i])
        np.multiply(Xs, sy[:, None, :], out=Xs)
        return cls(Xs, products)

    def take(self, rows: np.ndarray) -> _RowColumns:
        return _RowColumns(self.Xs[rows], self.products[rows])

    def margin(self, theta: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.matmul(theta[:, None, :], self.Xs, out=out[:, None, :])
        return out

    def signed_dot(self, v: np.ndarray) -> np.ndarray:
        return np.matmul(self.Xs, v[:, :, None])[:, :, 0]

    def gram(self, w: np.ndarray) -> np.ndarray:
        return np.matmul(self.products, w[:, :, None])[:, :, 0]


# ------------------------------------------------------------------ logistic kernel: NLL


class _Scratch:
    """Four work arrays ``(rows, n)`` for one evaluation; views ``[:m]`` for ``m`` rows.

    ``cap`` is a row ``(n,)`` of :data:`_EXP_MAX`: numpy's ``minimum`` of an array and a
    row runs its vectorised loop, against a scalar a loop twice as slow.
    """

    __slots__ = ("eta", "a", "b", "w", "cap")

    def __init__(self, eta: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> None:
        self.eta, self.a, self.b, self.w = eta, a, b, w
        self.cap = np.full(eta.shape[-1], _EXP_MAX)


def _derivatives(cols: _Columns, theta: np.ndarray, s: _Scratch
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Gradient ``(m, p)`` and Hessian upper triangle ``(m, q)`` of the NLL at ``theta``.

    With signed labels ``s = 2y - 1`` and the margin ``u = s * eta``:
    ``sigmoid(eta) - y = -s * sigmoid(-u)`` and ``sigmoid'(eta) = E sigmoid(-u)^2`` with
    ``E = exp(u)``. One exponential gives both, each to a few ulps of *relative* accuracy
    also where they are tiny: the residuals of well-fitted points under (quasi-)separation are
    not rounded to zero, so a diverging fit cannot pass for a converged one. ``u`` is clipped
    at :data:`_EXP_MAX` so that ``E`` stays finite (``sigmoid(-u) < 1e-307`` there either way).
    """
    m = theta.shape[0]
    u, E, sig, w = s.eta[:m], s.a[:m], s.b[:m], s.w[:m]
    cols.margin(theta, u)
    np.minimum(u, s.cap, out=u)
    np.exp(u, out=E)
    np.add(E, 1.0, out=sig)
    np.divide(1.0, sig, out=sig)
    np.multiply(E, sig, out=w)
    np.multiply(w, sig, out=w)
    g = cols.signed_dot(sig)
    np.negative(g, out=g)
    return g, cols.gram(w)


def _nll(cols: _Columns, theta: np.ndarray, s: _Scratch) -> np.ndarray:
    """Binary cross-entropy ``sum log(1 + e^-u)`` of the margins ``u``, per data set ``(m,)``.

    ``log(1 + e^-u) = max(-u, 0) + log1p(exp(-|u|))`` (``= log(1 + e^eta) - y eta``): no
    overflow, no cancellation.
    """
    m = theta.shape[0]
    u, sp, tp = s.eta[:m], s.a[:m], s.b[:m]
    cols.margin(theta, u)
    np.abs(u, out=sp)
    np.negative(sp, out=sp)
    np.exp(sp, out=sp)
    np.log1p(sp, out=sp)
    np.negative(u, out=tp)
    np.maximum(tp, 0.0, out=tp)
    sp += tp
    return sp.sum(axis=-1)


def _descends(g_new: np.ndarray, step: np.ndarray, n_obs: int) -> np.ndarray:
    """Certificate that a step did not increase the (convex) NLL beyond its rounding error.

    Convexity gives ``f(theta) >= f(theta + s) - g(theta + s)' s``, so
    ``g(theta + s)' s <= n eps`` implies ``f(theta + s) <= f(theta) + n eps``, within the
    acceptance slack ``n eps (1 + |f|)`` of :func:`_backtrack`: the NLL need not be evaluated.
    """
    return np.einsum("mp,mp->m", g_new, step) <= n_obs * _EPS


def _backtrack(cols: _Columns, theta: np.ndarray, step: np.ndarray, n_obs: int, s: _Scratch
               ) -> tuple[np.ndarray, np.ndarray]:
    """Step halving on the NLL, for rows whose full step lacks the descent certificate.

    Returns the accepted fractions ``t`` (``1, 1/2, ...``, at most :data:`MAX_HALVINGS`
    halvings; accepted when the NLL does not increase by more than its rounding error
    ``n eps (1 + |NLL|)``) and whether one was found.
    """
    f0 = _nll(cols, theta, s)
    slack = n_obs * _EPS * (1.0 + np.abs(f0))
    t = np.ones(theta.shape[0])
    found = np.zeros(theta.shape[0], bool)
    pending = np.isfinite(f0)
    for _ in range(MAX_HALVINGS + 1):
        k = np.flatnonzero(pending)
        if k.size == 0:
            break
        fc = _nll(cols.take(k), theta[k] + t[k, None] * step[k], s)
        good = np.isfinite(fc) & (fc <= f0[k] + slack[k])
        found[k[good]] = True
        pending[k[good]] = False
        t[k[~good]] *= 0.5
    return t, found


# ------------------------------------------------------------------ logistic kernel: Newton


@dataclass(frozen=True, slots=True)
class _Run:
    """A batched Newton run: final parameters and gradient, flags, iteration counts."""

    theta: np.ndarray
    grad: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray

    @classmethod
    def empty(cls, m: int, p: int) -> _Run:
        return cls(np.zeros((m, p)), np.zeros((m, p)), np.zeros(m, bool), np.zeros(m, int))

    @classmethod
    def concat(cls, runs: list[_Run]) -> _Run:
        return cls(*(np.concatenate([getattr(r, f) for r in runs], axis=0)
                     for f in ("theta", "grad", "converged", "n_iter")))


class _Block:
    """Newton state of the data sets of one block that are still in its work arrays.

    ``rows`` are their block-local indices, ``live`` marks those still iterating; stopped
    rows are frozen (zero gradient, identity Hessian, zero step) until the next compaction.
    ``step`` and ``solved`` hold the Newton step from the current iterate.
    """

    __slots__ = ("cols", "n_obs", "rows", "live", "theta", "g", "h", "step", "solved")

    def __init__(self, cols: _Columns, m: int, n: int) -> None:
        self.cols, self.n_obs = cols, n
        self.rows = np.arange(m)
        self.live = np.ones(m, bool)
        # At theta = 0: sigmoid = 1/2 and weights 1/4, so g = X'(1/2 - y) = -X's/2.
        self.g = -0.5 * cols.signed_dot(np.ones((1, n)))
        self.theta = np.zeros_like(self.g)
        h = cols.gram(np.full((1, n), 0.25))
        self.h = np.repeat(h, m, axis=0) if h.shape[0] == 1 else h
        self.step, self.solved = np.zeros_like(self.g), np.ones(m, bool)

    def direction(self, tol: float) -> np.ndarray:
        """Solve for the Newton steps; return the live rows whose step is below ``tol``."""
        self.step, self.solved = _solve_upper(self.h, -self.g, self.theta.shape[1])
        small = np.max(np.abs(self.step), axis=1) <= tol * (1.0 + np.max(np.abs(self.theta),
                                                                          axis=1))
        return self.live & self.solved & small

    def retire(self, stop: np.ndarray, out: _Run) -> bool:
        """Record rows ``stop`` (mask) in ``out`` and freeze them; compact the work arrays
        once half their rows are stopped. Returns whether any row is still live."""
        if not stop.any():
            return True
        out.theta[self.rows[stop]] = self.theta[stop]
        out.grad[self.rows[stop]] = self.g[stop]
        self.live &= ~stop
        j, k = _triu(self.theta.shape[1])
        self.g[stop], self.step[stop] = 0.0, 0.0
        self.h[stop] = (j == k).astype(float)
        n_live = np.count_nonzero(self.live)
        if 0 < n_live and 2 * n_live <= self.rows.size:
            k = np.flatnonzero(self.live)
            self.cols, self.rows = self.cols.take(k), self.rows[k]
            self.theta, self.g, self.h = self.theta[k], self.g[k], self.h[k]
            self.step, self.solved = self.step[k], self.solved[k]
            self.live = np.ones(k.size, bool)
        return n_live > 0


def _newton_step(b: _Block, s: _Scratch) -> np.ndarray:
    """Take the Newton step ``b.step`` of every row of ``b``; returns where it was accepted.

    The candidate's gradient and Hessian are computed once; candidates without the descent
    certificate go through :func:`_backtrack` and are re-evaluated at the accepted point.
    """
    step = b.step
    cand = b.theta + step
    g_new, h_new = _derivatives(b.cols, cand, s)
    ok = b.solved & _descends(g_new, step, b.n_obs)
    redo = np.flatnonzero(b.solved & ~ok & b.live)
    if redo.size:
        sub = b.cols.take(redo)
        t, found = _backtrack(sub, b.theta[redo], step[redo], b.n_obs, s)
        hit = redo[found]
        cand[hit] = b.theta[hit] + t[found, None] * step[hit]
        g_new[hit], h_new[hit] = _derivatives(sub.take(np.flatnonzero(found)), cand[hit], s)
        ok[hit] = True
    upd = ok & b.live
    b.theta[upd], b.g[upd], b.h[upd] = cand[upd], g_new[upd], h_new[upd]
    return ok


def _logistic_block(cols: _Columns, m: int, n: int, tol: float, max_iter: int, s: _Scratch
                    ) -> _Run:
    """Damped Newton from ``theta = 0`` for the ``m`` data sets of one block.

    A row stops, converged, at the first iterate whose Newton step is below ``tol`` (relative
    to ``1 + max|theta|``): that iterate is returned with the gradient evaluated there, and
    the small step is not taken (taking it would cost one more evaluation of the derivatives
    and return a point whose gradient is unknown). A row whose step cannot be solved or finds
    no descent stops unconverged, and so does one still moving after ``max_iter`` steps.
    """
    b = _Block(cols, m, n)
    out = _Run.empty(*b.theta.shape)
    for it in range(max_iter + 1):
        small = b.direction(tol)
        out.converged[b.rows[small]] = True
        if not b.retire(b.live & (small | ~b.solved) if it < max_iter else b.live.copy(), out):
            break
        ok = _newton_step(b, s)
        out.n_iter[b.rows[b.live]] += 1
        if not b.retire(b.live & ~ok, out):
            break
    return out


def _block_loader(d: Design) -> tuple[int, Callable[[int, int], _Columns], _Scratch]:
    """Data sets per block, a loader of block designs ``(lo, hi) -> _Columns`` and scratch.

    All block arrays are carved from the thread's :class:`_Workspace`.
    """
    n, p = d.n_obs, d.n_features
    q = p * (p + 1) // 2
    per_row = [] if d.shared else [(p, n), (q, n)]
    width = (5 + (0 if d.shared else p + q)) * n
    rows = max(1, min(d.n_batch, LOGISTIC_BLOCK_VALUES // width))
    eta, a, b, w, sy, *designs = _WORKSPACE.carve(*[(rows, n)] * 5,
                                                  *[(rows,) + s for s in per_row])
    scratch = _Scratch(eta, a, b, w)
    if d.shared:
        return rows, lambda lo, hi: _SharedColumns.load(d.X, _signed(d.y[lo:hi], sy)), scratch
    Xs, prod = designs

    def load(lo: int, hi: int) -> _Columns:
        m = hi - lo
        return _RowColumns.load(d.X[lo:hi], _signed(d.y[lo:hi], sy), Xs[:m], prod[:m])
    return rows, load, scratch


def _signed(y: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Signed labels ``2 y - 1`` of ``m`` data sets, into ``out[:m]``."""
    s = out[:y.shape[0]]
    np.multiply(y, 2.0, out=s)
    s -= 1.0
    return s


def _logistic_newton(d: Design, tol: float, max_iter: int) -> tuple[_Run, np.ndarray]:
    """Run :func:`_logistic_block` over all blocks; also return the NLL at the solutions."""
    rows, load, s = _block_loader(d)
    runs, nll = [], np.empty(d.n_batch)
    for lo in range(0, d.n_batch, rows):
        hi = min(lo + rows, d.n_batch)
        cols = load(lo, hi)
        run = _logistic_block(cols, hi - lo, d.n_obs, tol, max_iter, s)
        nll[lo:hi] = _nll(cols, run.theta, s)
        runs.append(run)
    return (_Run.concat(runs) if runs else _Run.empty(0, d.n_features)), nll


# ------------------------------------------------------------------ multinomial (generic Newton)


class _Objective(Protocol):
    """The NLL of data sets ``idx`` at flat parameters ``theta`` ``(m, d)``."""

    def derivatives(self, idx: np.ndarray, theta: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """NLL ``(m,)``, gradient ``(m, d)`` and Hessian ``(m, d, d)``."""


def _blocked(fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]], idx: np.ndarray,
             theta: np.ndarray, width: int) -> tuple[np.ndarray, ...]:
    """Evaluate ``fn`` on blocks of data sets so that temporaries hold ~BLOCK_ELEMENTS values.

    Vectorised within each block; blocking only keeps the ``(m, n)`` temporaries small enough
    to be reused by the allocator and to stay in cache (fresh 50 MB arrays cost more in page
    faults than the arithmetic on them).
    """
    rows = max(1, BLOCK_ELEMENTS // max(width, 1))
    if idx.size <= rows:
        return fn(idx, theta)
    parts = [fn(idx[s:s + rows], theta[s:s + rows]) for s in range(0, idx.size, rows)]
    return tuple(np.concatenate(arrs, axis=0) for arrs in zip(*parts))


class _Multinomial:
    """Categorical NLL ``sum logsumexp(0, X B) - eta_{y}``; ``theta`` = ``B`` flattened C-order."""

    def __init__(self, d: Design, n_classes: int) -> None:
        self.d = d
        self.n_classes = n_classes

    def derivatives(self, idx: np.ndarray, theta: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _blocked(self.block, idx, theta, self.d.n_obs * self.n_classes ** 2)

    def block(self, idx: np.ndarray, theta: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = self.d.design_for(idx)
        m, p, k1 = theta.shape[0], self.d.n_features, self.n_classes - 1
        eta = fitted(X, theta.reshape(m, p, k1))
        z = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)  # (m, n, K)
        lse = special.logsumexp(z, axis=-1)
        picked = np.take_along_axis(z, self.d.y[idx][..., None], axis=-1)[..., 0]
        f = np.sum(lse - picked, axis=-1)
        P = np.exp(z - lse[..., None])[..., 1:]  # (m, n, K-1)
        Y = self.d.y[idx][..., None] == np.arange(1, self.n_classes)
        g = xt_dot(X, P - Y).reshape(m, p * k1)
        W = P[..., :, None] * (np.eye(k1) - P[..., None, :])  # (m, n, K-1, K-1)
        sub = "ia,ic,mijk->majck" if X.ndim == 2 else "mia,mic,mijk->majck"
        H = np.einsum(sub, X, X, W, optimize=True).reshape(m, p * k1, p * k1)
        return f, g, H


def _newton(obj: _Objective, n_batch: int, dim: int, n_obs: int, tol: float, max_iter: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Batched damped Newton from ``theta = 0``.

    Derivatives are evaluated at each trial point, so an accepted full step (the common case)
    costs one evaluation; a rejected one is halved and re-evaluated.

    Returns
    -------
    theta, f, g, converged, n_iter
        Final parameters ``(B, d)``, NLL ``(B,)`` and gradient ``(B, d)`` there, flags and
        iteration counts.
    """
    eps = np.finfo(np.float64).eps
    theta = np.zeros((n_batch, dim))
    f, g, H = obj.derivatives(np.arange(n_batch), theta)
    converged = np.zeros(n_batch, bool)
    n_iter = np.zeros(n_batch, int)
    active = np.arange(n_batch)
    for _ in range(max_iter):
        if active.size == 0:
            break
        step, solved = solve_batched(H[active], -g[active])
        f_old = f[active]
        slack = n_obs * eps * (1.0 + np.abs(f_old))
        t = np.ones(active.size)
        accepted = np.zeros(active.size, bool)
        pending = solved & np.isfinite(f_old)
        for _ in range(MAX_HALVINGS + 1):
            if not pending.any():
                break
            k = np.flatnonzero(pending)
            cand = theta[active[k]] + t[k, None] * step[k]
            fc, gc, Hc = obj.derivatives(active[k], cand)
            good = np.isfinite(fc) & (fc <= f_old[k] + slack[k])
            rows = active[k[good]]
            theta[rows], f[rows], g[rows], H[rows] = cand[good], fc[good], gc[good], Hc[good]
            accepted[k[good]] = True
            pending[k[good]] = False
            t[k[~good]] *= 0.5
        n_iter[active] += 1
        small = solved & (np.max(np.abs(step), axis=-1)
                          <= tol * (1.0 + np.max(np.abs(theta[active]), axis=-1)))
        converged[active[small]] = True
        active = active[~small & accepted]  # unsolved systems and failed line searches stop
    return theta, f, g, converged, n_iter


def _finish(d: Design, run: tuple, coef_shape: tuple[int, ...], n_classes: int) -> LogitFit:
    """Package a Newton run (see :func:`_newton`) with the caller's batch shape."""
    theta, f, g, converged, n_iter = run
    return LogitFit(coef=d.unflatten(theta.reshape((d.n_batch,) + coef_shape)),
                    nll=d.unflatten(f), max_grad=d.unflatten(np.max(np.abs(g), axis=-1)),
                    converged=d.unflatten(converged), n_iter=d.unflatten(n_iter),
                    n_classes=n_classes, n_obs=d.n_obs)


# ------------------------------------------------------------------ public fitters


def fit_logistic(X: ArrayLike, y: ArrayLike, *, tol: float = DEFAULT_TOL,
                 max_iter: int = DEFAULT_MAX_ITER) -> LogitFit:
    r"""Batched logistic-regression MLE: minimise the binary cross-entropy by Newton/IRLS.

    Minimises :math:`\sum_i \log(1 + e^{\eta_i}) - y_i\eta_i`, :math:`\eta = X\beta` (the binary
    cross-entropy of the labels against :math:`\sigma(\eta)`), see the module docstring for the
    iteration, step halving, convergence criterion and how the kernel is made fast.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared or ``(*batch, n, p)`` (include a column of ones for an
        intercept), finite, ``n >= p``.
    y : array_like
        Binary labels in ``{0, 1}``, ``(*batch, n)``.
    tol : float, optional
        Step tolerance in ``(0, 1)`` (default :data:`DEFAULT_TOL`).
    max_iter : int, optional
        Maximum Newton iterations (default :data:`DEFAULT_MAX_ITER`).

    Returns
    -------
    LogitFit
        ``coef`` of shape ``(*batch, p)``; data sets that did not converge are flagged in
        ``converged`` and counted in ``n_failed``, with their last iterate in ``coef``.

    See Also
    --------
    fit_logistic_design : the same fit for data that are already validated.

    References
    ----------
    McCullagh & Nelder (1989), §4.4; Murphy (2022), §10.2.6.
    """
    return fit_logistic_design(as_design(X, y, response="binary"), tol=tol, max_iter=max_iter)


def fit_logistic_design(design: Design, *, tol: float = DEFAULT_TOL,
                        max_iter: int = DEFAULT_MAX_ITER) -> LogitFit:
    """:func:`fit_logistic` of data already validated into a :class:`~simulations.design.Design`.

    For callers that must not pay for validating the same values twice: data checked by
    ``as_design(X, y, response="binary")``, or drawn by a model itself
    (:meth:`simulations.models.LogisticRegression.sample_mle`). The values of ``design.y``
    are trusted to be 0 or 1 and those of ``design.X`` to be finite; everything else is
    checked.

    Parameters
    ----------
    design : Design
        ``X`` float64 ``(n, p)`` or ``(B, n, p)``, ``y`` float64 ``(B, n)`` with values in
        ``{0, 1}``.
    tol, max_iter
        As in :func:`fit_logistic`.

    Returns
    -------
    LogitFit
        As :func:`fit_logistic`, with ``design.batch_shape``.
    """
    _check_binary_design(design)
    tol = as_tolerance(tol)
    max_iter = as_max_iter(max_iter)
    run, nll = _logistic_newton(design, tol, max_iter)
    d = design
    return LogitFit(coef=d.unflatten(run.theta), nll=d.unflatten(nll),
                    max_grad=d.unflatten(np.max(np.abs(run.grad), axis=-1)),
                    converged=d.unflatten(run.converged), n_iter=d.unflatten(run.n_iter),
                    n_classes=2, n_obs=d.n_obs)


def _check_binary_design(design: object) -> None:
    """Structure (not values) of a design for :func:`fit_logistic_design`."""
    if not isinstance(design, Design):
        raise ValueError(f"`design` must be a simulations.design.Design (see as_design), got "
                         f"{type(design).__name__}.")
    X, y = design.X, design.y
    if X.dtype != np.float64 or y.dtype != np.float64 or y.ndim != 2 or X.ndim not in (2, 3):
        raise ValueError("`design` must hold float64 `X` of 2 or 3 dimensions and float64 "
                         "binary `y` of shape (B, n); use as_design(..., response='binary').")
    n, p = X.shape[-2:]
    if y.shape[1] != n or (X.ndim == 3 and X.shape[0] != y.shape[0]) or n < p \
            or math.prod(design.batch_shape) != y.shape[0]:
        raise ValueError(f"`design` has inconsistent shapes: X {X.shape}, y {y.shape}, "
                         f"batch {design.batch_shape}.")


def fit_multinomial(X: ArrayLike, y: ArrayLike, n_classes: int, *, tol: float = DEFAULT_TOL,
                    max_iter: int = DEFAULT_MAX_ITER) -> LogitFit:
    r"""Batched multinomial-logit MLE: minimise the softmax cross-entropy by Newton/IRLS.

    Minimises :math:`\sum_i \mathrm{logsumexp}(z_i) - z_{i,y_i}` with logits
    :math:`z_i = (0, x_i'B_1, \dots, x_i'B_{K-1})` (class 0 is the reference), i.e. the
    categorical cross-entropy of the one-hot labels against :math:`\mathrm{softmax}(z_i)`.
    The Hessian with respect to ``B`` (flattened in C order) is
    :math:`\sum_i (\mathrm{diag}(\pi_i) - \pi_i\pi_i^\top) \otimes x_i x_i^\top` over the
    non-reference classes.

    Parameters
    ----------
    X : array_like
        Design, ``(n, p)`` shared or ``(*batch, n, p)``, finite, ``n >= p``.
    y : array_like
        Integer labels in ``[0, n_classes)``, ``(*batch, n)``.
    n_classes : int
        Number of classes ``K >= 2`` (``K = 2`` is the logistic model).
    tol, max_iter
        As in :func:`fit_logistic`.

    Returns
    -------
    LogitFit
        ``coef`` of shape ``(*batch, p, K - 1)`` (statsmodels ``MNLogit.params`` layout).

    References
    ----------
    McCullagh & Nelder (1989), §5.4; Murphy (2022), §10.3.
    """
    d = as_design(X, y, response="labels", n_classes=n_classes)
    k = int(n_classes)
    tol = as_tolerance(tol)
    max_iter = as_max_iter(max_iter)
    dim = d.n_features * (k - 1)
    run = _newton(_Multinomial(d, k), d.n_batch, dim, d.n_obs, tol, max_iter)
    return _finish(d, run, (d.n_features, k - 1), k)


def _proba_inputs(X: ArrayLike, coef: ArrayLike, coef_min_ndim: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    X_ = as_finite_array(X, "X", min_ndim=2, dtype=np.float64)
    c = as_finite_array(coef, "coef", min_ndim=coef_min_ndim, dtype=np.float64)
    axis = -1 if coef_min_ndim == 1 else -2
    if c.shape[axis] != X_.shape[-1]:
        raise ValueError(f"`coef` must have {X_.shape[-1]} entries along axis {axis} (the "
                         f"columns of `X`), got shape {c.shape}.")
    return X_, c


def logistic_proba(X: ArrayLike, coef: ArrayLike) -> np.ndarray:
    r"""Predicted :math:`P(y = 1 \mid x) = \sigma(x'\beta)` for a batch of coefficients.

    Parameters
    ----------
    X : array_like
        Points, ``(m, p)`` (shared) or ``(*batch, m, p)``.
    coef : array_like
        Coefficients, ``(*batch, p)``.

    Returns
    -------
    numpy.ndarray
        Probabilities, ``(*batch, m)``.
    """
    X_, c = _proba_inputs(X, coef, 1)
    try:
        eta = np.einsum("...ma,...a->...m", X_, c)
    except ValueError:
        raise ValueError(f"`X` and `coef` must have broadcastable batch shapes, got "
                         f"{X_.shape[:-2]} and {c.shape[:-1]}.") from None
    return special.expit(eta)


def multinomial_proba(X: ArrayLike, coef: ArrayLike) -> np.ndarray:
    r"""Predicted class probabilities :math:`\mathrm{softmax}(0, x'B_1, \dots)` for a batch.

    Parameters
    ----------
    X : array_like
        Points, ``(m, p)`` (shared) or ``(*batch, m, p)``.
    coef : array_like
        Coefficients, ``(*batch, p, K - 1)``.

    Returns
    -------
    numpy.ndarray
        Probabilities, ``(*batch, m, K)``, summing to 1 over the last axis.
    """
    X_, c = _proba_inputs(X, coef, 2)
    try:
        eta = X_ @ c
    except ValueError:
        raise ValueError(f"`X` and `coef` must have broadcastable batch shapes, got "
                         f"{X_.shape[:-2]} and {c.shape[:-2]}.") from None
    z = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)
    return special.softmax(z, axis=-1)
