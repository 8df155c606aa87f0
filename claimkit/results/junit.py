"""Verdicts in JUnit XML: CI systems read ``--junitxml``, so each claim test case there carries
its claim, the roles of its checks and its claim's verdict as ``<property>`` elements.

pytest's junitxml plugin writes each test case when the test ends, before any claim's verdict
is known (a verdict needs every test of the claim), so the plugin adds the verdict properties
to the finished file at the end of the run. Claim test cases are found by the
:data:`~claimkit.results.schema.TEST_KEY` property every claim test carries.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from typing import Any, Mapping

from claimkit.results.atomic import write_atomic
from claimkit.results.schema import TEST_KEY

__all__ = ["add_verdicts", "case_properties"]


def case_properties(doc: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Properties per claim test node id: ``claim_verdict``, ``claim_expected_verdict``,
    ``claim_verdict_as_expected``, ``check_roles`` (sorted, comma-separated) and
    ``checks_as_expected`` (``"true"`` when every check of the test had its role's outcome)."""
    out: dict[str, dict[str, str]] = {}
    for claim in doc["claims"]:
        for test in claim["tests"]:
            checks = [c for c in claim["checks"] if c.get("test") == test["nodeid"]]
            out[test["nodeid"]] = {
                "claim_verdict": claim["verdict"],
                "claim_expected_verdict": claim["expected_verdict"],
                "claim_verdict_as_expected": str(claim["verdict"]
                                                 == claim["expected_verdict"]).lower(),
                "check_roles": ",".join(sorted({c["role"] for c in checks})),
                "checks_as_expected": str(all(c["as_expected"] for c in checks)).lower(),
            }
    return out


def add_verdicts(path: str | os.PathLike[str], doc: Mapping[str, Any]) -> int:
    """Add :func:`case_properties` to the claim test cases of the JUnit XML file ``path``
    (rewritten atomically); return how many test cases were extended.

    Raises
    ------
    OSError
        If the file cannot be read or written.
    ValueError
        If it is not XML.
    """
    try:
        tree = ET.parse(path)
    except ET.ParseError as exc:
        raise ValueError(f"{path} is not XML: {exc}") from None
    props = case_properties(doc)
    done = 0
    for case in tree.getroot().iter("testcase"):
        holder = case.find("properties")
        if holder is None:
            continue
        nodeid = next((p.get("value") for p in holder.findall("property")
                       if p.get("name") == TEST_KEY), None)
        if nodeid not in props:
            continue
        for name, value in props[nodeid].items():
            ET.SubElement(holder, "property", {"name": name, "value": value})
        done += 1
    write_atomic(path, ET.tostring(tree.getroot(), encoding="unicode", xml_declaration=True))
    return done
