"""Tests of :mod:`simulations.losses`: input validation, agreement with slow obviously-correct
references (plain loops with :mod:`math`, :mod:`mpmath` at 50 digits for extreme logits),
agreement with scipy, numerical stability and dtype handling.

Tolerances are derived from the machine epsilon ``eps`` of the computation dtype and the size
of the input: summing ``K`` terms costs at most ``K`` roundings, and ``exp(d)`` of a shifted
logit ``d = z - max z`` inherits the rounding of ``d`` amplified by ``|d|``. ``8`` is a safety
factor over these first-order bounds. Values that underflow are compared with an absolute
tolerance of the dtype's smallest normal number ``tiny``.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulations import losses as L

FLOATS = (np.float32, np.float64)
SAFETY = 8
DPS = 50  # digits of the mpmath references (set locally, never globally)


def eps_of(dtype) -> float:
    """Machine epsilon of a floating dtype as a Python float."""
    return float(np.finfo(dtype).eps)


def tiny_of(dtype) -> float:
    """Smallest positive normal number of a floating dtype."""
    return float(np.finfo(dtype).tiny)


# --------------------------------------------------------------------------- slow references


def ref_log_softmax_row(row) -> list[mpmath.mpf]:
    """Exact (DPS-digit relative) log-softmax of one row of floats.

    ``log(sum exp(z - m)) = log1p(sum over all but one maximiser)``: written with ``log1p`` so
    that 50 digits suffice when the other terms are below 1e-50 (``log(1 + 1e-150)`` would
    round to 0 at 50 digits, while float64 resolves 1e-150).
    """
    with mpmath.workdps(DPS):
        zs = [mpmath.mpf(float(v)) for v in row]
        m = max(zs)
        i_max = zs.index(m)
        lse = mpmath.log1p(mpmath.fsum(mpmath.exp(z - m) for i, z in enumerate(zs) if i != i_max))
        return [+(z - m - lse) for z in zs]


def ref_softmax_row(row) -> list[mpmath.mpf]:
    """Exact (DPS-digit) softmax of one row of floats."""
    with mpmath.workdps(DPS):
        return [mpmath.exp(v) for v in ref_log_softmax_row(row)]


def ref_cross_entropy_row(p, q) -> float:
    """-sum p log q with a plain loop; 0 log 0 = 0 and p > 0 = q gives inf."""
    total = 0.0
    for pk, qk in zip(p, q):
        if pk > 0:
            if qk == 0:
                return math.inf
            total -= float(pk) * math.log(float(qk))
    return total


def ref_kl_terms(p, q) -> list[float]:
    """The terms p log(p / q) of KL(p || q) with a plain loop (0 where p = 0)."""
    return [0.0 if pk == 0 else float(pk) * (math.log(float(pk)) - math.log(float(qk)))
            for pk, qk in zip(p, q)]


def ref_bce(y: float, yh: float) -> float:
    """-[y log yh + (1 - y) log(1 - yh)] with a plain loop and 0 log 0 = 0."""
    total = 0.0
    if y > 0:
        total -= y * (math.log(yh) if yh > 0 else -math.inf)
    if y < 1:
        total -= (1 - y) * (math.log1p(-yh) if yh < 1 else -math.inf)
    return total


def ref_bce_logits(y: float, z: float) -> mpmath.mpf:
    """Exact BCE of sigmoid(z): -[y log s(z) + (1 - y) log s(-z)], log s(x) = -log1p(e^-x)."""
    with mpmath.workdps(DPS):
        y_, z_ = mpmath.mpf(float(y)), mpmath.mpf(float(z))
        return +(y_ * mpmath.log1p(mpmath.exp(-z_)) + (1 - y_) * mpmath.log1p(mpmath.exp(z_)))


def random_simplex(rng: np.random.Generator, n: int, k: int, dtype=np.float64,
                   zero_frac: float = 0.0) -> np.ndarray:
    """Random distributions, optionally with exact zeros (each row keeps >= 1 positive)."""
    p = rng.dirichlet(np.full(k, 0.7), size=n)
    if zero_frac:
        zero = rng.random((n, k)) < zero_frac
        zero[np.arange(n), rng.integers(0, k, n)] = False
        p[zero] = 0.0
    p = p.astype(dtype)
    return p / p.sum(axis=-1, keepdims=True, dtype=dtype)


def assert_close_to_mp(got: np.ndarray, ref, rtol, atol) -> None:
    """|got - ref| <= rtol * |ref| + atol elementwise, ``ref`` exact mpmath values."""
    got = np.asarray(got, dtype=np.float64).ravel()
    ref = list(ref)
    assert len(ref) == got.size
    rtol = np.broadcast_to(np.asarray(rtol, dtype=np.float64), got.shape)
    atol = np.broadcast_to(np.asarray(atol, dtype=np.float64), got.shape)
    with mpmath.workdps(DPS):
        for g, r, rt, at in zip(got, ref, rtol, atol):
            err = abs(mpmath.mpf(float(g)) - r)
            assert err <= rt * abs(r) + at, (g, r, float(err))


def assert_within(got, ref, bound) -> None:
    """|got - ref| <= bound elementwise (bound an array derived from eps and term sizes)."""
    got, ref = np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    err = np.abs(got - ref)
    bad = ~(err <= bound)
    assert not np.any(bad), (got[bad], ref[bad], err[bad], np.broadcast_to(bound, err.shape)[bad])


def log_softmax_bounds(row, dtype) -> tuple[np.ndarray, np.ndarray]:
    """First-order error bounds of the computed log_softmax / softmax of one row.

    With ``d = z - max z`` (one rounding each, so ``|d_i| * eps/2``), ``s = sum of exp(d_j)``
    over the non-maximal entries and ``lse = log1p(s)``: ``lse`` carries a relative error of
    about ``(K + D) * eps`` with ``D`` the ``exp(d)``-weighted mean of ``|d_j|``. Hence

    * ``|log_softmax_i error| <= 8 * eps * (K * |ref_i| + D * lse)`` (absolute), and
    * ``|softmax_i error| / softmax_i <= 8 * eps * (K * (1 + |ref_i|) + D * lse)``.
    """
    eps = eps_of(dtype)
    z = np.asarray(row, dtype=np.float64)
    i_max = int(np.argmax(z))
    d = z - z[i_max]
    others = np.delete(d, i_max)
    w = np.exp(others)
    lse = math.log1p(float(w.sum()))
    weighted = float((w * np.abs(others)).sum() / w.sum()) if w.sum() > 0 else 0.0
    ref = np.abs(d) + lse  # = |log_softmax|
    k = z.size
    abs_bound = SAFETY * eps * (k * ref + weighted * lse)
    rel_bound = SAFETY * eps * (k * (1 + ref) + weighted * lse)
    return abs_bound, rel_bound


# --------------------------------------------------------------------------- validation

GOOD_P = [[0.2, 0.8], [0.5, 0.5]]
GOOD_Z = [[1.0, 2.0], [0.0, -1.0]]
GOOD_LAB = [1, 0]
GOOD_Y = [0.0, 1.0]
GOOD_YH = [0.3, 0.6]

ERROR_CASES = [
    # softmax family
    *[pytest.param(fn, ([[1.0, bad]],), {}, r"`logits` must be finite", id=f"{fn.__name__}-{bad}")
      for fn in (L.softmax, L.log_softmax, L.naive_softmax) for bad in (np.nan, np.inf, -np.inf)],
    *[pytest.param(fn, (np.empty((2, 0)),), {}, r"`logits` must not be empty",
                   id=f"{fn.__name__}-empty") for fn in (L.softmax, L.log_softmax, L.naive_softmax)],
    *[pytest.param(fn, (3.0,), {}, r"`logits` must have at least 1 dimension",
                   id=f"{fn.__name__}-0d") for fn in (L.softmax, L.log_softmax, L.naive_softmax)],
    *[pytest.param(fn, (GOOD_Z,), {"axis": 2}, r"`axis` must be in \[-2, 2\)",
                   id=f"{fn.__name__}-axis") for fn in (L.softmax, L.log_softmax, L.naive_softmax)],
    # cross-entropy / entropy / KL
    pytest.param(L.cross_entropy, ([[np.nan, 1.0]], GOOD_P[:1]), {}, r"`p` must be finite", id="ce-p-nan"),
    pytest.param(L.cross_entropy, (GOOD_P, [[np.inf, 0.0], [0.5, 0.5]]), {}, r"`q` must be finite", id="ce-q-inf"),
    pytest.param(L.cross_entropy, ([[-0.5, 1.5]], GOOD_P[:1]), {}, r"`p` must lie in \[0, 1\]", id="ce-p-range"),
    pytest.param(L.cross_entropy, (GOOD_P, [[0.2, 0.7], [0.5, 0.5]]), {}, r"`q` must sum to 1", id="ce-q-sum"),
    pytest.param(L.cross_entropy, (GOOD_P, GOOD_P[:1]), {}, r"`p` and `q` must have the same shape", id="ce-shape"),
    pytest.param(L.cross_entropy, (np.empty((0, 2)), np.empty((0, 2))), {}, r"`p` must not be empty", id="ce-empty"),
    pytest.param(L.cross_entropy, (GOOD_P, GOOD_P), {"reduction": "avg"}, r"`reduction` must be one of", id="ce-red"),
    pytest.param(L.entropy, ([[0.5, 0.6]],), {}, r"`p` must sum to 1", id="H-sum"),
    pytest.param(L.entropy, ([[1.2, -0.2]],), {}, r"`p` must lie in \[0, 1\]", id="H-range"),
    pytest.param(L.entropy, ([[np.nan, 1.0]],), {}, r"`p` must be finite", id="H-nan"),
    pytest.param(L.entropy, (np.empty((0, 3)),), {}, r"`p` must not be empty", id="H-empty"),
    pytest.param(L.kl_divergence, ([[0.5, 0.6]], GOOD_P[:1]), {}, r"`p` must sum to 1", id="kl-p-sum"),
    pytest.param(L.kl_divergence, (GOOD_P, [[0.5, np.nan], [0.5, 0.5]]), {}, r"`q` must be finite", id="kl-q-nan"),
    pytest.param(L.kl_divergence, (GOOD_P, [[1.0]]), {}, r"`p` and `q` must have the same shape", id="kl-shape"),
    # label-based
    *[pytest.param(fn, ([2, 0], GOOD_P), {}, r"`labels` must be in \[0, 2\)", id=f"{fn.__name__}-range")
      for fn in (L.cross_entropy_onehot, L.categorical_nll)],
    *[pytest.param(fn, ([-1, 0], GOOD_P), {}, r"`labels` must be in \[0, 2\)", id=f"{fn.__name__}-neg")
      for fn in (L.cross_entropy_onehot, L.categorical_nll)],
    *[pytest.param(fn, ([0.5, 0], GOOD_P), {}, r"`labels` must be integer-valued", id=f"{fn.__name__}-frac")
      for fn in (L.cross_entropy_onehot, L.categorical_nll)],
    *[pytest.param(fn, ([np.nan, 0], GOOD_P), {}, r"`labels` must be finite", id=f"{fn.__name__}-nan")
      for fn in (L.cross_entropy_onehot, L.categorical_nll)],
    *[pytest.param(fn, ([0, 1, 0], GOOD_P), {}, r"`labels` must have the shape of `(q|probs)` without",
                   id=f"{fn.__name__}-shape") for fn in (L.cross_entropy_onehot, L.categorical_nll)],
    *[pytest.param(fn, ([], GOOD_P), {}, r"`labels` must not be empty", id=f"{fn.__name__}-empty")
      for fn in (L.cross_entropy_onehot, L.categorical_nll)],
    pytest.param(L.cross_entropy_onehot, (GOOD_LAB, [[0.2, 0.9], [0.5, 0.5]]), {}, r"`q` must sum to 1", id="ceoh-q-sum"),
    pytest.param(L.categorical_nll, (GOOD_LAB, [[1.2, -0.2], [0.5, 0.5]]), {}, r"`probs` must lie in \[0, 1\]", id="cnll-range"),
    pytest.param(L.categorical_nll, (GOOD_LAB, [[np.inf, 0.0], [0.5, 0.5]]), {}, r"`probs` must be finite", id="cnll-inf"),
    pytest.param(L.cross_entropy_from_logits, ([0, 2], GOOD_Z), {}, r"`labels` must be in \[0, 2\)", id="cefl-range"),
    pytest.param(L.cross_entropy_from_logits, ([0, 1.5], GOOD_Z), {}, r"`labels` must be integer-valued", id="cefl-frac"),
    pytest.param(L.cross_entropy_from_logits, (GOOD_LAB, [[np.nan, 0.0], [0.0, 0.0]]), {}, r"`logits` must be finite", id="cefl-nan"),
    pytest.param(L.cross_entropy_from_logits, (GOOD_LAB, [[np.inf, 0.0], [0.0, 0.0]]), {}, r"`logits` must be finite", id="cefl-inf"),
    pytest.param(L.cross_entropy_from_logits, ([0], GOOD_Z), {}, r"`labels` must have the shape of `logits`", id="cefl-shape"),
    pytest.param(L.cross_entropy_from_logits, ([], np.empty((0, 2))), {}, r"`logits` must not be empty", id="cefl-empty"),
    pytest.param(L.epsilon_cross_entropy, ([[1, 1]], GOOD_P[:1]), {}, r"`onehot` must sum to 1", id="eps-onehot-sum"),
    pytest.param(L.epsilon_cross_entropy, ([[1, 0]], [[1.5, -0.5]]), {}, r"`probs` must lie in \[0, 1\]", id="eps-probs-range"),
    pytest.param(L.epsilon_cross_entropy, ([[1, 0]], GOOD_P[:1]), {"eps": -1e-15}, r"`eps` must be non-negative", id="eps-neg"),
    pytest.param(L.epsilon_cross_entropy, ([[1, 0]], GOOD_P[:1]), {"eps": np.nan}, r"`eps` must be finite", id="eps-nan"),
    pytest.param(L.epsilon_cross_entropy, ([[1, 0, 0]], GOOD_P[:1]), {}, r"`onehot` and `probs` must have the same shape", id="eps-shape"),
    # binary
    pytest.param(L.binary_cross_entropy, ([1.5, 0.0], GOOD_YH), {}, r"`y` must lie in \[0, 1\]", id="bce-y-range"),
    pytest.param(L.binary_cross_entropy, (GOOD_Y, [0.3, 1.01]), {}, r"`y_hat` must lie in \[0, 1\]", id="bce-yh-range"),
    pytest.param(L.binary_cross_entropy, (GOOD_Y, [0.3, np.nan]), {}, r"`y_hat` must be finite", id="bce-yh-nan"),
    pytest.param(L.binary_cross_entropy, (GOOD_Y, [0.3]), {}, r"`y` and `y_hat` must have the same shape", id="bce-shape"),
    pytest.param(L.binary_cross_entropy, ([], []), {}, r"`y` must not be empty", id="bce-empty"),
    pytest.param(L.binary_cross_entropy_with_logits, ([-0.1, 1.0], GOOD_YH), {}, r"`y` must lie in \[0, 1\]", id="bcel-y-range"),
    pytest.param(L.binary_cross_entropy_with_logits, (GOOD_Y, [np.inf, 0.0]), {}, r"`z` must be finite", id="bcel-z-inf"),
    pytest.param(L.binary_cross_entropy_with_logits, (GOOD_Y, [np.nan, 0.0]), {}, r"`z` must be finite", id="bcel-z-nan"),
    pytest.param(L.binary_cross_entropy_with_logits, (GOOD_Y, [[0.0, 0.0]]), {}, r"`y` and `z` must have the same shape", id="bcel-shape"),
    pytest.param(L.bernoulli_nll, ([0.5, 1.0], GOOD_YH), {}, r"`y` must contain only 0 and 1", id="bern-y"),
    pytest.param(L.bernoulli_nll, ([2, 1], GOOD_YH), {}, r"`y` must contain only 0 and 1", id="bern-y2"),
    pytest.param(L.bernoulli_nll, (GOOD_Y, [-0.1, 0.5]), {}, r"`p` must lie in \[0, 1\]", id="bern-p-range"),
    pytest.param(L.bernoulli_nll, (GOOD_Y, [np.nan, 0.5]), {}, r"`p` must be finite", id="bern-p-nan"),
    pytest.param(L.bernoulli_nll, (GOOD_Y, [0.5]), {}, r"`y` and `p` must have the same shape", id="bern-shape"),
    # regression
    *[pytest.param(fn, ([np.nan, 1.0], [0.0, 0.0]), {}, r"`y` must be finite", id=f"{fn.__name__}-y-nan")
      for fn in (L.mse, L.mae)],
    *[pytest.param(fn, ([0.0, 1.0], [0.0, np.inf]), {}, r"`f` must be finite", id=f"{fn.__name__}-f-inf")
      for fn in (L.mse, L.mae)],
    *[pytest.param(fn, ([0.0, 1.0], [0.0]), {}, r"`y` and `f` must have the same shape", id=f"{fn.__name__}-shape")
      for fn in (L.mse, L.mae)],
    *[pytest.param(fn, ([], []), {}, r"`y` must not be empty", id=f"{fn.__name__}-empty") for fn in (L.mse, L.mae)],
    *[pytest.param(fn, ([1.0], [0.0]), {"reduction": "max"}, r"`reduction` must be one of",
                   id=f"{fn.__name__}-red") for fn in (L.mse, L.mae)],
    *[pytest.param(L.gaussian_nll, ([1.0, 2.0], [0.0, 0.0], bad), {}, msg, id=f"gauss-sigma-{bad!r}")
      for bad, msg in [(0.0, r"`sigma` must be positive"), (-1.0, r"`sigma` must be positive"),
                       (np.nan, r"`sigma` must be finite"), (np.inf, r"`sigma` must be finite"),
                       ([1.0, 0.0], r"`sigma` must be positive"),
                       ([1.0, 1.0, 1.0], r"`sigma` must broadcast to the shape of `y`")]],
    pytest.param(L.gaussian_nll, ([np.nan], [0.0], 1.0), {}, r"`y` must be finite", id="gauss-y-nan"),
    pytest.param(L.gaussian_nll, ([1.0], [0.0, 1.0], 1.0), {}, r"`y` and `f` must have the same shape", id="gauss-shape"),
    pytest.param(L.gaussian_nll, ([1.0], [0.0], 1e-100), {"reduction": "none"}, None, id="gauss-tiny-ok"),
    *[pytest.param(L.laplace_nll, ([1.0, 2.0], [0.0, 0.0], bad), {}, msg, id=f"laplace-b-{bad!r}")
      for bad, msg in [(0.0, r"`b` must be positive"), (-2.0, r"`b` must be positive"),
                       (np.nan, r"`b` must be finite"), ([[1.0, 1.0]] * 3, r"`b` must broadcast")]],
    pytest.param(L.laplace_nll, ([1.0], [np.inf], 1.0), {}, r"`f` must be finite", id="laplace-f-inf"),
]


@pytest.mark.parametrize("fn, args, kwargs, pattern", ERROR_CASES)
def test_bad_inputs_raise_value_error_naming_parameter(fn, args, kwargs, pattern):
    """Every public loss rejects bad input with a ValueError whose message names the parameter."""
    if pattern is None:  # a control: a legal extreme value must *not* raise
        fn(*args, **kwargs)
        return
    with pytest.raises(ValueError, match=rf"^{pattern}"):
        fn(*args, **kwargs)


def test_float32_scale_that_underflows_is_rejected():
    """A positive float64 sigma that is zero in the float32 computation dtype is rejected."""
    with pytest.raises(ValueError, match=r"^`sigma` must be positive and finite in float32"):
        L.gaussian_nll(np.float32([1.0]), np.float32([0.0]), 1e-50)


# --------------------------------------------------------------------------- softmax family


def _random_logits(rng: np.random.Generator, dtype, scale: float) -> np.ndarray:
    n, k = int(rng.integers(1, 12)), int(rng.integers(1, 9))
    return (rng.standard_normal((n, k)) * scale).astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("scale", [1.0, 30.0, 300.0, 1e4])
def test_softmax_matches_mpmath(dtype, scale):
    """softmax matches the 50-digit softmax within the first-order bound of log_softmax_bounds."""
    rng = np.random.default_rng(20240601)
    tiny = tiny_of(dtype)
    for _ in range(4):
        z = _random_logits(rng, dtype, scale)
        got = L.softmax(z)
        assert got.dtype == dtype
        for row_z, row_got in zip(z, got):
            _, rel_bound = log_softmax_bounds(row_z, dtype)
            assert_close_to_mp(row_got, ref_softmax_row(row_z), rel_bound, tiny)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("scale", [1.0, 30.0, 300.0, 1e4])
def test_log_softmax_matches_mpmath(dtype, scale):
    """log_softmax matches the 50-digit value within 8*eps*(K*|ref| + D*lse) (+ tiny)."""
    rng = np.random.default_rng(20240602)
    tiny = tiny_of(dtype)
    for _ in range(4):
        z = _random_logits(rng, dtype, scale)
        got = L.log_softmax(z)
        assert got.dtype == dtype
        for row_z, row_got in zip(z, got):
            abs_bound, _ = log_softmax_bounds(row_z, dtype)
            assert_close_to_mp(row_got, ref_log_softmax_row(row_z), 0, abs_bound + tiny)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_cross_entropy_from_logits_matches_mpmath(dtype, scale):
    """-log_softmax(z)[y] matches the 50-digit value within the log_softmax bound (+ tiny)."""
    rng = np.random.default_rng(20240603)
    tiny = tiny_of(dtype)
    for _ in range(4):
        z = _random_logits(rng, dtype, scale)
        n, k = z.shape
        y = rng.integers(0, k, n)
        # make some rows near-perfect predictions so the loss is tiny (tests log1p accuracy)
        z[::2, :] = np.where(np.arange(k) == y[::2, None], dtype(40.0), z[::2, :])
        got = L.cross_entropy_from_logits(y, z)
        assert got.dtype == dtype and got.shape == (n,)
        for g, row, label in zip(got, z, y):
            abs_bound, _ = log_softmax_bounds(row, dtype)
            assert_close_to_mp([g], [-ref_log_softmax_row(row)[label]], 0,
                               abs_bound[label] + tiny)


def test_softmax_family_agrees_with_scipy():
    """softmax, log_softmax and z - logsumexp agree with scipy.special along any axis."""
    rng = np.random.default_rng(11)
    z = rng.standard_normal((3, 4, 5)) * 5
    for axis in (0, 1, 2, -1):
        k = z.shape[axis]
        tol = SAFETY * k * eps_of(np.float64)
        np.testing.assert_allclose(L.softmax(z, axis=axis), scipy.special.softmax(z, axis=axis),
                                   rtol=tol, atol=0)
        lsm = L.log_softmax(z, axis=axis)
        np.testing.assert_allclose(lsm, scipy.special.log_softmax(z, axis=axis), rtol=tol,
                                   atol=tol)
        np.testing.assert_allclose(
            lsm, z - scipy.special.logsumexp(z, axis=axis, keepdims=True), rtol=tol, atol=tol)


def test_source_document_example():
    """softmax([3, 1, 0.2]) = [0.836, 0.113, 0.051] and its NLL is -log(0.836) = 0.179."""
    z = np.array([[3.0, 1.0, 0.2]])
    np.testing.assert_allclose(L.softmax(z)[0], [0.836, 0.113, 0.051], atol=5e-4)
    ce = L.cross_entropy_from_logits([0], z)[0]
    assert abs(ce - 0.179) < 5e-4
    assert L.categorical_nll([0], L.softmax(z))[0] == pytest.approx(ce, rel=24 * eps_of(float))


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_stable_at_extreme_logits(dtype):
    """softmax and log_softmax stay finite and normalised for |z| up to 1e4."""
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4 - 1]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = L.softmax(z)
        lp = L.log_softmax(z)
    assert p.dtype == dtype and lp.dtype == dtype
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp))
    np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=0, atol=SAFETY * 3 * eps_of(dtype))
    np.testing.assert_array_equal(p[0], [1, 0, 0])
    np.testing.assert_allclose(lp[0], [0, -2e4, -1e4], rtol=eps_of(dtype))
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=SAFETY * 3 * eps_of(dtype))


@pytest.mark.parametrize("dtype, threshold", [(np.float64, 709.79), (np.float32, 88.73)])
def test_naive_softmax_overflows_above_log_max(dtype, threshold):
    """naive_softmax is nan above log(finfo.max) (~709.78 / ~88.72) and silences the warnings."""
    assert math.log(float(np.finfo(dtype).max)) < threshold
    below = np.array([[threshold - 1, 0.0]], dtype=dtype)
    above = np.array([[threshold + 0.5, 0.0], [1e4, -1e4]], dtype=dtype)
    underflow = np.array([[-1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = L.naive_softmax(below)
        bad = L.naive_softmax(above)
        zero_over_zero = L.naive_softmax(underflow)
    assert ok.dtype == dtype and np.all(np.isfinite(ok))
    np.testing.assert_allclose(ok, L.softmax(below), rtol=SAFETY * 2 * eps_of(dtype))
    assert np.all(np.isnan(bad[:, 0]))
    assert np.all(np.isnan(zero_over_zero))
    assert np.all(np.isfinite(L.softmax(above))) and np.all(np.isfinite(L.softmax(underflow)))


def test_naive_softmax_matches_softmax_for_moderate_logits():
    """For |z| <= 20 the naive and stable forms agree to 8*K*eps."""
    rng = np.random.default_rng(5)
    z = rng.uniform(-20, 20, size=(50, 6))
    np.testing.assert_allclose(L.naive_softmax(z), L.softmax(z),
                               rtol=SAFETY * 6 * eps_of(np.float64) * 20)


@settings(deadline=None, database=None, derandomize=True, max_examples=60)
@given(z=hnp.arrays(st.sampled_from([np.float32, np.float64]),
                    st.tuples(st.integers(1, 6), st.integers(1, 12)),
                    elements=st.floats(-1e4, 1e4, width=32)))
def test_softmax_properties(z):
    """softmax rows lie in [0, 1], sum to 1 within 8*K*eps, and exp(log_softmax) agrees."""
    k = z.shape[-1]
    tol = SAFETY * k * eps_of(z.dtype)
    p = L.softmax(z)
    lp = L.log_softmax(z)
    assert p.dtype == z.dtype and lp.dtype == z.dtype
    assert np.all((p >= 0) & (p <= 1)) and np.all(lp <= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=0, atol=tol)
    d = z.astype(np.float64) - z.max(axis=-1, keepdims=True)
    np.testing.assert_allclose(np.exp(lp), p, rtol=0,
                               atol=SAFETY * (k + np.abs(d).max()) * eps_of(z.dtype))


# --------------------------------------------------------------------------- categorical


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_entropy_kl_match_loops(dtype):
    """cross_entropy, entropy and kl_divergence match plain loops (8*K*eps relative error)."""
    rng = np.random.default_rng(77)
    eps = eps_of(dtype)
    for k in (1, 2, 5, 17):
        p = random_simplex(rng, 30, k, dtype, zero_frac=0.3)
        q = random_simplex(rng, 30, k, dtype)
        # every third q is a slight perturbation of p, where KL's terms cancel most
        near = (p[::3].astype(np.float64) * (1 - 1e-6) + 1e-6 / k).astype(dtype)
        q[::3] = near / near.sum(axis=-1, keepdims=True, dtype=dtype)
        tol = SAFETY * k * eps
        ce, h, kl = L.cross_entropy(p, q), L.entropy(p), L.kl_divergence(p, q)
        assert ce.dtype == h.dtype == kl.dtype == dtype and ce.shape == (30,)
        for i in range(30):
            assert ce[i] == pytest.approx(ref_cross_entropy_row(p[i], q[i]), rel=tol, abs=0)
            assert h[i] == pytest.approx(ref_cross_entropy_row(p[i], p[i]), rel=tol, abs=0)
            # KL's terms cancel and log(p/q) carries an absolute rounding error of ~eps, so
            # its error is bounded by eps * sum p (|log p| + |log q| + 1) = eps * (H + CE + 1).
            size = ref_cross_entropy_row(p[i], p[i]) + ref_cross_entropy_row(p[i], q[i]) + 1
            assert abs(kl[i] - math.fsum(ref_kl_terms(p[i], q[i]))) <= tol * size


def test_cross_entropy_infinite_when_q_misses_support():
    """H(p, q) and KL(p || q) are +inf when q = 0 where p > 0, finite when only p = 0 = q."""
    p = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    q = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce, kl = L.cross_entropy(p, q), L.kl_divergence(p, q)
    assert ce[0] == np.inf and kl[0] == np.inf
    assert ce[1] == 0 and kl[1] == 0 and not np.signbit(ce[1])


def test_kl_divergence_subnormal_q_does_not_overflow():
    """p / q overflowing (q subnormal) falls back to log p - log q and stays finite."""
    kl = L.kl_divergence([[1.0, 0.0]], [[5e-324, 1.0]])[0]
    assert kl == pytest.approx(-math.log(5e-324), rel=SAFETY * 2 * eps_of(float))


@settings(deadline=None, database=None, derandomize=True, max_examples=50)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 20))
def test_cross_entropy_decomposes_into_entropy_plus_kl(seed, k):
    """H(p, q) = H(p) + KL(p || q) within 8*K*eps*(H(p, q) + H(p) + 1) (see the loop test)."""
    rng = np.random.default_rng(seed)
    p = random_simplex(rng, 8, k, zero_frac=0.2)
    q = random_simplex(rng, 8, k)
    ce, h, kl = L.cross_entropy(p, q), L.entropy(p), L.kl_divergence(p, q)
    bound = SAFETY * k * eps_of(np.float64) * (ce + h + 1)
    assert_within(ce, h + kl, bound)
    assert np.all(kl >= -bound)


@pytest.mark.parametrize("dtype", FLOATS)
def test_label_losses_match_loops_and_each_other(dtype):
    """categorical_nll = cross_entropy_onehot = cross_entropy(onehot, q) = -log q[y] by loop."""
    rng = np.random.default_rng(99)
    for k in (1, 3, 10):
        q = random_simplex(rng, 25, k, dtype, zero_frac=0.2)
        y = rng.integers(0, k, 25)
        onehot = np.eye(k, dtype=np.int64)[y]
        nll = L.categorical_nll(y, q)
        assert nll.dtype == dtype and nll.shape == (25,)
        np.testing.assert_array_equal(nll, L.cross_entropy_onehot(y, q))
        np.testing.assert_array_equal(nll, L.cross_entropy(onehot, q))
        for i in range(25):
            qi = float(q[i, y[i]])
            expected = math.inf if qi == 0 else -math.log(qi)
            assert nll[i] == pytest.approx(expected, rel=SAFETY * eps_of(dtype), abs=0)


def test_label_losses_accept_batch_shapes():
    """Labels of shape (N, T) pair with scores of shape (N, T, K)."""
    rng = np.random.default_rng(3)
    z = rng.standard_normal((4, 3, 5))
    y = rng.integers(0, 5, (4, 3))
    ce = L.cross_entropy_from_logits(y, z)
    assert ce.shape == (4, 3)
    np.testing.assert_allclose(ce, L.categorical_nll(y, L.softmax(z)),
                               rtol=SAFETY * 5 * eps_of(np.float64))


def test_epsilon_cross_entropy_reproduces_source_and_deviation():
    """The eps form equals the literal source expression and undershoots by log(1 + eps/q_y)."""
    rng = np.random.default_rng(4)
    k = 4
    q = random_simplex(rng, 40, k, zero_frac=0.3)
    y = rng.integers(0, k, 40)
    onehot = np.eye(k, dtype=np.int64)[y]
    got = L.epsilon_cross_entropy(onehot, q)
    literal = np.array([-np.sum(t * np.log(r + 1e-15)) for t, r in zip(onehot, q)])
    np.testing.assert_array_equal(got, literal)
    exact = L.cross_entropy_onehot(y, q)
    qy = q[np.arange(40), y]
    pos = qy > 0
    np.testing.assert_allclose(exact[pos] - got[pos], np.log1p(1e-15 / qy[pos]), rtol=1e-6,
                               atol=SAFETY * eps_of(np.float64) * exact[pos].max())
    assert np.all(got <= exact)
    np.testing.assert_allclose(got[~pos], -math.log(1e-15), rtol=SAFETY * eps_of(np.float64))
    assert np.array_equal(L.epsilon_cross_entropy(onehot, q, eps=0.0), exact)


def test_epsilon_cross_entropy_float32_ignores_eps_for_large_q():
    """In float32, q + 1e-15 == q for q >= 2**-26, so the eps form equals the exact one there."""
    q = np.array([[0.25, 0.75]], dtype=np.float32)
    out = L.epsilon_cross_entropy([[1, 0]], q)
    assert out.dtype == np.float32 and out[0] == L.cross_entropy_onehot([0], q)[0]


# --------------------------------------------------------------------------- binary


@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_cross_entropy_matches_loop(dtype):
    """binary_cross_entropy (hard and soft labels) matches a math.log loop to 8*2*eps."""
    rng = np.random.default_rng(21)
    y = np.concatenate([rng.integers(0, 2, 30), rng.random(30), [0, 1, 0, 1]]).astype(dtype)
    yh = np.concatenate([rng.random(60), [0, 1, 1e-30, 1 - 2**-20]]).astype(dtype)
    got = L.binary_cross_entropy(y, yh)
    assert got.dtype == dtype and got.shape == y.shape
    for g, yi, pi in zip(got, y, yh):
        assert g == pytest.approx(ref_bce(float(yi), float(pi)), rel=SAFETY * 2 * eps_of(dtype),
                                  abs=tiny_of(dtype))


def test_binary_cross_entropy_edge_values():
    """0 log 0 = 0 at perfect predictions; a confident wrong prediction costs +inf."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = L.binary_cross_entropy([0, 1, 1, 0], [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(out, [0, 0, np.inf, np.inf])
    assert not np.any(np.signbit(out))


