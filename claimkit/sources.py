"""The one reader of Markdown source documents: fenced blocks, headings, quoted passages.

A claim points at its passage with an ``anchor`` -- an exact substring of the source -- and the
quote shown to readers is *extracted from the file* by :func:`extract_quote`, so a catalogue
can never misquote a document. The same fence rules (:func:`fences`, CommonMark) decide which
lines are code for the quotes, for :func:`section_of` and for the document code checks of
:mod:`claimkit.codeblocks`.

Errors are :class:`SourceError` (a ``ValueError``) naming the offending parameter.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["MAX_QUOTE_LINES", "Fence", "SourceError", "extract_quote", "fences", "section_of"]

#: Longest quote, in lines, that an anchor without ``anchor_end`` produces.
MAX_QUOTE_LINES: int = 15

_HEADING_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")


class SourceError(ValueError):
    """A passage that cannot be read from a source; the message names the parameter."""



@dataclass(frozen=True, slots=True)
class Fence:
    """One fenced code block of a document (0-based line numbers, fences included).

    Attributes
    ----------
    start : int
        Line of the opening fence.
    end : int or None
        Line of the closing fence; None when the fence is never closed (CommonMark then runs
        the block to the end of the document).
    marker : str
        The opening fence's characters (three or more backticks or tildes).
    info : str
        The info string after the opening fence (its first word is the language).
    """

    start: int
    end: int | None
    marker: str
    info: str

    @property
    def language(self) -> str:
        """First word of the info string, lower-cased (``''`` when absent)."""
        return self.info.split()[0].lower() if self.info.split() else ""


def fences(lines: list[str]) -> tuple[Fence, ...]:
    """The fenced code blocks of a document given as lines, in order (CommonMark rules).

    An opening fence is at least three backticks or tildes indented by at most three spaces; a
    backtick fence's info string holds no backtick. The block closes at the next line holding
    only a fence of the same character, at least as long, indented by at most three spaces.

    Parameters
    ----------
    lines : list of str
        The document's lines.

    Returns
    -------
    tuple of Fence
    """
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise ValueError("`lines` must be a list of strings.")
    out: list[Fence] = []
    i = 0
    while i < len(lines):
        m = _FENCE_RE.match(lines[i])
        if m is None or (m.group(1)[0] == "`" and "`" in m.group(2)):
            i += 1
            continue
        marker = m.group(1)
        j = i + 1
        while j < len(lines):
            c = _FENCE_RE.match(lines[j])
            if c and c.group(1)[0] == marker[0] and len(c.group(1)) >= len(marker) \
                    and not c.group(2).strip():
                break
            j += 1
        out.append(Fence(start=i, end=j if j < len(lines) else None, marker=marker,
                         info=m.group(2).strip()))
        i = j + 1
    return tuple(out)


def _fence_regions(lines: list[str]) -> list[tuple[int, int]]:
    """Inclusive line ranges ``(open, close)`` of fenced code blocks, fences included (an
    unclosed fence runs to the end of the document)."""
    return [(f.start, len(lines) - 1 if f.end is None else f.end) for f in fences(lines)]


def _is_heading(line: str) -> bool:
    return _HEADING_RE.fullmatch(line) is not None


def _is_table_row(line: str) -> bool:
    return line.strip().startswith("|")


def _block(lines: list[str], fences: list[tuple[int, int]], i: int) -> tuple[int, int]:
    """Inclusive line range of the block holding line ``i``.

    A fenced code block is one block; so is a run of consecutive table rows; a heading is a
    block of its own; otherwise the block is the maximal run of consecutive non-blank lines,
    stopping at headings, table rows and fences.
    """
    for f0, f1 in fences:
        if f0 <= i <= f1:
            return f0, f1
    in_fence = [False] * len(lines)
    for f0, f1 in fences:
        for j in range(f0, f1 + 1):
            in_fence[j] = True
    if _is_heading(lines[i]):
        return i, i
    if _is_table_row(lines[i]):
        def member(j: int) -> bool:
            return not in_fence[j] and _is_table_row(lines[j])
    else:
        def member(j: int) -> bool:
            line = lines[j]
            return (bool(line.strip()) and not in_fence[j] and not _is_heading(line)
                    and not _is_table_row(line))
    b0 = i
    while b0 > 0 and member(b0 - 1):
        b0 -= 1
    b1 = i
    while b1 < len(lines) - 1 and member(b1 + 1):
        b1 += 1
    return b0, b1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def _span_lines(text: str, start: int, end: int) -> tuple[int, int]:
    """Lines holding the first and last non-whitespace characters of ``text[start:end]``."""
    chunk = text[start:end]
    first = start + (len(chunk) - len(chunk.lstrip()))
    last = start + len(chunk.rstrip()) - 1
    starts = _line_starts(text)
    return bisect.bisect_right(starts, first) - 1, bisect.bisect_right(starts, last) - 1


def _find_span(text: str, anchor: str, anchor_end: str | None) -> tuple[int, int]:
    """Character span ``[start, end)`` from the anchor to the end of ``anchor_end``."""
    if not anchor.strip():
        raise SourceError("`anchor` must contain non-whitespace text")
    start = text.find(anchor)
    if start < 0:
        raise SourceError(f"`anchor` {anchor!r} not found")
    end = start + len(anchor)
    if anchor_end is not None:
        if not anchor_end.strip():
            raise SourceError("`anchor_end` must contain non-whitespace text")
        k = text.find(anchor_end, end)
        if k < 0:
            raise SourceError(f"`anchor_end` {anchor_end!r} not found after `anchor` {anchor!r}")
        end = k + len(anchor_end)
    return start, end


def extract_quote(text: str, anchor: str, anchor_end: str | None = None) -> str:
    """The passage of ``text`` that an anchor points at, verbatim.

    The anchor's first occurrence is located and the quote is the whole *block* holding it:

    * inside a fenced code block: the whole block, fences included;
    * on a markdown table row: the whole table (the run of consecutive ``|`` rows);
    * otherwise: the maximal run of consecutive non-blank lines holding the anchor (a
      paragraph, a bullet list, a formula with its lead-in line), which stops at blank lines,
      headings, tables and fences.

    Without ``anchor_end``, a block longer than :data:`MAX_QUOTE_LINES` lines is cut to a
    window of at most that many lines around the anchor (blank lines at the edges of the
    window dropped). With ``anchor_end`` (searched after the
    anchor), the quote runs from the block holding the anchor to the block holding
    ``anchor_end``, uncut: this is how a quote takes in a formula and its lead-in paragraph,
    or a whole long code block.

    Parameters
    ----------
    text : str
        Full text of a source document.
    anchor : str
        Exact substring of ``text`` (its first occurrence is used).
    anchor_end : str, optional
        Exact substring of ``text`` after the anchor, extending the quote.

    Returns
    -------
    str
        Whole lines of ``text`` joined by ``"\\n"``; always a substring of ``text``.

    Raises
    ------
    ValueError
        If ``anchor`` is blank or absent, or ``anchor_end`` is blank or absent after it.
    """
    start, end = _find_span(text, anchor, anchor_end)
    lines = text.split("\n")
    fences = _fence_regions(lines)
    a0, a1 = _span_lines(text, start, end)
    b0 = _block(lines, fences, a0)[0]
    b1 = _block(lines, fences, a1)[1]
    if anchor_end is None and b1 - b0 + 1 > MAX_QUOTE_LINES:
        if a1 - a0 + 1 >= MAX_QUOTE_LINES:  # the anchor alone fills the window
            b0, b1 = a0, a1
        else:  # MAX_QUOTE_LINES lines holding [a0, a1], roughly centred, inside [b0, b1]
            w0 = a0 - (MAX_QUOTE_LINES - (a1 - a0 + 1)) // 2
            w0 = max(b0, min(w0, b1 - MAX_QUOTE_LINES + 1))
            b0, b1 = w0, w0 + MAX_QUOTE_LINES - 1
        while b0 < a0 and not lines[b0].strip():  # a cut window never starts or ends blank
            b0 += 1
        while b1 > a1 and not lines[b1].strip():
            b1 -= 1
    return "\n".join(lines[b0:b1 + 1])


def _heading_text(line: str) -> str:
    m = _HEADING_RE.fullmatch(line)
    assert m is not None
    return (m.group(2) or "").replace("**", "").strip().rstrip(":：").strip()


def section_of(text: str, position: int) -> str:
    """Text of the nearest markdown heading before ``position`` in ``text``.

    Only ATX headings (``#`` to ``######``) outside fenced code blocks count, so ``# comment``
    lines in code do not. The text is cleaned of the ``#`` marks, ``**`` emphasis, surrounding
    whitespace and a trailing colon (``:`` or ``：``).

    Parameters
    ----------
    text : str
        Full text of a source document.
    position : int
        Character offset into ``text`` (e.g. where an anchor starts).

    Returns
    -------
    str
        The heading text, or ``''`` when no heading precedes ``position``.

    Raises
    ------
    ValueError
        If ``position`` is outside ``text``.
    """
    if not 0 <= position <= len(text):
        raise SourceError(f"`position` {position} is outside the text (length {len(text)})")
    lines = text.split("\n")
    fences = _fence_regions(lines)
    in_fence = set()
    for f0, f1 in fences:
        in_fence.update(range(f0, f1 + 1))
    current = bisect.bisect_right(_line_starts(text), position) - 1
    for i in range(current, -1, -1):
        if i not in in_fence and _is_heading(lines[i]):
            return _heading_text(lines[i])
    return ""
