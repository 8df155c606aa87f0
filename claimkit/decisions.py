"""Decision rules: turn an estimate and its Monte Carlo error into pass / fail / inconclusive.

Every rule returns a :class:`claimkit.evidence.Decision` carrying

* ``alpha`` -- the probability that the rule fails a true hypothesis (0 for exact identities);
  in the suite this is :data:`claimkit.budget.CHECK_ALPHA`;
* ``delta`` -- the smallest deviation from the target (or, for limit claims, beyond the
  margin) that the rule detects, i.e. *fails*, with probability at least :data:`POWER` = 0.99
  at this Monte Carlo budget. A pass is only as informative as ``delta`` is small.

Rules
-----
=====================  ============================================================
:func:`exact_close`    exact identities, tolerance from machine epsilon
:func:`z_test`         point claims ``E[estimate] = target`` (two-sided z-test)
:func:`equivalence`    limit claims ``|E[estimate] - target| <= margin`` (TOST)
:func:`binomial_rate`  rates (coverage, size): exact binomial / Clopper-Pearson
:func:`dkw_kolmogorov` distributional claims: Kolmogorov distance, DKW band
:func:`slope`          rate claims: (W)LS slope of log error on log n, equivalence
:func:`slope_below`    one-sided slope claims, e.g. "the error does not decrease"
=====================  ============================================================

Equivalence-style rules (``equivalence``, ``binomial_rate`` with ``margin``, ``slope``,
``slope_below``) use the interval whose *each* end is a one-sided bound at level ``1 - alpha``
(two one-sided tests, Schuirmann 1987): the claim passes when the interval lies inside the
margin band, fails when it lies entirely outside, and is inconclusive when it straddles an
edge. Each error (false pass at the edge of the band, false failure inside it) has probability
at most ``alpha``.

References
----------
Morris, T. P., White, I. R. & Crowther, M. J. (2019). Using simulation studies to evaluate
statistical methods. Statistics in Medicine 38(11), 2074-2102.
Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the power
approach for assessing the equivalence of average bioavailability. J. Pharmacokinet.
Biopharm. 15(6), 657-680.
Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated in
the case of the binomial. Biometrika 26(4), 404-413.
Massart, P. (1990). The tight constant in the Dvoretzky-Kiefer-Wolfowitz inequality.
Annals of Probability 18(3), 1269-1283.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Callable, Literal

import numpy as np
from scipy import integrate, optimize, special, stats

from claimkit.evidence import Decision
from claimkit.intervals import clopper_pearson
from claimkit.normal_tails import (
    TAIL_LEVEL_TEXT,
    TAIL_TOLERANCE,
    tail_level,
    tail_relative_error,
)
from claimkit.validation import nonnegative_scalar, positive_scalar, real_scalar

__all__ = [
    "POWER",
    "eps_tolerance",
    "exact_close",
    "brent_resolution",
    "planted_deviation",
    "NEAR_MISS_TOLERANCES",
    "z_test",
    "chi2_scale",
    "equivalence",
    "binomial_rate",
    "dkw_kolmogorov",
    "kolmogorov_distance",
    "lattice_kolmogorov_distance",
    "slope",
    "slope_below",
    "binomial_trend",
    "t_power_multiplier",
]

#: Probability with which a deviation of size ``delta`` is detected.
POWER: float = 0.99

Alternative = Literal["two-sided", "less", "greater"]


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------

def _real(x: object, name: str) -> float:
    """A finite real number (:func:`claimkit.validation.real_scalar`), with this module's
    single message for every way of not being one."""
    try:
        return real_scalar(x, name)
    except ValueError:
        raise ValueError(f"`{name}` must be a finite real number, got {x!r}.") from None


def _positive(x: object, name: str) -> float:
    _real(x, name)
    return positive_scalar(x, name)


def _nonneg(x: object, name: str) -> float:
    _real(x, name)
    return nonnegative_scalar(x, name)


def _alpha(alpha: object, upper: float = 1.0) -> float:
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real) \
            or not 0.0 < float(alpha) < upper:
        raise ValueError(f"`alpha` must lie in (0, {upper:g}), got {alpha!r}.")
    return float(alpha)


def _int(x: object, name: str, minimum: int) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or x < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {x!r}.")
    return int(x)


def _fmt(x: float) -> str:
    """Compact number for rule texts."""
    return f"{x:.3g}"


def _fmtv(x: float) -> str:
    """Number with more digits (estimates, bounds)."""
    return f"{x:.6g}"


@functools.lru_cache(maxsize=256)
def _z(p: float) -> float:
    """Upper ``p`` quantile of N(0, 1): ``z`` with ``P(Z > z) = p``."""
    return float(stats.norm.isf(p))


@functools.lru_cache(maxsize=1024)
def _t(p: float, df: float) -> float:
    """Upper ``p`` quantile of Student's t with ``df`` degrees of freedom."""
    if math.isinf(df):
        return _z(p)
    return float(stats.t.isf(p, df))


_Z_POWER = float(stats.norm.isf(1.0 - POWER))  # z_{0.99} = 2.326...


# --------------------------------------------------------------------------------------------
# 1. exact identities
# --------------------------------------------------------------------------------------------

def eps_tolerance(dtype: object, condition: float = 1.0, ops: int = 1) -> float:
    """Relative tolerance ``ops * condition * eps(dtype)`` for an exact identity.

    A computation of ``ops`` correctly rounded operations whose result has condition number
    ``condition`` has relative forward error of order ``ops * condition * eps`` (Higham 2002,
    *Accuracy and Stability of Numerical Algorithms*, ch. 1-3); use it as ``rtol`` of
    :func:`exact_close` instead of a hand-picked constant.

    Parameters
    ----------
    dtype : numpy dtype or type
        Floating-point (or complex) type of the computation, e.g. ``np.float64``.
    condition : float, optional
        Condition number of the computed quantity (finite, >= 1).
    ops : int, optional
        Number of rounding errors that can accumulate (>= 1).

    Returns
    -------
    float
        The relative tolerance.
    """
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(f"`dtype` must be a floating-point dtype, got {dtype!r}.") from exc
    if not np.issubdtype(dt, np.inexact):
        raise ValueError(f"`dtype` must be a floating-point dtype, got {dt}.")
    cond = _real(condition, "condition")
    if cond < 1.0:
        raise ValueError(f"`condition` must be >= 1, got {condition!r}.")
    n_ops = _int(ops, "ops", 1)
    return float(n_ops * cond * np.finfo(dt).eps)


