"""Broken runs still give a complete, inert report: interrupted, crashed worker, raising test,
hostile parameter ids. Each case runs a tiny claims suite in a pytester subprocess with the
plugin and checks results.json and index.html: every collected test appears with its state, the
page parses to the expected structure, and nothing in it can run or load."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from html.parser import HTMLParser

from pathlib import Path

import pytest
from markupsafe import escape

from claimkit.report import render, validate_results

#: The repository's catalogue, passed explicitly: pytester runs outside its ini file.
CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

pytest_plugins = ["pytester"]

HEADER = '''
import os
import pytest
from claimkit.evidence import Decision


def exact(ok=True):
    """An exact-identity decision that passes (or fails)."""
    return Decision("pass" if ok else "fail", "exact", "max |a - e| / tol = 0 <= 1", 0.0,
                    margin=1e-12, delta=1e-12, n_reps=10, statistic=0.0 if ok else 2.0)
'''

#: Parametrisation ids an attacker (or an unlucky test author) could produce.
HOSTILE_IDS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "javascript:alert(3)",
    "'; touch pwned; echo '",
    "$(id)`id`&amp;!x",
]


class PageStructure(HTMLParser):
    """Collects what matters for inertness and completeness from the report's HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.urls: list[str] = []
        self.states: dict[str, str] = {}
        self.claims: list[str] = []
        self.commands: list[str] = []
        self._in_cmd = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        self.handlers += [(tag, k) for k in a if k.lower().startswith("on")]
        self.urls += [v or "" for k, v in a.items() if k in ("src", "href", "xlink:href", "action")]
        if "data-nodeid" in a and a["data-nodeid"]:
            self.states[a["data-nodeid"] or ""] = a.get("data-outcome") or ""
        if tag == "article" and "claim" in (a.get("class") or ""):
            self.claims.append(a.get("id") or "")
        self._in_cmd = tag == "code" and "cmd" in (a.get("class") or "").split()

    def handle_data(self, data: str) -> None:
        if self._in_cmd:
            self.commands.append(data)
            self._in_cmd = False


def _run(pytester: pytest.Pytester, source: str, *args: str) -> tuple[pytest.RunResult, dict, str]:
    """Run ``source`` as a claims suite; return the result, results.json and index.html."""
    pytester.makepyfile(test_suite=HEADER + source)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir", str(out),
                                           "-p", "no:cacheprovider", *args)
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    page = (out / "index.html").read_text(encoding="utf-8")
    # No temp files; besides the two outputs only the figure cache (claimkit.report.figure_cache).
    assert sorted(p.name for p in out.iterdir()) in (["index.html", "results.json"],
                                                     [".figure-cache", "index.html",
                                                      "results.json"])
    assert not list(out.glob(".figure-cache/*.tmp"))
    return result, doc, page


def _states(doc: dict) -> dict[str, str]:
    """Every test of results.json (claimed or not) with its outcome."""
    tests = [t for c in doc["claims"] for t in c["tests"]] + doc["unclaimed_tests"]
    return {t["nodeid"]: t["outcome"] for t in tests}


def _check_page(doc: dict, page: str) -> PageStructure:
    """The page is the renderer's output for results.json, complete and inert."""
    assert page == render(load_results_dict(doc))
    parsed = PageStructure()
    parsed.feed(page)
    assert parsed.tags.count("script") == 1
    assert not set(parsed.tags) & {"img", "iframe", "object", "embed", "link", "base", "form"}
    assert parsed.handlers == []
    assert all(u.startswith("#") for u in parsed.urls), parsed.urls
    # The documents' claims in catalogue order, then the supporting claims in their own part.
    ordered = sorted(doc["claims"], key=lambda c: bool(c.get("supporting")))
    assert parsed.claims == [f"claim-{c['id']}" for c in ordered]
    assert parsed.states == _states(doc)
    return parsed


def load_results_dict(doc: dict) -> dict:
    """``doc`` validated as ``load_results`` would after reading it."""
    return validate_results(json.loads(json.dumps(doc)))


def test_interrupted_run_reports_every_collected_test(pytester: pytest.Pytester) -> None:
    """Ctrl-C mid-run: the finished test passed, the interrupted and later ones are 'not run'."""
    result, doc, page = _run(pytester, '''
@pytest.mark.claim("EX-01")
def test_a_first(mc):
    mc.record("runs before the interrupt", exact())

@pytest.mark.claim("EX-02")
def test_b_interrupted(mc):
    mc.record("recorded, then interrupted", exact())
    raise KeyboardInterrupt

@pytest.mark.claim("EX-03")
def test_c_never_reached(mc):
    mc.record("never runs", exact())
''')
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert doc["run"]["interrupted"] is True and doc["run"]["exit_status"] == 2
    assert _states(doc) == {"test_suite.py::test_a_first": "passed",
                            "test_suite.py::test_b_interrupted": "not run",
                            "test_suite.py::test_c_never_reached": "not run"}
    verdicts = {c["id"]: c["verdict"] for c in doc["claims"]}
    assert (verdicts["EX-01"], verdicts["EX-02"], verdicts["EX-03"]) == ("supported", "not run",
                                                                         "not run")
    _check_page(doc, page)
    assert 'class="banner" role="alert">This run was interrupted (exit status 2)' in page
    assert "Claims not checked in this run" in page


