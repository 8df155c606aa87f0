"""Generated blocks of a project's documents: the verdict table, rendered from its one owner.

The verdict table (:data:`claimkit.evidence.VERDICT_RULES`) is stated in code once; any
Markdown document may show it between the markers ``<!-- verdict-table -->`` and
``<!-- /verdict-table -->``. ``python -m claimkit.docs FILE...`` rewrites those blocks;
``python -m claimkit.docs --check FILE...`` exits 1 when one is stale.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from claimkit.evidence import verdict_rules_markdown

__all__ = ["render_blocks", "stale_documents"]

_BLOCK = re.compile(r"(<!-- verdict-table -->\n)(?:.*?\n)?(<!-- /verdict-table -->)", re.S)


def render_blocks(text: str) -> str:
    """``text`` with every verdict-table block replaced by the current rendering.

    Raises
    ------
    ValueError
        If ``text`` holds no verdict-table block.
    """
    if not isinstance(text, str) or not _BLOCK.search(text):
        raise ValueError("`text` must hold a <!-- verdict-table --> ... "
                         "<!-- /verdict-table --> block.")
    table = verdict_rules_markdown()
    return _BLOCK.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)


def stale_documents(paths: list[str | Path]) -> list[str]:
    """The documents among ``paths`` whose verdict-table block differs from the rendering.

    Raises
    ------
    ValueError
        If ``paths`` is empty, or a document holds no verdict-table block.
    """
    if not paths:
        raise ValueError("`paths` must name at least one document.")
    stale = []
    for name in paths:
        text = Path(name).read_text(encoding="utf-8")
        if render_blocks(text) != text:
            stale.append(str(name))
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claimkit.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale documents")
    parser.add_argument("files", nargs="+", help="Markdown documents holding the block")
    args = parser.parse_args(argv)
    stale = stale_documents(args.files)
    if args.check:
        for name in stale:
            print(f"{name}: the verdict table is stale (run python -m claimkit.docs {name})")
        return 1 if stale else 0
    for name in stale:
        path = Path(name)
        path.write_text(render_blocks(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"rewrote the verdict table in {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
