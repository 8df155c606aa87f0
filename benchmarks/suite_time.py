"""Wall time of the whole claims suite per ``--mc-scale``, each in a fresh pytest process.

``python -m benchmarks.suite_time smoke standard`` prints a markdown table; the benchmark
``benchmarks/test_scaling.py::test_suite_wall_time`` records the same numbers in
``extra_info``. Reports go to a temporary directory, never to ``reports/``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_suite(scale: str, *extra: str) -> dict:
    """Run ``pytest claims/ --mc-scale scale`` in a subprocess and summarise it.

    Returns
    -------
    dict
        ``scale``, ``seconds`` (wall, including interpreter start), ``exit_code``, the test
        counts and the number of stochastic checks from ``results.json``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pytest", "claims/", "--mc-scale", scale, "-q",
               "-p", "no:cacheprovider", "--report-dir", tmp, *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        results = Path(tmp) / "results.json"
        doc = json.loads(results.read_text()) if results.exists() else {}
    run = doc.get("run", {})
    return {"scale": scale, "seconds": round(seconds, 2), "exit_code": proc.returncode,
            "tests": run.get("tests", {}),
            "stochastic_checks": run.get("alpha", {}).get("stochastic_checks"),
            "args": list(extra)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scales", nargs="*", default=["smoke", "standard"])
    parser.add_argument("--pytest-args", default="", help="extra pytest arguments, quoted")
    args = parser.parse_args(argv)
    print("| scale | wall s | tests passed | failed | stochastic checks | exit |")
    print("|---|---:|---:|---:|---:|---:|")
    for scale in args.scales:
        r = run_suite(scale, *args.pytest_args.split())
        t = r["tests"]
        print(f"| {scale} | {r['seconds']:.1f} | {t.get('passed', '?')} | "
              f"{t.get('failed', 0) + t.get('error', 0)} | {r['stochastic_checks']} | "
              f"{r['exit_code']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
