"""Stage 4: events (interviews, meetings, ...) with participants and date phrases."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from statements.nlp.components.extensions import register_extensions


@Language.factory("kb_events", requires=["doc._.kb_statements"], assigns=["doc._.kb_events"])
def make_events(nlp: Language, name: str) -> EventFinder:
    return EventFinder()


def find_events(doc: Doc) -> list[dict]:
    return []


class EventFinder:
    def __init__(self) -> None:
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        doc._.kb_events = find_events(doc)
        return doc
