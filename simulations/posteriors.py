r"""Conjugate posteriors, MAP estimates in closed form, and the prior -> penalty mappings.

Bayes' theorem ``p(theta | D) = p(D | theta) p(theta) / p(D)`` with an evidence ``p(D)`` that
does not depend on ``theta`` gives

    argmax_theta p(theta | D) = argmax_theta p(D | theta) p(theta)
                              = argmin_theta [ NLL(theta) - log p(theta) ],

the *maximum a posteriori* (MAP) estimate. This module provides

* Beta--Bernoulli: prior ``p ~ Beta(a, b)``, ``k`` successes in ``n`` Bernoulli trials, posterior
  ``Beta(a + k, b + n - k)``, MAP ``(k + a - 1) / (n + a + b - 2)``; the flat prior ``a = b = 1``
  gives the MLE ``k / n``;
* Normal--Normal (known ``sigma``): prior ``mu ~ N(m0, s0^2)``, posterior normal with precision
  ``1/s0^2 + n/sigma^2``; MAP = posterior mean;
* the linear-Gaussian model ``y | w ~ N(Xw, sigma^2 I)`` with a Gaussian or Laplace prior on
  ``w`` and the penalties these priors induce (:func:`gaussian_prior_ridge_lambda`,
  :func:`laplace_prior_lasso_lambda`).

Derivation of the prior -> penalty mappings
-------------------------------------------
With ``y | w ~ N(Xw, sigma^2 I_n)`` the negative log-likelihood is
``NLL(w) = RSS(w) / (2 sigma^2) + (n/2) log(2 pi sigma^2)``, ``RSS(w) = ||y - Xw||^2``.

*Gaussian prior* ``w ~ N(0, tau^2 I_p)``: ``-log p(w) = ||w||^2 / (2 tau^2) + const``, so

    -log p(w | y) = RSS(w) / (2 sigma^2) + ||w||^2 / (2 tau^2) + const
                  = [ RSS(w) + (sigma^2 / tau^2) ||w||^2 ] / (2 sigma^2) + const.

Multiplying by the positive constant ``2 sigma^2`` does not move the minimiser: the MAP is
**ridge with lam = sigma^2 / tau^2** in the ``RSS + lam ||w||^2`` convention of
:mod:`simulations.penalised` (Hoerl & Kennard 1970). Since the posterior is Gaussian the mode
is also the posterior mean ``(X'X + lam I)^{-1} X'y``.

*Laplace prior* ``w_j ~ Laplace(0, b)`` i.i.d., density ``exp(-|w_j| / b) / (2b)``:
``-log p(w) = ||w||_1 / b + p log(2b)``, so

    -log p(w | y) = RSS(w) / (2 sigma^2) + ||w||_1 / b + const
                  = [ RSS(w) + (2 sigma^2 / b) ||w||_1 ] / (2 sigma^2) + const:

the MAP is the **lasso with lam = 2 sigma^2 / b** in the ``RSS + lam ||w||_1`` convention
(Tibshirani 1996, §5). In the ``RSS / (2n) + alpha ||w||_1`` convention of glmnet this is
``alpha = sigma^2 / (n b)``.

References
----------
Gelman, A. et al. (2013). Bayesian Data Analysis, 3rd ed., §2.4 (Beta--Binomial) and §2.5
(normal mean with known variance).
Murphy, K. P. (2012). Machine Learning: A Probabilistic Perspective, §7.5 (ridge as MAP) and
§13.3 (lasso as MAP with a Laplace prior).
Hoerl, A. E. & Kennard, R. W. (1970). Ridge regression. Technometrics 12(1), 55-67.
Tibshirani, R. (1996). Regression shrinkage and selection via the lasso. JRSS B 58(1), 267-288.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from simulations.losses import gaussian_nll, laplace_nll
from simulations.design import as_design, fitted, xt_dot
from simulations.penalised import sufficient_statistics
from simulations.regression import gaussian_regression_nll
from claimkit.validation import as_finite_array, positive_array, positive_scalar

__all__ = [
    "BetaPosterior",
    "GaussianLinearPosterior",
    "NormalPosterior",
    "bernoulli_mle",
    "beta_bernoulli_log_evidence",
    "beta_bernoulli_map",
    "beta_bernoulli_neg_log_posterior",
    "beta_bernoulli_posterior",
    "gaussian_linear_posterior",
    "gaussian_prior_neg_log_posterior",
    "gaussian_prior_neg_log_posterior_grad",
    "gaussian_prior_ridge_lambda",
    "laplace_prior_lasso_lambda",
    "laplace_prior_neg_log_posterior",
    "linear_gaussian_nll_grad",
    "normal_normal_map",
    "normal_normal_neg_log_posterior",
    "normal_normal_posterior",
]


def _out(x: np.ndarray) -> float | np.ndarray:
    """0-d arrays become Python floats."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


