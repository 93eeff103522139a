"""Deterministic benchmark data for `manage.py generate_data` (see docs/development.md).

Never evidence: the rows have no version history and are outside the tamper-evident chain.
"""
