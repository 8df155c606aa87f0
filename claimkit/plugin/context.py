"""The ``mc`` fixture's object: one claim test's seeds, budget and evidence.

A claim test asks :class:`ClaimRun` for its random streams (keyed by what the check is, see
:mod:`claimkit.seeding`), for replication counts at the run's scale, and records every
decision as a :class:`claimkit.evidence.Check`. The plugin ships the checks to the
controller and fails the test when a check's outcome differs from what its role expects.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from claimkit.budget import CHECK_ALPHA
from claimkit.engine import DEFAULT_CHUNK_REPS, Backend, Kernel, MonteCarloResult, simulate
from claimkit.evidence import Check, Decision, Role, json_safe
from claimkit.figures import validate_figure
from claimkit.normal_tails import reps_for_normal_tail, sample_shape
from claimkit.scales import scaled_reps
from claimkit.seeding import check_seed, make_generator, seed_record
from claimkit.sweep import Sweep, run_sweep


def _check_figure(figure: Any, check: str) -> None:
    """Validate a figure spec when it is recorded, so that a bad spec fails its own test with
    the offending field named, never the report at session end."""
    try:
        validate_figure(json_safe(dict(figure)) if isinstance(figure, Mapping) else figure)
    except ValueError as exc:
        raise ValueError(f"`figure` of check {check!r}: {exc}") from None


class ClaimRun:
    """Seeds, budget and evidence of one claim test.

    Parameters
    ----------
    claim : str
        Claim ID from the ``claim`` marker.
    test_name : str
        Name of the test function (part of every stream key).
    case : str
        Parametrization id of the test (``""`` when not parametrized).
    case_params : mapping
        Parametrization values (stored with each check, JSON-safe).
    root_seed : int
        The run's root seed.
    scale : str
        The run's Monte Carlo scale.
    chunk_reps : int, optional
        Replications per chunk.
    backend : callable, optional
        Chunk backend (local loop when None).
    """

    def __init__(self, claim: str, test_name: str, case: str, case_params: Mapping[str, Any],
                 root_seed: int, scale: str, chunk_reps: int = DEFAULT_CHUNK_REPS,
                 backend: Backend | None = None) -> None:
        self.claim = claim
        self.test_name = test_name
        self.case = case
        self.case_params = dict(json_safe(dict(case_params)))
        self.root_seed = root_seed
        self.scale = scale
        self.chunk_reps = chunk_reps
        self.backend = backend
        self.checks: list[Check] = []
        #: Set by the plugin when the test body returned normally (see ``COMPLETED_KEY``).
        self.completed = False
        self._last = time.perf_counter()

    @property
    def alpha(self) -> float:
        """Alpha share of one stochastic check (Bonferroni, see :mod:`claimkit.budget`)."""
        return CHECK_ALPHA

    def reps(self, base: int, minimum: int = 64) -> int:
        """Replications at this run's scale for a check whose standard budget is ``base``."""
        return scaled_reps(base, self.scale, minimum)

    def seed(self, label: str, **params: Any) -> np.random.SeedSequence:
        """The stream of check ``label``: keyed by claim, test, case, label and ``params``."""
        key_params = {"case": self.case, **params}
        return check_seed(self.root_seed, self.claim, f"{self.test_name}/{label}", key_params)

    def rng(self, label: str, **params: Any) -> np.random.Generator:
        """A generator on the stream of ``label`` (for randomised inputs of exact checks)."""
        return make_generator(self.seed(label, **params))

    def simulate(self, label: str, kernel: Kernel, base_reps: int, *, min_reps: int = 64,
                 reuse: MonteCarloResult | None = None, **params: Any) -> MonteCarloResult:
        """Run ``kernel`` for ``reps(base_reps, min_reps)`` replications on the stream of ``label``.

        ``min_reps`` is the budget below which the check cannot decide (derived from the
        precision its rule needs); small scales never go below it. ``reuse``, an earlier run
        of the same stream, is extended rather than recomputed (:func:`claimkit.engine.simulate`).
        """
        return simulate(kernel, self.reps(base_reps, min_reps), self.seed(label, **params),
                        chunk_reps=self.chunk_reps, backend=self.backend, reuse=reuse)

    def simulate_tail_valid(self, label: str, kernel: Kernel, reps: int,
                            analyse: Callable[[MonteCarloResult], tuple[Any, Sequence[np.ndarray]]],
                            cap: int, **params: Any) -> tuple[MonteCarloResult, Any]:
        """:meth:`simulate` of ``reps`` (its own floor), extended until the z-tests' normal tail
        can be trusted at α.

        ``analyse(result)`` returns what the caller needs from a run and the per-replication
        terms whose means its z-tests use. After each run the second-order Edgeworth criterion
        (:mod:`claimkit.normal_tails`) is evaluated with the terms' sample skewness and
        kurtosis; where it asks for more replications the same stream is extended (its first
        blocks are unchanged and not recomputed) to 1.5 times what it asks, rounded up to a
        multiple of 512, at most to ``cap``. The extension looks at the shape of the terms,
        never at the tested statistic; a criterion still unmet at the cap leaves the z-tests
        inconclusive. Returns the last run and its analysis.

        Raises
        ------
        ValueError
            If ``analyse`` is not callable or ``cap`` is not a positive integer.
        """
        if not callable(analyse):
            raise ValueError(f"`analyse` must be callable, got {analyse!r}.")
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ValueError(f"`cap` must be a positive integer, got {cap!r}.")
        res = None
        while True:
            res = self.simulate(label, kernel, reps, min_reps=reps, reuse=res, **params)
            out, terms = analyse(res)
            need = max((reps_for_normal_tail(*sample_shape(v), self.alpha)
                        for v in terms if np.ptp(v) > 0), default=0)
            if need <= res.n_reps or reps >= cap:
                return res, out
            reps = min(cap, 512 * math.ceil(1.5 * need / 512))

    def sweep(self, label: str, grid: Sequence[Any], kernel_for: Callable[[Any], Kernel],
              base_reps: int | Callable[[Any], int], *, min_reps: int | None = None,
              param: str = "n") -> Sweep:
        """:meth:`simulate` at every value of ``grid`` (``kernel_for(value)``, stream keyed by
        ``param=value``); see :func:`claimkit.sweep.run_sweep`.

        ``min_reps`` defaults to the base count itself: a grid experiment's counts are derived
        from the precision its rule needs, so smaller scales never go below them.
        """
        def one(label: str, kernel: Kernel, reps: int, **params: Any) -> MonteCarloResult:
            return self.simulate(label, kernel, reps,
                                 min_reps=reps if min_reps is None else min_reps, **params)
        return run_sweep(one, label, grid, kernel_for, base_reps, param=param)

    def record(self, name: str, decision: Decision, *, role: Role = "literal",
               params: Mapping[str, Any] | None = None,
               seed: np.random.SeedSequence | Mapping[str, Any] | None = None,
               seconds: float | None = None, note: str = "",
               figure: Mapping[str, Any] | None = None,
               evidence: MonteCarloResult | Sweep | None = None) -> Check:
        """Record one decision as a check of this claim and return it.

        Parameters
        ----------
        name : str
            What is checked, in a short phrase.
        decision : Decision
            Result of a rule in :mod:`claimkit.decisions`.
        role : {'literal', 'refuted', 'corrected', 'condition', 'control'}
            How the check bears on the verdict (see :mod:`claimkit.evidence`).
        params : mapping, optional
            Parameters of this check, added to the test's parametrization.
        seed : SeedSequence or mapping, optional
            The stream the check used (a ``MonteCarloResult.seed`` mapping is accepted).
        seconds : float, optional
            Wall time; defaults to the time since the previous record (or the test start).
        note : str, optional
            What the numbers mean, for the report.
        figure : mapping, optional
            Figure spec (:func:`claimkit.figures.validate_figure`), validated here: a bad spec
            raises ``ValueError`` naming the field.
        evidence : MonteCarloResult or Sweep, optional
            The run(s) the decision rests on: supplies ``seed`` (a sweep's cites every grid
            point) and ``seconds`` (a sweep's summed time) unless those are given.
        """
        if evidence is not None:
            if not isinstance(evidence, (MonteCarloResult, Sweep)):
                raise ValueError("`evidence` must be a MonteCarloResult or a Sweep, got "
                                 f"{type(evidence).__name__}.")
            seed = evidence.seed if seed is None else seed
            seconds = evidence.seconds if seconds is None else seconds
        if not isinstance(decision, Decision):
            raise ValueError("`decision` must be a claimkit.evidence.Decision.")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("`name` must be a non-empty string.")
        now = time.perf_counter()
        if seconds is None:
            seconds = now - self._last
        self._last = now
        if isinstance(seed, np.random.SeedSequence):
            seed = seed_record(seed)
        if figure is not None:
            _check_figure(figure, name)
        check = Check(claim=self.claim, name=name, role=role, decision=decision,
                      params=dict(json_safe({**self.case_params, **dict(params or {})})),
                      seed=dict(seed) if seed is not None else None, seconds=float(seconds),
                      figure=dict(json_safe(dict(figure))) if figure is not None else None,
                      note=note)
        self.checks.append(check)
        return check

    def attach_figure(self, figure: Mapping[str, Any], index: int = -1) -> Check:
        """Attach a figure spec to an already recorded check (default: the last one).

        For figures that summarise several checks (e.g. a statistic against ``n``), drawn once
        all of them are recorded.
        """
        if not self.checks:
            raise ValueError("`figure` needs a recorded check to attach to.")
        _check_figure(figure, self.checks[index].name)
        check = dataclasses.replace(self.checks[index],
                                    figure=dict(json_safe(dict(figure))))
        self.checks[index] = check
        return check

    def unexpected(self) -> list[Check]:
        """Checks whose outcome differs from what their role expects."""
        return [c for c in self.checks if not c.as_expected]
