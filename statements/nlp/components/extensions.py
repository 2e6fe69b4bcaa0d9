"""Doc extensions written by our components: plain, msgpack-serialisable data only."""

from __future__ import annotations

from typing import TypedDict

from spacy.tokens import Doc


class QuoteData(TypedDict):
    """``doc._.kb_quotes`` items: a quotation-mark pair and its inner fragments."""

    start: int
    end: int
    fragments: list[list[int]]
    reported: bool  # False for scare quotes and quoted names


class StatementData(TypedDict, total=False):
    """``doc._.kb_statements`` items. The attribution stages write the first block; the
    typing stage returns new dicts with the second added. A missing offset is None."""

    content_spans: list[list[int]]
    kind: str  # direct | indirect | mixed
    cue_start: int | None
    cue_end: int | None
    cue_lemma: str
    cue_class: str  # speech | writing | belief | evidence
    statement_type: str
    negated: bool
    speaker_start: int | None
    speaker_end: int | None
    speaker_key: str
    confidence: float
    event_key: str
    cameo: str
    plover: str
    plover_mode: str
    target_keys: list[str]


EXTENSIONS = (
    "kb_entities",  # list of entity dicts (see coreference.py)
    "kb_mentions",  # list of [start, end, label, entity_key or ""]
    "kb_token_keys",  # list of [token index, entity key]: tokens that name a resolved entity
    "kb_quotes",  # list of QuoteData
    "kb_statements",  # list of StatementData
    "kb_roles",  # list of role dicts (see roles.py)
    "kb_events",  # list of event dicts (see events.py)
    "kb_text",  # the Doc's text, kept by doc_text()
)


def register_extensions() -> None:
    """Register every extension once (guarded: safe to call from each worker)."""
    for name in EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per Doc.

    spaCy builds ``Doc.text`` by joining every token's text on each access; our components
    read it per attribution, role and event, which cost about a tenth of the parse time.
    """
    text = doc._.kb_text
    if text is None:
        text = doc.text
        doc._.kb_text = text
    return text