def exact_close(actual: object, expected: object, *, rtol: float, atol: float = 0.0,
                n_inputs: int | None = None, nonfinite: Literal["inconclusive", "evidence"]
                = "inconclusive") -> Decision:
    """Exact identity on arrays: pass iff ``|a - e| <= atol + rtol * |e|`` everywhere.

    Rule: every finite pair must satisfy the tolerance; a non-finite value passes only when
    the other side holds the same infinity (``inf == inf``, ``-inf == -inf``); NaN never
    passes. A non-finite value that does not match is *not evidence* against the identity (a
    numerical breakdown says nothing about the mathematics): the outcome is ``inconclusive``,
    unless ``nonfinite="evidence"`` declares that non-finiteness is the point of the check
    (e.g. "the naive softmax overflows"), when it is a ``fail``. There is no randomness in
    the decision: ``alpha = 0``.

    * ``estimate`` = the largest absolute error over the finite pairs (``inf`` if a non-finite
      value does not match);
    * ``statistic`` = the largest ratio ``|a - e| / (atol + rtol |e|)`` (pass iff <= 1);
    * ``margin`` = ``delta`` = the tolerance ``atol + rtol * max|e|``: errors larger than the
      tolerance are always detected (probability 1 >= 0.99).

    Derive ``rtol`` from machine epsilon with :func:`eps_tolerance`.

    Parameters
    ----------
    actual, expected : array_like
        Computed and exact values (real or complex), broadcastable shapes, non-empty.
    rtol : float
        Relative tolerance, finite, >= 0.
    atol : float, optional
        Absolute tolerance, finite, >= 0.
    n_inputs : int, optional
        Number of (randomised) inputs the arrays come from; defaults to the number of values.
    nonfinite : {"inconclusive", "evidence"}, optional
        What a non-matching NaN or infinity makes of the check (see above).

    Returns
    -------
    Decision
        ``kind = "exact"``.
    """
    if nonfinite not in ("inconclusive", "evidence"):
        raise ValueError(f"`nonfinite` must be 'inconclusive' or 'evidence', got {nonfinite!r}.")
    rt = _nonneg(rtol, "rtol")
    at = _nonneg(atol, "atol")
    try:
        a = np.asarray(actual)
        e = np.asarray(expected)
        a, e = np.broadcast_arrays(a, e)
    except ValueError as exc:
        raise ValueError(f"`actual` and `expected` must have broadcastable shapes, got "
                         f"{np.shape(actual)} and {np.shape(expected)}.") from exc
    for name, arr in (("actual", a), ("expected", e)):
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise ValueError(f"`{name}` must hold numbers, got dtype {arr.dtype}.")
    if a.size == 0:
        raise ValueError("`actual` must be non-empty.")
    n = _int(n_inputs, "n_inputs", 1) if n_inputs is not None else int(a.size)
    a = a.astype(np.complex128 if np.iscomplexobj(a) or np.iscomplexobj(e) else float)
    e = e.astype(a.dtype)
    finite = np.isfinite(a) & np.isfinite(e)
    not_finite = ~finite
    same_inf = not_finite & ~np.isnan(a) & ~np.isnan(e) & (a == e)
    bad_nonfinite = int(np.count_nonzero(not_finite & ~same_inf))
    err = np.abs(a[finite] - e[finite])
    tol = at + rt * np.abs(e[finite])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(err == 0, 0.0, err / tol)
    max_err = float(err.max()) if err.size else 0.0
    max_ratio = float(ratio.max()) if ratio.size else 0.0
    emax = float(np.abs(e[finite]).max()) if err.size else 0.0
    tolerance = at + rt * emax
    ok = bad_nonfinite == 0 and max_ratio <= 1.0
    outcome = "pass" if ok else "fail"
    if bad_nonfinite:
        max_err = math.inf
        max_ratio = math.inf
        if nonfinite == "inconclusive":
            outcome = "inconclusive"
    rel = "<=" if max_ratio <= 1.0 else ">"
    rule = (f"max |a - e| / (atol + rtol |e|) = {_fmt(max_ratio)} {rel} 1 "
            f"(max |a - e| = {_fmt(max_err)}, rtol = {_fmt(rt)}, atol = {_fmt(at)}, "
            f"{a.size} values)")
    if bad_nonfinite:
        rule += (f"; {bad_nonfinite} non-finite value(s) do not match"
                 + (" (the check's point: evidence)" if nonfinite == "evidence"
                    else ": a numerical breakdown, not evidence"))
    return Decision(outcome=outcome, kind="exact", rule=rule,
                    estimate=max_err, target=None, mcse=None, ci=None, margin=tolerance,
                    alpha=0.0, delta=tolerance, n_reps=n, statistic=max_ratio)


#: Distance of the exact checks' near-margin controls, in tolerances (units of δ).
NEAR_MISS_TOLERANCES: float = 3.0


def planted_deviation(expected: object, *, rtol: float, atol: float = 0.0,
                      tolerances: float = NEAR_MISS_TOLERANCES) -> np.ndarray:
    """``expected`` moved by ``tolerances`` times the tolerance of :func:`exact_close`.

    The near-margin negative control of an exact identity: a value just beyond the rule's
    tolerance (``|Δ| = tolerances · (atol + rtol |e|)``, 3 δ by default) that the same rule
    must reject, so that a pass is seen to resolve deviations of a few tolerances.

    Parameters
    ----------
    expected : array_like
        Exact values (finite).
    rtol, atol : float
        The tolerance of the identity's check (>= 0, not both 0).
    tolerances : float, optional
        Distance in tolerances (> 1).
    """
    e = np.asarray(expected)
    if not np.all(np.isfinite(e)):
        raise ValueError("`expected` must be finite.")
    rt, at = _nonneg(rtol, "rtol"), _nonneg(atol, "atol")
    if rt == 0 and at == 0:
        raise ValueError("`rtol` and `atol` must not both be 0.")
    k = _real(tolerances, "tolerances")
    if k <= 1:
        raise ValueError(f"`tolerances` must be > 1, got {tolerances!r}.")
    return e + k * (at + rt * np.abs(e))


def brent_resolution(x_star: object, f_rounding: object, curvature: object, *, xatol: float,
                     sides: int = 2) -> float:
    """How far scipy's bounded Brent minimiser may stop from an exact interior minimiser.

    Exact arithmetic: ``minimize_scalar(method="bounded")`` stops once both ends of its bracket
    are within ``2 tol1`` of the returned point, ``tol1 = sqrt(eps)|x| + xatol/3`` (scipy
    ``_minimize_scalar_bounded``), so ``4 tol1`` covers the bracket. Rounding: near ``x*``,
    ``f(x* + h) - f(x*) = f'' h²/2`` is hidden by the rounding error ``e_f`` of ``f`` when
    ``|h| <= sqrt(2 e_f / f'')`` (Brent 1973, ch. 5); ``sides`` such radii are added (2: one on
    each side of the minimum).

    Parameters
    ----------
    x_star, f_rounding, curvature : array_like
        Exact minimiser(s), absolute rounding error of ``f`` there (> 0), and ``f''`` (> 0);
        broadcast against each other.
    xatol : float
        The ``xatol`` passed to the minimiser (>= 0).
    sides : int, optional
        Number of flatness radii added (>= 1).

    Returns
    -------
    float
        The largest resolution over all cases: an absolute tolerance for :func:`exact_close`.
    """
    xt = _nonneg(xatol, "xatol")
    k = _int(sides, "sides", 1)
    x, e, c = (np.asarray(v, dtype=float) for v in (x_star, f_rounding, curvature))
    if np.any(~np.isfinite(x)):
        raise ValueError("`x_star` must be finite.")
    if np.any(~(e > 0)) or np.any(~np.isfinite(e)):
        raise ValueError("`f_rounding` must be positive and finite.")
    if np.any(~(c > 0)) or np.any(~np.isfinite(c)):
        raise ValueError("`curvature` must be positive and finite.")
    bracket = 4.0 * (math.sqrt(float(np.finfo(np.float64).eps)) * np.abs(x) + xt / 3.0)
    flat = np.sqrt(2.0 * e / c)
    return float(np.max(bracket + k * flat))


# --------------------------------------------------------------------------------------------
# 2. z-test for point claims
# --------------------------------------------------------------------------------------------

