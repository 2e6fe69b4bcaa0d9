"""Full-text search over statements: PostgreSQL full-text search, or a SQLite fallback.

On PostgreSQL the vectors below match, expression for expression, the GIN indexes that
migration 0002 creates; change one and you must change the other, or the planner
falls back to a sequential scan. Results carry a ``search_rank`` annotation that the
API orders by when no other ordering is asked for.

SQLite has no full-text operators Django can use portably, so there every word of the
query must occur (case-insensitively) in the content, the speaker as written, the
speaker's name or the document title. No ranking there.
"""

from __future__ import annotations

from functools import reduce
from operator import and_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Q, QuerySet

from statements.models import Document, Organisation, Person, Statement

SEARCH_CONFIG = "english"
RANK_ANNOTATION = "search_rank"


def search_uses_postgres(queryset: QuerySet) -> bool:
    """Whether ``queryset``'s database does real full-text search (and ranks results)."""
    return connections[queryset.db].vendor == "postgresql"


def _vector(*fields: str) -> SearchVector:
    return SearchVector(*fields, config=SEARCH_CONFIG)


def _matching_ids(model: type, field: str, query: SearchQuery) -> QuerySet:
    return (
        model.objects.alias(search_vector=_vector(field)).filter(search_vector=query).values("pk")
    )


def _statement_match_ids(query: SearchQuery) -> QuerySet:
    """Ids of statements matching ``query``, as a ``UNION`` of four index-backed arms.

    One ``WHERE vector @@ query OR document_id IN (...) OR ...`` cannot use the GIN
    index: PostgreSQL computed ``to_tsvector`` for every row of the table (16 s at 500k
    statements, docs/benchmarks.md finding 4). Each arm of the union uses an index: the
    statement GIN index, and ``document_id`` / ``speaker_*_id`` behind the small GIN
    lookups on titles and names.
    """
    statements = Statement.objects.order_by()
    by_text = (
        statements.alias(search_vector=_vector("content", "speaker_text"))
        .filter(search_vector=query)
        .values("pk")
    )
    by_title = statements.filter(
        document__in=_matching_ids(Document, "title", query).order_by()
    ).values("pk")
    by_person = statements.filter(
        speaker_person__in=_matching_ids(Person, "name", query).order_by()
    ).values("pk")
    by_organisation = statements.filter(
        speaker_organisation__in=_matching_ids(Organisation, "name", query).order_by()
    ).values("pk")
    return by_text.union(by_title, by_person, by_organisation)


def statement_search(queryset: QuerySet, text: str) -> QuerySet:
    """Statements whose content, speaker or document title match ``text``.

    ``text`` uses web-search syntax on PostgreSQL ("withdrawal -Turkey", quoted phrases).
    The ``search_rank`` annotation is computed only for the rows a query returns, unless
    it is ordered by: ranking means reading every match, so callers order by it only
    when asked (the API's ``ordering=relevance``).
    """
    text = text.strip()
    if not text:
        return queryset
    if search_uses_postgres(queryset):
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        vector = _vector("content", "speaker_text")
        return queryset.filter(pk__in=_statement_match_ids(query)).annotate(
            **{RANK_ANNOTATION: SearchRank(vector, query)}
        )
    words = text.split()
    return queryset.filter(
        reduce(
            and_,
            (
                Q(content__icontains=word)
                | Q(speaker_text__icontains=word)
                | Q(speaker_person__name__icontains=word)
                | Q(speaker_organisation__name__icontains=word)
                | Q(document__title__icontains=word)
                for word in words
            ),
        )
    )


def document_search(queryset: QuerySet, text: str) -> QuerySet:
    """Documents whose title matches ``text`` (full-text on PostgreSQL, words elsewhere)."""
    text = text.strip()
    if not text:
        return queryset
    if search_uses_postgres(queryset):
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.alias(search_vector=_vector("title")).filter(search_vector=query)
    return queryset.filter(reduce(and_, (Q(title__icontains=word) for word in text.split())))
