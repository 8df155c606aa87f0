"""Batched regression data: validate a design matrix and responses with leading batch axes.

Every fitter of :mod:`simulations.regression` and :mod:`simulations.classification` takes

* ``X`` of shape ``(n, p)`` -- one design shared by every replication -- or
  ``(*batch_x, n, p)`` -- one design per replication;
* ``y`` of shape ``(*batch_y, n)``;

and fits one model per element of the broadcast batch shape ``broadcast(batch_x, batch_y)``.
:func:`as_design` validates both and returns a :class:`Design` whose arrays are flattened to a
single batch axis (``X`` stays 2-D when it is shared, so it is never copied ``B`` times);
:meth:`Design.unflatten` restores the caller's batch shape on results.

Errors are ``ValueError`` with one sentence naming the parameter in backticks (the
convention of :mod:`claimkit.validation`, whose validators are reused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from claimkit.validation import (as_binary, as_finite_array, as_labels,
                                    check_broadcastable_to, positive_int)

__all__ = [
    "Design",
    "as_coef",
    "as_design",
    "as_max_iter",
    "as_tolerance",
    "fitted",
    "gram",
    "outer_rows",
    "solve_batched",
    "xt_dot",
]

ResponseKind = Literal["real", "binary", "labels"]


@dataclass(frozen=True, slots=True)
class Design:
    """Validated batched regression data.

    Attributes
    ----------
    X : numpy.ndarray
        float64, shape ``(n, p)`` (shared design) or ``(B, n, p)``.
    y : numpy.ndarray
        Shape ``(B, n)``: float64 for real and binary responses, ``intp`` for class labels.
    batch_shape : tuple of int
        The caller's batch shape (``()`` for a single data set); ``B = prod(batch_shape)``.
    """

    X: np.ndarray
    y: np.ndarray
    batch_shape: tuple[int, ...]

    @property
    def n_batch(self) -> int:
        """Number of data sets ``B``."""
        return self.y.shape[0]

    @property
    def n_obs(self) -> int:
        """Number of observations ``n`` per data set."""
        return self.y.shape[1]

    @property
    def n_features(self) -> int:
        """Number of columns ``p`` of the design."""
        return self.X.shape[-1]

    @property
    def shared(self) -> bool:
        """Whether one design is shared by all data sets."""
        return self.X.ndim == 2

    def design_for(self, idx: np.ndarray) -> np.ndarray:
        """The designs of data sets ``idx``: ``(n, p)`` when shared, else ``(len(idx), n, p)``."""
        return self.X if self.shared else self.X[idx]

    def unflatten(self, a: np.ndarray) -> np.ndarray:
        """Reshape a result with leading axis ``B`` to ``batch_shape + a.shape[1:]``."""
        return a.reshape(self.batch_shape + a.shape[1:])


def as_design(X: ArrayLike, y: ArrayLike, *, response: ResponseKind = "real",
              n_classes: int | None = None, min_obs_per_feature: bool = True) -> Design:
    """Validate a (batched) design matrix and response.

    Parameters
    ----------
    X : array_like
        Finite design, shape ``(n, p)`` or ``(*batch_x, n, p)``, ``p >= 1``.
    y : array_like
        Responses, shape ``(*batch_y, n)``; batch shapes must broadcast.
    response : {'real', 'binary', 'labels'}, optional
        ``'real'``: finite reals; ``'binary'``: values in ``{0, 1}``; ``'labels'``: integer
        class labels in ``[0, n_classes)``.
    n_classes : int, optional
        Number of classes (required for ``response='labels'``, ``>= 2``).
    min_obs_per_feature : bool, optional
        Require ``n >= p`` (default), necessary for a unique least-squares or likelihood fit.

    Returns
    -------
    Design

    Raises
    ------
    ValueError
        Naming ``X``, ``y`` or ``n_classes`` when shapes, values or labels are invalid.
    """
    X_ = as_finite_array(X, "X", min_ndim=2, dtype=np.float64)
    if X_.shape[-1] < 1 or X_.shape[-2] < 1:
        raise ValueError(f"`X` must have at least one row and one column, got shape {X_.shape}.")
    if response == "real":
        y_ = as_finite_array(y, "y", min_ndim=1, dtype=np.float64)
    elif response == "binary":
        y_ = as_binary(y, "y").astype(np.float64, copy=False)
        if y_.ndim < 1:
            raise ValueError(f"`y` must have at least 1 dimension(s), got shape {y_.shape}.")
    elif response == "labels":
        if n_classes is None:
            raise ValueError("`n_classes` must be given for class labels.")
        k = positive_int(n_classes, "n_classes")
        if k < 2:
            raise ValueError(f"`n_classes` must be at least 2, got {n_classes!r}.")
        y_ = as_labels(y, "y", k)
        if y_.ndim < 1:
            raise ValueError(f"`y` must have at least 1 dimension(s), got shape {y_.shape}.")
    else:
        raise ValueError(f"`response` must be 'real', 'binary' or 'labels', got {response!r}.")
    n, p = X_.shape[-2:]
    if y_.shape[-1] != n:
        raise ValueError(f"`y` must have as many observations (last axis) as `X` has rows "
                         f"(axis -2), got {y_.shape[-1]} and {n}.")
    if min_obs_per_feature and n < p:
        raise ValueError(f"`X` must have at least as many rows as columns, got shape {X_.shape}.")
    try:
        batch = np.broadcast_shapes(X_.shape[:-2], y_.shape[:-1])
    except ValueError:
        raise ValueError(f"`X` and `y` must have broadcastable batch shapes, got {X_.shape[:-2]} "
                         f"and {y_.shape[:-1]}.") from None
    n_batch = math.prod(batch)
    y_flat = np.broadcast_to(y_, batch + (n,)).reshape(n_batch, n)
    if X_.ndim == 2:
        X_flat = X_
    else:
        X_flat = np.broadcast_to(X_, batch + (n, p)).reshape(n_batch, n, p)
    return Design(X=X_flat, y=np.ascontiguousarray(y_flat), batch_shape=tuple(batch))


def as_coef(coef: ArrayLike, d: Design, name: str = "coef") -> np.ndarray:
    """Validate coefficients for the problems of ``d`` and broadcast them to ``(B, p)``.

    Parameters
    ----------
    coef : array_like
        Finite coefficients, broadcastable to ``(*batch, p)`` with ``p`` the columns of ``X``.
    d : Design
        The validated problems.
    name : str, optional
        Name of the parameter ``coef`` was passed as.
    """
    c = as_finite_array(coef, name, min_ndim=1, dtype=np.float64)
    if c.shape[-1] != d.n_features:
        raise ValueError(f"`{name}` must have {d.n_features} entries along its last axis (the "
                         f"columns of `X`), got shape {c.shape}.")
    check_broadcastable_to(c, d.batch_shape + (d.n_features,), (name, "y"))
    return np.broadcast_to(c, d.batch_shape + (d.n_features,)).reshape(d.n_batch, d.n_features)


def as_tolerance(tol: object, name: str = "tol") -> float:
    """Validate a convergence tolerance: a finite real in ``(0, 1)``."""
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float, np.integer,
                                                                  np.floating)):
        raise ValueError(f"`{name}` must be a real number in (0, 1), got {tol!r}.")
    value = float(tol)
    if not 0.0 < value < 1.0:
        raise ValueError(f"`{name}` must be a real number in (0, 1), got {tol!r}.")
    return value


def as_max_iter(max_iter: object, name: str = "max_iter") -> int:
    """Validate an iteration limit: a positive integer."""
    return positive_int(max_iter, name)


# ------------------------------------------------------------------ batched linear algebra


def fitted(X: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Linear predictors ``X @ coef`` per data set.

    Parameters
    ----------
    X : numpy.ndarray
        ``(n, p)`` shared or ``(B, n, p)``.
    coef : numpy.ndarray
        ``(B, p)`` or ``(B, p, m)`` (one column per linear predictor).

    Returns
    -------
    numpy.ndarray
        ``(B, n)`` or ``(B, n, m)``; one matrix product (BLAS) when ``X`` is shared.
    """
    if coef.ndim == 2:
        return coef @ X.T if X.ndim == 2 else (X @ coef[..., None])[..., 0]
    return X @ coef


