"""Input validators shared by the whole library.

Every validator takes a value and the *name* of the parameter it was passed as, returns the
validated value (a numpy array for array validators, a Python number for scalar validators) and
raises :class:`ValueError` with one sentence naming the parameter in backticks, e.g.
"`probs` must sum to 1 along axis -1 (max deviation 1.0e-02 exceeds tolerance 5.3e-15)."

Validators are small and composable: :func:`as_probabilities` calls :func:`as_finite_array`,
:func:`as_labels` calls :func:`positive_int`, and so on.

Floating-point conventions
--------------------------
Array validators return a *floating* array unless they validate integer data (labels). The
floating dtype is kept when the input is already floating (``float32`` stays ``float32``);
integer and boolean inputs become ``float64``. :func:`common_float_dtype` gives the dtype a
computation over several validated arrays should use.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Literal, Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

Reduction = Literal["none", "sum", "mean"]
REDUCTIONS: tuple[str, ...] = ("none", "sum", "mean")

#: Safety factor of the default tolerance of :func:`as_probabilities` (see there).
SUM_TOL_FACTOR: int = 8

__all__ = [
    "REDUCTIONS",
    "Reduction",
    "SUM_TOL_FACTOR",
    "as_binary",
    "as_finite_array",
    "as_labels",
    "as_probabilities",
    "as_probability",
    "as_reduction",
    "check_broadcastable_to",
    "check_same_leading_shape",
    "check_same_shape",
    "common_float_dtype",
    "float_dtype_of",
    "nonnegative_scalar",
    "positive_array",
    "positive_int",
    "positive_scalar",
    "probability_sum_tolerance",
    "real_scalar",
    "valid_axis",
]


def float_dtype_of(dtype: DTypeLike) -> np.dtype:
    """The floating dtype a computation on data of ``dtype`` uses.

    Parameters
    ----------
    dtype : dtype-like
        The data's dtype.

    Returns
    -------
    numpy.dtype
        ``dtype`` itself when it is a real floating dtype, otherwise ``float64``.
    """
    dt = np.dtype(dtype)
    return dt if np.issubdtype(dt, np.floating) else np.dtype(np.float64)


def common_float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The floating dtype a computation over several arrays uses.

    Only arrays with a floating dtype take part in the promotion, so integer labels or one-hot
    targets do not upcast ``float32`` model outputs. With no floating array the result is
    ``float64``.

    Parameters
    ----------
    *arrays : numpy.ndarray
        Validated arrays.

    Returns
    -------
    numpy.dtype
    """
    floats = [a.dtype for a in arrays if np.issubdtype(a.dtype, np.floating)]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def _as_real_array(x: ArrayLike, name: str) -> np.ndarray:
    """``np.asarray(x)`` restricted to rectangular arrays of booleans, integers or reals."""
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):
        raise ValueError(f"`{name}` must be a rectangular array of real numbers.") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` must contain real numbers, got dtype {arr.dtype}.")
    return arr


def _check_shape(arr: np.ndarray, name: str, ndim: int | None, min_ndim: int | None,
                 allow_empty: bool) -> None:
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"`{name}` must have {ndim} dimension(s), got shape {arr.shape}.")
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(
            f"`{name}` must have at least {min_ndim} dimension(s), got shape {arr.shape}.")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"`{name}` must not be empty, got shape {arr.shape}.")


def as_finite_array(x: ArrayLike, name: str, *, ndim: int | None = None,
                    min_ndim: int | None = None, dtype: DTypeLike | None = None,
                    allow_empty: bool = False) -> np.ndarray:
    """Validate a finite real array.

    Parameters
    ----------
    x : array_like
        The value to validate.
    name : str
        Name of the parameter ``x`` was passed as (used in error messages).
    ndim : int, optional
        Required number of dimensions.
    min_ndim : int, optional
        Minimum number of dimensions.
    dtype : dtype-like, optional
        Cast the result to this dtype. By default a floating input keeps its dtype and an
        integer or boolean input becomes ``float64``.
    allow_empty : bool, optional
        Accept arrays with zero elements (default ``False``).

    Returns
    -------
    numpy.ndarray
        The validated array (a new array only when a cast was needed).

    Raises
    ------
    ValueError
        If ``x`` is not a rectangular real array, has the wrong number of dimensions, is empty
        (unless allowed) or contains NaN or infinity.
    """
    arr = _as_real_array(x, name)
    _check_shape(arr, name, ndim, min_ndim, allow_empty)
    target = float_dtype_of(arr.dtype) if dtype is None else np.dtype(dtype)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite (no NaN or inf).")
    if arr.dtype == target:  # already checked: no cast, no second pass over the data
        return arr
    with np.errstate(over="ignore"):
        arr = arr.astype(target, copy=False)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite in {arr.dtype} (values overflow on cast).")
    return arr


def probability_sum_tolerance(dtype: DTypeLike, n_classes: int) -> float:
    """Default tolerance on ``|sum(p) - 1|`` for ``n_classes`` probabilities of ``dtype``.

    Each probability carries a relative rounding error of a few ulps and summing ``K`` terms
    adds at most ``(K - 1)`` ulps (Higham, *Accuracy and Stability of Numerical Algorithms*,
    2002, §4.2), so a correctly normalised vector deviates by ``O(K * eps)``. The tolerance is
    ``SUM_TOL_FACTOR * max(K, 1) * eps`` with ``eps`` the machine epsilon of ``dtype``.

    Parameters
    ----------
    dtype : dtype-like
        Floating dtype of the probabilities.
    n_classes : int
        Number of probabilities that are summed.

    Returns
    -------
    float
    """
    eps = float(np.finfo(float_dtype_of(dtype)).eps)
    return SUM_TOL_FACTOR * max(int(n_classes), 1) * eps


def valid_axis(axis: int, ndim: int, name: str = "axis") -> int:
    """Validate an axis index for an array with ``ndim`` dimensions.

    Parameters
    ----------
    axis : int
        Axis index, negative values count from the end.
    ndim : int
        Number of dimensions of the array.
    name : str, optional
        Name of the parameter ``axis`` was passed as.

    Returns
    -------
    int
        The non-negative axis index.
    """
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)):
        raise ValueError(f"`{name}` must be an integer, got {axis!r}.")
    if not -ndim <= int(axis) < ndim:
        raise ValueError(f"`{name}` must be in [{-ndim}, {ndim}), got {axis!r}.")
    return int(axis) % ndim


def _check_unit_interval(arr: np.ndarray, name: str) -> None:
    if np.any(arr < 0) or np.any(arr > 1):
        raise ValueError(
            f"`{name}` must lie in [0, 1], got values in [{arr.min()!r}, {arr.max()!r}].")


def as_probability(p: ArrayLike, name: str, *, ndim: int | None = None,
                   min_ndim: int | None = None) -> np.ndarray:
    """Validate elementwise probabilities (each value in ``[0, 1]``, no sum constraint).

    Used for binary predictions ``y_hat = P(y = 1)`` and for soft binary labels.

    Parameters
    ----------
    p : array_like
        The value to validate.
    name : str
        Name of the parameter ``p`` was passed as.
    ndim, min_ndim : int, optional
        As in :func:`as_finite_array`.

    Returns
    -------
    numpy.ndarray
        Floating array with values in ``[0, 1]``.
    """
    arr = as_finite_array(p, name, ndim=ndim, min_ndim=min_ndim)
    _check_unit_interval(arr, name)
    return arr


def as_probabilities(p: ArrayLike, name: str, *, axis: int = -1,
                     atol: float | None = None) -> np.ndarray:
    """Validate probability distributions laid out along ``axis``.

    Parameters
    ----------
    p : array_like
        Array with at least one dimension; each slice along ``axis`` is one distribution.
    name : str
        Name of the parameter ``p`` was passed as.
    axis : int, optional
        The class axis (default: last).
    atol : float, optional
        Tolerance on ``|sum - 1|``. Default :func:`probability_sum_tolerance` of the array's
        floating dtype and the number of classes ``p.shape[axis]``.

    Returns
    -------
    numpy.ndarray
        Floating array with values in ``[0, 1]`` summing to 1 along ``axis``.

    Notes
    -----
    The range check is exact: values such as ``-1e-17`` produced by ``1 - sum(others)`` are
    rejected; clip them before passing them in.
    """
    arr = as_finite_array(p, name, min_ndim=1)
    ax = valid_axis(axis, arr.ndim)
    _check_unit_interval(arr, name)
    n_classes = arr.shape[ax]
    tol = probability_sum_tolerance(arr.dtype, n_classes) if atol is None \
        else nonnegative_scalar(atol, "atol")
    deviation = float(np.max(np.abs(np.sum(arr, axis=ax, dtype=arr.dtype) - 1)))
    if deviation > tol:
        where = "the last axis" if ax == arr.ndim - 1 else f"axis {ax}"
        raise ValueError(f"`{name}` must sum to 1 along {where} (max deviation "
                         f"{deviation:.1e} exceeds tolerance {tol:.1e}).")
    return arr


def as_labels(y: ArrayLike, name: str, n_classes: int) -> np.ndarray:
    """Validate integer class labels in ``[0, n_classes)``.

    Parameters
    ----------
    y : array_like
        Labels; integer dtype, or floating values that are whole numbers (e.g. ``2.0``).
    name : str
        Name of the parameter ``y`` was passed as.
    n_classes : int
        Number of classes, ``>= 1``.

    Returns
    -------
    numpy.ndarray
        The labels as an ``intp`` array (suitable for indexing).
    """
    n_classes = positive_int(n_classes, "n_classes")
    arr = _as_real_array(y, name)
    _check_shape(arr, name, None, None, allow_empty=False)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"`{name}` must be finite (no NaN or inf).")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"`{name}` must be integer-valued class labels.")
    if np.any(arr < 0) or np.any(arr >= n_classes):
        raise ValueError(f"`{name}` must be in [0, {n_classes}), got values in "
                         f"[{arr.min()!r}, {arr.max()!r}].")
    return arr.astype(np.intp, copy=False)


def as_binary(y: ArrayLike, name: str) -> np.ndarray:
    """Validate binary outcomes (every value is 0 or 1).

    Parameters
    ----------
    y : array_like
        Outcomes; boolean, integer or floating.
    name : str
        Name of the parameter ``y`` was passed as.

    Returns
    -------
    numpy.ndarray
        Floating array (see :func:`as_finite_array`) with values in ``{0, 1}``.
    """
    arr = as_finite_array(y, name)
    if np.any((arr != 0) & (arr != 1)):
        raise ValueError(f"`{name}` must contain only 0 and 1.")
    return arr


def real_scalar(x: Any, name: str) -> float:
    """Validate a finite real number.

    Parameters
    ----------
    x : real scalar
        Python or numpy number, or a 0-d array. Booleans are rejected.
    name : str
        Name of the parameter ``x`` was passed as.

    Returns
    -------
    float
    """
    if isinstance(x, (bool, np.bool_)):
        raise ValueError(f"`{name}` must be a real number, got {x!r}.")
    if isinstance(x, np.ndarray):
        if x.ndim != 0 or x.dtype.kind not in "iuf":
            raise ValueError(f"`{name}` must be a real scalar, got an array of shape {x.shape}.")
        x = x[()]
    if not isinstance(x, (numbers.Real, np.integer, np.floating)):
        raise ValueError(f"`{name}` must be a real number, got {x!r}.")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be finite, got {x!r}.")
    return value


def positive_scalar(x: Any, name: str) -> float:
    """Validate a finite real number ``> 0`` (accepted types as in :func:`real_scalar`)."""
    value = real_scalar(x, name)
    if value <= 0:
        raise ValueError(f"`{name}` must be positive, got {x!r}.")
    return value


def nonnegative_scalar(x: Any, name: str) -> float:
    """Validate a finite real number ``>= 0`` (accepted types as in :func:`real_scalar`)."""
    value = real_scalar(x, name)
    if value < 0:
        raise ValueError(f"`{name}` must be non-negative, got {x!r}.")
    return value


def positive_int(n: Any, name: str) -> int:
    """Validate an integer ``>= 1``.

    Parameters
    ----------
    n : int
        Python or numpy integer. Booleans and floats (even ``3.0``) are rejected.
    name : str
        Name of the parameter ``n`` was passed as.

    Returns
    -------
    int
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral, np.integer)):
        raise ValueError(f"`{name}` must be a positive integer, got {n!r}.")
    if n < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {n!r}.")
    return int(n)


def positive_array(x: ArrayLike, name: str) -> np.ndarray:
    """Validate a finite array (or scalar) whose entries are all ``> 0``.

    Parameters
    ----------
    x : array_like
        The value to validate, e.g. per-sample scale parameters.
    name : str
        Name of the parameter ``x`` was passed as.

    Returns
    -------
    numpy.ndarray
        Floating array (see :func:`as_finite_array`).
    """
    arr = as_finite_array(x, name)
    if np.any(arr <= 0):
        raise ValueError(f"`{name}` must be positive, got minimum {arr.min()!r}.")
    return arr


def check_same_shape(a: np.ndarray, b: np.ndarray, names: Sequence[str]) -> None:
    """Require two arrays to have identical shapes.

    Parameters
    ----------
    a, b : numpy.ndarray
        Validated arrays.
    names : pair of str
        Their parameter names.
    """
    if a.shape != b.shape:
        raise ValueError(f"`{names[0]}` and `{names[1]}` must have the same shape, "
                         f"got {a.shape} and {b.shape}.")


def check_same_leading_shape(a: np.ndarray, b: np.ndarray, names: Sequence[str], *,
                             n_leading: int | None = None) -> None:
    """Require two arrays to agree on their leading (batch) dimensions.

    The typical use is labels of shape ``(N, ...)`` against scores of shape ``(N, ..., K)``:
    ``check_same_leading_shape(labels, logits, ("labels", "logits"))`` with the default
    ``n_leading = labels.ndim`` requires ``labels.shape == logits.shape[:labels.ndim]``
    *and* that ``logits`` has exactly one more axis.

    Parameters
    ----------
    a, b : numpy.ndarray
        Validated arrays; ``a`` is the one with fewer (or equal) dimensions.
    names : pair of str
        Their parameter names.
    n_leading : int, optional
        Number of leading dimensions that must agree. By default ``a.ndim``, and ``b`` must
        then have ``a.ndim + 1`` dimensions (one class axis).
    """
    if n_leading is None:
        if b.ndim != a.ndim + 1 or a.shape != b.shape[:a.ndim]:
            raise ValueError(
                f"`{names[0]}` must have the shape of `{names[1]}` without its last axis, "
                f"got {a.shape} and {b.shape}.")
        return
    if a.ndim < n_leading or b.ndim < n_leading or a.shape[:n_leading] != b.shape[:n_leading]:
        raise ValueError(f"`{names[0]}` and `{names[1]}` must agree on their first {n_leading} "
                         f"dimension(s), got {a.shape} and {b.shape}.")


def check_broadcastable_to(a: np.ndarray, shape: tuple[int, ...], names: Sequence[str]) -> None:
    """Require ``a`` to broadcast to ``shape`` without enlarging it.

    Parameters
    ----------
    a : numpy.ndarray
        Validated array (e.g. a per-sample scale).
    shape : tuple of int
        Target shape (e.g. the shape of the data).
    names : pair of str
        Parameter names of ``a`` and of the array that has ``shape``.
    """
    try:
        ok = np.broadcast_shapes(a.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"`{names[0]}` must broadcast to the shape of `{names[1]}`, "
                         f"got {a.shape} and {tuple(shape)}.")


def as_reduction(reduction: Any, name: str = "reduction") -> Reduction:
    """Validate a reduction mode: ``'none'``, ``'sum'`` or ``'mean'``.

    Parameters
    ----------
    reduction : str
        The value to validate.
    name : str, optional
        Name of the parameter ``reduction`` was passed as.

    Returns
    -------
    str
    """
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"`{name}` must be one of {list(REDUCTIONS)}, got {reduction!r}.")
    return reduction  # type: ignore[return-value]