def z_test(estimate: float, mcse: float, target: float, *, alpha: float, n_reps: int,
           required_delta: float | None = None, skewness: float | None = None,
           kurtosis: float | None = None, tail_error: float | None = None) -> Decision:
    """Two-sided z-test of ``E[estimate] = target`` on the Monte Carlo standard error.

    Rule: with ``z = (estimate - target) / mcse`` and ``z_crit = z_{1-level/2}``, fail iff
    ``|z| > z_crit``; otherwise pass. ``level`` is ``alpha``, or ``alpha / 1.5`` where the
    normal tail is checked (below). The confidence interval is ``estimate +- z_crit * mcse``
    (level ``1 - level``).

    Detectable deviation::

        delta = (z_crit + z_{0.99}) * mcse,

    because for a true deviation ``d >= delta`` the estimate exceeds the critical value with
    probability ``P(Z > z_crit - d / mcse) >= P(Z > -z_{0.99}) = 0.99``. If ``required_delta`` is
    given and ``delta > required_delta``, a non-rejection is reported as ``inconclusive`` (the
    budget is too small to rule out deviations of the size that matters); a rejection is still
    ``fail``.

    ``mcse == 0`` (a deterministic estimate) is handled exactly: pass iff
    ``estimate == target``, otherwise fail; ``delta = 0``.

    The rule assumes the estimate is approximately normal with standard deviation ``mcse``
    (a mean of many replications; Morris et al. 2019, section 5.2). At small ``alpha`` that is
    an assumption about the far tail: give the per-replication ``skewness`` and (excess)
    ``kurtosis`` of the averaged statistic and the rule checks the second-order Edgeworth
    criterion of :mod:`claimkit.normal_tails`; where the level's relative error exceeds
    :data:`~claimkit.normal_tails.TAIL_TOLERANCE` the outcome is ``inconclusive`` (the rule
    is not valid at this ``n_reps``), whatever ``z`` is. A test whose tail is checked runs at
    the nominal level :func:`~claimkit.normal_tails.tail_level` ``(alpha)`` = ``alpha / 1.5``
    (``z_crit`` 4.97 instead of 4.89 at 1e-6): the criterion bounds the realised level by 1.5
    times the nominal one, so P(fail) stays within ``alpha``. ``tail_error`` gives that
    relative error directly where the caller bounds it otherwise (a combination of
    independent means, bounded by its components'), at the same nominal level.

    Parameters
    ----------
    estimate, mcse, target : float
        Monte Carlo estimate, its MCSE (>= 0) and the theoretical value.
    alpha : float
        Probability of failing a true claim, in (0, 1).
    n_reps : int
        Number of replications (>= 1), recorded in the decision.
    required_delta : float, optional
        Largest deviation that must be detectable for a pass to count (> 0).
    skewness, kurtosis : float, optional
        Known skewness and excess kurtosis of one replication's value (both or neither).
    tail_error : float, optional
        Relative error of the normal tail at the nominal level ``tail_level(alpha)``, bounded
        by the caller (>= 0; not with ``skewness`` and ``kurtosis``).

    Returns
    -------
    Decision
        ``kind = "z-test"``, ``statistic = z``; ``alpha`` is the share given, whatever the
        nominal level.
    """
    if (skewness is None) != (kurtosis is None):
        raise ValueError("`skewness` and `kurtosis` must be given together.")
    if tail_error is not None and skewness is not None:
        raise ValueError("`tail_error` must not be given with `skewness` and `kurtosis`.")
    est = _real(estimate, "estimate")
    se = _nonneg(mcse, "mcse")
    tgt = _real(target, "target")
    a = _alpha(alpha)
    r = _int(n_reps, "n_reps", 1)
    req = _positive(required_delta, "required_delta") if required_delta is not None else None
    tail_checked = skewness is not None or tail_error is not None
    level = tail_level(a) if tail_checked else a
    if skewness is not None:
        tail_error = tail_relative_error(skewness, kurtosis, max(r, 2), level)
    elif tail_error is not None:
        tail_error = _nonneg(tail_error, "tail_error")
    zc = _z(level / 2.0)
    delta = (zc + _Z_POWER) * se
    diff = est - tgt
    if se == 0.0:
        z = 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
        reject = diff != 0.0
        rule = (f"mcse = 0: estimate {_fmtv(est)} {'!=' if reject else '=='} "
                f"target {_fmtv(tgt)}")
    else:
        z = diff / se
        reject = abs(z) > zc
        rule = f"|z| = {_fmt(abs(z))} {'>' if reject else '<='} z_crit {_fmt(zc)}"
    if tail_error is not None:
        shape = (f"skewness {_fmt(skewness)}, excess kurtosis {_fmt(kurtosis)}, Edgeworth"
                 if skewness is not None else "bounded by its components'")
        rule += (f" (level {TAIL_LEVEL_TEXT}); normal tail valid: relative level error "
                 f"{_fmt(tail_error)} {'<=' if tail_error <= TAIL_TOLERANCE else '>'} "
                 f"{_fmt(TAIL_TOLERANCE)} ({shape})")
    if tail_error is not None and tail_error > TAIL_TOLERANCE:
        outcome = "inconclusive"
    elif reject:
        outcome = "fail"
    elif req is not None and delta > req:
        outcome = "inconclusive"
        rule += f"; delta {_fmt(delta)} > required {_fmt(req)}"
    else:
        outcome = "pass"
        if req is not None:
            rule += f"; delta {_fmt(delta)} <= required {_fmt(req)}"
    return Decision(outcome=outcome, kind="z-test", rule=rule, estimate=est, target=tgt,
                    mcse=se, ci=(est - zc * se, est + zc * se), margin=None, alpha=a,
                    delta=delta, n_reps=r, statistic=z)


def chi2_scale(estimate: float, target: float, *, df: float, alpha: float, n_reps: int
               ) -> Decision:
    """Exact test of ``E[estimate] = target`` for a mean of scaled chi-square variates.

    For normal data the sample variance is a scaled chi-square, and so is any mean of
    independent ones: under the hypothesis ``df · estimate / target ~ χ²_df`` exactly (e.g. the
    mean of R values σ̂² = σ² χ²_{n−1}/n has ``df = R (n − 1)``). Rule: fail iff
    ``df · estimate / target`` lies outside ``[χ²_{df, α/2}, χ²_{df, 1−α/2}]``; P(fail) = α
    exactly, with no normal approximation of the tail.

    Detectable deviation: a true mean ``c · target`` is rejected with probability >= 0.99 when
    ``c >= χ²_{df, 1−α/2} / χ²_{df, 0.01}`` or ``c <= χ²_{df, α/2} / χ²_{df, 0.99}``;
    ``delta = target · max(c_up − 1, 1 − c_down)``.

    Parameters
    ----------
    estimate, target : float
        The mean (>= 0) and its hypothesised expectation (> 0).
    df : float
        Degrees of freedom of ``df · estimate / target`` (> 0).
    alpha : float
        Two-sided level, in (0, 1).
    n_reps : int
        Replications (>= 1), recorded.

    Returns
    -------
    Decision
        ``kind = "chi2"``, ``statistic = df · estimate / target``.
    """
    est = _nonneg(estimate, "estimate")
    tgt = _positive(target, "target")
    k = _positive(df, "df")
    a = _alpha(alpha)
    r = _int(n_reps, "n_reps", 1)
    lo, hi = (float(stats.chi2.ppf(q, k)) for q in (a / 2.0, 1.0 - a / 2.0))
    stat = k * est / tgt
    c_up = hi / float(stats.chi2.ppf(1.0 - POWER, k))
    c_down = lo / float(stats.chi2.ppf(POWER, k))
    reject = not lo <= stat <= hi
    rule = (f"df·estimate/target = {_fmtv(stat)} {'outside' if reject else 'inside'} "
            f"[{_fmtv(lo)}, {_fmtv(hi)}] (exact χ²_{{{_fmt(k)}}} quantiles at α/2)")
    return Decision(outcome="fail" if reject else "pass", kind="chi2", rule=rule, estimate=est,
                    target=tgt, mcse=tgt * math.sqrt(2.0 / k),
                    ci=(est * k / hi, est * k / lo), margin=None, alpha=a,
                    delta=tgt * max(c_up - 1.0, 1.0 - c_down), n_reps=r, statistic=stat)


