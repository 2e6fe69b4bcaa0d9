"""Quotes: the list, one quote with every report of it, the most repeated, the conflicts."""

from __future__ import annotations

import functools

from django.db.models import F, Prefetch, QuerySet

from statements import shapes
from statements.models import Organisation, Person, Quote, Statement

# A quote's reports, as its page, its API detail and the admin show them: public only,
# first published first.
_REPORT_ORDER = (F("document__published_at").asc(nulls_last=True), "document_id", "id")


def _reports_prefetch() -> Prefetch:
    return Prefetch(
        "statements",
        queryset=Statement.objects.public()
        .select_related("document", "speaker_person", "speaker_organisation")
        .only(
            "id",
            "quote_id",
            "content",
            "speaker_text",
            "speaker_person__name",
            "speaker_person__slug",
            "speaker_organisation__name",
            "speaker_organisation__slug",
            "date",
            "review_status",
            "document__title",
            "document__lead",
            "document__url",
            "document__publisher",
            "document__published_at",
        )
        .order_by(*_REPORT_ORDER),
        to_attr="reports",
    )


def quote_rows_api() -> QuerySet:
    """Public quotes as rows over ``shapes.QUOTE_COLUMNS`` (speaker and first document
    joined), one query a page, no model instances; filter and order it like a model
    queryset. Built once per process and cloned, as ``statement_rows_api``."""
    return _quote_rows_base().all()


@functools.cache
def _quote_rows_base() -> QuerySet:
    return Quote.objects.public().values(*shapes.QUOTE_COLUMNS)


def quote_report_rows(quote_id: int) -> list[dict]:
    """The quote's public reports as rows over ``shapes.QUOTE_REPORT_COLUMNS``, first
    published first (one query)."""
    return list(
        Statement.objects.public()
        .filter(quote_id=quote_id)
        .order_by(*_REPORT_ORDER)
        .values(*shapes.QUOTE_REPORT_COLUMNS)
    )


def quote_list_api() -> QuerySet[Quote]:
    """Public quotes with their speaker and first document (one query a page)."""
    return (
        Quote.objects.public()
        .select_related("speaker_person", "speaker_organisation", "first_document")
        .defer("first_document__text", "first_document__metadata")
    )


def quote_detail_api() -> QuerySet[Quote]:
    """``quote_list_api`` with every public report (``reports``): two queries."""
    return quote_list_api().prefetch_related(_reports_prefetch())


def quote_get(pk: int) -> Quote | None:
    """A public quote with its reports, for its page."""
    return quote_detail_api().filter(pk=pk).first()


def quote_most_repeated(
    *, speaker: Person | Organisation | None = None, limit: int = 5
) -> list[Quote]:
    """The quotes carried by the most outlets (then documents), at least two documents;
    those of ``speaker`` only when given."""
    quotes = quote_list_api().filter(document_count__gte=2)
    if isinstance(speaker, Person):
        quotes = quotes.filter(speaker_person=speaker)
    elif isinstance(speaker, Organisation):
        quotes = quotes.filter(speaker_organisation=speaker)
    return list(quotes.order_by("-outlet_count", "-document_count", "-id")[:limit])


def quote_spread(quote: Quote) -> list[tuple[object, int]]:
    """``[(date, documents that day), ...]`` from the prefetched reports, oldest first:
    how the quote spread (undated reports left out)."""
    days: dict[object, set[int]] = {}
    for report in quote.reports:
        if report.document.published_at is not None:
            days.setdefault(report.document.published_at, set()).add(report.document_id)
    return sorted((day, len(documents)) for day, documents in days.items())
