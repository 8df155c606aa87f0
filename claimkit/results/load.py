"""Read ``results.json`` and validate it against schema version 1 (see ``reports/SCHEMA.md``).

:func:`validate_results` checks required keys, their types and the enumerated values, and returns
a normalised deep copy: the strings ``"nan"``, ``"inf"`` and ``"-inf"`` that strict JSON uses for
non-finite numbers become floats, and the few optional keys get their defaults (``OPTIONAL``).
Unknown extra keys are kept and ignored, so that a writer may add information without breaking
readers of the same version. Every problem raises :class:`ResultsError` with one sentence that
names the offending field, e.g. ``"`claims[2].verdict` must be one of ...; got 'maybe'."``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Callable, Mapping

from claimkit.evidence import OUTCOMES as CHECK_OUTCOMES
from claimkit.evidence import ROLES, TEST_OUTCOMES, VERDICTS

__all__ = [
    "SCHEMA_VERSION",
    "VERDICTS",
    "TEST_OUTCOMES",
    "CHECK_OUTCOMES",
    "ROLES",
    "ResultsError",
    "load_results",
    "validate_results",
]

from claimkit.figures import validate_figure
from claimkit.results.schema import SCHEMA_VERSION

# VERDICTS, TEST_OUTCOMES, CHECK_OUTCOMES and ROLES are the writer's own constants
# (claimkit.evidence), so that reader and writer cannot disagree; only the data itself comes
# from results.json.

#: Keys that may be absent, with the value they default to.
OPTIONAL: dict[str, dict[str, Any]] = {
    "results": {"unclaimed_tests": [], "unchecked_passages": []},
    "claim": {"controls": "", "verdict_reasons": [], "supporting": False},
    "source": {"states_conditions": False, "verdict": None},
    "test": {"message": ""},
    "check": {
        "statistic": None,
        "params": {},
        "seed": None,
        "note": "",
        "figure": None,
        "test": None,
        "distance_delta": None,
    },
    "run": {"timings": {}},
}

_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_MAX_REPR = 60



def _attach_timings(doc: dict) -> None:
    """Give every test its ``seconds`` and ``worker`` and every check its ``seconds`` from
    ``run.timings`` (None where the run recorded none): the report shows them beside the
    evidence, while the file keeps them apart from it."""
    timings = doc["run"]["timings"]
    for test in [t for c in doc["claims"] for t in c["tests"]] + doc["unclaimed_tests"]:
        t = timings.get(test["nodeid"], {})
        test["seconds"], test["worker"] = t.get("seconds"), t.get("worker")
    for claim in doc["claims"]:
        position: dict[str | None, int] = {}
        for check in claim["checks"]:
            i = position[check["test"]] = position.get(check["test"], -1) + 1
            per = timings.get(check["test"], {}).get("checks", []) if check["test"] else []
            check["seconds"] = per[i] if i < len(per) else None

class ResultsError(ValueError):
    """``results.json`` is missing, unreadable, not JSON, or does not follow the schema."""


def _short(value: Any) -> str:
    """``repr`` of a value, on one line and cut to a readable length."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 1] + "…"


