"""Stage 2b: speakers the attribution stages left without an actor.

The learned taggers choose source spans that coreference, reading names and subjects
before any statement exists, never saw as mentions. After them this stage resolves what
the document itself settles and nothing more:

* a name spaCy did not tag, in any case ("Trump predicts ...", "TAPPER:"), to the actor
  of that full name, alias or surname (one owner only);
* a relative pronoun ("Beck, who has said ...") to the actor its clause hangs from;
* a work or a title line that names one actor and no other ("a Washington Post
  database", "Obama on Climate Change") to that actor;
* "the newspaper", "the union" to the organisation of that name or kind, the one just
  named when several fit (none when two were);
* a transcript line with no speaker ("WALLACE: Let's start ...") to the label, which
  leaves the content.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from statements.nlp.components.coreference import (
    SUBJECT_DEPS,
    EntityData,
    document_name_key,
    headline_lines,
    organisation_fits,
)
from statements.nlp.components.extensions import StatementData, doc_text, register_extensions
from statements.nlp.lexicons import description_nouns, honorifics, org_heads, word_list

RELATIVE_PRONOUNS = {"who", "which", "that"}
PLACE_TYPES = {"GPE", "LOC", "FAC", "NORP"}
PHRASE_BREAKS = {"(", ")", "—", "–", "--", ":"}  # never inside one noun phrase
# "WALLACE: Let's start" at a line's start: a transcript's speaker label (one to four words)
OPENING_QUOTES = '"“ '
TRANSCRIPT_LABEL_RE = re.compile(r"([A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}):[ \t]+")


@Language.factory(
    "kb_speakers",
    requires=["doc._.kb_entities", "doc._.kb_statements"],
    assigns=["doc._.kb_statements"],
)
def make_speakers(nlp: Language, name: str) -> SpeakerResolver:
    return SpeakerResolver()


class SpeakerResolver:
    """Fills ``speaker_key`` (and, for transcript lines, the speaker span) of statements."""

    def __init__(self) -> None:
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        doc._.kb_statements = resolve_speakers(doc)
        return doc


class _Actors:
    """The document's actors by full name, alias and surname, and its keyed tokens."""

    def __init__(self, doc: Doc) -> None:
        self.entities: dict[str, EntityData] = {e["key"]: e for e in doc._.kb_entities or []}
        self.token_keys = {index: key for index, key in (doc._.kb_token_keys or [])}
        self.mentions = sorted(
            (start, key) for start, _end, _label, key in (doc._.kb_mentions or []) if key
        )
        self.by_name: dict[str, set[str]] = {}
        self.by_surname: dict[str, set[str]] = {}
        for key, entity in self.entities.items():
            for name in (entity["name"], *entity["aliases"]):
                self.by_name.setdefault(document_name_key(name), set()).add(key)
            words = document_name_key(entity["name"]).split()
            if entity["kind"] == "person" and len(words) > 1:
                self.by_surname.setdefault(words[-1], set()).add(key)

    def named(self, words: list[str], people_only: bool = False) -> str:
        """The one actor these words name: a person by full name or surname before an
        organisation by name or alias (spaCy often takes a lone surname for an
        organisation)."""
        name = " ".join(words)
        owners = self.by_name.get(name, set())
        people = {key for key in owners if self.entities[key]["kind"] == "person"}
        organisations = set() if people_only else owners
        for found in (people, self.by_surname.get(name, set()), organisations):
            if found:
                return next(iter(found)) if len(found) == 1 else ""
        return ""

    def short_form(self, words: list[str]) -> str:
        """The one organisation of the document whose longer name begins with these words
        ("Peabody" for Peabody Energy)."""
        found = {
            key
            for key, entity in self.entities.items()
            if entity["kind"] == "organisation"
            and entity["classification"] != "state"
            and len(document_name_key(entity["name"]).split()) > len(words)
            and document_name_key(entity["name"]).split()[: len(words)] == words
        }
        return found.pop() if len(found) == 1 else ""

    def mentioned_between(self, start: int, end: int, keys: set[str]) -> set[str]:
        """Of these actors, those mentioned from ``start`` up to ``end``."""
        return {key for position, key in self.mentions if start <= position < end and key in keys}


def resolve_speakers(doc: Doc) -> list[StatementData]:
    statements = doc._.kb_statements or []
    if not statements:
        return statements
    actors = _Actors(doc)
    text = doc_text(doc)
    resolved = []
    for statement in statements:
        if statement["speaker_start"] is None:
            statement = _transcript_speaker(text, statement, actors)
        elif not statement["speaker_key"]:
            span = doc.char_span(
                statement["speaker_start"], statement["speaker_end"], alignment_mode="expand"
            )
            if span is not None and len(span):
                statement = {**statement, "speaker_key": _span_actor(span, actors)}
        resolved.append(statement)
    return resolved


