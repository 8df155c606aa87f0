"""The claims catalogue: what each claim says, where the documents say it, what verdict to expect.

The catalogue lives in ``claims/catalogue.toml``: one ``[families.<FAMILY>]`` table per claim
family and one ``[[claims]]`` table per claim, each with one or more ``[[claims.sources]]``
tables pointing into the source documents of ``claims/sources/``. A source points at its
passage with an ``anchor`` -- an exact substring of the source file -- and the quote shown to
readers is *extracted from the file at load time* (see :func:`extract_quote`), so the catalogue
can never misquote a document: a quote that is not in the file cannot be produced.

Layout of one claim::

    [families.CE]
    title = "Cross-entropy"

    [[claims]]
    id = "CE-07"
    family = "CE"
    title = "..."
    statement = "..."
    expected_verdict = "refuted as written"  # see EXPECTED_VERDICTS
    conditions = "..."   # the assumption the document leaves out; '' for 'supported'
    corrected = "..."    # the correct statement; '' for 'supported'
    controls = "..."     # the negative control, in plain words (optional)

      [[claims.sources]]
      file = "000_6a9745706ba7aa1d.txt"
      section = "數學定義"     # optional; checked against section_of() when given
      language = "zh-Hant"     # see LANGUAGES
      anchor = '若 \\(P(x)\\) 為真實分佈的指示值'
      anchor_end = '...'       # optional: extend the quote to the block containing this
      english = "..."          # faithful English rendering of the extracted quote

Every malformed entry raises :class:`CatalogueError` (a :class:`ValueError`) whose message
names the offending field in backticks and the claim it belongs to.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

__all__ = [
    "DEFAULT_CATALOGUE",
    "DEFAULT_SOURCES_DIR",
    "EXPECTED_VERDICTS",
    "LANGUAGES",
    "MAX_QUOTE_LINES",
    "CatalogueError",
    "ClaimInfo",
    "MissingFileError",
    "SourceQuote",
    "extract_quote",
    "load_catalogue",
    "section_of",
]

#: Root of this repository (the directory holding ``claims/`` and ``pytest_claims/``).
REPO_ROOT: Path = Path(__file__).resolve().parents[1]
#: Catalogue read by :func:`load_catalogue` when no path is given.
DEFAULT_CATALOGUE: Path = REPO_ROOT / "claims" / "catalogue.toml"
#: Directory of the source documents that anchors point into.
DEFAULT_SOURCES_DIR: Path = REPO_ROOT / "claims" / "sources"

#: Verdicts a claim may be *expected* to receive (``inconclusive`` is never expected).
EXPECTED_VERDICTS: tuple[str, ...] = (
    "supported",
    "supported under conditions",
    "refuted as written",
)
#: Languages of the source documents (BCP 47 tags).
LANGUAGES: tuple[str, ...] = ("zh-Hant", "zh-Hans", "ko")
#: Longest quote, in lines, that an anchor without ``anchor_end`` produces.
MAX_QUOTE_LINES: int = 15

_ID_RE = re.compile(r"[A-Z]+-[0-9]{2}")
_FAMILY_RE = re.compile(r"[A-Z]+")
_HEADING_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")

_TOP_KEYS = frozenset({"families", "claims"})
_FAMILY_KEYS = frozenset({"title"})
_CLAIM_REQUIRED = ("id", "family", "title", "statement", "expected_verdict")
_CLAIM_OPTIONAL = ("conditions", "corrected", "controls")
_CLAIM_KEYS = frozenset(_CLAIM_REQUIRED + _CLAIM_OPTIONAL + ("sources",))
_SOURCE_REQUIRED = ("file", "language", "anchor", "english")
_SOURCE_OPTIONAL = ("section", "anchor_end")
_SOURCE_KEYS = frozenset(_SOURCE_REQUIRED + _SOURCE_OPTIONAL)


class CatalogueError(ValueError):
    """A malformed catalogue entry; the message names the field in backticks."""


class MissingFileError(CatalogueError, FileNotFoundError):
    """The catalogue, or a source file it cites, does not exist."""


@dataclass(frozen=True, slots=True)
class SourceQuote:
    """One passage of a source document that states (part of) a claim.

    Attributes
    ----------
    file : str
        File name inside the sources directory, e.g. ``"000_6a9745706ba7aa1d.txt"``.
    section : str
        Text of the nearest markdown heading before the passage (original language, without
        ``#`` and ``**``); ``''`` when the passage precedes every heading.
    language : str
        Language tag of the document, one of :data:`LANGUAGES`.
    quote : str
        The passage, verbatim, as extracted from the file by :func:`extract_quote`.
    english : str
        Faithful English rendering of ``quote`` (LaTeX left as LaTeX).
    """

    file: str
    section: str
    language: str
    quote: str
    english: str

    def to_json(self) -> dict[str, str]:
        """JSON-safe dictionary with keys file, section, language, quote, english.

        Returns
        -------
        dict of str to str
        """
        return {"file": self.file, "section": self.section, "language": self.language,
                "quote": self.quote, "english": self.english}


@dataclass(frozen=True, slots=True)
class ClaimInfo:
    """One catalogue claim: its statement, its sources and the verdict the suite expects.

    Attributes
    ----------
    id : str
        Permanent claim ID, e.g. ``"CE-07"``.
    family : str
        Family code, the ID's prefix, e.g. ``"CE"``.
    family_title : str
        Human title of the family, e.g. ``"Cross-entropy"``.
    title : str
        Short English title of the claim.
    statement : str
        What is checked, in plain English.
    expected_verdict : str
        One of :data:`EXPECTED_VERDICTS`.
    conditions : str
        The assumption the documents leave out; ``''`` for a plainly supported claim.
    corrected : str
        The correct statement for refuted or conditional claims; ``''`` otherwise.
    controls : str
        The negative control(s) -- false variants the same procedure must reject -- in plain
        words; ``''`` when the catalogue names none.
    sources : tuple of SourceQuote
        The passages stating the claim, in catalogue order.
    """

    id: str
    family: str
    family_title: str
    title: str
    statement: str
    expected_verdict: str
    conditions: str
    corrected: str
    controls: str
    sources: tuple[SourceQuote, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dictionary in the layout of ``results.json`` (``reports/SCHEMA.md``).

        Returns
        -------
        dict
            Keys id, title, family, family_title, sources (list of dicts), statement,
            expected_verdict, conditions, corrected, controls.
        """
        return {
            "id": self.id,
            "title": self.title,
            "family": self.family,
            "family_title": self.family_title,
            "sources": [s.to_json() for s in self.sources],
            "statement": self.statement,
            "expected_verdict": self.expected_verdict,
            "conditions": self.conditions,
            "corrected": self.corrected,
            "controls": self.controls,
        }


# --------------------------------------------------------------------------- text structure

def _fence_regions(lines: list[str]) -> list[tuple[int, int]]:
    """Inclusive line ranges ``(open, close)`` of fenced code blocks, fences included."""
    regions: list[tuple[int, int]] = []
    opening: tuple[int, str] | None = None
    for i, line in enumerate(lines):
        m = _FENCE_RE.match(line)
        if opening is None:
            if m:
                opening = (i, m.group(1))
        elif m and m.group(1)[0] == opening[1][0] and len(m.group(1)) >= len(opening[1]) \
                and not line[m.end():].strip():
            regions.append((opening[0], i))
            opening = None
    if opening is not None:  # unclosed fence: runs to the end of the document
        regions.append((opening[0], len(lines) - 1))
    return regions


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
        raise CatalogueError("`anchor` must contain non-whitespace text")
    start = text.find(anchor)
    if start < 0:
        raise CatalogueError(f"`anchor` {anchor!r} not found")
    end = start + len(anchor)
    if anchor_end is not None:
        if not anchor_end.strip():
            raise CatalogueError("`anchor_end` must contain non-whitespace text")
        k = text.find(anchor_end, end)
        if k < 0:
            raise CatalogueError(f"`anchor_end` {anchor_end!r} not found after `anchor` {anchor!r}")
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
        raise CatalogueError(f"`position` {position} is outside the text (length {len(text)})")
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


# --------------------------------------------------------------------------- loading

def _string(table: Mapping[str, Any], key: str, where: str, *, required: bool = True,
            nonblank: bool = True) -> str:
    if key not in table:
        if required:
            raise CatalogueError(f"`{key}` is missing in {where}")
        return ""
    value = table[key]
    if not isinstance(value, str):
        raise CatalogueError(f"`{key}` of {where} must be a string, got {type(value).__name__}")
    if nonblank and required and not value.strip():
        raise CatalogueError(f"`{key}` of {where} must not be empty")
    return value.strip()


def _reject_unknown(table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CatalogueError(f"unknown key `{unknown[0]}` in {where} "
                             f"(allowed: {', '.join(sorted(allowed))})")


def _read_source(sources_dir: Path, name: str, where: str, cache: dict[str, str]) -> str:
    if name not in cache:
        if not name or Path(name).name != name or name in (".", ".."):
            raise CatalogueError(f"`file` {name!r} of {where} must be a plain file name "
                                 f"inside {sources_dir}")
        path = sources_dir / name
        if not path.is_file():
            raise MissingFileError(f"`file` {name!r} of {where} not found in {sources_dir}")
        try:
            cache[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogueError(f"`file` {name!r} of {where} is not valid UTF-8: {exc}") from exc
    return cache[name]


def _load_source(src: Any, k: int, cid: str, sources_dir: Path,
                 cache: dict[str, str]) -> SourceQuote:
    where = f"sources[{k}] of {cid}"
    if not isinstance(src, dict):
        raise CatalogueError(f"`sources` entry {k} of {cid} must be a table")
    _reject_unknown(src, _SOURCE_KEYS, where)
    name = _string(src, "file", where)
    language = _string(src, "language", where)
    if language not in LANGUAGES:
        raise CatalogueError(f"`language` {language!r} of {where} is not one of "
                             f"{', '.join(LANGUAGES)}")
    english = _string(src, "english", where)
    if not isinstance(src.get("anchor"), str):
        _string(src, "anchor", where)  # raises: missing or not a string
    anchor: str = src["anchor"]
    anchor_end = src.get("anchor_end")
    if anchor_end is not None and not isinstance(anchor_end, str):
        raise CatalogueError(f"`anchor_end` of {where} must be a string")
    if not anchor.strip():
        raise CatalogueError(f"`anchor` of {where} must not be empty")
    text = _read_source(sources_dir, name, where, cache)
    count = text.count(anchor)
    if count == 0:
        raise CatalogueError(f"`anchor` {anchor!r} of {cid} not found in {name}")
    if count > 1:
        raise CatalogueError(f"`anchor` {anchor!r} of {cid} occurs {count} times in {name}; "
                             "make it unique")
    try:
        quote = extract_quote(text, anchor, anchor_end)
    except CatalogueError as exc:
        raise CatalogueError(f"{exc} (in {where}, file {name})") from None
    section = section_of(text, text.index(anchor))
    declared = src.get("section")
    if declared is not None:
        if not isinstance(declared, str):
            raise CatalogueError(f"`section` of {where} must be a string")
        if declared.strip() != section:
            raise CatalogueError(f"`section` {declared!r} of {where} does not match the heading "
                                 f"{section!r} above the anchor in {name}")
    return SourceQuote(file=name, section=section, language=language, quote=quote,
                       english=english)


def load_catalogue(path: Path | None = None,
                   sources_dir: Path | None = None) -> dict[str, ClaimInfo]:
    """Read and validate the claims catalogue.

    Parameters
    ----------
    path : Path, optional
        The catalogue TOML; default :data:`DEFAULT_CATALOGUE` (``claims/catalogue.toml`` of
        this repository).
    sources_dir : Path, optional
        Directory of the source documents; default :data:`DEFAULT_SOURCES_DIR`
        (``claims/sources/`` of this repository).

    Returns
    -------
    dict of str to ClaimInfo
        Claims keyed by ID, in catalogue order.

    Raises
    ------
    MissingFileError
        If the catalogue or a cited source file does not exist (a ``ValueError`` and a
        ``FileNotFoundError``).
    CatalogueError
        A ``ValueError`` naming the offending field in backticks: invalid TOML, an unknown
        key, a missing or empty field, an ID not matching ``^[A-Z]+-\\d\\d$``, a duplicate ID,
        an undeclared family or an ID whose prefix is not its family, an unknown verdict or
        language, empty ``conditions``/``corrected`` on a claim that is not plainly
        supported, a claim without sources, an anchor absent from (or ambiguous in) its file,
        a ``section`` that is not the heading above the anchor.
    """
    path = DEFAULT_CATALOGUE if path is None else Path(path)
    sources_dir = DEFAULT_SOURCES_DIR if sources_dir is None else Path(sources_dir)
    if not path.is_file():
        raise MissingFileError(f"catalogue `path` {str(path)!r} not found")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"`path` {str(path)!r} is not a valid TOML catalogue: {exc}") \
            from exc
    _reject_unknown(doc, _TOP_KEYS, "the catalogue")

    families_raw = doc.get("families", {})
    if not isinstance(families_raw, dict):
        raise CatalogueError("`families` must be a table of tables")
    families: dict[str, str] = {}
    for code, table in families_raw.items():
        if not _FAMILY_RE.fullmatch(code):
            raise CatalogueError(f"`families` key {code!r} must be upper-case letters")
        if not isinstance(table, dict):
            raise CatalogueError(f"`families.{code}` must be a table")
        _reject_unknown(table, _FAMILY_KEYS, f"families.{code}")
        families[code] = _string(table, "title", f"families.{code}")

    claims_raw = doc.get("claims")
    if not isinstance(claims_raw, list) or not claims_raw:
        raise CatalogueError("`claims` must be a non-empty array of tables ([[claims]])")
    cache: dict[str, str] = {}
    out: dict[str, ClaimInfo] = {}
    for n, raw in enumerate(claims_raw):
        if not isinstance(raw, dict):
            raise CatalogueError(f"`claims` entry {n} must be a table")
        cid = _string(raw, "id", f"claims[{n}]")
        if not _ID_RE.fullmatch(cid):
            raise CatalogueError(f"`id` {cid!r} of claims[{n}] does not match ^[A-Z]+-\\d\\d$")
        if cid in out:
            raise CatalogueError(f"duplicate `id` {cid!r} (claims[{n}])")
        _reject_unknown(raw, _CLAIM_KEYS, cid)
        family = _string(raw, "family", cid)
        if family not in families:
            raise CatalogueError(f"`family` {family!r} of {cid} is not declared "
                                 f"(add a [families.{family}] table)")
        if cid.split("-")[0] != family:
            raise CatalogueError(f"`id` {cid!r} does not belong to `family` {family!r}")
        verdict = _string(raw, "expected_verdict", cid)
        if verdict not in EXPECTED_VERDICTS:
            raise CatalogueError(f"`expected_verdict` {verdict!r} of {cid} is not one of "
                                 + ", ".join(repr(v) for v in EXPECTED_VERDICTS))
        conditions = _string(raw, "conditions", cid, required=False)
        corrected = _string(raw, "corrected", cid, required=False)
        if verdict != "supported":
            for key, value in (("conditions", conditions), ("corrected", corrected)):
                if not value:
                    raise CatalogueError(f"`{key}` of {cid} must not be empty when "
                                         f"`expected_verdict` is {verdict!r}")
        sources_list = raw.get("sources")
        if not isinstance(sources_list, list) or not sources_list:
            raise CatalogueError(f"`sources` of {cid} must be a non-empty array of tables "
                                 "([[claims.sources]])")
        sources = tuple(_load_source(src, k, cid, sources_dir, cache)
                        for k, src in enumerate(sources_list))
        out[cid] = ClaimInfo(
            id=cid,
            family=family,
            family_title=families[family],
            title=_string(raw, "title", cid),
            statement=_string(raw, "statement", cid),
            expected_verdict=verdict,
            conditions=conditions,
            corrected=corrected,
            controls=_string(raw, "controls", cid, required=False),
            sources=sources,
        )
    return out
