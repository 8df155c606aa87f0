"""pytest-benchmark suites: every speed claim is a ratio against a baseline timed in the same run.

Run ``python -m pytest benchmarks/ --benchmark-only --no-claims-report --benchmark-json
bench.json`` and turn the JSON into a table with ``python -m benchmarks.report bench.json``.
"""
