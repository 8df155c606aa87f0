"""Compare the numbers of two results.json files written at the same root seed and scale.

``python tools/compare_results.py BEFORE AFTER`` exits 0 when every claim's verdict and every
check's decision (outcome, estimate, target, MCSE, interval, margin, α, δ, replications,
statistic), parameters, seed record and figure data, and every claim's catalogue text and
quoted passages are identical, and lists every difference
otherwise. Wall times, the run header and checks whose numbers depend on the machine (CODE-01's
timing rule text and the output of the documents' unseeded code) are excluded by name below.
It is how a refactoring proves that no number changed.

``--rtol R`` compares numbers (at any depth of a field) within ``R · max(1, |a|, |b|)``
instead of exactly: for a change that reorders floating-point sums, to show that every
outcome and verdict is unchanged and every number moved by rounding only.
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
import sys
from typing import Any

#: Check fields compared (everything that is a number of the evidence).
FIELDS = ("outcome", "kind", "estimate", "target", "mcse", "ci", "margin", "alpha", "delta",
          "n_reps", "statistic", "params", "seed", "figure", "role", "expected",
          "distance_delta")
#: Claim fields compared (the catalogue's text and the quotes extracted from the documents).
CLAIM_FIELDS = ("title", "family", "family_title", "sources", "statement", "expected_verdict",
                "conditions", "corrected", "controls", "verdict_reasons", "verdict_matches")
#: Claims whose numbers come from the documents' own unseeded code (random draws, timings).
UNSEEDED: frozenset[str] = frozenset({"CODE-01"})


def _checks(doc: dict) -> dict[tuple[str, str, int], dict]:
    out: dict[tuple[str, str, int], dict] = {}
    for claim in doc["claims"]:
        seen: dict[str, int] = {}
        for c in claim["checks"]:
            k = seen.get(c["name"], 0)
            seen[c["name"]] = k + 1
            out[(claim["id"], c["name"], k)] = c
    return out


def _same(a: Any, b: Any, rtol: float) -> bool:
    """``a == b``, numbers within ``rtol · max(1, |a|, |b|)`` (booleans and text exactly)."""
    if rtol == 0.0:
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], rtol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, rtol) for x, y in zip(a, b))
    if (isinstance(a, numbers.Real) and isinstance(b, numbers.Real)
            and not isinstance(a, bool) and not isinstance(b, bool)):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= rtol * max(1.0, abs(a), abs(b))
    return a == b


def differences(before: dict, after: dict, rtol: float = 0.0) -> list[str]:
    """Every difference in verdicts and check numbers, as readable lines (numbers within
    ``rtol``, see :func:`_same`)."""
    if not (isinstance(rtol, float) and 0.0 <= rtol < 1.0):
        raise ValueError(f"`rtol` must be a float in [0, 1), got {rtol!r}.")
    diffs = []
    vb = {c["id"]: c["verdict"] for c in before["claims"]}
    va = {c["id"]: c["verdict"] for c in after["claims"]}
    if vb != va:
        diffs += [f"verdict {k}: {vb.get(k)} -> {va.get(k)}" for k in sorted(set(vb) | set(va))
                  if vb.get(k) != va.get(k)]
    for cid in sorted(set(vb) & set(va)):
        b = next(c for c in before["claims"] if c["id"] == cid)
        a = next(c for c in after["claims"] if c["id"] == cid)
        for f in CLAIM_FIELDS:
            if b.get(f) != a.get(f):
                diffs.append(f"claim {cid}: {f} differs")
    cb, ca = _checks(before), _checks(after)
    for key in sorted(set(cb) | set(ca)):
        if key not in cb or key not in ca:
            diffs.append(f"check {key} only in {'after' if key in ca else 'before'}")
            continue
        if key[0] in UNSEEDED:
            if cb[key]["outcome"] != ca[key]["outcome"]:
                diffs.append(f"check {key}: outcome {cb[key]['outcome']} -> {ca[key]['outcome']}")
            continue
        for f in FIELDS:
            if not _same(cb[key].get(f), ca[key].get(f), rtol):
                diffs.append(f"check {key}: {f} {cb[key].get(f)!r:.80} -> {ca[key].get(f)!r:.80}")
    return diffs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--rtol", type=float, default=0.0,
                   help="compare numbers within RTOL·max(1, |a|, |b|) (default: exactly)")
    args = p.parse_args(argv)
    if not 0.0 <= args.rtol < 1.0:
        p.error("--rtol must lie in [0, 1)")
    docs: list[Any] = []
    for path in (args.before, args.after):
        with open(path, encoding="utf-8") as fh:
            docs.append(json.load(fh))
    if (docs[0]["run"]["root_seed"], docs[0]["run"]["scale"]) != \
            (docs[1]["run"]["root_seed"], docs[1]["run"]["scale"]):
        print("error: the runs differ in root seed or scale", file=sys.stderr)
        return 2
    diffs = differences(*docs, rtol=args.rtol)
    n = len(_checks(docs[1]))
    for d in diffs:
        print(d)
    same = "identical" if not args.rtol else f"equal within rtol {args.rtol:g}"
    print(f"{n} checks compared: {same if not diffs else f'{len(diffs)} differences'}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
