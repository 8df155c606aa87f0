"""How cost grows: engine time ~ linear and memory ~ flat in R; suite wall time per scale.

Engine: a fresh process per replication count R (:mod:`benchmarks.probe`), fixed chunking.
Memory is reported as the tracemalloc peak, the bytes of the result (R statistics, which the
run must return) and the bytes all draws would take at once (the O(R n) design the chunked
engine avoids). Ratios stored in ``extra_info``:

* ``time_loglog_slope``: slope of log(seconds) on log(R) -- 1 is linear;
* ``peak_bytes_per_rep``: slope of the peak in R -- the result needs 8 bytes per scalar
  statistic (16 while chunk results are concatenated), holding all draws would need ``8 n``.

Suite: ``pytest claims/ --mc-scale <scale>`` in a subprocess per scale (``CLAIMS_BENCH_SCALES``,
default ``smoke,standard``), wall time and its ratio to the smoke run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from benchmarks.suite_time import ROOT, run_suite

#: Replication counts of the engine sweep, observations per replication and chunk size.
ENGINE_REPS: tuple[int, ...] = (1 << 14, 1 << 16, 1 << 18)
N_OBS: int = 200
CHUNK_REPS: int = 4096


def _probe(reps: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.probe", "--reps", str(reps),
                          "--chunk-reps", str(CHUNK_REPS), "--n", str(N_OBS)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_engine_time_linear_memory_flat(benchmark):
    """Engine sweep over R with fixed chunking: slopes of time and peak memory go to extra_info."""
    benchmark.group = "scaling"
    rows = benchmark.pedantic(lambda: [_probe(r) for r in ENGINE_REPS], rounds=1, iterations=1)
    reps = np.array([r["reps"] for r in rows], dtype=float)
    secs = np.array([r["seconds"] for r in rows])
    peak = np.array([r["peak_bytes"] for r in rows], dtype=float)
    slope = float(np.polyfit(np.log(reps), np.log(secs), 1)[0])
    per_rep = float(np.polyfit(reps, peak, 1)[0])
    benchmark.extra_info.update(
        metric="engine scaling in R", rows=rows, time_loglog_slope=slope,
        peak_bytes_per_rep=per_rep, all_draws_bytes_per_rep=8 * N_OBS,
        peak_excess_over_result_bytes=[r["peak_bytes"] - 2 * r["result_bytes"] for r in rows],
        n_obs=N_OBS, chunk_reps=CHUNK_REPS)
    assert all(r["peak_bytes"] < r["all_draws_bytes"] for r in rows[1:])


def test_suite_wall_time(benchmark):
    """Whole claims suite per scale in a subprocess; wall seconds and ratio to smoke."""
    scales = os.environ.get("CLAIMS_BENCH_SCALES", "smoke,standard").split(",")
    benchmark.group = "suite"
    rows = benchmark.pedantic(lambda: [run_suite(s) for s in scales], rounds=1, iterations=1)
    base = rows[0]["seconds"]
    benchmark.extra_info.update(metric="suite wall time per scale", rows=rows,
                                ratio_to_first={r["scale"]: r["seconds"] / base for r in rows})
