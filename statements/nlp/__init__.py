"""kb's statement extraction engine: text and document metadata in, frozen records out.

Pure Python and spaCy; never imports Django. spaCy is imported only when a pipeline
function is first used: the web side imports the records (and lexicons) alone, and a
gunicorn worker should not pay spaCy's import time and ~80 MB for them.
"""

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from statements.nlp.pipeline import extract, extract_many, load_pipeline

_PIPELINE_NAMES = ("extract", "extract_many", "load_pipeline")


def __getattr__(name: str):
    if name in _PIPELINE_NAMES:
        from statements.nlp import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
