"""Where Monte Carlo chunks run: in this process, or on dask.distributed workers.

A backend has the signature of :data:`claimkit.engine.Backend`: ``backend(fn, tasks)``
evaluates the chunk function ``fn`` on every chunk task and returns the results *in task
order*. Randomness is attached to the replication blocks inside each task (see
:mod:`claimkit.seeding`), never to the worker that runs it, so every backend gives
bit-identical numbers.

The Dask backend connects lazily: no cluster is started until the first chunk is submitted.
Without an address it starts a :class:`distributed.LocalCluster` of threads in this process
(``processes=False``): chunk functions are closures over kernels that are often lambdas in
test modules, which threads need not pickle. With an address (a cluster started separately,
``dask scheduler`` and ``dask worker`` in the same Python environment):

* :meth:`DaskBackend.check` connects and waits for a worker with a bounded timeout, so that
  an unreachable scheduler is a clear error before the first test;
* the modules that define the kernels but that a worker cannot import -- the claim test
  modules, loaded by pytest from the repository rather than installed -- are pickled *by
  value* (``cloudpickle.register_pickle_by_value``), so workers need no ``PYTHONPATH``;
* a submission that finds no worker for :data:`NO_WORKER_TIMEOUT` seconds fails with a
  message instead of waiting for ever.

References
----------
Dask developers, "dask.distributed: Futures", ``Client.map`` and ``Client.gather``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from claimkit.engine import Backend

__all__ = ["BACKENDS", "DaskBackend", "dask_available", "dask_backend", "local_backend",
           "make_backend"]

#: Names accepted by :func:`make_backend` (and by ``--mc-backend``).
BACKENDS: tuple[str, ...] = ("local", "dask")

#: Workers of the local cluster started when no scheduler address is given.
DEFAULT_DASK_WORKERS: int = 2
#: Seconds to reach a scheduler and see a worker before the run starts.
CONNECT_TIMEOUT: float = 15.0
#: Seconds a submission may go on with no worker in the cluster before it fails.
NO_WORKER_TIMEOUT: float = 30.0
#: Installed packages (importable on any worker of the same environment): never by value.
_INSTALLED_TOP_LEVEL = ("claimkit", "simulations")


def local_backend(fn: Callable[[Any], np.ndarray], tasks: Sequence[Any]) -> list:
    """Evaluate ``fn`` on every task in this process, in order.

    Parameters
    ----------
    fn : callable
        Chunk function ``fn(task) -> numpy.ndarray``.
    tasks : sequence
        Chunk tasks.

    Returns
    -------
    list
        ``[fn(t) for t in tasks]``.
    """
    if not callable(fn):
        raise ValueError("`fn` must be callable.")
    return [fn(t) for t in tasks]


def dask_available() -> bool:
    """True when ``dask.distributed`` can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


