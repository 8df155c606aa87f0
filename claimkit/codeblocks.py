"""The documents' own code: extract fenced blocks, run them, compare printed and commented values.

A teaching document shows code such as::

    print("Negative Log-Likelihood:", nll)  # -log(0.836) ≈ 0.179

and claims, by the comment, what the line prints. This module checks such claims:

1. :func:`extract_blocks` finds the fenced code blocks (```` ``` ```` or ``~~~``) of a Markdown
   or text document, with their language and the line of the document they start on;
2. :func:`find_prints` finds every ``print(...)`` statement of a block and parses its trailing
   comment with :func:`parse_comment` into the stated value(s) (``"0.179"``, or a list such as
   ``"[0.836, 0.113, 0.051]"``; in ``"-log(0.836) ≈ 0.179"`` the value after the last ``≈`` is
   the stated one);
3. :func:`run_code` runs a block in a fresh interpreter (``sys.executable``) with a timeout and
   records what every ``print`` call of the block wrote, keyed by the line it was called from;
4. :func:`compare_prints` compares, print by print, the numbers printed with the numbers stated
   by the comment *to the digits the comment states* (:func:`agrees_to_digits`); a print whose
   comment states no number is only required to have run.

Digit rule
----------
A stated value ``c`` written with ``d`` decimals (``"0.179"``: ``d = 3``; ``"0.7"``: ``d = 1``;
``"1.5e-3"``: ``d = 4``) agrees with a printed value ``x`` iff ``x`` rounded half-to-even to
``d`` decimals equals ``c``; rounding is done in exact decimal arithmetic on the printed text,
so no binary rounding enters. Up to ties this is ``|x - c| <= 0.5 * 10**-d``, which is the
tolerance reported as ``margin`` and ``delta`` of the resulting exact-kind decision.

A block that imports optional modules (``torch``) can be split with :func:`strip_dependent`:
every top-level statement that uses a name bound by those imports, directly or through a name
bound by another dropped statement, is blanked out (line numbers are kept), so the rest of the
block runs without the module.
"""

from __future__ import annotations

import ast
import io
import json
import math
import numbers
import os
import re
import subprocess
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Sequence

from claimkit.evidence import Decision
from claimkit.sources import fences

__all__ = [
    "DEFAULT_TIMEOUT",
    "CodeBlock",
    "PrintCheck",
    "PrintRecord",
    "PrintStatement",
    "RunResult",
    "Split",
    "agrees_to_digits",
    "alter_comment",
    "compare_prints",
    "decimals",
    "digits_decision",
    "extract_blocks",
    "find_prints",
    "nudge",
    "parse_comment",
    "print_ran_decision",
    "printed_numbers",
    "read_blocks",
    "run_code",
    "run_decision",
    "strip_dependent",
]

#: Seconds a block may run before it is killed.
DEFAULT_TIMEOUT: float = 120.0

# A number as written in a comment or printed by Python/numpy: sign, digits, optional
# fraction and exponent; not glued to a word ("float64", "Top-5") or to another number.
_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
# A sign counts only when it is not glued to a word ("Top-5" holds no number).
_START = r"(?:(?<![\w.])(?=[-+])|(?<![\w.+-])(?=[\d.]|nan|inf))"
_NUMBER_RE = re.compile(rf"{_START}{_NUMBER}(?![\w.])")
_LEADING_NUMBER_RE = re.compile(rf"\s*({_NUMBER})(?![\w.])")
# Markers after which a comment states the printed value: "-log(0.836) ≈ 0.179".
_APPROX_MARKERS: tuple[str, ...] = ("≈", "≃", "~=", "→", "->", "=")


# ------------------------------------------------------------------------------- validation

def _text(x: object, name: str) -> str:
    if not isinstance(x, str):
        raise ValueError(f"`{name}` must be a string, got {type(x).__name__}.")
    return x


def _timeout(x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)) \
            or float(x) <= 0:
        raise ValueError(f"`timeout` must be a positive finite number of seconds, got {x!r}.")
    return float(x)


