"""``python -m claimkit.report [RESULTS] [-o HTML]``: re-render the HTML report from results.json.

Exit status: 0 on success; 2 when the results file is missing, unreadable, not JSON or violates
the schema (one ``error: …`` line on stderr, the existing HTML untouched); 1 when the HTML cannot
be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from claimkit.report.build import write_report
from claimkit.results.load import ResultsError



def _parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    p = argparse.ArgumentParser(
        prog="python -m claimkit.report",
        description="Render the self-contained HTML claims report from results.json.",
    )
    p.add_argument("results", help="results file written by the test run (results.json)")
    p.add_argument("-o", "--output", default=None,
                   help="HTML file to write, replaced atomically (default: index.html beside "
                        "the results file)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    output = args.output or str(Path(args.results).with_name("index.html"))
    try:
        path = write_report(args.results, output)
    except ResultsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
