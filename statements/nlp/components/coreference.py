"""Stage 0: people and organisations named in a document, resolved inside it.

* Names: spaCy's entities, minus what is never a name: headline lines (title case),
  datelines ("WASHINGTON (AP) —"), possessive endings, leading words that are not
  capitalised ("pro-Clinton"), and a modifier in front of a name the document gives in
  full ("Crooked Hillary Clinton"). Honorifics and titles ("Sheikh", "Mrs.", "President")
  are kept apart from the name; "Mrs." and "Mr." and common given names mark gender.
* Labels: a head noun after a name ("... movement") makes it an
  organisation; one label per name across the document; a surname of a person named in
  full is that person. A country, its capital or its seat ("Moscow", "the Kremlin") is the
  state; any other city, region or US state is a place, not an actor. Dotted and computed
  acronyms ("F.B.I.", "UN") are aliases of the organisation they abbreviate.
* Mentions resolve in reading order: a surname to the person of that surname whose gender
  agrees and who is mentioned most; he/she to the most recent person of that gender in
  subject position; a description ("the minister", "the Republican nominee", "the fund")
  to the actor the document gave that title, pre-modifier, apposition or head noun; and
  the noun an apposition names ("The President, Elena Rossi, said") to that person.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple, TypedDict

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from statements.nlp.components.columns import doc_columns
from statements.nlp.components.extensions import doc_text, register_extensions
from statements.nlp.lexicons import (
    continuing_nouns,
    cue_lexicon,
    demonyms,
    description_nouns,
    fold_name,
    gender_words,
    given_names,
    honorifics,
    name_particles,
    name_suffixes,
    org_heads,
    organisation_aliases,
    organisation_name_words,
    portfolios,
    role_heads,
    speaker_nouns,
    states,
    title_synonyms,
    word_list,
)

ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
SUBJECT_PRONOUNS = ("he", "she")  # their gender comes from lexicon/gender_words.tsv
POSSESSIVE_PRONOUNS = ("his", "her")  # "his claim that ...": the speaker of a nominal cue
SPEAKING_CLASSES = {"speech", "writing"}
NAME_KEY_RE = re.compile(r"\w+")

ACRONYM_SKIP = {"of", "the", "and", "for", "on", "in", "&"}
DATELINE_MARKS = ("(", "—", "–", "--", ",")
PERSONAL_BODIES = {"campaign", "administration"}  # "the Obama administration"
NAME_PREPOSITIONS = {"of", "on", "for"}  # inside an organisation's name


class EntityData(TypedDict):
    """``doc._.kb_entities`` item: one actor of the document after resolution."""

    key: str
    kind: str  # "person" | "organisation"
    name: str
    given_name: str
    family_name: str
    honorific_prefix: str
    classification: str
    country: str
    aliases: list[str]
    mentions: list[list[int]]  # [start_char, end_char] of each name mention
    gender: str


class MentionData(NamedTuple):
    """``doc._.kb_mentions`` item: a name or pronoun and the entity it resolved to."""

    start: int
    end: int
    label: str
    key: str | None


def document_name_key(name: str) -> str:
    """Matching key of a name inside one document: casefolded words, apostrophes unified."""
    return " ".join(NAME_KEY_RE.findall(name.casefold().replace("’", "'")))


@dataclass
class _Candidate:
    span: Span
    label: str
    classification: str
    honorific: str
    name: str = ""  # the name when it is not the span's text ("Trump campaign")


@dataclass
class _State:
    """What the reader of a document knows so far while resolving mentions in order."""

    entities: dict[str, EntityData] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)
    by_surname: dict[str, list[str]] = field(default_factory=dict)
    by_given: dict[str, list[str]] = field(default_factory=dict)
    surname_owners: dict[str, str] = field(default_factory=dict)  # whom a bare surname meant
    titles: dict[str, set[str]] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)
    recent_subjects: list[str] = field(default_factory=list)
    recent_people: list[str] = field(default_factory=list)
    organisation_subject: tuple[str, int] | None = None  # key, token index of its sentence
    main_subject: tuple[str, int] | None = None  # person subject of a main clause, sentence
    mention_count: Counter = field(default_factory=Counter)
    mentions: list[MentionData] = field(default_factory=list)
    token_keys: dict[int, str] = field(default_factory=dict)
    counters: Counter = field(default_factory=Counter)
    quotations: list[tuple[int, int]] = field(default_factory=list)

    def new_entity(self, kind: str, name: str, **fields: object) -> str:
        self.counters[kind] += 1
        key = ("P" if kind == "person" else "O") + str(self.counters[kind])
        self.entities[key] = EntityData(
            key=key,
            kind=kind,
            name=name,
            given_name=str(fields.get("given_name", "")),
            family_name=str(fields.get("family_name", "")),
            honorific_prefix=str(fields.get("honorific_prefix", "")),
            classification=str(fields.get("classification", "")),
            country=str(fields.get("country", "")),
            aliases=list(fields.get("aliases", [])),  # type: ignore[call-overload]
            mentions=[],
            gender=str(fields.get("gender", "")),
        )
        self.titles[key] = set()
        return key

    def seen_person(self, key: str, subject: bool) -> None:
        self.mention_count[key] += 1
        for recent in (self.recent_people, *((self.recent_subjects,) if subject else ())):
            if key in recent:
                recent.remove(key)
            recent.append(key)


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


# ------------------------------------------------------------------------------ names


def strip_determiner(span: Span) -> Span:
    """The span without a leading article, possessive ending or uncapitalised word."""
    doc = span.doc
    start, end = span.start, span.end
    while start < end - 1 and (
        doc[start].lower_ in {"the", "a", "an"}
        or not (doc[start].text[:1].isupper() or doc[start].lower_ in name_particles())
    ):
        start += 1
    while end > start + 1 and (
        doc[end - 1].tag_ == "POS"
        or doc[end - 1].text in {"’s", "'s"}
        or not any(c.isalnum() for c in doc[end - 1].text)
    ):
        end -= 1
    return doc[start:end]


def split_honorific(span: Span) -> tuple[str, Span]:
    """("Sheikh", "Qais al-Khazali") for "Sheikh Qais al-Khazali"; the honorific may also
    be the token just before the entity span."""
    doc = span.doc
    titles = honorifics() | role_heads()
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


@functools.lru_cache(maxsize=8)
def headline_lines(text: str) -> tuple[tuple[int, int], ...]:
    """Character ranges of lines set in title case: the first line (the title), and others
    without a sentence's final punctuation (section titles).

    Cached: stages ask it of the same text once per speaker span, and the text is the one
    string ``doc_text`` keeps per Doc, whose hash Python computes once."""
    ranges, offset = [], 0
    lines = text.split("\n")
    for number, line in enumerate(lines):
        words = [w for w in re.findall(r"[A-Za-z][\w’'-]*", line) if len(w) > 3]
        capitals = sum(1 for w in words if w[0].isupper())
        # the title line may end with a full stop ("Obama Seeks More Refugees.")
        ending = (".", ":", "”", '"', "?", "!", ";", ",")
        title = number == 0 and len(lines) > 1 and len(line) < 200
        sentence = not title and line.rstrip().endswith(ending)
        if len(words) >= 3 and capitals >= 0.8 * len(words) and not sentence:
            ranges.append((offset, offset + len(line)))
        offset += len(line) + 1
    return tuple(ranges)


def _is_dateline(span: Span) -> bool:
    """ "WASHINGTON (AP) —", "ERBIL, Iraq —": capitals at a line start before a dateline mark."""
    doc = span.doc
    at_line_start = span.start == 0 or "\n" in doc[span.start - 1].text_with_ws
    if not at_line_start or not span.text.isupper():
        return False
    after = doc[span.end : span.end + 6].text
    return after.startswith(DATELINE_MARKS) and ("—" in after or "–" in after or "(" in after)


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
    return span, label, ""


def _candidates(doc: Doc) -> list[_Candidate]:
    heads = org_heads()
    headlines = headline_lines(doc_text(doc))
    candidates = []
    for ent in doc.ents:
        if ent.label_ not in ENTITY_LABELS or _is_dateline(ent):
            continue
        if any(start <= ent.start_char < end for start, end in headlines) or _is_portfolio(ent):
            continue
        honorific, name_span = split_honorific(strip_determiner(ent))
        name_span = strip_determiner(name_span)
        if not name_span.text.strip() or not name_span.text[:1].isupper():
            continue
        if len(name_span) == 1 and _is_description(name_span[0], frozenset()):
            continue  # "The Republican said": one of the party's people, read as a description
        name_span = _with_untagged_given_name(name_span)
        name_span, label, classification = _corrected_label(name_span, ent.label_, heads)
        if label == "ORG" and not classification and _has_middle_initial(name_span):
            label = "PERSON"  # "Vann R. Newkirk II": a person's name the tagger took for a body
        if honorific and label not in {"PERSON", "NORP"}:
            label = "PERSON"
        candidates.append(
            (_campaign(name_span) if label in {"PERSON", "ORG"} else None)
            or _Candidate(name_span, label, classification, honorific)
        )
    return candidates


def _has_middle_initial(span: Span) -> bool:
    """Given name, initial, surname (and suffix): "Vann R. Newkirk II", "Loretta E. Lynch"."""
    words = [token for token in span if token.lower_.rstrip(".") not in name_suffixes()]
    return (
        3 <= len(words) <= 4
        and all(token.is_title or re.fullmatch(r"[A-Z]\.", token.text) for token in words)
        and any(re.fullmatch(r"[A-Z]\.", token.text) for token in words[1:-1])
        and not re.fullmatch(r"[A-Z]\.", words[0].text)
    )


def _with_untagged_given_name(span: Span) -> Span:
    """ "Ivanka Trump" tagged as "Trump" alone: a capitalised given name just before a
    one-word name belongs to it (a proper noun, so not "Will Trump win?"). When the tagged
    word is itself a given name ("Amelize Joseph" tagged as "Joseph"), an unknown proper
    noun compounded to it is the given name the tagger missed, unless it is a title or
    role word ("Pastor Joseph")."""
    if len(span) != 1 or span.start == 0:
        return span
    before = span.doc[span.start - 1]
    if before.pos_ != "PROPN" or not before.is_title or before.ent_type_ != "":
        return span
    if before.lower_ in given_names() or (
        before.dep_ == "compound"
        and before.head.i == span.start
        and span[0].lower_ in given_names()
        and not _title_word(before)
    ):
        return span.doc[before.i : span.end]
    return span


def _title_word(token: Token) -> bool:
    word = token.lower_.rstrip(".")
    return (
        word in honorifics()
        or word in role_heads()
        or word in title_synonyms()
        or word in description_nouns()
        or word in speaker_nouns()
    )


def _is_portfolio(span: Span) -> bool:
    """A portfolio before a role word ("Commerce Secretary", "Interior Minister"): the
    office, not an organisation."""
    following = span.doc[span.end] if span.end < len(span.doc) else None
    return (
        following is not None
        and following.lower_ in role_heads()
        and fold_name(span.text) in portfolios()
    )


def _campaign(span: Span) -> _Candidate | None:
    """ "the Trump campaign", "Clinton’s campaign", "the Obama administration": an
    organisation named after a person; "Clinton’s team" is her campaign, one record with
    "the Clinton campaign"."""
    doc, end = span.doc, span.end
    if end < len(doc) and doc[end].text in {"’s", "'s"}:
        end += 1
    body = doc[end].lower_ if end < len(doc) else ""
    if body in word_list("campaign_nouns"):
        body = "campaign"
    elif body not in PERSONAL_BODIES:
        return None
    name = f"{span[-1].text} {body}"
    return _Candidate(doc[span.start : end + 1], "ORG", "", "", name=name)


def _harmonise(doc: Doc, candidates: list[_Candidate]) -> list[_Candidate]:
    """One label per name; surnames of full names are people; modifiers trimmed off names."""
    full_person_keys: dict[str, str] = {}
    votes: dict[str, Counter] = {}
    for candidate in candidates:
        key = document_name_key(candidate.span.text)
        votes.setdefault(key, Counter())[candidate.label] += 1
        if candidate.label == "PERSON" and _is_full_name(key):
            full_person_keys[document_name_key(candidate.span[-1].text)] = key
    full_names = {
        document_name_key(c.span.text)
        for c in candidates
        if c.label == "PERSON" and _is_full_name(document_name_key(c.span.text))
    }
    tails = {tail for key in full_names for tail in _name_tails(key)}
    for candidate in candidates:
        span = candidate.span
        key = document_name_key(span.text)
        if candidate.label == "PERSON" and len(span) >= 3:
            tail = document_name_key(span[1:].text)
            if tail in full_names and tail.split()[0] in given_names():
                candidate.span = span[1:]  # "Crooked Hillary Clinton", not "Ildefonso Guajardo"
                continue
        if candidate.label in {"ORG", "GPE"} and candidate.classification not in {"", "state"}:
            continue  # head-noun evidence wins
        if candidate.honorific and candidate.label == "PERSON":
            continue  # so does a title: "Mayor De Blasio"
        if candidate.label == "PERSON" and fold_name(span.text) in organisation_aliases():
            candidate.label = "ORG"  # a known organisation the tagger took for a person
            continue
        if (len(span) == 1 and key in full_person_keys) or key in full_names or key in tails:
            candidate.label = "PERSON"
        elif candidate.label in {"PERSON", "ORG"} and len(votes[key]) > 1:
            best = votes[key].most_common(1)[0][0]
            if best in {"PERSON", "ORG"}:
                candidate.label = best
    tagged = {token.i for candidate in candidates for token in candidate.span}
    lone_surnames = {
        document_name_key(c.span.text)
        for c in candidates
        if c.label == "PERSON" and len(document_name_key(c.span.text).split()) == 1
    }
    untagged = _untagged_subjects(doc, tagged, full_person_keys, lone_surnames)
    for candidate in untagged:  # their surnames, too, are tagged below where written alone
        key = document_name_key(candidate.span.text)
        if candidate.label == "PERSON" and _is_full_name(key):
            full_person_keys.setdefault(document_name_key(candidate.span[-1].text), key)
    candidates += untagged
    tagged = {token.i for candidate in candidates for token in candidate.span}
    # Surnames spaCy missed entirely ("Tawfiq" untagged): tag proper nouns equal to a surname.
    if full_person_keys:
        columns = doc_columns(doc)
        for index, pos in enumerate(columns.pos):
            if (
                pos == "PROPN"
                and index not in tagged
                and document_name_key(columns.text[index]) in full_person_keys
            ):
                token = doc[index]
                start = token.i
                # with the given name spaCy missed too ("Ivanka Trump, the ... daughter,")
                before = doc[start - 1] if start > 0 else None
                if before is not None and before.i not in tagged and before.is_title:
                    start -= 1 if given_names().get(before.lower_) else 0
                candidates.append(_Candidate(doc[start : token.i + 1], "PERSON", "", ""))
    return sorted(candidates, key=lambda candidate: candidate.span.start)


def _is_full_name(key: str) -> bool:
    """Two words or more, unless a particle and a surname ("de blasio"), which is a surname."""
    words = key.split()
    return len(words) >= 3 or (len(words) == 2 and words[0] not in name_particles())


def _name_end(token: Token) -> int:
    """Index of a name's last token: "Commission on Presidential Debates" goes on through a
    capitalised prepositional object."""
    for child in token.rights:
        if child.dep_ == "prep" and child.lower_ in NAME_PREPOSITIONS and child.i == token.i + 1:
            objects = [c for c in child.children if c.dep_ == "pobj" and c.pos_ == "PROPN"]
            if objects and all(t.is_title or t.is_upper for t in objects[0].subtree):
                return max(t.i for t in objects[0].subtree)
    return token.i


def _name_tails(key: str) -> list[str]:
    """The proper tails of a name key of three words or more: "aung san suu kyi" ->
    "san suu kyi", "suu kyi" (a surname of two words, "de blasio", is written alone)."""
    words = key.split()
    return [" ".join(words[i:]) for i in range(1, len(words) - 1)] if len(words) >= 3 else []


def _untagged_subjects(
    doc: Doc, tagged: set[int], surnames: dict[str, str], lone_surnames: set[str]
) -> list[_Candidate]:
    """Proper-noun subjects the tagger missed ("The EP said", "Zero Hedge reported"): a
    known organisation or state, an acronym, a name starting with a given name or ending
    with a word the document writes alone as a person ("Mehmet Oz" ... "Oz said"), else
    (two words or more) an organisation. A lone unknown word stays unnamed."""
    found = []
    columns = doc_columns(doc)
    for index, dep in enumerate(columns.dep):
        if dep not in SUBJECT_DEPS or columns.pos[index] != "PROPN" or index in tagged:
            continue
        token = doc[index]
        if document_name_key(token.text) in surnames:
            continue  # the surname rule below handles it
        start = min([token.i, *(c.i for c in token.lefts if c.dep_ == "compound")])
        span = doc[start : _name_end(token) + 1]
        if any(t.i in tagged for t in span) or not span.text[:1].isupper():
            continue
        folded = fold_name(span.text)
        if folded in states() or folded in organisation_aliases() or span.text.isupper():
            found.append(_Candidate(span, "ORG", "", ""))
        elif len(span) > 1 and (
            given_names().get(span[0].lower_) or document_name_key(span[-1].text) in lone_surnames
        ):
            found.append(_Candidate(span, "PERSON", "", ""))
        elif len(span) > 1 or (span.text[1:].lower() != span.text[1:]):
            found.append(_Candidate(span, "ORG", "", ""))  # "Zero Hedge", "PolitiFact"
    return found


# ------------------------------------------------------------------------------ people


def _gender_of(honorific: str, given: str) -> str:
    words = gender_words()
    for word in honorific.lower().split():
        if word in words:
            return words[word]
    return given_names().get(given.lower(), "")


def _person_words(span: Span) -> tuple[str, str, str]:
    """Given name, family name (suffix kept apart) and the name's matching key."""
    suffixes = name_suffixes()
    words = [token for token in span if token.lower_ not in suffixes]
    given = words[0].text if words else ""
    family = span.doc[words[1].i : words[-1].i + 1].text if len(words) > 1 else ""
    return given, family, document_name_key(span.text)


