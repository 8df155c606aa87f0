"""Tests of :mod:`claimkit.codeblocks`: extraction, comment parsing, the digit rule, running."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from claimkit import codeblocks as cb

SOURCES = Path(__file__).resolve().parents[1] / "claims" / "sources"

DOC = """# Title

Some text.

```python
import math
print(math.pi)  # 3.14
```

~~~bash
echo hi
~~~

````
```python
not a fence end
```
````

```Python extra words
x = 1
```
"""


# ------------------------------------------------------------------------------- extraction

def test_extract_finds_every_fenced_block_with_its_language():
    """Backtick and tilde fences are found, in order, with lower-cased languages."""
    blocks = cb.extract_blocks(DOC, source="doc.md")
    assert [b.language for b in blocks] == ["python", "bash", "", "python"]
    assert [b.index for b in blocks] == [0, 1, 2, 3]
    assert all(b.source == "doc.md" for b in blocks)


def test_extract_keeps_content_and_first_line():
    """The block's code excludes the fences and first_line points at its first code line."""
    block = cb.extract_blocks(DOC)[0]
    assert block.code == "import math\nprint(math.pi)  # 3.14\n"
    assert DOC.splitlines()[block.first_line - 1] == "import math"
    assert block.document_line(2) == block.first_line + 1


def test_extract_longer_fence_contains_shorter_fences():
    """A four-backtick fence is closed only by four or more backticks."""
    block = cb.extract_blocks(DOC)[2]
    assert block.code == "```python\nnot a fence end\n```\n"


def test_extract_unclosed_fence_names_text():
    """An unclosed fence raises ValueError naming `text` and the opening line."""
    with pytest.raises(ValueError, match=r"`text` has a code fence opened on line 2"):
        cb.extract_blocks("intro\n```python\nx = 1\n")


def test_extract_rejects_non_string():
    """A non-string document raises ValueError naming `text`."""
    with pytest.raises(ValueError, match="`text` must be a string"):
        cb.extract_blocks(b"```\n```\n")


def test_read_blocks_of_the_source_documents():
    """Documents 001 and 002 each hold exactly one python block at the expected section."""
    (b1,) = cb.read_blocks(SOURCES / "001_a41e3c103ce9f303.txt", language="python")
    (b2,) = cb.read_blocks(SOURCES / "002_aca93830af2af155.repaired.md", language="python")
    assert "def softmax(x):" in b1.code and "import torch" in b2.code
    assert cb.read_blocks(SOURCES / "000_6a9745706ba7aa1d.txt") == ()


def test_read_blocks_missing_file_names_path(tmp_path):
    """A missing file raises ValueError naming `path`."""
    with pytest.raises(ValueError, match="`path` must name an existing file"):
        cb.read_blocks(tmp_path / "nope.md")


# ------------------------------------------------------------------------------- comments

@pytest.mark.parametrize("comment, stated", [
    ("[0.836, 0.113, 0.051]", ("0.836", "0.113", "0.051")),
    ("# [0.836, 0.113, 0.051]", ("0.836", "0.113", "0.051")),
    ("-log(0.836) ≈ 0.179", ("0.179",)),
    ("0.179（与 NLL 相同）", ("0.179",)),
    ("0.7", ("0.7",)),
    ("loss = 1.5e-3", ("1.5e-3",)),
    ("x ~= -2", ("-2",)),
    ("(1, 2)", ("1", "2")),
    ("MLE는 n으로 나눔", None),
    ("weight_decay = L2 regularization", None),
    ("", None),
])
def test_parse_comment(comment, stated):
    """The stated value is the number or list opening the (post-≈) comment text."""
    assert cb.parse_comment(comment) == stated


def test_parse_comment_rejects_non_string():
    """A non-string comment raises ValueError naming `comment`."""
    with pytest.raises(ValueError, match="`comment` must be a string"):
        cb.parse_comment(0.5)


@pytest.mark.parametrize("literal, d", [("0.179", 3), ("0.7", 1), ("12", 0), ("-0.50", 2),
                                         ("1.5e-3", 4), ("1e3", -3), ("+.25", 2)])
def test_decimals(literal, d):
    """Decimals count the last stated digit's position, exponent included."""
    assert cb.decimals(literal) == d


