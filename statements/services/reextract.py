"""Re-extracting stored documents: the admin's "re-extract" action.

A stored document is fed back through ``documents_ingest`` with ``force=True``: its
machine statements and mentions are replaced by what the current extractor finds, while
every statement a human reviewed stays exactly as the human left it (see ingest.py).
The stored text is already normalised, so its hash finds the same document row. With a
broker configured, ``documents_reextract_enqueue`` sends them to the ingestion workers
instead, so that no web request runs spaCy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from statements.models import Document, IngestRun
from statements.nlp.records import DocumentMetadata
from statements.readers import SourceDocument
from statements.services.ingest import IngestReport, documents_ingest
from statements.services.ingest_queue import ingest_enqueue


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


def documents_reextract_enqueue(*, documents: Iterable[Document]) -> IngestRun:
    """Queue ``documents`` for re-extraction by the workers; the run that follows them.
    Raises ``BrokerUnavailable`` if the broker does not answer."""
    documents = list(documents)
    return ingest_enqueue(
        sources=(document_source(d) for d in documents),
        inputs=[f"document {d.pk}" for d in documents],
        force=True,
    )
