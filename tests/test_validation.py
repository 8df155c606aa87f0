"""Tests of :mod:`claimkit.validation`: every validator accepts good input and rejects bad
input with a one-sentence ``ValueError`` naming the parameter."""

from __future__ import annotations

import numpy as np
import pytest

from claimkit import validation as V

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps


# --------------------------------------------------------------------------- as_finite_array


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_finite_array_rejects_non_finite(bad):
    """NaN and +-inf anywhere in the array are rejected, naming the parameter."""
    with pytest.raises(ValueError, match=r"^`x` must be finite \(no NaN or inf\)\.$"):
        V.as_finite_array([1.0, bad], "x")


def test_finite_array_rejects_empty():
    """Empty arrays are rejected unless explicitly allowed."""
    with pytest.raises(ValueError, match=r"^`x` must not be empty"):
        V.as_finite_array([], "x")
    assert V.as_finite_array(np.empty((0, 3)), "x", allow_empty=True).shape == (0, 3)


def test_finite_array_rejects_wrong_ndim():
    """A wrong exact or minimum number of dimensions is rejected with the shape reported."""
    with pytest.raises(ValueError, match=r"^`logits` must have 2 dimension\(s\), got shape \(3,\)"):
        V.as_finite_array([1.0, 2.0, 3.0], "logits", ndim=2)
    with pytest.raises(ValueError, match=r"^`logits` must have at least 1 dimension"):
        V.as_finite_array(1.0, "logits", min_ndim=1)


@pytest.mark.parametrize("bad", [["a", "b"], [1 + 2j], [[1.0, 2.0], [3.0]], [object()]])
def test_finite_array_rejects_non_real(bad):
    """Strings, complex numbers, ragged lists and objects are not real arrays."""
    with pytest.raises(ValueError, match=r"^`x` must (contain real numbers|be a rectangular)"):
        V.as_finite_array(bad, "x")


def test_finite_array_dtypes():
    """Floating inputs keep their dtype; integers and booleans become float64; dtype casts."""
    assert V.as_finite_array(np.float32([1, 2]), "x").dtype == np.float32
    assert V.as_finite_array([1, 2], "x").dtype == np.float64
    assert V.as_finite_array([True, False], "x").dtype == np.float64
    assert V.as_finite_array([1.0], "x", dtype=np.float32).dtype == np.float32


def test_finite_array_rejects_overflow_on_cast():
    """A finite float64 value that overflows the requested float32 dtype is rejected."""
    with pytest.raises(ValueError, match=r"^`x` must be finite in float32"):
        V.as_finite_array([1e300], "x", dtype=np.float32)


def test_finite_array_returns_input_unchanged():
    """A valid floating array is returned without a copy."""
    a = np.arange(3.0)
    assert V.as_finite_array(a, "x") is a


# --------------------------------------------------------------------------- dtype helpers


def test_common_float_dtype_ignores_integer_arrays():
    """Integer arrays do not upcast float32; without floating arrays the dtype is float64."""
    f32, i64 = np.float32([1.0]), np.int64([1])
    assert V.common_float_dtype(f32, i64) == np.float32
    assert V.common_float_dtype(i64) == np.float64
    assert V.common_float_dtype(f32, np.float64([1.0])) == np.float64
    assert V.float_dtype_of(np.int32) == np.float64
    assert V.float_dtype_of(np.float16) == np.float16


# --------------------------------------------------------------------------- probabilities


def test_probability_sum_tolerance_scales_with_eps_and_classes():
    """The default tolerance is SUM_TOL_FACTOR * K * eps of the dtype."""
    assert V.probability_sum_tolerance(np.float64, 10) == V.SUM_TOL_FACTOR * 10 * EPS64
    assert V.probability_sum_tolerance(np.float32, 3) == pytest.approx(
        V.SUM_TOL_FACTOR * 3 * float(EPS32))