class DaskBackend:
    """Chunks on dask.distributed workers, submitted with ``Client.map`` and gathered in order.

    Parameters
    ----------
    client : distributed.Client, optional
        A connected client. When omitted, one is created on first use: connected to
        ``address`` if given, else to a new local cluster of ``n_workers`` thread workers.
    address : str, optional
        Scheduler address, e.g. ``"tcp://10.0.0.5:8786"``.
    n_workers : int, optional
        Workers of the local cluster (ignored with ``client`` or ``address``).
    code_root : path, optional
        With ``address``: loaded modules under this folder that are not installed packages
        (the claim test modules) are pickled by value for the remote workers.
    """

    def __init__(self, client: Any = None, *, address: str | None = None,
                 n_workers: int = DEFAULT_DASK_WORKERS,
                 code_root: str | os.PathLike[str] | None = None) -> None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"`n_workers` must be a positive integer, got {n_workers!r}.")
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise ValueError("`address` must be a non-empty scheduler address string.")
        if client is not None and address is not None:
            raise ValueError("`address` must be omitted when `client` is given.")
        self._client = client
        self._owned: list[Any] = []
        self.address = address
        self.n_workers = n_workers
        self.code_root = None if code_root is None else Path(code_root).resolve()
        self._shipped: set[str] = set()

    @property
    def client(self) -> Any:
        """The connected client (created on first access)."""
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.address is not None:
                self._client = Client(self.address, timeout=CONNECT_TIMEOUT)
            else:
                cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1,
                                       processes=False, dashboard_address=":0",
                                       silence_logs=logging.ERROR)
                self._owned.append(cluster)
                self._client = Client(cluster)
            self._owned.insert(0, self._client)
        return self._client

    def check(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Connect now and wait up to ``timeout`` s for a worker.

        Raises
        ------
        ConnectionError
            Naming the address, when the scheduler cannot be reached or has no worker.
        """
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except Exception as exc:  # OSError, TimeoutError, CommClosedError, ...
            where = self.address or "the local cluster"
            raise ConnectionError(f"cannot use dask scheduler {where}: "
                                  f"{type(exc).__name__}: {exc}".rstrip(": ")) from None

    def _ship_code(self) -> None:
        """Pickle by value every loaded module under :attr:`code_root` that workers cannot
        import (not an installed package of this project)."""
        if self.code_root is None:
            return
        import cloudpickle

        for name, module in list(sys.modules.items()):
            if name in self._shipped or name.split(".")[0] in _INSTALLED_TOP_LEVEL:
                continue
            path = getattr(module, "__file__", None)
            if not path:
                continue
            try:
                inside = Path(path).resolve().is_relative_to(self.code_root)
            except OSError:
                continue
            if inside:
                cloudpickle.register_pickle_by_value(module)
                self._shipped.add(name)

    def _gather(self, client: Any, futures: list) -> list:
        """Results in order; fails when the cluster has had no worker for
        :data:`NO_WORKER_TIMEOUT` seconds."""
        from distributed import wait

        since: float | None = None
        while True:
            try:
                wait(futures, timeout=1.0)
                return list(client.gather(futures))
            except TimeoutError:
                pass
            workers = client.scheduler_info().get("workers", {})
            if workers:
                since = None
                continue
            since = since if since is not None else time.monotonic()
            if time.monotonic() - since >= NO_WORKER_TIMEOUT:
                client.cancel(futures)
                raise RuntimeError(f"no dask worker left in {self.address or 'the cluster'} "
                                   f"for {NO_WORKER_TIMEOUT:g} s; "
                                   f"{sum(not f.done() for f in futures)} chunk(s) unfinished")

    def __call__(self, fn: Callable[[Any], np.ndarray], tasks: Sequence[Any]) -> list:
        """Evaluate ``fn`` on every task on the cluster; results in task order."""
        if not callable(fn):
            raise ValueError("`fn` must be callable.")
        tasks = list(tasks)
        if not tasks:
            return []
        client = self.client
        if self.address is not None:
            self._ship_code()
        futures = client.map(fn, tasks, pure=False)
        return self._gather(client, futures)

    def close(self) -> None:
        """Close the client and the local cluster this object started (idempotent)."""
        owned, self._owned = self._owned, []
        for obj in owned:
            obj.close()
        if owned:
            self._client = None


def dask_backend(client: Any) -> Backend:
    """A backend that runs chunks on the workers of ``client``.

    Parameters
    ----------
    client : distributed.Client
        A connected client (the caller keeps ownership and closes it).

    Returns
    -------
    callable
        ``backend(fn, tasks) -> list`` for :func:`claimkit.engine.simulate`.

    Examples
    --------
    >>> from distributed import Client, LocalCluster          # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2, processes=False))  # doctest: +SKIP
    >>> simulate(kernel, 10_000, seed, backend=dask_backend(client))  # doctest: +SKIP
    """
    if client is None or not hasattr(client, "map") or not hasattr(client, "gather"):
        raise ValueError("`client` must be a dask.distributed Client (with map and gather).")
    return DaskBackend(client)


def make_backend(name: str, address: str | None = None,
                 n_workers: int = DEFAULT_DASK_WORKERS,
                 code_root: str | os.PathLike[str] | None = None) -> DaskBackend | None:
    """The backend selected by name, as the plugin's ``--mc-backend`` option does.

    Parameters
    ----------
    name : {'local', 'dask'}
        ``'local'`` returns None (the engine's own loop, which reports progress);
        ``'dask'`` returns a lazily connecting :class:`DaskBackend`.
    address : str, optional
        Scheduler address for ``'dask'``; a local cluster when omitted.
    n_workers : int, optional
        Workers of that local cluster.
    code_root : path, optional
        Folder whose loaded, not-installed modules are shipped to remote workers by value.

    Returns
    -------
    DaskBackend or None
    """
    if name not in BACKENDS:
        raise ValueError(f"`name` must be one of {BACKENDS}, got {name!r}.")
    if name == "local":
        if address is not None:
            raise ValueError("`address` needs the 'dask' backend.")
        return None
    if not dask_available():
        raise ImportError("the 'dask' backend needs dask.distributed: "
                          "pip install 'mle-claims[dask]'.")
    return DaskBackend(address=address, n_workers=n_workers, code_root=code_root)
