"""Root conftest: loads the claims suite's pytest plugin (options, seeds, evidence, report)."""

pytest_plugins = ["pytest_claims.plugin"]
