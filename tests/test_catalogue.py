"""Tests of the claims catalogue (claims/catalogue.toml) and its loader (pytest_claims.catalogue).

The catalogue must list exactly the claims of the project's claims list, quote the source
documents verbatim, and expect the verdicts the claims list states. The claims list itself is
not read here: the project must run in clones that do not have it, so its IDs and expected
verdicts are copied below (update them together when a claim is added).
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import pytest

from pytest_claims.catalogue import (
    DEFAULT_CATALOGUE,
    DEFAULT_SOURCES_DIR,
    EXPECTED_VERDICTS,
    MAX_QUOTE_LINES,
    CatalogueError,
    ClaimInfo,
    MissingFileError,
    SourceQuote,
    extract_quote,
    load_catalogue,
    section_of,
)

# --------------------------------------------------------------------------- copied from CLAIMS.md

#: Every claim ID of the claims list, in its order.
CLAIM_IDS: tuple[str, ...] = (
    "LIK-01", "LIK-02", "LIK-03", "LIK-04",
    "CE-01", "CE-02", "CE-03", "CE-04", "CE-05", "CE-06", "CE-07", "CE-08", "CE-09", "CE-10",
    "CE-11",
    "REG-01", "REG-02", "REG-03", "REG-04", "REG-05",
    "EX-01", "EX-02", "EX-03", "EX-04",
    "ASY-01", "ASY-02", "ASY-03", "ASY-04",
    "MAP-01", "MAP-02", "MAP-03", "MAP-04", "MAP-05", "MAP-06",
    "GEN-01",
    "CODE-01",
)
REFUTED: frozenset[str] = frozenset({"CE-07", "MAP-05"})
CONDITIONAL: frozenset[str] = frozenset({
    "LIK-01", "CE-06", "CE-09", "CE-10", "CE-11", "REG-05", "ASY-01", "ASY-02", "ASY-03",
    "MAP-06",
    "GEN-01",
})
#: Source documents and their languages (002's .txt is mis-encoded: never quoted).
SOURCE_LANGUAGES: dict[str, str] = {
    "000_6a9745706ba7aa1d.txt": "zh-Hant",
    "001_a41e3c103ce9f303.txt": "zh-Hans",
    "002_aca93830af2af155.repaired.md": "ko",
}

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def expected_verdict(cid: str) -> str:
    """The verdict the claims list expects for ``cid``."""
    if cid in REFUTED:
        return "refuted as written"
    if cid in CONDITIONAL:
        return "supported under conditions"
    return "supported"


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def catalogue() -> dict[str, ClaimInfo]:
    """The project's catalogue, loaded once."""
    return load_catalogue()


@pytest.fixture(scope="module")
def raw_claims() -> list[dict]:
    """The catalogue's [[claims]] tables as parsed TOML."""
    return tomllib.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))["claims"]


def source_text(name: str) -> str:
    """Text of a source document."""
    return (DEFAULT_SOURCES_DIR / name).read_text(encoding="utf-8")


def all_sources(catalogue: dict[str, ClaimInfo]) -> list[tuple[str, SourceQuote]]:
    """Every (claim id, source) pair of the catalogue."""
    return [(cid, s) for cid, info in catalogue.items() for s in info.sources]


# --------------------------------------------------------------------------- the catalogue

def test_ids_match_claims_list(catalogue):
    """The catalogue holds exactly the claims list's IDs, in the same order."""
    assert tuple(catalogue) == CLAIM_IDS


def test_claim_fields_are_consistent(catalogue):
    """Each claim's key, id, family and family title agree and its texts are non-empty."""
    for cid, info in catalogue.items():
        assert info.id == cid
        assert cid.startswith(info.family + "-")
        assert info.family_title and info.title and info.statement
        assert info.sources


def test_expected_verdicts_match_claims_list(catalogue):
    """Every claim expects the verdict the claims list states."""
    for cid, info in catalogue.items():
        assert info.expected_verdict == expected_verdict(cid), cid
        assert info.expected_verdict in EXPECTED_VERDICTS