def _surname_key(text: str) -> str:
    words = [w for w in document_name_key(text).split() if w not in name_suffixes() and w != "s"]
    return words[-1] if words else ""


def _titles_before(span: Span) -> set[str]:
    """Words of the noun phrase in front of a name: "Republican nominee Donald Trump"."""
    doc, words = span.doc, set()
    position = span.start - 1
    while position >= 0 and span.start - position <= 5:
        token = doc[position]
        if token.pos_ not in {"NOUN", "PROPN", "ADJ"} or token.is_punct:
            break
        words.add(token.lemma_.lower())
        position -= 1
    return words


def _apposition_titles(span: Span) -> tuple[set[str], Token | None]:
    """Words of an apposition ("Rossi, the President,") and, for "The President, Elena
    Rossi,", the noun the name stands in apposition to (which then names the person)."""
    root = span.root
    words: set[str] = set()
    named_noun = None
    if root.dep_ == "appos" and root.head.pos_ in {"NOUN", "PROPN"} and root.head.i < span.start:
        named_noun = root.head
        words |= {  # not "his" of "his opponent, Hillary Clinton": his gender is not hers
            t.lemma_.lower()
            for t in named_noun.subtree
            if t.i < span.start and t.pos_ in {"NOUN", "PROPN", "ADJ"}
        }
    for child in root.children:
        if child.dep_ == "appos" and child.pos_ == "NOUN":
            # not the owner's words: "Ivanka Trump, the Republican nominee's daughter"
            owned = {t.i for c in child.children if c.dep_ == "poss" for t in c.subtree}
            words |= {
                t.lemma_.lower()
                for t in child.subtree
                if t.pos_ in {"NOUN", "ADJ"} and t.i not in owned
            }
    return words, named_noun


