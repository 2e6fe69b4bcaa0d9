"""Doc extensions written by our components: plain, msgpack-serialisable data only."""

from __future__ import annotations

from spacy.tokens import Doc

EXTENSIONS = (
    "kb_entities",  # list of entity dicts (see coreference.py)
    "kb_mentions",  # list of [start, end, label, entity_key or ""]
    "kb_token_keys",  # list of [token index, entity key]: tokens that name a resolved entity
    "kb_quotes",  # list of quote dicts (see quotes.py)
    "kb_statements",  # list of statement dicts (see attribution.py)
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
