"""Row-wise medians and quantiles from one sort: numpy's numbers, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.order_statistics import row_median, row_quantiles


def _rng(k: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(20261204, spawn_key=(k,)))


@pytest.mark.parametrize("n", [1, 2, 3, 50, 2000])
def test_row_quantiles_equal_numpy_quantile(n):
    """The Cauchy and mixture starts from one sort per row are numpy's linear quantiles."""
    z = _rng(8).standard_cauchy((9, n))
    levels = (0.0, 0.25, 0.5, 0.75, 1.0)
    np.testing.assert_array_equal(row_quantiles(z, levels), np.quantile(z, levels, axis=-1).T)


@pytest.mark.parametrize("z, levels, message", [
    (np.zeros(3), (0.5,), r"^`z` must be a 2-D array"),
    (np.zeros((2, 0)), (0.5,), r"^`z` must be an array with at least one column"),
    (np.zeros((2, 3)), (), r"^`levels` must be a non-empty sequence"),
    (np.zeros((2, 3)), (1.5,), r"^`levels` must be a non-empty sequence"),
])
def test_row_quantiles_rejects_bad_input(z, levels, message):
    with pytest.raises(ValueError, match=message):
        row_quantiles(z, levels)


@pytest.mark.parametrize("shape", [(7, 1), (7, 2), (5, 21), (5, 100), (3, 4, 401), (2, 2000)])
def test_row_median_equals_numpy_median(shape):
    """Odd and even row lengths, any leading shape; heavy tails make the rounding of the
    two-point mean visible if it differed."""
    z = _rng(shape[-1]).standard_cauchy(shape) * 1e3
    np.testing.assert_array_equal(row_median(z), np.median(z, axis=-1))


def test_row_median_nan_inf_and_integers_as_numpy():
    """A row holding NaN has median NaN; infinities and integer rows as numpy's median."""
    z = np.array([[1.0, np.nan, 3.0, 4.0], [np.inf, 1.0, 2.0, 5.0], [-np.inf, np.inf, 0.0, 0.0],
                  [np.inf, -np.inf, 1.0, 2.0]])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(row_median(z), np.median(z, axis=-1))
    ints = np.array([[3, 1, 2], [4, 1, 2]])
    out = row_median(ints)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.median(ints, axis=-1))
    np.testing.assert_array_equal(row_median(np.array([[1, 2, 4, 8]])), [3.0])
    assert row_median(np.array([2.0, 1.0, 5.0])) == 2.0


@pytest.mark.parametrize("z, message", [
    (np.zeros((2, 0)), r"^`z` must be an array with at least one column"),
    (np.float64(1.0), r"^`z` must be an array with at least one column"),
    (np.array([["a", "b"]]), r"^`z` must hold real numbers"),
])
def test_row_median_rejects_bad_input(z, message):
    with pytest.raises(ValueError, match=message):
        row_median(z)
