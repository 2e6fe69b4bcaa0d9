"""Malformed requests get 400, 404 or an empty result, never a 500.

The Django test client re-raises any exception a view lets escape, so a crash fails the
test with its traceback; a handled error must come back as a 4xx or a 200.
"""

from __future__ import annotations

import pytest

API_LISTS = [
    "/api/statements/",
    "/api/people/",
    "/api/organisations/",
    "/api/memberships/",
    "/api/events/",
    "/api/documents/",
]
SITE_LISTS = ["/statements/", "/people/", "/organisations/", "/events/", "/documents/", "/search/"]
HOSTILE_QUERIES = [
    "page=-1",
    "page=0",
    "page=abc",
    "page=99999999999999999999",
    "page_size=100000000",
    "page_size=-5",
    "page_size=abc",
    "offset=-10&limit=-1",
    "cursor=not-a-cursor",
    "cursor=cD0yMDI0LTAxLTAx",
    "ordering=no_such_field",
    "ordering=-password",
    "ordering=speaker_person__password",
    "date_after=not-a-date&date_before=2024-13-45",
    "published_after=31/12/2024",
    "type=not-a-type",
    "kind=%00",
    "review_status=' OR 1=1 --",
    "speaker=<script>alert(1)</script>",
    "organisation=%ff%fe",
    "event=abc",
    "document=-1",
    "document=99999999999999999999999",
    "q=" + "x" * 5000,
    "q=%ff%fe%fd",
    "q=%E2%80%AE%00",
    "name=%00",
    "q=a:*%20%26%20!(b|",
    "name=%c3%28",
    "speaker=1&speaker=2&speaker=3",
]


def _get(client, url: str, query: str, **headers):
    return client.get(url, QUERY_STRING=query, **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("url", API_LISTS)
def test_api_lists_answer_hostile_queries_without_server_errors(client, ingested_seed, url):
    for query in HOSTILE_QUERIES:
        response = _get(client, url, query)
        assert response.status_code in (200, 400, 404), (url, query, response.status_code)
        if response.status_code == 200 and "page_size=100000000" in query:
            assert len(response.json()["results"]) <= 500


@pytest.mark.django_db
@pytest.mark.parametrize("url", SITE_LISTS)
def test_site_lists_answer_hostile_queries_without_server_errors(client, ingested_seed, url):
    for query in HOSTILE_QUERIES:
        response = _get(client, url, query)
        assert response.status_code in (200, 400, 404), (url, query, response.status_code)


@pytest.mark.django_db
def test_raw_non_utf8_query_string_is_not_a_server_error(client, ingested_seed):
    raw = "q=caf\xe9&speaker=\xff\xfe"  # latin-1 bytes as the WSGI server passes them
    for url in ["/api/statements/", "/search/", "/people/", "/api/people/"]:
        response = client.get(url, QUERY_STRING=raw)
        assert response.status_code in (200, 400), (url, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/statements/999999999/",
        "/api/people/no-such-person/",
        "/statements/999999999/",
        "/people/no-such-person/",
        "/documents/999999999/",
        "/api/statements/99999999999999999999999999/",
    ],
)
def test_missing_objects_are_friendly_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