def test_conditions_and_correction_where_not_plainly_supported(catalogue):
    """Refuted and conditional claims name the missing assumption and the correct statement."""
    for cid, info in catalogue.items():
        if info.expected_verdict == "supported":
            assert info.conditions == "" and info.corrected == "", cid
        else:
            assert info.conditions.strip() and info.corrected.strip(), cid


def test_every_anchor_is_found_once(raw_claims):
    """Every anchor is a unique exact substring of its source file."""
    for claim in raw_claims:
        for src in claim["sources"]:
            text = source_text(src["file"])
            assert text.count(src["anchor"]) == 1, (claim["id"], src["anchor"])
            if "anchor_end" in src:
                start = text.index(src["anchor"]) + len(src["anchor"])
                assert src["anchor_end"] in text[start:], (claim["id"], src["anchor_end"])


def test_quotes_are_verbatim(catalogue):
    """Every quote is non-empty and appears verbatim in its source file."""
    for cid, src in all_sources(catalogue):
        assert src.quote.strip(), cid
        assert src.quote in source_text(src.file), (cid, src.file)


def test_quotes_contain_their_anchor(catalogue, raw_claims):
    """Every quote contains the anchor it was extracted from."""
    for claim in raw_claims:
        for src, loaded in zip(claim["sources"], catalogue[claim["id"]].sources):
            assert src["anchor"] in loaded.quote, claim["id"]


def test_quotes_respect_line_cap(catalogue, raw_claims):
    """Quotes without an explicit `anchor_end` are at most MAX_QUOTE_LINES lines long."""
    for claim in raw_claims:
        for src, loaded in zip(claim["sources"], catalogue[claim["id"]].sources):
            if "anchor_end" not in src:
                assert len(loaded.quote.split("\n")) <= MAX_QUOTE_LINES, claim["id"]


def test_sources_are_known_documents_in_their_language(catalogue):
    """Each source is one of the three documents, tagged with that document's language."""
    for cid, src in all_sources(catalogue):
        assert src.file in SOURCE_LANGUAGES, (cid, src.file)
        assert src.language == SOURCE_LANGUAGES[src.file], (cid, src.file)


def test_korean_quotes_come_from_repaired_copy(catalogue):
    """Korean quotes come from the repaired UTF-8 copy and contain Hangul."""
    korean = [(cid, s) for cid, s in all_sources(catalogue) if s.language == "ko"]
    assert korean
    for cid, src in korean:
        assert src.file.endswith(".repaired.md"), cid
        assert HANGUL.search(src.quote), cid


def test_chinese_quotes_contain_han_characters(catalogue):
    """Chinese quotes contain Han characters."""
    for cid, src in all_sources(catalogue):
        if src.language.startswith("zh"):
            assert CJK.search(src.quote), cid


def test_english_renderings_are_english(catalogue):
    """Every English rendering is non-empty and free of Hangul and Han characters."""
    for cid, src in all_sources(catalogue):
        assert src.english.strip(), cid
        assert not HANGUL.search(src.english) and not CJK.search(src.english), cid


def test_english_renders_quote_line_by_line(catalogue):
    """Every English rendering has as many lines as its quote (a stale rendering shows up)."""
    for cid, src in all_sources(catalogue):
        assert len(src.english.split("\n")) == len(src.quote.split("\n")), (cid, src.file)


def test_sections_are_headings_above_the_anchor(catalogue, raw_claims):
    """Each source's section is the heading above its anchor, as declared in the TOML."""
    for claim in raw_claims:
        for src, loaded in zip(claim["sources"], catalogue[claim["id"]].sources):
            text = source_text(src["file"])
            assert loaded.section == section_of(text, text.index(src["anchor"]))
            assert loaded.section == src.get("section", loaded.section)
            if loaded.section:
                headings = [ln for ln in text.split("\n") if ln.startswith("#")]
                assert any(loaded.section in h.replace("**", "") for h in headings), claim["id"]