def test_crashed_xdist_worker_is_reported_and_the_rest_complete(pytester: pytest.Pytester) -> None:
    """os._exit in a test under -n 2: that test is 'failed' (worker crashed), all others pass."""
    result, doc, page = _run(pytester, '''
@pytest.mark.claim("EX-01")
@pytest.mark.parametrize("k", range(4))
def test_fine(mc, k):
    mc.record(f"fine {k}", exact())

@pytest.mark.claim("LIK-04")
def test_crash(mc):
    os._exit(3)

def test_unclaimed():
    pass
''', "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    states = _states(doc)
    assert states == {**{f"test_suite.py::test_fine[{k}]": "passed" for k in range(4)},
                      "test_suite.py::test_crash": "failed", "test_suite.py::test_unclaimed": "passed"}
    crash = next(t for c in doc["claims"] for t in c["tests"] if t["nodeid"].endswith("test_crash"))
    assert "crashed" in crash["message"]
    assert next(c for c in doc["claims"] if c["id"] == "LIK-04")["verdict"] == "inconclusive"
    _check_page(doc, page)
    failures = page[page.index('id="failures"'):page.index('id="contents"')]
    assert "test_suite.py::test_crash" in failures and "crashed" in failures


def test_raising_claim_test_is_failed_inconclusive_and_escaped(pytester: pytest.Pytester) -> None:
    """A claim test that raises is 'failed'; its message is shown escaped and its claim inconclusive."""
    result, doc, page = _run(pytester, '''
@pytest.mark.claim("EX-02")
def test_raises(mc):
    raise RuntimeError("numerical trouble <b>bold</b> & 'quotes'")

@pytest.mark.claim("EX-01")
def test_ok(mc):
    mc.record("fine", exact())
''')
    result.assert_outcomes(failed=1, passed=1)
    assert _states(doc) == {"test_suite.py::test_raises": "failed", "test_suite.py::test_ok": "passed"}
    ex02 = next(c for c in doc["claims"] if c["id"] == "EX-02")
    assert ex02["verdict"] == "inconclusive" and not ex02["verdict_matches"]
    _check_page(doc, page)
    assert "<b>bold</b>" not in page
    assert "numerical trouble &lt;b&gt;bold&lt;/b&gt; &amp; &#39;quotes&#39;" in page
    article = page[page.index('id="claim-EX-02"'):page.index("</article>", page.index('id="claim-EX-02"'))]
    assert "No check recorded: the test broke before recording evidence." in article


def test_hostile_parameter_ids_are_escaped_inert_and_reproducible(pytester: pytest.Pytester) -> None:
    """Ids with HTML, JavaScript and shell syntax appear as text, and their commands rerun them."""
    result, doc, page = _run(pytester, f'''
IDS = {HOSTILE_IDS!r}

@pytest.mark.claim("EX-01")
@pytest.mark.parametrize("label", IDS, ids=IDS)
def test_hostile(mc, label):
    mc.record("check " + label, exact(), params={{"label": label}})
''')
    result.assert_outcomes(passed=len(HOSTILE_IDS))
    expected = {f"test_suite.py::test_hostile[{i}]" for i in HOSTILE_IDS}
    assert set(_states(doc)) == expected
    parsed = _check_page(doc, page)
    for hostile in ("<script>alert(1)", '"><img src=x', "<img"):
        assert hostile not in page
    # Every reproducing command survives the shell: its one argument is the node id, verbatim.
    commands = [c for c in parsed.commands if "test_hostile" in c]
    assert len(commands) == len(HOSTILE_IDS)
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "pytest" and argv[1] in expected
        assert argv[2:] == ["--mc-seed", str(doc["run"]["root_seed"]), "--mc-scale", doc["run"]["scale"]]
    assert str(escape(f"check {HOSTILE_IDS[1]}")) in page


def test_rerun_of_a_hostile_id_from_its_command_selects_that_test(pytester: pytest.Pytester) -> None:
    """Running the report's command for a hostile id (through bash) runs exactly that test."""
    _result, doc, page = _run(pytester, f'''
@pytest.mark.claim("EX-01")
@pytest.mark.parametrize("label", {HOSTILE_IDS[3:]!r}, ids={HOSTILE_IDS[3:]!r})
def test_hostile(mc, label):
    mc.record("check", exact())
''')
    parsed = PageStructure()
    parsed.feed(page)
    command = next(c for c in parsed.commands if "touch" in c)
    command = command.replace("pytest ", f"{shlex.quote(sys.executable)} -m pytest --claims-catalogue {shlex.quote(CATALOGUE_ARG)} "
                              "--no-claims-report -p no:cacheprovider -q ", 1)
    proc = subprocess.run(["bash", "-c", command], cwd=pytester.path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert not (pytester.path / "pwned").exists()


INTERRUPTIBLE = '''
import time
from pathlib import Path

@pytest.mark.claim("EX-01")
@pytest.mark.parametrize("k", range(4))
def test_quick(mc, k):
    mc.record(f"quick {k}", exact())

@pytest.mark.claim("EX-01")
def test_slow_part_of_ex01(mc):
    Path("started-ex01").write_text("")
    time.sleep(60)
    mc.record("never recorded", exact())

@pytest.mark.claim("EX-02")
@pytest.mark.parametrize("k", range(3))
def test_slow(mc, k):
    Path(f"started-ex02-{k}").write_text("")
    time.sleep(60)
    mc.record("never recorded", exact())

@pytest.mark.claim("EX-03")
def test_late(mc):
    mc.record("late", exact())
'''


def _interrupt(pytester: pytest.Pytester, sig: int, *args: str, group: bool = True
               ) -> tuple[int, dict, str]:
    """Run INTERRUPTIBLE in a real subprocess, send ``sig`` once a slow test has started on
    every worker (to the whole process group, as a terminal's Ctrl-C does, or to the
    controller alone)."""
    import os
    import signal
    import time

    pytester.makepyfile(test_suite=HEADER + INTERRUPTIBLE)
    out = pytester.path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "--claims-catalogue", CATALOGUE_ARG,
                             "--report-dir", str(out), "-p", "no:cacheprovider", "-p",
                             "no:randomly", *args], cwd=pytester.path, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    busy = 2 if "-n" in args else 1
    while len(list(pytester.path.glob("started-*"))) < busy and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    (os.killpg(proc.pid, sig) if group else os.kill(proc.pid, sig))
    try:
        output, _ = proc.communicate(timeout=60)
    finally:
        if sig == signal.SIGKILL:       # the controller is gone: end its orphaned workers
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    page = (out / "index.html").read_text(encoding="utf-8")
    return proc.returncode, doc, page + "\n<!--output\n" + output


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_interrupted_run_keeps_every_test_with_its_claim(pytester, workers, sig):
    """Ctrl-C (SIGINT to the process group) or SIGTERM to the controller mid-run, serial and
    -n 2: results.json and index.html are written; every collected test appears with its
    claim and state; a partly-run claim is never given a firm verdict; the page says the run
    was interrupted."""
    import signal

    code, doc, page = _interrupt(pytester, getattr(signal, sig), *workers,
                                 group=sig == "SIGINT")
    assert doc["run"]["interrupted"] is True, page[-3000:]
    assert doc["unclaimed_tests"] == []
    claims = {c["id"]: c for c in doc["claims"]}
    tests = {t["nodeid"]: (c["id"], t["outcome"]) for c in doc["claims"] for t in c["tests"]}
    assert len(tests) == 9
    assert {k for k, (claim, _) in tests.items() if claim == "EX-01"} == {
        *(f"test_suite.py::test_quick[{k}]" for k in range(4)),
        "test_suite.py::test_slow_part_of_ex01"}
    assert tests["test_suite.py::test_slow_part_of_ex01"][1] == "not run"
    assert claims["EX-01"]["verdict"] in ("partly checked", "not run")
    assert claims["EX-02"]["verdict"] == "not run"
    assert claims["EX-03"]["verdict"] in ("supported", "not run")
    if claims["EX-03"]["verdict"] == "supported":
        assert tests["test_suite.py::test_late"][1] == "passed"
    assert "This run was interrupted" in page


def test_in_progress_page_escapes_and_validates():
    from claimkit.report.placeholder import in_progress_page

    page = in_progress_page("2026-12-04T10:00:00+00:00", "pytest -k '<script>'")
    assert "&lt;script&gt;" in page and "<script>" not in page
    with pytest.raises(ValueError, match="`command`"):
        in_progress_page("2026", "")


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_killed_controller_leaves_every_test_with_its_claim_and_no_stale_page(pytester, workers):
    """SIGKILL of the controller mid-run (serial and -n 2): the last snapshot lists every
    collected test under its claim, partly-run claims are not firm, and the page in the folder
    is the in-progress page, not an older report."""
    import signal

    out = pytester.path / "out"
    out.mkdir()
    (out / "index.html").write_text("<html>OLD COMPLETE REPORT</html>")
    code, doc, page = _interrupt(pytester, signal.SIGKILL, "--mc-snapshot-seconds", "0",
                                 *workers, group=False)
    assert code == -signal.SIGKILL
    assert doc["run"]["in_progress"] is True and doc["unclaimed_tests"] == []
    claims = {c["id"]: c for c in doc["claims"]}
    tests = {t["nodeid"]: c["id"] for c in doc["claims"] for t in c["tests"]}
    assert len(tests) == 9 and tests["test_suite.py::test_slow_part_of_ex01"] == "EX-01"
    assert claims["EX-01"]["verdict"] in ("partly checked", "not run")
    assert claims["EX-02"]["verdict"] == "not run"
    assert "OLD COMPLETE REPORT" not in page and 'id="in-progress"' in page