@pytest.mark.parametrize("bad", [[[-0.1, 1.1]], [[1.5, -0.5]]])
def test_probabilities_reject_out_of_range(bad):
    """Entries outside [0, 1] are rejected even if the row sums to 1."""
    with pytest.raises(ValueError, match=r"^`probs` must lie in \[0, 1\]"):
        V.as_probabilities(bad, "probs")


def test_probabilities_reject_bad_sum():
    """Rows that do not sum to 1 are rejected with the deviation reported."""
    with pytest.raises(ValueError, match=r"^`probs` must sum to 1 along the last axis"):
        V.as_probabilities([[0.5, 0.5], [0.5, 0.4]], "probs")


@pytest.mark.parametrize("bad", [[[np.nan, 1.0]], [[np.inf, 0.0]]])
def test_probabilities_reject_non_finite(bad):
    """NaN and inf probabilities are rejected as non-finite."""
    with pytest.raises(ValueError, match=r"^`probs` must be finite"):
        V.as_probabilities(bad, "probs")


def test_probabilities_reject_scalar_and_empty():
    """A 0-d value has no class axis and an empty array has no distributions."""
    with pytest.raises(ValueError, match=r"^`probs` must have at least 1 dimension"):
        V.as_probabilities(1.0, "probs")
    with pytest.raises(ValueError, match=r"^`probs` must not be empty"):
        V.as_probabilities(np.empty((0, 2)), "probs")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probabilities_tolerance_boundary(dtype):
    """A sum error of K*eps is accepted; one of 100*SUM_TOL_FACTOR*K*eps is rejected."""
    k = 4
    eps = np.finfo(dtype).eps
    p = np.full((1, k), 1 / k, dtype=dtype)
    ok = p.copy()
    ok[0, 0] += k * eps / 2  # sum deviates by about K*eps/2 after rounding
    V.as_probabilities(ok, "p")
    bad = p.copy()
    bad[0, 0] += dtype(100 * V.SUM_TOL_FACTOR * k * eps)
    with pytest.raises(ValueError, match=r"^`p` must sum to 1"):
        V.as_probabilities(bad, "p")


def test_probabilities_rounded_uniform_accepted():
    """Rounded uniform rows (1/K in floating point) pass for many K in both dtypes."""
    for dtype in (np.float32, np.float64):
        for k in (1, 3, 7, 10, 100, 1000):
            V.as_probabilities(np.full((2, k), 1 / k, dtype=dtype), "p")


def test_probabilities_axis_and_atol():
    """The class axis can be chosen, an invalid axis is rejected, and atol overrides."""
    p = np.array([[0.25, 0.5], [0.75, 0.5]])  # columns sum to 1
    assert V.as_probabilities(p, "p", axis=0) is p
    with pytest.raises(ValueError, match=r"^`p` must sum to 1 along axis 0"):
        V.as_probabilities(p.T, "p", axis=0)
    with pytest.raises(ValueError, match=r"^`axis` must be in \[-2, 2\)"):
        V.as_probabilities(p, "p", axis=2)
    V.as_probabilities([[0.5, 0.49]], "p", atol=0.02)
    with pytest.raises(ValueError, match=r"^`atol` must be non-negative"):
        V.as_probabilities([[0.5, 0.5]], "p", atol=-1.0)


def test_probability_elementwise():
    """as_probability checks [0, 1] elementwise and has no sum constraint."""
    assert V.as_probability([0.0, 0.3, 1.0], "y_hat").shape == (3,)
    assert V.as_probability(0.9, "y_hat").shape == ()
    for bad in ([1.01], [-1e-300]):
        with pytest.raises(ValueError, match=r"^`y_hat` must lie in \[0, 1\]"):
            V.as_probability(bad, "y_hat")
    with pytest.raises(ValueError, match=r"^`y_hat` must be finite"):
        V.as_probability([np.nan], "y_hat")


# --------------------------------------------------------------------------- labels / binary


