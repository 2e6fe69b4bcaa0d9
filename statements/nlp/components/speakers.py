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

A statement still without a source is dropped: the knowledge base would have nobody to
store it on, and on PolNeAR dev 2 of 18 such quotations were right (their cue a participle
or a verb whose subject no stage read: 'before asking her, "..."').
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from statements.nlp.components.attribution import subordinate_subject
from statements.nlp.components.coreference import (
    SUBJECT_DEPS,
    EntityData,
    document_name_key,
    headline_lines,
    organisation_fits,
    quotation_ranges,
)
from statements.nlp.components.extensions import StatementData, doc_text, register_extensions
from statements.nlp.lexicons import (
    cue_lexicon,
    description_nouns,
    honorifics,
    org_heads,
    word_list,
)

RELATIVE_PRONOUNS = word_list("relative_pronouns")
FIRST_PERSON = {"i"}  # an essay's author (see _essay_author)
PLACE_TYPES = {"GPE", "LOC", "FAC", "NORP"}
SPEECH_CLASSES = {"speech", "writing"}
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
    author = _essay_author(doc, actors)
    quoted = quotation_ranges(text) if author else []
    resolved = []
    for statement in statements:
        if statement["speaker_start"] is None:
            statement = _transcript_speaker(text, statement, actors)
            if statement["speaker_start"] is None:
                continue  # nobody said it, as far as the document tells
        else:
            statement = _cue_subject(doc, statement, actors)
        start, end = statement["speaker_start"], statement["speaker_end"]
        if start is not None and not statement["speaker_key"]:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None and len(span):
                key = _span_actor(span, actors)
                if not key and author and span.text.lower() in FIRST_PERSON:
                    key = "" if any(a <= start < b for a, b in quoted) else author
                statement = {**statement, "speaker_key": key}
        resolved.append(statement)
    return resolved


def _essay_author(doc: Doc, actors: _Actors) -> str:
    """The person an essay's closing line introduces ("Jane Roe is a playwright in ..."):
    the author, whose "I" outside quotation marks the essay's statements are."""
    text = doc_text(doc).rstrip()
    line = doc.char_span(text.rfind("\n") + 1, len(text), alignment_mode="expand")
    if line is None or not len(line) or line[0].i not in actors.token_keys:
        return ""
    key = actors.token_keys[line[0].i]
    if actors.entities.get(key, {}).get("kind") != "person":
        return ""
    subject = any(
        actors.token_keys.get(token.i) == key
        and token.dep_ == "nsubj"
        and token.head.lemma_ == "be"
        and token.head.i < line.start + 8
        for token in line
    )
    return key if subject else ""


def _cue_subject(doc: Doc, statement: StatementData, actors: _Actors) -> StatementData:
    """A speaker span that is not the subject of its cue verb, when that subject names an
    actor outside the content, gives way to it: "Trump tweeted that Machado was ... and
    encouraged Americans to ..." is Trump's. A passive cue ("was told by") keeps its span,
    and so does a cue whose subject is a pronoun."""
    if statement.get("cue_start") is None or statement.get("cue_end") is None:
        return statement
    cue = doc.char_span(statement["cue_start"], statement["cue_end"], alignment_mode="expand")
    if cue is None or not len(cue) or cue.root.pos_ != "VERB":
        return statement
    spans = statement["content_spans"]
    start, end = statement["speaker_start"], statement["speaker_end"]
    subject = _active_subject(cue.root)
    if subject is None or subject.i not in actors.token_keys or subject.pos_ != "PROPN":
        return statement  # a pronoun's antecedent is less sure than the taggers' span
    key = actors.token_keys[subject.i]
    first = subject.i
    while first > 0 and actors.token_keys.get(first - 1) == key and not doc[first - 1].is_punct:
        first -= 1
    name = doc[first : subject.i + 1]
    if name.start_char < end and start < name.end_char:  # the span holds the subject
        return statement if statement["speaker_key"] else {**statement, "speaker_key": key}
    if any(a <= name.start_char < b for a, b in spans):
        return statement
    return {
        **statement,
        "speaker_start": name.start_char,
        "speaker_end": name.end_char,
        "speaker_key": key,
    }


