"""A stream whose database fails midway ends visibly: a marker in the body and an aborted
response, never a body that ends like a complete export."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from statements.models import Statement
from tests.factories import DocumentFactory, StatementFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reader_client() -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("reader"))
    return client


def _stream(response) -> tuple[bytes, BaseException | None]:
    chunks = []
    try:
        for chunk in response.streaming_content:
            chunks.append(chunk)
            if len(chunks) == 2:
                _database_fails()
    except Exception as error:  # what the server sees: the response is aborted
        return b"".join(chunks), error
    return b"".join(chunks), None


def _database_fails() -> None:
    """Break the export's database for real, once its first rows are out."""
    if connection.vendor == "postgresql":
        import psycopg

        pid = connection.connection.info.backend_pid
        dsn = connection.get_connection_params()
        with psycopg.connect(
            host=dsn.get("host"),
            port=dsn.get("port"),
            user=dsn.get("user"),
            dbname=dsn.get("dbname"),
            autocommit=True,
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _rows(count: int) -> None:
    document = DocumentFactory()
    for _ in range(count):
        StatementFactory(document=document)
    if connection.vendor == "sqlite":
        # SQLite cannot be cut off from outside; a row it cannot read back fails the same
        # way, from the database layer, once the first rows are out.
        last = Statement.objects.order_by("-id").first()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE statements_statement SET date = '2024-13-45' WHERE id = %s", [last.pk]
            )


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("statements.csv", b"#ERROR: the export failed here"),
        ("statements.jsonl", b'{"error":"the export failed here'),
        ("popolo.json", b'"ERROR: the export failed here'),
    ],
)
def test_a_failed_stream_ends_visibly(reader_client, monkeypatch, name, marker):
    monkeypatch.setattr("statements.api.views.EXPORT_CHUNK_SIZE", 1)
    _rows(6)
    try:
        body, error = _stream(reader_client.get(f"/api/export/{name}"))
    finally:
        connection.close()
    assert error is not None, "the response must be aborted, not ended cleanly"
    assert marker in body