# ------------------------------------------------------------------------------- extraction

@dataclass(frozen=True, slots=True)
class CodeBlock:
    """One fenced code block of a document.

    Attributes
    ----------
    source : str
        Name of the document (file name, or ``"<text>"``).
    index : int
        Position of the block among the document's blocks (0-based).
    language : str
        First word of the fence's info string, lower-cased (``""`` when absent).
    code : str
        The block's content, without the fences, ending with a newline.
    first_line : int
        Line of the document (1-based) holding the block's first line of code.
    """

    source: str
    index: int
    language: str
    code: str
    first_line: int

    def document_line(self, line: int) -> int:
        """Line of the document that holds line ``line`` (1-based) of the block."""
        return self.first_line + line - 1


def extract_blocks(text: str, *, source: str = "<text>") -> tuple[CodeBlock, ...]:
    """Fenced code blocks of a Markdown/text document, in order.

    Fences are found by :func:`claimkit.sources.fences` (CommonMark: at least three backticks
    or tildes, indented by at most three spaces, an info string whose first word is the
    language; closed by a line holding only a fence of the same character at least as long).
    Code cannot be run from a block that is never closed, so that is an error here.

    Parameters
    ----------
    text : str
        The document.
    source : str, optional
        Name recorded in the blocks.

    Returns
    -------
    tuple of CodeBlock

    Raises
    ------
    ValueError
        If a fence is never closed (the message names ``text`` and the opening line).
    """
    text = _text(text, "text")
    source = _text(source, "source")
    lines = text.splitlines()
    blocks: list[CodeBlock] = []
    for fence in fences(lines):
        if fence.end is None:
            raise ValueError(f"`text` has a code fence opened on line {fence.start + 1} that is "
                             "never closed.")
        blocks.append(CodeBlock(source=source, index=len(blocks), language=fence.language,
                                code="".join(f"{ln}\n" for ln in lines[fence.start + 1:fence.end]),
                                first_line=fence.start + 2))
    return tuple(blocks)


