"""Chunk backends: the local loop and dask.distributed give bit-identical Monte Carlo numbers."""

from __future__ import annotations

import json

import numpy as np
from pathlib import Path

import pytest

from claimkit.backends import (DaskBackend, dask_available, dask_backend, local_backend,
                                  make_backend)
from claimkit.engine import simulate
from claimkit.seeding import BLOCK_SIZE, check_seed

#: The repository's catalogue, passed explicitly: pytester runs outside its ini file.
CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

pytest_plugins = ["pytester"]

needs_dask = pytest.mark.skipif(not dask_available(),
                                reason="dask.distributed is not installed: "
                                       "pip install 'mle-claims[dask]'")


def _var_kernel(rng, size):
    return rng.normal(size=(size, 7)).var(axis=1)


class _SplitKernel:
    """Draw and statistic separated: the statistic sees a whole chunk."""

    def draw(self, rng, size):
        return rng.exponential(size=(size, 4)), rng.integers(0, 3, size=(size, 4))

    def statistic(self, data):
        x, k = data
        return np.stack([x.mean(axis=1), k.sum(axis=1)], axis=1)


KERNELS = pytest.mark.parametrize("kernel", [_var_kernel, _SplitKernel()],
                                  ids=["callable", "split"])


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


# --------------------------------------------------------------------------------------------
# local
# --------------------------------------------------------------------------------------------

def test_local_backend_maps_in_order():
    """local_backend returns fn(task) for every task, in task order."""
    assert local_backend(lambda t: t * 2, [3, 1, 2]) == [6, 2, 4]


@KERNELS
def test_local_backend_equals_the_engine_default(kernel):
    """Passing local_backend explicitly changes no number."""
    seed = check_seed(3, "EX-04", "local")
    ref = simulate(kernel, 3 * BLOCK_SIZE + 5, seed).stats
    got = simulate(kernel, 3 * BLOCK_SIZE + 5, seed, backend=local_backend,
                   chunk_reps=BLOCK_SIZE).stats
    assert np.array_equal(got, ref)


def test_make_backend_local_is_the_engine_loop():
    """'local' selects the engine's own loop (None), which also reports progress."""
    assert make_backend("local") is None


@pytest.mark.parametrize("call, match", [
    (lambda: make_backend("spark"), "`name` must be one of"),
    (lambda: make_backend("local", "tcp://h:8786"), "`address` needs the 'dask' backend"),
    (lambda: local_backend(3, []), "`fn` must be callable"),
    (lambda: DaskBackend(n_workers=0), "`n_workers` must be a positive integer"),
    (lambda: DaskBackend(address=" "), "`address` must be a non-empty scheduler address"),
    (lambda: dask_backend(None), "`client` must be a dask.distributed Client"),
])
def test_bad_backend_input_raises(call, match):
    """Unknown names, stray addresses and non-clients raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------------------------
# dask
# --------------------------------------------------------------------------------------------

@needs_dask
@KERNELS
@pytest.mark.parametrize("n_reps, chunk", [(1, BLOCK_SIZE), (5 * BLOCK_SIZE + 17, BLOCK_SIZE),
                                           (5 * BLOCK_SIZE + 17, 3 * BLOCK_SIZE)])
def test_dask_gives_the_local_numbers(client, kernel, n_reps, chunk):
    """Chunks on Dask workers reproduce the local run bit for bit, for any chunking."""
    seed = check_seed(11, "ASY-01", "dask", {"n": 7})
    ref = simulate(kernel, n_reps, seed)
    got = simulate(kernel, n_reps, seed, chunk_reps=chunk, backend=dask_backend(client))
    assert np.array_equal(got.stats, ref.stats) and got.seed == ref.seed


@needs_dask
def test_dask_backend_keeps_task_order(client):
    """Results come back in task order whatever worker finishes first."""
    assert dask_backend(client)(lambda t: np.full(1, t), list(range(20))) == \
        [np.full(1, t) for t in range(20)]


@needs_dask
def test_dask_backend_connects_lazily_and_closes_its_cluster():
    """No cluster before the first chunk; close() shuts down what it started, twice is fine."""
    backend = make_backend("dask")
    assert isinstance(backend, DaskBackend) and backend._client is None
    try:
        seed = check_seed(1, "EX-04", "lazy")
        assert np.array_equal(simulate(_var_kernel, 700, seed, backend=backend).stats,
                              simulate(_var_kernel, 700, seed).stats)
    finally:
        backend.close()
        backend.close()
    assert backend._client is None


@needs_dask
def test_borrowed_client_is_not_closed(client):
    """A backend made from the caller's client leaves that client open."""
    dask_backend(client).close()
    assert client.status == "running"