def test_decimals_rejects_non_numbers():
    """A literal that is not a number raises ValueError naming `literal`."""
    with pytest.raises(ValueError, match="`literal` must be a decimal number"):
        cb.decimals("0.1.2")


def test_printed_numbers():
    """Numbers are taken as printed; digits glued to words are not numbers."""
    text = "Predicted probabilities: [0.8360188  0.11314284 0.05083836] float64 Top-5 -1e-05 nan"
    assert cb.printed_numbers(text) == ("0.8360188", "0.11314284", "0.05083836", "-1e-05",
                                        "nan")


# ------------------------------------------------------------------------------- digit rule

@pytest.mark.parametrize("value, stated, ok", [
    ("0.8360188", "0.836", True),
    ("0.05083836", "0.051", True),
    ("0.1791041747850027", "0.179", True),
    ("0.1791041747850027", "0.180", False),
    ("0.8360188", "0.840", False),   # 0.84 is right at 2 digits, not at 3
    ("0.8360188", "0.84", True),
    ("0.8355", "0.836", True),       # tie: half to even
    ("0.8365", "0.836", True),       # tie: half to even
    ("0.8365", "0.837", False),
    (0.7, "0.7", True),
    (0.1 + 0.2, "0.3", True),
    ("1234.5", "1.2345e3", True),
])
def test_agrees_to_digits(value, stated, ok):
    """Round half to even to the stated decimals, in exact decimal arithmetic."""
    assert cb.agrees_to_digits(value, stated) is ok


def test_agrees_to_digits_validates():
    """Bad inputs raise ValueError naming `value` or `stated`."""
    with pytest.raises(ValueError, match="`value` must be a finite number"):
        cb.agrees_to_digits(math.nan, "0.1")
    with pytest.raises(ValueError, match="`stated` must be a finite decimal number"):
        cb.agrees_to_digits(0.1, "about 0.1")
    with pytest.raises(ValueError, match="`stated` must be the number as written"):
        cb.agrees_to_digits(0.1, 0.1)


def test_digits_decision_pass_and_fail():
    """The decision is exact-kind with the half unit of the last digit as margin and delta."""
    ok = cb.digits_decision([0.8360188, 0.113], ["0.836", "0.113"])
    assert ok.outcome == "pass" and ok.kind == "exact" and ok.alpha == 0.0
    assert ok.margin == pytest.approx(5e-4) and ok.delta == ok.margin and ok.n_reps == 2
    bad = cb.digits_decision([0.1791], ["0.180"])
    assert bad.outcome == "fail" and "DIFFERS" in bad.rule
    assert bad.statistic == pytest.approx(0.0009 / 0.0005)


def test_digits_decision_length_mismatch_and_nan_fail():
    """Missing printed values and nan fail."""
    assert cb.digits_decision([0.1], ["0.1", "0.2"]).outcome == "fail"
    assert cb.digits_decision(["nan"], ["0.1"]).outcome == "fail"


