"""Turn ``pytest --benchmark-json FILE`` output into a small markdown table of ratios.

``python -m benchmarks.report bench.json [-o ratios.md]``

Every benchmark of :mod:`benchmarks` stores its ratio against a baseline timed in the same
run in ``extra_info`` (see :func:`benchmarks.timing.record_ratio`); scaling benchmarks store
slopes and per-scale wall times. This module only formats them.
"""

from __future__ import annotations

import argparse
import json
import math
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
        split = b["extra_info"].get("floor_split")
        if split:
            out += _floor_split_rows(split)
        out += _costliest_tests(model.get("tests", {}))
    return out


#: The parts of a run that no Monte Carlo design or kernel shrinks, as the tables name them.
_OUTSIDE = "outside the tests (start-up, collection, fixtures, report)"


def _few_variates(threshold: int) -> str:
    return (f"tests drawing fewer than {threshold:.0e} variates (exact, oracles, optimisers, "
            "the documents' code)")


def _floor_split_rows(split: Mapping[str, Any]) -> list[str]:
    """The cost model's run split as :mod:`benchmarks.floor_split` does, and what its
    target asks of the Monte Carlo tests."""
    target, need = split["target"], split["required_mc_multiple"]
    if need <= 1:
        verdict = ("the rest of the run leaves less than the Monte Carlo tests' draws: no "
                   "kernel can meet it")
    else:
        verdict = (f"the Monte Carlo tests would have to run at **{_fmt(need)}×** their own "
                   f"draws (they run at {_fmt(split['mc_multiple'])}×)")
    rows = [(_OUTSIDE, "—", split["outside_cpu"], 0.0, "—"),
            (_few_variates(split["mc_variates"]), split["few_variates_tests"],
             split["few_variates_cpu"], split["few_variates_floor"], "—"),
            ("Monte Carlo tests", split["mc_tests"], split["mc_cpu"], split["mc_floor"],
             _fmt(split["mc_multiple"]))]
    return (["", "The run against its floor, split by what its tests draw:", "",
             "| part of the run | tests | CPU s | floor CPU s | × own floor |",
             "|---|---:|---:|---:|---:|"]
            + [f"| {label} | {n} | {_fmt(cpu)} | {_fmt(floor)} | {mult} |"
               for label, n, cpu, floor, mult in rows]
            + ["", (f"If every Monte Carlo test cost just its draws, the run would be "
                    f"**{_fmt(split['least_multiple'])}×** its floor; to meet {_fmt(target)}×, "
                    f"{verdict}.")])


def _smoke_rows(benches: list[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    for b in benches:
        split = b.get("extra_info", {}).get("scale_split")
        if split:
            out += _scale_split_rows(split)
    return out


def _scale_split_rows(split: Mapping[str, Any]) -> list[str]:
    """The smoke run against the standard one, split as :mod:`benchmarks.scale_split` does."""
    std = split["standard_cpu"]
    scaled = split["scaled_ratio"]
    parts = [
        (_OUTSIDE, "—", split["small_outside_cpu"]),
        (_few_variates(split["mc_variates"]), split["few_variates_tests"],
         split["small_few_variates_cpu"]),
        ("Monte Carlo tests smoke does not shrink", split["unscaled_mc_tests"],
         split["small_unscaled_mc_cpu"]),
        ("tests smoke shrinks", split["scaled_tests"], split["small_scaled_cpu"]),
    ]
    head = (f"Smoke against standard (serial, cost model): {_fmt(split['small_cpu'])} vs "
            f"{_fmt(std)} CPU s = **{_fmt(split['ratio'])}** of standard (target ≤ 1/3). "
            "Where smoke's time goes, as shares of standard's CPU:")
    tail = (f"The first two rows are **{_fmt(split['floor_ratio'])}** of standard: no design of "
            "the Monte Carlo checks brings smoke below that. The tests smoke shrinks take "
            + (f"{_fmt(scaled)} of their standard CPU." if math.isfinite(scaled) else "nothing.")
            + " Per module:")
    out = ["", head, "", "| part of the smoke run | tests | CPU s | share of standard |",
           "|---|---:|---:|---:|"]
    out += [f"| {label} | {n} | {_fmt(cpu)} | {_fmt(cpu / std)} |" for label, n, cpu in parts]
    out += ["", tail, "",
            ("| claim module | tests | few variates | MC not shrunk | standard CPU s "
             "| smoke CPU s | smoke / standard |"),
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name, m in split["modules"].items():
        rel = _fmt(m["small_cpu"] / m["standard_cpu"]) if m["standard_cpu"] > 0 else "—"
        out.append(f"| `{name}` | {m['tests']} | {m['few_variates_tests']} | "
                   f"{m['unscaled_mc_tests']} | {_fmt(m['standard_cpu'])} | "
                   f"{_fmt(m['small_cpu'])} | {rel} |")
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
                     + _cost_rows(benches) + _smoke_rows(benches)) + "\n"


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
