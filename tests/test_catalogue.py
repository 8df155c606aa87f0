"""Tests of the claims catalogue (claims/catalogue.toml) and its loader (claimkit.catalogue).

The catalogue is asserted through its invariants -- IDs well formed and numbered without gaps
within a family, every family and document declared and used, every claim tested by a claim
test and every claim test naming a catalogue claim, quotes verbatim and in their document's
language -- never through a copy of it, so adding a claim touches the catalogue and its test
only.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import tomllib
from pathlib import Path

import pytest

from claimkit.catalogue import (
    EXPECTED_VERDICTS,
    Catalogue,
    CatalogueError,
    ClaimInfo,
    MissingFileError,
    SourceQuote,
    family_of,
    load_catalogue,
)
from claimkit.sources import MAX_QUOTE_LINES, extract_quote, fences, section_of

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "claims" / "catalogue.toml"

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def claim_markers(directory: Path) -> dict[str, list[str]]:
    """Claim ID -> test functions marked ``@pytest.mark.claim(ID)`` in ``directory``'s test
    modules (read from the source, so a test that is never collected still counts)."""
    out: dict[str, list[str]] = {}
    for path in sorted(directory.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Constant) for t in node.targets
                     if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for dec in node.decorator_list:
                if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)
                        and dec.func.attr == "claim" and dec.args):
                    arg = dec.args[0]
                    cid = arg.value if isinstance(arg, ast.Constant) else constants.get(
                        getattr(arg, "id", None))
                    out.setdefault(cid, []).append(f"{path.name}::{node.name}")
    return out


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The project's catalogue, loaded once."""
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="module")
def raw_claims() -> list[dict]:
    """The catalogue's [[claims]] tables as parsed TOML."""
    return tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))["claims"]


def source_text(name: str) -> str:
    """Text of a source document, by file name."""
    return next(d.text for d in load_catalogue(CATALOGUE).documents.values()
                if d.path.name == name)


def all_sources(catalogue: dict[str, ClaimInfo]) -> list[tuple[str, SourceQuote]]:
    """Every (claim id, source) pair of the catalogue."""
    return [(cid, s) for cid, info in catalogue.items() for s in info.sources]


# --------------------------------------------------------------------------- the catalogue

def test_ids_are_well_formed_and_numbered_without_gaps(catalogue):
    """IDs are FAMILY-NN, and each family's numbers run 01, 02, ... in catalogue order."""
    by_family: dict[str, list[int]] = {}
    for cid in catalogue:
        by_family.setdefault(family_of(cid), []).append(int(cid.split("-")[1]))
    for family, numbers in by_family.items():
        assert numbers == list(range(1, len(numbers) + 1)), family


def test_families_and_documents_are_declared_and_used(catalogue):
    """Every declared family has a claim and every declared document is quoted."""
    assert {info.family for info in catalogue.values()} == set(catalogue.families)
    quoted = {s.file for info in catalogue.values() for s in info.sources}
    assert quoted == {d.path.name for d in catalogue.documents.values()}


def test_every_claim_is_tested_and_every_claim_test_is_catalogued(catalogue):
    """Each catalogue claim has a claim test in claims/, and each claim test names a claim."""
    markers = claim_markers(ROOT / "claims")
    assert set(catalogue) - set(markers) == set()
    assert set(markers) - set(catalogue) == set()


def test_claim_fields_are_consistent(catalogue):
    """Each claim's key, id, family and family title agree and its texts are non-empty."""
    for cid, info in catalogue.items():
        assert info.id == cid
        assert info.family == family_of(cid) and cid.startswith(info.family + "-")
        assert info.family_title == catalogue.families[info.family]
        assert info.title and info.statement and info.sources
        assert info.expected_verdict in EXPECTED_VERDICTS


def test_every_verdict_kind_is_expected_somewhere(catalogue):
    """The documents hold claims of every kind: supported, conditional and refuted ones."""
    assert {info.expected_verdict for info in catalogue.values()} == set(EXPECTED_VERDICTS)


def test_conditions_and_correction_where_not_plainly_supported(catalogue):
    """Refuted and conditional claims name the missing assumption and the correct statement."""
    for cid, info in catalogue.items():
        if info.expected_verdict == "supported":
            assert info.conditions == "" and info.corrected == "", cid
        else:
            assert info.conditions.strip() and info.corrected.strip(), cid


def catalogue_text(key: str) -> str:
    """Text of a catalogue document, by its key."""
    return load_catalogue(CATALOGUE).documents[key].text