def test_digits_decision_validates():
    """Empty or non-sequence inputs raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match="`stated` must hold at least one value"):
        cb.digits_decision([], [])
    with pytest.raises(ValueError, match="`printed` must be a sequence"):
        cb.digits_decision("0.1", ["0.1"])


def test_nudge_moves_the_last_digit():
    """Nudging adds one unit in the last stated digit and keeps the digits."""
    assert [cb.nudge(x) for x in ("0.179", "0.7", "0.999", "12", "-0.5")] == \
        ["0.180", "0.8", "1.000", "13", "-0.4"]


# ------------------------------------------------------------------------------- prints

CODE = '''x = 0.5
print("label #1:", x)  # 0.5
print(
    "multi", x * 2,
)  # ≈ 1.0
def f():
    print("in f", 3)  # 3
f()
print("no comment", 7)
print("words", 1)  # just words
'''


def test_find_prints_with_comments():
    """Print statements at any depth, multi-line ones included, carry their stated values."""
    found = cb.find_prints(CODE)
    assert [(p.line, p.end_line, p.stated) for p in found] == [
        (2, 2, ("0.5",)), (3, 5, ("1.0",)), (7, 7, ("3",)), (9, 9, None), (10, 10, None)]
    assert found[0].comment == "0.5"  # the '#' inside the string is not a comment


def test_find_prints_rejects_invalid_code():
    """Code that does not parse raises ValueError naming `code`."""
    with pytest.raises(ValueError, match="`code` is not valid Python"):
        cb.find_prints("print(")


def test_alter_comment_changes_only_the_comment():
    """The altered code differs in one stated value; the print itself is untouched."""
    st = cb.find_prints(CODE)[1]
    altered = cb.alter_comment(CODE, st)
    assert cb.find_prints(altered)[1].stated == ("1.1",)
    assert altered.replace("≈ 1.1", "≈ 1.0") == CODE


def test_alter_comment_list_item():
    """In a stated list the chosen item is nudged."""
    code = "print([1, 2])  # [0.5, 0.25] (rounded)\n"
    st = cb.find_prints(code)[0]
    assert cb.find_prints(cb.alter_comment(code, st, 1))[0].stated == ("0.5", "0.26")


def test_alter_comment_validates():
    """A print without a stated value or a bad index raises ValueError naming the parameter."""
    found = cb.find_prints(CODE)
    with pytest.raises(ValueError, match="`statement` must be a PrintStatement"):
        cb.alter_comment(CODE, found[3])
    with pytest.raises(ValueError, match=r"`index` must be in \[0, 1\)"):
        cb.alter_comment(CODE, found[0], 1)


# ------------------------------------------------------------------------------- splitting

def test_strip_dependent_drops_tainted_statements_and_keeps_lines():
    """Imports of the module and statements using names derived from it are blanked."""
    code = ("import numpy as np\nimport torch\nfrom torch import nn\na = np.ones(2)\n"
            "m = nn.Linear(2, 2)\nout = m(torch.ones(2))\nprint(a.sum())  # 2.0\n"
            "print(out)\n")
    split = cb.strip_dependent(code, ["torch"])
    assert split.dropped == (2, 3, 5, 6, 8)
    kept = split.code.splitlines()
    assert len(kept) == len(code.splitlines())
    assert kept[3] == "a = np.ones(2)" and kept[6].startswith("print(a.sum())")
    assert all(kept[i - 1] == "" for i in split.dropped)


def test_strip_dependent_on_document_002_drops_example_3():
    """In 002's block exactly the torch imports and the '예시 3' section are left out."""
    (block,) = cb.read_blocks(SOURCES / "002_aca93830af2af155.repaired.md", language="python")
    split = cb.strip_dependent(block.code, ["torch"])
    lines = block.code.splitlines()
    section3 = next(i for i, ln in enumerate(lines, 1) if ln.startswith("# 예시 3"))
    statements = {i for i, ln in enumerate(lines, 1)
                  if ln.strip() and not ln.lstrip().startswith("#")}
    imports = {i for i in statements if "torch" in lines[i - 1] and "import" in lines[i - 1]}
    assert set(split.dropped) == imports | {i for i in statements if i > section3}


def test_strip_dependent_validates():
    """An empty module list raises ValueError naming `modules`."""
    with pytest.raises(ValueError, match="`modules` must be a non-empty list"):
        cb.strip_dependent("x = 1\n", [])


# ------------------------------------------------------------------------------- running

def test_run_code_traces_prints_by_line():
    """Every print called from the block is recorded with its line and text."""
    result = cb.run_code(CODE, timeout=60)
    assert result.ok and not result.timed_out and result.error == ""
    assert [(r.line, r.text) for r in result.prints] == [
        (2, "label #1: 0.5"), (3, "multi 1.0"), (7, "in f 3"), (9, "no comment 7"),
        (10, "words 1")]
    assert "label #1: 0.5" in result.stdout


def test_run_code_ignores_prints_to_other_files():
    """A print to stderr is not a printed value of the block."""
    result = cb.run_code("import sys\nprint('e', file=sys.stderr)\nprint('o')\n", timeout=60)
    assert [r.text for r in result.prints] == ["o"] and "e" in result.stderr


