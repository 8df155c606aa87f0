"""Claims CE-01..07, CE-09, CE-11: cross-entropy, its relation to the NLL and its numerics.

Almost every check here is an exact identity evaluated over randomised inputs drawn from the
check's own stream (``mc.rng``) and decided by :func:`claimkit.decisions.exact_close`.

How the tolerances are derived (before looking at any result)
-------------------------------------------------------------
With ``u = eps(dtype)`` the machine epsilon (twice the unit roundoff, so one correctly rounded
operation costs at most ``u`` relative) a computation of ``ops`` error-contributing steps whose
result has (relative) condition number ``kappa`` has relative forward error at most
``ops * kappa * u`` (Higham 2002, ch. 1-4). The counts used below:

* ``exp``, ``log``, ``log1p`` of numpy: at most ``ULPS = 4`` ulp -- the largest bound numpy's
  own accuracy tests enforce for these functions (``numpy/_core/tests/data/
  umath-validation-set-{exp,log,log1p}.csv``: float32 log 4 ulp, exp 3, log1p 2; float64 1);
* a sum of ``K`` non-negative terms: ``K - 1`` roundings, relative to the sum, whatever the
  summation order (Higham, §4.2) -- so no cancellation and condition 1;
* shifting logits ``s_k = z_k - max z`` rounds with absolute error ``u |s_k|``; propagated
  through log-sum-exp this is a relative error of ``kappa * u`` with
  ``kappa = (sum_k softmax_k |s_k| + |s_y|) / L`` (computed per input by
  :func:`_lse_terms`);
* results below the smallest normal number may be flushed to zero or be subnormal: each such
  value carries an absolute error of at most ``finfo(dtype).tiny`` -- the ``atol`` terms.

The exact reference is computed in ``numpy.longdouble`` (80-bit on x86-64 Linux: eps 1.1e-19);
its own error bound (same ``ops`` with the long-double epsilon) and its final rounding to
float64 inside ``exact_close`` are added to every tolerance (:func:`_rtol`), so the suite stays
valid on platforms where ``longdouble`` is plain float64.
"""

from __future__ import annotations

import math
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import scipy.special
import scipy.stats
from scipy import optimize

from claimkit import codeblocks, decisions
from simulations import losses

DTYPES = ["float32", "float64"]
CLASS_COUNTS = [2, 3, 10, 1000]

#: Precision of the exact references.
REF = np.longdouble
#: ulp bound of numpy's exp/log/log1p (see the module docstring).
ULPS = 4
#: The document's guard inside the log: ``np.log(y_pred + 1e-15)`` (source 001, section 5).
EPS_GUARD = 1e-15
#: Torch is an optional extra: CE-11 skips with this reason when it is absent.
TORCH_REASON = "torch is an optional extra: pip install -e '.[torch]'"


def _rtol(dtype: str | type, ops: int | float, condition: float = 1.0) -> float:
    """Relative tolerance: ``dtype`` computation + long-double reference + rounding to float64."""
    ops = int(math.ceil(ops))
    condition = max(1.0, float(condition))
    return (decisions.eps_tolerance(dtype, condition, ops)
            + decisions.eps_tolerance(REF, condition, ops)
            + decisions.eps_tolerance(np.float64, 1.0, 1))


def _rows(k: int) -> int:
    """Randomised inputs per case: fewer rows for wide distributions (same number of values)."""
    return 256 if k <= 10 else 64


def _model_probs(rng: np.random.Generator, n: int, k: int, dtype: str) -> np.ndarray:
    """Strictly positive model distributions: softmax of N(0, s²) logits, s log-uniform in [0.1, 5].

    The smallest probability is above exp(-2 * 5 * 4.5) / K > 1e-23, far from float32 underflow.
    """
    scale = np.exp(rng.uniform(np.log(0.1), np.log(5.0), size=(n, 1)))
    z = np.clip(rng.normal(size=(n, k)), -4.5, 4.5) * scale
    return losses.softmax(z).astype(dtype)


def _true_dists(rng: np.random.Generator, n: int, k: int, dtype: str) -> np.ndarray:
    """True distributions: Dirichlet rows with concentration log-uniform in [0.2, 5]."""
    conc = np.exp(rng.uniform(np.log(0.2), np.log(5.0), size=(n, 1)))
    g = rng.gamma(np.broadcast_to(conc, (n, k)))
    g = np.maximum(g, 1e-30)  # keep every class possible (Dirichlet draws can underflow)
    return (g / g.sum(axis=-1, keepdims=True)).astype(dtype)


