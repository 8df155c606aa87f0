"""Turn ``pytest --benchmark-json FILE`` output into a small markdown table of ratios.

``python -m benchmarks.report bench.json [-o ratios.md]``

Every benchmark of :mod:`benchmarks` stores its ratio against a baseline timed in the same
run in ``extra_info`` (see :func:`benchmarks.timing.record_ratio`); scaling benchmarks store
slopes and per-scale wall times. This module only formats them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Mapping

__all__ = ["render", "main"]


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _ratio_rows(benches: list[Mapping[str, Any]]) -> list[str]:
    rows = ["| benchmark | metric | candidate | baseline | ratio | target | met |",
            "|---|---|---|---|---:|---:|:---:|"]
    for b in benches:
        e = b.get("extra_info", {})
        if "ratio" not in e:
            continue
        rows.append(f"| `{b['name']}` | {e['metric']} | {e['candidate']} | {e['baseline']} | "
                    f"{_fmt(e['ratio'])} | ≥ {_fmt(e['target'])} | "
                    f"{'yes' if e['meets_target'] else '**no**'} |")
    return rows if len(rows) > 2 else []


def _scaling_rows(benches: list[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    for b in benches:
        e = b.get("extra_info", {})
        if e.get("metric") == "engine scaling in R":
            out += ["", f"Engine, fixed chunking ({e['chunk_reps']} replications), "
                        f"n = {e['n_obs']}: time slope in log R = "
                        f"{_fmt(e['time_loglog_slope'])} (1 = linear); peak memory grows by "
                        f"{_fmt(e['peak_bytes_per_rep'])} bytes per replication (all draws at "
                        f"once: {e['all_draws_bytes_per_rep']}).", "",
                    "| R | seconds | peak MiB | result MiB | all draws MiB |",
                    "|---:|---:|---:|---:|---:|"]
            for r in e["rows"]:
                out.append(f"| {r['reps']} | {_fmt(r['seconds'])} | "
                           f"{_fmt(r['peak_bytes'] / 2**20)} | {_fmt(r['result_bytes'] / 2**20)} | "
                           f"{_fmt(r['all_draws_bytes'] / 2**20)} |")
        elif e.get("metric") == "suite wall time per scale":
            out += ["", "| suite scale | wall s | ratio to first | tests passed | failed | exit |",
                    "|---|---:|---:|---:|---:|---:|"]
            for r in e["rows"]:
                t = r.get("tests", {})
                out.append(f"| {r['scale']} | {_fmt(r['seconds'])} | "
                           f"{_fmt(e['ratio_to_first'][r['scale']])} | {t.get('passed', '?')} | "
                           f"{t.get('failed', 0) + t.get('error', 0)} | {r['exit_code']} |")
    return out


def _cost_rows(benches: list[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    for b in benches:
        model = b.get("extra_info", {}).get("cost_model")
        if not model:
            continue
        t = model["total"]
        out += ["", f"Cost model ({b['extra_info'].get('scale', '?')} scale, serial): "
                    f"{t['variates']:.3g} variates, floor {_fmt(t['floor_seconds'])} CPU s; the "
                    f"run took {_fmt(t['process_cpu_seconds'])} CPU s = "
                    f"**{_fmt(t['multiple'])}× the floor** (tests alone "
                    f"{_fmt(t['test_cpu_seconds'])} s = {_fmt(t['test_multiple'])}×; the rest is "
                    "start-up, collection and the report).", "",
                "| claim module | variates | floor CPU s | CPU s | × floor |",
                "|---|---:|---:|---:|---:|"]
        for name, m in model["modules"].items():
            mult = "—" if m["multiple"] is None else _fmt(m["multiple"])
            out.append(f"| `{name}` | {m['variates_total']:.3g} | {_fmt(m['floor_seconds'])} | "
                       f"{_fmt(m['cpu_seconds'])} | {mult} |")
        out += _costliest_tests(model.get("tests", {}))
    return out


#: Tests listed under the cost model: those with the most CPU time above their floor.
COSTLIEST_TESTS: int = 12


def _costliest_tests(tests: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The :data:`COSTLIEST_TESTS` tests with the most CPU seconds above their floor."""
    if not tests:
        return []
    ranked = sorted(tests.items(), reverse=True,
                    key=lambda kv: kv[1]["cpu_seconds"] - kv[1]["floor_seconds"])
    out = ["", f"The {min(COSTLIEST_TESTS, len(ranked))} tests with the most CPU time above "
               "their floor:", "",
           "| test | variates | floor CPU s | CPU s | above the floor |",
           "|---|---:|---:|---:|---:|"]
    for node, t in ranked[:COSTLIEST_TESTS]:
        out.append(f"| `{node}` | {t['variates']:.3g} | {_fmt(t['floor_seconds'])} | "
                   f"{_fmt(t['cpu_seconds'])} | {_fmt(t['cpu_seconds'] - t['floor_seconds'])} |")
    return out


def render(doc: Mapping[str, Any]) -> str:
    """Markdown for a pytest-benchmark JSON document.

    Parameters
    ----------
    doc : mapping
        The parsed ``--benchmark-json`` file (key ``benchmarks``).
    """
    if not isinstance(doc, Mapping) or not isinstance(doc.get("benchmarks"), list):
        raise ValueError("`doc` must be a pytest-benchmark JSON document with a "
                         "'benchmarks' list.")
    benches = sorted(doc["benchmarks"], key=lambda b: (b.get("group") or "", b["name"]))
    machine = doc.get("machine_info", {})
    head = [f"Benchmarks on {machine.get('cpu', {}).get('brand_raw', 'unknown CPU')}, "
            f"Python {machine.get('python_version', '?')}; ratio = baseline seconds / "
            "candidate seconds (best of interleaved rounds, same run).", ""]
    return "\n".join(head + _ratio_rows(benches) + _scaling_rows(benches)
                     + _cost_rows(benches)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, help="file written by --benchmark-json")
    parser.add_argument("-o", "--output", type=Path, help="write markdown here (default stdout)")
    args = parser.parse_args(argv)
    try:
        doc = json.loads(args.json.read_text(encoding="utf-8"))
        text = render(doc)
    except (OSError, ValueError) as exc:
        print(f"benchmarks.report: {exc}", file=sys.stderr)
        return 1
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
