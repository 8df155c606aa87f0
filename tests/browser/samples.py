"""Realistic ``results.json`` documents for the report's tests (no suite run needed).

:func:`realistic_results` mirrors what the claims suite writes: several families, every verdict,
every check kind (exact, z-test, equivalence, binomial, DKW, slope), every role, negative
controls, every figure kind the claim modules use (log–log line with a band and a slope
reference, ECDF against N(0,1) with a DKW band, coverage vs n, bar), failed / errored /
skipped / not-run tests, Chinese and Korean quotes, and hostile strings in titles, parameters
and test ids. :func:`large_results` scales it up for the size budget. Both are deterministic.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
from scipy import special, stats

__all__ = ["HOSTILE", "HOSTILE_ID", "realistic_results", "large_results", "calibration_section",
           "figure_count", "as_json_safe"]

#: Markup that must only ever appear escaped.
HOSTILE = "<script>alert('x')</script>"
#: A parametrisation id an attacker could choose: closes attributes and opens elements.
HOSTILE_ID = "\"><img src=x onerror=alert(1)>-</script><script>alert(2)</script>"

ROOT_SEED = 20261121
SCALE = "standard"
ALPHA = 1e-6


def _nodeid(module: str, test: str, case: str = "") -> str:
    return f"claims/{module}::{test}" + (f"[{case}]" if case else "")


def _test(nodeid: str, outcome: str = "passed", message: str = "", seconds: float = 0.3,
          worker: str | None = "gw0") -> dict:
    return {"nodeid": nodeid, "outcome": outcome, "message": message, "seconds": seconds,
            "worker": worker}


def _seed(*key: int) -> dict:
    return {"entropy": ROOT_SEED, "spawn_key": list(key), "block_size": 512}


def _check(claim: str, test: str, name: str, *, role: str = "literal", outcome: str | None = None,
           kind: str = "z-test", rule: str = "", estimate: float = 0.5, target: float | None = 0.5,
           mcse: float | None = 0.003, ci: list | None = None, margin: float | None = None,
           alpha: float = ALPHA, delta: float | None = None, n_reps: int | None = 20000,
           statistic: float | None = None, params: dict | None = None, note: str = "",
           figure: dict | None = None, seconds: float = 0.12) -> dict:
    """One evidence record shaped like ``claimkit.evidence.Check.to_json()``."""
    expected = "pass" if role in ("literal", "corrected") else "fail"
    if outcome is None:
        outcome = expected
    if ci is None and mcse is not None and kind != "exact":
        ci = [estimate - 4.89 * mcse, estimate + 4.89 * mcse]
    if delta is None and mcse is not None:
        delta = 7.22 * mcse
    return {
        "claim": claim, "test": test, "name": name, "role": role, "control": role == "control",
        "expected": expected, "as_expected": outcome == expected, "outcome": outcome,
        "kind": kind, "rule": rule or f"{kind} rule", "estimate": estimate, "target": target,
        "mcse": mcse, "ci": ci, "margin": margin, "alpha": alpha if kind != "exact" else 0.0,
        "delta": delta, "n_reps": n_reps, "statistic": statistic, "params": params or {},
        "seed": _seed(len(name), len(test)), "seconds": seconds, "note": note,
        "figure": figure,
    }


def _exact(claim: str, test: str, name: str, ratio: float, tol: float, *, role: str = "literal",
           params: dict | None = None, note: str = "") -> dict:
    """An exact identity: error = ratio × tolerance; passes iff ratio <= 1."""
    outcome = "pass" if ratio <= 1 else "fail"
    err = ratio * tol if math.isfinite(ratio) else math.inf
    rel = "<=" if ratio <= 1 else ">"
    rule = (f"max |a - e| / (atol + rtol |e|) = {ratio:.3g} {rel} 1 (max |a - e| = {err:.3g}, "
            f"rtol = {tol:.3g}, atol = 0, 200 values)")
    return _check(claim, test, name, role=role, outcome=outcome, kind="exact", rule=rule,
                  estimate=err, target=None, mcse=None, ci=None, margin=tol, delta=tol,
                  n_reps=200, statistic=ratio, params=params, note=note)


def _z(claim: str, test: str, name: str, estimate: float, target: float, mcse: float, *,
       role: str = "literal", params: dict | None = None, figure: dict | None = None) -> dict:
    z = (estimate - target) / mcse
    outcome = "pass" if abs(z) < 4.89 else "fail"
    return _check(claim, test, name, role=role, outcome=outcome, kind="z-test",
                  rule=f"|z| = {abs(z):.2f} {'<' if outcome == 'pass' else '>'} 4.89",
                  estimate=estimate, target=target, mcse=mcse, statistic=z, params=params,
                  figure=figure)


# -- figures of every kind the claim modules attach --------------------------------------------

def rmse_figure(rng: np.random.Generator, title: str = "Bernoulli: RMSE of p̂ vs n") -> dict:
    """Log–log RMSE vs n with a 1−α band and the slope −1/2 reference (ASY-01 style)."""
    ns = np.array([50, 125, 316, 800, 2000])
    y = 0.46 / np.sqrt(ns) * np.exp(rng.normal(0, 0.01, ns.size))
    se = 0.012 * y
    return {"kind": "line", "title": title, "xlabel": "n", "ylabel": "RMSE",
            "xscale": "log", "yscale": "log",
            "series": [{"label": "MLE (band: 1−α interval)", "x": ns.tolist(), "y": y.tolist(),
                        "lo": (y - 4.9 * se).tolist(), "hi": (y + 4.9 * se).tolist()}],
            "reference": [{"label": "slope −1/2: √(I⁻¹/n)", "x": ns.tolist(),
                           "y": (0.46 / np.sqrt(ns)).tolist()}]}


def ecdf_figure(rng: np.random.Generator, r: int = 16384, points: int = 2000,
                title: str = "Exponential: standardised ratê, n = 2000") -> dict:
    """ECDF of a standardised estimator against Φ with its DKW band (ASY-02 style)."""
    z = np.sort(rng.standard_normal(r))
    x = np.quantile(z, (np.arange(points) + 0.5) / points)
    y = np.searchsorted(z, x, side="right") / r
    eps = math.sqrt(math.log(2 / ALPHA) / (2 * r))
    return {"kind": "ecdf", "title": title, "xlabel": "√(n I) (θ̂ − θ)", "ylabel": "CDF",
            "xscale": "linear", "yscale": "linear",
            "series": [{"label": f"ECDF (R = {r}) with DKW band ±{eps:.3f}", "x": x.tolist(),
                        "y": y.tolist(), "lo": np.clip(y - eps, 0, 1).tolist(),
                        "hi": np.clip(y + eps, 0, 1).tolist()}],
            "reference": [{"label": "Φ (N(0, 1))", "x": x.tolist(), "y": special.ndtr(x).tolist()}]}


def coverage_figure(rng: np.random.Generator, title: str = "Gamma: Wald coverage for shape") -> dict:
    """Coverage vs n with Clopper–Pearson bands and the nominal 0.95 line."""
    ns = [50, 125, 316, 800, 2000]
    k = rng.binomial(4000, 0.95, len(ns))
    lo = [stats.beta.ppf(ALPHA, j, 4000 - j + 1) for j in k]
    hi = [stats.beta.ppf(1 - ALPHA, j + 1, 4000 - j) for j in k]
    return {"kind": "line", "title": title, "xlabel": "n", "ylabel": "coverage",
            "xscale": "log", "yscale": "linear",
            "series": [{"label": "θ̂ ± 1.96·√(I(θ̂)⁻¹/n) (band: 1−2α CP)", "x": ns,
                        "y": (k / 4000).tolist(), "lo": lo, "hi": hi}],
            "reference": [{"label": "0.95", "x": [ns[0], ns[-1]], "y": [0.95, 0.95]}]}


def efficiency_figure(rng: np.random.Generator, title: str = "Poisson: efficiency of λ̂") -> dict:
    """n·Var(θ̂)·I(θ) vs n against the Cramér–Rao bound 1."""
    ns = [50, 125, 316, 800, 2000]
    y = 1 + rng.normal(0, 0.001, len(ns))
    return {"kind": "line", "title": title, "xlabel": "n", "ylabel": "n·Var(θ̂)·I(θ)",
            "xscale": "log", "yscale": "linear",
            "series": [{"label": "Monte Carlo (band: 1−α interval)", "x": ns, "y": y.tolist(),
                        "lo": (y - 0.003).tolist(), "hi": (y + 0.003).tolist()}],
            "reference": [{"label": "Cramér–Rao bound (1)", "x": [ns[0], ns[-1]], "y": [1, 1]}]}


def bar_figure(rng: np.random.Generator, title: str = "Rejection rate by sample size") -> dict:
    """Categorical bars with interval error bars and a nominal level."""
    cats = ["n=10", "n=100", "n=1000", "n=10000"]
    y = (0.05 + rng.normal(0, 0.003, 4)).tolist()
    return {"kind": "bar", "title": title, "xlabel": "sample size", "ylabel": "rejection rate",
            "series": [{"label": "Wald test", "x": cats, "y": y, "lo": [v - 0.01 for v in y],
                        "hi": [v + 0.01 for v in y]}],
            "reference": [{"label": "nominal 0.05", "x": cats, "y": [0.05] * 4}]}


def underflow_figure(dtype: str = "float64") -> dict:
    """log10 L vs n: the running product until it is 0 and the sum of logs (LIK-02 style)."""
    ns = np.unique(np.geomspace(1, 20000, 40).astype(int))
    logs = -0.61 * ns / math.log(10)
    tiny = -323.3 if dtype == "float64" else -44.9
    keep = logs > tiny
    return {"kind": "line", "title": f"bernoulli(0.3), {dtype}: product vs sum of logs",
            "xlabel": "n", "ylabel": "log₁₀ L", "xscale": "log", "yscale": "linear",
            "series": [{"label": "Σ log p / ln 10", "x": ns.tolist(), "y": logs.tolist()},
                       {"label": f"log₁₀ of the {dtype} product (until it is 0)",
                        "x": ns[keep].tolist(), "y": logs[keep].tolist()}],
            "reference": [{"label": f"smallest subnormal 10^{tiny}", "x": [1, 20000],
                           "y": [tiny, tiny]}]}


# -- the document -------------------------------------------------------------------------------

def _source(file: str, section: str, language: str, quote: str, english: str) -> dict:
    return {"file": file, "section": section, "language": language, "quote": quote,
            "english": english}


ZH = _source("000_6a9745706ba7aa1d.txt", "數學定義", "zh-Hant",
             "假設有一組樣本數據 \\(D = \\{x_1, \\dots, x_n\\}\\)，\n"
             "\\[\nL(\\theta) = \\prod_{i=1}^n p(x_i \\mid \\theta)\n\\]",
             "Suppose we have a sample \\(D = \\{x_1, \\dots, x_n\\}\\);\n"
             "\\[\nL(\\theta) = \\prod_{i=1}^n p(x_i \\mid \\theta)\n\\]")
KO = _source("002_aca93830af2af155.repaired.md", "정의", "ko",
             "파라미터 $\\theta$가 주어졌을 때 데이터 $D$가 관측될 확률:\n(i.i.d 가정 시)",
             "The probability that the data $D$ is observed given $\\theta$:\n"
             "(under the i.i.d. assumption)")
ZH_HANS = _source("001_a41e3c103ce9f303.txt", "交叉熵", "zh-Hans",
                  "交叉熵损失等价于负对数似然。", "Cross-entropy loss is equivalent to the negative "
                  "log-likelihood.")


def _claim(cid: str, family: str, family_title: str, title: str, verdict: str, tests: list,
           checks: list, *, expected: str | None = None, sources: list | None = None,
           conditions: str = "", corrected: str = "", controls: str = "",
           statement: str = "") -> dict:
    expected = expected or verdict
    return {"id": cid, "title": title, "family": family, "family_title": family_title,
            "sources": sources if sources is not None else [ZH],
            "statement": statement or f"What {cid} says, checked in plain words.",
            "expected_verdict": expected, "verdict": verdict, "verdict_matches": verdict == expected,
            "conditions": conditions, "corrected": corrected, "controls": controls,
            "tests": tests, "checks": checks}


def realistic_results(seed: int = 0) -> dict:
    """A results document shaped like a real run: 12 claims in 6 families (see module doc).

    Parameters
    ----------
    seed : int
        Seed of the synthetic figure data.

    Returns
    -------
    dict
        A schema-version-1 document; validate with :func:`reports.validate_results`.
    """
    rng = np.random.default_rng(seed)
    claims = []

    # LIK: exact identities only (no figure from the tests: the report derives one).
    t1 = [_test(_nodeid("test_likelihood.py", "test_iid_product", c)) for c in ("10-2", "200-6")]
    checks = []
    for t, n in zip(t1, (10, 200)):
        checks.append(_exact("LIK-01", t["nodeid"], "log P(sequence) = Σ log p(xᵢ)",
                             ratio=3e-4 * n, tol=1e-11 * n, params={"n": n, "k": 2}))
        checks.append(_exact("LIK-01", t["nodeid"], "condition: AR(1) joint density = Σ log p(xᵢ)",
                             ratio=4.5e10, tol=3.9e-10, role="condition", params={"n": n, "k": 2},
                             note="Dependent observations: the product of marginals is not the joint density."))
    claims.append(_claim("LIK-01", "LIK", "Likelihood and log-likelihood",
                         "The likelihood of a sample is the product of the densities",
                         "supported under conditions", t1, checks, sources=[ZH, KO],
                         conditions="The observations must be independent (i.i.d. sampling).",
                         corrected="For dependent data the likelihood is the joint density.",
                         controls="A dependent AR(1) sample must be rejected."))

    # LIK-02: a figure spec from the tests (line, log x, reference).
    t2 = [_test(_nodeid("test_likelihood.py", "test_underflow", d)) for d in ("float32", "float64")]
    checks = []
    for t, d in zip(t2, ("float32", "float64")):
        checks.append(_exact("LIK-02", t["nodeid"], f"{d} product of 20000 terms underflows to 0",
                             ratio=0.0, tol=0.0, params={"dtype": d}))
        c = _exact("LIK-02", t["nodeid"], "Σ log p(xᵢ) equals the 50-digit reference", ratio=0.2,
                   tol=2.4e-3, params={"dtype": d})
        c["figure"] = underflow_figure(d)
        checks.append(c)
        checks.append(_exact("LIK-02", t["nodeid"], "control: product of 10 terms underflows",
                             ratio=math.inf, tol=0.0, role="control", params={"dtype": d}))
    claims.append(_claim("LIK-02", "LIK", "Likelihood and log-likelihood",
                         "Products of probabilities underflow; the log-likelihood does not",
                         "supported", t2, checks))

    # CE-07: refuted as written, with hostile strings everywhere a writer could put them.
    t3 = [_test(_nodeid("test_cross_entropy.py", "test_ce07", HOSTILE_ID))]
    checks = [
        _exact("CE-07", t3[0]["nodeid"], f"minimiser of −Σ y log ŷ equals mean(y) {HOSTILE}",
               ratio=3e7, tol=1e-8, role="refuted", params={"label": HOSTILE_ID, "n": 10}),
        _exact("CE-07", t3[0]["nodeid"], "minimiser of the full binary cross-entropy is mean(y)",
               ratio=0.01, tol=1e-8, role="corrected", params={"label": HOSTILE_ID, "n": 10}),
    ]
    claims.append(_claim("CE-07", "CE", "Cross-entropy", f"Binary-label loss −Σ y log ŷ {HOSTILE}",
                         "refuted as written", t3, checks, sources=[ZH_HANS],
                         corrected="The minimiser is ȳ only with the (1 − y) log(1 − ŷ) term."))

    # CE-09: z-tests, one control, a failed test whose checks still arrived.
    t4 = [_test(_nodeid("test_cross_entropy.py", "test_ce09", f"k={k}")) for k in (2, 5, 10)]
    t4[2].update(outcome="failed", message="ClaimExpectationError: 1 of 2 checks of CE-09 did not "
                 "give the outcome their role expects")
    checks = []
    for t, k in zip(t4, (2, 5, 10)):
        checks.append(_z("CE-09", t["nodeid"], "E[H(P, Q̂)] − H(P) equals E[KL(P‖Q̂)]",
                         0.0021 + rng.normal(0, 1e-4), 0.0021, 1e-4, params={"k": k}))
        est = 0.0 if k < 10 else 0.0003
        checks.append(_z("CE-09", t["nodeid"], "control: H(P, P) = 0 (cross-entropy as a distance)",
                         est + 0.9, 0.0, 2e-3, role="control", params={"k": k}))
    checks[-1].update(outcome="pass", as_expected=False, estimate=0.001, ci=[-0.009, 0.011],
                      rule="|z| = 0.5 < 4.89")
    claims.append(_claim("CE-09", "CE", "Cross-entropy",
                         "Cross-entropy measures how close two distributions are", "inconclusive",
                         t4, checks, expected="supported under conditions",
                         conditions="Only up to the entropy H(P), which does not depend on Q.",
                         controls="Reading cross-entropy as a distance must fail: H(P,P) = H(P) ≠ 0."))

    # CE-11: skipped (torch missing) -> not run.
    claims.append(_claim("CE-11", "CE", "Cross-entropy",
                         "PyTorch's CrossEntropyLoss is softmax followed by NLL", "not run",
                         [_test(_nodeid("test_cross_entropy.py", "test_ce11"), "skipped",
                                "torch is not installed", 0.0, None)], [], expected="supported"))

    # ASY-01: slope + figure (log-log band), equivalence, control.
    t5 = [_test(_nodeid("test_asymptotics.py", "test_consistency", m)) for m in ("bernoulli", "cauchy")]
    checks = []
    for t, m in zip(t5, ("bernoulli", "cauchy")):
        fig = rmse_figure(rng, f"{m.title()}: RMSE of θ̂ vs n")
        checks.append(_check("ASY-01", t["nodeid"], "RMSE falls like n^(−1/2)", kind="slope",
                             rule="CI [−0.52, −0.48] inside −0.5 ± 0.05", estimate=-0.501,
                             target=-0.5, mcse=0.004, margin=0.05, params={"model": m},
                             figure=fig))
        checks.append(_check("ASY-01", t["nodeid"], "control: sample mean of Cauchy data is consistent",
                             role="control", kind="slope", outcome="fail",
                             rule="CI [−0.03, 0.02] outside −0.5 ± 0.05", estimate=-0.004,
                             target=-0.5, mcse=0.01, margin=0.05, params={"model": m}))
    claims.append(_claim("ASY-01", "ASY", "Large-sample properties of the MLE",
                         "Consistency: the MLE converges to the true parameter",
                         "supported under conditions", t5, checks,
                         conditions="Regularity: identifiable model, parameter in the interior.",
                         controls="Counter-examples the suite must flag as inconsistent."))

    # ASY-02: DKW with ECDF figure; binomial coverage with coverage figure.
    t6 = [_test(_nodeid("test_asymptotics.py", "test_normality", m)) for m in ("exponential", "gamma")]
    checks = []
    for t, m in zip(t6, ("exponential", "gamma")):
        d = abs(rng.normal(0, 0.004))
        eps = math.sqrt(math.log(2 / ALPHA) / (2 * 16384))
        checks.append(_check("ASY-02", t["nodeid"], "√(nI)(θ̂ − θ) is close to N(0, 1)", kind="dkw",
                             rule=f"D + eps = {d + eps:.3g} <= margin 0.05", estimate=d, target=0.0,
                             mcse=None, ci=[max(d - eps, 0.0), d + eps], margin=0.05,
                             delta=eps + math.sqrt(math.log(200) / (2 * 16384)), n_reps=16384,
                             statistic=d, params={"model": m},
                             figure=ecdf_figure(rng, title=f"{m.title()}: standardised θ̂, n = 2000")))
        k = int(rng.binomial(4000, 0.95))
        lo, hi = stats.beta.ppf(ALPHA, k, 4000 - k + 1), stats.beta.ppf(1 - ALPHA, k + 1, 4000 - k)
        checks.append(_check("ASY-02", t["nodeid"], "Wald interval covers θ with probability 0.95",
                             kind="binomial", rule="CP interval inside 0.95 ± 0.02",
                             estimate=k / 4000, target=0.95, mcse=None, ci=[lo, hi], margin=0.02,
                             delta=0.011, n_reps=4000, params={"model": m, "n": 2000},
                             figure=coverage_figure(rng, f"{m.title()}: Wald coverage")))
    claims.append(_claim("ASY-02", "ASY", "Large-sample properties of the MLE",
                         "Asymptotic normality: √n(θ̂ − θ) → N(0, I(θ)⁻¹)",
                         "supported under conditions", t6, checks, sources=[KO]))

    # ASY-03: equivalence checks with efficiency figure; one test errored in setup.
    t7 = [_test(_nodeid("test_asymptotics.py", "test_efficiency", m)) for m in ("poisson", "normal")]
    t7.append(_test(_nodeid("test_asymptotics.py", "test_efficiency", "logistic"), "error",
                    "OSError: setup failed: <fixture 'design'> could not open data", 0.01))
    checks = []
    for t, m in zip(t7[:2], ("poisson", "normal")):
        checks.append(_check("ASY-03", t["nodeid"], "n·Var(θ̂)·I(θ) → 1 (Cramér–Rao)",
                             kind="equivalence", rule="CI [0.997, 1.004] inside 1 ± 0.02",
                             estimate=1.0004, target=1.0, mcse=0.0008, margin=0.02,
                             params={"model": m}, figure=efficiency_figure(rng, f"{m}: efficiency")))
    claims.append(_claim("ASY-03", "ASY", "Large-sample properties of the MLE",
                         "Asymptotic efficiency: the MLE reaches the Cramér–Rao bound",
                         "inconclusive", t7, checks, expected="supported under conditions"))

    # EX-04: many z-tests, no figure spec -> derived forest plot.
    t8 = [_test(_nodeid("test_worked_examples.py", "test_mle_variance_is_biased", s))
          for s in ("1.0", "2.0")]
    checks = []
    for t, sigma in zip(t8, (1.0, 2.0)):
        for n in (2, 5, 10, 50):
            s2 = sigma ** 2
            se = 0.0025 * s2
            checks.append(_z("EX-04", t["nodeid"], f"n={n}: E[σ̂²_MLE] = (n−1)σ²/n",
                             (n - 1) / n * s2 + rng.normal(0, se), (n - 1) / n * s2, se,
                             params={"sigma": sigma, "n": n}))
            checks.append(_z("EX-04", t["nodeid"], f"control: n={n}: σ̂²_MLE is unbiased",
                             (n - 1) / n * s2 + rng.normal(0, se), s2, se, role="control",
                             params={"sigma": sigma, "n": n}))
    claims.append(_claim("EX-04", "EX", "Worked examples", "The MLE of the variance is biased",
                         "supported", t8, checks,
                         controls="The false claim that σ̂²_MLE is unbiased is rejected."))

    # MAP-05: refuted as written, bar figure.
    t9 = [_test(_nodeid("test_map.py", "test_adamw_is_not_l2", "logistic"), seconds=2.4, worker="gw1")]
    checks = [
        _check("MAP-05", t9[0]["nodeid"], "Adam with weight decay reaches the L2-penalised MAP",
               role="refuted", kind="exact", outcome="fail", rule="‖w − w_MAP‖ = 0.31 > tol 1e-6",
               estimate=0.31, target=0.0, mcse=None, ci=None, margin=1e-6, delta=1e-6, n_reps=1,
               statistic=3.1e5, figure=bar_figure(rng, "Distance to the MAP by optimiser")),
        _exact("MAP-05", t9[0]["nodeid"], "SGD with weight decay reaches the MAP", ratio=0.2,
               tol=1e-6, role="corrected"),
    ]
    claims.append(_claim("MAP-05", "MAP", "Maximum a posteriori",
                         "Weight decay is L2 regularisation is a Gaussian prior (for AdamW)",
                         "refuted as written", t9, checks,
                         corrected="Only for plain SGD; Adam's adaptive scaling breaks the equivalence."))

    # MAP-06: test interrupted before running -> not run, expected supported.
    claims.append(_claim("MAP-06", "MAP", "Maximum a posteriori",
                         "Training with weight decay is MAP, not MLE", "not run",
                         [_test(_nodeid("test_map.py", "test_map06"), "not run", "", 0.0, None)], [],
                         expected="supported under conditions"))

    # GEN-01: a claim with no tests at all.
    claims.append(_claim("GEN-01", "GEN", "Generative models",
                         "MLE trains generative models such as Gaussian mixtures", "not run", [],
                         [], expected="supported under conditions"))

    tests = [t for c in claims for t in c["tests"]]
    counts = {k: sum(t["outcome"] == k for t in tests) for k in
              ("passed", "failed", "error", "skipped", "not run")}
    unclaimed = [_test("tests/test_plugin.py::test_smoke", "passed"),
                 _test(f"tests/test_misc.py::test_boom[{HOSTILE_ID}]", "failed",
                       f"RuntimeError: {HOSTILE}")]
    counts["passed"] += 1
    counts["failed"] += 1
    n_stoch = sum(1 for c in claims for ch in c["checks"] if ch["alpha"])
    return {
        "schema_version": 2,
        "run": {
            "root_seed": ROOT_SEED, "scale": SCALE,
            "alpha": {"family": 1e-3, "capacity": 1000, "per_check": ALPHA,
                      "stochastic_checks": n_stoch, "spent": n_stoch * ALPHA,
                      "within": n_stoch <= 1000},
            "versions": {"python": "3.11.7", "numpy": "2.4.6", "scipy": "1.17.1",
                         "statsmodels": "0.15.0", "pytest": "9.0.3", "matplotlib": "3.11.2",
                         "torch": None},
            "git_commit": "672decacec270558af548802c0f891b852326da1",
            "started": "2026-11-21T06:00:00+00:00", "wall_seconds": 119.0,
            "command": "pytest claims/ -n 2", "workers": 2, "interrupted": False,
            "exit_status": 1, "tests": counts,
        },
        "claims": claims,
        "unclaimed_tests": unclaimed,
    }


def calibration_section() -> dict:
    """A small ``calibration`` object as ``claimkit.plugin.calibration`` writes it."""
    rate = {"events": 0, "trials": 40, "rate": 0.0, "ci": [0.0, 0.072], "level": 0.95}
    pooled = {"checks": 4, "rate": rate, "reference": ALPHA, "consistent": True, "inconclusive": 0}
    return {
        "repetitions": 10, "root_seed": ROOT_SEED, "seeds": list(range(10)), "level": 0.95,
        "power_target": 0.99, "seconds": 12.5, "false_failure": pooled,
        "power": {**pooled, "reference": 0.99, "rate": {**rate, "events": 40, "rate": 1.0,
                                                         "ci": [0.91, 1.0]}},
        "exact": {**pooled, "reference": 1.0}, "family": {**pooled, "reference": 4e-6},
        "checks": [{"test": "claims/test_worked_examples.py::test_x[1.0]", "claim": "EX-04",
                    "name": "n=2: E[σ̂²_MLE] = (n−1)σ²/n", "params": {}, "role": "literal",
                    "kind": "z-test", "alpha": ALPHA, "expected": "pass",
                    "measure": "false-failure", "outcomes": {"pass": 10}, "sequence": "pppppppppp",
                    "seed_free": False, "baseline": "pass", "rate": rate, "reference": ALPHA,
                    "consistent": True}],
        "errors": [], "seed_derivation": "SeedSequence(root_seed).spawn(K)[i]", "consistent": True,
    }


def large_results(n_claims: int = 40, checks_per_claim: int = 30, n_figures: int = 60,
                  seed: int = 1) -> dict:
    """A big document for the size budget: ``n_claims`` claims × ``checks_per_claim`` checks
    (a realistic mix of kinds and roles), ``n_figures`` figure specs of every kind with
    full-length data (ECDFs of 2000 points, long underflow curves) spread over the claims; claims
    without a spec get the report's derived overviews.

    Parameters
    ----------
    n_claims, checks_per_claim, n_figures : int
        Size of the document.
    seed : int
        Seed of the synthetic numbers.

    Returns
    -------
    dict
        A schema-version-1 document.
    """
    if min(n_claims, checks_per_claim) < 1 or n_figures < 0:
        raise ValueError("`n_claims` and `checks_per_claim` must be >= 1 and `n_figures` >= 0.")
    rng = np.random.default_rng(seed)
    base = realistic_results(seed)
    makers = [lambda: rmse_figure(rng), lambda: ecdf_figure(rng), lambda: coverage_figure(rng),
              lambda: efficiency_figure(rng), lambda: bar_figure(rng),
              lambda: underflow_figure("float32")]
    families = [("LIK", "Likelihood"), ("CE", "Cross-entropy"), ("REG", "Regression losses"),
                ("ASY", "Large-sample properties"), ("MAP", "Maximum a posteriori"),
                ("EX", "Worked examples"), ("GEN", "Generative models"), ("CODE", "Code blocks")]
    claims = []
    figures_left = n_figures
    for i in range(n_claims):
        fam, fam_title = families[i % len(families)]
        cid = f"{fam}-{i // len(families) + 1:02d}"
        tests = [_test(_nodeid(f"test_{fam.lower()}.py", f"test_claim_{i}", f"case{j}-n={10 ** (j % 4 + 1)}"))
                 for j in range(6)]
        checks = []
        for j in range(checks_per_claim):
            t = tests[j % len(tests)]["nodeid"]
            params = {"n": 10 ** (j % 4 + 1), "case": j, "model": ["bernoulli", "normal", "gamma"][j % 3]}
            role = ["literal", "literal", "control", "literal", "condition", "corrected"][j % 6]
            if j % 3 == 0:
                ratio = 1e3 if role in ("control", "condition") else 10 ** rng.uniform(-6, -1)
                checks.append(_exact(cid, t, f"identity {j} holds to rounding", ratio=ratio,
                                     tol=1e-12, role=role, params=params))
            else:
                target = float(rng.uniform(0.1, 2))
                off = 40 if role in ("control", "condition") else rng.normal(0, 1)
                checks.append(_z(cid, t, f"Monte Carlo mean {j} equals its target", target + off * 1e-3,
                                 target, 1e-3, role=role, params=params))
        per_claim = math.ceil(n_figures / n_claims) + 1 if i % 2 == 0 else 0
        for j in range(min(per_claim, figures_left, len(checks))):
            checks[j]["figure"] = makers[(i + j) % len(makers)]()
            figures_left -= 1
        claims.append(_claim(cid, fam, fam_title, f"Claim {i} of the large sample", "supported",
                             tests, checks, sources=[ZH, KO], conditions="Regularity conditions.",
                             controls="False variants of the statement."))
    while figures_left > 0:  # any figures left go to the first claims, one more each
        for c in claims:
            if figures_left == 0:
                break
            free = [ch for ch in c["checks"] if ch["figure"] is None]
            if free:
                free[0]["figure"] = makers[figures_left % len(makers)]()
                figures_left -= 1
    doc = copy.deepcopy(base)
    doc["claims"] = claims
    n_tests = sum(len(c["tests"]) for c in claims)
    doc["run"]["tests"] = {"passed": n_tests, "failed": 0, "error": 0, "skipped": 0, "not run": 0}
    doc["unclaimed_tests"] = []
    return doc


def figure_count(doc: dict) -> int:
    """Number of figure specs attached to checks of ``doc``."""
    return sum(1 for c in doc["claims"] for ch in c["checks"] if ch.get("figure"))


def as_json_safe(doc: Any) -> Any:
    """``doc`` with non-finite floats replaced by the strings strict JSON uses."""
    if isinstance(doc, float) and not math.isfinite(doc):
        return "nan" if math.isnan(doc) else ("inf" if doc > 0 else "-inf")
    if isinstance(doc, dict):
        return {k: as_json_safe(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [as_json_safe(v) for v in doc]
    return doc
