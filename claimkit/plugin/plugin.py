"""The claims suite's pytest plugin: options, seed header, ``claim`` marker, evidence, report.

Data flow: a claim test records checks on the ``mc`` fixture -> after the call phase the plugin
fails the test if a check's outcome differs from what its role expects -> the checks travel on
the test report as JSON (``user_properties``, so they survive pytest-xdist) -> the controller
collects every report -> at session end it writes ``results.json`` atomically and renders
``index.html`` beside it. Interrupted runs, errors, skips and crashed workers are recorded too.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import gc
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from claimkit.plugin import calibration, costs
from claimkit.plugin.allocator import keep_freed_memory
from claimkit.catalogue import Catalogue, CatalogueError, load_catalogue
from claimkit.plugin.context import ClaimRun
from claimkit.plugin.invocation import joined, misread_values
from claimkit.plugin.options import non_negative_int
from claimkit.results import (CHECKS_KEY, CLAIM_KEY, COMPLETED_KEY, TEST_KEY, Collector,
                              build_results, claim_checks, git_commit, versions,
                              write_json_atomic)
from claimkit.results.atomic import write_atomic
from claimkit.backends import BACKENDS, make_backend
from claimkit.budget import CHECK_ALPHA, FAMILY_ALPHA
from claimkit.engine import DEFAULT_CHUNK_REPS
from claimkit.evidence import json_safe
from claimkit.scales import DEFAULT_SCALE, SCALES
from claimkit.seeding import DEFAULT_ROOT_SEED

_RUN = pytest.StashKey[ClaimRun]()
_STATE = pytest.StashKey["SuiteState"]()
_BACKEND = pytest.StashKey[object]()
_CATALOGUE = pytest.StashKey["Catalogue | None"]()
_FIGURE_CACHE = pytest.StashKey[object]()
_SIGTERM = pytest.StashKey[object]()


class ClaimExpectationError(AssertionError):
    """A check's outcome differs from what its role (literal, condition, control…) expects."""


class SuiteState:
    """Controller-side state of one run.

    Besides collecting reports it keeps ``results.json`` current while the run goes on: at most
    every ``--mc-snapshot-seconds`` it rewrites the file (atomically, marked ``in_progress``), so
    that a controller killed outright still leaves every result it had received.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.collector = Collector()
        self.started = datetime.now(timezone.utc)
        self.t0 = time.perf_counter()
        self.interrupted = False
        self.results_path: Path | None = None
        self.html_path: Path | None = None
        self._last_snapshot = time.perf_counter()
        self.versions = versions()
        self.git_commit = git_commit(config.rootpath)
        self._overviews_drawn: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Every report of every phase, from this process or an xdist worker."""
        self.collector.add(report)
        if report.when == "teardown" and self.config.stash.get(_FIGURE_CACHE, None) is not None:
            self._draw_overviews_if_complete(self.collector.state(report.nodeid).claim)
        every = self.config.getoption("mc_snapshot_seconds")
        if self.config.getoption("no_claims_report") or every < 0 \
                or catalogue_of(self.config) is None:
            return
        if time.perf_counter() - self._last_snapshot >= every:
            self._snapshot()
            self._last_snapshot = time.perf_counter()

    def _draw_overviews_if_complete(self, claim: str | None) -> None:
        """Once every test of ``claim`` has reported, draw its derived overview figures now
        (into the figure cache), while the workers go on -- not in the report's serial tail.
        The checks are taken exactly as the report will read them from results.json."""
        if claim is None or claim in self._overviews_drawn:
            return
        states = [st for st in self.collector.tests.values() if st.claim == claim]
        if any(st.outcome == "not run" for st in states):
            return
        self._overviews_drawn.add(claim)
        checks = claim_checks(states)
        if not checks or any(c.get("figure") is not None for c in checks):
            return
        try:
            from claimkit.report.derived import overview_figures  # noqa: PLC0415

            overview_figures(claim, json.loads(json.dumps(json_safe(checks))), "pre-")
        except Exception:  # noqa: BLE001 - the report draws (and explains) it again
            pass

    def _snapshot(self) -> None:
        """Rewrite ``results.json`` (``in_progress``); a failure is said, never raised."""
        try:
            write_json_atomic(self.document(exit_status=None, interrupted=True, in_progress=True),
                              _report_paths(self.config)[0])
        except Exception as exc:  # a hook that raises here would abort the run and its report
            print(f"\nclaims: could not write a snapshot of results.json: {exc!r}",
                  file=sys.stderr)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        self.interrupted = True

    def document(self, *, exit_status: int | None, interrupted: bool,
                 in_progress: bool = False) -> dict:
        """The results document of the run so far (schema: ``reports/SCHEMA.md``)."""
        config = self.config
        run = {
            "root_seed": config.getoption("mc_seed"),
            "scale": config.getoption("mc_scale"),
            "versions": self.versions,
            "git_commit": self.git_commit,
            "started": self.started.isoformat(timespec="seconds"),
            "wall_seconds": round(time.perf_counter() - self.t0, 3),
            "command": _command(config),
            "workers": int(getattr(config.option, "numprocesses", 0) or 0),
            "interrupted": bool(interrupted),
            "in_progress": bool(in_progress),
            "exit_status": exit_status,
        }
        return build_results(self.collector, self.config.stash[_CATALOGUE], run)