def test_labels_accept_integers_and_integral_floats():
    """Integer labels and whole-number floats become intp arrays."""
    out = V.as_labels([0, 2, 1], "labels", 3)
    assert out.dtype == np.intp and out.tolist() == [0, 2, 1]
    assert V.as_labels(np.array([2.0, 0.0]), "labels", 3).tolist() == [2, 0]


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0], [np.uint8(5)]])
def test_labels_reject_out_of_range(bad):
    """Labels outside [0, n_classes) are rejected with the range stated."""
    with pytest.raises(ValueError, match=r"^`labels` must be in \[0, 3\)"):
        V.as_labels(bad, "labels", 3)


def test_labels_reject_non_integer_and_non_finite():
    """Fractional, NaN, infinite, empty or non-numeric labels are rejected."""
    with pytest.raises(ValueError, match=r"^`labels` must be integer-valued"):
        V.as_labels([0.5], "labels", 3)
    with pytest.raises(ValueError, match=r"^`labels` must be finite"):
        V.as_labels([np.nan], "labels", 3)
    with pytest.raises(ValueError, match=r"^`labels` must be finite"):
        V.as_labels([np.inf], "labels", 3)
    with pytest.raises(ValueError, match=r"^`labels` must not be empty"):
        V.as_labels([], "labels", 3)
    with pytest.raises(ValueError, match=r"^`labels` must contain real numbers"):
        V.as_labels(["a"], "labels", 3)


def test_labels_reject_bad_n_classes():
    """n_classes must itself be a positive integer."""
    with pytest.raises(ValueError, match=r"^`n_classes` must be a positive integer"):
        V.as_labels([0], "labels", 0)


def test_binary():
    """as_binary accepts 0/1 (bool, int, float) and rejects anything else."""
    assert V.as_binary([True, False], "y").tolist() == [1.0, 0.0]
    assert V.as_binary(np.int8([0, 1]), "y").dtype == np.float64
    for bad in ([0.5], [2], [-1]):
        with pytest.raises(ValueError, match=r"^`y` must contain only 0 and 1\.$"):
            V.as_binary(bad, "y")
    with pytest.raises(ValueError, match=r"^`y` must be finite"):
        V.as_binary([np.nan], "y")


# --------------------------------------------------------------------------- scalars


@pytest.mark.parametrize("good", [1, 0.5, np.float32(2.0), np.int64(3), np.array(4.0)])
def test_positive_scalar_accepts(good):
    """Python and numpy positive numbers (and 0-d arrays) are returned as float."""
    out = V.positive_scalar(good, "sigma")
    assert isinstance(out, float) and out > 0


@pytest.mark.parametrize("bad, msg", [
    (0.0, "must be positive"), (-1.0, "must be positive"), (np.nan, "must be finite"),
    (np.inf, "must be finite"), (True, "must be a real number"), ("1", "must be a real number"),
    (np.array([1.0, 2.0]), "must be a real scalar"), (1 + 0j, "must be a real number"),
])
def test_positive_scalar_rejects(bad, msg):
    """Zero, negative, non-finite, boolean, non-numeric and non-scalar values are rejected."""
    with pytest.raises(ValueError, match=rf"^`sigma` {msg}"):
        V.positive_scalar(bad, "sigma")


def test_nonnegative_scalar():
    """Zero is accepted, negative and non-finite values are rejected."""
    assert V.nonnegative_scalar(0, "eps") == 0.0
    with pytest.raises(ValueError, match=r"^`eps` must be non-negative"):
        V.nonnegative_scalar(-1e-300, "eps")
    with pytest.raises(ValueError, match=r"^`eps` must be finite"):
        V.nonnegative_scalar(np.inf, "eps")


@pytest.mark.parametrize("bad", [0, -3, 2.5, 3.0, True, "3", None])
def test_positive_int_rejects(bad):
    """Non-positive, floating (even whole), boolean and non-numeric values are rejected."""
    with pytest.raises(ValueError, match=r"^`n` must be a positive integer, got "):
        V.positive_int(bad, "n")


def test_positive_int_accepts_numpy_integers():
    """numpy integers are accepted and returned as Python int."""
    out = V.positive_int(np.int64(7), "n")
    assert out == 7 and type(out) is int


