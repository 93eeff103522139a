"""Trigram indexes for the text search (PostgreSQL; SQLite databases are small enough to scan).

The search (cases/filters.py) matches a fragment anywhere in a name: `LIKE '%fragment%'` on the
folded search text of every name variant, and Django's `icontains` — `UPPER(col) LIKE
UPPER('%fragment%')` — on a person's display name and description and a case's title. A B-tree
cannot serve a fragment in the middle; a GIN trigram index can, and for `icontains` it must be
built on `UPPER(col)`, the expression Django writes.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


INDEXES = {
    "personname_search_trgm": "cases_personname USING gin (search_text gin_trgm_ops)",
    "person_name_trgm": "cases_person USING gin (UPPER(name) gin_trgm_ops)",
    "person_description_trgm": "cases_person USING gin (UPPER(description) gin_trgm_ops)",
    "case_title_trgm": "cases_case USING gin (UPPER(title) gin_trgm_ops)",
    # reference__iexact is UPPER(reference) = UPPER('cb-2014-0001').
    "case_reference_upper": "cases_case (UPPER(reference))",
}


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_sort_indexes")]

    operations = [
        TrigramExtension(),
        *[
            PostgresOnlySQL(
                sql=f"CREATE INDEX {name} ON {definition}",
                reverse_sql=f"DROP INDEX IF EXISTS {name}",
            )
            for name, definition in INDEXES.items()
        ],
    ]
