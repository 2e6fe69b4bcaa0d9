"""The ingestion benchmark's ``features_off`` leaves out exactly the feature it names, only
inside its block (it measures what summaries and quote clustering cost)."""

from __future__ import annotations

from bench.bench_ingest import features_off
from statements.models import Quote, Statement, SummaryCount

ARTICLE = (
    'Senator Dana Webb spoke in Leeds on Monday. "We will not accept this agreement as it '
    'stands, and we will vote against it," Webb said. The minister, Carla Rossi, said the '
    "government would publish the full text next week."
)


def test_without_quotes_the_statements_are_stored_and_summarised_but_not_quoted(ingest_text):
    with features_off(["quotes"]):
        document = ingest_text(ARTICLE, title="one")

    assert Statement.objects.filter(document=document).exists()
    assert not Quote.objects.exists()
    assert SummaryCount.objects.exists()


def test_without_summaries_the_statements_are_quoted_but_not_summarised(ingest_text):
    with features_off(["summaries"]):
        ingest_text(ARTICLE, title="one")

    assert Quote.objects.exists()
    assert not SummaryCount.objects.exists()


def test_the_features_are_back_after_the_block(ingest_text):
    with features_off(["summaries", "quotes"]):
        pass
    ingest_text(ARTICLE, title="one")

    assert Quote.objects.exists()
    assert SummaryCount.objects.exists()
