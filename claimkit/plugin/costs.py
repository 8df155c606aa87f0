"""``--mc-cost-model PATH``: the run's CPU time per claim module against its variate floor.

For every test the plugin logs the variates the suite's streams draw (:mod:`claimkit.costs`)
and, right after the test, replays those draws alone to time them; the test's CPU time is
measured around its body. At the end it writes ``PATH`` (JSON): per module the CPU seconds,
the floor seconds, the variates by method, and the multiple ``cpu / floor``; per test (node
id) its CPU seconds, floor seconds and variates (in all and by method), so that the costs
above the floor can be ranked; for the whole run
the process CPU time (interpreter start, collection, the report and the subprocesses the tests
wait for included, the replays excluded) against the summed floor. CPU time is user +
system time of this process and of its waited-for children. Serial runs only: under pytest-xdist the tests run in
other processes.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from claimkit.costs import DrawLog, counting
from claimkit.results.atomic import write_json_atomic

__all__ = ["CostModel", "add_options", "configure"]


def add_options(group) -> None:
    group.addoption("--mc-cost-model", action="store", default=None, metavar="PATH",
                    help="write the cost model (CPU time per claim module vs the time to "
                         "generate its random variates alone) to PATH (JSON); serial runs only.")


def _cpu() -> float:
    """CPU seconds of this process (``time.process_time``) and of the child processes it
    has waited for (``getrusage``; the document code blocks run in subprocesses)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class CostModel:
    """Per-test CPU time and variate floor; the modules' figures are their tests' sums."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[str, dict] = {}
        self.replay_seconds = 0.0

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        log = DrawLog()
        start = _cpu()
        try:
            with counting(log):
                return (yield)
        finally:
            cpu = _cpu() - start
            replay_start = _cpu()
            floor = log.replay()
            self.replay_seconds += _cpu() - replay_start
            self.tests[item.nodeid] = {"cpu_seconds": cpu, "floor_seconds": floor,
                                       "variates": log.total,
                                       "variates_by_method": dict(log.variates)}

    def document(self) -> dict:
        """The cost model as written to ``PATH``."""
        modules: dict[str, dict] = {}
        for nodeid, t in sorted(self.tests.items()):
            e = modules.setdefault(nodeid.split("::")[0], {
                "tests": 0, "cpu_seconds": 0.0, "floor_seconds": 0.0, "variates": {}})
            e["tests"] += 1
            e["cpu_seconds"] += t["cpu_seconds"]
            e["floor_seconds"] += t["floor_seconds"]
            for method, count in t["variates_by_method"].items():
                e["variates"][method] = e["variates"].get(method, 0) + count
        for e in modules.values():
            e["variates_total"] = sum(e["variates"].values())
            e["multiple"] = (e["cpu_seconds"] / e["floor_seconds"] if e["floor_seconds"] > 0
                             else None)
        floor = sum(e["floor_seconds"] for e in modules.values())
        process = _cpu() - self.replay_seconds
        tests = sum(e["cpu_seconds"] for e in modules.values())
        return {"modules": modules, "tests": self.tests,
                "total": {"process_cpu_seconds": process, "test_cpu_seconds": tests,
                          "floor_seconds": floor,
                          "variates": sum(m["variates_total"] for m in modules.values()),
                          "multiple": process / floor if floor > 0 else None,
                          "test_multiple": tests / floor if floor > 0 else None}}

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        write_json_atomic(self.document(), self.path)


def configure(config: pytest.Config) -> None:
    """Register :class:`CostModel` when ``--mc-cost-model`` is given (serial runs only)."""
    path = config.getoption("mc_cost_model")
    if not path:
        return
    if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        raise pytest.UsageError("--mc-cost-model measures a serial run: use it with -n 0.")
    target = Path(path)
    if not target.is_absolute():
        target = Path(config.invocation_params.dir) / target
    if not target.parent.is_dir():
        raise pytest.UsageError(f"--mc-cost-model: directory {target.parent} does not exist.")
    config.pluginmanager.register(CostModel(target), "claims-cost-model")