def outer_rows(X: np.ndarray) -> np.ndarray:
    """Row outer products of a shared design, ``(n, p * p)``: ``x_i x_i'`` flattened."""
    return (X[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)


def gram(X: np.ndarray, w: np.ndarray, outer: np.ndarray | None = None) -> np.ndarray:
    """Weighted Gram matrices ``X' diag(w_b) X``, shape ``(B, p, p)``, for weights ``(B, n)``.

    For a shared design this is one matrix product ``w @ outer_rows(X)`` (pass ``outer`` to
    reuse it across calls); for per-data-set designs a contracted ``einsum``.
    """
    p = X.shape[-1]
    if X.ndim == 2:
        out = outer_rows(X) if outer is None else outer
        return (w @ out).reshape(w.shape[0], p, p)
    return np.einsum("bia,bi,bic->bac", X, w, X, optimize=True)


def xt_dot(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``X' v_b`` per data set: ``(B, p)`` for ``v`` of shape ``(B, n)``, ``(B, p, m)`` for
    ``(B, n, m)``."""
    if v.ndim == 2:
        return v @ X if X.ndim == 2 else (v[:, None, :] @ X)[:, 0]
    return X.swapaxes(-1, -2) @ v


def solve_batched(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``A_m x_m = b_m`` for a stack ``(m, d, d)``, ``(m, d)``; flag singular systems.

    Returns
    -------
    x : numpy.ndarray
        ``(m, d)``; rows of singular or non-finite systems are set to 0.
    ok : numpy.ndarray of bool
        ``(m,)``: the system was solved with a finite result.
    """
    try:
        x = np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        x = np.empty_like(b)
        for i in range(A.shape[0]):  # rare fallback: only when some system is exactly singular
            try:
                x[i] = np.linalg.solve(A[i], b[i])
            except np.linalg.LinAlgError:
                x[i] = np.nan
    ok = np.all(np.isfinite(x), axis=-1)
    return np.where(ok[:, None], x, 0.0), ok
