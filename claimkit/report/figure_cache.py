"""A content-addressed disk cache of drawn figures, shared by the test workers and the report.

Under pytest-xdist the report is rendered by the controller after every worker has finished,
so drawing there would add a serial tail to the run (small since figures are written as SVG
directly, 0.3–3 ms each, but a report of many claims has hundreds). Instead each worker
draws the figures of its own checks as their results arrive
(:func:`claimkit.report.figures.prerender`) and stores the SVG here under the hash of
everything the drawing depends on -- the normalised spec, the size, the drawing code and the
matplotlib version (its font metrics measure the text); the controller then finds them drawn. Equal inputs give equal bytes, so a
cached figure is exactly the one the controller would have drawn.

The cache lives in the report directory (``.figure-cache/``); after a report is written,
entries no process of the run used are pruned, so the folder holds the figures of the last run.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import time
from pathlib import Path

__all__ = ["FigureCache", "active", "use"]

#: Folder of the cache inside a report directory.
DIRNAME = ".figure-cache"


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    """Hash of the drawing code and the matplotlib version (its font metrics place the text;
    part of every key)."""
    import matplotlib

    here = Path(__file__).resolve().parent
    h = hashlib.sha256(matplotlib.__version__.encode())
    for name in ("figures.py", "svgdraw.py", "figure_cache.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


class FigureCache:
    """SVG text by key in one folder; writes are atomic (a reader never sees half a file).

    Parameters
    ----------
    folder : path
        Where the entries live; created on first write.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.started = time.time()

    def key(self, *parts: str) -> str:
        """The key of a drawing: a hash of ``parts`` and the drawing code's version."""
        h = hashlib.sha256(_code_version().encode())
        for part in parts:
            h.update(b"\x00" + part.encode())
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.svg"

    def get(self, key: str) -> str | None:
        """The cached SVG, or None; a hit is marked as used by this run (its time touched)."""
        path = self._path(key)
        try:
            text = path.read_text(encoding="utf-8")
            os.utime(path)
        except OSError:
            return None
        return text

    def put(self, key: str, svg: str) -> None:
        """Store ``svg`` under ``key``; a cache that cannot be written is skipped silently
        (it only saves time)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(svg)
            os.replace(tmp, self._path(key))
        except OSError:
            pass

    def prune(self, since: float | None = None) -> int:
        """Delete entries not written or read since ``since`` (default: this object's
        creation); return how many were deleted."""
        cutoff = self.started if since is None else since
        removed = 0
        if not self.folder.is_dir():
            return 0
        for path in self.folder.iterdir():
            try:
                if path.suffix in (".svg", ".tmp") and path.stat().st_mtime < cutoff - 1.0:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


_ACTIVE: list[FigureCache] = []


def use(folder: str | os.PathLike[str] | None) -> FigureCache | None:
    """Make ``folder`` this process's figure cache (None: no disk cache); return it."""
    _ACTIVE.clear()
    if folder is None:
        return None
    cache = FigureCache(folder)
    _ACTIVE.append(cache)
    return cache


def active() -> FigureCache | None:
    """The process's figure cache, if one is in use."""
    return _ACTIVE[0] if _ACTIVE else None
