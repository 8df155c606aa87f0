"""Claim CODE-01: the documents' code blocks run and print what their comments say.

The blocks are read from ``claims/sources/`` when the tests run (never pasted here), executed
in a fresh interpreter (``sys.executable``) with a time limit, and every ``print(...)  # value``
is compared with what it printed, to the digits the comment states (round half to even; see
:mod:`claimkit.codeblocks`). A print whose comment states no value only has to run.

Source 002's block imports torch (an optional extra). Its torch-free part -- every statement
that does not use ``torch``/``nn`` or a name derived from them, i.e. examples 1 and 2 -- always
runs; the whole block runs in a separate test that skips, with its reason, when torch is absent.

Negative control, for every commented print: the comment with one stated value moved by one
unit in its last digit (in memory) is rejected by the same comparison against the same output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claimkit import codeblocks

SOURCES = Path(__file__).parent / "sources"
#: The documents whose python blocks CODE-01 covers (catalogue: 001 §5, 002 §구현).
DOCUMENTS = ("001_a41e3c103ce9f303.txt", "002_aca93830af2af155.repaired.md")
#: Optional modules: statements that need them run only when they are installed.
OPTIONAL_MODULES = ("torch",)
TORCH_REASON = "torch is an optional extra: pip install -e '.[torch]'"
#: Seconds a block may run (the torch block imports torch, a few seconds on a cold cache).
TIMEOUT = 120.0


def _blocks() -> list[codeblocks.CodeBlock]:
    return [b for name in DOCUMENTS
            for b in codeblocks.read_blocks(SOURCES / name, language="python")]


def _block_id(block: codeblocks.CodeBlock) -> str:
    return f"{block.source.split('_')[0]}-block{block.index}"


BLOCKS = _blocks()
OPTIONAL_BLOCKS = [b for b in BLOCKS
                   if codeblocks.strip_dependent(b.code, OPTIONAL_MODULES).dropped]


def _ranges(lines: list[int]) -> str:
    """Compact line ranges: [3, 4, 5, 9] -> '3–5, 9'."""
    out: list[str] = []
    start = prev = lines[0]
    for ln in [*lines[1:], None]:
        if ln is not None and ln == prev + 1:
            prev = ln
            continue
        out.append(f"{start}–{prev}" if prev > start else f"{start}")
        if ln is not None:
            start = prev = ln
    return ", ".join(out)


def _record_run(mc, block: codeblocks.CodeBlock, code: str, part: str,
                dropped: tuple[int, ...] = ()) -> None:
    """Run ``code`` (a version of ``block``) and record every check of CODE-01 on it."""
    # The document's code draws unseeded (np.random.normal, torch.randn): its global
    # generators are seeded from the run's root seed, so what it prints is reproducible.
    seed = int(mc.seed("globals", source=block.source, part=part).generate_state(1)[0])
    result = codeblocks.run_code(code, timeout=TIMEOUT, seed=seed)
    base = {"source": block.source, "part": part, "first_line": block.first_line}
    note = ""
    if dropped:
        note = ("statements needing " + ", ".join(OPTIONAL_MODULES) + " left out: document "
                "lines " + _ranges([block.document_line(i) for i in dropped]))
    if not result.ok:
        note = (note + "; " if note else "") + f"stderr: {result.stderr.strip()[-600:]}"
    mc.record(f"{block.source} ({part}): the block runs to completion",
              codeblocks.run_decision(result), params={**base, "timeout": TIMEOUT}, note=note)

    original = codeblocks.compare_prints(code, result)
    for check in original:
        st = check.statement
        line = block.document_line(st.line)
        params = {**base, "document_line": line}
        if check.decision is None:
            mc.record(f"line {line}: `{st.source}` runs (no value stated)",
                      codeblocks.print_ran_decision(check), params=params,
                      note="the comment states no value; only the run is checked")
            continue
        mc.record(f"line {line}: `{st.source}` prints the commented value", check.decision,
                  params={**params, "stated": list(st.stated)})
        for index in range(len(st.stated)):
            altered = codeblocks.alter_comment(code, st, index)
            (control,) = [c for c in codeblocks.compare_prints(altered, result)
                          if c.statement.line == st.line]
            mc.record(f"control: line {line} with the comment altered to "
                      f"{list(control.statement.stated)}", control.decision, role="control",
                      params={**params, "stated": list(control.statement.stated)})


@pytest.mark.claim("CODE-01")
@pytest.mark.parametrize("block", BLOCKS, ids=_block_id)
def test_code_block_prints_its_commented_values(mc, block):
    """Each block (without statements needing optional modules) runs and prints its comments."""
    split = codeblocks.strip_dependent(block.code, OPTIONAL_MODULES)
    part = "without " + ", ".join(OPTIONAL_MODULES) if split.dropped else "whole block"
    _record_run(mc, block, split.code, part, split.dropped)


@pytest.mark.claim("CODE-01")
@pytest.mark.parametrize("block", OPTIONAL_BLOCKS, ids=_block_id)
def test_code_block_with_torch_prints_its_commented_values(mc, block):
    """Blocks that import torch run whole, and print their comments, when torch is installed."""
    pytest.importorskip("torch", reason=TORCH_REASON)
    _record_run(mc, block, block.code, "whole block, with torch")
