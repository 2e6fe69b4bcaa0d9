"""Quotes on the API and the site, over the quote corpus ingested through the real
pipeline: the list and its filters, a quote with its reports, the quote on each statement
and in the exports, the quote page, and the most repeated quotes on home and person pages."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from django.test import Client

from statements.models import Person, Quote, ReviewStatus, Statement
from statements.services.review import statements_review
from tests.api.helpers import fetch_all
from tests.services.quote_corpus import EXPECTED, ROSSI, corpus_ingest


@pytest.fixture(scope="module")
def _corpus_module(django_db_setup, django_db_blocker, nlp_pipeline):
    with django_db_blocker.unblock(), transaction.atomic():
        yield corpus_ingest(nlp_pipeline)
        transaction.set_rollback(True)


@pytest.fixture
def corpus(_corpus_module, db):
    return _corpus_module


def _quote_of(corpus, speech: str) -> Quote:
    first = corpus[EXPECTED[speech]["first"]]
    return Quote.objects.get(first_document=first, document_count__gte=2)


def _ids(rows) -> set[int]:
    return {row["id"] for row in rows}


def test_list_and_filters(corpus, api_client):
    repeated = {_quote_of(corpus, speech).pk for speech in EXPECTED}
    assert _ids(fetch_all(api_client, "/api/quotes/", {"min_outlets": 2})) == repeated
    everything = fetch_all(api_client, "/api/quotes/")
    assert len(everything) == Quote.objects.count() == 6
    assert everything[0]["outlet_count"] == 5  # most repeated first
    agreement = _quote_of(corpus, "agreement")
    assert _ids(fetch_all(api_client, "/api/quotes/", {"conflicting": "true"})) == {agreement.pk}
    rossi = Person.objects.get(name=ROSSI)
    assert _ids(fetch_all(api_client, "/api/quotes/", {"speaker": rossi.slug})) == {agreement.pk}
    assert _ids(fetch_all(api_client, "/api/quotes/", {"outlet": "coastal times"})) == {
        agreement.pk
    }
    after = fetch_all(api_client, "/api/quotes/", {"date_after": "2025-03-06", "min_outlets": 2})
    assert _ids(after) == {_quote_of(corpus, "strike").pk}
    assert api_client.get("/api/quotes/", {"min_outlets": "many"}).status_code == 400


def test_a_quote_with_its_reports(corpus, api_client):
    quote = _quote_of(corpus, "agreement")
    body = api_client.get(f"/api/quotes/{quote.pk}/").json()
    assert body["speaker"]["name"] == ROSSI and body["conflicting"] is True
    assert body["first_document"]["id"] == corpus["harbour-post"].pk
    assert body["first_reported"] == "2025-03-03"
    reports = body["reports"]
    assert reports[0]["document"]["id"] == corpus["harbour-post"].pk
    assert {r["document"]["publisher"] for r in reports} == {
        "The Harbour Post",
        "Valley Courier",
        "Northern Ledger",
        "Coastal Times",
        "Daily Beacon",
    }
    assert {r["speaker"]["name"] for r in reports} == {ROSSI, "Marcus Webb"}


def test_each_statement_carries_its_quote_and_so_do_exports(corpus, api_client):
    quote = _quote_of(corpus, "defence")
    statements = fetch_all(api_client, "/api/statements/", {"kind": "direct"})
    carried = {row["id"]: row["quote"] and row["quote"]["id"] for row in statements}
    expected = dict(Statement.objects.filter(kind="direct").values_list("id", "quote_id"))
    assert carried == expected
    assert quote.pk in carried.values()
    indirect = fetch_all(api_client, "/api/statements/", {"kind": "indirect"})
    assert all(row["quote"] is None for row in indirect)
    body = b"".join(api_client.get("/api/export/statements.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {int(r["id"]): r["quote_id"] for r in rows if r["quote_id"]} == {
        pk: str(q) for pk, q in expected.items()
    }


def test_quote_page_and_most_repeated_lists(corpus):
    site = Client()
    quote = _quote_of(corpus, "agreement")
    page = site.get(quote.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Conflicting attributions" in html and "Coastal Times" in html
    assert [d.isoformat() for d, _ in page.context["days"]] == [
        "2025-03-03",
        "2025-03-04",
        "2025-03-05",
        "2025-03-06",
    ]
    assert "<svg" in html
    home = site.get("/")
    assert home.context["quotes"][0].pk == quote.pk
    assert len(home.context["quotes"]) == 3
    rossi = Person.objects.get(name=ROSSI)
    person = site.get(rossi.get_absolute_url())
    assert [q["id"] for q in person.context["quotes"]] == [quote.pk]
    assert quote.get_absolute_url() in person.content.decode()
    listed = site.get("/quotes/", {"conflicting": "true"})
    assert [q.pk for q in listed.context["page"].object_list] == [quote.pk]
    assert site.get("/quotes/999999/").status_code == 404


def test_a_rejected_report_leaves_every_quote_surface(corpus, api_client):
    quote = _quote_of(corpus, "agreement")
    wrong = Statement.objects.get(quote=quote, document=corpus["coastal-times"])
    statements_review(statements=[wrong], status=ReviewStatus.REJECTED, user=None)
    body = api_client.get(f"/api/quotes/{quote.pk}/").json()
    assert wrong.pk not in {r["id"] for r in body["reports"]}
    assert body["conflicting"] is False and body["outlet_count"] == 4
    html = Client().get(quote.get_absolute_url()).content.decode()
    assert wrong.get_absolute_url() not in html and "Coastal Times" not in html


def test_the_list_total_is_counted_once_a_minute_per_filter(
    corpus, api_client, django_assert_num_queries
):
    public = Quote.objects.public()
    first = api_client.get("/api/quotes/", {"page_size": 2}).json()
    assert first["count"] == public.count() and first["next"]
    with django_assert_num_queries(1):  # the page's rows; the total is the one just counted
        again = api_client.get("/api/quotes/", {"page_size": 2, "page": 2}).json()
    assert again["count"] == first["count"]
    assert {row["id"] for row in again["results"]}.isdisjoint(r["id"] for r in first["results"])
    repeated = api_client.get("/api/quotes/", {"min_outlets": 2}).json()
    assert repeated["count"] == public.filter(outlet_count__gte=2).count() < first["count"]