def _resolve_person(state: _State, candidate: _Candidate) -> str:
    span = candidate.span
    given, family, key = _person_words(span)
    gender = _gender_of(candidate.honorific, given if len(span) > 1 else "")
    honorific_gender = _gender_of(candidate.honorific, "")
    if _is_full_name(key):
        entity_key = state.by_name.get(key, "") or _full_name_with_tail(state, key)
        if not entity_key:
            entity_key = state.new_entity(
                "person",
                span.text,
                given_name=given,
                family_name=family,
                honorific_prefix=candidate.honorific,
                gender=gender,
            )
            state.by_name[key] = entity_key
            state.by_surname.setdefault(_surname_key(span.text), []).append(entity_key)
            state.by_given.setdefault(document_name_key(given), []).append(entity_key)
        elif candidate.honorific and not state.entities[entity_key]["honorific_prefix"]:
            state.entities[entity_key]["honorific_prefix"] = candidate.honorific
        return entity_key
    options = state.by_surname.get(_surname_key(span.text), []) or state.by_given.get(key, [])
    clue = honorific_gender or (_clause_gender(span) if len(options) > 1 else "")
    options = [
        option for option in options if not clue or state.entities[option]["gender"] in ("", clue)
    ]
    if options:
        # A surname keeps designating whom it designated before: a namesake brought in
        # later ("Ivanka Trump") is written in full, and "Trump" is still Donald Trump.
        surname = _surname_key(span.text)
        owner = state.surname_owners.get(surname)
        if owner not in options:  # the most mentioned, else the most recent
            owner = max(
                options,
                key=lambda o: (
                    state.mention_count[o],
                    state.recent_people.index(o) if o in state.recent_people else -1,
                ),
            )
            state.surname_owners[surname] = owner
        return owner
    entity_key = state.by_name.get(key, "")
    if entity_key and state.entities[entity_key]["gender"] in ("", honorific_gender or ""):
        return entity_key
    entity_key = state.new_entity(
        "person", span.text, honorific_prefix=candidate.honorific, gender=honorific_gender
    )
    state.by_name[key] = entity_key
    state.by_surname.setdefault(_surname_key(span.text), []).append(entity_key)
    return entity_key


