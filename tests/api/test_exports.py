"""Exports: Popolo JSON, PLOVER-shaped JSONL and CSV, streamed, with the statement filters."""

from __future__ import annotations

import csv
import io
import json

from statements import exports, selectors
from statements.models import Event, Membership, Organisation, Person, Statement


def _body(response) -> str:
    assert response.status_code == 200
    assert response.streaming, "exports are streamed, not built in memory"
    return b"".join(response.streaming_content).decode("utf-8")


def test_statements_jsonl_has_one_plover_record_per_statement(kb, api_client):
    response = api_client.get("/api/export/statements.jsonl")
    assert response["Content-Type"] == "application/x-ndjson"
    records = [json.loads(line) for line in _body(response).splitlines()]
    assert [r["id"] for r in records] == [
        f"kb-statement-{pk}" for pk in Statement.objects.order_by("id").values_list("id", flat=True)
    ]
    for record in records:
        assert {
            "id",
            "date",
            "actor",
            "recipient",
            "event",
            "mode",
            "text_info",
            "cite_info",
        } <= set(record)
        statement = Statement.objects.select_related("document").get(
            pk=int(record["id"].rsplit("-", 1)[1])
        )
        info = record["text_info"]
        assert info["text"] == statement.content
        assert (info["content_start"], info["content_end"]) == (
            statement.content_start,
            statement.content_end,
        )
        assert record["cite_info"]["publisher"] == statement.document.publisher
        assert record["cite_info"]["codebook"]
        assert record["cite_info"]["url"]
        assert record["date"] == (statement.date.isoformat() if statement.date else None)
        if statement.speaker_person_id:
            assert record["actor"]["actor_id"] == f"person/{statement.speaker_person.slug}"
        assert len(record["recipient"]) == statement.targets.count()


def test_plover_event_and_mode_come_from_the_stored_code(kb):
    demand = Statement.objects.filter(plover_code__startswith="REQUEST").first()
    assert demand is not None, "the seed has demands for withdrawal"
    event, mode = exports.plover_event_mode(demand)
    assert event == "REQUEST"
    assert mode == "yield"  # from the lexicon when the stored code has no mode
    criticism = Statement.objects.filter(statement_type="criticism", plover_code="ACCUSE").first()
    if criticism is not None:
        assert exports.plover_event_mode(criticism) == ("ACCUSE", "disapprove")
    plain = Statement.objects.filter(plover_code="").first()
    if plain is not None:
        assert exports.plover_event_mode(plain) == (None, None)


def test_jsonl_export_accepts_statement_filters(kb, api_client):
    body = _body(api_client.get("/api/export/statements.jsonl", {"publisher": "Other Wire"}))
    records = [json.loads(line) for line in body.splitlines()]
    assert {r["text_info"]["document_id"] for r in records} == {kb.second.pk}
    assert len(records) == kb.second.statements.count()
    assert api_client.get("/api/export/statements.jsonl", {"type": "nope"}).status_code == 400


def test_statements_csv(kb, api_client):
    person = max(Person.objects.all(), key=lambda p: p.statements.count())
    response = api_client.get("/api/export/statements.csv", {"speaker": person.slug})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert tuple(rows[0].keys()) == exports.statement_csv_header()
    assert {int(r["id"]) for r in rows} == set(person.statements.values_list("id", flat=True))
    for row in rows:
        statement = Statement.objects.get(pk=row["id"])
        assert row["speaker_slug"] == person.slug
        assert row["content"] == statement.content
        assert int(row["content_start"]) == statement.content_start
        assert row["type"] == statement.statement_type
    everything = list(csv.reader(io.StringIO(_body(api_client.get("/api/export/statements.csv")))))
    assert len(everything) == Statement.objects.count() + 1


def test_popolo_export(kb, api_client):
    response = api_client.get("/api/export/popolo.json")
    data = json.loads(_body(response))
    assert set(data) == {"persons", "organizations", "memberships", "events", "speeches"}
    person_ids = {p["id"] for p in data["persons"]}
    organisation_ids = {o["id"] for o in data["organizations"]}
    assert len(data["persons"]) == Person.objects.filter(merged_into__isnull=True).count()
    assert (
        len(data["organizations"]) == Organisation.objects.filter(merged_into__isnull=True).count()
    )
    assert len(data["memberships"]) == Membership.objects.count()
    assert len(data["events"]) == Event.objects.count()
    assert len(data["speeches"]) == Statement.objects.count()
    for membership in data["memberships"]:
        assert membership["person_id"] in person_ids
        assert membership["organization_id"] is None or membership["organization_id"] in (
            organisation_ids
        )
    event_ids = {e["id"] for e in data["events"]}
    popolo_speech = {"creator_id", "role", "attribution_text", "text", "date", "event_id"}
    for speech in data["speeches"]:
        assert popolo_speech | {"sources"} <= set(speech)
        assert speech["creator_id"] is None or speech["creator_id"] in person_ids | organisation_ids
        assert speech["event_id"] is None or speech["event_id"] in event_ids
        assert speech["sources"][0]["url"]


def test_popolo_speeches_follow_the_filters(kb, api_client):
    data = json.loads(_body(api_client.get("/api/export/popolo.json", {"document": kb.third.pk})))
    assert len(data["speeches"]) == kb.third.statements.count()
    assert len(data["persons"]) == Person.objects.filter(merged_into__isnull=True).count()


def test_export_functions_are_pure_over_selector_rows(kb, django_assert_num_queries):
    statements = list(selectors.statement_list_api().order_by("id"))
    with django_assert_num_queries(0):
        for statement in statements:
            exports.statement_plover(statement, base_url="https://kb.example")
            exports.statement_csv_row(statement)
            exports.statement_popolo(statement)
    record = exports.statement_plover(statements[0], base_url="https://kb.example")
    assert record["cite_info"]["kb_url"] == f"https://kb.example/statements/{statements[0].pk}/"


def test_csv_cells_never_start_a_formula(kb, api_client):
    statement = kb.second.statements.order_by("id").first()
    statement.content = '=HYPERLINK("http://evil.example","click")'
    statement.speaker_text = "@SUM(1+1)"
    statement.save()
    body = _body(api_client.get("/api/export/statements.csv", {"document": kb.second.pk}))
    rows = list(csv.DictReader(io.StringIO(body)))
    row = next(r for r in rows if int(r["id"]) == statement.pk)
    assert row["content"] == "'" + statement.content
    assert row["speaker_text"] == "'@SUM(1+1)"
    cells = [cell for r in rows for cell in r.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert exports.csv_cell(42) == 42
    assert exports.csv_cell("plain words") == "plain words"
