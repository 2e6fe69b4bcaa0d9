"""Re-extracting stored documents: the admin's "re-extract" action.

A stored document is fed back through ``documents_ingest`` with ``force=True``: its
machine statements and mentions are replaced by what the current extractor finds, while
every statement a human reviewed stays exactly as the human left it (see ingest.py).
The stored text is already normalised, so its hash finds the same document row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from statements.models import Document
from statements.nlp.records import DocumentMetadata
from statements.readers import SourceDocument
from statements.services.ingest import IngestReport, documents_ingest


def document_source(document: Document) -> SourceDocument:
    """The stored document as the reader would have produced it."""
    metadata = DocumentMetadata(
        title=document.title,
        url=document.url,
        publisher=document.publisher,
        published=document.published_at.isoformat() if document.published_at else "",
        language=document.language or "en",
    )
    return SourceDocument(
        document.source_path,
        document.text,
        metadata,
        dict(document.metadata or {}),
    )


def documents_reextract(*, documents: Iterable[Document], nlp: Any = None) -> IngestReport:
    """Run the current extractor over ``documents`` again, keeping human-reviewed statements."""
    return documents_ingest((document_source(d) for d in documents), force=True, nlp=nlp)
