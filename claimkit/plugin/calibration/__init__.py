"""Calibration mode: rerun every claim test over K root seeds and measure the decision rules.

``pytest claims/ --mc-calibrate K`` runs the suite as usual (its evidence is unchanged) and
then calls every claim test K more times, each time with a fresh ``mc`` fixture bound to a
*derived* root seed. Root seed ``i`` is

    ``SeedSequence(root_seed).spawn(K)[i].generate_state(1, numpy.uint64)[0]``

so repetition ``i`` is exactly the normal run ``pytest --mc-seed <seed i>`` (child ``i`` does
not depend on K: a larger K extends a smaller one). From the outcomes it estimates, per check
and pooled over the run:

* the **false-failure rate** of every stochastic check (``alpha > 0``) whose role expects
  ``pass`` (``literal``, ``corrected``): (fails + inconclusives) / K with a Clopper-Pearson
  interval, compared with the declared alpha (consistent when the interval's lower end is
  <= alpha); an inconclusive outcome fails the suite like a fail does, so it is a false
  failure and is inside the same budget (the number of inconclusives is also shown apart);
* the **power** of every stochastic check whose role expects ``fail`` (``control``,
  ``condition``, ``refuted``): rejections / K with its interval, compared with
  :data:`claimkit.decisions.POWER` (consistent when the upper end is >= 0.99);
* the **determinism** of exact checks (``alpha == 0``): the outcome their role expects on
  every seed;
* the **family-wise** rate: repetitions (whole runs) with at least one false failure
  (failed or inconclusive),
  compared with the alpha those checks spend together.

The summary goes to ``results.json`` (top-level ``calibration``, see ``reports/SCHEMA.md``)
and to the terminal. Calibration measures; it never changes a test's outcome or a verdict.

Modules: :mod:`.seeds` (derived root seeds), :mod:`.rates` (Clopper-Pearson), :mod:`.records`
(frozen result records), :mod:`.summary` (:func:`summarise`), :mod:`.terminal` (text output),
:mod:`.plugin` (the pytest plugin). This package re-exports their public names.

References
----------
Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated
in the case of the binomial. Biometrika 26(4), 404-413.
"""

from claimkit.plugin.calibration.plugin import (CALIBRATION_KEY, CalibrationPlugin, add_options,
                                              configure, with_calibration)
from claimkit.plugin.calibration.rates import LEVEL, Rate, clopper_pearson
from claimkit.plugin.calibration.records import (Calibration, CheckCalibration, PooledRate,
                                               RepError)
from claimkit.plugin.calibration.seeds import SEED_DERIVATION, derive_seeds
from claimkit.plugin.calibration.summary import summarise
from claimkit.plugin.calibration.terminal import summary_lines

__all__ = ["CALIBRATION_KEY", "LEVEL", "SEED_DERIVATION", "Calibration", "CalibrationPlugin",
           "CheckCalibration", "PooledRate", "Rate", "RepError", "add_options",
           "clopper_pearson", "configure", "derive_seeds", "summarise", "summary_lines",
           "with_calibration"]
