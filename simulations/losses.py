"""Losses and likelihoods, vectorised over a leading batch axis.

Conventions shared by every function in this module:

* Inputs are validated with :mod:`claimkit.validation`; bad inputs raise ``ValueError``
  with a message naming the parameter.
* Arithmetic is carried out in the inputs' floating dtype (``float32`` stays ``float32``;
  integer or boolean inputs are computed in ``float64``; integer labels or targets never
  upcast floating model outputs, see :func:`claimkit.validation.common_float_dtype`).
* Class-based losses take the classes along the last axis (``axis=-1``) and return one value
  per sample, i.e. an array of shape ``scores.shape[:-1]``. Elementwise losses (binary and
  regression losses) return one value per element.
* ``reduction='none'`` (the default, except for :func:`mse` and :func:`mae` whose names say
  *mean*) returns the per-sample values; ``'sum'`` and ``'mean'`` reduce over all of them and
  return a numpy scalar of the computation dtype.

References
----------
.. [GBC16] Goodfellow, I., Bengio, Y. & Courville, A. (2016). *Deep Learning*. MIT Press,
   §5.5 (maximum likelihood estimation), §6.2.2 (output units and cross-entropy),
   §4.1 (overflow and underflow; stable softmax).
.. [Mur22] Murphy, K. P. (2022). *Probabilistic Machine Learning: An Introduction*. MIT Press,
   §4.2 (maximum likelihood), §5.1 (cross-entropy and KL divergence), §2.5.2 (softmax and the
   log-sum-exp trick).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

from claimkit.validation import (
    Reduction,
    as_binary,
    as_finite_array,
    as_labels,
    as_probabilities,
    as_probability,
    as_reduction,
    check_broadcastable_to,
    check_same_leading_shape,
    check_same_shape,
    common_float_dtype,
    nonnegative_scalar,
    positive_array,
    valid_axis,
)

__all__ = [
    "bernoulli_nll",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "categorical_nll",
    "cross_entropy",
    "cross_entropy_from_logits",
    "cross_entropy_onehot",
    "entropy",
    "epsilon_cross_entropy",
    "gaussian_nll",
    "kl_divergence",
    "laplace_nll",
    "log_softmax",
    "mae",
    "mse",
    "naive_softmax",
    "softmax",
]


# --------------------------------------------------------------------------- helpers


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    """Apply a validated reduction over all per-sample values."""
    reduction = as_reduction(reduction)
    if reduction == "none":
        return values
    if reduction == "sum":
        return np.sum(values, dtype=values.dtype)
    return np.mean(values, dtype=values.dtype)


def _dtype(*raw: ArrayLike) -> np.dtype:
    """Computation dtype of already-validated raw inputs (integer inputs do not take part)."""
    return common_float_dtype(*(np.asarray(v) for v in raw))


def _pair(a: ArrayLike, b: ArrayLike, names: tuple[str, str],
          validate_a: Callable[[ArrayLike, str], np.ndarray] = as_finite_array,
          validate_b: Callable[[ArrayLike, str], np.ndarray] = as_finite_array,
          ) -> tuple[np.ndarray, np.ndarray]:
    """Validate two inputs of the same shape and cast both to their computation dtype."""
    a_ = validate_a(a, names[0])
    b_ = validate_b(b, names[1])
    check_same_shape(a_, b_, names)
    dt = _dtype(a, b)
    return a_.astype(dt, copy=False), b_.astype(dt, copy=False)


def _at_labels(labels: ArrayLike, scores: np.ndarray, name: str) -> np.ndarray:
    """``scores[..., labels]``, the labels validated against the classes (last axis) of
    ``scores``, which was passed as ``name``."""
    y = as_labels(labels, "labels", scores.shape[-1])
    check_same_leading_shape(y, scores, ("labels", name))
    return np.take_along_axis(scores, y[..., None], axis=-1)[..., 0]


def _simplex(atol: float | None) -> Callable[[ArrayLike, str], np.ndarray]:
    """:func:`as_probabilities` with the caller's sum tolerance (None: dtype-scaled)."""
    return lambda value, name: as_probabilities(value, name, atol=atol)


