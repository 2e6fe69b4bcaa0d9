"""PostgreSQL keeps each statement's stored search vector exact, whoever writes the row,
and the migration that adds it fills it for the statements already stored."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from statements.models import Statement
from statements.search import statement_search
from tests.factories import StatementFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored vector is PostgreSQL's (SQLite: FTS5)"
)

RECOUNT = (
    "SELECT count(*), count(*) FILTER (WHERE search_vector = to_tsvector('english', "
    "COALESCE(content, '') || ' ' || COALESCE(speaker_text, ''))) FROM statements_statement"
)


def _vectors_exact() -> tuple[int, int]:
    """(statements, statements whose stored vector equals a fresh one)."""
    with connection.cursor() as cursor:
        cursor.execute(RECOUNT)
        return cursor.fetchone()


@pytest.mark.django_db
def test_every_write_keeps_the_vector_exact(ingest_text):
    document = ingest_text(
        'The minister said: "Farmers need a fair price for wheat." '
        "Protesters demanded that the government lower fuel taxes.",
        title="Prices",
    )
    assert document.statements.exists()
    assert _vectors_exact() == (Statement.objects.count(),) * 2

    edited = StatementFactory(content="Exports of barley will resume.", speaker_text="a trader")
    edited.content = "Exports of rice will resume."
    edited.save()
    Statement.objects.filter(pk=edited.pk).update(speaker_text="the harbour master")
    Statement.objects.bulk_create(
        [
            StatementFactory.build(
                document=document,
                speaker_person=None,
                speaker_text="a farmer",
                content="Olive groves burned.",
            )
        ]
    )
    assert _vectors_exact() == (Statement.objects.count(),) * 2
    found = statement_search(Statement.objects.all(), "rice harbour")
    assert set(found.values_list("pk", flat=True)) == {edited.pk}
    assert not statement_search(Statement.objects.all(), "barley").exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_vector_of_stored_statements():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("statements")
    executor.migrate([("statements", "0014_statements_about_covering_indexes")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns WHERE "
                "table_name = 'statements_statement' AND column_name = 'search_vector'"
            )
            assert cursor.fetchone()[0] == 0
        StatementFactory(content="Stored before the vector existed.", speaker_text="an aide")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert _vectors_exact() == (1, 1)
    assert statement_search(Statement.objects.all(), "existed aide").count() == 1