def _type_name(value: Any) -> str:
    """JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class _Validator:
    """Walks the document; each method checks one value at a JSON path and returns it normalised."""

    def fail(self, path: str, what: str, value: Any) -> None:
        """Raise the one-sentence error for ``path``."""
        raise ResultsError(f"`{path}` must be {what}; got {_type_name(value)} {_short(value)}.")

    def obj(self, value: Any, path: str, required: tuple[str, ...],
            optional: Mapping[str, Any] | None = None) -> dict:
        """An object with the ``required`` keys; missing ``optional`` keys get their defaults."""
        if not isinstance(value, dict):
            self.fail(path, "an object", value)
        for key in required:
            if key not in value:
                raise ResultsError(f"`{path}` is missing the required key `{key}`.")
        out = dict(value)
        for key, default in (optional or {}).items():
            out.setdefault(key, json.loads(json.dumps(default)))
        return out

    def array(self, value: Any, path: str, item: Callable[[Any, str], Any]) -> list:
        """An array whose items each pass ``item``."""
        if not isinstance(value, list):
            self.fail(path, "an array", value)
        return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]

    def string(self, value: Any, path: str, nullable: bool = False) -> str | None:
        """A string (or null when ``nullable``)."""
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.fail(path, "a string or null" if nullable else "a string", value)
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str:
        """One of the enumerated strings."""
        if not isinstance(value, str) or value not in choices:
            self.fail(path, "one of " + ", ".join(repr(c) for c in choices), value)
        return value

    def boolean(self, value: Any, path: str) -> bool:
        """``true`` or ``false``."""
        if not isinstance(value, bool):
            self.fail(path, "a boolean", value)
        return value

    def integer(self, value: Any, path: str, nullable: bool = False) -> int | None:
        """An integer (JSON numbers like ``3.0`` are accepted as 3)."""
        if value is None and nullable:
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, "an integer or null" if nullable else "an integer", value)
        return value

    def number(self, value: Any, path: str, nullable: bool = False) -> float | int | None:
        """A number; ``"nan"``, ``"inf"``, ``"-inf"`` become floats."""
        if value is None and nullable:
            return None
        if isinstance(value, str) and value in _NONFINITE:
            return _NONFINITE[value]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = "a number, 'nan', 'inf', '-inf'" + (" or null" if nullable else "")
            self.fail(path, what, value)
        return value

    # -- the document ---------------------------------------------------------------------------

    def results(self, doc: Any) -> dict:
        """The whole file."""
        if not isinstance(doc, dict):
            self.fail("results", "a JSON object", doc)
        if "schema_version" not in doc:
            raise ResultsError(f"`schema_version` is missing; this reader knows version "
                               f"{SCHEMA_VERSION}.")
        version = doc["schema_version"]
        if isinstance(version, bool) or not isinstance(version, int):
            self.fail("schema_version", "an integer", version)
        if version != SCHEMA_VERSION:
            raise ResultsError(
                f"unsupported `schema_version` {version}; this reader knows version {SCHEMA_VERSION}."
            )
        out = self.obj(doc, "results", ("schema_version", "run", "claims"), OPTIONAL["results"])
        out["run"] = self.run(out["run"], "run")
        out["claims"] = self.array(out["claims"], "claims", self.claim)
        out["unclaimed_tests"] = self.array(out["unclaimed_tests"], "unclaimed_tests", self.test)
        out["unchecked_passages"] = self.array(out["unchecked_passages"], "unchecked_passages",
                                               self.unchecked)
        _attach_timings(out)
        seen: dict[str, int] = {}
        for i, claim in enumerate(out["claims"]):
            if claim["id"] in seen:
                raise ResultsError(
                    f"`claims[{i}].id` {claim['id']!r} repeats `claims[{seen[claim['id']]}].id`."
                )
            seen[claim["id"]] = i
        return out

    def run(self, value: Any, path: str) -> dict:
        """``run``: seed, scale, α budget, versions, timing, test counts."""
        keys = ("root_seed", "scale", "alpha", "versions", "git_commit", "started", "wall_seconds",
                "command", "workers", "interrupted", "exit_status", "tests")
        out = self.obj(value, path, keys, OPTIONAL["run"])
        out["root_seed"] = self.integer(out["root_seed"], f"{path}.root_seed")
        timings = self.obj(out["timings"], f"{path}.timings", ())
        for nodeid, t in timings.items():
            where = f"{path}.timings[{nodeid!r}]"
            t = timings[nodeid] = self.obj(t, where, ("seconds", "worker", "checks"))
            t["seconds"] = self.number(t["seconds"], f"{where}.seconds", nullable=True)
            t["worker"] = self.string(t["worker"], f"{where}.worker", nullable=True)
            t["checks"] = self.array(t["checks"], f"{where}.checks",
                                     lambda v, p: self.number(v, p, nullable=True))
        out["timings"] = timings
        out["scale"] = self.string(out["scale"], f"{path}.scale")
        alpha = self.obj(out["alpha"], f"{path}.alpha",
                         ("family", "capacity", "per_check", "stochastic_checks", "spent", "within"))
        for key in ("family", "per_check", "spent"):
            alpha[key] = self.number(alpha[key], f"{path}.alpha.{key}")
        for key in ("capacity", "stochastic_checks"):
            alpha[key] = self.integer(alpha[key], f"{path}.alpha.{key}")
        alpha["within"] = self.boolean(alpha["within"], f"{path}.alpha.within")
        out["alpha"] = alpha
        versions = self.obj(out["versions"], f"{path}.versions", ())
        for key, v in versions.items():
            self.string(v, f"{path}.versions.{key}", nullable=True)
        out["versions"] = versions
        out["git_commit"] = self.string(out["git_commit"], f"{path}.git_commit", nullable=True)
        out["started"] = self.string(out["started"], f"{path}.started", nullable=True)
        out["wall_seconds"] = self.number(out["wall_seconds"], f"{path}.wall_seconds", nullable=True)
        out["command"] = self.string(out["command"], f"{path}.command")
        out["workers"] = self.integer(out["workers"], f"{path}.workers")
        out["interrupted"] = self.boolean(out["interrupted"], f"{path}.interrupted")
        out["exit_status"] = self.integer(out["exit_status"], f"{path}.exit_status", nullable=True)
        tests = self.obj(out["tests"], f"{path}.tests", ())
        for key, v in tests.items():
            tests[key] = self.integer(v, f"{path}.tests.{key}")
        out["tests"] = tests
        return out

    def claim(self, value: Any, path: str) -> dict:
        """One entry of ``claims``."""
        keys = ("id", "title", "family", "family_title", "sources", "statement", "expected_verdict",
                "verdict", "verdict_matches", "conditions", "corrected", "tests", "checks")
        out = self.obj(value, path, keys, OPTIONAL["claim"])
        for key in ("id", "title", "family", "family_title", "statement", "conditions",
                    "corrected", "controls"):
            out[key] = self.string(out[key], f"{path}.{key}")
        if not out["id"].strip():
            raise ResultsError(f"`{path}.id` must be a non-empty string.")
        out["sources"] = self.array(out["sources"], f"{path}.sources", self.source)
        out["expected_verdict"] = self.choice(out["expected_verdict"], f"{path}.expected_verdict", VERDICTS)
        out["verdict"] = self.choice(out["verdict"], f"{path}.verdict", VERDICTS)
        out["verdict_matches"] = self.boolean(out["verdict_matches"], f"{path}.verdict_matches")
        out["supporting"] = self.boolean(out["supporting"], f"{path}.supporting")
        out["verdict_reasons"] = self.array(out["verdict_reasons"], f"{path}.verdict_reasons",
                                            self.string)
        out["tests"] = self.array(out["tests"], f"{path}.tests", self.test)
        out["checks"] = self.array(out["checks"], f"{path}.checks", self.check)
        return out

    def source(self, value: Any, path: str) -> dict:
        """One quoted source of a claim."""
        keys = ("file", "section", "language", "quote", "english")
        out = self.obj(value, path, keys, OPTIONAL["source"])
        for key in keys:
            out[key] = self.string(out[key], f"{path}.{key}")
        out["states_conditions"] = self.boolean(out["states_conditions"],
                                                f"{path}.states_conditions")
        if out["verdict"] is not None:
            out["verdict"] = self.choice(out["verdict"], f"{path}.verdict", VERDICTS)
        return out

    def unchecked(self, value: Any, path: str) -> dict:
        """One passage that cannot be checked, with the reason."""
        keys = ("file", "section", "language", "quote", "reason")
        out = self.obj(value, path, keys)
        for key in keys:
            out[key] = self.string(out[key], f"{path}.{key}")
        return out

    def test(self, value: Any, path: str) -> dict:
        """One pytest item and its outcome."""
        out = self.obj(value, path, ("nodeid", "outcome"), OPTIONAL["test"])
        out["nodeid"] = self.string(out["nodeid"], f"{path}.nodeid")
        out["outcome"] = self.choice(out["outcome"], f"{path}.outcome", TEST_OUTCOMES)
        out["message"] = self.string(out["message"], f"{path}.message")
        return out

    def check(self, value: Any, path: str) -> dict:
        """One evidence record."""
        keys = ("claim", "name", "role", "control", "expected", "as_expected", "outcome", "kind",
                "rule", "estimate", "target", "mcse", "ci", "margin", "alpha", "delta", "n_reps")
        out = self.obj(value, path, keys, OPTIONAL["check"])
        for key in ("claim", "name", "kind", "rule", "note"):
            out[key] = self.string(out[key], f"{path}.{key}")
        out["test"] = self.string(out["test"], f"{path}.test", nullable=True)
        out["role"] = self.choice(out["role"], f"{path}.role", ROLES)
        out["control"] = self.boolean(out["control"], f"{path}.control")
        out["expected"] = self.choice(out["expected"], f"{path}.expected", CHECK_OUTCOMES)
        out["as_expected"] = self.boolean(out["as_expected"], f"{path}.as_expected")
        out["outcome"] = self.choice(out["outcome"], f"{path}.outcome", CHECK_OUTCOMES)
        out["estimate"] = self.number(out["estimate"], f"{path}.estimate", nullable=True)
        for key in ("target", "mcse", "margin", "delta", "statistic", "distance_delta"):
            out[key] = self.number(out[key], f"{path}.{key}", nullable=True)
        out["alpha"] = self.number(out["alpha"], f"{path}.alpha")
        out["n_reps"] = self.integer(out["n_reps"], f"{path}.n_reps", nullable=True)
        if out["ci"] is not None:
            ci = out["ci"]
            if not isinstance(ci, list) or len(ci) != 2:
                self.fail(f"{path}.ci", "null or an array of two numbers", ci)
            out["ci"] = [self.number(v, f"{path}.ci[{i}]") for i, v in enumerate(ci)]
        out["params"] = self.obj(out["params"], f"{path}.params", ())
        if out["seed"] is not None:
            out["seed"] = self.obj(out["seed"], f"{path}.seed", ())
        if out["figure"] is not None:
            try:
                out["figure"] = validate_figure(out["figure"])
            except ValueError as exc:
                raise ResultsError(f"`{path}.figure`: {exc}") from None
        return out


def validate_results(doc: Any) -> dict:
    """Check a parsed ``results.json`` against schema version 1 and return a normalised copy.

    Parameters
    ----------
    doc : object
        The parsed JSON document.

    Returns
    -------
    dict
        A new dict; the input is not modified.

    Raises
    ------
    ResultsError
        If a required key is missing, a value has the wrong type or an unknown enumerated value,
        a claim ID repeats, or ``schema_version`` is not 1.
    """
    return _Validator().results(doc)


def load_results(path: str | os.PathLike[str]) -> dict:
    """Read and validate ``results.json``.

    Raises
    ------
    ResultsError
        If the file is missing or unreadable, is not valid UTF-8 JSON, or violates the schema.
        The message starts with the file name.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{p}: results file not found.") from None
    except IsADirectoryError:
        raise ResultsError(f"{p}: is a directory, not a results file.") from None
    except UnicodeDecodeError as exc:
        raise ResultsError(f"{p}: not valid UTF-8 ({exc.reason} at byte {exc.start}).") from None
    except OSError as exc:
        raise ResultsError(f"{p}: cannot read the results file ({exc.strerror or exc}).") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(
            f"{p}: malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    try:
        return validate_results(doc)
    except ResultsError as exc:
        raise ResultsError(f"{p}: {exc}") from None
