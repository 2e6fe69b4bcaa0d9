"""What editors decide is what everyone sees: a rejected statement is on no public surface
(HTML lists and pages, API lists and details, search, exports, counts and charts), and
every page and endpoint that shows a statement count gives the same number.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from statements.models import (
    Document,
    Event,
    Organisation,
    Person,
    Quote,
    ReviewStatus,
    Statement,
    StatementKind,
)
from statements.services.review import statements_review
from tests.admin.helpers import editors_group
from tests.api.helpers import fetch_all, ids

REJECTED = ReviewStatus.REJECTED


def _body(response) -> str:
    assert response.status_code == 200, response
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def _editor() -> User:
    user = User.objects.create_user("editor", "editor@example.org", "correct horse battery")
    user.groups.add(editors_group())
    return user


@pytest.fixture
def rejected(kb) -> Statement:
    """A statement with a speaker, a target and a date, rejected by an editor."""
    statement = (
        Statement.objects.filter(speaker_person__isnull=False, targets__isnull=False)
        .exclude(date=None)
        .order_by("id")
        .first()
    )
    assert statement is not None, "the test articles have targeted, dated statements"
    statements_review(statements=[statement], status=REJECTED, user=_editor())
    return statement


def _html_pages(statement: Statement) -> list[str]:
    """Every HTML page that lists statements or could show this one."""
    speaker = statement.speaker_person
    pages = ["/", "/statements/", "/people/", "/organisations/", "/events/", "/documents/"]
    pages += ["/quotes/", *(q.get_absolute_url() for q in Quote.objects.public())]
    pages += [p.get_absolute_url() for p in Person.objects.live()]
    pages += [o.get_absolute_url() for o in Organisation.objects.live()]
    pages += [e.get_absolute_url() for e in Event.objects.all()]
    pages += [d.get_absolute_url() for d in Document.objects.all()]
    pages += [f"/statements/?speaker={speaker.slug}", f"/search/?q={speaker.name}"]
    words = [w for w in statement.content.split() if len(w) > 5][:2]
    pages += [f"/search/?q={word}" for word in words]
    return pages


def test_a_rejected_statement_is_on_no_html_page(rejected):
    client = Client()
    assert client.get(rejected.get_absolute_url()).status_code == 404
    url = rejected.get_absolute_url()
    marks = (f'"{url}"', f'"{url}#', f'"{url}?', f'id="s-{rejected.pk}"', f'#s-{rejected.pk}"')
    for page in _html_pages(rejected):
        html = _body(client.get(page))
        assert not any(mark in html for mark in marks), page


def test_a_rejected_statement_is_in_no_api_list_detail_or_search(rejected, api_client):
    assert rejected.pk not in ids(fetch_all(api_client, "/api/statements/"))
    assert api_client.get(f"/api/statements/{rejected.pk}/").status_code == 404
    speaker = rejected.speaker_person
    for params in (
        {"speaker": speaker.slug},
        {"q": speaker.name},
        {"document": rejected.document_id},
        {"review_status": REJECTED},
    ):
        assert rejected.pk not in ids(fetch_all(api_client, "/api/statements/", params)), params


def _export_ids(client) -> dict[str, set[int]]:
    csv_rows = list(csv.DictReader(io.StringIO(_body(client.get("/api/export/statements.csv")))))
    jsonl = [
        json.loads(line) for line in _body(client.get("/api/export/statements.jsonl")).splitlines()
    ]
    popolo = json.loads(_body(client.get("/api/export/popolo.json")))
    return {
        "csv": {int(row["id"]) for row in csv_rows},
        "jsonl": {int(record["id"].rsplit("-", 1)[1]) for record in jsonl},
        "popolo": {int(speech["id"].split("/")[1]) for speech in popolo["speeches"]},
    }


def test_a_rejected_statement_is_in_no_export(rejected, api_client):
    public = set(Statement.objects.public().values_list("id", flat=True))
    for export, exported in _export_ids(api_client).items():
        assert exported == public, export


def test_every_export_carries_each_statements_review_status(kb, api_client):
    statuses = dict(Statement.objects.values_list("id", "review_status"))
    rows = csv.DictReader(io.StringIO(_body(api_client.get("/api/export/statements.csv"))))
    assert {int(r["id"]): r["review_status"] for r in rows} == statuses
    lines = _body(api_client.get("/api/export/statements.jsonl")).splitlines()
    assert {
        int(r["id"].rsplit("-", 1)[1]): r["cite_info"]["review_status"]
        for r in map(json.loads, lines)
    } == statuses
    speeches = json.loads(_body(api_client.get("/api/export/popolo.json")))["speeches"]
    assert {int(s["id"].split("/")[1]): s["review_status"] for s in speeches} == statuses


def test_counts_and_charts_leave_a_rejected_statement_out(rejected, api_client):
    speaker = rejected.speaker_person
    public = Statement.objects.public().filter(speaker_person=speaker)
    page = Client().get(speaker.get_absolute_url())
    assert page.context["statement_count"] == public.count()
    assert sum(n for _, _, n in page.context["type_rows"]) == public.count()
    charted = sum(sum(b.counts.values()) for b in page.context["timeline_buckets"])
    assert charted == public.exclude(date=None).count()
    api = api_client.get(f"/api/people/{speaker.slug}/").json()
    assert api["statement_count"] == public.count()
    assert sum(api["statement_counts"].values()) == public.count()
    home = Client().get("/")
    assert home.context["counts"].statements == Statement.objects.public().count()


def test_an_editor_asks_for_rejected_statements(rejected):
    editor_api = APIClient()
    editor_api.force_login(User.objects.get(username="editor"))
    asked = {"review_status": REJECTED}
    assert ids(fetch_all(editor_api, "/api/statements/", asked)) == [rejected.pk]
    assert editor_api.get(f"/api/statements/{rejected.pk}/", asked).status_code == 200
    assert editor_api.get(f"/api/statements/{rejected.pk}/").status_code == 404
    rows = _body(editor_api.get("/api/export/statements.csv", asked))
    assert [int(r["id"]) for r in csv.DictReader(io.StringIO(rows))] == [rejected.pk]
    editor_site = Client()
    editor_site.force_login(User.objects.get(username="editor"))
    listed = _body(editor_site.get("/statements/", asked))
    assert rejected.get_absolute_url() in listed
    assert editor_site.get(rejected.get_absolute_url(), asked).status_code == 200
    # Without the permission the parameter shows nothing more.
    reader = User.objects.create_user("reader", "reader@example.org", "another horse")
    reader_api = APIClient()
    reader_api.force_login(reader)
    assert fetch_all(reader_api, "/api/statements/", asked) == []
    assert Client().get(rejected.get_absolute_url(), asked).status_code == 404


def _html_counts(client: Client, url: str) -> dict[int, int]:
    """``{pk: statement_count}`` over every page of an HTML list."""
    counts, number = {}, 1
    while True:
        page = client.get(url, {"page": number}).context["page"]
        counts.update({row.pk: row.statement_count for row in page.object_list})
        if not page.has_next():
            return counts
        number += 1


def test_counts_agree_on_every_page_and_endpoint(rejected, api_client):
    """Each person's, organisation's, event's and document's statement count is the same
    on the HTML list, its page, the API list, the API detail and the filtered statements."""
    site = Client()
    api_list = {
        kind: {row["id"]: row["statement_count"] for row in fetch_all(api_client, f"/api/{kind}/")}
        for kind in ("people", "organisations", "events", "documents")
    }
    html_list = {
        "people": _html_counts(site, "/people/"),
        "organisations": _html_counts(site, "/organisations/"),
        "events": _html_counts(site, "/events/"),
        "documents": _html_counts(site, "/documents/"),
    }
    for person in Person.objects.live():
        expected = len(fetch_all(api_client, "/api/statements/", {"speaker": person.slug}))
        assert html_list["people"][person.pk] == expected, person
        assert api_list["people"][person.pk] == expected, person
        assert api_client.get(f"/api/people/{person.slug}/").json()["statement_count"] == expected
        assert site.get(person.get_absolute_url()).context["statement_count"] == expected
    for organisation in Organisation.objects.live():
        filtered = {"organisation": organisation.slug}
        expected = len(fetch_all(api_client, "/api/statements/", filtered))
        assert html_list["organisations"][organisation.pk] == expected, organisation
        assert api_list["organisations"][organisation.pk] == expected, organisation
        detail = api_client.get(f"/api/organisations/{organisation.slug}/").json()
        assert detail["statement_count"] == expected, organisation
        page = site.get(organisation.get_absolute_url())
        assert page.context["statement_count"] == expected, organisation
    for event in Event.objects.all():
        expected = len(fetch_all(api_client, "/api/statements/", {"event": event.pk}))
        assert html_list["events"][event.pk] == expected, event
        assert api_list["events"][event.pk] == expected, event
        assert api_client.get(f"/api/events/{event.pk}/").json()["statement_count"] == expected
        assert len(site.get(event.get_absolute_url()).context["statements"]) == expected
    for document in Document.objects.all():
        expected = len(fetch_all(api_client, "/api/statements/", {"document": document.pk}))
        assert html_list["documents"][document.pk] == expected, document
        assert api_list["documents"][document.pk] == expected, document
        detail = api_client.get(f"/api/documents/{document.pk}/").json()
        assert detail["statement_count"] == expected
        assert len(site.get(document.get_absolute_url()).context["statements"]) == expected
    assert rejected.speaker_person.statements.count() > len(
        fetch_all(api_client, "/api/statements/", {"speaker": rejected.speaker_person.slug})
    ), "the rejected statement is stored but counted nowhere"


@pytest.fixture
def rejected_quotation(kb) -> Statement:
    """A direct quotation (the report of a quote), rejected by an editor."""
    statement = (
        Statement.objects.filter(kind=StatementKind.DIRECT, quote__isnull=False)
        .order_by("id")
        .first()
    )
    assert statement is not None, "the test articles have direct quotations"
    statements_review(statements=[statement], status=REJECTED, user=_editor())
    return statement


def test_a_rejected_quotation_is_on_no_quote_surface(rejected_quotation, api_client):
    rejected = rejected_quotation
    client = Client()
    url = rejected.get_absolute_url()
    for page in ["/", "/quotes/", *(q.get_absolute_url() for q in Quote.objects.public())]:
        html = _body(client.get(page))
        assert f'"{url}"' not in html, page
    for quote in fetch_all(api_client, "/api/quotes/"):
        detail = api_client.get(f"/api/quotes/{quote['id']}/").json()
        assert rejected.pk not in {report["id"] for report in detail["reports"]}
    rejected.refresh_from_db()
    assert rejected.quote is None


def test_quote_counts_agree_with_the_public_statements(rejected_quotation, api_client):
    """Each quote's counts on the API list, its detail and its page are those of its public
    statements, and every public direct quotation belongs to a listed quote."""
    listed = {row["id"]: row for row in fetch_all(api_client, "/api/quotes/")}
    public = Statement.objects.public()
    assert set(listed) == set(public.exclude(quote=None).values_list("quote", flat=True))
    assert not public.filter(kind=StatementKind.DIRECT, quote=None).exists()
    site = Client()
    for pk, row in listed.items():
        reports = public.filter(quote=pk)
        detail = api_client.get(f"/api/quotes/{pk}/").json()
        assert row["statement_count"] == len(detail["reports"]) == reports.count()
        assert row["document_count"] == reports.values("document").distinct().count()
        page = site.get(f"/quotes/{pk}/")
        assert len(page.context["quote"]["reports"]) == reports.count()
    statements = fetch_all(api_client, "/api/statements/")
    assert {s["quote"]["id"] for s in statements if s["quote"]} == set(listed)
