"""Parsers of the suite's command-line option values (they raise ``pytest.UsageError``)."""

from __future__ import annotations

from typing import Callable

import pytest


def non_negative_int(flag: str) -> Callable[[str], int]:
    """A ``type=`` parser for ``flag`` that accepts integers ``>= 0``.

    Parameters
    ----------
    flag : str
        The option as typed, e.g. ``"--mc-seed"``; it names the option in the error.

    Returns
    -------
    callable
        Maps the option's text to an ``int``; raises ``pytest.UsageError`` ("``flag`` must be
        a non-negative integer, got ...") for anything else.
    """
    if not isinstance(flag, str) or not flag.startswith("--"):
        raise ValueError(f"`flag` must be an option name starting with '--', got {flag!r}.")

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = -1
        if number < 0:
            raise pytest.UsageError(f"{flag} must be a non-negative integer, got {value!r}.")
        return number

    return parse
