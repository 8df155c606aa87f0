"""The calibration pytest plugin: ``--mc-calibrate K``, reruns on every process, the summary.

Each process reruns a claim test K times right after its normal call, each time with a fresh
``mc`` fixture bound to a derived root seed; the repetitions travel to the controller on the
test report (``user_properties``, so they survive pytest-xdist), which summarises them.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np
import pytest

from claimkit.plugin.calibration.records import Calibration
from claimkit.plugin.calibration.seeds import derive_seeds
from claimkit.plugin.calibration.summary import summarise
from claimkit.plugin.calibration.terminal import rep_mark, repetitions_line, summary_lines
from claimkit.plugin.context import ClaimRun
from claimkit.plugin.options import non_negative_int
from claimkit.evidence import json_safe

#: user_properties key carrying a test's calibration repetitions to the controller.
CALIBRATION_KEY = "claim_calibration"

_PAYLOAD = pytest.StashKey[dict]()
_PLUGIN_NAME = "claims-calibration"
_REP_ERRORS = (Exception, pytest.fail.Exception, pytest.skip.Exception)


def add_options(group: Any) -> None:
    """Add ``--mc-calibrate K`` to the plugin's option group."""
    group.addoption("--mc-calibrate", action="store", type=non_negative_int("--mc-calibrate"),
                    default=0, metavar="K",
                    help="calibration: rerun every claim test over K root seeds spawned from "
                         "--mc-seed and report false-failure rates and power (default 0: off).")


class _TrackedRun(ClaimRun):
    """A ClaimRun that notes whether the test drew any random stream (rng/seed/simulate)."""

    seeded: bool = False

    def seed(self, label: str, **params: Any) -> np.random.SeedSequence:
        self.seeded = True
        return super().seed(label, **params)


def _brief(check: Any) -> dict:
    d = check.decision
    return {"name": check.name, "role": check.role, "kind": d.kind, "alpha": d.alpha,
            "outcome": d.outcome, "params": check.params}


def _rerun(item: pytest.Item, run: ClaimRun, seed: int) -> dict:
    """Run ``item`` once more with a fresh ``mc`` bound to root seed ``seed``."""
    fresh = _TrackedRun(claim=run.claim, test_name=run.test_name, case=run.case,
                        case_params=run.case_params, root_seed=seed, scale=run.scale,
                        chunk_reps=run.chunk_reps, backend=run.backend)
    funcargs = item.funcargs  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    status, message = "ok", ""
    funcargs["mc"] = fresh
    try:
        item.runtest()
    except pytest.skip.Exception as exc:
        status, message = "skipped", str(exc)
    except _REP_ERRORS as exc:
        status, message = "error", f"{type(exc).__name__}: {exc}"
    finally:
        funcargs["mc"] = run
    if status == "ok" and not fresh.checks:
        status, message = "error", "recorded no check"
    return {"seed": seed, "status": status, "message": message, "seeded": fresh.seeded,
            "seconds": round(time.perf_counter() - t0, 6),
            "checks": [_brief(c) for c in fresh.checks]}


