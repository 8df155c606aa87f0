"""Root conftest: loads the claims suite's pytest plugin (options, seeds, evidence, report)."""

import os

# One BLAS thread per process: the batched fits are many small matrix operations, for which
# threads only add contention (and with `-n 2` they would oversubscribe the cores). Numbers do
# not depend on it. Set before numpy is first imported; an explicit setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

pytest_plugins = ["pytest_claims.plugin"]
