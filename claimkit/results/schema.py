"""The results.json contract's constants: its version and the keys that carry evidence.

One owner: the writer (:mod:`claimkit.results.build`), the loader
(:mod:`claimkit.results.load`) and the pytest plugin import these names; the vocabularies
(verdicts, outcomes, roles) are :mod:`claimkit.evidence`'s. The layout is documented in the
report directory's ``SCHEMA.md``.
"""

from __future__ import annotations

__all__ = ["CHECKS_KEY", "CLAIM_KEY", "COMPLETED_KEY", "SCHEMA_VERSION", "TEST_KEY"]

#: Version of the results document; the loader refuses other versions. Version 2 keeps every
#: time and worker name in ``run.timings`` (a file is then a pure function of code, seed,
#: scale and options outside ``run``).
SCHEMA_VERSION: int = 2
#: ``user_properties`` key carrying a test's claim ID on its report.
CLAIM_KEY: str = "claim_id"
#: ``user_properties`` key carrying a claim test's node id (JUnit XML names a test case by
#: class and name only; :mod:`claimkit.results.junit` finds the case by this property).
TEST_KEY: str = "claim_test"
#: ``user_properties`` key carrying a test's recorded checks (JSON) on its call report.
CHECKS_KEY: str = "claim_checks"
#: ``user_properties`` key: the test body ran to its end, so a failure can only come from a
#: check whose outcome differs from its role (the checks then decide the verdict).
COMPLETED_KEY: str = "claim_completed"