def read_blocks(path: str | os.PathLike[str], *, language: str | None = None
                ) -> tuple[CodeBlock, ...]:
    """Fenced code blocks of the UTF-8 document at ``path`` (only ``language`` ones if given)."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"`path` must name an existing file, got {str(path)!r}.")
    blocks = extract_blocks(p.read_text(encoding="utf-8"), source=p.name)
    if language is None:
        return blocks
    language = _text(language, "language").lower()
    return tuple(b for b in blocks if b.language == language)


# ------------------------------------------------------------------------------- comments

def decimals(literal: str) -> int:
    """Number of decimals a number literal states: ``"0.179"`` → 3, ``"12"`` → 0, ``"1.5e-3"`` → 4.

    Parameters
    ----------
    literal : str
        A decimal number as written (sign, digits, optional fraction and exponent).

    Returns
    -------
    int
        ``-exponent`` of the literal's last stated digit (negative for ``"1e3"``).
    """
    literal = _text(literal, "literal").strip()
    if re.fullmatch(_NUMBER, literal) is None:
        raise ValueError(f"`literal` must be a decimal number, got {literal!r}.")
    return -Decimal(literal).as_tuple().exponent


def _bracketed(segment: str) -> tuple[str, ...] | None:
    """Numbers of a leading ``[a, b, ...]`` or ``(a, b, ...)`` list, or None."""
    s = segment.lstrip()
    if not s or s[0] not in "[(":
        return None
    close = "]" if s[0] == "[" else ")"
    end = s.find(close)
    if end < 0:
        return None
    items = [it for it in re.split(r"[,\s]+", s[1:end].strip()) if it]
    if not items or any(re.fullmatch(_NUMBER, it) is None for it in items):
        return None
    return tuple(items)


def _value_start(comment: str) -> int:
    """Index where the stated value begins: after the last approximation marker, else 0."""
    return max(0, *((comment.rfind(m) + len(m)) if m in comment else 0
                    for m in _APPROX_MARKERS))


def parse_comment(comment: str) -> tuple[str, ...] | None:
    """The value(s) a comment states, as written, or None when it states no number.

    The stated value is what follows the last approximation marker (``≈``, ``≃``, ``~=``,
    ``→``, ``->``, ``=``) if there is one, else the comment itself; it must *start* with a
    number or a bracketed list of numbers (``"[0.836, 0.113, 0.051]"``). Trailing words are
    ignored: ``"0.179（与 NLL 相同）"`` states ``("0.179",)``, ``"-log(0.836) ≈ 0.179"`` states
    ``("0.179",)``, ``"MLE는 n으로 나눔"`` states nothing.

    Parameters
    ----------
    comment : str
        The comment, with or without its leading ``#``.

    Returns
    -------
    tuple of str or None
        The stated numbers, exactly as written (their decimals matter).
    """
    comment = _text(comment, "comment").strip()
    if comment.startswith("#"):
        comment = comment.lstrip("#")
    segment = comment[_value_start(comment):]
    listed = _bracketed(segment)
    if listed is not None:
        return listed
    m = _LEADING_NUMBER_RE.match(segment)
    return (m.group(1),) if m else None


def printed_numbers(text: str) -> tuple[str, ...]:
    """Every number in a printed line, as written: ``"probs: [0.8359 0.1131]"`` → both values.

    ``nan`` and ``inf`` are returned as such; digits glued to words (``float64``, ``Top-5``)
    are not numbers.
    """
    text = _text(text, "text")
    pattern = re.compile(rf"{_START}(?:{_NUMBER}|[-+]?(?:nan|inf))(?![\w.])")
    return tuple(m.group(0) for m in pattern.finditer(text))


# ------------------------------------------------------------------------------- digit rule

def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, str):
        s = value.strip()
        if re.fullmatch(_NUMBER, s) is None:
            raise ValueError(f"`{name}` must be a finite decimal number, got {value!r}.")
        return Decimal(s)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(float(value)):
        raise ValueError(f"`{name}` must be a finite number, got {value!r}.")
    # repr of a float is the shortest string that round-trips: the printed value itself.
    return Decimal(repr(float(value)))


def agrees_to_digits(value: object, stated: str) -> bool:
    """Whether ``value`` rounded half-to-even to the decimals of ``stated`` equals ``stated``.

    Parameters
    ----------
    value : str or float
        The printed value (text as printed, or a float, taken by its shortest repr).
    stated : str
        The value a comment states, as written (``"0.179"``).

    Returns
    -------
    bool
        ``round_half_even(value, decimals(stated)) == stated``, in exact decimal arithmetic.
    """
    if not isinstance(stated, str):
        raise ValueError(f"`stated` must be the number as written (a string), got {stated!r}.")
    c = _decimal(stated, "stated")
    x = _decimal(value, "value")
    quantum = Decimal(1).scaleb(-decimals(stated))
    try:
        return x.quantize(quantum, rounding=ROUND_HALF_EVEN) == c
    except InvalidOperation:  # too many digits for the context: cannot round to that quantum
        return False


def digits_decision(printed: Sequence[object], stated: Sequence[str]) -> Decision:
    """Exact-kind decision: every printed value agrees with its stated value to its digits.

    Parameters
    ----------
    printed : sequence of str or float
        Printed values (same length as ``stated``).
    stated : sequence of str
        Stated values as written.

    Returns
    -------
    Decision
        ``kind = "exact"``, ``alpha = 0``; ``estimate`` = the largest ``|x - c|``,
        ``margin = delta`` = the largest half-unit ``0.5 * 10**-d``, ``statistic`` = the largest
        ratio ``|x - c| / (0.5 * 10**-d)``; ``n_reps`` = number of values.
    """
    if isinstance(printed, (str, bytes)) or not isinstance(printed, Sequence):
        raise ValueError("`printed` must be a sequence of printed values.")
    if isinstance(stated, (str, bytes)) or not isinstance(stated, Sequence):
        raise ValueError("`stated` must be a sequence of number strings.")
    if len(stated) == 0:
        raise ValueError("`stated` must hold at least one value.")
    if len(printed) != len(stated):
        return Decision(outcome="fail", kind="exact",
                        rule=f"{len(printed)} value(s) printed, {len(stated)} stated",
                        estimate=math.inf, target=None, margin=None, alpha=0.0, delta=None,
                        n_reps=len(stated), statistic=math.inf)
    parts, ok, max_err, max_ratio, max_half = [], True, 0.0, 0.0, 0.0
    for x, c in zip(printed, stated):
        if not isinstance(c, str):
            raise ValueError(f"`stated` must hold number strings, got {c!r}.")
        if isinstance(x, str) and re.fullmatch(r"[-+]?(nan|inf)", x.strip()):
            good, err = False, math.inf
        else:
            good = agrees_to_digits(x, c)
            err = float(abs(_decimal(x, "printed") - _decimal(c, "stated")))
        half = 0.5 * 10.0 ** -decimals(c)
        ok &= good
        max_err = max(max_err, err)
        max_half = max(max_half, half)
        max_ratio = max(max_ratio, err / half)
        parts.append(f"{x} → {c} {'ok' if good else 'DIFFERS'}")
    rule = (f"round-half-even to the stated decimals: {'; '.join(parts)} "
            f"(max |x - c| = {max_err:.3g}, half-unit {max_half:.3g})")
    return Decision(outcome="pass" if ok else "fail", kind="exact", rule=rule,
                    estimate=max_err, target=None, margin=max_half, alpha=0.0, delta=max_half,
                    n_reps=len(stated), statistic=max_ratio)


# ------------------------------------------------------------------------------- prints

@dataclass(frozen=True, slots=True)
class PrintStatement:
    """A ``print(...)`` statement of a block and what its trailing comment states.

    Attributes
    ----------
    line, end_line : int
        First and last line of the statement in the block (1-based).
    source : str
        The statement's source text.
    comment : str or None
        Its trailing comment (without ``#``), if any.
    stated : tuple of str or None
        The value(s) the comment states (:func:`parse_comment`), or None.
    """

    line: int
    end_line: int
    source: str
    comment: str | None
    stated: tuple[str, ...] | None


def _parse(code: str) -> ast.Module:
    try:
        return ast.parse(code)
    except SyntaxError as exc:
        raise ValueError(f"`code` is not valid Python: {exc.msg} (line {exc.lineno}).") from None


def _comments(code: str) -> dict[int, str]:
    """Comment of each line (tokenize: a ``#`` inside a string is not a comment)."""
    out: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string[1:].strip()
    return out


def find_prints(code: str) -> tuple[PrintStatement, ...]:
    """Every statement ``print(...)`` of ``code`` (at any depth), with its trailing comment.

    The comment is the one on the statement's last line, else on its first line.
    """
    code = _text(code, "code")
    tree = _parse(code)
    comments = _comments(code)
    lines = code.splitlines()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "print":
            end = node.end_lineno or node.lineno
            comment = comments.get(end, comments.get(node.lineno))
            found.append(PrintStatement(
                line=node.lineno, end_line=end,
                source="\n".join(lines[node.lineno - 1:end]).strip(),
                comment=comment,
                stated=parse_comment(comment) if comment is not None else None))
    return tuple(sorted(found, key=lambda p: p.line))


# ------------------------------------------------------------------------------- splitting

@dataclass(frozen=True, slots=True)
class Split:
    """A block with the statements that need some modules blanked out.

    Attributes
    ----------
    code : str
        The remaining code; dropped lines are empty, so line numbers are unchanged.
    dropped : tuple of int
        Lines (1-based) of the dropped statements.
    modules : tuple of str
        The modules whose use made a statement drop.
    """

    code: str
    dropped: tuple[int, ...]
    modules: tuple[str, ...]


def _bound_names(node: ast.stmt) -> set[str]:
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, ast.alias):
            names.add((sub.asname or sub.name).split(".")[0])
    return names


def _used_names(node: ast.stmt) -> set[str]:
    return {sub.id for sub in ast.walk(node)
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)}


