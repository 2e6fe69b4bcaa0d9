"""Stage 4: events (interviews, meetings, press conferences, ...) and the statements made at them.

An event noun from ``lexicon/event_nouns.tsv`` counts when it is the object of "in",
"during", "at", ... or carries a "with" phrase: "In an interview with VOA on Friday",
"during a meeting with Turkish diplomats". Participants are the subject of the clause and
the people and organisations inside the noun phrase; the date phrase is the DATE entity next
to it (resolved against the publication date later, in ``pipeline.resolve_date``).
Statements whose cue is in the same sentence, or in the next sentence with the same
speaker, are linked to the event.
"""

from __future__ import annotations

import bisect

from spacy.language import Language
from spacy.tokens import Doc, Token

from statements.nlp.components.attribution import subject_of
from statements.nlp.components.columns import doc_columns
from statements.nlp.components.extensions import doc_text, register_extensions
from statements.nlp.lexicons import event_nouns

FRAME_PREPS = {"in", "during", "at", "after", "before", "on", "following", "throughout"}


@Language.factory(
    "kb_events",
    requires=["doc._.kb_statements", "doc._.kb_mentions", "doc.ents"],
    assigns=["doc._.kb_events", "doc._.kb_statements"],
)
def make_events(nlp: Language, name: str) -> EventFinder:
    return EventFinder()


class EventFinder:
    """Writes ``doc._.kb_events`` and sets ``event_key`` on the statements made there."""

    def __init__(self) -> None:
        register_extensions()
        self.nouns = event_nouns()

    def __call__(self, doc: Doc) -> Doc:
        doc._.kb_events = find_events(doc, self.nouns)
        return doc


def _event_name(noun: Token) -> tuple[str, int, int, Token | None]:
    """'interview with VOA': the noun and its 'with' phrase, without trailing clauses."""
    doc = noun.doc
    end = noun.i + 1
    partner = None
    for child in noun.rights:
        if child.dep_ == "prep" and child.lower_ == "with":
            objects = [grand for grand in child.children if grand.dep_ == "pobj"]
            if objects:
                partner = objects[0]
                end = partner.i + 1
            break
    start = noun.i
    for left in noun.lefts:
        if left.dep_ == "compound" and left.i < start:
            start = left.i
    text = doc_text(doc)[doc[start].idx : doc[end - 1].idx + len(doc[end - 1])]
    return text, doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), partner


def find_events(doc: Doc, nouns: dict[str, str]) -> list[dict]:
    if len(doc) == 0 or not doc.has_annotation("DEP"):
        return []
    token_key = dict(tuple(pair) for pair in (doc._.kb_token_keys or []))
    statements = doc._.kb_statements or []
    sentences = list(doc.sents)
    sentence_starts = [sentence.start_char for sentence in sentences]

    def sentence_of(char: int) -> int:
        return max(0, bisect.bisect_right(sentence_starts, char) - 1)

    statements_by_sentence: dict[int, list[dict]] = {}
    for statement in statements:
        if statement["cue_start"] is not None:
            where = sentence_of(statement["cue_start"])
            statements_by_sentence.setdefault(where, []).append(statement)
    dates_by_sentence: dict[int, list] = {}
    for ent in doc.ents:
        if ent.label_ in {"DATE", "TIME"}:
            dates_by_sentence.setdefault(sentence_of(ent.start_char), []).append(ent)
    events: list[dict] = []
    columns = doc_columns(doc)
    for index, pos in enumerate(columns.pos):
        if pos != "NOUN":
            continue
        classification = nouns.get(columns.lemma_lower[index])
        if classification is None:
            continue
        token = doc[index]
        framed = token.dep_ == "pobj" and token.head.lower_ in FRAME_PREPS
        has_with = any(c.dep_ == "prep" and c.lower_ == "with" for c in token.rights)
        if not (framed or has_with):
            continue
        name, start, end, _partner = _event_name(token)
        sentence_index = sentence_of(token.idx)
        sentence = sentences[sentence_index]
        participants: list[str] = []
        verb = token.head.head if framed else token.head
        subject = subject_of(verb) if verb.pos_ in {"VERB", "AUX"} else None
        if subject is not None and subject.i in token_key:
            participants.append(token_key[subject.i])
        # people and non-state organisations in the noun phrase and, for "with" events,
        # the rest of the sentence ("..., including the ambassador X and Y")
        last = sentence.end if has_with else token.right_edge.i + 1
        for inner in doc[token.i : last]:
            key = token_key.get(inner.i)
            if not key or key in participants or inner.pos_ != "PROPN":
                continue
            in_phrase = token.left_edge.i <= inner.i <= token.right_edge.i
            if key.startswith("P") or (in_phrase and inner.ent_type_ == "ORG"):
                participants.append(key)
        date_text = ""
        for ent in dates_by_sentence.get(sentence_index, ()):
            if ent.end <= sentence.end:
                near = abs(ent.start - token.i) <= 6 or token.left_edge.i <= ent.start <= (
                    token.right_edge.i
                )
                if near:
                    date_text = ent.text
                    break
        key = f"E{len(events) + 1}"
        events.append(
            {
                "key": key,
                "name": name,
                "classification": classification,
                "date_text": date_text,
                "participant_keys": participants,
                "start": start,
                "end": end,
            }
        )
        _link_statements(statements_by_sentence, sentence_index, key)
    return events


def _link_statements(statements_by_sentence: dict[int, list[dict]], sentence: int, key: str):
    """Statements made at the event: same sentence, or the next one by the same speaker."""
    speakers_here = set()
    for statement in statements_by_sentence.get(sentence, ()):
        if not statement.get("event_key"):
            statement["event_key"] = key
            if statement["speaker_key"]:
                speakers_here.add(statement["speaker_key"])
    for statement in statements_by_sentence.get(sentence + 1, ()):
        if not statement.get("event_key") and statement["speaker_key"] in speakers_here:
            statement["event_key"] = key