# --------------------------------------------------------------------------------------------
# 3. equivalence (limit claims)
# --------------------------------------------------------------------------------------------

def _band_outcome(lo: float, hi: float, band_lo: float, band_hi: float) -> tuple[str, str]:
    """Outcome of an interval [lo, hi] against the band [band_lo, band_hi], and the verb."""
    if band_lo <= lo and hi <= band_hi:
        return "pass", "inside"
    if hi < band_lo or lo > band_hi:
        return "fail", "outside"
    return "inconclusive", "straddles"


def equivalence(estimate: float, mcse: float, target: float, margin: float, *, alpha: float,
                n_reps: int) -> Decision:
    """Equivalence test (TOST) of ``|E[estimate] - target| <= margin`` -- limit claims.

    Rule: ``CI = estimate +- z_{1-alpha} * mcse``; each end is a one-sided bound at level
    ``1 - alpha`` (two one-sided tests, so the interval has two-sided level ``1 - 2 alpha``).

    * pass iff ``CI`` lies inside ``[target - margin, target + margin]``;
    * fail iff ``CI`` lies entirely outside it;
    * inconclusive otherwise (the interval straddles an edge of the band).

    If the true value lies in the band, P(fail) <= alpha; if it lies on an edge of the band (or
    beyond), P(pass) <= alpha.

    Detectable deviation (how far *beyond the margin* the true value must be for the rule to
    fail with probability >= 0.99)::

        delta = (z_{1-alpha} + z_{0.99}) * mcse.

    If ``|E[estimate] - target| >= margin + delta`` then P(fail) >= 0.99. (A pass is only
    possible when ``z_{1-alpha} * mcse < margin``.)

    Parameters
    ----------
    estimate, mcse, target : float
        Monte Carlo estimate, its MCSE (>= 0) and the limit value.
    margin : float
        Half-width of the equivalence band (> 0).
    alpha : float
        Error rate of each one-sided test, in (0, 0.5).
    n_reps : int
        Number of replications (>= 1).

    Returns
    -------
    Decision
        ``kind = "equivalence"``, ``margin`` set, ``statistic = |estimate - target|``.
    """
    est = _real(estimate, "estimate")
    se = _nonneg(mcse, "mcse")
    tgt = _real(target, "target")
    m = _positive(margin, "margin")
    a = _alpha(alpha, 0.5)
    r = _int(n_reps, "n_reps", 1)
    zc = _z(a)
    lo, hi = est - zc * se, est + zc * se
    band = (tgt - m, tgt + m)
    outcome, verb = _band_outcome(lo, hi, *band)
    rule = (f"CI [{_fmtv(lo)}, {_fmtv(hi)}] (z_{{1-alpha}} = {_fmt(zc)}) {verb} "
            f"[{_fmtv(band[0])}, {_fmtv(band[1])}]")
    return Decision(outcome=outcome, kind="equivalence", rule=rule, estimate=est, target=tgt,
                    mcse=se, ci=(lo, hi), margin=m, alpha=a,
                    delta=(zc + _Z_POWER) * se, n_reps=r, statistic=abs(est - tgt))


# --------------------------------------------------------------------------------------------
# 4. binomial rates
# --------------------------------------------------------------------------------------------