def test_positive_array():
    """positive_array accepts positive scalars/arrays and rejects zero, negatives and NaN."""
    assert V.positive_array([1.0, 2.0], "sigma").shape == (2,)
    for bad in ([1.0, 0.0], -2.0):
        with pytest.raises(ValueError, match=r"^`sigma` must be positive"):
            V.positive_array(bad, "sigma")
    with pytest.raises(ValueError, match=r"^`sigma` must be finite"):
        V.positive_array([np.nan], "sigma")


# --------------------------------------------------------------------------- shapes / misc


def test_check_same_shape():
    """Arrays of different shapes are rejected naming both parameters."""
    V.check_same_shape(np.zeros((2, 3)), np.ones((2, 3)), ("p", "q"))
    with pytest.raises(ValueError, match=r"^`p` and `q` must have the same shape, got \(2, 3\)"):
        V.check_same_shape(np.zeros((2, 3)), np.zeros((3, 2)), ("p", "q"))


def test_check_same_leading_shape_default():
    """By default labels must have the shape of the scores without their last axis."""
    V.check_same_leading_shape(np.zeros(4), np.zeros((4, 3)), ("labels", "logits"))
    V.check_same_leading_shape(np.zeros((2, 4)), np.zeros((2, 4, 3)), ("labels", "logits"))
    for a, b in [(np.zeros(5), np.zeros((4, 3))), (np.zeros(4), np.zeros(4)),
                 (np.zeros((4, 1)), np.zeros((4, 3)))]:
        with pytest.raises(ValueError, match=r"^`labels` must have the shape of `logits` "):
            V.check_same_leading_shape(a, b, ("labels", "logits"))


def test_check_same_leading_shape_explicit():
    """With n_leading the first n dimensions must agree."""
    V.check_same_leading_shape(np.zeros((4, 2)), np.zeros((4, 3)), ("a", "b"), n_leading=1)
    with pytest.raises(ValueError, match=r"^`a` and `b` must agree on their first 1 dim"):
        V.check_same_leading_shape(np.zeros((5, 2)), np.zeros((4, 3)), ("a", "b"), n_leading=1)


def test_check_broadcastable_to():
    """A scale array must broadcast to the data shape without enlarging it."""
    V.check_broadcastable_to(np.ones((1, 3)), (4, 3), ("sigma", "y"))
    V.check_broadcastable_to(np.ones(()), (4, 3), ("sigma", "y"))
    for bad in (np.ones(4), np.ones((2, 4, 3))):
        with pytest.raises(ValueError, match=r"^`sigma` must broadcast to the shape of `y`"):
            V.check_broadcastable_to(bad, (4, 3), ("sigma", "y"))


def test_valid_axis():
    """Axes are normalised to non-negative indices; out-of-range or non-int axes fail."""
    assert V.valid_axis(-1, 3) == 2
    assert V.valid_axis(np.int64(1), 3) == 1
    with pytest.raises(ValueError, match=r"^`axis` must be in \[-3, 3\), got 3"):
        V.valid_axis(3, 3)
    with pytest.raises(ValueError, match=r"^`axis` must be an integer"):
        V.valid_axis(1.0, 3)


def test_as_reduction():
    """Only 'none', 'sum' and 'mean' are valid reductions."""
    for r in V.REDUCTIONS:
        assert V.as_reduction(r) == r
    with pytest.raises(ValueError, match=r"^`reduction` must be one of"):
        V.as_reduction("average")


def test_real_scalar_accepts_any_sign_and_rejects_what_positive_scalar_rejects():
    """real_scalar returns a float for finite reals of any sign (also 0-d arrays) and names
    the parameter otherwise."""
    assert V.real_scalar(-2, "t") == -2.0 and V.real_scalar(np.array(0.5), "t") == 0.5
    assert isinstance(V.real_scalar(np.float32(0.0), "t"), float)
    with pytest.raises(ValueError, match=r"^`t` must be finite, got nan\.$"):
        V.real_scalar(np.nan, "t")
    with pytest.raises(ValueError, match=r"^`t` must be a real number, got True\.$"):
        V.real_scalar(True, "t")
