"""GIN expression indexes for full-text search (statements/search.py), PostgreSQL only.

The expressions must stay byte-for-byte what ``SearchVector(..., config="english")``
compiles to in statements/search.py, or the planner will not use them. SQLite has no
GIN: there search uses FTS5 tables (statements/search.py) and this migration does nothing.
"""

from django.db import migrations

INDEXES = {
    "statement_search_gin": (
        "statements_statement",
        "to_tsvector('english'::regconfig, COALESCE(\"content\", '') || ' ' || "
        "COALESCE(\"speaker_text\", ''))",
    ),
    "document_title_search_gin": (
        "statements_document",
        "to_tsvector('english'::regconfig, COALESCE(\"title\", ''))",
    ),
    "person_name_search_gin": (
        "statements_person",
        "to_tsvector('english'::regconfig, COALESCE(\"name\", ''))",
    ),
    "organisation_name_search_gin": (
        "statements_organisation",
        "to_tsvector('english'::regconfig, COALESCE(\"name\", ''))",
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING GIN (({expression}))'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("statements", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
