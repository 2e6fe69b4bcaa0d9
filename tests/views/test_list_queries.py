"""Every list page (and the busiest detail pages) runs the same number of queries with
one row as with a hundred: joins and prefetches live in the selectors."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from statements.models import Quote, Statement
from statements.services.quotes import statements_quote

LIST_PAGES = [
    ("/", 10),  # counts, latest, most quoted people and organisations, most repeated quotes
    # +1 on PostgreSQL: the row estimate (pg_class) that replaces COUNT(*) on big tables.
    ("/statements/", 6),
    ("/statements/?type=demand&date_after=2024-01-01", 5),
    ("/people/", 5),
    ("/people/?order=statements&name=person", 5),
    ("/organisations/", 3),
    ("/events/", 2),
    ("/documents/", 2),
    ("/search/", 8),
    # The facets' sample of the matches serves as the search's probe too (no second read).
    ("/search/?q=well&type=demand", 10),
    ("/quotes/", 2),
]


@pytest.mark.parametrize("n", [1, 100])
def test_list_pages_query_count_does_not_grow(client, make_rows, django_assert_max_num_queries, n):
    # One data set per size, every page checked against it: building 100 rows is the cost.
    make_rows(n)
    # SQLite probes JSON support with queries the first time a connection builds a JSON
    # expression (the lists' targets): probe it now, outside the counts.
    assert connection.features.supports_json_field
    for url, bound in LIST_PAGES:
        with django_assert_max_num_queries(bound, info=url):
            response = client.get(url)
        assert response.status_code == 200, url
        if url in ("/statements/", "/events/", "/documents/"):
            assert len(response.context["page"].object_list) == min(n, 25), url
        elif url == "/people/":  # the speaker and one person per statement
            assert len(response.context["page"].object_list) == min(n + 1, 25), url


@pytest.mark.parametrize("n", [1, 100])
def test_detail_pages_query_count_does_not_grow(
    client, make_rows, django_assert_max_num_queries, n
):
    rows = make_rows(n)
    statement = rows["statements"][-1]
    # SQLite probes JSON support with queries the first time a connection builds a JSON
    # expression (the actor pages' aliases and roles): probe it now, outside the counts.
    assert connection.features.supports_json_field
    pages = [
        # The person with aliases and roles, summary (2), talk lists (2), events, quotes, a
        # page of statements and the statements about them (with their targets).
        (rows["speaker"].get_absolute_url(), 9),
        # The same with the organisation's own count and roles instead of quotes.
        (rows["organisation"].get_absolute_url(), 10),
        (statement.get_absolute_url(), 3),
        (statement.document.get_absolute_url(), 4),
        (statement.event.get_absolute_url(), 4),
    ]
    for url, bound in pages:
        with django_assert_max_num_queries(bound):
            response = client.get(url)
        assert response.status_code == 200, url
    # The speaker's page really lists their statements (a page of 20).
    response = client.get(rows["speaker"].get_absolute_url())
    assert response.context["page"].paginator.count == n
    assert len(response.context["page"].object_list) == min(n, 20)


def _quotes_make(statements: list) -> Quote:
    """Half the statements report one quotation, each other one its own: n/2 + 1 quotes."""
    for i, statement in enumerate(statements):
        statement.kind = "direct"
        statement.content = "all is well today" if i % 2 == 0 else f"line number {i} is mine"
    Statement.objects.bulk_update(statements, ["kind", "content"])
    statements_quote(statement_ids=[s.pk for s in statements])
    return Quote.objects.order_by("-statement_count", "id").first()


@pytest.mark.parametrize("n", [1, 100])
def test_quote_pages_query_count_does_not_grow(client, make_rows, django_assert_max_num_queries, n):
    api_client = APIClient()
    rows = make_rows(n)
    quote = _quotes_make(rows["statements"])
    assert quote.statement_count == (n + 1) // 2
    pages = [
        ("/quotes/", 2),  # count + quotes with speaker and first document
        ("/quotes/?min_outlets=1&conflicting=false&outlet=example%20news", 2),
        (quote.get_absolute_url(), 2),  # the quote + its reports
        ("/api/quotes/", 2),
        (f"/api/quotes/{quote.pk}/", 2),
    ]
    for url, bound in pages:
        with django_assert_max_num_queries(bound, info=url):
            response = (api_client if url.startswith("/api/") else client).get(url)
        assert response.status_code == 200, url
    listed = client.get("/quotes/").context["page"]
    assert len(listed.object_list) == min(Quote.objects.count(), 25)
    assert len(api_client.get(f"/api/quotes/{quote.pk}/").json()["reports"]) == (n + 1) // 2
