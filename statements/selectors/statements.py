"""Statements: the rows the API, the exports and the site's pages read."""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import (
    Aggregate,
    F,
    JSONField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, JSONObject

from statements import shapes
from statements.models import (
    UNDATED_SORT_DATE,
    RemovedStatement,
    Statement,
    StatementQuerySet,
    StatementTarget,
)

# Newest first, undated last on every database (PostgreSQL puts NULLs first otherwise).
NEWEST_FIRST = (F("date").desc(nulls_last=True), "-id")


def _targets_prefetch() -> Prefetch:
    return Prefetch(
        "targets",
        queryset=StatementTarget.objects.select_related("person", "organisation").order_by("id"),
    )


def statement_list_api() -> QuerySet[Statement]:
    """Statements with everything their API representation and exports read, in 2 queries.

    ``sort_date`` is the statement date with undated rows pinned to year 1, so a cursor
    built on it never holds ``None``.
    """
    return (
        Statement.objects.select_related(
            "document", "speaker_person", "speaker_organisation", "event"
        )
        .defer("document__text", "document__metadata", "original_extraction")
        .prefetch_related(_targets_prefetch())
        .annotate(sort_date=Coalesce(F("date"), Value(UNDATED_SORT_DATE)))
    )


def _statement_related_columns() -> list[str]:
    """The joined rows' columns the public statement fields read (statements/shapes.py):
    loading only these makes each page's five joined models cheap to build (finding 6)."""
    return [column for column in shapes.statement_columns() if "__" in column]


def statement_page_api() -> QuerySet[Statement]:
    """``statement_list_api`` narrowed to the columns the API's list and detail show.

    Every statement column but ``original_extraction`` stays loaded (the review endpoint
    saves the row); the joined rows carry only what the nested references print. Exports
    read more of the joined rows and keep ``statement_list_api``.
    """
    columns = [
        field.name
        for field in Statement._meta.concrete_fields
        if field.name != "original_extraction"
    ]
    targets = Prefetch(
        "targets",
        queryset=StatementTarget.objects.select_related("person", "organisation")
        .only(
            "statement", "person__name", "person__slug", "organisation__name", "organisation__slug"
        )
        .order_by("id"),
        # A plain list: a prefetch into ``targets`` builds a filtered queryset per row.
        to_attr="target_list",
    )
    return (
        Statement.objects.select_related(
            "document", "speaker_person", "speaker_organisation", "event"
        )
        .only(*columns, *_statement_related_columns())
        .prefetch_related(targets)
        .annotate(sort_date=Coalesce(F("date"), Value(UNDATED_SORT_DATE)))
    )


class _JSONGroupArray(Aggregate):
    """JSON array of the grouped values (SQLite ``json_group_array``, PostgreSQL ``jsonb_agg``)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _statement_targets_json() -> Subquery:
    """Each statement's targets as a JSON array of objects over ``shapes.TARGET_COLUMNS``.

    A correlated subquery in the page query itself: PostgreSQL walks the target index for
    each of the page's rows, where a separate ``IN (page ids)`` query joined every person
    or organisation by hashing the whole table (3 ms at 1M statements) and cost a second
    round trip.
    """
    target = JSONObject(**{column: F(column) for column in shapes.TARGET_COLUMNS})
    return Subquery(
        StatementTarget.objects.filter(statement=OuterRef("pk"))
        .order_by()
        .values("statement")
        .annotate(rows=_JSONGroupArray(target))
        .values("rows")
    )


def statement_rows_api() -> StatementQuerySet:
    """Statements as rows (``shapes.statement_columns()``, ``sort_date``, ``target_rows``),
    in one query; filter and order it like a model queryset. Annotations added later (a
    search rank) join the rows.

    ``sort_date`` is in the rows because cursor pagination reads its position from the
    row's first ordering field. The queryset is built once per process and cloned: setting
    up 45 columns and the targets subquery cost about a millisecond a request.
    """
    return _statement_rows_base().all()


@functools.cache
def _statement_rows_base() -> StatementQuerySet:
    return Statement.objects.values(
        *shapes.statement_columns(),
        sort_date=Coalesce(F("date"), Value(UNDATED_SORT_DATE)),
        **{shapes.TARGET_ROWS: _statement_targets_json()},
    )


# What a statement list item shows (``kb_tags.statement_items``), besides its targets.
STATEMENT_ITEM_COLUMNS = (
    "id",
    "statement_type",
    "kind",
    "cue",
    "content",
    "date",
    "speaker_text",
    "speaker_role",
    *shapes.SPEAKER_COLUMNS,
    "document_id",
    "document__url",
    "document__publisher",
    "document__title",
    "document__lead",
    "event_id",
    "event__name",
)


def statement_item_rows(statements: QuerySet[Statement]) -> QuerySet:
    """``statements`` as the rows a statement list draws: ``STATEMENT_ITEM_COLUMNS`` and
    ``shapes.TARGET_ROWS``, in one query, filtered and ordered as given.

    Why: the lists built a statement, person, organisation, document and event instance
    per row and fetched the targets with a second query (model instances and their
    prefetch were most of the statement list's Python time); rows are plain dicts.
    """
    return (
        statements.select_related(None)
        .prefetch_related(None)
        .values(*STATEMENT_ITEM_COLUMNS, **{shapes.TARGET_ROWS: _statement_targets_json()})
    )


def statement_public_qs(statements: StatementQuerySet | None = None) -> QuerySet[Statement]:
    """``statements`` (by default the public ones), with everything a statement row draws."""
    if statements is None:
        statements = Statement.objects.public()
    return (
        statements.select_related("speaker_person", "speaker_organisation", "document", "event")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=StatementTarget.objects.select_related("person", "organisation"),
            )
        )
        .defer("document__text", "original_extraction", "document__metadata")
    )


# From this many statements of a speaker, the pages past an organisation's first and a
# speaker's events are found by walking all statements (or events) newest first until
# enough are theirs; below, from the speaker's own rows, sorted. Either way a page reads a
# few thousand index entries at most at 1M statements, where one plan alone read every
# statement of a speaker seldom quoted (0.6 s at 100k) or sorted every one of a
# much-quoted one.
ABOUT_NEWEST_WALK_FROM = 2000


def statement_get(pk: int, *, statements: StatementQuerySet | None = None) -> Statement | None:
    """Statement ``pk`` among ``statements`` (by default the public ones), for its page."""
    if statements is None:
        statements = Statement.objects.public()
    return (
        statements.filter(pk=pk)
        .select_related(
            "speaker_person",
            "speaker_organisation",
            "document",
            "event",
            "membership__organisation",
            "reviewed_by",
        )
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=StatementTarget.objects.select_related("person", "organisation"),
            )
        )
        .first()
    )


def statement_same_quote(statement: Statement, *, limit: int = 10) -> list[Statement]:
    """The same quotation reported elsewhere (the other public reports of its quote)."""
    if statement.quote_id is None:
        return []
    return list(
        Statement.objects.public()
        .filter(quote_id=statement.quote_id)
        .exclude(pk=statement.pk)
        .select_related("document")
        .defer("document__text")[:limit]
    )


def statement_count_estimate() -> int | None:
    """PostgreSQL's estimate of the statements table's rows (``pg_class.reltuples``).

    Why: an exact ``COUNT(*)`` of the whole table costs 350-420 ms at 1M rows
    (docs/benchmarks.md, finding 5); the estimate, kept by autovacuum's ANALYZE, costs a
    catalogue lookup. ``None`` on other databases or before the first ANALYZE.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [Statement._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


def removed_statement_get(pk: int) -> RemovedStatement | None:
    """The record of a statement re-extraction removed, with its document (for a 410)."""
    return RemovedStatement.objects.select_related("document").filter(statement_id=pk).first()