#: This plugin's long options that take a value (set when they are added).
_VALUE_FLAGS: frozenset[str] = frozenset()


def _takes_value(attrs: dict) -> bool:
    """Whether an option (its argparse attributes) takes one value: a plain ``store``,
    not a flag (``store_true`` has no ``action`` key under pytest 9, but ``nargs=0``)."""
    return attrs.get("action", "store") == "store" and attrs.get("nargs") != 0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("claims", "statistical claims suite")
    group.addoption("--mc-seed", action="store", type=non_negative_int("--mc-seed"),
                    default=DEFAULT_ROOT_SEED,
                    help=f"root seed of every Monte Carlo stream (default {DEFAULT_ROOT_SEED}).")
    group.addoption("--mc-scale", action="store", choices=sorted(SCALES), default=DEFAULT_SCALE,
                    help="Monte Carlo budget: smoke, standard or full (default standard).")
    group.addoption("--mc-chunk-reps", action="store", type=int, default=DEFAULT_CHUNK_REPS,
                    help="replications per chunk; bounds memory, never changes the numbers.")
    group.addoption("--claims-catalogue", action="store", default=None, metavar="PATH",
                    help="the claims catalogue (TOML) to check; default: the ini key "
                         "claims_catalogue.")
    group.addoption("--report-dir", action="store", default=None,
                    help="where results.json and index.html go (default: the catalogue's "
                         "[report] dir, else report/ beside the catalogue).")
    group.addoption("--no-claims-report", action="store_true", default=False,
                    help="do not write results.json / index.html.")
    group.addoption("--mc-snapshot-seconds", action="store", type=float, default=10.0,
                    help="while running, rewrite results.json (marked in_progress) at most this "
                         "often, so that a killed run keeps its results; negative: never.")
    group.addoption("--mc-backend", action="store", choices=BACKENDS, default="local",
                    help="where Monte Carlo chunks run: local (default) or dask; same numbers.")
    group.addoption("--dask-address", action="store", default=None,
                    help="dask scheduler address for --mc-backend dask (default: a local "
                         "cluster of 2 thread workers).")
    group.addoption("--claims-summary", action="store", default=None, metavar="PATH",
                    help="also write a Markdown summary of the verdicts and of anything "
                         "unexpected to PATH (e.g. \"$GITHUB_STEP_SUMMARY\").")
    calibration.add_options(group)
    costs.add_options(group)
    global _VALUE_FLAGS
    _VALUE_FLAGS = frozenset(name for opt in group.options if _takes_value(opt.attrs())
                             for name in opt.names() if name.startswith("--"))
    parser.addini("claims_catalogue", "the claims catalogue (TOML) to check, relative to the "
                  "ini file", type="string", default="")


