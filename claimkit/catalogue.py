"""The claims catalogue: what each claim says, where the documents say it, what verdict to expect.

A catalogue is one TOML file; everything it names is resolved relative to the file, so a
catalogue and its documents can live anywhere (the pytest plugin finds it through the ini key
``claims_catalogue`` or ``--claims-catalogue PATH``). It holds one ``[documents.<key>]`` table
per source document, one ``[families.<FAMILY>]`` table per claim family, one ``[[claims]]``
table per claim, each with one or more ``[[claims.sources]]`` tables pointing into a document,
and optionally a ``[report]`` table. A source points at its passage with an ``anchor`` -- an
exact, unique substring of the document -- and the quote shown to readers is *extracted from
the file at load time* (:func:`claimkit.sources.extract_quote`), so the catalogue can never
misquote a document.

Layout::

    [report]
    dir = "../reports"       # optional: results.json and index.html (default: ./report)

    [documents.notes]
    file = "sources/notes.md"  # relative to this catalogue
    language = "en"            # BCP 47 tag
    title = "Lecture notes"    # optional

    [families.CE]
    title = "Cross-entropy"

    [[claims]]
    id = "CE-07"               # permanent; the family is its prefix (CE)
    title = "..."
    statement = "..."
    expected_verdict = "refuted as written"  # see EXPECTED_VERDICTS
    conditions = "..."   # the assumption the document leaves out; '' for 'supported'
    corrected = "..."    # the correct statement; '' for 'supported'
    controls = "..."     # the negative control, in plain words (optional)
    supporting = true    # optional: the suite's own statement, which the quoted passage relies
                         # on or implies but does not make (counted apart from the documents')

      [[claims.sources]]
      document = "notes"
      section = "..."          # optional; checked against the heading above the anchor
      anchor = '...'
      anchor_end = '...'       # optional: extend the quote to the block containing this
      english = "..."          # faithful English rendering of the extracted quote
      states_conditions = true # optional: the passage itself states the claim's conditions

Passages that cannot be checked are listed, with why, in ``[[unchecked]]`` tables
(``document``, ``anchor``, optional ``anchor_end``, ``reason``); the report shows them.

Every malformed entry raises :class:`CatalogueError` (a :class:`ValueError`) whose message
names the offending field in backticks and the claim it belongs to.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimkit.sources import SourceError, extract_quote, section_of

__all__ = [
    "EXPECTED_VERDICTS",
    "Catalogue",
    "CatalogueError",
    "ClaimInfo",
    "Document",
    "MissingFileError",
    "SourceQuote",
    "UncheckedPassage",
    "family_of",
    "load_catalogue",
]

#: Verdicts a claim may be *expected* to receive (``inconclusive`` is never expected).
EXPECTED_VERDICTS: tuple[str, ...] = (
    "supported",
    "supported under conditions",
    "refuted as written",
)
#: Report directory, relative to the catalogue, when its ``[report]`` table names none.
DEFAULT_REPORT_DIR: str = "report"

_ID_RE = re.compile(r"([A-Z]+)-[0-9]{2}")
_FAMILY_RE = re.compile(r"[A-Z]+")
_KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
#: A BCP 47 language tag's shape (language, optional script/region/variants).
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")

_TOP_KEYS = frozenset({"report", "documents", "families", "claims", "unchecked"})
_UNCHECKED_KEYS = frozenset({"document", "anchor", "anchor_end", "reason"})
_REPORT_KEYS = frozenset({"dir"})
_DOCUMENT_KEYS = frozenset({"file", "language", "title"})
_FAMILY_KEYS = frozenset({"title"})
_CLAIM_REQUIRED = ("id", "title", "statement", "expected_verdict")
_CLAIM_OPTIONAL = ("conditions", "corrected", "controls", "supporting")
_CLAIM_KEYS = frozenset(_CLAIM_REQUIRED + _CLAIM_OPTIONAL + ("sources",))
_SOURCE_REQUIRED = ("document", "anchor", "english")
_SOURCE_OPTIONAL = ("section", "anchor_end", "states_conditions")
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
        The document's file name, e.g. ``"000_6a9745706ba7aa1d.txt"``.
    section : str
        Text of the nearest markdown heading before the passage (original language, without
        ``#`` and ``**``); ``''`` when the passage precedes every heading.
    language : str
        Language tag of the document (its ``[documents.*]`` table).
    quote : str
        The passage, verbatim, as extracted from the file by :func:`extract_quote`.
    english : str
        Faithful English rendering of ``quote`` (LaTeX left as LaTeX).
    states_conditions : bool
        Whether the passage itself states the assumption the claim needs (its verdict is then
        decided without the claim's condition checks, :func:`claimkit.evidence.passage_verdict`).
    """

    file: str
    section: str
    language: str
    quote: str
    english: str
    states_conditions: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dictionary with keys file, section, language, quote, english,
        states_conditions.

        Returns
        -------
        dict
        """
        return {"file": self.file, "section": self.section, "language": self.language,
                "quote": self.quote, "english": self.english,
                "states_conditions": self.states_conditions}


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
        The passages stating the claim (for a supporting claim: the passages that rely on
        it), in catalogue order.
    supporting : bool
        Whether this is the suite's own statement that the documents rely on or imply but do
        not make; such claims are reported and counted apart from the documents' claims.
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
    supporting: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dictionary in the layout of ``results.json`` (``reports/SCHEMA.md``).

        Returns
        -------
        dict
            Keys id, title, family, family_title, sources (list of dicts), statement,
            expected_verdict, conditions, corrected, controls, supporting.
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
            "supporting": self.supporting,
        }


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


@dataclass(frozen=True, slots=True)
class Document:
    """One source document of a catalogue (a ``[documents.<key>]`` table).

    Attributes
    ----------
    key : str
        The table's key, which claim sources name as ``document``.
    path : Path
        The file, resolved relative to the catalogue.
    language : str
        BCP 47 tag of the document's language, e.g. ``"ko"``, ``"zh-Hant"``.
    title : str
        Human title; ``''`` when not given.
    text : str
        The document's UTF-8 text, read once.
    """

    key: str
    path: Path
    language: str
    title: str
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class UncheckedPassage:
    """A passage of a document that cannot be checked (an ``[[unchecked]]`` table), with why.

    Attributes
    ----------
    file, section, language, quote : str
        As in :class:`SourceQuote`.
    reason : str
        Why it cannot be checked (e.g. its content survives only as a lost screenshot).
    """

    file: str
    section: str
    language: str
    quote: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """JSON-safe dictionary with keys file, section, language, quote, reason."""
        return {"file": self.file, "section": self.section, "language": self.language,
                "quote": self.quote, "reason": self.reason}


@dataclass(frozen=True)
class Catalogue(Mapping[str, ClaimInfo]):
    """A validated catalogue: a read-only mapping of claim ID to :class:`ClaimInfo`, in
    catalogue order, with the documents, the family titles and the report directory.

    Attributes
    ----------
    path : Path
        The catalogue file.
    claims : Mapping of str to ClaimInfo
    documents : Mapping of str to Document
    families : Mapping of str to str
        Family code to title.
    report_dir : Path
        Where a run writes results.json and index.html (``[report] dir``, relative to the
        catalogue; default ``report/`` beside it).
    unchecked : tuple of UncheckedPassage
        Passages the documents hold that cannot be checked, and why (``[[unchecked]]``).
    """

    path: Path
    claims: Mapping[str, ClaimInfo]
    documents: Mapping[str, Document]
    families: Mapping[str, str]
    report_dir: Path
    unchecked: tuple[UncheckedPassage, ...] = ()

    def __getitem__(self, key: str) -> ClaimInfo:
        return self.claims[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.claims)

    def __len__(self) -> int:
        return len(self.claims)


def family_of(claim_id: str) -> str:
    """The family code of a claim ID: its upper-case prefix (``"CE-07"`` -> ``"CE"``).

    Raises
    ------
    CatalogueError
        If ``claim_id`` does not match ``^[A-Z]+-\\d\\d$``.
    """
    m = _ID_RE.fullmatch(claim_id) if isinstance(claim_id, str) else None
    if m is None:
        raise CatalogueError(f"`claim_id` {claim_id!r} does not match ^[A-Z]+-\\d\\d$")
    return m.group(1)


def _load_documents(raw: Any, base: Path) -> dict[str, Document]:
    if not isinstance(raw, dict) or not raw:
        raise CatalogueError("`documents` must be a non-empty table of tables "
                             "([documents.<key>] with file and language)")
    out: dict[str, Document] = {}
    for key, table in raw.items():
        where = f"documents.{key}"
        if not _KEY_RE.fullmatch(key):
            raise CatalogueError(f"`documents` key {key!r} must be letters, digits, '_', '.', '-'")
        if not isinstance(table, dict):
            raise CatalogueError(f"`{where}` must be a table")
        _reject_unknown(table, _DOCUMENT_KEYS, where)
        language = _string(table, "language", where)
        if not _LANGUAGE_RE.fullmatch(language):
            raise CatalogueError(f"`language` {language!r} of {where} is not a BCP 47 tag "
                                 "(e.g. 'en', 'ko', 'zh-Hant')")
        path = (base / _string(table, "file", where)).resolve()
        if not path.is_file():
            raise MissingFileError(f"`file` of {where} not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogueError(f"`file` of {where} is not valid UTF-8: {exc}") from exc
        out[key] = Document(key=key, path=path, language=language,
                            title=_string(table, "title", where, required=False), text=text)
    return out


def _load_source(src: Any, k: int, cid: str, documents: Mapping[str, Document]) -> SourceQuote:
    where = f"sources[{k}] of {cid}"
    if not isinstance(src, dict):
        raise CatalogueError(f"`sources` entry {k} of {cid} must be a table")
    _reject_unknown(src, _SOURCE_KEYS, where)
    key = _string(src, "document", where)
    if key not in documents:
        raise CatalogueError(f"`document` {key!r} of {where} is not declared (add a "
                             f"[documents.{key}] table; declared: {', '.join(documents)})")
    doc = documents[key]
    english = _string(src, "english", where)
    if not isinstance(src.get("anchor"), str):
        _string(src, "anchor", where)  # raises: missing or not a string
    anchor: str = src["anchor"]
    anchor_end = src.get("anchor_end")
    if anchor_end is not None and not isinstance(anchor_end, str):
        raise CatalogueError(f"`anchor_end` of {where} must be a string")
    if not anchor.strip():
        raise CatalogueError(f"`anchor` of {where} must not be empty")
    text, name = doc.text, doc.path.name
    count = text.count(anchor)
    if count == 0:
        raise CatalogueError(f"`anchor` {anchor!r} of {cid} not found in {name}")
    if count > 1:
        raise CatalogueError(f"`anchor` {anchor!r} of {cid} occurs {count} times in {name}; "
                             "make it unique")
    try:
        quote = extract_quote(text, anchor, anchor_end)
    except SourceError as exc:
        raise CatalogueError(f"{exc} (in {where}, file {name})") from None
    section = section_of(text, text.index(anchor))
    declared = src.get("section")
    if declared is not None:
        if not isinstance(declared, str):
            raise CatalogueError(f"`section` of {where} must be a string")
        if declared.strip() != section:
            raise CatalogueError(f"`section` {declared!r} of {where} does not match the heading "
                                 f"{section!r} above the anchor in {name}")
    states = src.get("states_conditions", False)
    if not isinstance(states, bool):
        raise CatalogueError(f"`states_conditions` of {where} must be true or false")
    return SourceQuote(file=name, section=section, language=doc.language, quote=quote,
                       english=english, states_conditions=states)


def load_catalogue(path: str | Path) -> Catalogue:
    """Read and validate a claims catalogue.

    Parameters
    ----------
    path : str or Path
        The catalogue TOML. Documents and the report directory are resolved relative to it.

    Returns
    -------
    Catalogue
        A mapping of claim ID to :class:`ClaimInfo`, in catalogue order.

    Raises
    ------
    MissingFileError
        If the catalogue or a document it declares does not exist (a ``ValueError`` and a
        ``FileNotFoundError``).
    CatalogueError
        A ``ValueError`` naming the offending field in backticks: invalid TOML, an unknown
        key, a missing or empty field, an ID not matching ``^[A-Z]+-\\d\\d$``, a duplicate ID,
        an ID whose family has no ``[families.*]`` table, an unknown verdict, a language that
        is not a BCP 47 tag, empty ``conditions``/``corrected`` on a claim that is not plainly
        supported, a claim without sources, an undeclared document, an anchor absent from (or
        ambiguous in) its document, a ``section`` that is not the heading above the anchor.
    """
    if not isinstance(path, (str, Path)):
        raise CatalogueError(f"`path` must be a str or Path, got {type(path).__name__}")
    path = Path(path).resolve()
    if not path.is_file():
        raise MissingFileError(f"catalogue `path` {str(path)!r} not found")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"`path` {str(path)!r} is not a valid TOML catalogue: {exc}") \
            from exc
    _reject_unknown(doc, _TOP_KEYS, "the catalogue")
    base = path.parent

    report = doc.get("report", {})
    if not isinstance(report, dict):
        raise CatalogueError("`report` must be a table")
    _reject_unknown(report, _REPORT_KEYS, "report")
    report_dir = (base / (_string(report, "dir", "report", required=False)
                          or DEFAULT_REPORT_DIR)).resolve()

    documents = _load_documents(doc.get("documents"), base)

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
        family = family_of(cid)
        if family not in families:
            raise CatalogueError(f"`id` {cid!r} belongs to family {family!r}, which is not "
                                 f"declared (add a [families.{family}] table)")
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
        supporting = raw.get("supporting", False)
        if not isinstance(supporting, bool):
            raise CatalogueError(f"`supporting` of {cid} must be true or false")
        sources_list = raw.get("sources")
        if not isinstance(sources_list, list) or not sources_list:
            raise CatalogueError(f"`sources` of {cid} must be a non-empty array of tables "
                                 "([[claims.sources]])")
        sources = tuple(_load_source(src, k, cid, documents)
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
            supporting=supporting,
        )
    unchecked_raw = doc.get("unchecked", [])
    if not isinstance(unchecked_raw, list):
        raise CatalogueError("`unchecked` must be an array of tables ([[unchecked]])")
    unchecked = []
    for k, raw in enumerate(unchecked_raw):
        where = f"unchecked[{k}]"
        if not isinstance(raw, dict):
            raise CatalogueError(f"`{where}` must be a table")
        _reject_unknown(raw, _UNCHECKED_KEYS, where)
        reason = _string(raw, "reason", where)
        src = _load_source({"document": raw.get("document"), "anchor": raw.get("anchor"),
                            "english": reason,
                            **({"anchor_end": raw["anchor_end"]} if "anchor_end" in raw else {})},
                           k, "unchecked", documents)
        unchecked.append(UncheckedPassage(file=src.file, section=src.section,
                                          language=src.language, quote=src.quote,
                                          reason=reason))
    return Catalogue(path=path, claims=out, documents=documents, families=families,
                     report_dir=report_dir, unchecked=tuple(unchecked))
