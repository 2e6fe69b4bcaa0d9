"""Documents: lists and pages, with their mentions and statements."""

from __future__ import annotations

from django.db.models import (
    F,
    Prefetch,
    QuerySet,
)

from statements.highlight import paragraph_around
from statements.models import (
    Document,
    Mention,
    Statement,
    StatementTarget,
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


def document_mentions(
    document: Document, *, start: int = 0, end: int | None = None
) -> list[Mention]:
    """Mentions of the document, or of the part of it between ``start`` and ``end``."""
    mentions = document.mentions.filter(start__gte=start)
    if end is not None:
        mentions = mentions.filter(end__lte=end)
    return list(mentions.select_related("person", "organisation").order_by("start"))


def document_statements(document: Document) -> list[Statement]:
    return list(
        Statement.objects.public()
        .filter(document=document)
        .select_related("speaker_person", "speaker_organisation", "event")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=StatementTarget.objects.select_related("person", "organisation"),
            )
        )
        .order_by("content_start")
    )


def paragraph_bounds(statement: Statement) -> tuple[int, int]:
    """Offsets of the paragraph that holds the statement (its source context)."""
    return paragraph_around(statement.document.text, statement.content_start)
