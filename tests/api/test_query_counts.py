"""No N+1: every list endpoint and export runs the same number of queries for 1 and 200 rows.

Rows are built with bulk_create (every relation the representations read is filled in), so
this module needs no ingestion and stays fast.
"""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from django.db import transaction

from statements.models import (
    Document,
    Event,
    EventParticipant,
    Identifier,
    Membership,
    Organisation,
    OtherName,
    Person,
    Statement,
    StatementTarget,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES = {
    "/api/statements/": 2,  # statements with joins + targets (cursor: no count)
    "/api/people/": 5,  # count + people with counts + roles + aliases + identifiers
    "/api/organisations/": 5,  # count + organisations + members + aliases + identifiers
    "/api/memberships/": 2,  # count + memberships with joins
    "/api/events/": 3,  # count + events + participants
    "/api/documents/": 2,  # count + documents
    # Exports: the anonymous row-cap check, then the rows.
    "/api/export/statements.jsonl": 3,
    "/api/export/statements.csv": 3,
    "/api/export/popolo.json": 14,
}


def _rows_build(n: int) -> None:
    documents = Document.objects.bulk_create(
        Document(
            title=f"Article {i}",
            publisher="Bulk News",
            published_at=datetime.date(2024, 1, 1) + datetime.timedelta(days=i),
            text=f"Article {i}. Someone said something.",
            sha256=hashlib.sha256(f"bulk {i}".encode()).hexdigest(),
        )
        for i in range(n)
    )
    people = Person.objects.bulk_create(
        Person(name=f"Person {i}", name_key=f"person {i}", slug=f"person-{i}") for i in range(n)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"Ministry {i}",
            name_key=f"ministry {i}",
            slug=f"ministry-{i}",
            classification="ministry",
            country="IRQ",
        )
        for i in range(n)
    )
    Organisation.objects.filter(pk__in=[o.pk for o in organisations[1:]]).update(
        parent=organisations[0]
    )
    Membership.objects.bulk_create(
        Membership(person=p, organisation=o, role="Minister", document=d, start=0, end=5)
        for p, o, d in zip(people, organisations, documents, strict=True)
    )
    OtherName.objects.bulk_create(
        [OtherName(person=p, name=f"P{i}", name_key=f"p{i}") for i, p in enumerate(people)]
        + [
            OtherName(organisation=o, name=f"M{i}", name_key=f"m{i}")
            for i, o in enumerate(organisations)
        ]
    )
    Identifier.objects.bulk_create(
        [Identifier(person=p, scheme="test", identifier=f"p{i}") for i, p in enumerate(people)]
        + [
            Identifier(organisation=o, scheme="test", identifier=f"o{i}")
            for i, o in enumerate(organisations)
        ]
    )
    events = Event.objects.bulk_create(
        Event(name=f"Meeting {i}", document=d, date=d.published_at, start=0, end=7)
        for i, d in enumerate(documents)
    )
    EventParticipant.objects.bulk_create(
        [EventParticipant(event=e, person=p) for e, p in zip(events, people, strict=True)]
        + [
            EventParticipant(event=e, organisation=o)
            for e, o in zip(events, organisations, strict=True)
        ]
    )
    statements = Statement.objects.bulk_create(
        Statement(
            document=d,
            speaker_person=p if i % 2 == 0 else None,
            speaker_organisation=o if i % 2 else None,
            speaker_text=p.name,
            content="something",
            content_start=22,
            content_end=31,
            content_spans=[[22, 31]],
            kind="indirect",
            event=e,
            date=d.published_at,
        )
        for i, (d, p, o, e) in enumerate(zip(documents, people, organisations, events, strict=True))
    )
    StatementTarget.objects.bulk_create(
        [
            StatementTarget(statement=s, organisation=o)
            for s, o in zip(statements, organisations, strict=True)
        ]
        + [StatementTarget(statement=s, person=p) for s, p in zip(statements, people, strict=True)]
    )


@pytest.fixture(scope="module", params=[1, 200], ids=["1-row", "200-rows"])
def rows(request, django_db_setup, django_db_blocker):
    """Build the rows once per size, in an outer transaction rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        _rows_build(request.param)
        yield request.param
        transaction.set_rollback(True)


@pytest.mark.parametrize("url", list(MAX_QUERIES))
def test_list_query_count_does_not_grow_with_rows(
    rows, api_client, django_assert_max_num_queries, url
):
    with django_assert_max_num_queries(MAX_QUERIES[url]):
        response = api_client.get(url, {"page_size": 500})
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    if url.endswith(".jsonl"):
        assert len(body.splitlines()) == rows
    elif url.endswith(".csv"):
        assert len(body.splitlines()) == rows + 1
    elif url.endswith("popolo.json"):
        assert len(json.loads(body)["speeches"]) == rows
    else:
        assert len(json.loads(body)["results"]) == rows


def test_page_size_is_capped_at_500(api_client):
    Document.objects.bulk_create(
        Document(text=f"d{i}", sha256=hashlib.sha256(f"cap {i}".encode()).hexdigest())
        for i in range(505)
    )
    assert len(api_client.get("/api/documents/").json()["results"]) == 50
    data = api_client.get("/api/documents/", {"page_size": 10000}).json()
    assert data["count"] == Document.objects.count() >= 505
    assert len(data["results"]) == 500
