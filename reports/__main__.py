"""``python -m reports [RESULTS] [-o HTML]``: re-render the HTML report from results.json.

Exit status: 0 on success; 2 when the results file is missing, unreadable, not JSON or violates
the schema (one ``error: …`` line on stderr, the existing HTML untouched); 1 when the HTML cannot
be written.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .build import write_report
from .load import ResultsError

DEFAULT_RESULTS = "reports/results.json"
DEFAULT_HTML = "reports/index.html"


def _parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    p = argparse.ArgumentParser(
        prog="python -m reports",
        description="Render the self-contained HTML claims report from results.json.",
    )
    p.add_argument("results", nargs="?", default=DEFAULT_RESULTS,
                   help=f"results file written by the test run (default: {DEFAULT_RESULTS})")
    p.add_argument("-o", "--output", default=DEFAULT_HTML,
                   help=f"HTML file to write, replaced atomically (default: {DEFAULT_HTML})")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        path = write_report(args.results, args.output)
    except ResultsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