def _label_nll(labels: ArrayLike, probs: ArrayLike, name: str,
               atol: float | None = None) -> np.ndarray:
    """``-log probs[..., labels]`` (``+inf`` where the true class has zero mass)."""
    picked = _at_labels(labels, as_probabilities(probs, name, atol=atol), name)
    with np.errstate(divide="ignore"):
        return 0 - np.log(picked)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log(y)`` with the convention ``0 * log(y) = 0`` for every ``y >= 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, np.zeros((), dtype=x.dtype), x * np.log(y))


def _xlog1py(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log1p(y)`` with the convention ``0 * log1p(y) = 0`` for every ``y >= -1``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, np.zeros((), dtype=x.dtype), x * np.log1p(y))


def _binary_nll(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``-[t log p + (1 - t) log(1 - p)]`` with ``xlogy`` conventions."""
    return 0 - (_xlogy(t, p) + _xlog1py(1 - t, -p))


def _shifted_logsumexp(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Max-shifted logits, their exponentials and ``log(sum(exp(z - max)))`` along ``axis``.

    With ``m = max(z)`` and ``e = exp(z - m)`` one entry of ``e`` (the first maximiser) is
    exactly 1, so ``log(sum(e)) = log1p(sum of the other entries)``. Evaluating it with
    ``log1p`` keeps full *relative* accuracy when the other classes are negligible, i.e. when
    ``-log_softmax`` of the winning class is tiny.

    Returns
    -------
    shifted : numpy.ndarray
        ``z - m`` (all ``<= 0``).
    e : numpy.ndarray
        ``exp(z - m)``.
    lse : numpy.ndarray
        ``log(sum(exp(z - m)))`` with ``keepdims=True`` (all ``>= 0``).
    """
    idx = np.argmax(z, axis=axis, keepdims=True)
    shifted = z - np.take_along_axis(z, idx, axis=axis)
    e = np.exp(shifted)
    others = e.copy()
    np.put_along_axis(others, idx, 0, axis=axis)
    lse = np.log1p(np.sum(others, axis=axis, keepdims=True, dtype=z.dtype))
    return shifted, e, lse


def _logits(logits: ArrayLike, axis: int, name: str = "logits") -> tuple[np.ndarray, int]:
    z = as_finite_array(logits, name, min_ndim=1)
    return z, valid_axis(axis, z.ndim)


# --------------------------------------------------------------------------- softmax


def softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Numerically stable softmax ``exp(z - max z) / sum(exp(z - max z))``.

    Parameters
    ----------
    logits : array_like
        Finite real scores, at least one dimension.
    axis : int, optional
        The class axis (default: last).

    Returns
    -------
    numpy.ndarray
        Probabilities of the same shape and floating dtype as ``logits``, summing to 1 along
        ``axis``. Finite for every finite input: the shifted exponent is ``<= 0`` and the
        denominator is ``>= 1``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §4.1 and §6.2.2.3.
    """
    z, ax = _logits(logits, axis)
    e = np.exp(z - np.max(z, axis=ax, keepdims=True))
    return e / np.sum(e, axis=ax, keepdims=True, dtype=z.dtype)


def log_softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Numerically stable log-softmax ``z - max z - log(sum(exp(z - max z)))``.

    Parameters
    ----------
    logits : array_like
        Finite real scores, at least one dimension.
    axis : int, optional
        The class axis (default: last).

    Returns
    -------
    numpy.ndarray
        Log-probabilities, same shape and floating dtype as ``logits``. Finite unless the
        spread ``max z - min z`` itself overflows the dtype (about ``1.7e308`` in float64,
        ``3.4e38`` in float32), in which case the smallest entries are ``-inf``.

    Notes
    -----
    ``log(sum(exp(z - max z)))`` is evaluated as ``log1p`` of the sum over all classes but
    the (first) maximiser, whose term is exactly 1; see :func:`cross_entropy_from_logits`.

    References
    ----------
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §2.5.4 (log-sum-exp).
    """
    z, ax = _logits(logits, axis)
    shifted, _, lse = _shifted_logsumexp(z, ax)
    return shifted - lse


def naive_softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """Textbook softmax ``exp(z) / sum(exp(z))`` *without* the max shift (deliberately unstable).

    Kept to demonstrate that the unshifted form overflows: ``exp(z)`` is ``inf`` for
    ``z > log(finfo.max)`` (about 709.78 in float64, 88.72 in float32), giving ``nan``
    (``inf / inf``) in that row; a row whose entries are all below about -745 (float64) or
    -103 (float32) underflows to ``0 / 0 = nan``. Only the input is validated; the output is
    returned as computed, with floating-point warnings silenced.

    Parameters
    ----------
    logits : array_like
        Finite real scores, at least one dimension.
    axis : int, optional
        The class axis (default: last).

    Returns
    -------
    numpy.ndarray
        Same shape and floating dtype as ``logits``; may contain ``nan``.

    See Also
    --------
    softmax : the stable form.
    """
    z, ax = _logits(logits, axis)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(z)
        return e / np.sum(e, axis=ax, keepdims=True, dtype=z.dtype)


# --------------------------------------------------------------------------- categorical


def cross_entropy(p: ArrayLike, q: ArrayLike, *, reduction: Reduction = "none",
                  atol: float | None = None) -> np.ndarray:
    r"""Cross-entropy :math:`H(p, q) = -\sum_k p_k \log q_k` along the last axis.

    Parameters
    ----------
    p : array_like
        True distributions, shape ``(..., K)``, each row in the simplex.
    q : array_like
        Model distributions, same shape as ``p``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over the samples (default: per-sample values of shape ``p.shape[:-1]``).
    atol : float, optional
        Tolerance on ``|sum - 1|`` of each distribution. Default: scaled to the input's dtype
        and class count (:func:`claimkit.validation.probability_sum_tolerance`), so float32
        model output passed as float32 is accepted; pass ``atol`` (e.g. ``1e-6``) for float32
        output cast to float64, whose sums carry float32 rounding.

    Returns
    -------
    numpy.ndarray
        Cross-entropies in nats. Terms with ``p_k = 0`` contribute 0 (``0 log 0 = 0``); a row
        with ``q_k = 0`` where ``p_k > 0`` has cross-entropy ``+inf``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §5.5 (eq. 5.60) and §6.2.1.1.
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §6.1.
    """
    p_, q_ = _pair(p, q, ("p", "q"), _simplex(atol), _simplex(atol))
    return _reduce(0 - np.sum(_xlogy(p_, q_), axis=-1, dtype=p_.dtype), reduction)


def entropy(p: ArrayLike, *, reduction: Reduction = "none",
            atol: float | None = None) -> np.ndarray:
    r"""Shannon entropy :math:`H(p) = -\sum_k p_k \log p_k` (nats) along the last axis.

    Parameters
    ----------
    p : array_like
        Distributions, shape ``(..., K)``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over the samples.
    atol : float, optional
        Tolerance on ``|sum - 1|`` of each distribution. Default: scaled to the input's dtype
        and class count (:func:`claimkit.validation.probability_sum_tolerance`), so float32
        model output passed as float32 is accepted; pass ``atol`` (e.g. ``1e-6``) for float32
        output cast to float64, whose sums carry float32 rounding.

    Returns
    -------
    numpy.ndarray
        Entropies, shape ``p.shape[:-1]``; ``0 log 0 = 0``.

    References
    ----------
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §6.1.
    """
    p_ = as_probabilities(p, "p", atol=atol)
    return _reduce(0 - np.sum(_xlogy(p_, p_), axis=-1, dtype=p_.dtype), reduction)


def kl_divergence(p: ArrayLike, q: ArrayLike, *, reduction: Reduction = "none",
                  atol: float | None = None) -> np.ndarray:
    r"""Kullback-Leibler divergence :math:`KL(p \| q) = \sum_k p_k \log(p_k / q_k)`.

    Parameters
    ----------
    p, q : array_like
        Distributions along the last axis, same shape ``(..., K)``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over the samples.
    atol : float, optional
        Tolerance on ``|sum - 1|`` of each distribution. Default: scaled to the input's dtype
        and class count (:func:`claimkit.validation.probability_sum_tolerance`), so float32
        model output passed as float32 is accepted; pass ``atol`` (e.g. ``1e-6``) for float32
        output cast to float64, whose sums carry float32 rounding.

    Returns
    -------
    numpy.ndarray
        Divergences (nats), shape ``p.shape[:-1]``. Terms with ``p_k = 0`` contribute 0; a
        row with ``q_k = 0 < p_k`` gives ``+inf``. Each term is ``p_k * log(p_k / q_k)``
        (one rounding inside the log, as :func:`scipy.special.rel_entr`), falling back to
        ``log p_k - log q_k`` where the ratio overflows.

    References
    ----------
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §6.2.
    """
    p_, q_ = _pair(p, q, ("p", "q"), _simplex(atol), _simplex(atol))
    dt = p_.dtype
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = np.log(p_ / q_)
        overflow = np.isinf(log_ratio) & (q_ > 0)
        if np.any(overflow):
            log_ratio = np.where(overflow, np.log(p_) - np.log(q_), log_ratio)
        terms = np.where(p_ == 0, np.zeros((), dtype=dt), p_ * log_ratio)
    return _reduce(np.sum(terms, axis=-1, dtype=dt), reduction)


def cross_entropy_onehot(labels: ArrayLike, q: ArrayLike, *,
                         reduction: Reduction = "none", atol: float | None = None
                         ) -> np.ndarray:
    r"""Cross-entropy with a one-hot target: :math:`-\log q_{y}`.

    Parameters
    ----------
    labels : array_like of int
        True classes, shape ``(...)``, values in ``[0, K)``.
    q : array_like
        Model distributions, shape ``(..., K)``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over the samples.
    atol : float, optional
        Tolerance on ``|sum - 1|`` of each distribution. Default: scaled to the input's dtype
        and class count (:func:`claimkit.validation.probability_sum_tolerance`), so float32
        model output passed as float32 is accepted; pass ``atol`` (e.g. ``1e-6``) for float32
        output cast to float64, whose sums carry float32 rounding.

    Returns
    -------
    numpy.ndarray
        ``-log q[..., labels]``, shape ``labels.shape``; ``+inf`` where ``q`` puts zero mass
        on the true class.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §6.2.2.3.
    """
    return _reduce(_label_nll(labels, q, "q", atol), reduction)


def categorical_nll(labels: ArrayLike, probs: ArrayLike, *,
                    reduction: Reduction = "none", atol: float | None = None) -> np.ndarray:
    r"""Negative log-likelihood of categorical observations: :math:`-\log \pi_{i, y_i}`.

    The per-sample NLL of the categorical model; summing gives
    :math:`-\sum_i \log \pi_{i, y_i}`, the negative log-likelihood of the sample. Numerically
    identical to :func:`cross_entropy_onehot` (the identity the claims test).

    Parameters
    ----------
    labels : array_like of int
        Observed classes, shape ``(N, ...)``, values in ``[0, K)``.
    probs : array_like
        Predicted class probabilities, shape ``(N, ..., K)``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over the samples.
    atol : float, optional
        Tolerance on ``|sum - 1|`` of each distribution. Default: scaled to the input's dtype
        and class count (:func:`claimkit.validation.probability_sum_tolerance`), so float32
        model output passed as float32 is accepted; pass ``atol`` (e.g. ``1e-6``) for float32
        output cast to float64, whose sums carry float32 rounding.

    Returns
    -------
    numpy.ndarray
        Per-sample NLL, shape ``labels.shape``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §5.5.
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §4.2.3.
    """
    return _reduce(_label_nll(labels, probs, "probs", atol), reduction)


def cross_entropy_from_logits(labels: ArrayLike, logits: ArrayLike, *,
                              reduction: Reduction = "none") -> np.ndarray:
    r"""Softmax cross-entropy from logits: :math:`-\mathrm{log\_softmax}(z)_y`.

    Computed as ``log(sum(exp(z - m))) - (z_y - m)`` with ``m = max z``: both terms are
    non-negative, so there is no cancellation, and the first is evaluated with ``log1p`` so
    that a near-zero loss keeps its relative accuracy. Never overflows for finite logits.

    Parameters
    ----------
    labels : array_like of int
        True classes, shape ``(...)``, values in ``[0, K)``.
    logits : array_like
        Finite scores, shape ``(..., K)``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over the samples.

    Returns
    -------
    numpy.ndarray
        Per-sample losses, shape ``labels.shape``, dtype of ``logits`` (float64 for integer
        logits).

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §6.2.2.3 (eq. 6.30).
    """
    z = as_finite_array(logits, "logits", min_ndim=1)
    shifted, _, lse = _shifted_logsumexp(z, z.ndim - 1)
    return _reduce(lse[..., 0] - _at_labels(labels, shifted, "logits"), reduction)


def epsilon_cross_entropy(onehot: ArrayLike, probs: ArrayLike, eps: float = 1e-15, *,
                          reduction: Reduction = "none") -> np.ndarray:
    r"""The hand-written cross-entropy :math:`-\sum_k t_k \log(q_k + \varepsilon)`.

    Reproduces ``-np.sum(y_true_onehot * np.log(y_pred + 1e-15))`` from a source document,
    vectorised over samples, so that its deviation from the exact :func:`cross_entropy_onehot`
    can be quantified: it is biased *downwards* (``log(q + eps) > log q``) by
    ``log(1 + eps / q_y)`` per sample, and caps the loss of ``q_y = 0`` at ``-log(eps)``.
    ``eps`` is added in the dtype of ``probs`` (in float32, ``q + 1e-15 == q`` for every
    ``q >= 2**-26``).

    Parameters
    ----------
    onehot : array_like
        Targets, shape ``(..., K)``: one-hot rows (soft distributions are accepted too).
    probs : array_like
        Model probabilities, same shape.
    eps : float, optional
        The additive guard, ``>= 0`` (default ``1e-15`` as in the source). Terms with target
        weight 0 contribute 0 even when ``eps = 0`` and ``q_k = 0``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over the samples.

    Returns
    -------
    numpy.ndarray
        Per-sample values, shape ``onehot.shape[:-1]``.
    """
    t, q_ = _pair(onehot, probs, ("onehot", "probs"), as_probabilities, as_probabilities)
    guarded = q_ + q_.dtype.type(nonnegative_scalar(eps, "eps"))
    return _reduce(0 - np.sum(_xlogy(t, guarded), axis=-1, dtype=q_.dtype), reduction)


# --------------------------------------------------------------------------- binary


def binary_cross_entropy(y: ArrayLike, y_hat: ArrayLike, *,
                         reduction: Reduction = "none") -> np.ndarray:
    r"""Binary cross-entropy :math:`-[y \log \hat y + (1 - y) \log(1 - \hat y)]`, elementwise.

    Parameters
    ----------
    y : array_like
        Targets in ``[0, 1]`` (hard 0/1 labels or soft labels).
    y_hat : array_like
        Predicted probabilities ``P(y = 1)`` in ``[0, 1]``, same shape as ``y``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over all elements.

    Returns
    -------
    numpy.ndarray
        Losses, shape ``y.shape``. Uses ``xlogy``-style products, so ``y = 0, y_hat = 0`` and
        ``y = 1, y_hat = 1`` give 0, while ``y > 0, y_hat = 0`` gives ``+inf``;
        ``log(1 - y_hat)`` is evaluated as ``log1p(-y_hat)``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §6.2.2.2.
    """
    t, p_ = _pair(y, y_hat, ("y", "y_hat"), as_probability, as_probability)
    return _reduce(_binary_nll(t, p_), reduction)


def bernoulli_nll(y: ArrayLike, p: ArrayLike, *, reduction: Reduction = "none") -> np.ndarray:
    r"""Negative log-likelihood of Bernoulli observations :math:`-\log p^y (1 - p)^{1 - y}`.

    Equal to :func:`binary_cross_entropy` but ``y`` must be an observed outcome in ``{0, 1}``.

    Parameters
    ----------
    y : array_like
        Observations, 0 or 1.
    p : array_like
        Success probabilities in ``[0, 1]``, same shape as ``y``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over all elements.

    Returns
    -------
    numpy.ndarray
        Per-observation NLL, shape ``y.shape``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §5.5 and §6.2.2.2.
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §4.2.2.
    """
    t, p_ = _pair(y, p, ("y", "p"), as_binary, as_probability)
    return _reduce(_binary_nll(t, p_), reduction)


def binary_cross_entropy_with_logits(y: ArrayLike, z: ArrayLike, *,
                                     reduction: Reduction = "none") -> np.ndarray:
    r"""Binary cross-entropy of ``sigmoid(z)``, computed stably from the logit ``z``.

    Mathematically ``max(z, 0) - z * y + log1p(exp(-|z|))``. It is evaluated as
    ``z * (1 - y) + log1p(exp(-z))`` for ``z > 0`` and ``-z * y + log1p(exp(z))`` otherwise,
    the same expression with the first two terms merged, so that all terms are non-negative
    and soft labels near 1 do not cancel.

    Parameters
    ----------
    y : array_like
        Targets in ``[0, 1]``.
    z : array_like
        Finite logits, same shape as ``y``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over all elements.

    Returns
    -------
    numpy.ndarray
        Losses, shape ``y.shape``; finite for every finite ``z``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §6.2.2.2 (softplus form).
    """
    t, z_ = _pair(y, z, ("y", "z"), as_probability)
    linear = np.where(z_ > 0, z_ * (1 - t), -z_ * t)
    return _reduce(linear + np.log1p(np.exp(-np.abs(z_))), reduction)


# --------------------------------------------------------------------------- regression


def _scale(s: ArrayLike, name: str, shape: tuple[int, ...], dt: np.dtype) -> np.ndarray:
    """A positive scale (scalar or broadcastable array) in the computation dtype.

    A scalar or a non-floating array is cast to the data's dtype ``dt``; a floating array
    takes part in dtype promotion like any other floating input.
    """
    floating_array = np.ndim(s) > 0 and np.asarray(s).dtype.kind == "f"
    s_ = positive_array(s, name)
    check_broadcastable_to(s_, shape, (name, "y"))
    target = np.result_type(dt, s_.dtype) if floating_array else dt
    s_ = s_.astype(target, copy=False)
    if not np.all(np.isfinite(s_)) or np.any(s_ <= 0):
        raise ValueError(f"`{name}` must be positive and finite in {target}.")
    return s_


def mse(y: ArrayLike, f: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Mean squared error :math:`\frac1n \sum_i (y_i - f_i)^2`.

    Parameters
    ----------
    y : array_like
        Targets (any shape; each element is one scalar observation).
    f : array_like
        Predictions, same shape as ``y``.
    reduction : {'mean', 'sum', 'none'}, optional
        Default ``'mean'`` as the name says; ``'none'`` gives the squared errors elementwise.

    Returns
    -------
    numpy.ndarray
        Scalar (``'mean'``, ``'sum'``) or per-element squared errors (``'none'``).

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §5.5.1 (eq. 5.66).
    """
    y_, f_ = _pair(y, f, ("y", "f"))
    return _reduce(np.square(y_ - f_), reduction)


def mae(y: ArrayLike, f: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Mean absolute error :math:`\frac1n \sum_i |y_i - f_i|`.

    Parameters
    ----------
    y : array_like
        Targets.
    f : array_like
        Predictions, same shape as ``y``.
    reduction : {'mean', 'sum', 'none'}, optional
        Default ``'mean'`` as the name says; ``'none'`` gives absolute errors elementwise.

    Returns
    -------
    numpy.ndarray
        Scalar (``'mean'``, ``'sum'``) or per-element absolute errors (``'none'``).

    References
    ----------
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §5.1.5 (absolute loss).
    """
    y_, f_ = _pair(y, f, ("y", "f"))
    return _reduce(np.abs(y_ - f_), reduction)


def gaussian_nll(y: ArrayLike, f: ArrayLike, sigma: ArrayLike, *,
                 reduction: Reduction = "none") -> np.ndarray:
    r"""Gaussian negative log-likelihood :math:`\frac{(y - f)^2}{2\sigma^2} + \frac12\log(2\pi\sigma^2)`.

    With a fixed ``sigma``, minimising the summed NLL over ``f`` is minimising the squared
    error: the MSE is the Gaussian maximum-likelihood criterion.

    Parameters
    ----------
    y : array_like
        Observations.
    f : array_like
        Predicted means, same shape as ``y``.
    sigma : float or array_like
        Standard deviation(s) ``> 0``; a scalar or an array broadcastable to ``y.shape``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over all elements (default: per-sample values).

    Returns
    -------
    numpy.ndarray
        ``-log N(y; f, sigma^2)`` elementwise, shape ``y.shape``; equals
        ``-scipy.stats.norm.logpdf(y, f, sigma)``. Evaluated as
        ``0.5 * ((y - f) / sigma)**2 + log(sigma) + 0.5 * log(2 pi)``, which does not
        overflow for large ``sigma``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), *Deep Learning*, §5.5.1.
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §4.2.5.
    """
    y_, f_ = _pair(y, f, ("y", "f"))
    s = _scale(sigma, "sigma", y_.shape, y_.dtype)
    dt = np.result_type(y_.dtype, s.dtype)
    half_log_2pi = dt.type(0.5 * math.log(2 * math.pi))
    r = (y_ - f_) / s
    return _reduce(dt.type(0.5) * r * r + np.log(s) + half_log_2pi, reduction)


def laplace_nll(y: ArrayLike, f: ArrayLike, b: ArrayLike, *,
                reduction: Reduction = "none") -> np.ndarray:
    r"""Laplace negative log-likelihood :math:`\frac{|y - f|}{b} + \log(2b)`.

    With a fixed scale ``b``, minimising the summed NLL over ``f`` is minimising the absolute
    error: the MAE is the Laplace maximum-likelihood criterion.

    Parameters
    ----------
    y : array_like
        Observations.
    f : array_like
        Predicted locations, same shape as ``y``.
    b : float or array_like
        Scale(s) ``> 0``; a scalar or an array broadcastable to ``y.shape``.
    reduction : {'none', 'sum', 'mean'}, optional
        Reduction over all elements (default: per-sample values).

    Returns
    -------
    numpy.ndarray
        ``-log Laplace(y; f, b)`` elementwise, shape ``y.shape``; equals
        ``-scipy.stats.laplace.logpdf(y, f, b)``.

    References
    ----------
    Murphy (2022), *Probabilistic Machine Learning: An Introduction*, §2.7.3 and §5.1.5.
    """
    y_, f_ = _pair(y, f, ("y", "f"))
    s = _scale(b, "b", y_.shape, y_.dtype)
    dt = np.result_type(y_.dtype, s.dtype)
    return _reduce(np.abs(y_ - f_) / s + (np.log(s) + dt.type(math.log(2))), reduction)