def test_every_anchor_is_found_once(raw_claims):
    """Every anchor is a unique exact substring of its source file."""
    for claim in raw_claims:
        for src in claim["sources"]:
            text = catalogue_text(src["document"])
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


def test_sources_carry_their_documents_language(catalogue):
    """Each source is tagged with the language of the document it quotes."""
    language = {d.path.name: d.language for d in catalogue.documents.values()}
    for cid, src in all_sources(catalogue):
        assert src.language == language[src.file], (cid, src.file)


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
            text = catalogue_text(src["document"])
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
                         "expected_verdict", "conditions", "corrected", "controls", "supporting"]
    assert list(doc["sources"][0]) == ["file", "section", "language", "quote", "english",
                                      "states_conditions"]
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


def test_paths_resolve_relative_to_the_catalogue(catalogue, tmp_path, monkeypatch):
    """Documents and the report directory resolve against the catalogue, not the cwd."""
    monkeypatch.chdir(tmp_path)
    assert load_catalogue(CATALOGUE) == catalogue
    assert catalogue.report_dir == ROOT / "reports"
    assert all(d.path.is_relative_to(ROOT / "claims") for d in catalogue.documents.values())


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
[documents.ce-notes]
file = "000_6a9745706ba7aa1d.txt"
language = "zh-Hant"

[families.CE]
title = "Cross-entropy"

[[claims]]
id = "CE-07"
title = "t"
statement = "s"
expected_verdict = "supported"

  [[claims.sources]]
  document = "ce-notes"
  anchor = "交叉熵是一種衡量兩個分佈之間相似程度的指標"
  english = "e"
