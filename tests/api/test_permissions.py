"""Anonymous clients only read; throttling applies to them; no CORS headers."""

from __future__ import annotations

import pytest
from rest_framework.throttling import AnonRateThrottle

from statements.models import Event, Membership, Statement


def _every_url(kb) -> list[str]:
    statement = Statement.objects.select_related("speaker_person").first()
    person = Statement.objects.filter(speaker_person__isnull=False)[0].speaker_person
    organisation = Membership.objects.filter(organisation__isnull=False)[0].organisation
    return [
        "/api/",
        "/api/people/",
        f"/api/people/{person.slug}/",
        "/api/organisations/",
        f"/api/organisations/{organisation.slug}/",
        "/api/memberships/",
        f"/api/memberships/{Membership.objects.first().pk}/",
        "/api/events/",
        f"/api/events/{Event.objects.first().pk}/",
        "/api/documents/",
        f"/api/documents/{kb.seed.pk}/",
        "/api/statements/",
        f"/api/statements/{statement.pk}/",
        "/api/export/popolo.json",
        "/api/export/statements.jsonl",
        "/api/export/statements.csv",
        "/api/schema/",
        "/api/docs/",
        "/api/redoc/",
    ]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_anonymous_writes_are_refused_everywhere(kb, api_client, method):
    statement = Statement.objects.first()
    before = (Statement.objects.count(), statement.review_status)
    for url in _every_url(kb):
        response = getattr(api_client, method)(url, {"review_status": "accepted"}, format="json")
        assert response.status_code in (403, 405), (method, url, response.status_code)
    statement.refresh_from_db()
    assert (Statement.objects.count(), statement.review_status) == before


def test_every_read_url_answers(kb, api_client):
    for url in _every_url(kb):
        assert api_client.get(url).status_code == 200, url


def test_anonymous_clients_are_throttled(kb, api_client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [api_client.get("/api/documents/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_no_cors_headers(kb, api_client):
    response = api_client.get("/api/statements/", HTTP_ORIGIN="https://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in response


def test_api_root_links_every_resource_export_and_doc(kb, api_client):
    links = api_client.get("/api/").json()
    assert {
        "people",
        "organisations",
        "memberships",
        "events",
        "documents",
        "statements",
        "export-popolo",
        "export-statements-jsonl",
        "export-statements-csv",
        "schema",
        "docs",
        "redoc",
    } <= set(links)
    for url in links.values():
        assert api_client.get(url).status_code == 200, url
