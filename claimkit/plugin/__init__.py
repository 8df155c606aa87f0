"""pytest plugin and support code of the claims suite (catalogue, evidence collection, results)."""