def _clause_gender(span: Span) -> str:
    """The gender of the possessive pronouns in the clause a subject name governs, before
    any other name ("Clinton allowed her staff ...", not "Trump attacked Clinton over her
    ..."), when they all agree: a namesake of the other gender is not meant."""
    head = span.root
    if head.dep_ not in SUBJECT_DEPS:
        return ""
    genders = set()
    for token in head.head.subtree:
        if token.i < span.end:
            continue
        if token.pos_ == "PROPN" or token.lower_ in SUBJECT_PRONOUNS:
            break
        if token.dep_ == "poss" and token.lower_ in POSSESSIVE_PRONOUNS:
            genders.add(gender_words()[token.lower_])
    return genders.pop() if len(genders) == 1 else ""


def _full_name_with_tail(state: _State, key: str) -> str:
    """The person the document named in full whose name ends with ``key`` ("Guajardo
    Villarreal" after "Ildefonso Guajardo Villarreal"), the most mentioned if several."""
    if key.split()[0] in given_names():
        return ""  # "Hillary Clinton" is a name of its own, not the tail of a longer one
    owners = [
        entity_key
        for name_key_, entity_key in state.by_name.items()
        if state.entities[entity_key]["kind"] == "person" and key in _name_tails(name_key_)
    ]
    return max(owners, key=lambda o: state.mention_count[o], default="")


# ------------------------------------------------------------------------------ organisations


def _acronym(name: str) -> str:
    """ "United Nations" -> "UN": initials of a name of capitalised words, else ""."""
    words = [
        w for w in re.findall(r"[\w’'-]+", name.replace(".", "")) if w.lower() not in ACRONYM_SKIP
    ]
    if len(words) < 3 or not all(w[:1].isupper() for w in words):
        return ""
    return "".join(w[0] for w in words).upper()


def _organisation(state: _State, name: str, classification: str, aliases: list[str]) -> str:
    """The document's entity for an organisation name, by its name or any alias."""
    keys = [fold_name(name), *(fold_name(alias) for alias in aliases)]
    entity_key = next((state.by_name[k] for k in keys if k in state.by_name), "")
    if not entity_key:
        entity_key = state.new_entity("organisation", name, classification=classification)
    entity = state.entities[entity_key]
    for alias in aliases:
        if fold_name(alias) != fold_name(entity["name"]) and alias not in entity["aliases"]:
            entity["aliases"].append(alias)
    for key in keys:
        state.by_name.setdefault(key, entity_key)
    return entity_key


def _resolve_organisation(state: _State, candidate: _Candidate) -> str:
    """A state, an organisation, or "" for a place (a city, region or US state)."""
    span, text = candidate.span, candidate.name or candidate.span.text
    country = states().get(fold_name(text))
    if candidate.label == "NORP":
        demonym = demonyms().get(document_name_key(text))
        country = states().get(fold_name(demonym)) if demonym else None
        if country is None and demonym:
            return _organisation(state, demonym, "state", [])
    if country is not None:
        written = [text] if fold_name(text) != fold_name(country.name) else []
        return _organisation(state, country.name, "state", written)
    known = organisation_aliases().get(fold_name(text))
    if known is not None:  # "FBI", "F.B.I.": the name the lexicon gives, the form written
        written = [text] if fold_name(text) != fold_name(known[0]) else []
        return _organisation(state, known[0], candidate.classification, written)
    if (
        candidate.label in {"GPE", "LOC", "FAC", "NORP"}
        or fold_name(text) in state.places
        or _is_dateline(span)
    ):
        state.places.update(fold_name(name) for name in [text, *_parenthesised(span)])
        return ""
    aliases = []
    if re.fullmatch(r"(?:[A-Z]\.){2,}[A-Z]?", text):  # "F.B.I." is "FBI"
        aliases.append(text.replace(".", ""))
    acronym = _acronym(text)
    if acronym and re.search(rf"\b{acronym}\b", doc_text(span.doc)):
        # only an acronym the document writes: a computed one ("CPD") names other bodies too
        aliases.append(acronym)
    aliases.extend(_parenthesised(span))
    return _organisation(state, text, candidate.classification, aliases)


