"""Indexes that let a person's or organisation's page find the newest statements about it
without reading the statements table (PostgreSQL only, like 0004).

Below 2,000 statements about an actor its page takes the actor's target rows and sorts
their statements by date (``selectors.statements_about_qs``). Through the foreign-key
index that read each target row and each statement from the table: 1,409 statements about
the second most quoted person at 100k touched 2,203 distinct pages (6,070 buffers). With
the target rows' statement ids in the actor's index and each statement's date and review
status in an index on its id, both are index-only scans: 472 distinct pages.

SQLite has no INCLUDE, and its tables are small.
"""

from django.db import migrations

INDEXES = {
    "statement_id_newest_cover_idx": (
        '"statements_statement" ("id") INCLUDE ("date", "review_status")'
    ),
    "target_person_statement_idx": (
        '"statements_statementtarget" ("person_id") INCLUDE ("statement_id") '
        'WHERE "person_id" IS NOT NULL'
    ),
    "target_organisation_statement_idx": (
        '"statements_statementtarget" ("organisation_id") INCLUDE ("statement_id") '
        'WHERE "organisation_id" IS NOT NULL'
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON {definition}')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0013_summary_link_and_event_order"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