def _last_true(pred: Callable[[int], bool], lo: int, hi: int) -> int:
    """Largest k in [lo, hi] with pred(k), pred monotone non-increasing (True then False).

    Returns ``lo - 1`` if pred is False everywhere.
    """
    if not pred(lo):
        return lo - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pred(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _first_true(pred: Callable[[int], bool], lo: int, hi: int) -> int:
    """Smallest k in [lo, hi] with pred(k), pred monotone non-decreasing (False then True).

    Returns ``hi + 1`` if pred is False everywhere.
    """
    if not pred(hi):
        return hi + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _p_upper_tail(k: int, n: int, power: float = POWER) -> float:
    """Smallest p with ``P_p(X >= k) >= power``, X ~ Binomial(n, p), 1 <= k <= n.

    ``P_p(X >= k) = I_p(k, n - k + 1)`` (regularized incomplete beta), increasing in p, so the
    root is a beta quantile; it is then nudged up until the binomial tail (scipy.stats.binom)
    confirms the power, so rounding never overstates it.
    """
    p = float(stats.beta.ppf(power, k, n - k + 1))
    while stats.binom.sf(k - 1, n, p) < power and p < 1.0:
        p = min(1.0, p + max(abs(p) * 1e-15, 1e-300))
    return p


def _p_lower_tail(k: int, n: int, power: float = POWER) -> float:
    """Largest p with ``P_p(X <= k) >= power``, 0 <= k <= n - 1 (mirror of _p_upper_tail).

    ``P_p(X <= k) = 1 - I_p(k + 1, n - k)``, decreasing in p.
    """
    p = float(stats.beta.ppf(1.0 - power, k + 1, n - k))
    while stats.binom.cdf(k, n, p) < power and p > 0.0:
        p = max(0.0, p - max(abs(p) * 1e-15, 1e-300))
    return p


def _dist_up(p_star: float, ref: float) -> float:
    """Smallest float d >= 0 with ``ref + d >= p_star`` (after rounding)."""
    d = max(0.0, p_star - ref)
    while ref + d < p_star:
        d = math.nextafter(d, math.inf)
    return d


def _dist_down(p_star: float, ref: float) -> float:
    """Smallest float d >= 0 with ``ref - d <= p_star`` (after rounding)."""
    d = max(0.0, ref - p_star)
    while ref - d > p_star:
        d = math.nextafter(d, math.inf)
    return d


@functools.lru_cache(maxsize=256)
def _binom_delta_test(n: int, p0: float, alpha: float, alternative: str) -> float | None:
    """Smallest |p - p0| rejected with probability >= 0.99 by the exact binomial test."""

    def rejects(k: int) -> bool:
        return stats.binomtest(k, n, p0, alternative=alternative).pvalue < alpha

    mode = min(n, int(math.floor((n + 1) * p0)))
    deltas = []
    if alternative in ("two-sided", "greater") and p0 < 1.0:
        lo = mode if alternative == "two-sided" else 0
        k_hi = _first_true(rejects, lo, n)
        deltas.append(math.inf if k_hi > n else _dist_up(_p_upper_tail(k_hi, n), p0))
    if alternative in ("two-sided", "less") and p0 > 0.0:
        hi = mode if alternative == "two-sided" else n
        k_lo = _last_true(rejects, 0, hi)
        deltas.append(math.inf if k_lo < 0 else _dist_down(_p_lower_tail(k_lo, n), p0))
    return max(deltas) if deltas else None


def _cp(k: int, n: int, alpha: float) -> tuple[float, float]:
    """Clopper-Pearson interval whose each end is a one-sided bound at level 1 - alpha."""
    return clopper_pearson(k, n, level=1.0 - 2.0 * alpha)


@functools.lru_cache(maxsize=256)
def _binom_delta_margin(n: int, p0: float, margin: float, alpha: float) -> float | None:
    """Smallest distance beyond the margin at which the CP equivalence rule fails w.p. >= 0.99."""
    deltas = []
    up, down = p0 + margin, p0 - margin
    if up < 1.0:
        k_star = _first_true(lambda k: _cp(k, n, alpha)[0] > up, 0, n)
        deltas.append(math.inf if k_star > n else _dist_up(_p_upper_tail(k_star, n), up))
    if down > 0.0:
        k_star = _last_true(lambda k: _cp(k, n, alpha)[1] < down, 0, n)
        deltas.append(math.inf if k_star < 0 else _dist_down(_p_lower_tail(k_star, n), down))
    return max(deltas) if deltas else None


def binomial_rate(successes: int, trials: int, p0: float, *, alpha: float,
                  alternative: Alternative = "two-sided",
                  margin: float | None = None) -> Decision:
    """Exact binomial test (or equivalence on the Clopper-Pearson interval) for a rate.

    Without ``margin`` (point claim "the rate is p0", or one-sided "<= p0" / ">= p0"):
    fail iff the exact binomial p-value (``scipy.stats.binomtest``, two-sided p-values by the
    "minlike" method) is ``< alpha``; otherwise pass. ``ci`` is the Clopper-Pearson interval at
    level ``1 - alpha`` for the same ``alternative``.

    With ``margin`` (limit claim "the rate tends to p0", e.g. coverage -> 0.95): the
    Clopper-Pearson interval whose ends are one-sided bounds at level ``1 - alpha`` (two-sided
    level ``1 - 2 alpha``) is compared with ``[p0 - margin, p0 + margin]``: pass iff inside,
    fail iff disjoint, inconclusive otherwise. Both error rates are <= alpha because the CP
    bounds are exact (conservative).

    Detectable deviation ``delta`` is computed exactly from binomial tails, not by a normal
    approximation. Let the rule fail for ``k >= k_hi`` (upper side) and ``k <= k_lo`` (lower
    side), found by bisection on the p-value (or CP bound), which is monotone in ``k`` on each
    side. ``P_p(X >= k_hi) = I_p(k_hi, n - k_hi + 1)`` is increasing in ``p``, so the smallest
    ``p`` with power 0.99 from that side is a beta quantile (checked with
    ``scipy.stats.binom.sf``). Then ``delta`` is the larger of the two one-sided distances
    (from ``p0``, or from the edges ``p0 +- margin`` with a margin): every deviation of at least
    ``delta`` in a direction the rule tests is detected with probability >= 0.99 (``inf`` if
    the budget cannot detect any; ``None`` if no deviation is possible, e.g. ``p0 = 0`` with
    ``alternative="less"``).

    Parameters
    ----------
    successes, trials : int
        Number of successes ``0 <= k <= n`` and of trials ``n >= 1``.
    p0 : float
        Hypothesised rate in [0, 1].
    alpha : float
        Probability of failing a true claim, in (0, 1) (in (0, 0.5) with ``margin``).
    alternative : {"two-sided", "less", "greater"}
        Direction of the test without margin ("less": the claim fails if the rate is below
        ``p0``). Must be "two-sided" with ``margin``.
    margin : float, optional
        Half-width of the equivalence band (> 0).

    Returns
    -------
    Decision
        ``kind = "binomial"``, ``estimate = k / n``, ``statistic`` = p-value (test) or
        ``k / n`` (equivalence).
    """
    n = _int(trials, "trials", 1)
    if isinstance(successes, (bool, np.bool_)) or not isinstance(successes, numbers.Integral) \
            or not 0 <= successes <= n:
        raise ValueError(f"`successes` must be an integer in [0, trials], got {successes!r}.")
    k = int(successes)
    p = _real(p0, "p0")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"`p0` must lie in [0, 1], got {p0!r}.")
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(f"`alternative` must be 'two-sided', 'less' or 'greater', "
                         f"got {alternative!r}.")
    phat = k / n
    if margin is None:
        a = _alpha(alpha)
        res = stats.binomtest(k, n, p, alternative=alternative)
        ci = clopper_pearson(k, n, level=1.0 - a, alternative=alternative)
        reject = res.pvalue < a
        rule = (f"p-value {_fmt(res.pvalue)} {'<' if reject else '>='} alpha {_fmt(a)} "
                f"(exact binomial, {alternative}: k = {k} of n = {n}, p0 = {_fmtv(p)})")
        return Decision(outcome="fail" if reject else "pass", kind="binomial", rule=rule,
                        estimate=phat, target=p, mcse=math.sqrt(phat * (1 - phat) / n),
                        ci=ci, margin=None, alpha=a,
                        delta=_binom_delta_test(n, p, a, alternative), n_reps=n,
                        statistic=float(res.pvalue))
    m = _positive(margin, "margin")
    a = _alpha(alpha, 0.5)
    if alternative != "two-sided":
        raise ValueError("`alternative` must be 'two-sided' when `margin` is given.")
    lo, hi = _cp(k, n, a)
    band = (p - m, p + m)
    outcome, verb = _band_outcome(lo, hi, *band)
    rule = (f"Clopper-Pearson CI [{_fmtv(lo)}, {_fmtv(hi)}] (1 - 2 alpha, k = {k} of "
            f"n = {n}) {verb} [{_fmtv(band[0])}, {_fmtv(band[1])}]")
    return Decision(outcome=outcome, kind="binomial", rule=rule, estimate=phat, target=p,
                    mcse=math.sqrt(phat * (1 - phat) / n), ci=(lo, hi), margin=m, alpha=a,
                    delta=_binom_delta_margin(n, p, m, a), n_reps=n, statistic=phat)


# --------------------------------------------------------------------------------------------
# 5. Kolmogorov distance with the DKW band
# --------------------------------------------------------------------------------------------

def kolmogorov_distance(sample: object, cdf: Callable[[np.ndarray], np.ndarray], *,
                        axis: int = -1) -> float | np.ndarray:
    """Kolmogorov distance ``D = sup_x |F_R(x) - F(x)|`` of samples against a continuous CDF.

    Computed exactly at the jump points: with the sorted sample ``x_(1) <= ... <= x_(R)``,
    ``D = max_i max(i/R - F(x_(i)), F(x_(i)) - (i-1)/R)`` (ties are handled correctly because
    the maximum runs over all indices). For a discontinuous ``F`` the value uses ``F(x)``
    instead of the left limit ``F(x-)`` and can under-state the distance.

    Parameters
    ----------
    sample : array_like
        Finite values; ``axis`` indexes the observations, other axes independent samples.
    cdf : callable
        Vectorised reference CDF, values in [0, 1].
    axis : int, optional
        Axis of the observations (default last).

    Returns
    -------
    float or numpy.ndarray
    """
    x = np.asarray(sample, dtype=float)
    if x.ndim == 0 or x.size == 0:
        raise ValueError("`sample` must be a non-empty array.")
    if not np.all(np.isfinite(x)):
        raise ValueError("`sample` must contain only finite values.")
    if not callable(cdf):
        raise ValueError("`cdf` must be a callable returning CDF values.")
    x = np.sort(np.moveaxis(x, axis, -1), axis=-1)
    r = x.shape[-1]
    f = np.asarray(cdf(x), dtype=float)
    if f.shape != x.shape or not np.all((f >= 0.0) & (f <= 1.0)):
        raise ValueError("`cdf` must return values in [0, 1] with the shape of its input.")
    i = np.arange(1, r + 1, dtype=float)
    d = np.maximum((i / r - f).max(axis=-1), (f - (i - 1) / r).max(axis=-1))
    return float(d) if np.ndim(d) == 0 else d


