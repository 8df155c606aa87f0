"""claimkit: check the statistical claims of a document with exact identities and planned
Monte Carlo tests, and report, sentence by sentence, what holds.

An author points the kit at a catalogue (TOML: the documents, the claims with the passages
that state them, the verdict each is expected to get) and writes one pytest test per claim
that records checks on the ``mc`` fixture (a :class:`ClaimRun`)::

    @pytest.mark.claim("EXP-01")
    def test_rate_mle(mc):
        sweep = mc.sweep("mle", (50, 200, 800), lambda n: MyKernel(n), 4096)
        mc.record("bias shrinks like 1/n", decisions.slope(...), evidence=sweep)

``pytest --claims-catalogue PATH`` then writes ``results.json`` and a self-contained HTML page.
The kit knows nothing of any particular statistics: decision rules (:mod:`claimkit.decisions`),
Monte Carlo standard errors (:mod:`claimkit.mcse`), seeding and the engine, the verdict table
(:mod:`claimkit.evidence`), the results schema (:mod:`claimkit.results`), the catalogue and
source reader, the pytest plugin and the report.

The Monte Carlo kernels are many small matrix operations, for which BLAS threads only add
contention (and with ``-n 2`` oversubscribe the cores): importing the kit sets one BLAS thread
per process unless the environment already says otherwise. Numbers do not depend on it.
"""

import os as _os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

from claimkit import decisions, mcse  # noqa: E402
from claimkit.catalogue import Catalogue, ClaimInfo, load_catalogue  # noqa: E402
from claimkit.engine import MonteCarloResult, simulate  # noqa: E402
from claimkit.evidence import (VERDICT_RULES, VERDICTS, Check, ClaimVerdict,  # noqa: E402
                               Decision, claim_verdict)
from claimkit.figures import (bar_figure, ecdf_figure, line_figure, series,  # noqa: E402
                              validate_figure)
from claimkit.intervals import clopper_pearson  # noqa: E402
from claimkit.plugin.context import ClaimRun  # noqa: E402
from claimkit.results import ResultsError, load_results  # noqa: E402
from claimkit.sweep import Sweep, run_sweep  # noqa: E402

__all__ = [
    "Catalogue",
    "Check",
    "ClaimInfo",
    "ClaimRun",
    "ClaimVerdict",
    "Decision",
    "MonteCarloResult",
    "ResultsError",
    "Sweep",
    "VERDICTS",
    "VERDICT_RULES",
    "bar_figure",
    "claim_verdict",
    "clopper_pearson",
    "decisions",
    "ecdf_figure",
    "line_figure",
    "load_catalogue",
    "load_results",
    "mcse",
    "run_sweep",
    "series",
    "simulate",
    "validate_figure",
]