def _is_dateline(span: Span) -> bool:
    """ "CONCORD, N.H. (AP) —", "ERBIL, Iraq —": a capitalised place opening a paragraph,
    followed by a comma and, within a few words, an agency credit in brackets or a dash.
    The tagger often calls such a place an organisation."""
    doc = span.doc
    opens_paragraph = span.start == 0 or "\n" in doc[span.start - 1].text_with_ws
    if not (opens_paragraph and span.text.isupper()):
        return False
    following = doc[span.end : span.end + 8]
    if not following or following[0].text != ",":
        return False
    return any(token.text in {"(", "—", "–", "--", "-"} for token in following[1:])


def _parenthesised(span: Span) -> list[str]:
    """ "the Kurdistan Region (KRI)": the acronym names the same actor or place."""
    doc, end = span.doc, span.end
    if (
        end + 2 < len(doc)
        and doc[end].text == "("
        and doc[end + 2].text == ")"
        and doc[end + 1].is_upper
        and len(doc[end + 1].text) >= 2
    ):
        return [doc[end + 1].text]
    return []


# ------------------------------------------------------------------------------ reading order


def _note_main_subject(state: _State, key: str, token: Token) -> None:
    """Remember the person who is the subject of a sentence's main verb ("Earnest said
    that Obama ..."): the one a following "he said" most often continues."""
    if token.dep_ in SUBJECT_DEPS and token.head.dep_ == "ROOT":
        state.main_subject = (key, token.sent.start)


def _pronoun_target(state: _State, gender: str, token: Token | None = None) -> str | None:
    """The main-clause subject of this sentence or the one before when the gender agrees,
    else the most recent person of that gender in subject position, else mentioned."""
    if token is not None and state.main_subject is not None:
        key, sentence_start = state.main_subject
        sentence = token.sent
        earliest = token.doc[sentence.start - 1].sent.start if sentence.start > 0 else 0
        if sentence_start >= earliest and state.entities[key]["gender"] in ("", gender):
            return key
    if token is not None:
        near = _named_nearby(state, gender, token) or _named_just_before(state, gender, token)
        if near:
            return near
    for recent in (state.recent_subjects, state.recent_people):
        for key in reversed(recent):
            if state.entities[key]["gender"] in ("", gender):
                return key
    return None


def _named_nearby(state: _State, gender: str, token: Token) -> str:
    """With no main-clause subject to continue, the person of that gender last named
    outside quotation marks earlier in this sentence ("Democrats seized upon Mr. Trump's
    appearance, in which he said"), before a subject of earlier sentences."""
    earliest = token.sent.start_char
    for mention in reversed(state.mentions):
        if mention.start >= token.idx or mention.label != "PERSON" or mention.key is None:
            continue
        if mention.start < earliest:
            break
        if _quoted(state, mention.start):
            continue
        entity = state.entities[mention.key]
        if entity["kind"] == "person" and entity["gender"] == gender:  # known to agree
            return mention.key
    return ""


def _named_just_before(state: _State, gender: str, token: Token) -> str:
    """The one person of that gender named outside quotation marks in the sentence before,
    when that sentence has no named subject and no pronoun to continue ("It has become an
    issue, with Hillary Clinton lambasting the plan. 'It is trickle-down,' she said"): a
    nearer antecedent than a subject further back."""
    sentence = token.sent
    if sentence.start == 0:
        return ""
    previous = token.doc[sentence.start - 1].sent
    mentions = [
        mention
        for mention in state.mentions
        if previous.start_char <= mention.start < previous.end_char
        and not _quoted(state, mention.start)
    ]
    for mention in mentions:  # a subject or a pronoun there: the usual rules decide
        first = token.doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if mention.label == "PRON" or (first is not None and first.root.dep_ in SUBJECT_DEPS):
            return ""
    found = {
        mention.key
        for mention in mentions
        if mention.label == "PERSON"
        and mention.key is not None
        and state.entities[mention.key]["kind"] == "person"
        and state.entities[mention.key]["gender"] == gender
    }
    return found.pop() if len(found) == 1 else ""


def _quoted(state: _State, position: int) -> bool:
    return any(start <= position < end for start, end in state.quotations)


def quotation_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges between paired quotation marks, curly or straight, inside one
    paragraph: names quoted are the speaker's subject, not the speaker."""
    ranges = []
    offset = 0
    for paragraph in text.split("\n"):
        # straight marks pair only when they are even: a lone one opens a quoted paragraph
        pairs = [("“", "”")] + ([('"', '"')] if paragraph.count('"') % 2 == 0 else [])
        for opening, closing in pairs:
            opened = None
            for index, char in enumerate(paragraph):
                if char == opening and opened is None:
                    opened = index
                elif char == closing and opened is not None:
                    ranges.append((offset + opened, offset + index))
                    opened = None
        offset += len(paragraph) + 1
    return ranges


def _description_target(state: _State, noun: Token) -> str | None:
    """The actor a "the NOUN" subject describes: the latest person given that title, the
    one organisation whose name ends with the noun (or of the noun's kind: "the newspaper"),
    else, for a person noun, the document's protagonist when one stands out."""
    word = noun.lemma_.lower()
    if description_nouns().get(word) == "organisation" or word in org_heads():
        return _organisation_described(state, word, noun)  # "the campaign": not its chairman
    names, parties = _description_modifiers(state, noun)
    for key in reversed(state.recent_people):
        if word in state.titles[key] and _fits_modifiers(state, key, names, parties):
            return key
    if word in word_list("candidate_nouns"):
        running = _campaign_namesake(state, names, parties)
        if running:
            return running
    if word in continuing_nouns():
        continued = _continued_subject(state, noun, names, parties)
        if continued:
            return continued
    protagonist = _protagonist(state, gender_words().get(word, ""))
    person_nouns = {noun for noun, kind in description_nouns().items() if kind == "person"}
    if protagonist and state.titles[protagonist] & (person_nouns | role_heads()) - {word}:
        return None  # "the nominee" is not the protagonist the document calls a judge
    if protagonist and not _fits_modifiers(state, protagonist, names, parties):
        return None
    return protagonist