def _command(config: pytest.Config) -> str:
    """The run's command line, as results.json and the placeholder pages show it."""
    return " ".join(["pytest", *config.invocation_params.args])


def _catalogue_path(config: pytest.Config) -> Path | None:
    """``--claims-catalogue`` (relative to the invocation directory), else the ini key
    ``claims_catalogue`` (relative to the ini file), else None."""
    opt = config.getoption("claims_catalogue")
    if opt:
        path = Path(opt)
        return path if path.is_absolute() else Path(config.invocation_params.dir) / path
    ini = config.getini("claims_catalogue")
    if ini:
        base = config.inipath.parent if config.inipath else config.rootpath
        return base / ini
    return None


def catalogue_of(config: pytest.Config) -> Catalogue | None:
    """The run's catalogue, read once at configure time (None when none is configured)."""
    return config.stash.get(_CATALOGUE, None)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "claim(id): the catalogue claim (e.g. 'CE-07') whose evidence this test records")
    keep_freed_memory()
    if config.getoption("mc_chunk_reps") < 1:
        raise pytest.UsageError("--mc-chunk-reps must be a positive integer.")
    if not _is_worker(config):
        _check_invocation(config)
    path = _catalogue_path(config)
    try:
        config.stash[_CATALOGUE] = load_catalogue(path) if path is not None else None
    except CatalogueError as exc:
        raise pytest.UsageError(f"claims catalogue {path}: {exc}")
    if not _is_worker(config):
        config.stash[_STATE] = state = SuiteState(config)
        config.pluginmanager.register(state, "claims-suite-state")
        _interrupt_on_sigterm(config)
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_XdistController(config), "claims-xdist-controller")
    try:
        backend = config.stash[_BACKEND] = make_backend(
            config.getoption("mc_backend"), config.getoption("dask_address"),
            code_root=config.rootpath)
    except (ValueError, ImportError) as exc:
        raise pytest.UsageError(f"--mc-backend: {exc}")
    if backend is not None and backend.address is not None:
        try:  # an unreachable scheduler is said now, not after a timeout in every test
            backend.check()
        except ConnectionError as exc:
            backend.close()
            raise pytest.UsageError(f"--dask-address: {exc}") from None
    calibration.configure(config)
    costs.configure(config)
    _freeze_objects_at_exit()
    _check_report_dir(config)
    _use_figure_cache(config)


def _check_invocation(config: pytest.Config) -> None:
    """Stop a run whose option values cost pytest its configuration file, and hand
    pytest-xdist's workers the command line with every value attached to its option (see
    :mod:`claimkit.plugin.invocation`)."""
    params = config.invocation_params
    misread = misread_values(params.args, _VALUE_FLAGS, Path(params.dir),
                             config.inipath is not None,
                             list(config.known_args_namespace.file_or_dir or ()))
    if misread:
        written = ", ".join(f"{flag} {value}" for flag, value in misread)
        fixed = ", ".join(f"{flag}={value}" for flag, value in misread)
        raise pytest.UsageError(
            f"pytest found no configuration file: it chooses one before reading this suite's "
            f"options, and took the value in {written} (an existing path) for a test path. "
            f"Write {fixed} (one word), or name the tests to run (e.g. claims/).")
    if getattr(config.option, "numprocesses", None):
        config.invocation_params = dataclasses.replace(
            params, args=tuple(joined(params.args, _VALUE_FLAGS)))


def _check_report_dir(config: pytest.Config) -> None:
    """Refuse, before any test runs, a report directory that cannot be created or written:
    the run's results would otherwise be lost at its end."""
    if _is_worker(config) or config.getoption("no_claims_report") or catalogue_of(config) is None:
        return
    folder = _report_paths(config)[0].parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise pytest.UsageError(f"--report-dir: cannot write to {folder} ({reason}); pass a "
                                f"writable directory or --no-claims-report.") from None
    _replace_stale_page(config)


