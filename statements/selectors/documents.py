"""Documents: lists and pages, with their mentions and statements."""

from __future__ import annotations

from django.db.models import (
    F,
    QuerySet,
)

from statements.highlight import paragraph_around
from statements.models import (
    Document,
    Mention,
    Statement,
)


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


def document_get(pk: int) -> Document | None:
    """Document ``pk`` with its text, for its page."""
    return Document.objects.defer("metadata").filter(pk=pk).first()


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
    the query's cost in Python)."""
    mentions = document.mentions.filter(start__gte=start)
    if end is not None:
        mentions = mentions.filter(end__lte=end)
    return list(
        mentions.select_related("person", "organisation").only(*_MENTION_COLUMNS).order_by("start")
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
    return list(
        Statement.objects.public()
        .filter(document=document)
        .select_related("speaker_person", "speaker_organisation")
        .only(*_DOCUMENT_STATEMENT_COLUMNS)
        .order_by("content_start")
    )


def paragraph_bounds(statement: Statement) -> tuple[int, int]:
    """Offsets of the paragraph that holds the statement (its source context)."""
    return paragraph_around(statement.document.text, statement.content_start)