"""


def write(tmp_path: Path, text: str) -> Path:
    """Write a catalogue file, and the document it cites beside it, into tmp_path."""
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    doc = tmp_path / "000_6a9745706ba7aa1d.txt"
    if not doc.exists():
        doc.write_text(source_text(doc.name), encoding="utf-8")
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
        ('id = "CE-07"', 'id = "EX-07"', r"`id` 'EX-07' belongs to family 'EX', which is not "
                                         r"declared"),
        ('title = "t"', 'title = "t"\nfamily = "CE"', r"unknown key `family` in CE-07"),
        ('document = "ce-notes"', 'document = "other"', r"`document` 'other' of sources\[0\] "
                                                        r"of CE-07 is not declared"),
        ('  english = "e"', '  english = "e"\n  language = "ko"',
         r"unknown key `language` in sources\[0\]"),
        ("anchor = \"交叉熵是", "anchor = \"並不存在的句子",
         r"`anchor` '並不存在的句子.*' of CE-07 not found in 000_6a9745706ba7aa1d\.txt"),
        ('anchor = "交叉熵是一種衡量兩個分佈之間相似程度的指標"', 'anchor = "交叉熵"',
         r"`anchor` '交叉熵' of CE-07 occurs \d+ times in 000_6a9745706ba7aa1d\.txt"),
        ('english = "e"', 'english = "e"\n  anchor_end = "no such text"',
         r"`anchor_end` 'no such text' not found after `anchor`"),
        ('language = "zh-Hant"', 'language = "Chinese"', r"`language` 'Chinese' of "
                                                          r"documents\.ce-notes is not a BCP 47"),
        ('english = "e"', 'english = "e"\n  section = "結論"',
         r"`section` '結論' of sources\[0\] of CE-07 does not match the heading"),
        ('english = "e"', 'english = "e"\n  anchr = "x"', r"unknown key `anchr` in sources\[0\]"),
        ('title = "t"', 'title = ""', r"`title` of CE-07 must not be empty"),
        ('statement = "s"\n', "", r"`statement` is missing in CE-07"),
        ('english = "e"', 'english = 3', r"`english` of sources\[0\] of CE-07 must be a string"),
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
    """A document file that does not exist is rejected (ValueError and FileNotFoundError)."""
    path = write(tmp_path, GOOD_CLAIM.replace('file = "000_', 'file = "absent/000_'))
    with pytest.raises(ValueError, match=r"`file` of documents\.ce-notes not found"):
        load_catalogue(path)
    with pytest.raises(MissingFileError):
        load_catalogue(path)


def test_report_dir_defaults_beside_the_catalogue(tmp_path):
    """Without a [report] table the report goes to report/ beside the catalogue."""
    assert load_catalogue(write(tmp_path, GOOD_CLAIM)).report_dir == tmp_path / "report"
    text = '[report]\ndir = "out/html"\n\n' + GOOD_CLAIM
    assert load_catalogue(write(tmp_path, text)).report_dir == tmp_path / "out" / "html"


def test_path_must_be_a_path(tmp_path):
    """A non-path argument is rejected naming the parameter."""
    with pytest.raises(ValueError, match=r"`path` must be a str or Path"):
        load_catalogue(3)  # type: ignore[arg-type]


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


# --------------------------------------------------------------------------- one fence reader

def test_quotes_and_code_checks_agree_on_fences():
    """The catalogue's quotes and the document code checks read fences the same way: a fence
    that is never closed runs to the end for quoting and is an error for running code."""
    from claimkit.codeblocks import extract_blocks

    closed = "Intro\n\n```python\nx = 1\n```\n\nAfter\n"
    assert extract_quote(closed, "x = 1") == "```python\nx = 1\n```"
    assert [b.code for b in extract_blocks(closed)] == ["x = 1\n"]
    unclosed = "Intro\n\n~~~python\nx = 1\n\nmore code\n"
    assert fences(unclosed.split("\n"))[0].end is None
    assert extract_quote(unclosed, "x = 1") == "~~~python\nx = 1\n\nmore code\n"
    with pytest.raises(ValueError, match="never closed"):
        extract_blocks(unclosed)
    # A backtick fence's info string holds no backtick: that line is not a fence for either.
    inline = "```a``` is inline\n\n## Heading\n"
    assert fences(inline.split("\n")) == ()
    assert extract_blocks(inline) == ()
    assert section_of(inline, len(inline) - 1) == "Heading"


def test_fences_rejects_non_lines():
    """`fences` validates its input and names the parameter."""
    with pytest.raises(ValueError, match="`lines`"):
        fences("not a list")  # type: ignore[arg-type]


def test_lik01_passages_differ_in_whether_they_state_independence(catalogue):
    """002 states "i.i.d 가정 시" and is marked so; 000 does not state it."""
    by_file = {s.file[:3]: s for s in catalogue["LIK-01"].sources}
    assert by_file["002"].states_conditions and "i.i.d" in by_file["002"].quote
    assert not by_file["000"].states_conditions


def test_states_conditions_must_be_a_bool(tmp_path):
    """`states_conditions` is true or false, nothing else."""
    text = GOOD_CLAIM.replace('  english = "e"', '  english = "e"\n  states_conditions = "yes"')
    with pytest.raises(ValueError, match=r"`states_conditions` of sources\[0\] of CE-07"):
        load_catalogue(write(tmp_path, text))


def test_supporting_claims_quote_what_they_support(catalogue):
    """A supporting claim quotes the passage that relies on it and expects a plain verdict;
    the documents' own claims are the majority."""
    supporting = [info for info in catalogue.values() if info.supporting]
    assert supporting and len(supporting) < len(catalogue) / 2
    for info in supporting:
        assert info.sources and info.expected_verdict == "supported", info.id


def test_supporting_must_be_a_bool(tmp_path):
    """`supporting` is true or false, nothing else."""
    text = GOOD_CLAIM.replace('title = "t"', 'title = "t"\nsupporting = 1')
    with pytest.raises(ValueError, match=r"`supporting` of CE-07 must be true or false"):
        load_catalogue(write(tmp_path, text))


def test_unchecked_passages_say_why(catalogue):
    """Passages listed as unchecked are quoted verbatim from a declared document, with a
    reason; 001's lost screenshots are among them."""
    assert catalogue.unchecked
    for u in catalogue.unchecked:
        assert u.reason.strip() and u.quote in source_text(u.file)
    assert {u.file[:3] for u in catalogue.unchecked} == {"001"}
    assert all("<img" in u.quote for u in catalogue.unchecked)


def test_unchecked_entries_are_validated(tmp_path):
    """An [[unchecked]] table needs a declared document, an anchor found in it and a reason."""
    text = GOOD_CLAIM + '\n[[unchecked]]\ndocument = "ce-notes"\nanchor = "交叉熵"\n'
    with pytest.raises(ValueError, match=r"`reason` is missing in unchecked\[0\]"):
        load_catalogue(write(tmp_path, text))
    text = GOOD_CLAIM + ('\n[[unchecked]]\ndocument = "ce-notes"\nanchor = "並不存在"\n'
                         'reason = "r"\n')
    with pytest.raises(ValueError, match=r"`anchor` '並不存在' of unchecked not found"):
        load_catalogue(write(tmp_path, text))
