"""The run's command line as pytest chose its configuration from it.

pytest picks its rootdir and configuration file *before* it loads this plugin, from every
word of the command line that does not start with ``-`` and names an existing path. An option
of this suite written as two words -- ``--report-dir /tmp/out`` -- therefore lends its value to
that search: when the value is an existing directory outside the project and no test path is
given, pytest looks for a configuration file above ``/tmp/out``, finds none, and runs without
the project's ``pyproject.toml`` (no ``testpaths``, no ``claims_catalogue``). The same words
reach pytest-xdist's workers, which parse them again *after* the controller has created the
report directory: the workers then collect a different set of tests from the controller's.

Two remedies, both here:

* :func:`joined` rewrites ``--opt VALUE`` into ``--opt=VALUE`` (one word, which pytest does not
  take for a path); the controller hands the workers these words, so they choose the
  controller's configuration.
* :func:`misread_values` finds the values that cost the controller its configuration file,
  so that the run stops with a usage error saying how to write them, before any test runs.

References
----------
pytest documentation, "Initialization: determining rootdir and configfile"
(https://docs.pytest.org/en/stable/reference/customize.html).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path

__all__ = ["CONFIG_FILES", "has_config_file", "joined", "misread_values"]

#: Files in which pytest looks for its configuration, with the section that makes each one
#: count (``None``: the file counts whatever it holds).
CONFIG_FILES: tuple[tuple[str, str | None], ...] = (
    ("pytest.toml", None), (".pytest.toml", None), ("pytest.ini", None),
    (".pytest.ini", None), ("pyproject.toml", "[tool.pytest"), ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"))


def _check_words(args: Sequence[str], flags: Collection[str]) -> None:
    if isinstance(args, str) or not all(isinstance(a, str) for a in args):
        raise ValueError(f"`args` must be a sequence of strings, got {args!r}.")
    if isinstance(flags, str) or not all(isinstance(f, str) and f.startswith("--")
                                         for f in flags):
        raise ValueError(f"`flags` must be option names starting with '--', got {flags!r}.")


def joined(args: Sequence[str], flags: Collection[str]) -> list[str]:
    """``args`` with every ``FLAG VALUE`` pair of ``flags`` written as ``FLAG=VALUE``.

    Parameters
    ----------
    args : sequence of str
        Command-line words, as in ``config.invocation_params.args``.
    flags : collection of str
        Long options that take one value (e.g. ``"--report-dir"``).

    Returns
    -------
    list of str
        The same options, each value attached to its flag; every other word unchanged. A flag
        that ends the line (no value) is left as it is, for pytest to report.
    """
    _check_words(args, flags)
    out: list[str] = []
    words = iter(args)
    for word in words:
        if word in flags:
            value = next(words, None)
            out.append(word if value is None else f"{word}={value}")
        else:
            out.append(word)
    return out


def has_config_file(start: Path) -> bool:
    """Whether ``start`` or a parent holds a pytest configuration file (:data:`CONFIG_FILES`).

    Raises
    ------
    ValueError
        If ``start`` is not a path.
    """
    if not isinstance(start, (str, Path)):
        raise ValueError(f"`start` must be a path, got {start!r}.")
    start = Path(start).absolute()
    for folder in (start, *start.parents):
        for name, section in CONFIG_FILES:
            path = folder / name
            if not path.is_file():
                continue
            if section is None:
                return True
            try:
                if section in path.read_text(encoding="utf-8", errors="replace"):
                    return True
            except OSError:
                continue
    return False


def _config_reachable(test_paths: Sequence[str], invocation_dir: Path) -> bool:
    """Whether pytest's search from these test paths would find a configuration file.

    pytest looks upwards from the common ancestor of the existing test paths (the invocation
    directory when there are none), then from each of them.
    """
    dirs = []
    for word in test_paths:
        path = Path(word.split("::", 1)[0])
        path = path if path.is_absolute() else invocation_dir / path
        if path.exists():
            dirs.append(path if path.is_dir() else path.parent)
    if not dirs:
        return has_config_file(invocation_dir)
    ancestor = Path(os.path.commonpath([str(d.absolute()) for d in dirs]))
    return has_config_file(ancestor) or any(has_config_file(d) for d in dirs)


def misread_values(args: Sequence[str], flags: Collection[str], invocation_dir: Path,
                   found_config: bool, test_paths: Sequence[str]) -> list[tuple[str, str]]:
    """The ``(flag, value)`` pairs that pytest read as test paths, costing the run the
    configuration file that its real test paths would have found.

    Empty unless pytest found no configuration file (``found_config`` false) although its
    search from ``test_paths`` alone would have (:func:`has_config_file`); then every value
    of ``flags`` written as a separate word that names an existing path.

    Parameters
    ----------
    args : sequence of str
        Command-line words.
    flags : collection of str
        Long options that take one value.
    invocation_dir : pathlib.Path
        Where pytest was started (relative paths are resolved against it).
    found_config : bool
        Whether pytest found a configuration file (``config.inipath is not None``).
    test_paths : sequence of str
        The test paths of the command line, as pytest reads them once every option is known
        (``config.known_args_namespace.file_or_dir``).
    """
    _check_words(args, flags)
    if isinstance(test_paths, str) or not all(isinstance(t, str) for t in test_paths):
        raise ValueError(f"`test_paths` must be a sequence of strings, got {test_paths!r}.")
    if not isinstance(invocation_dir, (str, Path)):
        raise ValueError(f"`invocation_dir` must be a path, got {invocation_dir!r}.")
    invocation_dir = Path(invocation_dir)
    if found_config or not _config_reachable(test_paths, invocation_dir):
        return []
    pairs = []
    for flag, value in zip(args, args[1:]):
        if flag in flags and not value.startswith("-"):
            path = Path(value)
            if (path if path.is_absolute() else invocation_dir / path).exists():
                pairs.append((flag, value))
    return pairs