class CalibrationPlugin:
    """Reruns claim tests over derived seeds (every process) and collects them (controller)."""

    def __init__(self, config: pytest.Config, k: int) -> None:
        self.config = config
        self.k = k
        self.root_seed = int(config.getoption("mc_seed"))
        self.seeds = derive_seeds(self.root_seed, k)
        self.worker = hasattr(config, "workerinput")
        self.payloads: dict[str, dict] = {}
        self.printed: set[str] = set()
        self._summary: Calibration | None = None

    # -- every process ---------------------------------------------------------------------
    def _terminal(self) -> Any:
        if self.worker:
            return None
        return self.config.pluginmanager.get_plugin("terminalreporter")

    def _progress(self, tr: Any, i: int, seed: int, rep: dict) -> None:
        if tr is None:
            return
        if self.config.getoption("verbose") > 0:
            tr.write_line(f"  repetition {i + 1}/{self.k} seed {seed}: {rep['status']}, "
                          f"{len(rep['checks'])} checks, mark {rep_mark(rep)}, "
                          f"{rep['seconds']:.2f} s")
        else:
            tr.write(rep_mark(rep), flush=True)

    def _calibrate(self, item: pytest.Item) -> None:
        run = getattr(item, "funcargs", {}).get("mc")
        if not isinstance(run, ClaimRun):
            return
        tr = self._terminal()
        if tr is not None:
            tr.ensure_newline()
            tr.write(f"calibrate {item.nodeid} ")
        reps = []
        for i, seed in enumerate(self.seeds):
            rep = _rerun(item, run, seed)
            reps.append(rep)
            self._progress(tr, i, seed, rep)
            seed_free = i == 0 and rep["status"] == "ok" and not rep["seeded"]
            if seed_free:  # no random stream: the outcome cannot depend on the root seed
                break
        payload = {"test": item.nodeid, "claim": run.claim, "seed_free": seed_free,
                   "baseline": [_brief(c) for c in run.checks], "reps": reps}
        item.stash[_PAYLOAD] = payload
        if tr is not None:
            tr.write_line(" " + repetitions_line(payload))
            self.printed.add(item.nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        try:
            result = yield
        except (pytest.skip.Exception, pytest.exit.Exception, KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # a failing normal run is calibrated too, then re-raised
            self._calibrate(item)
            raise
        self._calibrate(item)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        payload = item.stash.get(_PAYLOAD, None)
        if payload is not None and call.when == "call":
            report.user_properties = [*report.user_properties,
                                      (CALIBRATION_KEY, json.dumps(json_safe(payload),
                                                                   allow_nan=False))]
        return report

    # -- controller --------------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker or report.when != "call":
            return
        props = dict(getattr(report, "user_properties", []) or [])
        if CALIBRATION_KEY not in props:
            return
        try:
            payload = json.loads(props[CALIBRATION_KEY])
        except ValueError as exc:  # never lose the run's report over one unreadable payload
            print(f"\nclaims: unreadable calibration payload of {report.nodeid}: {exc!r}",
                  file=sys.stderr)
            return
        self.payloads[report.nodeid] = payload
        self._summary = None
        tr = self._terminal()
        if tr is not None and report.nodeid not in self.printed:
            tr.write_line(f"calibrate {report.nodeid} "
                          + "".join(rep_mark(r) for r in payload["reps"])
                          + " " + repetitions_line(payload))

    def summary(self) -> Calibration:
        """The calibration summary of everything collected so far."""
        if self._summary is None:
            self._summary = summarise(self.payloads.values(), self.root_seed, self.seeds)
        return self._summary

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        return [f"claims: calibration over K = {self.k} root seeds spawned from "
                f"{self.root_seed} (--mc-calibrate)"]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.worker:
            return
        terminalreporter.section("claims calibration")
        try:
            lines = summary_lines(self.summary())
        except Exception as exc:  # say why, and let the rest of the summary print
            lines = [f"could not summarise the calibration: {exc!r}"]
        for line in lines:
            terminalreporter.write_line(line)


def configure(config: pytest.Config) -> None:
    """Register the calibration plugin when ``--mc-calibrate K`` asks for K > 0."""
    k = config.getoption("mc_calibrate", 0)
    if k and not config.pluginmanager.has_plugin(_PLUGIN_NAME):
        config.pluginmanager.register(CalibrationPlugin(config, k), _PLUGIN_NAME)


def with_calibration(config: pytest.Config, doc: dict) -> dict:
    """``doc`` with a top-level ``calibration`` section when this run calibrates.

    Calibration only measures: if its summary cannot be built, ``doc`` is returned unchanged
    (and the reason printed) so that ``results.json`` is still written.
    """
    plugin = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if plugin is None:
        return doc
    try:
        section = plugin.summary().to_json()
    except Exception as exc:
        print(f"\nclaims: calibration summary left out of results.json: {exc!r}",
              file=sys.stderr)
        return doc
    return {**doc, "calibration": section}
