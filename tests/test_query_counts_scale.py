"""Query counts do not grow with the data: the same request costs the same number of SQL
queries with 5 statements and with 200 (and so, in the benchmark, with 10k and 1M).

The corpus comes from the synthetic generator, so pages have speakers, roles, events and
targets like ingested data. Each URL is requested once on the small corpus to learn its
count, then must stay within it on the large one (``django_assert_max_num_queries``), and
equal to it (an N+1 shows as growth, a lucky cache as a drop).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from bench.synthetic import corpus_generate
from statements.models import Person, Statement, StatementTarget
from statements.services.quotes import statements_quote

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 200


def _urls() -> dict[str, str]:
    """URLs for the newest statement and the most quoted person of the current corpus.

    The person is also made the target of the newest statement, so the "statements about
    them" section of their page is never empty: Django skips a prefetch for an empty list,
    and a missing section would change the count for a reason unrelated to scale.
    """
    # The newest statement is made a quotation, so that its page lists its quote's other
    # reports at both scales (whether a random statement is one would change the count).
    statement = Statement.objects.order_by("-id").first()
    Statement.objects.filter(pk=statement.pk).update(kind="direct")
    statements_quote(statement_ids=[statement.pk])
    statement.refresh_from_db()
    person = (
        Person.objects.annotate(n=Count("statements")).filter(n__gt=0).order_by("-n", "id").first()
    )
    StatementTarget.objects.get_or_create(statement=statement, person=person)
    first_date = Statement.objects.order_by("date").values_list("date", flat=True).first()
    return {
        "api statement list": "/api/statements/",
        "api list by speaker": f"/api/statements/?speaker={person.slug}",
        "api list by date": f"/api/statements/?date_after={first_date}&date_before=2030-01-01",
        "api statement detail": f"/api/statements/{statement.pk}/",
        "api person detail": f"/api/people/{person.slug}/",
        "html statement list": "/statements/",
        "html statement page": f"/statements/{statement.pk}/",
        "html person page": f"/people/{person.slug}/",
        "api quote list": "/api/quotes/",
        "api quote detail": f"/api/quotes/{statement.quote_id}/",
        "html quote page": f"/quotes/{statement.quote_id}/",
    }


def _count(client, url: str) -> int:
    # Pages cache their summaries and filter pickers for a minute: count a cold request.
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        # secure=True: production settings redirect plain HTTP to HTTPS.
        response = client.get(url, secure=True)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


@pytest.fixture
def http(client):
    client.defaults["HTTP_HOST"] = "127.0.0.1"
    return client


def test_query_counts_are_the_same_at_two_scales(http, django_assert_max_num_queries):
    # SQLite probes JSON support with one query the first time a connection builds a JSON
    # expression (the API's targets); probe it now so it is not counted against one URL.
    assert connection.features.supports_json_field
    corpus_generate(statements=SMALL, seed=11, clear=True)
    small = {name: _count(http, url) for name, url in _urls().items()}

    corpus_generate(statements=LARGE, seed=11, clear=True)
    assert Statement.objects.count() == LARGE
    large = {}
    for name, url in _urls().items():
        with django_assert_max_num_queries(small[name], info=f"{name}: {url}"):
            large[name] = _count(http, url)

    assert large == small
