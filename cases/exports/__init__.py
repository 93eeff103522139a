"""Exports: one row model per record type (rows.py), redaction profiles (profiles.py), and one
module per file format. Every export reads its cases from visible_cases(user, purpose)."""