def _span_actor(span: Span, actors: _Actors) -> str:
    if len(span) == 1 and span[0].lower_ in RELATIVE_PRONOUNS:
        return _antecedent(span[0], actors)
    words = _name_words(span)
    key = actors.named(words) or _organisation_described(span, actors)
    if not key and words and span.root.ent_type_ not in PLACE_TYPES:
        key = actors.short_form(words)  # not "Washington" for the Washington Post
    return key or _one_actor_inside(span, actors, headline_lines(doc_text(span.doc)))


def _one_actor_inside(span: Span, actors: _Actors, headlines: tuple[tuple[int, int], ...]) -> str:
    """A title line naming one actor and no other ("Obama on Climate Change") is that
    actor's, and so is a work the phrase names one actor's ("a Washington Post
    database"); an owner is not ("Pagliano's lawyer"), nor a body that only modifies a
    person ("the GOP nominee")."""
    in_headline = any(start <= span.start_char < end for start, end in headlines)
    if not in_headline and span.root.lemma_.lower() not in word_list("authored_works"):
        return ""
    if any(token.dep_ in {"poss", "case"} or token.text in PHRASE_BREAKS for token in span):
        return ""  # nor a phrase over a dateline: "CONCORD, N.H. (AP) — Report"
    keys = {actors.token_keys[token.i] for token in span if token.i in actors.token_keys}
    return keys.pop() if len(keys) == 1 and not _name_runs_on(span, actors) else ""


def _name_runs_on(span: Span, actors: _Actors) -> bool:
    """Whether a name word beside the actor's words is not the actor's: "USA TODAY" is not
    the United States its first word was read as."""
    keyed = {index for index in actors.token_keys if span.start <= index < span.end}
    return any(
        token.i not in keyed
        and token.pos_ in {"PROPN", "NOUN", "ADJ"}
        and token.text[:1].isupper()
        and {token.i - 1, token.i + 1} & keyed
        for token in span
    )


def _name_words(span: Span) -> list[str]:
    """The words of a speaker span that is a name, without honorifics; none for a phrase
    that is not capitalised throughout ("views", "a spokesman")."""
    titles = honorifics()
    words = [
        token
        for token in span
        if not token.is_punct and token.lower_ not in {"'s", "’s"} and token.lower_ != "the"
    ]
    if not words or any(not token.text[:1].isupper() for token in words):
        return []
    while words and document_name_key(words[0].text) in titles:
        words = words[1:]
    return document_name_key(" ".join(token.text for token in words)).split()


def _antecedent(pronoun: Token, actors: _Actors) -> str:
    """ "X, who said ...": the relative clause hangs from X (or from X's apposition)."""
    if pronoun.dep_ not in SUBJECT_DEPS or pronoun.head.dep_ != "relcl":
        return ""
    noun = pronoun.head.head
    for candidate in (noun, noun.head if noun.dep_ == "appos" else None):
        if candidate is not None and candidate.i in actors.token_keys:
            return actors.token_keys[candidate.i]
    return ""


def _organisation_described(span: Span, actors: _Actors) -> str:
    """ "The newspaper", "the union": of the organisations whose name or kind fits the noun,
    a name that fits before a kind that does; of several, the only one named in this
    sentence or the one before."""
    root = span.root
    word = root.lemma_.lower()
    if root.pos_ != "NOUN" or not any(child.lower_ == "the" for child in root.children):
        return ""
    if description_nouns().get(word) != "organisation" and word not in org_heads():
        return ""
    generic = org_heads().get(word) == "organisation"  # "the union": of no telling kind
    for level in (0, 1) if generic else (0, 1, 2):
        fitting = {
            key for key, entity in actors.entities.items() if organisation_fits(entity, word, level)
        }
        if len(fitting) == 1:
            return fitting.pop()
        if fitting:  # two campaigns: only the one just named, if only one was, is meant
            sentence = span.sent
            recent = span.doc[sentence.start - 1].sent.start_char if sentence.start else 0
            named = actors.mentioned_between(recent, span.start_char, fitting)
            return named.pop() if len(named) == 1 else ""
    return ""


def _transcript_speaker(text: str, statement: StatementData, actors: _Actors) -> StatementData:
    """A statement with no speaker whose content opens a line with "NAME:" is NAME's: a
    person of the document, never the organisation a capitalised label was taken for."""
    start = statement["content_spans"][0][0]
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(OPENING_QUOTES):  # the label must open its line
        return statement
    start += len(text[start:]) - len(text[start:].lstrip(OPENING_QUOTES))
    label = TRANSCRIPT_LABEL_RE.match(text, start)
    if label is None or label.end() >= statement["content_spans"][0][1]:
        return statement
    spans = [[label.end(), statement["content_spans"][0][1]], *statement["content_spans"][1:]]
    return {
        **statement,
        "content_spans": spans,
        "speaker_start": label.start(1),
        "speaker_end": label.end(1),
        "speaker_key": actors.named(document_name_key(label.group(1)).split(), people_only=True),
    }