# --------------------------------------------------------------------------------------------
# the plugin option
# --------------------------------------------------------------------------------------------

SUITE = '''
import numpy as np
import pytest

from claimkit import decisions, mcse


@pytest.mark.claim("EX-04")
@pytest.mark.parametrize("n", [2, 10])
def test_bias(mc, n):
    res = mc.simulate("var", lambda rng, size: rng.normal(size=(size, n)).var(axis=1), 3000, n=n)
    est = mcse.mean(res.stats)
    mc.record("mean of MLE variance",
              decisions.z_test(est.value, est.mcse, (n - 1) / n, alpha=mc.alpha,
                               n_reps=res.n_reps), seed=res.seed)
'''


def _numbers(pytester, *args):
    pytester.makepyfile(test_tiny=SUITE)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--report-dir",
                                           str(out), "--mc-chunk-reps", "512", *args)
    result.assert_outcomes(passed=2)
    doc = json.loads((out / "results.json").read_text())
    return {(c["test"], c["name"]): {k: c[k] for k in ("estimate", "mcse", "ci", "outcome",
                                                       "seed", "n_reps")}
            for claim in doc["claims"] for c in claim["checks"]}


@needs_dask
def test_mc_backend_dask_writes_the_local_numbers(pytester):
    """pytest --mc-backend dask writes the same results.json numbers as the local run."""
    local = _numbers(pytester)
    dask = _numbers(pytester, "--mc-backend", "dask")
    assert local and dask == local


def test_dask_address_without_dask_backend_is_a_usage_error(pytester):
    """--dask-address needs --mc-backend dask; the run stops with a clear message."""
    pytester.makepyfile(test_tiny=SUITE)
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--dask-address",
                                           "tcp://127.0.0.1:8786")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mc-backend: `address` needs the 'dask' backend*"])


# --------------------------------------------------------------------------------------------
# a cluster started separately: scheduler and two workers as their own processes
# --------------------------------------------------------------------------------------------

@pytest.fixture
def separate_cluster(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, started from an
    empty folder with no PYTHONPATH: they know nothing of this repository's test modules."""
    import os
    import shutil
    import subprocess
    import sys
    import time

    dask_cli = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    if dask_cli is None:
        pytest.fail("the dask command-line tool is missing (it comes with dask[distributed])")
    home = tmp_path_factory.mktemp("cluster")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    info = home / "scheduler.json"
    procs = [subprocess.Popen([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(info)], cwd=home,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert info.exists(), "the scheduler did not start within 60 s"
        time.sleep(0.3)
        address = json.loads(info.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen([dask_cli, "worker", address, "--nthreads", "1",
                                           "--no-dashboard", "--local-directory", str(home)],
                                          cwd=home, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        yield address, procs
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@needs_dask
def test_separately_started_cluster_gives_the_local_numbers(pytester, separate_cluster):
    """--dask-address of a scheduler with two worker processes: the kernels (lambdas in a test
    module the workers cannot import) are shipped by value; the numbers equal the local run's."""
    address, _ = separate_cluster
    local = _numbers(pytester)
    remote = _numbers(pytester, "--mc-backend", "dask", "--dask-address", address)
    assert local and remote == local


@needs_dask
def test_unreachable_scheduler_is_a_usage_error_before_any_test(pytester):
    """A scheduler address nobody listens on: one clear usage error, no test waits."""
    import socket

    with socket.socket() as s:                 # a free port, closed again: nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pytester.makepyfile(test_tiny=SUITE)
    import claimkit.backends as backends
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "--mc-backend",
                                           "dask", "--dask-address", f"tcp://127.0.0.1:{port}",
                                           timeout=backends.CONNECT_TIMEOUT + 60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--dask-address: cannot use dask scheduler "
                                 f"tcp://127.0.0.1:{port}*"])


@needs_dask
def test_a_cluster_without_workers_fails_a_submission_in_bounded_time(separate_cluster,
                                                                     monkeypatch):
    """Every worker gone: the submission fails with a message after NO_WORKER_TIMEOUT."""
    import time

    import claimkit.backends as backends

    address, procs = separate_cluster
    backend = DaskBackend(address=address)
    try:
        backend.check()
        for p in procs[1:]:                     # kill both workers
            p.kill()
            p.wait()
        deadline = time.monotonic() + 30
        while backend.client.scheduler_info()["workers"] and time.monotonic() < deadline:
            time.sleep(0.2)
        monkeypatch.setattr(backends, "NO_WORKER_TIMEOUT", 2.0)
        t0 = time.monotonic()
        with pytest.raises(RuntimeError, match="no dask worker left"):
            backend(np.zeros, [1, 2])          # importable everywhere: only workers lack
        assert time.monotonic() - t0 < 30
    finally:
        backend.close()

