"""Documents: lists and pages, with their mentions and statements."""

from __future__ import annotations

from django.db.models import (
    F,
    QuerySet,
)

from statements.highlight import paragraph_around
from statements.models import (
    Document,
    Event,
    Mention,
    Organisation,
    Person,
    Statement,
)
from statements.selectors.prepared import PreparedRows


def document_list_api(*, with_text: bool = False) -> QuerySet[Document]:
    """Documents with a statement count; the (long) text only when asked for."""
    documents = Document.objects.with_statement_count()
    return documents if with_text else documents.defer("text")


def document_list_qs() -> QuerySet[Document]:
    return (
        Document.objects.defer("text", "metadata")
        .with_statement_count()
        .order_by(F("published_at").desc(nulls_last=True), "-id")
    )


# What a document's page shows of it.
_DOCUMENT_PAGE_COLUMNS = (
    "id",
    "title",
    "lead",
    "url",
    "publisher",
    "published_at",
    "word_count",
    "text",
)
_document_page = PreparedRows(
    lambda pk: Document.objects.filter(pk=pk).values(*_DOCUMENT_PAGE_COLUMNS),
    plan_once=True,
    pk=int,
)


def document_get(pk: int) -> Document | None:
    """Document ``pk`` with what its page shows (``_DOCUMENT_PAGE_COLUMNS``; the query is
    compiled once per process, as the page's other reads are)."""
    rows = _document_page(pk=pk)
    return Document(**rows[0]) if rows else None


def _with_actors(instance, row: dict, person: str, organisation: str):
    """``instance`` with the person and the organisation its row names (``<field>_id``,
    ``<field>__name``, ``<field>__slug``) attached as unsaved records holding just those."""
    for field, model in ((person, Person), (organisation, Organisation)):
        pk = row[f"{field}_id"]
        actor = None
        if pk is not None:
            actor = model(id=pk, name=row[f"{field}__name"], slug=row[f"{field}__slug"])
        setattr(instance, field, actor)
    return instance


def _own_columns(row: dict, columns: tuple[str, ...]) -> dict:
    """The row's values of the model's own columns (not those read through a relation)."""
    return {column: row[column] for column in ("id", *columns) if "__" not in column}


# What a highlighted text links: each mention's actor, by name and address.
_MENTION_COLUMNS = (
    "start",
    "end",
    "document_id",
    "person_id",
    "organisation_id",
    "person__name",
    "person__slug",
    "organisation__name",
    "organisation__slug",
)


def document_mentions(
    document: Document, *, start: int = 0, end: int | None = None
) -> list[Mention]:
    """Mentions of the document, or of the part of it between ``start`` and ``end``, with
    only what their links show (a whole person or organisation row per mention was most of
    the query's cost in Python; the query is compiled once per process)."""
    end = _TEXT_END if end is None else end
    rows = _document_mentions(document_id=document.pk, start=start, end=end)
    return [_mention(row) for row in rows]


# An end past any offset (the largest integer both databases store), for "to the end".
_TEXT_END = 2_147_483_647
_document_mentions = PreparedRows(
    lambda document_id, start, end: (
        Mention.objects.filter(document_id=document_id, start__gte=start, end__lte=end)
        .order_by("start")
        .values("id", *_MENTION_COLUMNS)
    ),
    plan_once=True,
    document_id=int,
    start=int,
    end=int,
)


def _mention(row: dict) -> Mention:
    return _with_actors(
        Mention(**_own_columns(row, _MENTION_COLUMNS)), row, "person", "organisation"
    )


# What a document page draws of each statement: its highlighted words and its index entry.
_DOCUMENT_STATEMENT_COLUMNS = (
    "statement_type",
    "content",
    "content_start",
    "content_end",
    "content_spans",
    "speaker_text",
    "document_id",
    "speaker_person_id",
    "speaker_organisation_id",
    "speaker_person__name",
    "speaker_person__slug",
    "speaker_organisation__name",
    "speaker_organisation__slug",
)


def document_statements(document: Document) -> list[Statement]:
    """The public statements of ``document`` in text order, with what its page draws
    (their speakers' names; no targets or events, which the page does not show)."""
    return [_statement(row) for row in _document_statements(document_id=document.pk)]


_document_statements = PreparedRows(
    lambda document_id: (
        Statement.objects.public()
        .filter(document_id=document_id)
        .order_by("content_start")
        .values("id", *_DOCUMENT_STATEMENT_COLUMNS)
    ),
    plan_once=True,
    document_id=int,
)


def _statement(row: dict) -> Statement:
    statement = Statement(**_own_columns(row, _DOCUMENT_STATEMENT_COLUMNS))
    return _with_actors(statement, row, "speaker_person", "speaker_organisation")


def document_events(document: Document) -> list[Event]:
    """The events read from ``document``, in the order the page lists them."""
    return [Event(**row) for row in _document_events(document_id=document.pk)]


_document_events = PreparedRows(
    lambda document_id: Event.objects.filter(document_id=document_id).values(
        "id", "name", "document_id", "start", "end"
    ),
    plan_once=True,
    document_id=int,
)


def paragraph_bounds(statement: Statement) -> tuple[int, int]:
    """Offsets of the paragraph that holds the statement (its source context)."""
    return paragraph_around(statement.document.text, statement.content_start)
