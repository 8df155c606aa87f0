"""Write the report file: load and validate ``results.json``, render, replace the HTML atomically."""

from __future__ import annotations

import os
from pathlib import Path

from claimkit.results.atomic import write_atomic
from claimkit.results.load import load_results
from .render import render

__all__ = ["write_report"]


def write_report(results_path: str | os.PathLike[str], html_path: str | os.PathLike[str]) -> Path:
    """Render ``results_path`` to ``html_path`` atomically and return ``html_path``.

    Raises
    ------
    claimkit.results.load.ResultsError
        If the results file is missing, malformed or violates the schema; ``html_path`` is then
        left exactly as it was.
    OSError
        If the HTML cannot be written (the old file, if any, is left in place).
    """
    html = render(load_results(results_path))
    return write_atomic(html_path, html)
