"""Stage 0: people and organisations named in a document, resolved inside it.

* Label fixes: spaCy's small model calls "Khazali" an ORG and
  "Asa'ib Ahl al-Haq" a PERSON. A head noun right after a name ("... movement",
  "... Presidency") makes it an organisation; one label per name across the document, and a
  single word equal to the surname of a person named in full is that person.
* Honorifics ("Sheikh", "Dr.") are kept apart from the name.
* Surnames resolve to the most recent full name that ends with them; he/she in subject
  position resolves to the most recent person in subject or speaker position.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.language import Language
from spacy.tokens import Doc, Span

from statements.nlp.components.extensions import register_extensions
from statements.nlp.lexicons import demonyms, honorifics, org_heads

ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
PRONOUNS = {"he", "she", "him", "her", "his"}
NAME_KEY_RE = re.compile(r"\w+")


def name_key(name: str) -> str:
    """Matching key of a name: casefolded word characters, apostrophes unified."""
    return " ".join(NAME_KEY_RE.findall(name.casefold().replace("’", "'")))


def strip_determiner(span: Span) -> Span:
    start = span.start
    while start < span.end - 1 and span.doc[start].lower_ in {"the", "a", "an"}:
        start += 1
    end = span.end
    while end > start + 1 and span.doc[end - 1].tag_ == "POS":
        end -= 1
    return span.doc[start:end]


def split_honorific(span: Span) -> tuple[str, Span]:
    """("Sheikh", "Qais al-Khazali") for "Sheikh Qais al-Khazali"; the honorific may also
    be the token just before the entity span."""
    doc = span.doc
    titles = honorifics()
    honorific = ""
    start = span.start
    while start < span.end - 1 and doc[start].text.lower() in titles:
        honorific = (honorific + " " + doc[start].text).strip()
        start += 1
    if not honorific and span.start > 0 and doc[span.start - 1].text.lower() in titles:
        previous = doc[span.start - 1]
        if previous.is_title:
            honorific = previous.text
    return honorific, doc[start : span.end]


class EntityResolver:
    """Writes ``doc._.kb_entities``, ``doc._.kb_mentions`` and ``doc._.kb_token_keys``."""

    def __init__(self) -> None:
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        entities, mentions, token_keys = resolve_entities(doc)
        doc._.kb_entities = entities
        doc._.kb_mentions = mentions
        doc._.kb_token_keys = token_keys
        return doc


@Language.factory(
    "kb_entities",
    requires=["doc.ents", "token.dep", "token.pos"],
    assigns=["doc._.kb_entities", "doc._.kb_mentions", "doc._.kb_token_keys"],
)
def make_entities(nlp: Language, name: str) -> EntityResolver:
    return EntityResolver()


def _corrected_label(span: Span, label: str, heads: dict[str, str]) -> tuple[Span, str, str]:
    """Span, label and organisation classification after the head-noun rule.

    "Asa'ib Ahl al-Haq movement" (PERSON + lowercase head): an organisation named without
    the head; "Iraqi Presidency", "Turkish foreign ministry" (NORP + head within two tokens):
    an organisation named with it.
    """
    doc = span.doc
    last = span[-1].lower_
    if last in heads and len(span) > 1:
        return span, "ORG", heads[last]
    for offset in (0, 1):
        position = span.end + offset
        if position >= len(doc):
            break
        after = doc[position]
        if offset == 1 and doc[span.end].pos_ not in {"ADJ", "NOUN", "PROPN"}:
            break
        if after.lower_ in heads and after.pos_ in {"NOUN", "PROPN"}:
            if label == "NORP" or after.is_title:
                return doc[span.start : position + 1], "ORG", heads[after.lower_]
            if offset == 0 and label in {"PERSON", "ORG"}:
                return span, "ORG", heads[after.lower_]
    if label == "GPE":
        return span, "GPE", "state"
    return span, label, ""


def resolve_entities(doc: Doc) -> tuple[list[dict], list[list], list[list]]:
    heads = org_heads()
    demonym_map = demonyms()
    candidates = []  # (span without honorific, label, classification, honorific, full span)
    for ent in doc.ents:
        if ent.label_ not in ENTITY_LABELS:
            continue
        span = strip_determiner(ent)
        honorific, name_span = split_honorific(span)
        if not name_span.text.strip():
            continue
        name_span, label, classification = _corrected_label(name_span, ent.label_, heads)
        if honorific and label != "PERSON" and label != "NORP":
            label = "PERSON"
        candidates.append([name_span, label, classification, honorific])

    # Document-level consistency: persons named in full lend their label to their surnames.
    full_person_keys: dict[str, str] = {}
    votes: dict[str, Counter] = {}
    for name_span, label, _, _ in candidates:
        key = name_key(name_span.text)
        votes.setdefault(key, Counter())[label] += 1
        if label == "PERSON" and len(name_span) >= 2:
            full_person_keys[name_key(name_span[-1].text)] = key
    for candidate in candidates:
        name_span, label = candidate[0], candidate[1]
        key = name_key(name_span.text)
        if label in {"ORG", "GPE"} and candidate[2] not in {"", "state"}:
            continue  # head-noun evidence wins
        if len(name_span) == 1 and key in full_person_keys:
            candidate[1] = "PERSON"
        elif label in {"PERSON", "ORG"} and len(votes[key]) > 1:
            best = votes[key].most_common(1)[0][0]
            if best in {"PERSON", "ORG"}:
                candidate[1] = best

    # Surnames spaCy missed entirely ("Tawfiq" untagged): tag proper nouns equal to a surname.
    tagged = {token.i for candidate in candidates for token in candidate[0]}
    if full_person_keys:
        for token in doc:
            if (
                token.pos_ == "PROPN"
                and token.i not in tagged
                and name_key(token.text) in full_person_keys
            ):
                candidates.append([doc[token.i : token.i + 1], "PERSON", "", ""])
        candidates.sort(key=lambda candidate: candidate[0].start)

    entities: dict[str, dict] = {}
    entity_order: list[str] = []
    by_name: dict[str, str] = {}
    by_surname: dict[str, str] = {}
    counters = {"person": 0, "organisation": 0}
    mentions: list[list] = []
    token_keys: list[list] = []
    last_subject_person: str | None = None
    last_person: str | None = None

    def new_entity(kind: str, name: str, **fields: object) -> str:
        counters[kind] += 1
        key = ("P" if kind == "person" else "O") + str(counters[kind])
        entities[key] = {
            "key": key,
            "kind": kind,
            "name": name,
            "given_name": "",
            "family_name": "",
            "honorific_prefix": "",
            "classification": "",
            "country": "",
            "aliases": [],
            "mentions": [],
            **fields,
        }
        entity_order.append(key)
        return key

    pronoun_tokens = [
        token for token in doc if token.lower_ in PRONOUNS and token.dep_ in SUBJECT_DEPS
    ]
    pronoun_index = 0

    for name_span, label, classification, honorific in candidates:
        # pronouns before this mention resolve to what we knew so far
        while (
            pronoun_index < len(pronoun_tokens)
            and pronoun_tokens[pronoun_index].i < name_span.start
        ):
            pronoun = pronoun_tokens[pronoun_index]
            target = last_subject_person or last_person
            mentions.append([pronoun.idx, pronoun.idx + len(pronoun.text), "PRON", target or ""])
            if target:
                token_keys.append([pronoun.i, target])
            pronoun_index += 1
        text = name_span.text
        key_text = name_key(text)
        entity_key = ""
        if label == "PERSON":
            if len(name_span) >= 2:
                entity_key = by_name.get(key_text, "")
                if not entity_key:
                    given = name_span[0].text
                    family = (
                        text[name_span[1].idx - name_span.start_char :]
                        if len(name_span) > 2
                        else name_span[-1].text
                    )
                    entity_key = new_entity(
                        "person",
                        text,
                        given_name=given,
                        family_name=family,
                        honorific_prefix=honorific,
                    )
                    by_name[key_text] = entity_key
                    by_surname[name_key(name_span[-1].text)] = entity_key
                elif honorific and not entities[entity_key]["honorific_prefix"]:
                    entities[entity_key]["honorific_prefix"] = honorific
            else:
                entity_key = by_surname.get(key_text) or by_name.get(key_text, "")
                if not entity_key:
                    entity_key = new_entity("person", text, honorific_prefix=honorific)
                    by_name[key_text] = entity_key
                    by_surname[key_text] = entity_key
            head = name_span.root
            if head.dep_ in SUBJECT_DEPS or (head.dep_ == "pobj" and head.head.lower_ == "by"):
                last_subject_person = entity_key
            last_person = entity_key
        elif label in {"ORG", "GPE", "LOC"}:
            entity_key = by_name.get(key_text, "")
            if not entity_key:
                entity_key = new_entity(
                    "organisation",
                    text,
                    classification=classification or ("state" if label == "GPE" else ""),
                )
                by_name[key_text] = entity_key
            # "the Kurdistan Region (KRI)": the acronym names the same organisation
            end = name_span.end
            if (
                end + 2 < len(doc)
                and doc[end].text == "("
                and doc[end + 2].text == ")"
                and doc[end + 1].is_upper
                and len(doc[end + 1].text) >= 2
            ):
                acronym = doc[end + 1].text
                if acronym not in entities[entity_key]["aliases"]:
                    entities[entity_key]["aliases"].append(acronym)
                by_name.setdefault(name_key(acronym), entity_key)
        elif label == "NORP" and key_text in demonym_map:
            country = demonym_map[key_text]
            entity_key = by_name.get(name_key(country), "")
            if not entity_key:
                entity_key = new_entity("organisation", country, classification="state")
                by_name[name_key(country)] = entity_key
        if entity_key:
            entities[entity_key]["mentions"].append([name_span.start_char, name_span.end_char])
            for token in name_span:
                token_keys.append([token.i, entity_key])
        mentions.append([name_span.start_char, name_span.end_char, label, entity_key])
    while pronoun_index < len(pronoun_tokens):
        pronoun = pronoun_tokens[pronoun_index]
        target = last_subject_person or last_person
        mentions.append([pronoun.idx, pronoun.idx + len(pronoun.text), "PRON", target or ""])
        if target:
            token_keys.append([pronoun.i, target])
        pronoun_index += 1
    mentions.sort(key=lambda mention: mention[0])
    return [entities[key] for key in entity_order], mentions, token_keys
