"""One atomic writer for every file the kit produces (results.json, the HTML page).

A reader sees either the old file or the complete new one: the text goes to a temporary file
in the same directory, is flushed to disk, and replaces the target with ``os.replace``.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Mapping

__all__ = ["write_atomic", "write_json_atomic"]


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path.

    Parameters
    ----------
    path : path-like
        Target file; its directory is created if needed. An existing file keeps its mode; a
        new one is created 0644 (results are meant to be shared).
    text : str
        The complete content.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        If ``text`` is not a string.
    OSError
        If the file cannot be written (the old file, if any, is left in place).
    """
    if not isinstance(text, str):
        raise ValueError(f"`text` must be a string, got {type(text).__name__}.")
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
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_json_atomic(doc: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``doc`` as strict JSON (no NaN or inf, UTF-8, indent 1) to ``path`` atomically.

    Raises
    ------
    ValueError
        If ``doc`` holds a non-finite float or a value JSON cannot encode.
    """
    try:
        text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    except TypeError as exc:
        raise ValueError(f"`doc` is not JSON-serialisable: {exc}") from exc
    return write_atomic(path, text)