def test_source_citations_of_selected_claims(catalogue):
    """Claims cite the documents and sections the claims list names."""
    ce07 = catalogue["CE-07"].sources[0]
    assert ce07.file.startswith("000_") and ce07.section == "數學定義"
    assert r"\text{Loss} = -\sum_{i=1}^n y_i \log \hat{y}_i" in ce07.quote
    assert {s.file[:3] for s in catalogue["LIK-01"].sources} == {"000", "002"}
    assert {s.file[:3] for s in catalogue["LIK-03"].sources} == {"000", "001", "002"}
    assert catalogue["MAP-05"].sources[0].section == "구현"
    assert "AdamW" in catalogue["MAP-05"].sources[0].quote


def test_code01_quotes_whole_code_blocks(catalogue):
    """CODE-01 quotes the whole fenced python blocks of 001 (§5) and 002 (§구현)."""
    sources = catalogue["CODE-01"].sources
    assert [s.file[:3] for s in sources] == ["001", "002"]
    assert [s.section for s in sources] == ["5. 代码验证", "구현"]
    for src in sources:
        text = source_text(src.file)
        block = re.search(r"```python\n.*?\n```", text, re.S)
        assert block is not None and src.quote == block.group(0)


def test_to_json_is_json_safe(catalogue):
    """ClaimInfo.to_json() gives the results.json layout and survives a JSON round trip."""
    doc = catalogue["CE-07"].to_json()
    assert list(doc) == ["id", "title", "family", "family_title", "sources", "statement",
                         "expected_verdict", "conditions", "corrected", "controls"]
    assert list(doc["sources"][0]) == ["file", "section", "language", "quote", "english"]
    everything = [info.to_json() for info in catalogue.values()]
    assert json.loads(json.dumps(everything, ensure_ascii=False)) == everything