def _continued_subject(state: _State, noun: Token, names: set[str], parties: set[str]) -> str:
    """The person "the NOUN" continues when no one holds the title: the main-clause subject
    of this sentence or the one before, else the latest person subject, when the
    description's gender, titled modifiers and party fit and the person is not known by a
    role that brings in someone else ("the nominee" is not the judge just quoted)."""
    gender = gender_words().get(noun.lemma_.lower(), "")
    candidates = []
    if state.main_subject is not None:
        key, sentence_start = state.main_subject
        sentence = noun.sent
        earliest = noun.doc[sentence.start - 1].sent.start if sentence.start > 0 else 0
        if sentence_start >= earliest:
            candidates.append(key)
    candidates += state.recent_subjects[-1:]
    person_nouns = {word for word, kind in description_nouns().items() if kind == "person"}
    for key in candidates:
        entity = state.entities[key]
        roles = state.titles[key] & (person_nouns | role_heads())
        if (
            entity["kind"] == "person"
            and entity["gender"] in ("", gender or entity["gender"])
            and roles <= continuing_nouns()
            and _fits_modifiers(state, key, names, parties)
        ):
            return key
    return ""


def _campaign_namesake(state: _State, names: set[str], parties: set[str]) -> str:
    """ "The GOP candidate" in a story about the Trump campaign: the one person a campaign
    of the document is named after, the one the bare surname designates."""
    people = set()
    for entity in state.entities.values():
        words = document_name_key(entity["name"]).split()
        if entity["kind"] == "organisation" and words[1:] == ["campaign"]:
            owners = state.by_surname.get(words[0], [])
            owner = state.surname_owners.get(words[0]) or (owners[0] if len(owners) == 1 else "")
            if owner and state.entities[owner]["kind"] == "person":
                people.add(owner)
    people = {key for key in people if _fits_modifiers(state, key, names, parties)}
    return people.pop() if len(people) == 1 else ""


def _description_modifiers(state: _State, noun: Token) -> tuple[set[str], set[str]]:
    """The capitalised modifiers of a description ("the Democratic nominee", "the Indiana
    governor") that the document gave someone as a title, and its party words."""
    words = _with_synonyms(
        {
            child.lemma_.lower()
            for child in noun.children
            if child.dep_ in {"amod", "compound"} and child.text[:1].isupper()
        }
    )
    given = set().union(*state.titles.values()) if state.titles else set()
    parties = word_list("party_words")
    if noun.lower_ in parties:  # "the Republican": the noun is the party
        words |= _with_synonyms({noun.lower_})
    return words & given - {noun.lower_}, words & parties


def _fits_modifiers(state: _State, key: str, names: set[str], parties: set[str]) -> bool:
    """The person has the description's titled modifiers and no other party (the
    Republican nominee is not "the Democratic nominee")."""
    titles = state.titles[key]
    other_parties = (titles & word_list("party_words")) - parties
    return names <= titles and not (parties and other_parties)


def _organisation_described(state: _State, word: str, noun: Token) -> str | None:
    """The organisation "the NOUN" describes: one whose name ends with the noun ("the fund"),
    else holds it ("the commission": the Commission on Presidential Debates), else is of the
    noun's kind ("the newspaper"); of several that fit equally (two campaigns), the one
    named or whose namesake was named last in this sentence or the one before."""
    organisations = [
        entity for entity in state.entities.values() if entity["kind"] == "organisation"
    ]
    for level in range(3):
        found = [entity for entity in organisations if organisation_fits(entity, word, level)]
        if len(found) > 1:
            return _latest_named(state, [entity["key"] for entity in found], noun)
        if found:
            return found[0]["key"]
    return None


def _latest_named(state: _State, keys: list[str], noun: Token) -> str | None:
    """Of these organisations, the only one named, by its own name or by the person it is
    named after ("Clinton" for the Clinton campaign), in this sentence or the one before."""
    sentence = noun.sent
    earliest = noun.doc[sentence.start - 1].sent.start_char if sentence.start else 0
    namesakes: dict[str, str] = {}
    for key in keys:
        words = document_name_key(state.entities[key]["name"]).split()
        if len(words) == 2 and words[1] in PERSONAL_BODIES:
            for person in state.by_surname.get(words[0], []):
                namesakes[person] = key
    named = {
        namesakes.get(mention.key, mention.key)
        for mention in state.mentions
        if earliest <= mention.start < noun.idx and mention.label not in {"PRON", "DESC"}
    } & set(keys)
    return named.pop() if len(named) == 1 else None


def organisation_fits(entity: EntityData, word: str, level: int | None = None) -> bool:
    """Whether "the WORD" can describe this organisation (a state or place never): its name
    ends with the word (level 0), holds it or a name word it describes ("the union": the
    United Mine Workers) (1), or it is of the word's kind (2); any level when none is given."""
    if entity["kind"] != "organisation" or entity["classification"] == "state":
        return False
    words = document_name_key(entity["name"]).split()
    heads = org_heads()
    tests = (
        words[-1:] == [word],
        word in words or bool(organisation_name_words().get(word, frozenset()) & set(words)),
        word in heads and entity["classification"] == heads[word],
    )
    return any(tests) if level is None else tests[level]


def _protagonist(state: _State, gender: str) -> str | None:
    """The person mentioned at least twice as often as any other so far (of the gender)."""
    counts = sorted(
        (
            (count, key)
            for key, count in state.mention_count.items()
            if state.entities[key]["gender"] in ("", gender or state.entities[key]["gender"])
        ),
        reverse=True,
    )
    if counts and counts[0][0] >= 2 and (len(counts) == 1 or counts[0][0] >= 2 * counts[1][0]):
        return counts[0][1]
    return None


def _is_description(token: Token, nouns: frozenset[str]) -> bool:
    if token.dep_ not in SUBJECT_DEPS or not any(c.lower_ == "the" for c in token.children):
        return False
    if token.pos_ == "NOUN" and token.tag_ == "NN" and token.lemma_.lower() in nouns:
        return True
    # "The Republican said": a party word standing alone for one of its people
    return token.lower_ in word_list("party_words") & continuing_nouns()


def _with_synonyms(words: set[str]) -> set[str]:
    """Title words with the description nouns they answer to ("gov." -> "governor")."""
    synonyms = title_synonyms()
    found = set()
    for word in words:
        folded = word.rstrip(".")
        found |= {word, folded, *synonyms.get(folded, ())}
    return found


