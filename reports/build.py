"""Write the report file: load and validate ``results.json``, render, replace the HTML atomically."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .load import load_results
from .render import render

__all__ = ["write_report", "write_atomic"]


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same directory and
    ``os.replace``, so that readers see either the old file or the complete new one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def write_report(results_path: str | os.PathLike[str], html_path: str | os.PathLike[str]) -> Path:
    """Render ``results_path`` to ``html_path`` atomically and return ``html_path``.

    Raises
    ------
    reports.load.ResultsError
        If the results file is missing, malformed or violates the schema; ``html_path`` is then
        left exactly as it was.
    OSError
        If the HTML cannot be written (the old file, if any, is left in place).
    """
    html = render(load_results(results_path))
    return write_atomic(html_path, html)