def test_records_are_frozen_and_slotted(catalogue):
    """ClaimInfo and SourceQuote are immutable and have no instance __dict__."""
    info = catalogue["LIK-01"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.sources[0].quote = "changed"  # type: ignore[misc]
    assert not hasattr(info, "__dict__") and not hasattr(info.sources[0], "__dict__")
    assert isinstance(info.sources, tuple)


def test_default_paths_equal_explicit_paths(catalogue):
    """load_catalogue() without arguments reads the repository's catalogue and sources."""
    assert load_catalogue(DEFAULT_CATALOGUE, DEFAULT_SOURCES_DIR) == catalogue
    assert DEFAULT_CATALOGUE == Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml"


# --------------------------------------------------------------------------- extract_quote

DOC = """\
# Title

Intro line one
intro line two.

## **Formulas**：
Lead-in line:
\\[
x = 1
\\]

| a | b |
|---|---|
| 1 | 2 |

```python
import numpy as np

# comment that is not a heading
x = 1
```

Last paragraph.
"""


def test_extract_paragraph():
    """A paragraph anchor yields the run of non-blank lines around it."""
    assert extract_quote(DOC, "intro line two") == "Intro line one\nintro line two."


def test_extract_formula_with_lead_in():
    """A formula block directly under its lead-in line is quoted with it, not the heading."""
    assert extract_quote(DOC, "x = 1\n\\]") == "Lead-in line:\n\\[\nx = 1\n\\]"


def test_extract_table():
    """An anchor on a table row yields the whole table."""
    assert extract_quote(DOC, "| 1 | 2 |") == "| a | b |\n|---|---|\n| 1 | 2 |"


def test_extract_fenced_block():
    """An anchor inside a fenced code block yields the whole block, blank lines included."""
    quote = extract_quote(DOC, "x = 1\n```")
    assert quote.startswith("```python\nimport numpy") and quote.endswith("x = 1\n```")


def test_extract_anchor_end_spans_blocks():
    """`anchor_end` extends the quote to the block holding it."""
    quote = extract_quote(DOC, "Lead-in line:", anchor_end="| 1 | 2 |")
    assert quote == "Lead-in line:\n\\[\nx = 1\n\\]\n\n| a | b |\n|---|---|\n| 1 | 2 |"


def test_extract_long_block_is_capped():
    """Without `anchor_end` a long block is cut to MAX_QUOTE_LINES lines around the anchor."""
    lines = [f"line {i:02d}" for i in range(40)]
    text = "\n".join(lines)
    quote = extract_quote(text, "line 20")
    got = quote.split("\n")
    assert len(got) == MAX_QUOTE_LINES and "line 20" in got and quote in text
    assert extract_quote(text, "line 00").split("\n") == lines[:MAX_QUOTE_LINES]
    assert extract_quote(text, "line 39").split("\n") == lines[-MAX_QUOTE_LINES:]
    assert extract_quote(text, "line 00", anchor_end="line 39") == text


def test_extract_errors():
    """Absent or blank anchors raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match="`anchor` 'nowhere' not found"):
        extract_quote(DOC, "nowhere")
    with pytest.raises(ValueError, match="`anchor` must contain"):
        extract_quote(DOC, "  \n")
    with pytest.raises(ValueError, match="`anchor_end` 'Title' not found after"):
        extract_quote(DOC, "Last paragraph", anchor_end="Title")


# --------------------------------------------------------------------------- section_of

def test_section_of_strips_marks_and_colon():
    """Headings lose their #, ** and trailing colon."""
    assert section_of(DOC, DOC.index("Lead-in")) == "Formulas"
    assert section_of(DOC, DOC.index("Intro")) == "Title"


def test_section_of_ignores_code_comments():
    """A '# comment' inside a fenced code block is not a heading."""
    assert section_of(DOC, DOC.index("x = 1\n```")) == "Formulas"


def test_section_of_before_any_heading():
    """Text before the first heading has section ''."""
    assert section_of("no heading here\n# Later", 0) == ""
    with pytest.raises(ValueError, match="`position`"):
        section_of("abc", 10)


# --------------------------------------------------------------------------- validation errors

GOOD_CLAIM = """\
[families.CE]
title = "Cross-entropy"

[[claims]]
id = "CE-07"
family = "CE"
title = "t"
statement = "s"
expected_verdict = "supported"

  [[claims.sources]]
  file = "000_6a9745706ba7aa1d.txt"
  language = "zh-Hant"
  anchor = "交叉熵是一種衡量兩個分佈之間相似程度的指標"
  english = "e"
"""


def write(tmp_path: Path, text: str) -> Path:
    """Write a catalogue file into tmp_path."""
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_catalogue_loads(tmp_path):
    """A minimal valid catalogue loads, with the section derived from the document."""
    info = load_catalogue(write(tmp_path, GOOD_CLAIM))["CE-07"]
    assert info.family_title == "Cross-entropy"
    assert info.sources[0].section == "交叉熵（Cross-Entropy）"
    assert info.controls == ""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('expected_verdict = "supported"', 'expected_verdict = "plausible"',
         r"`expected_verdict` 'plausible' of CE-07 is not one of"),
        ('expected_verdict = "supported"', 'expected_verdict = "inconclusive"',
         r"`expected_verdict` 'inconclusive'"),
        ('id = "CE-07"', 'id = "CE-7"', r"`id` 'CE-7' of claims\[0\] does not match"),
        ('id = "CE-07"', 'id = "ce-07"', r"`id` 'ce-07'"),
        ('family = "CE"', 'family = "XX"', r"`family` 'XX' of CE-07 is not declared"),
        ('id = "CE-07"', 'id = "EX-07"', r"`id` 'EX-07' does not belong to `family` 'CE'"),
        ("anchor = \"交叉熵是", "anchor = \"並不存在的句子",
         r"`anchor` '並不存在的句子.*' of CE-07 not found in 000_6a9745706ba7aa1d\.txt"),
        ('anchor = "交叉熵是一種衡量兩個分佈之間相似程度的指標"', 'anchor = "交叉熵"',
         r"`anchor` '交叉熵' of CE-07 occurs \d+ times in 000_6a9745706ba7aa1d\.txt"),
        ('english = "e"', 'english = "e"\n  anchor_end = "no such text"',
         r"`anchor_end` 'no such text' not found after `anchor`"),
        ('language = "zh-Hant"', 'language = "zh"', r"`language` 'zh' of sources\[0\] of CE-07"),
        ('english = "e"', 'english = "e"\n  section = "結論"',
         r"`section` '結論' of sources\[0\] of CE-07 does not match the heading"),
        ('english = "e"', 'english = "e"\n  anchr = "x"', r"unknown key `anchr` in sources\[0\]"),
        ('title = "t"', 'title = ""', r"`title` of CE-07 must not be empty"),
        ('statement = "s"\n', "", r"`statement` is missing in CE-07"),
        ('english = "e"', 'english = 3', r"`english` of sources\[0\] of CE-07 must be a string"),
        ('file = "000_6a9745706ba7aa1d.txt"', 'file = "../sources/000_6a9745706ba7aa1d.txt"',
         r"`file` .* must be a plain file name"),
    ],
)
def test_validation_errors(tmp_path, old, new, message):
    """Malformed entries raise ValueError naming the offending field in backticks."""
    assert old in GOOD_CLAIM
    path = write(tmp_path, GOOD_CLAIM.replace(old, new, 1))
    with pytest.raises(ValueError, match=message):
        load_catalogue(path)