def _read_name(state: _State, candidate: _Candidate) -> None:
    span = candidate.span
    entity_key = ""
    if candidate.label == "PERSON":
        entity_key = _resolve_person(state, candidate)
        head = span.root
        subject = head.dep_ in SUBJECT_DEPS or (head.dep_ == "pobj" and head.head.lower_ == "by")
        if _quoted(state, span.start_char):  # "if Donald Trump is elected," he said
            subject = False
        words, named_noun = _apposition_titles(span)
        words |= _titles_before(span) | set(document_name_key(candidate.honorific).split())
        state.titles[entity_key] |= _with_synonyms(words)
        genders = {gender_words()[word] for word in words if word in gender_words()}
        if len(genders) == 1:  # "9/11 widow Terry Strada": the title outweighs the given name
            state.entities[entity_key]["gender"] = genders.pop()
        if named_noun is not None:
            state.token_keys[named_noun.i] = entity_key
            subject = subject or named_noun.dep_ in SUBJECT_DEPS
        state.seen_person(entity_key, subject)
        if not _quoted(state, span.start_char):
            _note_main_subject(state, entity_key, named_noun if named_noun is not None else head)
    elif candidate.label in {"ORG", "GPE", "LOC", "FAC", "NORP"}:
        entity_key = _resolve_organisation(state, candidate)
        is_state = entity_key and state.entities[entity_key]["classification"] == "state"
        if span.root.dep_ in SUBJECT_DEPS:  # a state or place as subject: "it" is unclear
            subject = (entity_key, span.root.sent.start) if entity_key and not is_state else None
            state.organisation_subject = subject
    if entity_key:
        state.entities[entity_key]["mentions"].append([span.start_char, span.end_char])
        for token in span:
            state.token_keys[token.i] = entity_key
    state.mentions.append(
        MentionData(span.start_char, span.end_char, candidate.label, entity_key or None)
    )


def _is_pronoun(token: Token) -> bool:
    """He/she as a subject, his/her as a possessive, it as the subject of a speech verb
    ("it said": an organisation; "it" of other verbs is mostly a thing)."""
    if token.lower_ in SUBJECT_PRONOUNS:
        return token.dep_ in SUBJECT_DEPS
    if token.lower_ in POSSESSIVE_PRONOUNS:
        return token.dep_ == "poss"
    if token.lower_ == "it" and token.dep_ in SUBJECT_DEPS and token.head.pos_ == "VERB":
        cue = cue_lexicon().get((token.head.lemma_.lower(), "verb"))
        return cue is not None and cue.cue_class in SPEAKING_CLASSES
    return False


def _latest_organisation(state: _State, token: Token) -> str | None:
    """The organisation (not a state) last read as a subject, in this sentence or the one
    before: "it" further away or after a country is too often something else."""
    if state.organisation_subject is None:
        return None
    key, sentence_start = state.organisation_subject
    sentence = token.sent
    previous_start = sentence.start - 1 if sentence.start > 0 else 0
    earliest = token.doc[previous_start].sent.start
    return key if sentence_start >= earliest else None


def _read_token(state: _State, token: Token, nouns: frozenset[str]) -> None:
    if token.lower_ == "it":
        target = _latest_organisation(state, token)
        label = "PRON"
    elif token.lower_ in SUBJECT_PRONOUNS or token.lower_ in POSSESSIVE_PRONOUNS:
        gender = gender_words()[token.lower_]
        target = _pronoun_target(state, gender, token)
        if (
            target
            and not state.entities[target]["gender"]
            and len(document_name_key(state.entities[target]["name"]).split()) == 1
        ):
            state.entities[target]["gender"] = gender  # "Clinton ... she said"
        label = "PRON"
    else:
        target = _description_target(state, token)
        label = "DESC"
    end = token.idx + len(token.text)
    state.mentions.append(MentionData(token.idx, end, label, target))
    if target:
        state.token_keys[token.i] = target
        if label == "DESC" and state.entities[target]["kind"] == "person":
            state.seen_person(target, True)
        if state.entities[target]["kind"] == "person":
            _note_main_subject(state, target, token)


def resolve_entities(doc: Doc) -> tuple[list[EntityData], list[MentionData], list[list[int]]]:
    state = _State(quotations=quotation_ranges(doc_text(doc)))
    nouns = frozenset(description_nouns()) | role_heads()
    candidates = _harmonise(doc, _candidates(doc))
    named = {token.i for candidate in candidates for token in candidate.span}
    columns = doc_columns(doc)
    tokens = [
        token
        for token in (
            doc[index]
            for index, dep in enumerate(columns.dep)
            # what both tests below need at the least, read without making a Token
            if (dep in SUBJECT_DEPS or columns.lower[index] in POSSESSIVE_PRONOUNS)
            and index not in named
        )
        if _is_pronoun(token) or _is_description(token, nouns)
    ]
    events: list[tuple[int, _Candidate | Token]] = [(c.span.start, c) for c in candidates]
    events += [(token.i, token) for token in tokens]
    events.sort(key=lambda event: event[0])
    for _, item in events:
        if isinstance(item, _Candidate):
            _read_name(state, item)
        elif item.i not in state.token_keys:
            _read_token(state, item, nouns)
    _authors_of_works(doc, state)
    _headline_names(doc, state)
    _descriptions_named_later(doc, state)
    _merge_early_surnames(state)
    state.mentions.sort(key=lambda mention: mention.start)
    token_keys = [[index, key] for index, key in sorted(state.token_keys.items())]
    return list(state.entities.values()), state.mentions, token_keys


def _headline_names(doc: Doc, state: _State) -> None:
    """Names in headline lines create no actor ("Obama Says ..."), but one the body names
    is that actor: the whole name, else a surname of the body's people (the most
    mentioned namesake)."""
    for start, end in headline_lines(doc_text(doc)):
        for ent in doc.char_span(start, end, alignment_mode="expand").ents:
            key = state.by_name.get(document_name_key(ent.text)) or state.by_name.get(
                fold_name(ent.text)
            )
            for token in ent:
                owners = state.by_surname.get(document_name_key(token.text), [])
                target = key or max(owners, key=lambda o: state.mention_count[o], default="")
                if target and token.i not in state.token_keys:
                    state.token_keys[token.i] = target