def lattice_kolmogorov_distance(sample: object, cdf: Callable[[np.ndarray], np.ndarray]
                                ) -> float:
    """Kolmogorov distance of an integer-valued sample against an integer-valued law.

    Both the ECDF and ``F`` are right-continuous step functions with jumps only at integers, so
    ``sup_x |F_R(x) − F(x)|`` is attained at an integer: ``D = max_k |F_R(k) − F(k)|`` over
    ``k = min − 1, …, max`` of the sample (below it ``F_R = 0`` and ``F`` grows towards ``k =
    min − 1``; above it ``F_R = 1`` and ``1 − F`` shrinks). Unlike
    :func:`kolmogorov_distance`, atoms of the law are handled exactly.

    Parameters
    ----------
    sample : array_like
        Integer values (1-D, non-empty; floats holding integers are accepted).
    cdf : callable
        Vectorised CDF of the law at integer points, values in [0, 1].

    Returns
    -------
    float
    """
    x = np.asarray(sample, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)) or np.any(x != np.round(x)):
        raise ValueError("`sample` must be a non-empty 1-D array of integers.")
    if not callable(cdf):
        raise ValueError("`cdf` must be a callable returning CDF values.")
    k = np.arange(x.min() - 1, x.max() + 1)
    ecdf = np.searchsorted(np.sort(x), k, side="right") / x.size
    f = np.asarray(cdf(k), dtype=float)
    if f.shape != k.shape or not np.all((f >= 0.0) & (f <= 1.0)):
        raise ValueError("`cdf` must return values in [0, 1] with the shape of its input.")
    return float(np.max(np.abs(ecdf - f)))


def _dkw_eps(alpha: float, r: int) -> float:
    """Massart's DKW radius: P(sup|F_R - F| > eps) <= 2 exp(-2 R eps^2) = alpha."""
    return math.sqrt(math.log(2.0 / alpha) / (2.0 * r))


def dkw_radius(alpha: float, reps: int) -> float:
    """Massart's (1990) DKW radius ``sqrt(log(2/alpha) / (2 R))`` of an ECDF of ``R`` draws.

    ``P(sup|F_R - F| > radius) <= alpha``: the band :func:`dkw_kolmogorov` uses, for designs
    that size replications or margins from it.

    Parameters
    ----------
    alpha : float
        Probability that the band fails, in (0, 1).
    reps : int
        Number of draws ``R`` >= 1.
    """
    return _dkw_eps(_alpha(alpha), _int(reps, "reps", 1))


def dkw_delta(alpha: float, reps: int) -> float:
    """Detectable deviation of :func:`dkw_kolmogorov` at level ``alpha`` with ``reps`` draws:
    ``eps_alpha + eps_{0.01}`` (see its docstring), for designs that place controls in units
    of it. Parameters as :func:`dkw_radius`."""
    a, r = _alpha(alpha), _int(reps, "reps", 1)
    return _dkw_eps(a, r) + _dkw_eps(1.0 - POWER, r)


def dkw_kolmogorov(sample: object, cdf: Callable[[np.ndarray], np.ndarray], *, alpha: float,
                   margin: float | None = None, lattice: bool = False) -> Decision:
    """Distributional claim via the Kolmogorov distance and the DKW band.

    ``D = sup|F_R - F|`` (see :func:`kolmogorov_distance`) and ``eps = sqrt(log(2/alpha)/(2R))``,
    so that ``P(sup|F_R - G| > eps) <= alpha`` for the true law ``G`` (Dvoretzky-Kiefer-
    Wolfowitz inequality with Massart's 1990 tight constant; valid for any ``G`` and ``R``).

    * Without ``margin`` (claim "the law is F"): fail iff ``D > eps``, else pass.
    * With ``margin`` ``m`` (limit claim "the distance tends to 0; it is below m here"):
      pass iff ``D + eps <= m``; fail iff ``D - eps > m``; inconclusive otherwise.

    Detectable deviation::

        delta = eps_alpha + eps_{0.01},   eps_{0.01} = sqrt(log(2/0.01) / (2R)),

    since ``D >= sup|G - F| - sup|F_R - G|`` and ``sup|F_R - G| <= eps_{0.01}`` with probability
    >= 0.99: without margin a distance ``sup|G - F| >= delta`` fails w.p. >= 0.99; with margin a
    distance ``>= m + delta`` does. The rule is conservative (DKW is a bound).

    Parameters
    ----------
    sample : array_like
        One sample of size ``R >= 1`` (1-D, finite).
    cdf : callable
        Vectorised continuous reference CDF.
    alpha : float
        Probability of failing a true claim, in (0, 1).
    margin : float, optional
        Distance allowed by a limit claim (> 0).
    lattice : bool, optional
        The sample and the law are integer-valued: the distance is
        :func:`lattice_kolmogorov_distance` (exact with atoms; the DKW inequality holds for any
        law, so the rule keeps its α).

    Returns
    -------
    Decision
        ``kind = "dkw"``, ``estimate = statistic = D``, ``target = 0``,
        ``ci = (max(D - eps, 0), D + eps)``.
    """
    x = np.asarray(sample, dtype=float) if not isinstance(sample, (str, bytes)) else None
    if x is None or x.ndim != 1 or x.size == 0:
        raise ValueError("`sample` must be a non-empty 1-D array.")
    a = _alpha(alpha)
    m = _positive(margin, "margin") if margin is not None else None
    d = (lattice_kolmogorov_distance(x, cdf) if lattice
         else float(kolmogorov_distance(x, cdf)))
    r = x.size
    eps = _dkw_eps(a, r)
    delta = dkw_delta(a, r)
    ci = (max(d - eps, 0.0), d + eps)
    if m is None:
        reject = d > eps
        outcome = "fail" if reject else "pass"
        rule = f"D = {_fmt(d)} {'>' if reject else '<='} eps {_fmt(eps)} (DKW, R = {r})"
    else:
        if d + eps <= m:
            outcome, rule = "pass", f"D + eps = {_fmt(d + eps)} <= margin {_fmt(m)}"
        elif d - eps > m:
            outcome, rule = "fail", f"D - eps = {_fmt(d - eps)} > margin {_fmt(m)}"
        else:
            outcome = "inconclusive"
            rule = f"D - eps = {_fmt(d - eps)} <= margin {_fmt(m)} < D + eps = {_fmt(d + eps)}"
        rule += f" (D = {_fmt(d)}, eps {_fmt(eps)}, DKW, R = {r})"
    return Decision(outcome=outcome, kind="dkw", rule=rule, estimate=d, target=0.0, mcse=None,
                    ci=ci, margin=m, alpha=a, delta=delta, n_reps=r, statistic=d)


