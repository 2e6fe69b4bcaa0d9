"""Hostile text is stored verbatim and rendered escaped everywhere it is shown.

Article text, metadata and names carrying HTML/JS, template syntax, SQL fragments, control
characters and very long tokens go through the real ingestion service and the real pages:
the site, the admin, the browsable API and the exports.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import User

from statements.models import Mention, Organisation, Person, Statement, StatementTarget

SCRIPT = '<script>alert("kb")</script>'
ATTRIBUTE = '" onmouseover="alert(1)'
TEMPLATE = "{{ 7|add:35 }}{% now 'Y' %}"
SQL = "'; DROP TABLE statements_statement; --"
CONTROL = "bell\x07 escape\x1b[31m rtl\u202e override"
LONG_TOKEN = "W" * 20000

HOSTILE_TEXT = (
    f"Senator Maria Lopez said that {SCRIPT} must never run.\n\n"
    f"“The {ATTRIBUTE} attribute and {TEMPLATE} are just words,” Lopez told reporters.\n\n"
    f"The Finance Ministry said that {SQL} is a quotation, not a command. {CONTROL}.\n\n"
    f"Lopez added that {LONG_TOKEN} was the longest word she knew.\n"
)
# Markers that must never appear unescaped in an HTML page.
RAW_MARKERS = ["<script>alert", 'onmouseover="alert', "<b>bold"]


@pytest.fixture
def hostile_document(ingest_text):
    document = ingest_text(
        HOSTILE_TEXT,
        title=f"Title {SCRIPT}",
        publisher=f"Publisher {ATTRIBUTE}",
        url="https://example.org/a?x=%3Cscript%3E",
        published="2024-05-10",
    )
    # Names the extractor would not produce: a person and an organisation with hostile names.
    person = Person.objects.create(name=f"<b>bold</b> {SCRIPT} Name")
    organisation = Organisation.objects.create(name=f"Org {ATTRIBUTE}", classification="party")
    statement = Statement.objects.create(
        document=document,
        speaker_person=person,
        speaker_text=person.name,
        speaker_role=f"role {SCRIPT}",
        cue="said",
        content=HOSTILE_TEXT[:60],
        content_start=0,
        content_end=60,
        kind="indirect",
    )
    StatementTarget.objects.create(statement=statement, organisation=organisation)
    Mention.objects.create(
        document=document, start=0, end=7, text="Senator", label="PERSON", person=person
    )
    return document


def _assert_escaped(body: str, url: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in body, f"{url} renders {marker!r} unescaped"


def test_hostile_text_is_stored_verbatim(hostile_document):
    assert hostile_document.text == HOSTILE_TEXT.strip() or hostile_document.text == HOSTILE_TEXT
    assert SCRIPT in hostile_document.title
    assert ATTRIBUTE in hostile_document.publisher
    assert CONTROL in hostile_document.text and LONG_TOKEN in hostile_document.text
    for statement in hostile_document.statements.all():
        spans = statement.content_spans or [[statement.content_start, statement.content_end]]
        assert all(0 <= s <= e <= len(hostile_document.text) for s, e in spans)


def _site_urls(document) -> list[str]:
    person = Person.objects.get(name__startswith="<b>bold")
    organisation = Organisation.objects.get(name__startswith="Org ")
    urls = [
        "/",
        "/statements/",
        "/people/",
        "/organisations/",
        "/events/",
        "/documents/",
        "/search/?q=script",
        "/search/?q=" + SCRIPT,
        f"/documents/{document.pk}/",
        person.get_absolute_url(),
        organisation.get_absolute_url(),
    ]
    urls += [s.get_absolute_url() for s in document.statements.all()]
    urls += [e.get_absolute_url() for e in document.events.all()]
    return urls


def test_every_site_page_escapes_hostile_text(client, hostile_document):
    for url in _site_urls(hostile_document):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        _assert_escaped(body, url)
    page = client.get(f"/documents/{hostile_document.pk}/").content.decode()
    assert "&lt;script&gt;alert(" in page
    assert "{{ 7|add:35 }}" in page and "42" not in page.split("{{ 7|add:35 }}")[0][-5:]


def test_admin_pages_escape_hostile_text(client, hostile_document):
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw-hostile-123")
    client.force_login(admin)
    statement = hostile_document.statements.order_by("pk").first()
    person = Person.objects.get(name__startswith="<b>bold")
    urls = [
        "/admin/statements/statement/",
        f"/admin/statements/statement/{statement.pk}/change/",
        "/admin/statements/document/",
        f"/admin/statements/document/{hostile_document.pk}/change/",
        "/admin/statements/person/",
        f"/admin/statements/person/{person.pk}/change/",
        f"/admin/statements/person/{person.pk}/history/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_escaped(response.content.decode(), url)


def test_browsable_api_escapes_hostile_text(client, hostile_document):
    statement = hostile_document.statements.order_by("pk").first()
    person = Person.objects.get(name__startswith="<b>bold")
    urls = [
        "/api/statements/",
        f"/api/statements/{statement.pk}/",
        f"/api/documents/{hostile_document.pk}/",
        f"/api/people/{person.slug}/",
        "/api/people/",
    ]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
        _assert_escaped(response.content.decode(), url)
        as_json = client.get(url, HTTP_ACCEPT="application/json")
        assert as_json["Content-Type"].startswith("application/json")
        json.loads(as_json.content)  # hostile text stays valid JSON


def test_exports_keep_hostile_text_verbatim_and_inert(client, hostile_document):
    jsonl = b"".join(client.get("/api/export/statements.jsonl").streaming_content).decode()
    records = [json.loads(line) for line in jsonl.splitlines() if line.strip()]
    assert any(SCRIPT in record["text_info"]["text"] for record in records)
    assert all(record["cite_info"]["headline"] == f"Title {SCRIPT}" for record in records)

    popolo = b"".join(client.get("/api/export/popolo.json").streaming_content).decode()
    names = [person["name"] for person in json.loads(popolo)["persons"]]
    assert f"<b>bold</b> {SCRIPT} Name" in names

    response = client.get("/api/export/statements.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(SCRIPT in cell for cell in cells)
    # No cell may start a spreadsheet formula (CSV injection).
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@")]