def _descriptions_named_later(doc: Doc, state: _State) -> None:
    """A title line or a story's lead describes before it names ("Judge rejects
    request", "A New York judge has rejected ... Justice Frank Nervo rejected"): such a
    description subject is the one person the whole document gives that title."""
    opening = [(sentence.start_char, sentence.end_char) for sentence in list(doc.sents)[:2]]
    ranges = [*headline_lines(doc_text(doc)), *opening]  # the title and the lead
    nouns = {word for word, kind in description_nouns().items() if kind == "person"}
    columns = doc_columns(doc)
    described: dict[str, str] = {}
    for index, char in enumerate(columns.idx):
        if index in state.token_keys or not _in_ranges(char, ranges):
            continue
        token = doc[index]
        word = token.lemma_.lower()
        if token.dep_ not in SUBJECT_DEPS or word not in nouns | role_heads():
            continue
        determiners = {child.lower_ for child in token.children if child.dep_ == "det"}
        if token.tag_ not in {"NN", "NNP"} or determiners - {"a", "an"}:
            continue  # one person ("certain officials" are not); "the judge" was read already
        introduced = _named_next(state, token) if determiners & {"a", "an"} else ""
        if introduced:  # "A former party chairman says ... '...,' said Don Fowler"
            state.token_keys[token.i] = described[word] = introduced
            continue
        names, parties = _description_modifiers(state, token)
        holders = [
            key
            for key, entity in state.entities.items()
            if entity["kind"] == "person"
            and word in state.titles[key]
            and _fits_modifiers(state, key, names, parties)
        ]
        if len(holders) == 1:
            state.token_keys[token.i] = holders[0]
    _descriptions_of_the_lead(doc, state, ranges, described)


def _named_next(state: _State, token: Token) -> str:
    """The person a lead's indefinite description introduces ("A former party chairman
    says ... '...,' said Don Fowler"): the one person the next sentence, a quotation,
    names for the first time as the subject of a speech verb."""
    sentence = token.sent
    if sentence.end >= len(token.doc):
        return ""
    following = token.doc[sentence.end].sent
    if not any(following.start_char <= start < following.end_char for start, _ in state.quotations):
        return ""  # the lead, then the quotation and who said it
    found = set()
    for mention in state.mentions:
        if not following.start_char <= mention.start < following.end_char:
            continue
        if mention.label != "PERSON" or mention.key is None:
            continue
        entity = state.entities[mention.key]
        first = min((start for start, _end in entity["mentions"]), default=mention.start)
        name = token.doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if (
            entity["kind"] == "person"
            and first >= following.start_char
            and name is not None
            and name.root.dep_ in SUBJECT_DEPS
            and _speech_verb(name.root.head)
        ):
            found.add(mention.key)
    return found.pop() if len(found) == 1 else ""


def _speech_verb(token: Token) -> bool:
    cue = cue_lexicon().get((token.lemma_.lower(), "verb"))
    return token.pos_ == "VERB" and cue is not None and cue.cue_class in SPEAKING_CLASSES


def _descriptions_of_the_lead(
    doc: Doc, state: _State, ranges: list[tuple[int, int]], described: dict[str, str]
) -> None:
    """The title line's and the lead's descriptions still unresolved: a person noun the
    lead introduced (``_named_next``) is that person in the title line too, an
    organisation noun ("A union representing flight attendants endorsed") the one
    organisation of the document that fits it."""
    for index, char in enumerate(doc_columns(doc).idx):
        if index in state.token_keys or not _in_ranges(char, ranges):
            continue
        token = doc[index]
        if token.dep_ not in SUBJECT_DEPS or token.tag_ not in {"NN", "NNP"}:
            continue
        word = token.lemma_.lower()
        if {child.lower_ for child in token.children if child.dep_ == "det"} - {"a", "an"}:
            continue
        if described.get(word):
            state.token_keys[token.i] = described[word]
        elif description_nouns().get(word) == "organisation" or word in org_heads():
            fitting = {
                key for key, entity in state.entities.items() if organisation_fits(entity, word)
            }
            if len(fitting) == 1:
                state.token_keys[token.i] = fitting.pop()


def _in_ranges(position: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in ranges)


def _authors_of_works(doc: Doc, state: _State) -> None:
    """A work as subject ("the IMF report", "Ivana Trump's brief", "a web video by the
    Republican National Committee", "her account") stands for its author: the actor the
    phrase names as owner, modifier or agent."""
    works = word_list("authored_works")
    columns = doc_columns(doc)
    for index, lemma in enumerate(columns.lemma_lower):
        if index in state.token_keys or lemma not in works:
            continue
        if columns.dep[index] not in SUBJECT_DEPS or columns.pos[index] != "NOUN":
            continue
        token = doc[index]
        owners = [c for c in token.children if c.dep_ in {"poss", "compound"}]
        for prep in token.children:
            if prep.dep_ == "prep" and prep.lower_ in {"by", "from"}:
                owners += [c for c in prep.children if c.dep_ == "pobj"]
            elif prep.dep_ == "acl":  # "a report released by the agency"
                for agent in prep.children:
                    if agent.dep_ == "agent":
                        owners += [c for c in agent.children if c.dep_ == "pobj"]
        keys = [state.token_keys[o.i] for o in owners if o.i in state.token_keys]
        if keys:
            state.token_keys[token.i] = keys[0]


def _merge_early_surnames(state: _State) -> None:
    """A surname read before the full name ("Scott ... Bobby Scott") is the person of that
    surname (and gender) the document names in full, the most mentioned one if several."""
    merged: dict[str, str] = {}
    for key, entity in state.entities.items():
        words = document_name_key(entity["name"]).split()
        if entity["kind"] != "person" or not words:
            continue
        gender = entity["gender"]
        full = {
            other
            for other in state.by_surname.get(_surname_key(entity["name"]), [])
            if other in state.entities
            and (
                (
                    len(words) == 1
                    and len(document_name_key(state.entities[other]["name"]).split()) > 1
                )
                or " ".join(words) in _name_tails(document_name_key(state.entities[other]["name"]))
            )
            and state.entities[other]["gender"] in ("", gender or state.entities[other]["gender"])
        }
        ranked = sorted(full, key=lambda o: -len(state.entities[o]["mentions"]))
        if len(ranked) == 1 or (
            ranked
            and len(state.entities[ranked[0]]["mentions"])
            > len(state.entities[ranked[1]]["mentions"])
        ):
            merged[key] = ranked[0]
    if not merged:
        return
    for key, target in merged.items():
        state.entities[target]["mentions"].extend(state.entities.pop(key)["mentions"])
        state.entities[target]["mentions"].sort()
    state.token_keys = {i: merged.get(k, k) for i, k in state.token_keys.items()}
    state.mentions = [
        m._replace(key=merged.get(m.key, m.key)) if m.key else m for m in state.mentions
    ]