# --------------------------------------------------------------------------------------------
# 6. slopes (rate claims)
# --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1024)
def t_power_multiplier(alpha: float, df: float, power: float = POWER) -> float:
    """Multiplier ``lambda`` with ``P(T'_{df}(lambda) > t_{1-alpha, df}) = power``.

    ``T'_{df}(lambda) = (Z + lambda) / sqrt(chi2_df / df)`` is the noncentral t: a slope whose
    true value is ``lambda * SE`` beyond a bound is rejected by the one-sided t-test at level
    ``alpha`` with probability ``power``. For ``df = inf`` it is ``z_{1-alpha} + z_{power}``.
    For finite ``df`` it differs from the textbook approximation ``t_{1-alpha} + t_{power}``:
    that approximation is conservative for large ``alpha`` but overstates the power badly for
    small ``df`` and small ``alpha`` (power 0.65 instead of 0.99 for ``df = 3``,
    ``alpha = 1e-6``, the suite's regime). Computed by root finding on
    ``E_Z[F_{chi2_df}(df ((lambda + Z) / t_crit)^2) 1{lambda + Z > 0}]``, integrated with
    :func:`scipy.integrate.quad`.

    Parameters
    ----------
    alpha : float
        One-sided level, in (0, 0.5).
    df : float
        Degrees of freedom (> 0, may be ``inf``).
    power : float, optional
        Required power, in (0.5, 1).
    """
    a = _alpha(alpha, 0.5)
    if not (isinstance(df, numbers.Real) and df > 0):
        raise ValueError(f"`df` must be positive, got {df!r}.")
    if not 0.5 < power < 1.0:
        raise ValueError(f"`power` must lie in (0.5, 1), got {power!r}.")
    if math.isinf(df):
        return _z(a) + _z(1.0 - power)
    c = _t(a, float(df))

    def prob(lam: float) -> float:
        def integrand(z: float) -> float:
            return stats.norm.pdf(z) * stats.chi2.cdf(df * ((lam + z) / c) ** 2, df)
        # phi(z) < 1e-31 outside [-12, 12]; the integrand vanishes for z < -lam.
        z_lo = max(-lam, -12.0)
        pts = [p for p in (0.0, -lam + 1.0) if z_lo < p < 12.0]
        val, _ = integrate.quad(integrand, z_lo, 12.0, points=pts or None, limit=200,
                                epsabs=1e-13, epsrel=1e-12)
        return val + float(stats.norm.sf(12.0))

    lo = c
    hi = c + _z(1.0 - power)
    while prob(hi) < power:
        lo, hi = hi, 2.0 * hi
    return float(optimize.brentq(lambda lam: prob(lam) - power, lo, hi, xtol=1e-10,
                                 rtol=1e-12))


def _fit(x: object, y: object, y_se: object | None, scale: str) -> tuple[float, float, float, int]:
    """(Weighted) least-squares slope, its standard error, degrees of freedom and n."""
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.ndim != 1 or ya.ndim != 1 or xa.shape != ya.shape:
        raise ValueError("`x` and `y` must be 1-D arrays of the same length.")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise ValueError("`x` and `y` must contain only finite values.")
    if scale not in ("estimated", "known"):
        raise ValueError(f"`scale` must be 'estimated' or 'known', got {scale!r}.")
    n = xa.size
    if y_se is None:
        if scale == "known":
            raise ValueError("`y_se` must be given when `scale` is 'known'.")
        w = np.ones(n)
    else:
        s = np.asarray(y_se, dtype=float)
        if s.shape != xa.shape or not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise ValueError("`y_se` must be positive finite standard errors, one per point.")
        w = 1.0 / s ** 2
    need = 3 if scale == "estimated" else 2
    if n < need:
        raise ValueError(f"`x` must hold at least {need} points, got {n}.")
    xbar = np.sum(w * xa) / np.sum(w)
    ybar = np.sum(w * ya) / np.sum(w)
    dx = xa - xbar
    sxx = float(np.sum(w * dx ** 2))
    if not sxx > 0 or np.ptp(xa) == 0:
        raise ValueError("`x` must not be constant.")
    b = float(np.sum(w * dx * (ya - ybar)) / sxx)
    if scale == "known":
        return b, math.sqrt(1.0 / sxx), math.inf, n
    resid = ya - ybar - b * dx
    s2 = float(np.sum(w * resid ** 2)) / (n - 2)
    return b, math.sqrt(s2 / sxx), float(n - 2), n


def slope(x: object, y: object, *, target: float, margin: float, alpha: float,
          y_se: object | None = None, scale: Literal["estimated", "known"] = "estimated"
          ) -> Decision:
    """Rate claim: the slope of ``y`` on ``x`` (e.g. log error on log n) is ``target +- margin``.

    Fits ``y = a + b x`` by ordinary least squares, or by weighted least squares with weights
    ``1 / y_se^2`` when per-point standard errors ``y_se`` are given. ``SE(b)`` is
    ``sqrt(s^2 / Sxx_w)`` with the residual variance ``s^2`` on ``n - 2`` degrees of freedom
    (``scale="estimated"``: valid when ``y_se`` is right up to a common factor, and robust to
    mild misfit) or ``sqrt(1 / Sxx_w)`` with a normal quantile (``scale="known"``: ``y_se`` are
    the exact standard deviations).

    Rule (TOST, as :func:`equivalence`): ``CI = b +- t_{1-alpha, n-2} * SE(b)``;
    pass iff ``CI`` lies inside ``[target - margin, target + margin]``, fail iff it lies
    entirely outside, inconclusive otherwise. If the true slope is inside the band,
    P(fail) <= alpha; on an edge, P(pass) <= alpha (exact under normal errors).

    Detectable deviation beyond the margin::

        delta = lambda * SE(b),   P(T'_{n-2}(lambda) > t_{1-alpha, n-2}) = 0.99,

    with the noncentral-t multiplier of :func:`t_power_multiplier`. For ``df -> inf`` (and for
    ``scale="known"``) ``lambda = z_{1-alpha} + z_{0.99}``; the approximation
    ``(t_{1-alpha} + t_{0.99}) * SE`` under-states delta for few points at small alpha (it
    gives power 0.65, not 0.99, for 5 points at alpha = 1e-6), so the exact multiplier is used.

    Parameters
    ----------
    x, y : array_like
        1-D arrays of equal length (>= 3 points; >= 2 with ``scale="known"``), ``x`` not constant.
    target : float
        Claimed slope.
    margin : float
        Half-width of the equivalence band (> 0).
    alpha : float
        Error rate of each one-sided test, in (0, 0.5).
    y_se : array_like, optional
        Standard errors of the ``y`` values (> 0) for weighted least squares.
    scale : {"estimated", "known"}
        Whether the residual scale is estimated (t-interval) or ``y_se`` is exact (z-interval).

    Returns
    -------
    Decision
        ``kind = "slope"``, ``estimate = statistic = b``, ``mcse = SE(b)``,
        ``n_reps`` = number of points.
    """
    tgt = _real(target, "target")
    m = _positive(margin, "margin")
    a = _alpha(alpha, 0.5)
    b, se, df, n = _fit(x, y, y_se, scale)
    tc = _t(a, df)
    lo, hi = b - tc * se, b + tc * se
    band = (tgt - m, tgt + m)
    outcome, verb = _band_outcome(lo, hi, *band)
    df_txt = "inf" if math.isinf(df) else f"{int(df)}"
    rule = (f"slope CI [{_fmtv(lo)}, {_fmtv(hi)}] (b = {_fmtv(b)}, SE = {_fmt(se)}, "
            f"t_crit {_fmt(tc)}, df {df_txt}) {verb} [{_fmtv(band[0])}, {_fmtv(band[1])}]")
    return Decision(outcome=outcome, kind="slope", rule=rule, estimate=b, target=tgt, mcse=se,
                    ci=(lo, hi), margin=m, alpha=a, delta=t_power_multiplier(a, df) * se,
                    n_reps=n, statistic=b)