def _active_subject(verb: Token) -> Token | None:
    """The nominal subject of a verb, or of the verb it is coordinated with ("Trump tweeted
    ... and encouraged") or whose object clause it is ("refuses to explain"; not "urged
    Clinton to explain"); none for a passive verb. A cue coordinated with a copula inside a
    speech verb's complement ("Trump tweeted that Machado was a con and encouraged ...")
    belongs with the speech verb."""
    for _ in range(4):
        deps = {child.dep_: child for child in verb.children}
        if "nsubjpass" in deps or "agent" in deps:
            return None
        if "nsubj" in deps and verb.lemma_ != "be":
            return deps["nsubj"]
        if verb.lemma_ == "be" and verb.dep_ in {"ccomp", "advcl"} and _speech_verb(verb.head):
            verb = verb.head
            continue
        if verb.dep_ == "xcomp" and not any(c.dep_ == "dobj" for c in verb.head.children):
            verb = verb.head  # "refuses to explain": the subject of "refuses"
            continue
        if "nsubj" in deps or verb.dep_ != "conj" or verb.head.pos_ not in {"VERB", "AUX"}:
            return deps.get("nsubj")
        subordinate = subordinate_subject(verb)
        if subordinate is not None:
            return subordinate
        verb = verb.head
    return None


def _speech_verb(token: Token) -> bool:
    cue = cue_lexicon().get((token.lemma_.lower(), "verb"))
    return token.pos_ == "VERB" and cue is not None and cue.cue_class in SPEECH_CLASSES


def _span_actor(span: Span, actors: _Actors) -> str:
    if len(span) == 1 and span[0].lower_ in RELATIVE_PRONOUNS:
        return _antecedent(span[0], actors)
    words = _name_words(span)
    key = (
        actors.named(words)
        or _organisation_described(span, actors)
        or _owned_campaign(span, actors)
    )
    if not key and words and span.root.ent_type_ not in PLACE_TYPES:
        key = actors.short_form(words)  # not "Washington" for the Washington Post
    return (
        key
        or _apposition_inside(span, actors)
        or _one_actor_inside(span, actors, headline_lines(doc_text(span.doc)))
    )


def _apposition_inside(span: Span, actors: _Actors) -> str:
    """ "An attorney for Pagliano, Mark MacDougall,": the person a description's apposition
    names, not the one its modifiers mention; and a description in apposition to a name
    ("McConnell, now the Senate majority leader, who said") is that name's."""
    root = span.root
    head = root.head.i
    if root.dep_ == "appos" and head in actors.token_keys and not span.start <= head < span.end:
        key = actors.token_keys[head]
        return key if actors.entities.get(key, {}).get("kind") == "person" else ""
    keys = {
        actors.token_keys[token.i]
        for token in span
        if token.i in actors.token_keys
        and token.dep_ == "appos"
        and span.start <= token.head.i < span.end
    }
    people = {key for key in keys if actors.entities.get(key, {}).get("kind") == "person"}
    return people.pop() if len(people) == 1 else ""


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


def _owned_campaign(span: Span, actors: _Actors) -> str:
    """ "Her campaign", "Clinton’s team", "the Trump team": the campaign of the person
    that owns the noun (a possessive pronoun by its antecedent), when the document has
    that campaign's record."""
    root = span.root
    if root.lemma_.lower() not in word_list("campaign_nouns"):
        return ""
    owners = {
        actors.token_keys[child.i]
        for child in root.children
        if child.dep_ in {"poss", "compound"} and child.i in actors.token_keys
    }
    if len(owners) != 1:
        return ""
    owner = actors.entities.get(owners.pop())
    if owner is None:
        return ""
    if owner["kind"] == "organisation":  # the phrase is the campaign's own name
        return owner["key"] if document_name_key(owner["name"]).endswith(" campaign") else ""
    surname = document_name_key(owner["name"]).split()[-1]
    campaigns = {
        key
        for key in actors.by_name.get(f"{surname} campaign", set())
        if actors.entities[key]["kind"] == "organisation"
    }
    return campaigns.pop() if len(campaigns) == 1 else ""


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
