"""Quotes: the list, one quote with every report of it, the most repeated, the conflicts."""

from __future__ import annotations

import functools

from django.db.models import F, QuerySet

from statements import shapes
from statements.models import Organisation, Person, Quote, Statement, document_name
from statements.selectors.prepared import PreparedRows

# A quote's reports, as its page, its API detail and the admin show them: public only,
# first published first.
_REPORT_ORDER = (F("document__published_at").asc(nulls_last=True), "document_id", "id")


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
    return list(_quote_reports_base().filter(quote_id=quote_id))


@functools.cache
def _quote_reports_base() -> QuerySet:
    return Statement.objects.public().order_by(*_REPORT_ORDER).values(*shapes.QUOTE_REPORT_COLUMNS)


def quote_list_api() -> QuerySet[Quote]:
    """Public quotes with their speaker and first document (one query a page)."""
    return (
        Quote.objects.public()
        .select_related("speaker_person", "speaker_organisation", "first_document")
        .defer("first_document__text", "first_document__metadata")
    )


def quote_get(pk: int) -> dict | None:
    """A public quote's row (``quote_rows_api``) for its page, with ``first_document_name``
    and its public reports' rows (``reports``, from ``quote_report_rows``): two queries.

    Rows, not model instances: the page drew a quote with three joined models and a model
    per report, a third of its time."""
    rows = list(quote_rows_api().filter(pk=pk)[:1])
    if not rows:
        return None
    quote = rows[0]
    if quote["first_document_id"] is not None:
        quote["first_document_name"] = document_name(
            quote["first_document_id"],
            quote["first_document__title"],
            quote["first_document__lead"],
        )
    quote["reports"] = quote_report_rows(pk)
    return quote


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


def quote_spread(quote: dict) -> list[tuple[object, int]]:
    """``[(date, documents that day), ...]`` from the reports ``quote_get`` read, oldest
    first: how the quote spread (undated reports left out)."""
    days: dict[object, set[int]] = {}
    for report in quote["reports"]:
        if (published := report["document__published_at"]) is not None:
            days.setdefault(published, set()).add(report["document_id"])
    return sorted((day, len(documents)) for day, documents in days.items())


def _speaker_quotes_query(speaker_person_id: int) -> QuerySet:
    return (
        _quote_rows_base()
        .filter(document_count__gte=2, speaker_person_id=speaker_person_id)
        .order_by("-outlet_count", "-document_count", "-id")[:SPEAKER_QUOTES_SHOWN]
    )


SPEAKER_QUOTES_SHOWN = 5
_speaker_quotes = PreparedRows(_speaker_quotes_query, speaker_person_id=int)


def quote_rows_most_repeated(*, speaker_person_id: int) -> list[dict]:
    """``quote_most_repeated`` of a person as rows over ``shapes.QUOTE_COLUMNS`` (one
    query compiled once per process, no model instances), for their page."""
    return _speaker_quotes(speaker_person_id=speaker_person_id)
