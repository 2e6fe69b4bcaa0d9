"""Stage 5: statement type (with its CAMEO and PLOVER codes) and targets.

The cue's lexicon entry gives the type ("condemned" -> criticism); content rules from
``lexicon/statement_types.json`` refine it ("must" in a plain statement -> appeal; a demand
about a withdrawal -> CAMEO 1056). Targets are the organisations, states and people named in
the content other than the speaker.
"""

from __future__ import annotations

import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc

from statements.nlp.components.extensions import doc_text, register_extensions
from statements.nlp.lexicons import (
    content_overrides,
    content_rules,
    negated_types,
    statement_types,
)


@Language.factory(
    "kb_types",
    requires=["doc._.kb_statements", "doc._.kb_entities"],
    assigns=["doc._.kb_statements"],
)
def make_types(nlp: Language, name: str) -> StatementTyper:
    return StatementTyper()


def classify(
    statement_type: str, content: str, *, negated: bool = False
) -> tuple[str, str, str, str]:
    """(type, CAMEO, PLOVER, PLOVER mode) for a cue type and the content text; a negated cue
    ("would not accept") takes the type the lexicon gives its negation."""
    lowered = content.lower()
    if negated:
        statement_type = negated_types().get(statement_type, statement_type)
    for from_type, to_type, pattern in content_rules():
        if statement_type == from_type and re.search(pattern, lowered):
            statement_type = to_type
            break
    known = statement_types()
    entry = known.get(statement_type) or known["statement"]
    cameo = entry.cameo
    for override_type, words, code in content_overrides():
        if override_type == entry.name and any(word in lowered for word in words):
            cameo = code
            break
    return entry.name, cameo, entry.plover, entry.plover_mode


class StatementTyper:
    """Writes a new ``doc._.kb_statements`` list: each statement with its type, codes and
    targets added (the previous stage's dicts are left as they were)."""

    def __init__(self) -> None:
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        mentions = doc._.kb_mentions or []
        mention_starts = [mention[0] for mention in mentions]
        text = doc_text(doc)
        typed = []
        for statement in doc._.kb_statements or []:
            content = " ".join(text[start:end] for start, end in statement["content_spans"])
            name, cameo, plover, mode = classify(
                statement["statement_type"], content, negated=statement.get("negated", False)
            )
            typed.append(
                {
                    **statement,
                    "statement_type": name,
                    "cameo": cameo,
                    "plover": plover,
                    "plover_mode": mode,
                    "target_keys": content_targets(statement, mentions, mention_starts),
                }
            )
        doc._.kb_statements = typed
        return doc


def content_targets(statement: dict, mentions: list, mention_starts: list[int]) -> list[str]:
    """Entities named in the content other than the speaker (pronouns excluded)."""
    targets: list[str] = []
    for start, end in statement["content_spans"]:
        index = bisect.bisect_left(mention_starts, start)
        while index < len(mentions) and mentions[index][0] < end:
            key = mentions[index][3]
            if (
                key
                and key != statement["speaker_key"]
                and key not in targets
                and mentions[index][2] != "PRON"
            ):
                targets.append(key)
            index += 1
    return targets
