"""One statement shape: the public fields declared in statements/shapes.py are what the
API, the OpenAPI schema, the CSV and JSON-lines exports and the backup carry; a field
added to the declaration shows up in all of them. People and organisations likewise."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rest_framework import serializers

from statements import selectors, shapes
from statements.api.serializers import ORGANISATION_FIELDS, PERSON_FIELDS
from statements.models import Statement
from statements.services.backup import kb_export
from tests.api.helpers import fetch_all

BASE = "http://testserver"


def _body(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def _names() -> list[str]:
    return [field.name for field in shapes.STATEMENT_FIELDS]


def _schema_properties(api_client, component: str) -> list[str]:
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    return list(schema["components"]["schemas"][component]["properties"])


def _backup_records() -> list[dict]:
    out = io.StringIO()
    kb_export(out=out)
    return [json.loads(line) for line in out.getvalue().splitlines()[1:]]


def _assert_everywhere(api_client) -> None:
    """Every declared field is in the API, the schema, the CSV, the JSONL and the backup."""
    names = _names()
    rows = fetch_all(api_client, "/api/statements/", {"ordering": "id"})
    assert rows and all(list(row) == names for row in rows)
    assert _schema_properties(api_client, "Statement") == names
    header = next(csv.reader(io.StringIO(_body(api_client.get("/api/export/statements.csv")))))
    for field in shapes.STATEMENT_FIELDS:
        assert field.flat and {column.name for column in field.flat} <= set(header), field.name
    lines = _body(api_client.get("/api/export/statements.jsonl")).splitlines()
    # The JSON lines carry each statement exactly as the API gives it.
    assert [json.loads(line)["kb"] for line in lines] == rows


def test_api_schema_and_exports_carry_every_declared_field(kb, api_client):
    _assert_everywhere(api_client)


def test_the_backup_carries_every_column_the_declared_fields_read(kb):
    records = _backup_records()
    by_model: dict[str, set[str]] = {}
    for record in records:
        by_model.setdefault(record["model"], set()).update(record["fields"], {"pk"})
    statement_fields = by_model["statements.statement"]
    target_fields = by_model["statements.statementtarget"]
    for column in shapes.statement_columns():
        relation, _, name = column.partition("__")
        if not name:  # a statement column: its attname, or the foreign key's name
            model_field = Statement._meta.get_field(column.removesuffix("_id"))
            stored = "pk" if model_field.primary_key else model_field.name
            assert stored in statement_fields, column
        else:
            related = Statement._meta.get_field(relation).related_model._meta.label_lower
            assert name in by_model[related] or name == "id", column
    for column in shapes.TARGET_COLUMNS:
        assert column.split("__")[0].removesuffix("_id") in target_fields | {"id"}, column


@pytest.fixture
def one_more_field(monkeypatch):
    """A field added to the declaration, reading a column no other field reads."""
    added = shapes.PublicField(
        "document_language",
        ("document__language",),
        lambda row, links: row["document__language"],
        lambda: serializers.CharField(read_only=True),
        (shapes.FlatColumn("document_language", lambda row, links: row["document__language"]),),
    )
    monkeypatch.setattr(shapes, "STATEMENT_FIELDS", (*shapes.STATEMENT_FIELDS, added))
    shapes.statement_columns.cache_clear()
    selectors.statements._statement_rows_base.cache_clear()
    yield added
    monkeypatch.undo()
    shapes.statement_columns.cache_clear()
    selectors.statements._statement_rows_base.cache_clear()


def test_a_field_added_to_the_declaration_shows_up_everywhere(kb, api_client, one_more_field):
    assert "document__language" in shapes.statement_columns()
    _assert_everywhere(api_client)
    detail = api_client.get(f"/api/statements/{kb.seed.statements.first().pk}/").json()
    assert detail["document_language"] == kb.seed.language


@pytest.mark.parametrize(
    ("component", "declared", "url"),
    [
        ("Person", PERSON_FIELDS, "/api/people/"),
        ("Organisation", ORGANISATION_FIELDS, "/api/organisations/"),
    ],
)
def test_people_and_organisations_carry_their_declared_fields(
    kb, api_client, component, declared, url
):
    names = [field.name for field in declared]
    assert _schema_properties(api_client, component) == names
    rows = fetch_all(api_client, url)
    assert rows and all(list(row) == names for row in rows)
    detail = api_client.get(rows[0]["url"]).json()
    assert list(detail) == names


def test_quotes_carry_the_fields_their_schema_declares(kb, api_client):
    listed = fetch_all(api_client, "/api/quotes/")
    names = _schema_properties(api_client, "Quote")
    assert listed and all(list(row) == names for row in listed)
    detail = api_client.get(listed[0]["url"]).json()
    assert list(detail) == _schema_properties(api_client, "QuoteDetail")
    report_names = _schema_properties(api_client, "QuoteReport")
    assert detail["reports"] and all(list(r) == report_names for r in detail["reports"])