# --------------------------------------------------------------------------- Beta--Bernoulli


@dataclass(frozen=True, slots=True)
class BetaPosterior:
    """A Beta(a, b) posterior (arrays broadcast: one posterior per element).

    Attributes
    ----------
    a, b : float or numpy.ndarray
        Shape parameters ``> 0``.
    """

    a: float | np.ndarray
    b: float | np.ndarray

    @property
    def mean(self) -> float | np.ndarray:
        """Posterior mean ``a / (a + b)``."""
        return _out(np.asarray(self.a) / (np.asarray(self.a) + np.asarray(self.b)))

    @property
    def mode(self) -> float | np.ndarray:
        """Posterior mode (see :func:`beta_bernoulli_map` for the cases)."""
        return _beta_mode(np.asarray(self.a, dtype=float), np.asarray(self.b, dtype=float))

    def frozen(self) -> stats.rv_continuous:
        """The posterior as a frozen ``scipy.stats.beta`` distribution."""
        return stats.beta(self.a, self.b)


def _counts(k: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate success counts ``0 <= k <= n`` and trial counts ``n >= 1`` (integer-valued)."""
    k_ = as_finite_array(k, "k", dtype=np.float64)
    n_ = as_finite_array(n, "n", dtype=np.float64)
    if np.any(n_ != np.round(n_)) or np.any(n_ < 1):
        raise ValueError("`n` must hold integers >= 1.")
    if np.any(k_ != np.round(k_)) or np.any(k_ < 0):
        raise ValueError("`k` must hold non-negative integers.")
    try:
        k_, n_ = np.broadcast_arrays(k_, n_)
    except ValueError:
        raise ValueError(f"`k` and `n` must broadcast, got shapes {k_.shape} and "
                         f"{n_.shape}.") from None
    if np.any(k_ > n_):
        raise ValueError("`k` must not exceed `n`.")
    return k_, n_


def _beta_inputs(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts and prior shapes (``> 0``), broadcast together."""
    k_, n_ = _counts(k, n)
    a_ = positive_array(a, "a").astype(np.float64, copy=False)
    b_ = positive_array(b, "b").astype(np.float64, copy=False)
    try:
        return tuple(np.broadcast_arrays(k_, n_, a_, b_))  # type: ignore[return-value]
    except ValueError:
        raise ValueError(f"`a` and `b` must broadcast against `k` and `n`, got shapes "
                         f"{a_.shape}, {b_.shape} and {k_.shape}.") from None


def _beta_mode(a: np.ndarray, b: np.ndarray) -> float | np.ndarray:
    if np.any((a <= 1) & (b <= 1)):
        raise ValueError("`a` and `b` give a posterior Beta(a', b') with a' <= 1 and b' <= 1, "
                         "whose mode is not unique.")
    interior = (a - 1) / np.where((a > 1) & (b > 1), a + b - 2, 1.0)
    return _out(np.where(a < 1, 0.0, np.where(b < 1, 1.0,
                                              np.where((a > 1) & (b > 1), interior,
                                                       np.where(a == 1, 0.0, 1.0)))))


def beta_bernoulli_posterior(k: ArrayLike, n: ArrayLike, a: float = 1.0,
                             b: float = 1.0) -> BetaPosterior:
    """Posterior of a Bernoulli probability after ``k`` successes in ``n`` trials.

    Parameters
    ----------
    k : int or array_like
        Successes, ``0 <= k <= n``.
    n : int or array_like
        Trials, ``>= 1``.
    a, b : float or array_like, optional
        Prior ``Beta(a, b)`` shape parameters, ``> 0`` (default the flat prior); arrays
        broadcast against ``k`` and ``n``.

    Returns
    -------
    BetaPosterior
        ``Beta(a + k, b + n - k)``.

    References
    ----------
    Gelman et al. (2013), Bayesian Data Analysis, §2.4.
    """
    k_, n_, a_, b_ = _beta_inputs(k, n, a, b)
    return BetaPosterior(a=_out(a_ + k_), b=_out(b_ + n_ - k_))


def beta_bernoulli_map(k: ArrayLike, n: ArrayLike, a: float = 1.0,
                       b: float = 1.0) -> float | np.ndarray:
    r"""MAP of a Bernoulli probability under a ``Beta(a, b)`` prior.

    Setting the derivative of ``(k + a - 1) log p + (n - k + b - 1) log(1 - p)`` to zero gives

    .. math:: \hat p_{MAP} = \frac{k + a - 1}{n + a + b - 2}

    when both posterior shapes ``a' = k + a`` and ``b' = n - k + b`` exceed 1. When one of
    them is ``<= 1`` (and the other ``> 1``) the log posterior is monotone and the mode sits on
    the boundary (``0`` if ``a' <= 1``, ``1`` if ``b' <= 1``; for ``a' = 1`` the formula gives the
    same ``0``). With the flat prior ``a = b = 1`` the MAP is the MLE ``k / n``.

    Parameters
    ----------
    k, n, a, b
        As in :func:`beta_bernoulli_posterior`.

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    ValueError
        If ``a' <= 1`` and ``b' <= 1`` (uniform or U-shaped posterior: no unique mode).
    """
    return beta_bernoulli_posterior(k, n, a, b).mode


def bernoulli_mle(k: ArrayLike, n: ArrayLike) -> float | np.ndarray:
    """Maximum-likelihood estimate ``k / n`` of a Bernoulli probability.

    Parameters
    ----------
    k, n : int or array_like
        Successes and trials (``0 <= k <= n``, ``n >= 1``).

    Returns
    -------
    float or numpy.ndarray
    """
    k_, n_ = _counts(k, n)
    return _out(k_ / n_)


def beta_bernoulli_neg_log_posterior(p: ArrayLike, k: ArrayLike, n: ArrayLike, a: float = 1.0,
                                     b: float = 1.0) -> float | np.ndarray:
    r"""``NLL(p) - log prior(p)``: the unnormalised negative log posterior of a Bernoulli ``p``.

    .. math:: -[k \log p + (n-k)\log(1-p)] - [(a-1)\log p + (b-1)\log(1-p) - \log B(a, b)]

    for one *sequence* with ``k`` successes in ``n`` trials. It differs from
    ``-log Beta(p; a + k, b + n - k)`` by the log evidence
    :func:`beta_bernoulli_log_evidence`, a constant in ``p``.

    Parameters
    ----------
    p : float or array_like
        Probabilities in ``[0, 1]`` (broadcast against ``k`` and ``n``).
    k, n, a, b
        As in :func:`beta_bernoulli_posterior`.

    Returns
    -------
    float or numpy.ndarray
        ``inf`` where the posterior density is 0 (e.g. ``p = 0`` with ``k + a > 1``).
    """
    p_ = as_finite_array(p, "p", dtype=np.float64)
    if np.any((p_ < 0) | (p_ > 1)):
        raise ValueError("`p` must lie in [0, 1].")
    k_, n_, a_, b_ = _beta_inputs(k, n, a, b)
    nll = -(special.xlogy(k_, p_) + special.xlog1py(n_ - k_, -p_))
    neg_log_prior = -(special.xlogy(a_ - 1, p_) + special.xlog1py(b_ - 1, -p_)) \
        + special.betaln(a_, b_)
    return _out(nll + neg_log_prior)


def beta_bernoulli_log_evidence(k: ArrayLike, n: ArrayLike, a: float = 1.0,
                                b: float = 1.0) -> float | np.ndarray:
    """Log marginal likelihood ``log B(a + k, b + n - k) - log B(a, b)`` of one sequence.

    Parameters
    ----------
    k, n, a, b
        As in :func:`beta_bernoulli_posterior`.

    Returns
    -------
    float or numpy.ndarray
    """
    k_, n_, a_, b_ = _beta_inputs(k, n, a, b)
    return _out(special.betaln(a_ + k_, b_ + n_ - k_) - special.betaln(a_, b_))


# --------------------------------------------------------------------------- Normal--Normal


@dataclass(frozen=True, slots=True)
class NormalPosterior:
    """A normal posterior ``N(mean, sd^2)`` (arrays: one posterior per element).

    Attributes
    ----------
    mean : float or numpy.ndarray
        Posterior mean, which is also the mode (the MAP).
    sd : float or numpy.ndarray
        Posterior standard deviation.
    """

    mean: float | np.ndarray
    sd: float | np.ndarray

    @property
    def mode(self) -> float | np.ndarray:
        """Posterior mode: equal to the mean for a normal law."""
        return self.mean

    def frozen(self) -> stats.rv_continuous:
        """The posterior as a frozen ``scipy.stats.norm`` distribution."""
        return stats.norm(loc=self.mean, scale=self.sd)


def normal_normal_posterior(x: ArrayLike, sigma: float, prior_mean: float, prior_sd: float, *,
                            axis: int = -1) -> NormalPosterior:
    r"""Posterior of a normal mean with known ``sigma`` under a ``N(prior_mean, prior_sd^2)`` prior.

    .. math::
        \frac{1}{s_n^2} = \frac{1}{s_0^2} + \frac{n}{\sigma^2}, \qquad
        m_n = s_n^2 \left(\frac{m_0}{s_0^2} + \frac{\sum_i x_i}{\sigma^2}\right).

    Parameters
    ----------
    x : array_like
        Observations; ``axis`` indexes them, other axes are independent data sets.
    sigma : float
        Known noise standard deviation, ``> 0``.
    prior_mean : float
        Prior mean ``m0``.
    prior_sd : float
        Prior standard deviation ``s0 > 0``.
    axis : int, optional
        Observation axis (default last).

    Returns
    -------
    NormalPosterior

    References
    ----------
    Gelman et al. (2013), Bayesian Data Analysis, §2.5, eqs. (2.11)-(2.12).
    """
    x_ = as_finite_array(x, "x", min_ndim=1, dtype=np.float64)
    s = positive_scalar(sigma, "sigma")
    m0 = float(as_finite_array(prior_mean, "prior_mean", ndim=0))
    s0 = positive_scalar(prior_sd, "prior_sd")
    x_ = np.moveaxis(x_, axis, -1)
    n = x_.shape[-1]
    precision = 1.0 / s0 ** 2 + n / s ** 2
    mean = (m0 / s0 ** 2 + x_.sum(axis=-1) / s ** 2) / precision
    return NormalPosterior(mean=_out(mean), sd=float(1.0 / np.sqrt(precision)))


def normal_normal_map(x: ArrayLike, sigma: float, prior_mean: float, prior_sd: float, *,
                      axis: int = -1) -> float | np.ndarray:
    """MAP of a normal mean: the posterior mean of :func:`normal_normal_posterior`.

    Parameters
    ----------
    x, sigma, prior_mean, prior_sd, axis
        As in :func:`normal_normal_posterior`.

    Returns
    -------
    float or numpy.ndarray
    """
    return normal_normal_posterior(x, sigma, prior_mean, prior_sd, axis=axis).mode


def normal_normal_neg_log_posterior(mu: ArrayLike, x: ArrayLike, sigma: float,
                                    prior_mean: float, prior_sd: float) -> float | np.ndarray:
    """``NLL(mu) - log prior(mu) = -sum_i log N(x_i; mu, sigma^2) - log N(mu; m0, s0^2)``.

    Parameters
    ----------
    mu : float or array_like
        Candidate means (any shape; evaluated elementwise).
    x : array_like
        One data set, 1-D.
    sigma, prior_mean, prior_sd
        As in :func:`normal_normal_posterior`.

    Returns
    -------
    float or numpy.ndarray
        Shape of ``mu``.
    """
    mu_ = as_finite_array(mu, "mu", dtype=np.float64)
    x_ = as_finite_array(x, "x", ndim=1, dtype=np.float64)
    s = positive_scalar(sigma, "sigma")
    m0 = float(as_finite_array(prior_mean, "prior_mean", ndim=0))
    s0 = positive_scalar(prior_sd, "prior_sd")
    shape = mu_.shape + x_.shape
    nll = gaussian_nll(np.broadcast_to(x_, shape), np.broadcast_to(mu_[..., None], shape), s)
    prior = gaussian_nll(mu_, np.full(mu_.shape, m0), s0)
    return _out(nll.sum(axis=-1) + prior)


# --------------------------------------------------------------------------- linear model


def gaussian_prior_ridge_lambda(sigma: float, tau: float) -> float:
    r"""Ridge penalty induced by the prior ``w ~ N(0, tau^2 I)`` when ``y | w ~ N(Xw, sigma^2 I)``.

    ``-log p(w | y) = [RSS(w) + (sigma^2 / tau^2) ||w||^2] / (2 sigma^2) + const``, so the MAP is
    ridge with ``lam = sigma^2 / tau^2`` in the ``RSS + lam ||w||^2`` convention (derivation in
    the module docstring). A vaguer prior (larger ``tau``) or less noise gives a smaller
    penalty; ``tau -> inf`` recovers least squares, the MLE.

    Parameters
    ----------
    sigma : float
        Noise standard deviation, ``> 0``.
    tau : float
        Prior standard deviation of each coefficient, ``> 0``.

    Returns
    -------
    float

    References
    ----------
    Hoerl & Kennard (1970); Murphy (2012), §7.5.1.
    """
    return positive_scalar(sigma, "sigma") ** 2 / positive_scalar(tau, "tau") ** 2


def laplace_prior_lasso_lambda(sigma: float, b: float) -> float:
    r"""Lasso penalty induced by i.i.d. ``Laplace(0, b)`` priors when ``y | w ~ N(Xw, sigma^2 I)``.

    ``-log p(w | y) = [RSS(w) + (2 sigma^2 / b) ||w||_1] / (2 sigma^2) + const``, so the MAP is
    the lasso with ``lam = 2 sigma^2 / b`` in the ``RSS + lam ||w||_1`` convention (derivation
    in the module docstring; ``b`` is the Laplace *scale*, variance ``2 b^2``).

    Parameters
    ----------
    sigma : float
        Noise standard deviation, ``> 0``.
    b : float
        Laplace scale of each coefficient's prior, ``> 0``.

    Returns
    -------
    float

    References
    ----------
    Tibshirani (1996), §5; Murphy (2012), §13.3.
    """
    return 2.0 * positive_scalar(sigma, "sigma") ** 2 / positive_scalar(b, "b")


@dataclass(frozen=True, slots=True)
class GaussianLinearPosterior:
    """Posterior ``N(mean, cov)`` of ``w`` in the linear-Gaussian model (batched).

    Attributes
    ----------
    mean : numpy.ndarray
        Posterior mean = mode = MAP, shape ``(..., p)``.
    cov : numpy.ndarray
        Posterior covariance, shape ``(..., p, p)``.
    """

    mean: np.ndarray
    cov: np.ndarray

    @property
    def mode(self) -> np.ndarray:
        """The MAP estimate (equal to the mean for a Gaussian posterior)."""
        return self.mean


def gaussian_linear_posterior(X: ArrayLike, y: ArrayLike, sigma: float,
                              tau: float) -> GaussianLinearPosterior:
    r"""Posterior of ``w`` for ``y | w ~ N(Xw, sigma^2 I)``, ``w ~ N(0, tau^2 I)``, batched.

    Completing the square in ``RSS(w) / (2 sigma^2) + ||w||^2 / (2 tau^2)`` gives the
    precision and mean

    .. math::
        A = \frac{X^\top X}{\sigma^2} + \frac{I}{\tau^2}, \qquad
        m = A^{-1} \frac{X^\top y}{\sigma^2},

    computed here in this (precision) form, directly from ``sigma`` and ``tau`` -- not through
    the ridge penalty -- so that the identity MAP = ridge(``sigma^2 / tau^2``) can be tested.

    Parameters
    ----------
    X, y : array_like
        Batch of problems (shapes of :mod:`simulations.design`).
    sigma : float
        Noise standard deviation, ``> 0``.
    tau : float
        Prior standard deviation, ``> 0``.

    Returns
    -------
    GaussianLinearPosterior

    References
    ----------
    Murphy (2012), §7.6.1, eqs. (7.55)-(7.57).
    """
    gram, xty = sufficient_statistics(X, y)
    s = positive_scalar(sigma, "sigma")
    t = positive_scalar(tau, "tau")
    precision = gram / s ** 2 + np.eye(gram.shape[-1]) / t ** 2
    cov = np.linalg.inv(precision)
    mean = np.linalg.solve(precision, (xty / s ** 2)[..., None])[..., 0]
    return GaussianLinearPosterior(mean=mean, cov=cov)


def _neg_log_posterior(coef: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float,
                       prior_nll: Callable[..., np.ndarray], scale: float,
                       scale_name: str) -> float | np.ndarray:
    """Gaussian regression NLL plus ``sum_j prior_nll(w_j, 0, scale)`` per problem."""
    nll = gaussian_regression_nll(X, y, coef, positive_scalar(sigma, "sigma"))
    s = positive_scalar(scale, scale_name)
    w = np.asarray(coef, dtype=np.float64)
    return _out(nll + np.sum(prior_nll(w, np.zeros_like(w), s), axis=-1))


def gaussian_prior_neg_log_posterior(coef: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float,
                                     tau: float) -> float | np.ndarray:
    """``-log p(y | w) - log p(w)`` with ``y | w ~ N(Xw, sigma^2 I)`` and ``w ~ N(0, tau^2 I)``.

    Both densities are normalised (``scipy.stats.norm.logpdf`` conventions), so this equals
    ``-log p(w | y) - log p(y)``.

    Parameters
    ----------
    coef : array_like
        Coefficients ``w``, broadcastable to ``(*batch, p)``.
    X, y : array_like
        Batch of problems (shapes of :mod:`simulations.design`).
    sigma, tau : float
        Noise and prior standard deviations, ``> 0``.

    Returns
    -------
    float or numpy.ndarray
        Batch shape.
    """
    return _neg_log_posterior(coef, X, y, sigma, gaussian_nll, tau, "tau")


def laplace_prior_neg_log_posterior(coef: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float,
                                    b: float) -> float | np.ndarray:
    """``-log p(y | w) - log p(w)`` with ``y | w ~ N(Xw, sigma^2 I)`` and ``w_j ~ Laplace(0, b)``.

    As :func:`gaussian_prior_neg_log_posterior` with the Laplace scale ``b > 0`` in place of
    ``tau``.
    """
    return _neg_log_posterior(coef, X, y, sigma, laplace_nll, b, "b")


def linear_gaussian_nll_grad(coef: ArrayLike, X: ArrayLike, y: ArrayLike,
                             sigma: float) -> np.ndarray:
    """Gradient ``X'(Xw - y) / sigma^2`` of the Gaussian NLL ``RSS(w) / (2 sigma^2) + const``.

    Parameters
    ----------
    coef : array_like
        Coefficients ``w``, broadcastable to ``(*batch, p)``.
    X, y : array_like
        Batch of problems (shapes of :mod:`simulations.design`).
    sigma : float
        Noise standard deviation, ``> 0``.

    Returns
    -------
    numpy.ndarray
        Shape ``(*batch, p)``.
    """
    d = as_design(X, y, min_obs_per_feature=False)
    s = positive_scalar(sigma, "sigma")
    w = as_finite_array(coef, "coef", min_ndim=1, dtype=np.float64)
    if w.shape[-1] != d.n_features:
        raise ValueError(f"`coef` must have {d.n_features} entries along its last axis (the "
                         f"columns of `X`), got shape {w.shape}.")
    w = np.broadcast_to(w, d.batch_shape + (d.n_features,)).reshape(d.n_batch, d.n_features)
    return d.unflatten(xt_dot(d.X, fitted(d.X, w) - d.y) / s ** 2)


def gaussian_prior_neg_log_posterior_grad(coef: ArrayLike, X: ArrayLike, y: ArrayLike,
                                          sigma: float, tau: float) -> np.ndarray:
    """Gradient ``X'(Xw - y) / sigma^2 + w / tau^2`` of :func:`gaussian_prior_neg_log_posterior`.

    Parameters
    ----------
    coef, X, y, sigma
        As in :func:`linear_gaussian_nll_grad`.
    tau : float
        Prior standard deviation, ``> 0``.

    Returns
    -------
    numpy.ndarray
        Shape ``(*batch, p)``.
    """
    t = positive_scalar(tau, "tau")
    return linear_gaussian_nll_grad(coef, X, y, sigma) + np.asarray(coef, dtype=float) / t ** 2