def _shifted_ref(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Long-double ``s = z - max z`` and the sum of ``exp(s_k)`` but the first maximiser's."""
    zr = z.astype(REF)
    idx = np.argmax(zr, axis=-1)[..., None]
    s = zr - np.take_along_axis(zr, idx, axis=-1)
    e = np.exp(s)
    np.put_along_axis(e, idx, 0, axis=-1)
    return s, e.sum(axis=-1)


def _lse_terms(z: np.ndarray, y: np.ndarray, dtype: str) -> tuple[float, float]:
    """Sensitivity of ``L = logsumexp(z) - z_y`` to the rounding of the shift ``z - max z``.

    ``L = log(sum_k exp(s_k)) - s_y`` with ``s_k = z_k - max z``: perturbing every ``s_k`` by a
    relative ``u`` moves ``L`` by at most ``u * A`` with ``A = sum_k softmax_k |s_k| + |s_y|``.

    Returns
    -------
    kappa : float
        Largest relative condition ``A / L`` over the rows whose loss is a normal number of
        ``dtype`` (smaller losses are covered by the absolute ``tiny`` allowance).
    spread : float
        Largest absolute sensitivity ``A`` over the rows.
    """
    s, others = _shifted_ref(z)
    e = np.exp(s)
    tot = 1 + others
    sy = np.take_along_axis(s, y[..., None], axis=-1)[..., 0]
    loss = np.log1p(others) - sy
    a = (e * np.abs(s)).sum(axis=-1) / tot + np.abs(sy)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(loss > REF(np.finfo(dtype).tiny), a / loss, 1.0)
    return float(max(1.0, np.max(kappa))), float(np.max(a))


def _ref_ce_from_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact ``-log_softmax(z)_y`` in long double: ``log1p(sum of the non-max exp(s_k)) - s_y``.

    Shifted (no cancellation between ``logsumexp`` and ``z_y``) and with ``log1p``, so that a
    loss far below the long-double epsilon (e.g. ``e^-73``) is not rounded to 0.
    """
    s, others = _shifted_ref(z)
    sy = np.take_along_axis(s, y[..., None], axis=-1)[..., 0]
    return np.log1p(others) - sy


def _ce_from_logits_rtol(dtype: str, z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(rtol, atol) of one softmax cross-entropy evaluation from logits.

    Relative: ``kappa`` (shift rounding) + exp (ULPS) + the K-term sum + log1p (ULPS) + the
    final subtraction and the rounding of ``s_y`` (2). Absolute: K exponentials that may be
    flushed below ``tiny``, propagated through log1p (derivative <= 1).
    """
    k = z.shape[-1]
    kappa, _ = _lse_terms(z, y, dtype)
    rtol = _rtol(dtype, math.ceil(kappa) + 2 * ULPS + k + 2)
    atol = k * float(np.finfo(dtype).tiny)
    return rtol, atol


def _plain_lse_atol(dtype: str, k: int) -> float:
    """Absolute error of implementations that evaluate ``log(sum_k exp(s_k))`` without log1p.

    scipy's ``log_softmax`` and torch's ``log_softmax``/``CrossEntropyLoss`` round the sum
    (in ``[1, K]``: relative ``(K - 1) u``, i.e. absolute ``(K - 1) u`` after the log) and then
    take its log (ULPS relative to ``log K``): ``(K + ULPS ceil(log K) + 1) u`` in all.
    """
    return decisions.eps_tolerance(dtype, 1.0, k + ULPS * math.ceil(math.log(k)) + 1)


def _prob_path_atol(dtype: str, z: np.ndarray, y: np.ndarray) -> float:
    """Absolute error of ``-log(softmax(z)_y)`` computed through the rounded probability.

    ``softmax(z)_y`` carries a relative error of ``u (A + 2 ULPS + K + 2)`` (shift, exp, K-term
    sum, division; ``A`` from :func:`_lse_terms`); a relative error ``r`` of ``p`` is an
    absolute error ``r`` of ``log p``. (The log's own ULPS are relative: counted in rtol.)
    """
    k = z.shape[-1]
    _, spread = _lse_terms(z, y, dtype)
    return decisions.eps_tolerance(dtype, 1.0, math.ceil(spread) + 2 * ULPS + k + 2)


# =============================================================================== CE-01

@pytest.mark.claim("CE-01")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", CLASS_COUNTS)
def test_cross_entropy_definition_and_one_hot_reduction(mc, k, dtype):
    """H(P,Q) = −Σ P log Q; with one-hot P it is −log Q(true class); a wrong class is rejected."""
    rng = mc.rng("distributions", k=k, dtype=dtype)
    n = _rows(k)
    p = _true_dists(rng, n, k, dtype)
    q = _model_probs(rng, n, k, dtype)
    y = rng.integers(k, size=n)
    onehot = np.eye(k, dtype=dtype)[y]

    # −Σ p log q: every term has the same sign (condition 1); log (ULPS) + product (1) +
    # K-term sum (K - 1).
    h = losses.cross_entropy(p, q)
    ref = -np.sum(p.astype(REF) * np.log(q.astype(REF)), axis=-1)
    mc.record("H(P,Q) equals −Σ_k P_k log Q_k",
              decisions.exact_close(h, ref, rtol=_rtol(dtype, ULPS + k), n_inputs=n),
              params={"n_rows": n})

    # One-hot P: the zero terms are exactly 0, the product by 1 is exact: only the log rounds.
    h1 = losses.cross_entropy(onehot, q)
    picked = q[np.arange(n), y]
    target = -np.log(picked.astype(REF))
    mc.record("with one-hot P, H(P,Q) equals −log Q(true class)",
              decisions.exact_close(h1, target, rtol=_rtol(dtype, ULPS), n_inputs=n),
              params={"n_rows": n})
    mc.record("cross_entropy_onehot(y, Q) equals −log Q(true class)",
              decisions.exact_close(losses.cross_entropy_onehot(y, q), target,
                                    rtol=_rtol(dtype, ULPS), n_inputs=n),
              params={"n_rows": n})

    wrong = (y + rng.integers(1, k, size=n)) % k  # any class but the true one
    mc.record("control: with one-hot P, H(P,Q) equals −log Q(another class)",
              decisions.exact_close(h1, -np.log(q[np.arange(n), wrong].astype(REF)),
                                    rtol=_rtol(dtype, ULPS), n_inputs=n),
              role="control", params={"n_rows": n})


# =============================================================================== CE-02

def _binary_predictions(rng: np.random.Generator, n: int, dtype: str) -> np.ndarray:
    """Predicted P(y=1): a third uniform, a third near 0 (10^-U), a third near 1 (1 - 2^-k)."""
    fi = np.finfo(dtype)
    m = n // 3
    uni = rng.uniform(0.0, 1.0, size=n - 2 * m)
    near0 = 10.0 ** -rng.uniform(0.0, -np.log10(fi.tiny) - 1.0, size=m)
    near1 = 1.0 - 2.0 ** -rng.integers(1, fi.nmant + 1, size=m).astype(float)
    yhat = np.concatenate([uni, near0, near1]).astype(dtype)
    return np.clip(yhat, fi.tiny, np.nextafter(np.array(1.0, dtype), 0))


@pytest.mark.claim("CE-02")
@pytest.mark.parametrize("dtype", DTYPES)
def test_bernoulli_nll_is_binary_cross_entropy(mc, dtype):
    """Bernoulli NLL = BCE incl. ŷ near 0 and 1, = the stable logits form; swapped labels fail."""
    rng = mc.rng("predictions", dtype=dtype)
    n = 3000
    yhat = _binary_predictions(rng, n, dtype)
    y = rng.integers(0, 2, size=n).astype(dtype)

    # Only one of the two terms is non-zero (y ∈ {0, 1}); it is one log or log1p: ULPS.
    yr, pr = y.astype(REF), yhat.astype(REF)
    ref = -np.where(y == 1, np.log(pr), np.log1p(-pr))
    bce = losses.binary_cross_entropy(y, yhat)
    nll = losses.bernoulli_nll(y, yhat)
    mc.record("BCE equals −[y log ŷ + (1−y) log(1−ŷ)] (ŷ from 1e-38/1e-308 to 1 − 2^-mant)",
              decisions.exact_close(bce, ref, rtol=_rtol(dtype, ULPS), n_inputs=n),
              params={"n_inputs": n})
    mc.record("Bernoulli NLL equals BCE",
              decisions.exact_close(nll, bce, rtol=_rtol(dtype, 2 * ULPS), n_inputs=n),
              params={"n_inputs": n})

    # Stable logits form at the logit of the same ŷ: z = log(ŷ/(1−ŷ)) rounded to dtype (u).
    # softplus(w) has condition w σ(w)/softplus(w) <= max(1, |w|) in w, so the rounding of z
    # costs max(1, |z|) u; evaluation: exp (ULPS) + log1p (ULPS) + add/multiply (2); the
    # probability form adds its ULPS.
    z = (np.log(pr) - np.log1p(-pr)).astype(dtype)
    cond = max(1.0, float(np.max(np.abs(z))))
    mc.record("BCE at ŷ equals the stable logits form at z = logit(ŷ)",
              decisions.exact_close(losses.binary_cross_entropy_with_logits(y, z), bce,
                                    rtol=_rtol(dtype, 3 * ULPS + 3, cond),
                                    atol=ULPS * float(np.finfo(dtype).tiny), n_inputs=n),
              params={"n_inputs": n, "max_abs_logit": cond})

    # The logits form against the exact softplus((1 − 2y) z), |z| up to 1e4.
    zx = rng.uniform(-1e4, 1e4, size=n).astype(dtype)
    w = (1 - 2 * yr) * zx.astype(REF)
    ref_logit = np.logaddexp(REF(0), w)
    mc.record("the logits form equals softplus((1 − 2y) z) for |z| up to 1e4",
              decisions.exact_close(losses.binary_cross_entropy_with_logits(y, zx), ref_logit,
                                    rtol=_rtol(dtype, 2 * ULPS + 2),
                                    atol=ULPS * float(np.finfo(dtype).tiny), n_inputs=n),
              params={"n_inputs": n})

    mc.record("control: BCE with swapped labels (y ↔ 1−y) equals the Bernoulli NLL",
              decisions.exact_close(losses.binary_cross_entropy(1 - y, yhat), nll,
                                    rtol=_rtol(dtype, 2 * ULPS), n_inputs=n),
              role="control", params={"n_inputs": n})


# =============================================================================== CE-03

def _logits(rng: np.random.Generator, n: int, k: int, dtype: str) -> np.ndarray:
    """Half moderate rows (N(0, s²), s log-uniform in [0.1, 10]), half extreme (U(−1e4, 1e4))."""
    half = n // 2
    scale = np.exp(rng.uniform(np.log(0.1), np.log(10.0), size=(half, 1)))
    moderate = rng.normal(size=(half, k)) * scale
    extreme = rng.uniform(-1e4, 1e4, size=(n - half, k))
    return np.concatenate([moderate, extreme]).astype(dtype)


@pytest.mark.claim("CE-03")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", CLASS_COUNTS)
def test_softmax_cross_entropy_is_categorical_nll(mc, k, dtype):
    """Softmax CE = categorical NLL (scipy oracles) incl. |z| up to 1e4; the naive form fails."""
    rng = mc.rng("logits", k=k, dtype=dtype)
    n = _rows(k)
    z = _logits(rng, n, k, dtype)
    y = rng.integers(k, size=n)
    ce = losses.cross_entropy_from_logits(y, z)
    rtol, atol = _ce_from_logits_rtol(dtype, z, y)
    mc.record("softmax cross-entropy from logits equals −log softmax(z)_y (exact, |z| ≤ 1e4)",
              decisions.exact_close(ce, _ref_ce_from_logits(z, y), rtol=rtol, atol=atol,
                                    n_inputs=n),
              params={"n_rows": n})

    # Oracle 1: scipy.special.log_softmax in float64 on the same logits: its relative bound is
    # ours (in float64), plus the absolute error of its plain log(sum exp).
    oracle = -np.take_along_axis(scipy.special.log_softmax(z.astype(np.float64), axis=-1),
                                 y[:, None], axis=-1)[:, 0]
    rtol64, atol64 = _ce_from_logits_rtol("float64", z, y)
    mc.record("equals scipy.special.log_softmax (oracle)",
              decisions.exact_close(ce, oracle, rtol=rtol + rtol64,
                                    atol=atol + atol64 + _plain_lse_atol("float64", k),
                                    n_inputs=n),
              params={"n_rows": n})

    # Oracle 2 (float64, moderate rows): the categorical likelihood of scipy.stats.multinomial
    # with n = 1 at p = softmax(z). −Σ onehot log p and −logpmf are each one log: 2 ULPS.
    if dtype == "float64":
        mod = slice(0, n // 2)
        p = losses.softmax(z[mod])
        onehot = np.eye(k)[y[mod]]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # scipy must not renormalise p behind our back
            logpmf = scipy.stats.multinomial(1, p).logpmf(onehot)
        mc.record("−Σ onehot·log softmax(z) equals −multinomial(1, softmax(z)).logpmf (oracle)",
                  decisions.exact_close(losses.cross_entropy(onehot, p), -logpmf,
                                        rtol=_rtol(dtype, 2 * ULPS), n_inputs=n // 2),
                  params={"n_rows": n // 2})
        mc.record("categorical_nll(y, softmax(z)) equals the cross-entropy from logits",
                  decisions.exact_close(losses.categorical_nll(y[mod], p), ce[mod],
                                        rtol=rtol + _rtol(dtype, ULPS),
                                        atol=atol + _prob_path_atol(dtype, z[mod], y[mod]),
                                        n_inputs=n // 2),
                  params={"n_rows": n // 2})

    # Controls through the same rule. Gross: forgetting the normaliser, −log exp(z_y) = −z_y
    # (finite everywhere, so the rejection is arithmetic, not an overflow). Near the margin: the
    # reference loss moved by three tolerances, |Δ| = 3 (atol + rtol |e|): the rule's resolution.
    ref = _ref_ce_from_logits(z, y)
    unnormalised = -np.take_along_axis(z.astype(REF), y[:, None], axis=-1)[:, 0]
    mc.record("control: the unnormalised exponential exp(z_y) gives the same loss (−z_y)",
              decisions.exact_close(unnormalised, ref, rtol=rtol, atol=atol, n_inputs=n),
              role="control", params={"n_rows": n})
    near = decisions.planted_deviation(ref.astype(float), rtol=rtol, atol=atol)
    mc.record(f"control near the margin: the loss moved by {decisions.NEAR_MISS_TOLERANCES:g} "
              "tolerances equals the reference",
              decisions.exact_close(near, ref, rtol=rtol, atol=atol, n_inputs=n),
              role="control", params={"n_rows": n,
                                      "tolerances": decisions.NEAR_MISS_TOLERANCES},
              note="A deviation just beyond the tolerance (3 units of δ) must be rejected.")


# =============================================================================== CE-04

SOURCE_001 = "001_a41e3c103ce9f303.txt"
#: The worked example's inputs (001 §5): logits and the index of the true class.
EXAMPLE_LOGITS = (3.0, 1.0, 0.2)
EXAMPLE_CLASS = 0


def _stated_values_001() -> list[tuple[str, ...]]:
    """Values stated by the comments of the three prints of 001's code block, in order."""
    path = Path(__file__).parent / "sources" / SOURCE_001
    (block,) = codeblocks.read_blocks(path, language="python")
    return [p.stated for p in codeblocks.find_prints(block.code) if p.stated is not None]


@pytest.mark.claim("CE-04")
@pytest.mark.parametrize("dtype", DTYPES)
def test_worked_example_reproduces_every_printed_number(mc, dtype):
    """softmax([3, 1, 0.2]) ≈ [0.836, 0.113, 0.051], NLL ≈ 0.179, ε-CE ≈ 0.179, to stated digits."""
    probs_stated, nll_stated, ce_stated = _stated_values_001()
    logits = np.array(EXAMPLE_LOGITS, dtype=dtype)
    probs = losses.softmax(logits)
    nll = losses.categorical_nll(EXAMPLE_CLASS, probs)
    nll_logits = losses.cross_entropy_from_logits(EXAMPLE_CLASS, logits)
    onehot = np.eye(3, dtype=dtype)[EXAMPLE_CLASS]
    ce = losses.epsilon_cross_entropy(onehot, probs, EPS_GUARD)
    note = "rule: round half to even to the comment's decimals (|x − c| ≤ 0.5·10^−d up to ties)"
    mc.record(f"softmax([3.0, 1.0, 0.2]) ≈ [{', '.join(probs_stated)}]",
              codeblocks.digits_decision([float(v) for v in probs], list(probs_stated)),
              note=note)
    mc.record(f"NLL −log softmax(z)_0 ≈ {nll_stated[0]}",
              codeblocks.digits_decision([float(nll)], list(nll_stated)), note=note)
    mc.record(f"NLL from logits (stable form) ≈ {nll_stated[0]}",
              codeblocks.digits_decision([float(nll_logits)], list(nll_stated)), note=note)
    mc.record(f"hand-written CE with +1e-15 ≈ {ce_stated[0]}",
              codeblocks.digits_decision([float(ce)], list(ce_stated)), note=note)

    # Controls: a value off by one unit in the last stated digit, and a coarser rounding
    # written with more digits ("0.84" written as "0.840").
    bumped = str(Decimal(nll_stated[0]) + Decimal(1).scaleb(-codeblocks.decimals(nll_stated[0])))
    mc.record(f"control: NLL ≈ {bumped}",
              codeblocks.digits_decision([float(nll)], [bumped]), role="control", note=note)
    d = codeblocks.decimals(probs_stated[0])
    coarse = f"{round(float(probs_stated[0]), d - 1):.{d}f}"
    if coarse == probs_stated[0]:  # the stated digit is 0 already: bump it instead
        coarse = str(Decimal(probs_stated[0]) + Decimal(1).scaleb(-d))
    wrong = [coarse, *probs_stated[1:]]
    mc.record(f"control: softmax ≈ [{', '.join(wrong)}]",
              codeblocks.digits_decision([float(v) for v in probs], wrong), role="control",
              note=note)


# =============================================================================== CE-05

def _finite_range(dtype: str) -> float:
    """Logit range where the naive softmax is finite and no probability is subnormal.

    ``0.4 · log(finfo.max)`` (283 in float64, 35 in float32): exp of it times K ≤ 1000 is far
    below the overflow threshold, and the smallest probability exp(−2·range − log K) is above
    ``tiny`` (float32: e^(−77) ≈ 3e-34 > 1.2e-38).
    """
    return math.floor(0.4 * math.log(float(np.finfo(dtype).max)))


@pytest.mark.claim("CE-05")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", CLASS_COUNTS)
def test_max_subtraction_does_not_change_softmax(mc, k, dtype):
    """Where the naive softmax is finite it equals the max-shifted one."""
    rng = mc.rng("logits", k=k, dtype=dtype)
    n = _rows(k)
    zc = _finite_range(dtype)
    z = rng.uniform(-zc, zc, size=(n, k)).astype(dtype)
    stable = losses.softmax(z)
    naive = losses.naive_softmax(z)
    spread = float(np.max(z.max(axis=-1).astype(float) - z.min(axis=-1)))
    # Per probability, stable: shift (spread u, in its own term and in the sum) + exp (ULPS)
    # + sum (K) + division (1); naive: exp (ULPS) + sum (K) + division (1). Both sides count.
    ops = 2 * (2 * ULPS + k + 2) + 2 * math.ceil(spread)
    mc.record("stable softmax equals the naive softmax where the latter is finite",
              decisions.exact_close(stable, naive, rtol=_rtol(dtype, ops), n_inputs=n),
              params={"n_rows": n, "logit_range": zc})


def _overflow_threshold(dtype: str) -> float:
    """Largest logit t of dtype with naive_softmax([t, 0]) finite (bisection on the floats)."""
    def finite(t: float) -> bool:
        return bool(np.all(np.isfinite(losses.naive_softmax(np.array([t, 0.0], dtype=dtype)))))

    lo, hi = np.array(0.0, dtype), np.array(2.0 * math.log(float(np.finfo(dtype).max)), dtype)
    assert finite(lo) and not finite(hi)
    while np.nextafter(lo, hi) < hi:
        mid = np.array((lo.astype(float) + hi.astype(float)) / 2.0, dtype)
        if mid <= lo or mid >= hi:
            mid = np.nextafter(lo, hi)
        if finite(mid):
            lo = mid
        else:
            hi = mid
    return float(lo)


@pytest.mark.claim("CE-05")
@pytest.mark.parametrize("dtype", DTYPES)
def test_naive_softmax_overflows_above_log_max(mc, dtype):
    """The naive form overflows above log(finfo.max) (709.78 / 88.72); the stable one does not."""
    t_star = _overflow_threshold(dtype)
    log_max = np.log(np.finfo(dtype).max)
    # t* is within one ulp of the exact log(max) plus exp's ULPS (relative, divided by
    # log(max) > 1); np.log(max) itself is within ULPS: ULPS + 2 in all.
    mc.record("overflow threshold of the naive softmax equals log(finfo(dtype).max)",
              decisions.exact_close(t_star, float(log_max), rtol=_rtol(dtype, ULPS + 2),
                                    n_inputs=1),
              params={"threshold": t_star, "log_max": float(log_max)},
              note=f"largest finite logit t with naive_softmax([t, 0]) finite: {t_star!r}")

    # The next float above t*, 1000, 1e4 and 60 random logits between t* and 1e4.
    rng = mc.rng("above threshold", dtype=dtype)
    above = np.concatenate([
        [np.nextafter(np.array(t_star, dtype), np.array(np.inf, dtype)), 1000.0, 1e4],
        t_star + (1e4 - t_star) * rng.uniform(size=60)]).astype(dtype)
    rows = np.stack([above, np.zeros_like(above)], axis=-1)
    naive_finite = np.all(np.isfinite(losses.naive_softmax(rows)), axis=-1)
    mc.record("the naive softmax is not finite for any logit above the threshold",
              decisions.exact_close(naive_finite, np.zeros(len(above), bool), rtol=0.0,
                                    n_inputs=len(above)),
              params={"n_logits": len(above), "smallest": float(above[0])})

    big = np.array([t_star, *above, float(np.finfo(dtype).max) / 4], dtype=dtype)
    rows = np.stack([big, np.zeros_like(big)], axis=-1)
    stable = losses.softmax(rows)
    t = big.astype(REF)
    ref = np.stack([1 / (1 + np.exp(-t)), np.exp(-t) / (1 + np.exp(-t))], axis=-1)
    # shift (|s| u, but exp(−t) then is below tiny or exactly representable: atol), exp
    # (ULPS), two-term sum (1), division (1).
    mc.record("the stable softmax is finite and exact for logits up to finfo.max/4",
              decisions.exact_close(stable, ref, rtol=_rtol(dtype, ULPS + 3),
                                    atol=2 * float(np.finfo(dtype).tiny), n_inputs=len(big)),
              params={"n_logits": len(big), "largest": float(big[-1])})

    z1000 = np.array([[1000.0, 0.0]], dtype=dtype)
    mc.record("control: the naive softmax equals the stable one at z = 1000",
              decisions.exact_close(losses.naive_softmax(z1000), losses.softmax(z1000),
                                    rtol=_rtol(dtype, ULPS + 3), n_inputs=1,
                                    nonfinite="evidence"),
              role="control", note="The overflow (exp(1000) = inf, inf/inf = NaN) is the point.")


# =============================================================================== CE-06

#: Smallest ŷ of the first-order check: its Taylor tolerance ε/(2 ŷ_min) is fixed by design.
YHAT_SMALL_MIN: float = 1e-13


@pytest.mark.claim("CE-06")
def test_epsilon_deviation_is_eps_over_yhat(mc):
    """−log ŷ − (−log(ŷ + ε)) ≈ ε/ŷ to first order (float64, ŷ ∈ [1e-13, 1e-3])."""
    rng = mc.rng("small predictions")
    n = 2000
    yhat = 10.0 ** rng.uniform(math.log10(YHAT_SMALL_MIN), -3.0, size=n)
    q = np.stack([yhat, (1 - yhat) * 0.5, (1 - yhat) * 0.5], axis=-1)
    onehot = np.zeros_like(q)
    onehot[:, 0] = 1.0
    y = np.zeros(n, dtype=int)
    dev = losses.categorical_nll(y, q) - losses.epsilon_cross_entropy(onehot, q, EPS_GUARD)
    first_order = EPS_GUARD / yhat
    # Taylor: 0 <= x − log(1 + x) <= x²/2, so relative error <= x/2 <= ε/(2 ŷ_min).
    # Rounding: ŷ + ε (u/2 absolute in the log), two logs (ULPS·u·|log ŷ| each), the
    # subtraction (u): an absolute error of u (2 ULPS max|log ŷ| + 1).
    u = float(np.finfo(np.float64).eps)
    taylor = EPS_GUARD / (2 * YHAT_SMALL_MIN)  # from the design's range, not from the data
    atol = u * (2 * ULPS * float(np.max(np.abs(np.log(yhat)))) + 1)
    rtol = taylor + _rtol(np.float64, 1)
    order = np.argsort(yhat)[:: max(1, n // 60)]
    figure = {"kind": "line", "title": "deviation of the ε-form from the NLL",
              "xlabel": "ŷ (true class)", "ylabel": "−log ŷ + log(ŷ + ε)",
              "xscale": "log", "yscale": "log",
              "series": [{"label": "computed", "x": yhat[order].tolist(),
                          "y": dev[order].tolist()}],
              "reference": [{"label": "ε/ŷ", "x": yhat[order].tolist(),
                             "y": first_order[order].tolist()}]}
    mc.record("the ε-form falls short of the NLL by exactly log(1 + ε/ŷ)",
              decisions.exact_close(dev, np.log1p(EPS_GUARD / yhat.astype(REF)),
                                    rtol=_rtol(np.float64, ULPS), atol=atol, n_inputs=n),
              params={"n_inputs": n, "yhat_min": 1e-13, "yhat_max": 1e-3})
    # The Taylor bound x/2 is attained at the smallest ŷ: this check's statistic is close to 1
    # by construction, and the rounding is covered by atol.
    mc.record("the ε-form falls short of the NLL by ≈ ε/ŷ (first order)",
              decisions.exact_close(dev, first_order, rtol=rtol, atol=atol, n_inputs=n),
              params={"n_inputs": n, "yhat_min": 1e-13, "yhat_max": 1e-3}, figure=figure)
    mc.record("control: the deviation is ≈ ε whatever ŷ",
              decisions.exact_close(dev, np.full(n, EPS_GUARD), rtol=rtol, atol=atol,
                                    n_inputs=n),
              role="control", params={"n_inputs": n})


#: "Equals the NLL" is read at the precision a loss is used in training: relative agreement
#: to float32's machine epsilon. The same rule decides the condition check below.
INVISIBLE_RTOL = float(np.finfo(np.float32).eps)


@pytest.mark.claim("CE-06")
def test_epsilon_is_invisible_at_ordinary_predictions_and_not_near_eps(mc):
    """ε-form = NLL to float32 precision for ŷ ∈ [0.01, 1 − 1e-6]; not for ŷ ~ ε (condition)."""
    rng = mc.rng("ordinary predictions")
    n = 2000
    yhat = np.concatenate([10.0 ** rng.uniform(-2.0, 0.0, size=n // 2),
                           1.0 - 10.0 ** rng.uniform(-6.0, -1.0, size=n - n // 2)])
    yhat = np.minimum(yhat, 1.0 - 1e-6)
    q = np.stack([yhat, 1.0 - yhat], axis=-1)
    onehot = np.zeros_like(q)
    onehot[:, 0] = 1.0
    y = np.zeros(n, dtype=int)
    nll = losses.categorical_nll(y, q)
    ce = losses.epsilon_cross_entropy(onehot, q, EPS_GUARD)
    # A priori: the relative deviation is ≈ ε/(ŷ |log ŷ|) <= max(1e-13/4.6, 1e-15/1e-6) = 1e-9.
    mc.record("the ε-form equals the NLL (relative to float32 eps) for ŷ ∈ [0.01, 1 − 1e-6]",
              decisions.exact_close(ce, nll, rtol=INVISIBLE_RTOL, n_inputs=n),
              params={"n_inputs": n})

    tiny = np.array([0.0, 1e-16, 5e-16, 1e-15, 2e-15, 1e-14])
    q = np.stack([tiny, 1.0 - tiny], axis=-1)
    onehot = np.zeros_like(q)
    onehot[:, 0] = 1.0
    with np.errstate(divide="ignore"):
        nll_t = losses.categorical_nll(np.zeros(len(tiny), int), q)
    ce_t = losses.epsilon_cross_entropy(onehot, q, EPS_GUARD)
    mc.record("condition ŷ_true ≫ ε violated: at ŷ ∈ {0, 1e-16, …, 1e-14} the ε-form equals "
              "the NLL",
              decisions.exact_close(ce_t, nll_t, rtol=INVISIBLE_RTOL, n_inputs=len(tiny),
                                    nonfinite="evidence"),
              role="condition", params={"yhat": tiny.tolist()},
              note=f"at ŷ = 1e-15 the ε-form is log 2 = {math.log(2):.4f} below the NLL; at "
                   f"ŷ = 0 it is {float(ce_t[0]):.4f} instead of +inf")


@pytest.mark.claim("CE-06")
@pytest.mark.parametrize("dtype", DTYPES)
def test_epsilon_caps_the_loss_and_vanishes_in_float32(mc, dtype):
    """At ŷ = 0 the ε-form is −log(ε) ≈ 34.54 (the NLL is inf); in float32 near 1 it is a no-op."""
    rng = mc.rng("capped and near one", dtype=dtype)
    n = 500
    w = rng.uniform(0.0, 1.0, size=n)
    q = np.stack([np.zeros(n), w, 1.0 - w], axis=-1).astype(dtype)
    q[:, 2] = (1 - q[:, 1].astype(float)).astype(dtype)  # rows sum to 1 within dtype rounding
    onehot = np.zeros_like(q)
    onehot[:, 0] = 1
    y = np.zeros(n, dtype=int)
    ce = losses.epsilon_cross_entropy(onehot, q, EPS_GUARD)
    cap = -np.log(REF(np.array(EPS_GUARD, dtype=dtype)))  # ε as stored in dtype
    mc.record("at ŷ_true = 0 the ε-form equals −log(ε) ≈ 34.54",
              decisions.exact_close(ce, np.full(n, cap), rtol=_rtol(dtype, ULPS), n_inputs=n),
              params={"n_inputs": n, "cap": float(cap)})
    with np.errstate(divide="ignore"):
        nll = losses.categorical_nll(y, q)
    mc.record("at ŷ_true = 0 the NLL itself is +inf (the log(0) that ε avoids)",
              decisions.exact_close(nll, np.full(n, np.inf), rtol=0.0, n_inputs=n),
              params={"n_inputs": n})

    if dtype == "float32":
        # In float32 ŷ + 1e-15 rounds back to ŷ for ŷ ∈ [0.5, 1] (ulp/2 >= 3e-8 ≫ 1e-15):
        # the ε-form must equal the NLL bit for bit (tolerance 0).
        yhat = np.concatenate([rng.uniform(0.5, 1.0, size=n - 1), [1.0]]).astype(np.float32)
        q = np.stack([yhat, np.float32(1) - yhat], axis=-1)  # exact complement (Sterbenz)
        onehot = np.zeros_like(q)
        onehot[:, 0] = 1
        mc.record("float32: the ε-form equals the NLL bit for bit for ŷ ∈ [0.5, 1]",
                  decisions.exact_close(losses.epsilon_cross_entropy(onehot, q, EPS_GUARD),
                                        losses.categorical_nll(y, q), rtol=0.0, n_inputs=n),
                  params={"n_inputs": n},
                  note=f"np.float32(1) + np.float32(1e-15) == 1: "
                       f"{bool(np.float32(1) + np.float32(EPS_GUARD) == np.float32(1))}")


@pytest.mark.claim("CE-06")
@pytest.mark.parametrize("dtype", DTYPES)
def test_epsilon_keeps_the_one_hot_sum_finite_when_a_wrong_class_is_zero(mc, dtype):
    """The real work of ε: a *wrong* class with ŷ = 0 makes the one-hot sum −Σ y log ŷ hit
    0·log 0 = 0·(−inf) = NaN; with ε the sum is finite and equals the true-class NLL."""
    rng = mc.rng("wrong class zero", dtype=dtype)
    n = 500
    w = rng.uniform(0.05, 0.95, size=n)
    q = np.stack([w, np.zeros(n), 1.0 - w], axis=-1).astype(dtype)  # class 1 predicted 0
    onehot = np.zeros_like(q)
    onehot[:, 0] = 1  # the true class is 0, predicted with ŷ ∈ [0.05, 0.95]
    y = np.zeros(n, dtype=int)
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = -np.sum(onehot * np.log(q), axis=-1)
    nll = losses.categorical_nll(y, q)
    mc.record("without ε, −Σ_k y_k log ŷ_k (the document's one-hot sum) equals the NLL when a "
              "wrong class has ŷ = 0",
              decisions.exact_close(naive, nll, rtol=_rtol(dtype, ULPS + 3), n_inputs=n,
                                    nonfinite="evidence"),
              role="condition", params={"n_inputs": n},
              note=f"{int(np.count_nonzero(np.isnan(naive)))} of {n} sums are NaN: "
                   "0·log 0 = 0·(−inf) is NaN in IEEE arithmetic, although the term's limit "
                   "is 0.")
    with_eps = losses.epsilon_cross_entropy(onehot, q, EPS_GUARD)
    # The true-class term −log(ŷ + ε) differs from −log ŷ by log(1 + ε/ŷ) < ε/ŷ <= 2e-14
    # (ŷ >= 0.05), an absolute bound; the wrong classes contribute 0·log(ε) = 0 exactly.
    mc.record("with ε the one-hot sum is finite and equals the NLL (to ε/ŷ)",
              decisions.exact_close(with_eps, nll, rtol=_rtol(dtype, ULPS + 3),
                                    atol=float(EPS_GUARD / 0.05), n_inputs=n),
              params={"n_inputs": n})
    mc.record("control: with ε the one-hot sum equals −log ε (the cap) at these predictions",
              decisions.exact_close(with_eps, np.full(n, -math.log(EPS_GUARD)),
                                    rtol=_rtol(dtype, ULPS), n_inputs=n),
              role="control", params={"n_inputs": n})


# =============================================================================== CE-07

#: Bounds of the constant prediction: the open interval (0, 1) up to DELTA.
DELTA = 1e-9
#: xatol of scipy's bounded Brent minimiser.
XATOL = 1e-12


def _minimiser_atol(n: int) -> float:
    """How far scipy's bounded minimiser may stop from the true interior minimiser.

    Exact arithmetic: it stops when the bracket is below 4·tol1, tol1 = sqrt(eps)|x| + xatol/3
    (``scipy.optimize._optimize._minimize_scalar_bounded``), |x| < 1. Rounding: near the
    minimum f(x* + h) − f(x*) ≈ f''h²/2 is hidden by the rounding error of f (mean of n BCE
    terms, ``(n + 2 ULPS + 2) eps |f|``, |f| <= log 2 at x* = mean(y)) when
    h <= sqrt(2 (n + 2 ULPS + 2) eps log 2 / f''), with f'' = 1/(m(1 − m)) >= 4.
    """
    eps = float(np.finfo(np.float64).eps)
    return decisions.brent_resolution(1.0, (n + 2 * ULPS + 2) * eps * math.log(2), 4.0,
                                      xatol=XATOL, sides=1)


def _label_vectors(rng: np.random.Generator, n: int, n_vectors: int = 40
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``n_vectors`` Bernoulli label vectors of length ``n`` (each its own p in [0.05, 0.95])
    holding both labels, so that mean(y) lies strictly inside (0, 1); and their means."""
    p_true = rng.uniform(0.05, 0.95, size=n_vectors)
    ys = (rng.uniform(size=(n_vectors, n)) < p_true[:, None]).astype(float)
    ys[:, 0], ys[:, 1] = 0.0, 1.0
    return ys, ys.mean(axis=1)


def _argmin(f) -> float:
    res = optimize.minimize_scalar(f, bounds=(DELTA, 1 - DELTA), method="bounded",
                                   options={"xatol": XATOL, "maxiter": 2000})
    return float(res.x)


@pytest.mark.claim("CE-07")
@pytest.mark.parametrize("n", [10, 100, 1000])
def test_truncated_binary_loss_is_not_minimised_by_the_mle(mc, n):
    """−Σ y log ŷ is minimised at ŷ → 1 (refuted); the full BCE at mean(y); one-hot sum = BCE."""
    rng = mc.rng("labels", n=n)
    ys, means = _label_vectors(rng, n)
    n_vectors = len(ys)

    def truncated(y):  # the document's formula −Σᵢ yᵢ log ŷ at a constant ŷ
        return lambda p: float(-np.sum(y * np.log(p)))

    def full(y):
        return lambda p: float(losses.binary_cross_entropy(y, np.full(y.shape, p),
                                                           reduction="mean"))

    arg_trunc = np.array([_argmin(truncated(y)) for y in ys])
    arg_full = np.array([_argmin(full(y)) for y in ys])
    atol = _minimiser_atol(n)
    params = {"n_label_vectors": n_vectors, "bounds": [DELTA, 1 - DELTA]}
    mc.record("the minimiser over constant ŷ of −Σᵢ yᵢ log ŷ is the MLE mean(y)",
              decisions.exact_close(arg_trunc, means, rtol=0.0, atol=atol, n_inputs=n_vectors),
              role="refuted", params=params,
              note=f"minimisers found: {arg_trunc.min():.12f} … {arg_trunc.max():.12f}, at "
                   f"the upper end of the search interval [δ, 1 − δ], δ = {DELTA:g}; means "
                   f"of y: {means.min():.3f} … {means.max():.3f}. The loss is strictly "
                   "decreasing in ŷ: its derivative is −Σy/ŷ < 0.")
    mc.record("corrected: the full BCE −Σᵢ[yᵢ log ŷ + (1−yᵢ) log(1−ŷ)] is minimised at mean(y)",
              decisions.exact_close(arg_full, means, rtol=0.0, atol=atol, n_inputs=n_vectors),
              role="corrected", params=params)
    mc.record("control: the full BCE, too, is minimised at the upper bound 1 − δ",
              decisions.exact_close(arg_full, np.full(n_vectors, 1 - DELTA), rtol=0.0,
                                    atol=atol, n_inputs=n_vectors),
              role="control", params=params)

    # Corrected reading: per sample a one-hot vector over both classes. With ŷ snapped so
    # that 1 − ŷ is exact (Sterbenz), both sides are one log of the same number: 2 ULPS.
    y = ys.ravel()
    yhat = rng.uniform(0.0, 1.0, size=y.size)
    q0 = 1.0 - yhat
    yhat = 1.0 - q0
    probs = np.stack([q0, yhat], axis=-1)
    onehot = np.stack([1.0 - y, y], axis=-1)
    mc.record("corrected: −Σ_k y_ik log ŷ_ik over both classes of each sample equals the BCE",
              decisions.exact_close(losses.cross_entropy(onehot, probs),
                                    losses.binary_cross_entropy(y, yhat),
                                    rtol=_rtol(np.float64, 2 * ULPS), n_inputs=y.size),
              role="corrected", params={"n_inputs": int(y.size)})


# =============================================================================== CE-09

@pytest.mark.claim("CE-09")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", CLASS_COUNTS)
def test_cross_entropy_is_entropy_plus_kl_but_not_a_distance(mc, k, dtype):
    """H(P,Q) = H(P) + KL(P‖Q) ≥ H(P), = at Q = P; H(P,P) ≠ 0 and H(P,Q) ≠ H(Q,P)."""
    rng = mc.rng("distributions", k=k, dtype=dtype)
    n = _rows(k)
    p = _true_dists(rng, n, k, dtype)
    q = _model_probs(rng, n, k, dtype)
    h_pq = losses.cross_entropy(p, q)
    h_p = losses.entropy(p)
    kl = losses.kl_divergence(p, q)
    # Each of H(P,Q), H(P), KL: one log (ULPS) + product (1) + K-term sum, and the final
    # addition (1). H terms are one-signed; KL's terms are not, but
    # Σ p|log(p/q)| <= H(P) + H(P,Q) <= 2 H(P,Q): condition <= 4 relative to H(P,Q).
    # KL's ratio p/q rounds by u/2 before the log: an *absolute* u/2 per unit of P's mass
    # (atol, doubled for safety), which matters when H(P,Q) is small.
    ops = ULPS + k + 3
    rtol = decisions.eps_tolerance(dtype, 4.0, ops)
    atol = decisions.eps_tolerance(dtype, 1.0, 1)
    mc.record("H(P,Q) equals H(P) + KL(P‖Q)",
              decisions.exact_close(h_pq, h_p + kl, rtol=rtol, atol=atol, n_inputs=n),
              params={"n_rows": n})
    # Gibbs: H(P,Q) − H(P) >= 0 up to the rounding of both (absolute: ops·eps·(H(P,Q) + H(P))).
    gap = h_pq.astype(float) - h_p
    slack = decisions.eps_tolerance(dtype, 1.0, ops) * float(np.max(h_pq + h_p))
    mc.record("H(P,Q) ≥ H(P) (Gibbs' inequality)",
              decisions.exact_close(np.minimum(gap, 0.0), 0.0, rtol=0.0, atol=slack,
                                    n_inputs=n),
              params={"n_rows": n},
              note=f"smallest H(P,Q) − H(P) over the inputs: {gap.min():.3g}")
    h_pp = losses.cross_entropy(p, p)
    mc.record("equality at Q = P: H(P,P) equals H(P)",
              decisions.exact_close(h_pp, h_p, rtol=decisions.eps_tolerance(dtype, 1.0, 2 * ops),
                                    n_inputs=n),
              params={"n_rows": n})
    mc.record("control: H(P,Q) equals H(P) + KL(Q‖P) (reversed divergence)",
              decisions.exact_close(h_pq, h_p + losses.kl_divergence(q, p), rtol=rtol,
                                    atol=atol, n_inputs=n),
              role="control", params={"n_rows": n})

    # Reading CE as a distance: d(P,P) = 0 and symmetry. Same rounding allowances.
    mc.record("condition (CE as a distance): H(P,P) = 0",
              decisions.exact_close(h_pp, 0.0, rtol=0.0, atol=slack, n_inputs=n),
              role="condition", params={"n_rows": n},
              note=f"H(P,P) = H(P) ranges over {float(h_pp.min()):.3g} … {float(h_pp.max()):.3g}")
    mc.record("condition (CE as a distance): H(P,Q) = H(Q,P)",
              decisions.exact_close(h_pq, losses.cross_entropy(q, p),
                                    rtol=decisions.eps_tolerance(dtype, 1.0, 2 * ops),
                                    n_inputs=n),
              role="condition", params={"n_rows": n})


#: Gradient tolerance of BFGS; the gradient of both objectives in θ is softmax(θ) − P. A line
#: search sees f only to its rounding, eps·|f| (|f| = H(P) <= log 10 here); near the optimum
#: f − f* ≈ |g|²/(2 q) so gradients below sqrt(2 eps |f|) ≈ 3e-8 cannot be resolved: the
#: tolerance sits above that floor.
GTOL = 1e-7


def _minimise_over_simplex(objective, k: int, theta0: np.ndarray) -> np.ndarray:
    """argmin over Q = softmax(θ) of objective(Q), by BFGS on θ with the exact gradient."""
    def f(theta):
        qv = losses.softmax(theta)
        val, grad_q = objective(qv)
        # chain rule through softmax: J^T g = q ⊙ (g − q·g)
        return float(val), qv * (grad_q - np.dot(qv, grad_q))

    res = optimize.minimize(f, theta0, jac=True, method="BFGS",
                            options={"gtol": GTOL, "maxiter": 5000})
    return losses.softmax(res.x), bool(res.success)


@pytest.mark.claim("CE-09")
@pytest.mark.parametrize("k", [2, 3, 10])
def test_minimising_cross_entropy_over_q_minimises_kl(mc, k):
    """argmin_Q H(P,Q) = argmin_Q KL(P‖Q) = P (BFGS over softmax θ); argmin_Q H(Q,P) ≠ P."""
    rng = mc.rng("targets", k=k)
    n = 8
    ps = _true_dists(rng, n, k, "float64")
    theta0 = rng.normal(size=(n, k))
    q_ce, q_kl, q_rev, converged = [], [], [], []
    for p, t0 in zip(ps, theta0):
        for out, objective in (
                (q_ce, lambda qv, p=p: (losses.cross_entropy(p, qv), -p / qv)),
                (q_kl, lambda qv, p=p: (losses.kl_divergence(p, qv), -p / qv)),
                (q_rev, lambda qv, p=p: (losses.cross_entropy(qv, p), -np.log(p)))):
            qv, ok = _minimise_over_simplex(objective, k, t0)
            out.append(qv)
            if out is not q_rev:
                converged.append(ok)
    q_ce, q_kl, q_rev = map(np.array, (q_ce, q_kl, q_rev))
    # At BFGS's stop |softmax(θ) − P|∞ is the gradient's sup norm, <= GTOL, as computed; the
    # computed gradient is within (ULPS + k + 3) eps of the exact one.
    atol = GTOL + decisions.eps_tolerance(np.float64, 1.0, ULPS + k + 3)
    params = {"n_targets": n, "gtol": GTOL,
              "bfgs_converged": f"{sum(converged)} of {len(converged)}"}
    mc.record("argmin over Q of H(P,Q) is P",
              decisions.exact_close(q_ce, ps, rtol=0.0, atol=atol, n_inputs=n), params=params)
    mc.record("argmin over Q of KL(P‖Q) is the same distribution",
              decisions.exact_close(q_kl, q_ce, rtol=0.0, atol=2 * atol, n_inputs=n),
              params=params)
    mc.record("control: argmin over Q of H(Q,P) (arguments swapped) is P",
              decisions.exact_close(q_rev, ps, rtol=0.0, atol=atol, n_inputs=n),
              role="control", params=params,
              note="H(Q,P) is linear in Q: its minimiser is the vertex at argmax P")


# =============================================================================== CE-11

#: Logit spread at which the true class's softmax probability underflows to 0 in each dtype.
EXTREME_SPREAD: dict[str, float] = {"float32": 200.0, "float64": 800.0}

@pytest.mark.claim("CE-11")
@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [2, 10, 1000])
def test_torch_cross_entropy_loss_is_log_softmax_plus_nll(mc, k, dtype, reduction):
    """nn.CrossEntropyLoss = NLLLoss(log_softmax) = ours; on softmax outputs it disagrees."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = mc.rng("logits", k=k, dtype=dtype)
    n = _rows(k)
    # Moderate logits (|z| <~ 15): every softmax probability stays a normal float32 number,
    # so the 'softmax then log' reading is defined.
    scale = np.exp(rng.uniform(np.log(0.1), np.log(3.0), size=(n, 1)))
    z = (np.clip(rng.normal(size=(n, k)), -5.0, 5.0) * scale).astype(dtype)
    y = rng.integers(k, size=n)
    zt, yt = torch.from_numpy(z), torch.from_numpy(y.astype(np.int64))
    with torch.no_grad():
        ce_t = torch.nn.CrossEntropyLoss(reduction=reduction)(zt, yt).numpy()
        nll_t = torch.nn.NLLLoss(reduction=reduction)(torch.log_softmax(zt, dim=-1), yt).numpy()
        soft_nll_t = torch.nn.NLLLoss(reduction=reduction)(
            torch.log(torch.softmax(zt, dim=-1)), yt).numpy()
        double = torch.nn.CrossEntropyLoss(reduction=reduction)(
            torch.softmax(zt, dim=-1), yt).numpy()
    ours = losses.cross_entropy_from_logits(y, z, reduction=reduction)
    rtol, atol = _ce_from_logits_rtol(dtype, z, y)
    # Two implementations, each within (rtol, atol) of the exact value, torch's plain
    # log(sum exp) adding an absolute error; a mean adds n − 1 additions of positive terms and
    # a division (n + 1 eps).
    extra = decisions.eps_tolerance(dtype, 1.0, n + 1) if reduction == "mean" else 0.0
    rt, at = 2 * (rtol + extra), 2 * (atol + _plain_lse_atol(dtype, k))
    params = {"n_rows": n}
    mc.record("nn.CrossEntropyLoss equals NLLLoss(log_softmax(z))",
              decisions.exact_close(ce_t, nll_t, rtol=rt, atol=at, n_inputs=n), params=params)
    mc.record("nn.CrossEntropyLoss equals simulations.losses.cross_entropy_from_logits",
              decisions.exact_close(ce_t, ours, rtol=rt, atol=at, n_inputs=n), params=params)
    # softmax then log: the rounded probability costs an absolute error (_prob_path_atol) and
    # the log its ULPS; for the mean the absolute term is averaged, so it carries over.
    mc.record("nn.CrossEntropyLoss equals NLLLoss(log(softmax(z))) (the comment's 'softmax + NLL')",
              decisions.exact_close(ce_t, soft_nll_t, rtol=rt + _rtol(dtype, ULPS),
                                    atol=at + _prob_path_atol(dtype, z, y), n_inputs=n),
              params=params)
    mc.record("control: nn.CrossEntropyLoss on softmax probabilities (double softmax) equals ours",
              decisions.exact_close(double, ours, rtol=rt, atol=at, n_inputs=n),
              role="control", params=params)
    # Where the reading "softmax, then NLL" breaks: logits spread so far that the true class's
    # softmax probability underflows to 0 (exp(−200) < float32's smallest subnormal 1.4e-45;
    # exp(−800) < float64's 4.9e-324). log(0) = −inf there while log_softmax stays finite.
    spread = EXTREME_SPREAD[dtype]
    zx = np.zeros((n, k), dtype=dtype)
    yx = rng.integers(k, size=n)
    zx[np.arange(n), (yx + 1) % k] = spread  # another class far ahead of the true one
    zxt, yxt = torch.from_numpy(zx), torch.from_numpy(yx.astype(np.int64))
    with torch.no_grad():
        ce_x = torch.nn.CrossEntropyLoss(reduction=reduction)(zxt, yxt).numpy()
        soft_x = torch.nn.NLLLoss(reduction=reduction)(torch.log(torch.softmax(zxt, dim=-1)),
                                                       yxt).numpy()
    mc.record(f"condition: at extreme logits (spread {spread:g}) NLLLoss(log(softmax(z))) "
              "equals nn.CrossEntropyLoss",
              decisions.exact_close(soft_x, ce_x, rtol=rt + _rtol(dtype, ULPS), atol=at,
                                    n_inputs=n, nonfinite="evidence"),
              role="condition", params={**params, "spread": spread},
              note="The true class's softmax probability underflows to 0, so 'softmax then "
                   "NLL' gives inf where CrossEntropyLoss (log_softmax + NLL) gives the loss "
                   f"≈ {spread:g}: the two readings agree only while no probability underflows.")


# =========================================================== CE-02: torch's binary losses

@pytest.mark.claim("CE-02")
def test_torch_binary_losses_are_the_bernoulli_nll(mc):
    """nn.BCELoss(ŷ) and nn.BCEWithLogitsLoss(z) are the Bernoulli NLL; BCELoss clamps each log
    at −100, so at a confidently wrong ŷ it reports 100, not the NLL."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = mc.rng("torch-binary")
    n = 2000
    z = rng.normal(scale=4.0, size=n)
    y = rng.integers(0, 2, size=n).astype(float)
    yhat = 1.0 / (1.0 + np.exp(-z))
    ours = losses.bernoulli_nll(y, yhat).mean()
    tz, ty, tp = torch.from_numpy(z), torch.from_numpy(y), torch.from_numpy(yhat)
    # Means of n terms, each a log/log1p (ULPS) plus a few roundings, on both sides.
    rtol = _rtol("float64", 2 * (ULPS + 4) + n, max(1.0, float(np.max(np.abs(z)))))
    mc.record("torch nn.BCELoss(ŷ) (mean) equals the Bernoulli NLL",
              decisions.exact_close(float(torch.nn.BCELoss()(tp, ty)), ours, rtol=rtol))
    mc.record("torch nn.BCEWithLogitsLoss(z) (mean) equals the Bernoulli NLL at ŷ = σ(z)",
              decisions.exact_close(float(torch.nn.BCEWithLogitsLoss()(tz, ty)), ours,
                                    rtol=rtol))
    # Confidently wrong: y = 1 with ŷ = 1e-60, NLL = 60 log 10 ≈ 138.2 > 100.
    p_small = torch.tensor([1e-60], dtype=torch.float64)
    clamped = float(torch.nn.BCELoss()(p_small, torch.tensor([1.0], dtype=torch.float64)))
    nll = float(losses.bernoulli_nll(np.array([1.0]), np.array([1e-60]))[0])
    mc.record("torch nn.BCELoss clamps each log term at −100: at y = 1, ŷ = 1e-60 it gives 100",
              decisions.exact_close(clamped, 100.0, rtol=0.0),
              note=f"The Bernoulli NLL there is {nll:.4g}; nn.BCEWithLogitsLoss on the logit "
                   "does not clamp.")
    mc.record("control: torch nn.BCELoss at y = 1, ŷ = 1e-60 equals the Bernoulli NLL",
              decisions.exact_close(clamped, nll, rtol=_rtol("float64", 8)), role="control")


# =============================================================================== CE-12

@pytest.mark.claim("CE-12")
@pytest.mark.parametrize("n", [10, 100])
def test_minimising_cross_entropy_maximises_log_likelihood(mc, n):
    """CE = −ℓ/n, so argmin CE = argmax ℓ = mean(y); 'maximising −ℓ' ends at the boundary."""
    rng = mc.rng("labels", n=n)
    ys, means = _label_vectors(rng, n)
    n_vectors = len(ys)

    def ce(y):
        return lambda p: float(losses.binary_cross_entropy(y, np.full(y.shape, p),
                                                           reduction="mean"))

    def loglik(y):
        return lambda p: float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))

    grid = np.linspace(0.01, 0.99, 99)
    lhs = np.array([[ce(y)(p) for p in grid] for y in ys])
    rhs = np.array([[-loglik(y)(p) / n for p in grid] for y in ys])
    # Both sides are means of n terms with one log each (ULPS each) and one division:
    # |error| <= (2 n + 2 ULPS + 2) eps |value| (Higham 2002, §4.2), |value| <= log 100.
    atol = (2 * n + 2 * ULPS + 2) * float(np.finfo(np.float64).eps) * float(np.max(np.abs(lhs)))
    mc.record("corrected: CE(θ) = −ℓ(θ)/n at 99 values of θ",
              decisions.exact_close(lhs, rhs, rtol=0.0, atol=atol, n_inputs=lhs.size),
              role="corrected", params={"n_label_vectors": n_vectors})
    arg_ce = np.array([_argmin(ce(y)) for y in ys])
    arg_ll = np.array([_argmin(lambda p, y=y: -loglik(y)(p)) for y in ys])
    arg_neg = np.array([_argmin(lambda p, y=y: loglik(y)(p)) for y in ys])  # maximises −ℓ
    atol_arg = _minimiser_atol(n)
    params = {"n_label_vectors": n_vectors, "bounds": [DELTA, 1 - DELTA]}
    mc.record("corrected: minimising CE and maximising ℓ both give mean(y)",
              decisions.exact_close(np.concatenate([arg_ce, arg_ll]),
                                    np.concatenate([means, means]), rtol=0.0, atol=atol_arg,
                                    n_inputs=2 * n_vectors),
              role="corrected", params=params)
    mc.record("as written: minimising CE is maximising −ℓ (the maximiser of −ℓ is mean(y))",
              decisions.exact_close(arg_neg, means, rtol=0.0, atol=atol_arg,
                                    n_inputs=n_vectors),
              role="refuted", params=params,
              note=f"maximisers of −ℓ found: {arg_neg.min():.3g} … {arg_neg.max():.3g} (the "
                   f"ends of [δ, 1 − δ], δ = {DELTA:g}): −ℓ is convex, so it has no interior "
                   "maximum. A slip of wording: CE is −ℓ/n, and minimising it maximises ℓ.")
    mc.record("control: the minimiser of CE is mean(y) + 10⁻³",
              decisions.exact_close(arg_ce, means + 1e-3, rtol=0.0, atol=atol_arg,
                                    n_inputs=n_vectors),
              role="control", params=params)
