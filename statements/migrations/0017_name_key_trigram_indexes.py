"""Trigram indexes on the folded names people, organisations and aliases are searched by
(PostgreSQL only, like 0004).

The search page and the people and organisation lists find actors whose name or an alias
contains the words typed (``filters.actor_name_filter``: ``name_key LIKE '%...%'``), which
no B-tree index serves: each search read every person (a 6 ms scan of 31,623 people at 1M
statements). A trigram index answers a pattern of three characters or more from the index.

``pg_trgm`` is a trusted extension (PostgreSQL 13 and later): the database's owner may
create it. Where it cannot be created the indexes are left out and names are scanned as
before.
"""

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "person_name_key_trgm_idx": "statements_person",
    "organisation_name_key_trgm_idx": "statements_organisation",
    "othername_name_key_trgm_idx": "statements_othername",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    for name, table in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("name_key" gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0016_summary_statements"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