def slope_below(x: object, y: object, *, bound: float, alpha: float,
                y_se: object | None = None,
                scale: Literal["estimated", "known"] = "estimated") -> Decision:
    """One-sided slope claim "the slope is below ``bound``" (e.g. ``bound = 0``: y decreases).

    Same fit and interval as :func:`slope`: ``CI = b +- t_{1-alpha, n-2} * SE(b)``.

    * pass iff the whole ``CI`` is below ``bound`` (``hi < bound``);
    * fail iff the whole ``CI`` is at or above ``bound`` (``lo >= bound``) -- e.g. evidence
      that an error does *not* decrease;
    * inconclusive otherwise.

    If the true slope is ``< bound``, P(fail) <= alpha; if it is ``>= bound``, P(pass) <= alpha.
    ``delta = lambda * SE(b)`` (see :func:`slope`): a true slope ``>= bound + delta`` fails
    with probability >= 0.99.

    Parameters
    ----------
    x, y, y_se, scale
        As in :func:`slope`.
    bound : float
        The claimed upper bound of the slope.
    alpha : float
        Error rate of each one-sided test, in (0, 0.5).

    Returns
    -------
    Decision
        ``kind = "slope"``, ``target = bound``.
    """
    bd = _real(bound, "bound")
    a = _alpha(alpha, 0.5)
    b, se, df, n = _fit(x, y, y_se, scale)
    tc = _t(a, df)
    lo, hi = b - tc * se, b + tc * se
    if hi < bd:
        outcome, rel = "pass", f"CI upper {_fmtv(hi)} < bound {_fmtv(bd)}"
    elif lo >= bd:
        outcome, rel = "fail", f"CI lower {_fmtv(lo)} >= bound {_fmtv(bd)}"
    else:
        outcome, rel = "inconclusive", (f"CI [{_fmtv(lo)}, {_fmtv(hi)}] contains "
                                        f"bound {_fmtv(bd)}")
    df_txt = "inf" if math.isinf(df) else f"{int(df)}"
    rule = f"{rel} (b = {_fmtv(b)}, SE = {_fmt(se)}, t_crit {_fmt(tc)}, df {df_txt})"
    return Decision(outcome=outcome, kind="slope", rule=rule, estimate=b, target=bd, mcse=se,
                    ci=(lo, hi), margin=None, alpha=a, delta=t_power_multiplier(a, df) * se,
                    n_reps=n, statistic=b)


def binomial_trend(x: object, successes: object, trials: object, *, alpha: float) -> Decision:
    """One-sided trend claim "the event's probability decreases in ``x``" (e.g. a tail
    probability along log n), by logistic regression on grouped binomial counts.

    Fits ``logit P(event | x) = a + b x`` by maximum likelihood (Newton's method on the grouped
    counts) and uses the Wald interval ``b ± z_{1−α} SE(b)``, ``SE(b)`` from the inverse Fisher
    information (McCullagh & Nelder 1989, §4.4):

    * pass iff the whole interval is below 0 (evidence that the probability falls);
    * fail iff the whole interval is at or above 0;
    * inconclusive otherwise, and when the MLE does not exist (all counts 0, all equal to the
      trials, or separated), which the rule reports instead of deciding.

    If the true slope is ``>= 0``, P(pass) <= α (asymptotically in the counts); a true slope
    ``<= −delta`` passes with probability >= 0.99, ``delta = (z_{1−α} + z_{0.99}) SE(b)``.

    Parameters
    ----------
    x : array_like
        Covariate values (1-D, >= 2 distinct values).
    successes, trials : array_like
        Event counts and replications per value of ``x`` (integers, 0 <= successes <= trials,
        trials >= 1).
    alpha : float
        One-sided level, in (0, 0.5).

    Returns
    -------
    Decision
        ``kind = "trend"``, ``estimate = statistic = b``, ``mcse = SE(b)``, ``target = 0``.

    References
    ----------
    McCullagh, P. & Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed., Chapman & Hall.
    """
    a = _alpha(alpha, 0.5)
    xa = np.asarray(x, dtype=float)
    k = np.asarray(successes)
    t = np.asarray(trials)
    if xa.ndim != 1 or xa.size < 2 or not np.all(np.isfinite(xa)) or np.ptp(xa) == 0:
        raise ValueError("`x` must be a 1-D array of finite values, not all equal.")
    for name, arr in (("successes", k), ("trials", t)):
        if arr.shape != xa.shape or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"`{name}` must be integers, one per value of `x`.")
    if np.any(t < 1) or np.any(k < 0) or np.any(k > t):
        raise ValueError("`successes` must lie in [0, trials] and `trials` must be >= 1.")
    design = np.column_stack([np.ones_like(xa), xa - xa.mean()])
    beta = np.array([math.log((k.sum() + 0.5) / (t.sum() - k.sum() + 0.5)), 0.0])
    converged = False
    for _ in range(100):
        eta = design @ beta
        p = special.expit(eta)
        w = t * p * (1 - p)
        info = design.T @ (w[:, None] * design)
        grad = design.T @ (k - t * p)
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            break
        beta = beta + step
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 50:
            break
        if np.max(np.abs(step)) <= 1e-12 * (1 + np.max(np.abs(beta))):
            converged = True
            break
    n_pts = int(xa.size)
    if not converged:
        return Decision(outcome="inconclusive", kind="trend",
                        rule="the logistic-regression MLE of the trend does not exist "
                             "(separated or degenerate counts): no decision",
                        estimate=math.nan, target=0.0, alpha=a, n_reps=n_pts)
    p = special.expit(design @ beta)
    info = design.T @ ((t * p * (1 - p))[:, None] * design)
    se = float(math.sqrt(np.linalg.inv(info)[1, 1]))
    b = float(beta[1])
    zc = _z(a)
    lo, hi = b - zc * se, b + zc * se
    if hi < 0:
        outcome, rel = "pass", f"CI upper {_fmtv(hi)} < 0"
    elif lo >= 0:
        outcome, rel = "fail", f"CI lower {_fmtv(lo)} >= 0"
    else:
        outcome, rel = "inconclusive", f"CI [{_fmtv(lo)}, {_fmtv(hi)}] contains 0"
    rule = (f"logistic trend slope {rel} (b = {_fmtv(b)}, SE = {_fmt(se)}, z_{{1-alpha}} "
            f"{_fmt(zc)}, {n_pts} points, {int(t.sum())} trials)")
    return Decision(outcome=outcome, kind="trend", rule=rule, estimate=b, target=0.0, mcse=se,
                    ci=(lo, hi), margin=None, alpha=a, delta=(zc + _Z_POWER) * se,
                    n_reps=int(t.sum()), statistic=b)
