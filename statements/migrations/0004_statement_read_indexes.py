"""Indexes for the orderings and per-actor aggregates of the site and the API.

PostgreSQL only, like 0002: measured on 1M synthetic statements (docs/benchmarks.md).

- ``statement_newest_idx``: the site lists statements newest first with undated ones last,
  ``ORDER BY date DESC NULLS LAST, id DESC``. The (date, id) index read backwards gives
  ``NULLS FIRST``, which does not match, so PostgreSQL sorted the whole table for every
  page (about 4.9 s at 1M); with this index a page reads 25 index entries.
- ``statement_person_newest_idx`` / ``statement_org_newest_idx``: an actor's statements in
  that order, and, through the INCLUDE columns, index-only scans for what the person and
  organisation pages and the API count over all of an actor's statements (counts per
  type, the timeline by date and type, the events they spoke at) without visiting the
  table.
"""

from django.db import migrations

INDEXES = {
    "statement_newest_idx": "(date DESC NULLS LAST, id DESC)",
    "statement_person_newest_idx": (
        "(speaker_person_id, date DESC NULLS LAST, id DESC) "
        "INCLUDE (review_status, statement_type, event_id)"
    ),
    "statement_org_newest_idx": (
        "(speaker_organisation_id, date DESC NULLS LAST, id DESC) "
        "INCLUDE (review_status, statement_type, event_id)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "statements_statement" {definition}'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0003_editors_group"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