def test_duplicate_id(tmp_path):
    """A repeated claim ID is rejected."""
    second = GOOD_CLAIM[GOOD_CLAIM.index("[[claims]]"):]
    with pytest.raises(ValueError, match=r"duplicate `id` 'CE-07' \(claims\[1\]\)"):
        load_catalogue(write(tmp_path, GOOD_CLAIM + "\n" + second))


def test_conditions_required_unless_supported(tmp_path):
    """A conditional claim without `conditions` or `corrected` is rejected."""
    text = GOOD_CLAIM.replace('"supported"', '"supported under conditions"')
    with pytest.raises(ValueError, match=r"`conditions` of CE-07 must not be empty when "
                                         r"`expected_verdict` is 'supported under conditions'"):
        load_catalogue(write(tmp_path, text))
    text = text.replace('title = "t"', 'title = "t"\nconditions = "c"')
    with pytest.raises(ValueError, match=r"`corrected` of CE-07 must not be empty"):
        load_catalogue(write(tmp_path, text))


def test_claim_without_sources(tmp_path):
    """A claim with no [[claims.sources]] is rejected."""
    text = GOOD_CLAIM[:GOOD_CLAIM.index("  [[claims.sources]]")]
    with pytest.raises(ValueError, match=r"`sources` of CE-07 must be a non-empty array"):
        load_catalogue(write(tmp_path, text))


def test_missing_source_file(tmp_path):
    """A source file absent from the sources directory is rejected."""
    path = write(tmp_path, GOOD_CLAIM)
    empty = tmp_path / "no_sources"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"`file` '000_6a9745706ba7aa1d\.txt' of sources\[0\] "
                                         r"of CE-07 not found in"):
        load_catalogue(path, empty)
    with pytest.raises(MissingFileError):
        load_catalogue(path, empty)


def test_missing_catalogue_file(tmp_path):
    """A catalogue path that does not exist is rejected (ValueError and FileNotFoundError)."""
    with pytest.raises(ValueError, match=r"catalogue `path` .* not found"):
        load_catalogue(tmp_path / "absent.toml")
    with pytest.raises(FileNotFoundError):
        load_catalogue(tmp_path / "absent.toml")


def test_invalid_toml(tmp_path):
    """A syntactically broken catalogue is rejected with the file named."""
    with pytest.raises(CatalogueError, match=r"`path` .* is not a valid TOML catalogue"):
        load_catalogue(write(tmp_path, "[[claims]\nid = 1"))


def test_unknown_top_level_key(tmp_path):
    """A misspelt top-level table is rejected."""
    with pytest.raises(ValueError, match=r"unknown key `claim` in the catalogue"):
        load_catalogue(write(tmp_path, GOOD_CLAIM + '\n[claim]\nid = "x"\n'))