def _replace_stale_page(config: pytest.Config) -> None:
    """An older report in this folder must not look current while (or if) this run dies:
    put the in-progress page in its place until this run's report replaces it."""
    from claimkit.report.placeholder import in_progress_page  # noqa: PLC0415

    results_path, html_path = _report_paths(config)
    state = config.stash[_STATE]
    write_atomic(html_path, in_progress_page(
        state.started.isoformat(timespec="seconds"),
        _command(config), results_path.name))


def _use_figure_cache(config: pytest.Config) -> None:
    """Workers draw their checks' figures into a disk cache in the report directory as the
    results arrive; the report then finds them drawn (claimkit.report.figure_cache)."""
    if config.getoption("no_claims_report") or catalogue_of(config) is None:
        return
    from claimkit.report import figure_cache  # noqa: PLC0415 (no matplotlib import here)

    results_path, _ = _report_paths(config)
    config.stash[_FIGURE_CACHE] = figure_cache.use(results_path.parent / figure_cache.DIRNAME)


def _prerender(checks) -> None:
    """Draw the figures of a test's checks into the figure cache (no-op without one)."""
    from claimkit.report.figures import prerender  # noqa: PLC0415

    for check in checks:
        if check.figure is not None:
            try:
                prerender(check.figure)
            except Exception:  # noqa: BLE001 - the report shows a figure's error itself
                pass