def _imports_module(node: ast.stmt, modules: tuple[str, ...]) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] in modules for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] in modules
    return False


def strip_dependent(code: str, modules: Iterable[str]) -> Split:
    """Blank out every top-level statement of ``code`` that needs one of ``modules``.

    A statement is dropped when it imports one of the modules, or uses (loads) a name that a
    dropped statement binds -- transitively, in source order. Everything else is kept, so the
    remaining code runs without the modules as long as it did not need them.

    Parameters
    ----------
    code : str
        Python source.
    modules : iterable of str
        Top-level module names, e.g. ``["torch"]``.

    Returns
    -------
    Split
    """
    code = _text(code, "code")
    mods = tuple(modules) if not isinstance(modules, str) else (modules,)
    if not mods or any(not isinstance(m, str) or not m.isidentifier() for m in mods):
        raise ValueError(f"`modules` must be a non-empty list of module names, got {modules!r}.")
    tree = _parse(code)
    tainted: set[str] = set()
    dropped: list[int] = []
    for node in tree.body:
        if _imports_module(node, mods) or (_used_names(node) & tainted):
            tainted |= _bound_names(node)
            dropped.extend(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    lines = code.splitlines()
    drop = set(dropped)
    kept = "".join(("" if i + 1 in drop else ln) + "\n" for i, ln in enumerate(lines))
    return Split(code=kept, dropped=tuple(sorted(drop)), modules=mods)


# ------------------------------------------------------------------------------- running

# Runs a block file as __main__ after wrapping print: each call made *from the block's file*
# is also written, as one JSON line {"line": ..., "text": ...}, to a trace file.
_RUNNER = r"""
import builtins, json, runpy, sys
_path, _trace_path = sys.argv[1], sys.argv[2]
_print = builtins.print
_trace = open(_trace_path, "w", encoding="utf-8")
def _traced_print(*args, sep=" ", end="\n", file=None, flush=False):
    frame = sys._getframe(1)
    if file is None and frame.f_code.co_filename == _path:
        text = (" " if sep is None else sep).join(str(a) for a in args)
        _trace.write(json.dumps({"line": frame.f_lineno, "text": text}) + "\n")
        _trace.flush()
    _print(*args, sep=sep, end=end, file=file, flush=flush)
builtins.print = _traced_print
if sys.argv[3] != "-":
    # The document's code draws from the global generators without a seed; seeding them
    # from the run's root seed makes what it prints a function of that seed alone.
    import random
    random.seed(int(sys.argv[3]))
    try:
        import numpy
        numpy.random.seed(int(sys.argv[3]) % 2 ** 32)
    except ImportError:
        pass
    if "torch" in open(_path, encoding="utf-8").read():
        try:
            import torch
            torch.manual_seed(int(sys.argv[3]))
        except ImportError:
            pass
sys.argv = [_path]
runpy.run_path(_path, run_name="__main__")
# Done: freeze every object so that the interpreter's exit does not traverse them (after
# torch, whose optimisers import its compiler stack, that costs about 0.7 s). The block's own
# atexit handlers still run, after this.
import gc
gc.freeze()
"""


@dataclass(frozen=True, slots=True)
class PrintRecord:
    """What one ``print`` call of a block wrote (without ``end``), and the line it ran on."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class RunResult:
    """Outcome of running one block in a subprocess.

    Attributes
    ----------
    returncode : int or None
        Exit status (None when the block was killed at the timeout).
    stdout, stderr : str
        Captured output.
    prints : tuple of PrintRecord
        Every ``print`` call made from the block, in order.
    seconds : float
        Wall time.
    timeout : float
        The time limit that applied.
    """

    returncode: int | None
    stdout: str
    stderr: str
    prints: tuple[PrintRecord, ...]
    seconds: float
    timeout: float

    @property
    def timed_out(self) -> bool:
        """Whether the block was killed at the time limit."""
        return self.returncode is None

    @property
    def ok(self) -> bool:
        """Whether the block ran to completion with exit status 0."""
        return self.returncode == 0

    @property
    def error(self) -> str:
        """One line saying why the run failed (``""`` when it did not)."""
        if self.timed_out:
            return f"timed out after {self.timeout:g} s"
        if self.returncode != 0:
            last = [ln for ln in self.stderr.strip().splitlines() if ln.strip()]
            why = last[-1].strip() if last else "no error message"
            return f"exited with status {self.returncode}: {why}"
        return ""


def run_code(code: str, *, timeout: float = DEFAULT_TIMEOUT,
             env: dict[str, str] | None = None, seed: int | None = None) -> RunResult:
    """Run ``code`` as ``__main__`` in a fresh ``sys.executable`` and trace its prints.

    The block runs in an empty temporary working directory with a non-interactive matplotlib
    backend; ``env`` entries are added to the current environment.

    Parameters
    ----------
    code : str
        Python source.
    timeout : float, optional
        Seconds before the process is killed (> 0).
    env : dict, optional
        Extra environment variables.
    seed : int, optional
        Seed of the global generators the code may use unseeded (``random``,
        ``numpy.random``'s legacy state, ``torch``), set before it runs, so that what it
        prints is reproducible. Default: left unseeded.

    Returns
    -------
    RunResult
        Never raises for errors of the block itself: see :attr:`RunResult.error`.
    """
    code = _text(code, "code")
    limit = _timeout(timeout)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"`seed` must be a non-negative integer or None, got {seed!r}.")
    if env is not None and (not isinstance(env, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        raise ValueError("`env` must map strings to strings.")
    with tempfile.TemporaryDirectory(prefix="codeblock-") as tmp:
        path = os.path.join(tmp, "block.py")
        trace = os.path.join(tmp, "prints.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(code)
        full_env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8",
                    **(env or {})}
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-c", _RUNNER, path, trace,
                                   "-" if seed is None else str(seed)], cwd=tmp,
                                  env=full_env, capture_output=True, text=True,
                                  encoding="utf-8", errors="replace", timeout=limit)
            returncode, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            returncode = None
            out = exc.stdout.decode("utf-8", "replace") if isinstance(exc.stdout, bytes) \
                else (exc.stdout or "")
            err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) \
                else (exc.stderr or "")
        seconds = time.perf_counter() - t0
        prints: list[PrintRecord] = []
        if os.path.exists(trace):
            with open(trace, encoding="utf-8") as fh:
                for ln in fh:
                    if ln.strip():
                        rec = json.loads(ln)
                        prints.append(PrintRecord(line=int(rec["line"]), text=rec["text"]))
    return RunResult(returncode=returncode, stdout=out, stderr=err, prints=tuple(prints),
                     seconds=seconds, timeout=limit)


def run_decision(result: RunResult) -> Decision:
    """Exact-kind decision "the block runs to completion": pass iff exit status 0."""
    if not isinstance(result, RunResult):
        raise ValueError("`result` must be a RunResult from run_code.")
    if result.ok:
        rule = f"exit status 0 ({len(result.prints)} print calls)"
    else:
        rule = result.error
    return Decision(outcome="pass" if result.ok else "fail", kind="exact", rule=rule,
                    estimate=0.0 if result.ok else 1.0, target=0.0, margin=0.0, alpha=0.0,
                    delta=0.0, n_reps=1, statistic=None)


# ------------------------------------------------------------------------------- comparing

@dataclass(frozen=True, slots=True)
class PrintCheck:
    """One print statement, what it printed, and (if its comment states a value) the verdict.

    Attributes
    ----------
    statement : PrintStatement
    outputs : tuple of str
        Texts printed by the statement (one per call; empty if it never ran).
    decision : Decision or None
        :func:`digits_decision` of the last call's trailing numbers against the stated ones;
        a fail when the statement never ran; None when the comment states no value.
    """

    statement: PrintStatement
    outputs: tuple[str, ...]
    decision: Decision | None


def compare_prints(code: str, result: RunResult) -> tuple[PrintCheck, ...]:
    """Compare each print statement of ``code`` with what it printed in ``result``.

    The printed numbers compared are the *last* ``len(stated)`` numbers of the statement's last
    output (labels such as ``"Top-5 accuracy:"`` precede the value).
    """
    code = _text(code, "code")
    if not isinstance(result, RunResult):
        raise ValueError("`result` must be a RunResult from run_code.")
    checks = []
    for st in find_prints(code):
        outs = tuple(r.text for r in result.prints if st.line <= r.line <= st.end_line)
        decision = None
        if st.stated is not None:
            if not outs:
                why = result.error or "the statement never ran"
                decision = Decision(outcome="fail", kind="exact",
                                    rule=f"nothing printed ({why})", estimate=math.inf,
                                    alpha=0.0, n_reps=len(st.stated), statistic=math.inf)
            else:
                nums = printed_numbers(outs[-1])
                k = len(st.stated)
                decision = digits_decision(list(nums[-k:]) if len(nums) >= k else list(nums),
                                           list(st.stated))
        checks.append(PrintCheck(statement=st, outputs=outs, decision=decision))
    return tuple(checks)


def print_ran_decision(check: PrintCheck) -> Decision:
    """Exact-kind decision for a print without a stated value: pass iff it printed at all."""
    if not isinstance(check, PrintCheck):
        raise ValueError("`check` must be a PrintCheck from compare_prints.")
    n = len(check.outputs)
    shown = "; ".join(repr(o) for o in check.outputs[:3]) + (" …" if n > 3 else "")
    rule = f"printed {n} time(s): {shown}" if n else "never printed"
    return Decision(outcome="pass" if n else "fail", kind="exact", rule=rule,
                    estimate=0.0 if n else 1.0, target=0.0, margin=0.0, alpha=0.0, delta=0.0,
                    n_reps=1, statistic=None)


# ------------------------------------------------------------------------------- controls

def nudge(literal: str) -> str:
    """The number literal moved by one unit in its last stated digit: ``"0.179"`` → ``"0.180"``."""
    d = decimals(literal)
    value = Decimal(literal.strip()) + Decimal(1).scaleb(-d)
    return f"{value:.{max(d, 0)}f}" if d >= 0 else str(value)


def alter_comment(code: str, statement: PrintStatement, index: int = 0) -> str:
    """``code`` with the ``index``-th value stated in ``statement``'s comment :func:`nudge`-ed.

    Only the comment changes, so line numbers and the printed output stay the same: comparing
    the altered code's comments with the original run is a negative control of the digit rule.
    """
    code = _text(code, "code")
    if not isinstance(statement, PrintStatement) or statement.stated is None \
            or statement.comment is None:
        raise ValueError("`statement` must be a PrintStatement whose comment states a value.")
    if isinstance(index, bool) or not isinstance(index, int) \
            or not 0 <= index < len(statement.stated):
        raise ValueError(f"`index` must be in [0, {len(statement.stated)}), got {index!r}.")
    lines = code.splitlines()
    row = statement.end_line if lines[statement.end_line - 1].rstrip().endswith(
        statement.comment) else statement.line
    line = lines[row - 1].rstrip()
    start = len(line) - len(statement.comment)
    comment = line[start:]
    old = statement.stated[index]
    if len(statement.stated) == 1:  # the number that opens the value segment
        at = comment.find(old, _value_start(comment))
    else:  # the index-th number of the list that opens the value segment (parse_comment)
        seg = _value_start(comment)
        opening = seg + len(comment[seg:]) - len(comment[seg:].lstrip()) + 1
        at = [m.start() for m in _NUMBER_RE.finditer(comment, opening)][index]
    new_comment = comment[:at] + nudge(old) + comment[at + len(old):]
    lines[row - 1] = line[:start] + new_comment
    return "".join(f"{ln}\n" for ln in lines)
