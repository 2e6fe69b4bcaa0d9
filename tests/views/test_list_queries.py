"""Every list page (and the busiest detail pages) runs the same number of queries with
one row as with a hundred: joins and prefetches live in the selectors."""

from __future__ import annotations

import pytest

LIST_PAGES = [
    ("/", 9),
    # +1 on PostgreSQL: the row estimate (pg_class) that replaces COUNT(*) on big tables.
    ("/statements/", 6),
    ("/statements/?type=demand&date_after=2024-01-01", 5),
    ("/people/", 5),
    ("/people/?order=statements&name=person", 5),
    ("/organisations/", 3),
    ("/events/", 2),
    ("/documents/", 2),
    ("/search/", 8),
    ("/search/?q=well&type=demand", 11),
]


@pytest.mark.parametrize("n", [1, 100])
def test_list_pages_query_count_does_not_grow(client, make_rows, django_assert_max_num_queries, n):
    # One data set per size, every page checked against it: building 100 rows is the cost.
    make_rows(n)
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
    pages = [
        (rows["speaker"].get_absolute_url(), 13),
        (rows["organisation"].get_absolute_url(), 14),
        (statement.get_absolute_url(), 3),
        (statement.document.get_absolute_url(), 5),
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