def _interrupt_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM (a CI job cancelled, ``kill PID``) ends the run as Ctrl-C does: pytest stops,
    marks the run interrupted and still writes results.json and the page. Without this the
    process would die at once and leave nothing."""
    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"terminated by signal {signum}")

    try:
        config.stash[_SIGTERM] = signal.signal(signal.SIGTERM, interrupt)
    except (ValueError, OSError):  # not the main interpreter thread, or no such signal
        pass


@functools.cache
def _freeze_objects_at_exit() -> None:
    """At interpreter exit, move every live object out of the cyclic garbage collector's reach
    (:func:`gc.freeze`), once per process.

    Tearing down an interpreter that has run torch's optimisers (which import its compiler
    stack and sympy) traverses hundreds of thousands of objects: about 1 s per process that
    used them, and about 2 s at the end of a whole run -- which, under pytest-xdist, the
    controller spends waiting for its workers to exit. Frozen objects are still freed by
    reference counting; only cycles left at exit are not collected, and their memory goes
    back to the system with the process. Registered from ``pytest_configure`` (every result
    is written before exit; standard streams are flushed by the interpreter regardless).
    """
    atexit.register(gc.freeze)  # functools.cache: once per process


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(_SIGTERM, None)
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
    backend = config.stash.get(_BACKEND, None)
    if backend is not None:
        backend.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"claims: root seed {config.getoption('mc_seed')} (--mc-seed), "
            f"scale {config.getoption('mc_scale')} (--mc-scale), "
            f"alpha budget {FAMILY_ALPHA:g} per run ({CHECK_ALPHA:g} per stochastic check)"]


def _claim_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("claim")
    if marker is None:
        return None
    if len(marker.args) != 1 or not isinstance(marker.args[0], str):
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.claim takes one claim ID string.")
    return marker.args[0]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    catalogue = catalogue_of(config)
    for item in items:
        claim = _claim_of(item)
        if claim is None:
            continue
        if catalogue is None:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.claim({claim!r}) needs a "
                                    "catalogue: set claims_catalogue in the ini file or pass "
                                    "--claims-catalogue PATH.")
        if claim not in catalogue:
            raise pytest.UsageError(f"{item.nodeid}: claim {claim!r} is not in the catalogue.")
        item.user_properties.append((CLAIM_KEY, claim))
        item.user_properties.append((TEST_KEY, item.nodeid))


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reports its collection
def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is not None:
        for item in session.items:
            state.collector.expect(item.nodeid, _claim_of(item))
    elif _is_worker(session.config):
        target = session.config.workerinput.get(_COLLECTION_FILE)
        if target:
            write_atomic(target, json.dumps({item.nodeid: _claim_of(item)
                                             for item in session.items}))


@pytest.fixture
def mc(request: pytest.FixtureRequest) -> ClaimRun:
    """Seeds, Monte Carlo budget and evidence recorder of a claim test."""
    claim = _claim_of(request.node)
    if claim is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses `mc` without @pytest.mark.claim.")
    callspec = getattr(request.node, "callspec", None)
    params = {k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
              for k, v in (callspec.params.items() if callspec else [])}
    config = request.config
    run = ClaimRun(claim=claim, test_name=request.node.originalname,
                   case=callspec.id if callspec else "", case_params=params,
                   root_seed=config.getoption("mc_seed"), scale=config.getoption("mc_scale"),
                   chunk_reps=config.getoption("mc_chunk_reps"),
                   backend=config.stash.get(_BACKEND, None))
    request.node.stash[_RUN] = run
    return run


def _expectation_message(run: ClaimRun) -> str:
    lines = [f"{len(run.unexpected())} of {len(run.checks)} checks of {run.claim} "
             "did not give the outcome their role expects:"]
    for c in run.unexpected():
        d = c.decision
        lines.append(f"  - [{c.role}] {c.name}: outcome {d.outcome}, expected {c.expected}; "
                     f"{d.rule}")
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield  # a test body that raises propagates here: it did not complete
    run = item.stash.get(_RUN, None)
    if run is not None:
        if not run.checks:
            raise ClaimExpectationError(f"claim test {item.nodeid} recorded no check.")
        run.completed = True
        if run.unexpected():
            raise ClaimExpectationError(_expectation_message(run))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    run = item.stash.get(_RUN, None)
    if run is not None and call.when == "call":
        if item.config.stash.get(_FIGURE_CACHE, None) is not None:
            _prerender(run.checks)
        payload = json.dumps([c.to_json() for c in run.checks], allow_nan=False)
        report.user_properties = [*report.user_properties, (CHECKS_KEY, payload),
                                  (COMPLETED_KEY, run.completed)]
    return report


def _report_paths(config: pytest.Config) -> tuple[Path, Path]:
    opt = config.getoption("report_dir")
    catalogue = catalogue_of(config)
    if opt:
        base = Path(opt)
        if not base.is_absolute():
            base = Path(config.invocation_params.dir) / base
    elif catalogue is not None:
        base = catalogue.report_dir
    else:
        raise pytest.UsageError("no report directory: pass --report-dir or configure a catalogue.")
    return base / "results.json", base / "index.html"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(_STATE, None)
    if state is None or catalogue_of(config) is None:
        return
    interrupted = state.interrupted or int(exitstatus) == int(pytest.ExitCode.INTERRUPTED) \
        or session.shouldstop is not False
    doc = state.document(exit_status=int(exitstatus), interrupted=interrupted)
    doc = calibration.with_calibration(config, doc)
    _write_ci_outputs(config, doc)
    if config.getoption("no_claims_report"):
        return
    results_path, html_path = _report_paths(config)
    write_json_atomic(doc, results_path)
    state.results_path = results_path
    if not doc["run"]["alpha"]["within"]:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        n_figures = sum(c.get("figure") is not None for cl in doc["claims"] for c in cl["checks"])
        writer = getattr(reporter, "_tw", None)  # xdist's progress line leaves no newline
        if getattr(writer, "width_of_current_line", 0):
            writer.line()
        reporter.write_line(f"claims: rendering {html_path} ({len(doc['claims'])} claims, "
                            f"{n_figures} attached figures, most drawn while the tests ran) ...")
    try:
        from claimkit.report import write_report  # noqa: PLC0415 (matplotlib: load late)
        state.html_path = write_report(results_path, html_path)
    except Exception as exc:  # the JSON is safe on disk; say why the HTML is missing
        print(f"\nclaims: could not render {html_path}: {exc!r}", file=sys.stderr)
        try:  # replace the in-progress page: the run did finish
            from claimkit.report.placeholder import unrendered_page  # noqa: PLC0415

            write_atomic(html_path, unrendered_page(
                state.started.isoformat(timespec="seconds"),
                _command(config), repr(exc),
                results_path.name))
        except Exception:  # noqa: BLE001 - nothing more can be said on the page
            pass
    cache = config.stash.get(_FIGURE_CACHE, None)
    if cache is not None:
        cache.prune()


def _write_ci_outputs(config: pytest.Config, doc: dict) -> None:
    """--claims-summary (Markdown) and the verdict properties of --junitxml's test cases."""
    summary = config.getoption("claims_summary")
    if summary:
        from claimkit.report.markdown import summary_markdown  # noqa: PLC0415

        try:
            path = Path(summary)
            if not path.is_absolute():
                path = Path(config.invocation_params.dir) / path
            with open(path, "a", encoding="utf-8") as fh:  # a CI summary file is appended to
                fh.write(summary_markdown(doc))
        except OSError as exc:
            print(f"\nclaims: could not write the summary {summary}: {exc}", file=sys.stderr)
    xmlpath = getattr(config.option, "xmlpath", None)
    if xmlpath:
        from claimkit.results.junit import add_verdicts  # noqa: PLC0415

        try:
            add_verdicts(Path(config.invocation_params.dir) / xmlpath, doc)
        except (OSError, ValueError) as exc:
            print(f"\nclaims: could not add verdicts to {xmlpath}: {exc}", file=sys.stderr)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or state.results_path is None:
        return
    doc = json.loads(state.results_path.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    supporting: dict[str, int] = {}
    for claim in doc["claims"]:
        into = supporting if claim.get("supporting") else counts
        into[claim["verdict"]] = into.get(claim["verdict"], 0) + 1
    tr = terminalreporter
    tr.section("claims")
    tr.write_line(", ".join(f"{v}: {n}" for v, n in counts.items()))
    if supporting:
        tr.write_line("supporting claims (counted apart): "
                      + ", ".join(f"{v}: {n}" for v, n in supporting.items()))
    mismatched = [c["id"] for c in doc["claims"]
                  if not c["verdict_matches"] and c["verdict"] != "not run"]
    if mismatched:
        tr.write_line("verdict differs from the catalogue's expectation: " + ", ".join(mismatched))
    alpha = doc["run"]["alpha"]
    tr.write_line(f"alpha spent: {alpha['spent']:.3g} of {alpha['family']:g} "
                  f"({alpha['stochastic_checks']} stochastic checks)"
                  + ("" if alpha["within"] else "  -- OVER BUDGET"))
    tr.write_line(f"results: {state.results_path}")
    if state.html_path is not None:
        tr.write_line(f"report:  {state.html_path}")


#: workerinput key: the file a worker writes its collected tests' claims to.
_COLLECTION_FILE = "claims_collection_file"


class _XdistController:
    """Controller-side hooks that exist only with pytest-xdist.

    The controller does not collect; it must still know every test's claim from the start,
    or an interrupted run could not say which claims were partly run. Each worker writes
    ``{nodeid: claim}`` of its collection to a file before it reports its collection (see
    :func:`pytest_collection_finish`); the controller reads it when that report arrives.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.folder = Path(tempfile.mkdtemp(prefix="claims-collection-"))

    def pytest_configure_node(self, node) -> None:
        node.workerinput[_COLLECTION_FILE] = str(self.folder / f"{node.gateway.id}.json")

    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        collector = self.config.stash[_STATE].collector
        try:
            claims = json.loads((self.folder / f"{node.gateway.id}.json").read_text())
        except (OSError, ValueError):
            claims = {}
        for nodeid in ids:
            collector.expect(nodeid, claims.get(nodeid))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