def test_bernoulli_nll_equals_binary_cross_entropy_on_hard_labels():
    """bernoulli_nll equals binary_cross_entropy for y in {0, 1} and integer y stays exact."""
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, 100)
    p = rng.random(100)
    np.testing.assert_array_equal(L.bernoulli_nll(y, p), L.binary_cross_entropy(y, p))
    p32 = p.astype(np.float32)
    assert L.bernoulli_nll(y, p32).dtype == np.float32
    assert L.bernoulli_nll(y, p, reduction="sum") == pytest.approx(
        -math.fsum(math.log(pi) if yi else math.log1p(-pi) for yi, pi in zip(y, p)),
        rel=SAFETY * 100 * eps_of(np.float64))


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_with_logits_matches_mpmath(dtype):
    """The stable logit form matches the 50-digit BCE of sigmoid(z) to 8*2*eps, even at |z|=1e4."""
    rng = np.random.default_rng(31)
    z = np.concatenate([rng.standard_normal(20) * 3, rng.standard_normal(20) * 100,
                        [1e4, -1e4, 1e4, -1e4, 0.0, 40.0, -40.0]]).astype(dtype)
    y = np.concatenate([rng.random(20), rng.integers(0, 2, 20), [1, 0, 0, 1, 0.5],
                        [1 - 2**-20, 2**-20]]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = L.binary_cross_entropy_with_logits(y, z)
    assert got.dtype == dtype and np.all(np.isfinite(got))
    assert_close_to_mp(got, [ref_bce_logits(a, b) for a, b in zip(y, z)],
                       SAFETY * 2 * eps_of(dtype), tiny_of(dtype))


def test_bce_with_logits_equals_bce_of_sigmoid():
    """For |z| <= 8 BCE-with-logits equals binary_cross_entropy(y, sigmoid(z)) to 8*eps*e^|z|."""
    rng = np.random.default_rng(32)
    z = rng.uniform(-8, 8, 200)
    y = rng.random(200)
    got = L.binary_cross_entropy_with_logits(y, z)
    # Rounding expit(z) to eps costs eps * exp(|z|) in log(1 - expit(z)) (or log expit(z)).
    assert_within(got, L.binary_cross_entropy(y, scipy.special.expit(z)),
                  SAFETY * eps_of(np.float64) * (got + np.exp(np.abs(z))))


# --------------------------------------------------------------------------- regression


@pytest.mark.parametrize("dtype", FLOATS)
def test_mse_mae_match_loops(dtype):
    """mse and mae ('none', 'sum', 'mean') match plain loops within 8*n*eps."""
    rng = np.random.default_rng(41)
    y = rng.standard_normal(200).astype(dtype)
    f = rng.standard_normal(200).astype(dtype)
    n, eps = y.size, eps_of(dtype)
    sq = [(float(a) - float(b)) ** 2 for a, b in zip(y, f)]
    ab = [abs(float(a) - float(b)) for a, b in zip(y, f)]
    assert L.mse(y, f).dtype == dtype and L.mae(y, f).shape == ()
    np.testing.assert_allclose(L.mse(y, f, reduction="none"), sq, rtol=SAFETY * eps)
    np.testing.assert_allclose(L.mae(y, f, reduction="none"), ab, rtol=SAFETY * eps)
    assert L.mse(y, f) == pytest.approx(math.fsum(sq) / n, rel=SAFETY * n * eps)
    assert L.mae(y, f) == pytest.approx(math.fsum(ab) / n, rel=SAFETY * n * eps)
    assert L.mse(y, f, reduction="sum") == pytest.approx(math.fsum(sq), rel=SAFETY * n * eps)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gaussian_nll_matches_scipy_and_loop(dtype):
    """gaussian_nll = -norm.logpdf elementwise, summed and by a loop, to 8*eps*(sum of |terms|)."""
    rng = np.random.default_rng(51)
    n, eps = 300, eps_of(dtype)
    y = (rng.standard_normal(n) * 3).astype(dtype)
    f = rng.standard_normal(n).astype(dtype)
    for sigma in (0.3, 2.0, 1e6):
        got = L.gaussian_nll(y, f, sigma)
        assert got.dtype == dtype
        ref = -scipy.stats.norm.logpdf(y.astype(float), f.astype(float), sigma)
        r = (y.astype(float) - f.astype(float)) / sigma
        size = 0.5 * r**2 + abs(math.log(sigma)) + 0.5 * math.log(2 * math.pi)  # |terms|
        assert_within(got, ref, SAFETY * 4 * eps * size)
        assert_within(L.gaussian_nll(y, f, sigma, reduction="sum"), ref.sum(),
                      SAFETY * n * eps * size.sum())
        loop = [(float(a) - float(b)) ** 2 / (2 * sigma**2) + 0.5 * math.log(2 * math.pi * sigma**2)
                for a, b in zip(y, f)]
        assert_within(got, loop, SAFETY * 4 * eps * size)


def test_gaussian_nll_per_sample_sigma_and_mse_link():
    """Array sigma broadcasts per sample; at fixed sigma the NLL is affine in the MSE."""
    rng = np.random.default_rng(52)
    y, f = rng.standard_normal((10, 3)), rng.standard_normal((10, 3))
    sigma = rng.uniform(0.5, 2.0, (10, 1))
    eps = eps_of(np.float64)
    got = L.gaussian_nll(y, f, sigma)
    size = 0.5 * ((y - f) / sigma) ** 2 + np.abs(np.log(sigma)) + 0.5 * math.log(2 * math.pi)
    assert_within(got, -scipy.stats.norm.logpdf(y, f, sigma), SAFETY * 4 * eps * size)
    n = y.size
    total = L.gaussian_nll(y, f, 1.5, reduction="sum")
    affine = n * L.mse(y, f) / (2 * 1.5**2) + n / 2 * math.log(2 * math.pi * 1.5**2)
    assert_within(total, affine, SAFETY * n * eps * (abs(affine) + n * abs(math.log(1.5))))


@pytest.mark.parametrize("dtype", FLOATS)
def test_laplace_nll_matches_scipy_and_loop(dtype):
    """laplace_nll = -laplace.logpdf and a loop elementwise; summed = n*MAE/b + n log 2b."""
    rng = np.random.default_rng(61)
    n, eps = 300, eps_of(dtype)
    y = rng.laplace(size=n).astype(dtype)
    f = rng.standard_normal(n).astype(dtype)
    for b in (0.2, 1.0, 50.0):
        got = L.laplace_nll(y, f, b)
        assert got.dtype == dtype
        ref = -scipy.stats.laplace.logpdf(y.astype(float), f.astype(float), b)
        size = np.abs(y.astype(float) - f.astype(float)) / b + abs(math.log(2 * b))  # |terms|
        assert_within(got, ref, SAFETY * 4 * eps * size)
        loop = [abs(float(a) - float(c)) / b + math.log(2 * b) for a, c in zip(y, f)]
        assert_within(got, loop, SAFETY * 4 * eps * size)
        affine = n * float(L.mae(y, f)) / b + n * math.log(2 * b)
        assert_within(L.laplace_nll(y, f, b, reduction="sum"), affine,
                      SAFETY * n * eps * size.sum())


# --------------------------------------------------------------------------- dtype and reduction


PER_SAMPLE_CALLS = [
    ("cross_entropy", lambda a: L.cross_entropy(a["p"], a["q"])),
    ("entropy", lambda a: L.entropy(a["p"])),
    ("kl_divergence", lambda a: L.kl_divergence(a["p"], a["q"])),
    ("cross_entropy_onehot", lambda a: L.cross_entropy_onehot(a["y"], a["q"])),
    ("categorical_nll", lambda a: L.categorical_nll(a["y"], a["q"])),
    ("cross_entropy_from_logits", lambda a: L.cross_entropy_from_logits(a["y"], a["z"])),
    ("epsilon_cross_entropy", lambda a: L.epsilon_cross_entropy(a["onehot"], a["q"])),
    ("binary_cross_entropy", lambda a: L.binary_cross_entropy(a["b"], a["yh"])),
    ("bernoulli_nll", lambda a: L.bernoulli_nll(a["b"], a["yh"])),
    ("binary_cross_entropy_with_logits", lambda a: L.binary_cross_entropy_with_logits(a["b"], a["zb"])),
    ("gaussian_nll", lambda a: L.gaussian_nll(a["r"], a["f"], 1.3)),
    ("laplace_nll", lambda a: L.laplace_nll(a["r"], a["f"], 0.7)),
]


def _inputs(dtype):
    rng = np.random.default_rng(71)
    n, k = 6, 4
    y = rng.integers(0, k, n)
    return {
        "p": random_simplex(rng, n, k, dtype), "q": random_simplex(rng, n, k, dtype),
        "y": y, "z": rng.standard_normal((n, k)).astype(dtype),
        "onehot": np.eye(k, dtype=np.int64)[y],
        "b": rng.integers(0, 2, n), "yh": rng.random(n).astype(dtype),
        "zb": rng.standard_normal(n).astype(dtype),
        "r": rng.standard_normal(n).astype(dtype), "f": rng.standard_normal(n).astype(dtype),
    }


@pytest.mark.parametrize("name, call", PER_SAMPLE_CALLS, ids=[c[0] for c in PER_SAMPLE_CALLS])
def test_per_sample_shape_and_dtype(name, call):
    """Losses return one value per sample in the float dtype of the model input (float32 kept)."""
    for dtype in FLOATS:
        out = call(_inputs(dtype))
        assert out.shape == (6,) and out.dtype == dtype, (name, dtype, out.dtype)


def test_integer_inputs_compute_in_float64():
    """Integer inputs are computed in float64."""
    assert L.softmax([[1, 2, 3]]).dtype == np.float64
    assert L.cross_entropy_from_logits([0], [[1, 2]]).dtype == np.float64
    assert L.cross_entropy([[1, 0]], [[0, 1]]).dtype == np.float64
    assert L.mse([1, 2], [0, 0]).dtype == np.float64
    assert L.gaussian_nll([1, 2], [0, 0], 1).dtype == np.float64


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_reductions_reduce_per_sample_values(reduction):
    """reduction='sum'/'mean' equal np.sum/np.mean of the per-sample values."""
    a = _inputs(np.float64)
    reducer = getattr(np, reduction)
    checks = [
        (L.cross_entropy, (a["p"], a["q"])), (L.entropy, (a["p"],)),
        (L.kl_divergence, (a["p"], a["q"])), (L.cross_entropy_onehot, (a["y"], a["q"])),
        (L.categorical_nll, (a["y"], a["q"])), (L.cross_entropy_from_logits, (a["y"], a["z"])),
        (L.epsilon_cross_entropy, (a["onehot"], a["q"])), (L.binary_cross_entropy, (a["b"], a["yh"])),
        (L.bernoulli_nll, (a["b"], a["yh"])),
        (L.binary_cross_entropy_with_logits, (a["b"], a["zb"])),
        (L.gaussian_nll, (a["r"], a["f"], 1.3)), (L.laplace_nll, (a["r"], a["f"], 0.7)),
        (L.mse, (a["r"], a["f"])), (L.mae, (a["r"], a["f"])),
    ]
    for fn, args in checks:
        assert fn(*args, reduction=reduction) == reducer(fn(*args, reduction="none")), fn.__name__


# -- the probability validators' tolerance (float32 model output) -----------------------------

def _float32_softmax(rows: int = 6, k: int = 10) -> np.ndarray:
    z = np.random.default_rng(3).normal(size=(rows, k)).astype(np.float32)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("fn", ["cross_entropy", "kl_divergence", "categorical_nll",
                                "cross_entropy_onehot", "entropy"])
def test_float32_softmax_output_is_accepted_with_its_dtype_or_an_explicit_tolerance(fn):
    """float32 softmax output sums to 1 only to float32 rounding (≈ 1e-7): accepted as
    float32 (tolerance scaled to its dtype) and, cast to float64, with an explicit atol;
    the float64 default tolerance (≈ 2e-14) still refuses the cast array."""
    p32 = _float32_softmax()
    p64 = p32.astype(np.float64)
    assert np.abs(p64.sum(axis=1) - 1).max() > 1e-9
    labels = np.arange(p32.shape[0]) % p32.shape[1]
    call = {"cross_entropy": lambda p, **kw: L.cross_entropy(p, p, **kw),
            "kl_divergence": lambda p, **kw: L.kl_divergence(p, p, **kw),
            "categorical_nll": lambda p, **kw: L.categorical_nll(labels, p, **kw),
            "cross_entropy_onehot": lambda p, **kw: L.cross_entropy_onehot(labels, p, **kw),
            "entropy": lambda p, **kw: L.entropy(p, **kw)}[fn]
    assert np.all(np.isfinite(call(p32)))
    with pytest.raises(ValueError, match="must sum to 1"):
        call(p64)
    assert np.allclose(call(p64, atol=1e-6), call(p32), rtol=1e-5)


def test_a_real_normalisation_error_is_still_rejected_with_a_float32_tolerance():
    """A distribution off by 1e-3 is refused at float32's and at an explicit 1e-6 tolerance."""
    p = _float32_softmax()
    p[0, 0] += np.float32(1e-3)
    with pytest.raises(ValueError, match="`probs` must sum to 1"):
        L.categorical_nll(np.zeros(p.shape[0], dtype=int), p)
    with pytest.raises(ValueError, match="`q` must sum to 1"):
        L.cross_entropy(_float32_softmax().astype(np.float64), p.astype(np.float64),
                             atol=1e-6)


def test_negative_tolerance_is_refused():
    p = _float32_softmax()
    with pytest.raises(ValueError, match="`atol`"):
        L.entropy(p, atol=-1.0)
