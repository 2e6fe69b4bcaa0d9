"""kb's statement extraction engine: text and document metadata in, frozen records out.

Pure Python and spaCy; never imports Django.
"""

from statements.nlp.pipeline import extract, extract_many, load_pipeline
from statements.nlp.records import (
    EXTRACTOR_VERSION,
    DocumentMetadata,
    EntityRecord,
    EventRecord,
    Extraction,
    MentionRecord,
    RoleRecord,
    StatementRecord,
    TextSpan,
)

__all__ = [
    "EXTRACTOR_VERSION",
    "DocumentMetadata",
    "EntityRecord",
    "EventRecord",
    "Extraction",
    "MentionRecord",
    "RoleRecord",
    "StatementRecord",
    "TextSpan",
    "extract",
    "extract_many",
    "load_pipeline",
]
