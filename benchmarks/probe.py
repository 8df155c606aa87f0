"""Wall time and peak memory of one Monte Carlo run, measured in a fresh process.

``python -m benchmarks.probe --reps R --chunk-reps C --n N`` runs the engine with a simple
kernel (``N`` standard-normal draws per replication, statistic: their mean) and prints one
JSON line: wall seconds (best of ``--repeat`` untraced runs), the ``tracemalloc`` peak of a
traced run (numpy reports its buffers to tracemalloc), the bytes of the result itself and
the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc

import numpy as np

from claimkit.engine import simulate
from claimkit.seeding import check_seed


def _kernel(n: int):
    def kernel(rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.standard_normal((size, n)).mean(axis=1)
    return kernel


def probe(reps: int, chunk_reps: int, n: int, repeat: int = 2) -> dict:
    """Measure one configuration in this process (see the module docstring)."""
    seed = check_seed(1, "ASY-01", "memory probe", {"n": n})
    kernel = _kernel(n)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = simulate(kernel, reps, seed, chunk_reps=chunk_reps)
        best = min(best, time.perf_counter() - t0)
    out_bytes = res.stats.nbytes
    del res
    tracemalloc.start()
    simulate(kernel, reps, seed, chunk_reps=chunk_reps)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"reps": reps, "chunk_reps": chunk_reps, "n": n, "seconds": best,
            "peak_bytes": peak, "result_bytes": out_bytes,
            "all_draws_bytes": reps * n * 8,
            "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, required=True)
    parser.add_argument("--chunk-reps", type=int, default=4096)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    print(json.dumps(probe(args.reps, args.chunk_reps, args.n, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