def test_run_code_reports_exceptions_clearly():
    """A failing block reports its exit status and the exception line; earlier prints remain."""
    result = cb.run_code("print(1)  # 1\n1 / 0\n", timeout=60)
    assert not result.ok and result.returncode == 1
    assert result.error.startswith("exited with status 1: ZeroDivisionError")
    assert [r.text for r in result.prints] == ["1"]
    decision = cb.run_decision(result)
    assert decision.outcome == "fail" and "ZeroDivisionError" in decision.rule


def test_run_code_timeout_is_reported():
    """A block that runs too long is killed and reported as timed out."""
    result = cb.run_code("import time\nprint('start')\ntime.sleep(30)\n", timeout=1.0)
    assert result.timed_out and result.returncode is None and not result.ok
    assert result.error == "timed out after 1 s"
    assert cb.run_decision(result).outcome == "fail"


def test_run_code_freezes_the_objects_of_a_finished_block():
    """After the block ran, its objects are frozen (a cheap interpreter exit): its own atexit
    handlers still run, and see them frozen."""
    code = ("import atexit, gc\n"
            "atexit.register(lambda: print(gc.get_freeze_count() > 0))  # True\n")
    result = cb.run_code(code, timeout=60)
    assert result.ok, result.stderr
    assert [p.text for p in result.prints] == ["True"]


def test_run_code_uses_this_interpreter():
    """The block runs under sys.executable."""
    result = cb.run_code("import sys\nprint(sys.executable)\n", timeout=60)
    assert result.prints[0].text == sys.executable


@pytest.mark.parametrize("timeout", [0, -1.0, math.inf, math.nan, "5", True])
def test_run_code_rejects_bad_timeout(timeout):
    """A timeout that is not a positive finite number raises ValueError naming `timeout`."""
    with pytest.raises(ValueError, match="`timeout` must be a positive finite number"):
        cb.run_code("pass\n", timeout=timeout)


def test_run_code_rejects_non_string_code():
    """Code that is not a string raises ValueError naming `code`."""
    with pytest.raises(ValueError, match="`code` must be a string"):
        cb.run_code(None)


# ------------------------------------------------------------------------------- comparing

def test_compare_prints_end_to_end():
    """Commented prints are decided on their trailing numbers; others carry no decision."""
    result = cb.run_code(CODE, timeout=60)
    checks = cb.compare_prints(CODE, result)
    assert [c.decision.outcome if c.decision else None for c in checks] == \
        ["pass", "pass", "pass", None, None]
    assert cb.print_ran_decision(checks[3]).outcome == "pass"
    wrong = cb.compare_prints(cb.alter_comment(CODE, checks[0].statement), result)
    assert wrong[0].decision.outcome == "fail"


def test_compare_prints_statement_that_never_ran():
    """A commented print that never ran fails and says why."""
    code = "import sys\nsys.exit(3)\nprint(1)  # 1\n"
    result = cb.run_code(code, timeout=60)
    (check,) = cb.compare_prints(code, result)
    assert check.outputs == () and check.decision.outcome == "fail"
    assert "exited with status 3" in check.decision.rule
    assert cb.print_ran_decision(check).outcome == "fail"


def test_compare_prints_document_001_agrees():
    """Every comment of document 001's block agrees with its output."""
    (block,) = cb.read_blocks(SOURCES / "001_a41e3c103ce9f303.txt", language="python")
    checks = cb.compare_prints(block.code, cb.run_code(block.code, timeout=120))
    assert len(checks) == 3 and all(c.decision.outcome == "pass" for c in checks)


UNSEEDED = """
import random
import numpy as np
print(np.random.normal(), random.random())
"""


def test_run_code_seed_makes_unseeded_draws_reproducible():
    """The document's unseeded global draws become a function of the seed."""
    a = cb.run_code(UNSEEDED, seed=7)
    b = cb.run_code(UNSEEDED, seed=7)
    c = cb.run_code(UNSEEDED, seed=8)
    assert a.ok and b.ok and c.ok
    assert a.prints[0].text == b.prints[0].text != c.prints[0].text
    # the rule text of a successful run carries no time (results.json is time-free)
    assert cb.run_decision(a).rule == "exit status 0 (1 print calls)"


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_run_code_refuses_a_bad_seed(seed):
    with pytest.raises(ValueError, match="`seed`"):
        cb.run_code("print(1)", seed=seed)
