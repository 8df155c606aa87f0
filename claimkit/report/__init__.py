"""The claims report: ``results.json`` (schema in ``reports/SCHEMA.md``) -> self-contained HTML.

Public API
----------
load_results(path) -> dict          read and validate results.json (ResultsError on any problem)
validate_results(doc) -> dict       validate an already parsed document
render(results) -> str              results dict -> HTML string (pure, deterministic)
figure_svg(spec) -> str             figure spec -> inline <svg> string
write_report(results, html) -> Path load + render + atomic write

Command line: ``python -m claimkit.report [RESULTS] [-o HTML]``.
"""

from .build import write_report
from .figures import figure_svg
from claimkit.results.load import SCHEMA_VERSION, ResultsError, load_results, validate_results
from .render import render

__all__ = [
    "SCHEMA_VERSION",
    "ResultsError",
    "figure_svg",
    "load_results",
    "render",
    "validate_results",
    "write_report",
]
