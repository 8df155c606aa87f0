"""results.json: one writer, one loader, one set of schema constants (versioned).

* :mod:`claimkit.results.schema` -- version and the keys evidence travels under;
* :mod:`claimkit.results.build` -- assemble the document from test reports and the catalogue;
* :mod:`claimkit.results.load` -- read and validate a document (:class:`ResultsError`);
* :mod:`claimkit.results.atomic` -- the one atomic writer of every output file;
* :mod:`claimkit.results.junit` -- verdicts added to a JUnit XML file's test cases.
"""

from claimkit.results.atomic import write_atomic, write_json_atomic
from claimkit.results.build import (Collector, TestState, build_results, claim_checks,
                                    claim_verdict, git_commit, versions)
from claimkit.results.load import (CHECK_OUTCOMES, ROLES, TEST_OUTCOMES, VERDICTS, ResultsError,
                                   load_results, validate_results)
from claimkit.results.schema import CHECKS_KEY, CLAIM_KEY, COMPLETED_KEY, SCHEMA_VERSION, TEST_KEY

__all__ = [
    "CHECKS_KEY", "CHECK_OUTCOMES", "CLAIM_KEY", "COMPLETED_KEY", "ROLES", "SCHEMA_VERSION",
    "TEST_KEY", "TEST_OUTCOMES", "VERDICTS", "Collector", "ResultsError", "TestState", "build_results",
    "claim_checks", "claim_verdict", "git_commit", "load_results", "validate_results", "versions",
    "write_atomic", "write_json_atomic",
]
