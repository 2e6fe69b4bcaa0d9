"""Stage 2: cues and attribution: who said what, direct, indirect or mixed.

Rules (dependency parse of spaCy's small English model):

* A verb cue is a token whose lemma is in the cue lexicon. Its content is, in this order of
  preference, a clausal complement (``ccomp``, either side: "He stressed that X", "X, sources
  said"); for appeals, demands, intentions and the like an object plus infinitive ("urging the
  government to take ...") or a prepositional object ("calling for X", "advocating for X");
  for verbs whose object is what is said ("condemned X", "rejecting X as Y") the object.
* The speaker is the verb's subject (inverted too: "said Khazali"), the agent of a passive,
  or, for participial and coordinated cues ("..., urging ...", "calling for ..."), the
  subject of the clause they hang on.
* Nominal cues: "renewed the call for X", "voiced deep concerns over X", "X's claim that Y";
  "according to X, Y".
* Quotations become direct statements attributed to the nearest cue in their sentence (or
  the next short sentence, or a sentence ending in a colon); '"A," he said, "B."' is one
  statement with two fragments. A quotation inside reported content makes it mixed. A
  quotation with no cue near it inherits the speaker of the statement just before it in the
  same or previous paragraph (news convention for runs of quotations).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Token

from statements.nlp.components.columns import doc_columns
from statements.nlp.components.extensions import StatementData, doc_text, register_extensions
from statements.nlp.lexicons import Cue, cue_lexicon, evidence_sources, speaker_nouns, word_list

SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
INHERIT_DEPS = {"advcl", "xcomp", "conj", "pcomp", "acomp"}
STOP_DEPS = {"punct", "cc", "conj", "advcl", "parataxis", "mark", "relcl"}
XCOMP_TYPES = {"appeal", "demand", "intention", "threat", "rejection", "agreement", "denial"}
XCOMP_LEMMAS = word_list("infinitive_cues")
RELATIVE_PRONOUNS = word_list("relative_pronouns")
DOBJ_TYPES = {
    "demand",
    "criticism",
    "accusation",
    "rejection",
    "threat",
    "denial",
    "support",
    "agreement",
}
DOBJ_LEMMAS = word_list("object_cues")
PREP_WORDS = word_list("cue_prepositions")
PREP_LEMMAS = word_list("prepositional_cues")
DEMONSTRATIVES = word_list("demonstratives")
PERSONAL_PRONOUNS = word_list("personal_pronouns")
EXPLETIVES = word_list("expletives")
NOMINAL_PREPS = word_list("nominal_prepositions")


@Language.factory(
    "kb_attribution",
    requires=["token.dep", "token.lemma", "doc._.kb_quotes", "doc._.kb_token_keys"],
    assigns=["doc._.kb_statements"],
)
def make_attribution(nlp: Language, name: str) -> Attributor:
    return Attributor()


class Attributor:
    """Writes ``doc._.kb_statements``: one dict per attribution (see ``_statement``)."""

    def __init__(self) -> None:
        register_extensions()
        self.cues = cue_lexicon()

    def __call__(self, doc: Doc) -> Doc:
        doc._.kb_statements = find_attributions(doc, self.cues)
        return doc


# ---------------------------------------------------------------------------- helpers


def _resolved(token: Token) -> bool:
    return any(index == token.i for index, _ in token.doc._.kb_token_keys or ())


def quoted_speaker(verb: Token) -> Token | None:
    """ "X quoted Y as saying ...": Y is the speaker of "saying", not X."""
    if verb.dep_ != "pcomp" or verb.head.lower_ != "as":
        return None
    quoting = verb.head.head
    if quoting.lemma_.lower() not in word_list("quoting_cues"):
        return None
    return next((child for child in quoting.children if child.dep_ == "dobj"), None)


def quotes_as(verb: Token) -> bool:
    """ "quoted Y as saying": the statement is Y's, read at "saying"."""
    return any(
        quoted_speaker(grandchild) is not None
        for child in verb.children
        if child.lower_ == "as"
        for grandchild in child.children
    )


def subject_of(verb: Token, depth: int = 0) -> Token | None:
    """The speaker token of a cue verb, following participles and conjuncts upwards."""
    quoted = quoted_speaker(verb)
    if quoted is not None:
        return quoted
    passive_subject = None
    for child in verb.children:
        dep = child.dep_
        if dep == "agent":
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
        elif dep in SUBJECT_DEPS:
            if dep == "nsubjpass":
                passive_subject = child
                continue
            if child.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
                return verb.head
            if child.lower_ in EXPLETIVES and not _resolved(child):
                return None  # "it" stays when stage 0 read it as an actor ("It said")
            return child
    if passive_subject is not None:
        return None
    if verb.tag_ == "VBN" and verb.dep_ == "advcl":
        return None  # "Asked whether ..., 75 percent said yes": the asker is not named
    if depth < 3 and verb.dep_ in INHERIT_DEPS and verb.head.i != verb.i:
        subordinate = subordinate_subject(verb)
        if subordinate is not None:
            return subordinate
        head = verb.head
        # "He stressed that X must act, advocating for Y": the participle after a comma
        # belongs to the reporting clause, not to the reported one.
        if verb.dep_ == "advcl" and verb.i > 0 and verb.doc[verb.i - 1].text == ",":
            while head.dep_ == "ccomp" and head.head.i != head.i:
                head = head.head
        return subject_of(head, depth + 1)
    if verb.dep_ == "relcl":
        return verb.head
    return None


def subordinate_subject(verb: Token) -> Token | None:
    """The subject of a clause the parser broke apart: in "Trump has targeted her since
    Clinton, at the debate, cited his comments" the small model reads "since" as a
    preposition with "Clinton" as its object and "cited" as a conjunct of "targeted". A
    conjunct with no subject of its own, no coordinating word before it, and a subordinator
    ("since", "because", "while") between it and its head takes that subordinator's object
    as its subject instead of the head's."""
    if verb.dep_ != "conj" or verb.head.i >= verb.i:
        return None
    head = verb.head
    between = [child for child in head.children if head.i < child.i < verb.i]
    if any(child.dep_ == "cc" for child in between):
        return None
    for child in reversed(between):
        if child.dep_ == "prep" and child.pos_ == "SCONJ":
            objects = [t for t in child.children if t.dep_ == "pobj"]
            if objects and objects[0].pos_ in {"PROPN", "PRON", "NOUN"}:
                return objects[0]
            return None
    return None


def _content_tokens(children: list[Token]) -> tuple[int, int] | None:
    if not children:
        return None
    start = min(child.left_edge.i for child in children)
    end = max(child.right_edge.i for child in children) + 1
    return start, end


def _right_frame(verb: Token, first: Token) -> tuple[int, int] | None:
    """From ``first`` through the contiguous right children of ``verb`` (objects, preps,
    complements), stopping at punctuation, conjunctions and further clauses."""
    chosen = []
    started = False
    for child in verb.rights:
        if child.i == first.i:
            started = True
        if not started:
            continue
        if child.dep_ in STOP_DEPS:
            # a purpose clause ("to safeguard sovereignty") still belongs to the content
            if child.dep_ == "advcl" and child.left_edge.lower_ == "to":
                chosen.append(child)
                continue
            break
        chosen.append(child)
    return _content_tokens(chosen)


def verb_content(verb: Token, cue: Cue) -> tuple[tuple[int, int], int, str] | None:
    """Token range of what the cue verb reports, the index of the last cue token and the
    frame that found it (ccomp, xcomp, prep, dobj)."""
    lemma = cue.lemma
    ccomps = [child for child in verb.children if child.dep_ == "ccomp"]
    if ccomps:
        ccomp = ccomps[0]
        start, end = _content_tokens([ccomp])
        if ccomp.i > verb.i:
            # "told reporters that X, the first time the two men spoke": trailing modifiers
            for child in verb.rights:
                if child.i <= ccomp.i:
                    continue
                if child.dep_ in {"cc", "conj"} or (child.dep_ == "punct" and child.text != ","):
                    break
                if child.dep_ == "advcl" and child.tag_ == "VBG":
                    break
                end = child.right_edge.i + 1
        return (start, end), verb.i, "ccomp"
    for child in verb.rights:
        if (
            child.dep_ == "advcl"
            and child.left_edge.lower_ == "for"
            and (cue.statement_type in {"appeal", "demand"} or lemma in PREP_LEMMAS)
        ):
            # "calling for the United States to step up ...": a for-to clause
            return (child.left_edge.i + 1, child.right_edge.i + 1), child.left_edge.i, "prep"
    passive_subjects = [child for child in verb.lefts if child.dep_ == "nsubjpass"]
    if passive_subjects and any(child.dep_ == "agent" for child in verb.rights):
        # "O'Malley's move was first reported by MSNBC": the passive subject is the content
        subject = passive_subjects[0]
        return (subject.left_edge.i, subject.i + 1), verb.i, "passive"
    if verb.dep_ == "parataxis" and verb.head.pos_ in {"VERB", "AUX"}:
        # "The plan, he said, would cut taxes": the clause the cue interrupts
        head = verb.head
        return (head.left_edge.i, head.right_edge.i + 1), verb.i, "parataxis"
    rights = [child for child in verb.rights if child.dep_ not in {"punct", "advmod", "prt"}]
    if not rights:
        return None
    first = rights[0]
    allow_xcomp = cue.statement_type in XCOMP_TYPES or lemma in XCOMP_LEMMAS
    if allow_xcomp:
        xcomps = [child for child in rights if child.dep_ == "xcomp"]
        if xcomps and (first.dep_ in {"dobj", "dative", "xcomp", "prep"}):
            frame = _right_frame(verb, first)
            return (frame, verb.i, "xcomp") if frame else None
    if (
        first.dep_ == "prep"
        and first.lower_ in PREP_WORDS
        and (
            cue.statement_type in {"appeal", "demand", "criticism", "support"}
            or lemma in PREP_LEMMAS
        )
        and (first.lower_ != "to" or lemma in {"refer", "respond", "point"})
    ):
        pobjs = [child for child in first.children if child.dep_ in {"pobj", "pcomp"}]
        if pobjs:
            frame = _right_frame(verb, first)
            if frame:
                return (first.i + 1, frame[1]), first.i, "prep"
    predicative = first.dep_ == "dobj" and any(
        child.dep_ == "oprd" or (child.dep_ == "prep" and child.lower_ == "as") for child in rights
    )
    if first.dep_ in {"dobj", "attr", "oprd"} and (
        predicative or cue.statement_type in DOBJ_TYPES or lemma in DOBJ_LEMMAS
    ):
        frame = _right_frame(verb, first)
        if frame and (frame[1] - frame[0] >= 2 or verb.doc[frame[0]].pos_ == "PROPN"):
            if frame[1] - frame[0] <= 2 and verb.doc[frame[0]].lower_ in DEMONSTRATIVES:
                return None  # "reiterated this demand": the content was reported before
            return frame, verb.i, "dobj"
    return None


def is_speaker_like(subject: Token | None, token_key: dict[int, str]) -> bool:
    """Can this subject say something? Names, personal pronouns and speaker nouns can."""
    if subject is None:
        return True  # unknown speakers stay (PolNeAR keeps speakerless attributions)
    if subject.i in token_key or subject.pos_ == "PROPN":
        return True
    if subject.lower_ in PERSONAL_PRONOUNS:
        return True
    return subject.lemma_.lower() in speaker_nouns()


def _cut_at_participle_cue(doc: Doc, start: int, end: int, participles: set[int]) -> int:
    """End a clausal content before ", urging ..." when the participle is a cue of its own."""
    for index in range(start + 1, end):
        if index in participles and doc[index - 1].text == ",":
            return index - 1
    return end


def speaker_range(subject: Token, token_spans: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """Character range of the speaker mention: the resolved name if the subject is one,
    else the subject with its left modifiers ("Certain Iraqi officials")."""
    if subject.i in token_spans:
        return token_spans[subject.i]
    start = subject.left_edge.idx
    for left in subject.lefts:
        if left.dep_ in {"punct", "cc", "prep"}:
            start = subject.idx
    return start, subject.idx + len(subject.text)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop outer whitespace, commas and a leading 'that' from a content range."""
    while start < end and (text[start].isspace() or text[start] in ",;:—–-"):
        start += 1
    if text[start : start + 5].lower() == "that " and end - start > 5:
        start += 5
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:—–-"):
        end -= 1
    return start, end


# ---------------------------------------------------------------------------- main rule


class _RuleContext:
    """What every rule of one Doc shares: reported quotations, resolved mention spans, and the
    quotations already consumed by an indirect or mixed statement."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc_text(doc)
        self.quotes = [quote for quote in (doc._.kb_quotes or []) if quote["reported"]]
        self.quote_starts = [quote["start"] for quote in self.quotes]
        self.consumed_quotes: set[int] = set()
        self.token_key, self.token_spans = _token_mentions(doc)

    def quote_at(self, char: int) -> int | None:
        """Index of the reported quotation holding ``char``, None outside any."""
        index = bisect.bisect_right(self.quote_starts, char) - 1
        if index >= 0 and char < self.quotes[index]["end"]:
            return index
        return None

    def make(
        self,
        content: list[tuple[int, int]],
        kind: str,
        cue_start: int | None,
        cue_end: int | None,
        cue: Cue | None,
        subject: Token | None,
        cue_class: str = "",
        confidence: float = 0.6,
        speaker: tuple[int, int, str] | None = None,
    ) -> StatementData:
        if speaker is None and subject is not None:
            s_start, s_end = speaker_range(subject, self.token_spans)
            speaker = (s_start, s_end, self.token_key.get(subject.i, ""))
        return {
            "content_spans": [list(span) for span in content],
            "kind": kind,
            "cue_start": cue_start,
            "cue_end": cue_end,
            "cue_lemma": cue.lemma if cue else "",
            "cue_class": cue_class or (cue.cue_class if cue else "speech"),
            "statement_type": cue.statement_type if cue else "statement",
            "speaker_start": speaker[0] if speaker else None,
            "speaker_end": speaker[1] if speaker else None,
            "speaker_key": speaker[2] if speaker else "",
            "confidence": confidence,
        }

    def content_with_quotes(self, start: int, end: int) -> tuple[list[tuple[int, int]], str]:
        """Classify an indirect content range against the quotations it overlaps."""
        quotes = self.quotes
        index = bisect.bisect_left(self.quote_starts, start)
        first = self.quote_at(start)
        if first is not None:
            index = first
        inside = []
        while index < len(quotes) and quotes[index]["start"] < end:
            if quotes[index]["end"] > start:
                inside.append(index)
            index += 1
        if not inside:
            return [(start, end)], "indirect"
        quoted = sum(
            max(0, min(end, quotes[i]["end"]) - max(start, quotes[i]["start"])) for i in inside
        )
        self.consumed_quotes.update(inside)
        if (end - start) - quoted <= 12 and len(inside) == 1:
            return [tuple(fragment) for fragment in quotes[inside[0]]["fragments"]], "direct"
        return [(start, end)], "mixed"


def _token_mentions(doc: Doc) -> tuple[dict[int, str], dict[int, tuple[int, int]]]:
    """Token -> resolved entity key, and token -> the character span of its mention."""
    mention_spans: dict[str, list[tuple[int, int]]] = {}
    for entity in doc._.kb_entities or []:
        mention_spans[entity["key"]] = [tuple(span) for span in entity["mentions"]]
    token_key: dict[int, str] = {}
    token_spans: dict[int, tuple[int, int]] = {}
    for token_index, key in doc._.kb_token_keys or []:
        token_key[token_index] = key
        token = doc[token_index]
        for start, end in mention_spans.get(key, ()):
            if start <= token.idx < end:
                token_spans[token_index] = (start, end)
                break
        # a description or work ("the mayor", "the IMF report") keeps its own phrase
    return token_key, token_spans


@dataclass(slots=True)
class _CueTokens:
    """Cue candidates outside quotations, by part of speech."""

    verbs: list[tuple[Token, Cue, Token | None]] = field(default_factory=list)
    nouns: list[tuple[Token, Cue]] = field(default_factory=list)
    adjectives: list[tuple[Token, Cue]] = field(default_factory=list)
    according: list[Token] = field(default_factory=list)


def _cue_tokens(doc: Doc, cues: dict[tuple[str, str], Cue], context: _RuleContext) -> _CueTokens:
    found = _CueTokens()
    columns = doc_columns(doc)
    kinds = {"VERB": "verb", "NOUN": "noun", "ADJ": "adj"}
    for index, pos in enumerate(columns.pos):
        lower = columns.lower[index]
        if lower == "according":
            if context.quote_at(columns.idx[index]) is None:
                found.according.append(doc[index])
            continue
        kind = kinds.get(pos)
        if kind is None or (kind == "adj" and columns.dep[index] != "acomp"):
            continue
        cue = cues.get((lower if kind == "adj" else columns.lemma_lower[index], kind))
        if cue is None or context.quote_at(columns.idx[index]) is not None:
            continue
        token = doc[index]  # a Token is made only for the words that can be cues
        if kind == "verb":
            if not quotes_as(token):
                found.verbs.append((token, cue, subject_of(token)))
        elif kind == "noun":
            found.nouns.append((token, cue))
        else:
            found.adjectives.append((token, cue))
    return found


def find_attributions(doc: Doc, cues: dict[tuple[str, str], Cue]) -> list[dict]:
    text = doc_text(doc)
    if not text.strip() or len(doc) == 0 or not doc.has_annotation("DEP"):
        return []
    context = _RuleContext(doc)
    candidates = _cue_tokens(doc, cues, context)
    statements = _verb_statements(doc, cues, candidates.verbs, context)
    make, content_with_quotes = context.make, context.content_with_quotes
    for token, cue in candidates.nouns:
        statements.append(_nominal(doc, token, cue, make, content_with_quotes))
    for token, cue in candidates.adjectives:
        statements.append(_adjective(doc, token, cue, make, content_with_quotes))
    for token in candidates.according:
        statements.append(_according(doc, token, make, content_with_quotes))
    statements = [statement for statement in statements if statement is not None]
    # "Graham: Trump's rhetoric destroys the party" (headlines, transcripts)
    statements.extend(
        _colon_lines(doc, make, content_with_quotes, context.token_key, context.token_spans)
    )
    # direct quotations not yet covered by an indirect or mixed statement
    _direct_quotes(doc, context.quotes, context.consumed_quotes, candidates.verbs, statements, make)
    statements = _merge_split_quotes(text, statements)
    return _one_per_span(statements)


def _one_per_span(statements: list[dict]) -> list[dict]:
    """The most confident statement for each content span."""
    seen: set[tuple[int, int]] = set()
    unique = []
    for statement in sorted(statements, key=lambda s: (s["content_spans"][0][0], -s["confidence"])):
        span = (statement["content_spans"][0][0], statement["content_spans"][-1][1])
        if span in seen:
            continue
        seen.add(span)
        unique.append(statement)
    return unique


def _verb_statements(
    doc: Doc,
    cues: dict[tuple[str, str], Cue],
    verb_cues: list[tuple[Token, Cue, Token | None]],
    context: _RuleContext,
) -> list[dict]:
    """Statements of verb cues: clausal, infinitival, prepositional, object or interrupted."""
    statements = []
    participle_cues = {
        verb.i for verb, _, _ in verb_cues if verb.dep_ == "advcl" and verb.tag_ == "VBG"
    }
    for verb, cue, subject in verb_cues:
        found = verb_content(verb, cue)
        if found is None:
            continue
        (token_start, token_end), last_cue, frame = found
        if token_end <= token_start:
            continue
        if frame not in {"ccomp", "parataxis", "passive"} and (
            subject is None or not is_speaker_like(subject, context.token_key)
        ):
            continue
        if frame == "parataxis":
            statement = _parataxis_statement(
                doc, verb, cue, subject, token_start, token_end, context
            )
        else:
            if frame == "ccomp":
                token_end = _cut_at_participle_cue(doc, token_start, token_end, participle_cues)
            statement = _framed_statement(
                doc, cues, (verb, cue, subject), (token_start, token_end, last_cue, frame), context
            )
        if statement is not None:
            statements.append(statement)
    return statements


def _parataxis_statement(doc, verb, cue, subject, token_start, token_end, context) -> dict | None:
    """'The plan, he said, would cut taxes': the clause around the cue, in two fragments."""
    text = context.text
    before = _trim(text, doc[token_start].idx, verb.left_edge.idx)
    right = doc[verb.right_edge.i]
    tail = doc[token_end - 1]
    after = _trim(text, right.idx + len(right.text), tail.idx + len(tail.text))
    spans = [span for span in (before, after) if span[1] - span[0] >= 3]
    while spans and text[spans[-1][1] - 1] in ".!?":
        spans[-1] = (spans[-1][0], spans[-1][1] - 1)
    overlaps_quote = any(
        context.quote_at(position) is not None
        for start, end in spans
        for position in (start, end - 1)
    )
    if not spans or overlaps_quote:
        return None
    return context.make(spans, "indirect", verb.idx, verb.idx + len(verb.text), cue, subject)


def _framed_statement(doc, cues, verb_cue, found, context) -> dict | None:
    """A verb cue's content range as a statement, classified against the quotations."""
    verb, cue, subject = verb_cue
    token_start, token_end, last_cue, frame = found
    last = doc[token_end - 1]
    start, end = _trim(context.text, doc[token_start].idx, last.idx + len(last.text))
    if end - start < 3:
        return None
    content, kind = context.content_with_quotes(start, end)
    cue_end_token = doc[last_cue]
    if frame == "prep":
        # phrasal cues carry their own type: "call for" demands, "call on" appeals
        cue = cues.get((f"{cue.lemma} {cue_end_token.lower_}", "verb"), cue)
    return context.make(
        content, kind, verb.idx, cue_end_token.idx + len(cue_end_token.text), cue, subject
    )


# '"..." ― Esther Tapia': a dash after a quotation, then the name, signs it
DASH_SIGNATURE_RE = re.compile(r"[^\S\n]*[―—–]{1,2}[^\S\n]*(?=[A-Z])")
# A transcript quoted paragraph by paragraph opens each turn with a quotation mark:
# '"WALLACE: Let's start ...'
COLON_LINE_RE = re.compile(
    r"^[ \t]*(?:[\"“][ \t]*)?([A-Z][^:\n]{0,60}?)[ \t]*:[ \t]+(\S[^\n]*)$", re.MULTILINE
)


def _colon_lines(doc: Doc, make, content_with_quotes, token_key, token_spans) -> list[dict]:
    """A line 'NAME: what they said', as in headlines and transcripts."""
    text = doc_text(doc)
    out = []
    if ":" not in text:
        return out
    starts = doc_columns(doc).idx
    for match in COLON_LINE_RE.finditer(text):
        name_start, name_end = match.span(1)
        if len(match.group(1).split()) > 6:
            continue
        first = bisect.bisect_left(starts, name_start)
        last = bisect.bisect_left(starts, name_end)
        name_tokens = doc[first:last]
        if not len(name_tokens) or any(t.pos_ in {"VERB", "AUX"} for t in name_tokens):
            continue
        if not any(t.pos_ == "PROPN" or t.is_upper for t in name_tokens):
            continue
        start, end = _trim(text, *match.span(2))
        while end > start and text[end - 1] in ".":
            end -= 1
        if end - start < 8:
            continue
        content, kind = content_with_quotes(start, end)
        # a transcript quoted paragraph by paragraph is one quotation holding every turn:
        # this turn is its own line, after the colon
        content = [(max(a, start), min(b, end)) for a, b in content if b > start and a < end]
        head = name_tokens.root
        speaker = (name_start, name_end, token_key.get(head.i, ""))
        cue = Cue(":", "punct", "speech", "statement")
        out.append(
            make(content, kind, name_end, name_end + 1, cue, None, speaker=speaker, confidence=0.4)
        )
    return out


def _merge_split_quotes(text: str, statements: list[dict]) -> list[dict]:
    """'"A," he said, "B."': two direct statements around one cue become one, two fragments."""
    by_cue: dict[int, list[dict]] = {}
    for statement in statements:
        if statement["kind"] == "direct" and statement["cue_start"] is not None:
            by_cue.setdefault(statement["cue_start"], []).append(statement)
    dropped: set[int] = set()
    for cue_start, group in by_cue.items():
        if len(group) != 2:
            continue
        first, second = sorted(group, key=lambda s: s["content_spans"][0][0])
        gap_start, gap_end = first["content_spans"][-1][1], second["content_spans"][0][0]
        if not gap_start <= cue_start < gap_end or "\n" in text[gap_start:gap_end]:
            continue
        first["content_spans"] = first["content_spans"] + second["content_spans"]
        first["confidence"] = max(first["confidence"], second["confidence"])
        dropped.add(id(second))
    return [statement for statement in statements if id(statement) not in dropped]


def _complement_span(doc: Doc, content_child: Token) -> tuple[int, int] | None:
    """Trimmed character span of a cue word's content: a clause, or a preposition's object
    ('the call for X', 'unhappy with X'); None when there is none or it is too short."""
    if content_child.dep_ == "prep":
        objects = [c for c in content_child.children if c.dep_ in {"pobj", "pcomp"}]
        if not objects:
            return None
        start_token = objects[0].left_edge
    else:
        start_token = content_child.left_edge
    end_token = content_child.right_edge
    start, end = _trim(doc_text(doc), start_token.idx, end_token.idx + len(end_token.text))
    return (start, end) if end - start >= 3 else None


def _nominal(doc: Doc, noun: Token, cue: Cue, make, content_with_quotes) -> dict | None:
    """'renewed the call for X', 'voiced deep concerns over X', "X's claim that Y"."""
    content_child = None
    for child in noun.rights:
        if child.dep_ == "prep" and child.lower_ in NOMINAL_PREPS:
            content_child = child
            break
        if child.dep_ in {"acl", "ccomp"} and any(g.lower_ == "that" for g in child.lefts):
            content_child = child
            break
    if content_child is None:
        return None
    subject = None
    cue_start_token = noun
    for child in noun.lefts:
        if child.dep_ == "poss":
            subject = child
    if subject is None:
        head = noun.head
        if noun.dep_ in {"dobj", "nsubjpass"} and head.pos_ in {"VERB", "AUX"}:
            subject = subject_of(head)
            cue_start_token = head
    if subject is None:
        return None
    span = _complement_span(doc, content_child)
    if span is None:
        return None
    cue_end_token = content_child if content_child.dep_ == "prep" else noun
    content, kind = content_with_quotes(*span)
    return make(
        content,
        kind,
        cue_start_token.idx,
        cue_end_token.idx + len(cue_end_token.text),
        cue,
        subject,
        confidence=0.5,
    )


def _adjective(doc: Doc, adjective: Token, cue: Cue, make, content_with_quotes) -> dict | None:
    """'His supporters are optimistic that he will win', 'voters are unhappy with X'."""
    content_child = None
    for child in adjective.rights:
        if child.dep_ == "ccomp" or (
            child.dep_ == "prep" and child.lower_ in NOMINAL_PREPS | {"with"}
        ):
            content_child = child
            break
    if content_child is None:
        return None
    subject = subject_of(adjective.head)
    if subject is None:
        return None
    span = _complement_span(doc, content_child)
    if span is None:
        return None
    content, kind = content_with_quotes(*span)
    return make(
        content,
        kind,
        adjective.head.idx,
        adjective.idx + len(adjective.text),
        cue,
        subject,
        confidence=0.4,
    )


CLAUSE_DEPS = {"ROOT", "ccomp", "conj", "advcl", "parataxis", "xcomp", "relcl"}


def _clause_end(head: Token) -> int:
    """End of a clause's subtree before a coordinated clause ('..., but X vowed ...')."""
    end_token = head
    for child in head.rights:
        if child.dep_ in {"cc", "conj"} or (child.dep_ == "punct" and child.text in ";."):
            break
        end_token = child.right_edge
    return end_token.idx + len(end_token.text)


def _according(doc: Doc, token: Token, make, content_with_quotes) -> dict | None:
    """'According to X, Y' and 'Y, according to X'."""
    if token.i + 1 >= len(doc) or doc[token.i + 1].lower_ != "to":
        return None
    to = doc[token.i + 1]
    objects = [child for child in to.children if child.dep_ == "pobj"]
    if not objects:
        return None
    source = objects[0]
    sentence = token.sent
    phrase_start, phrase_end = token.i, max(source.right_edge.i, to.i) + 1
    text = doc_text(doc)
    head = token.head
    for _ in range(4):
        clause = head.pos_ in {"VERB", "AUX"} and head.dep_ in CLAUSE_DEPS - {"conj"}
        if clause or head.head.i == head.i:
            break
        head = head.head
    if (
        head.i != token.i
        and head.pos_ in {"VERB", "AUX"}
        and sentence.start <= head.i < sentence.end
    ):
        # the clause "according to" modifies, without its coordinated clauses
        if head.i > phrase_end:
            start, end = doc[phrase_end].idx, _clause_end(head)
        else:
            start, end = head.left_edge.idx, token.idx
            start = max(start, sentence.start_char)
    elif phrase_start - sentence.start < sentence.end - phrase_end:
        start, end = doc[phrase_end].idx if phrase_end < len(doc) else len(text), sentence.end_char
    else:
        start, end = sentence.start_char, token.idx
    start, end = _trim(text, start, end)
    while end > start and text[end - 1] in ".!?":
        end -= 1
    if end - start < 3:
        return None
    cue_class = "evidence" if source.lower_ in evidence_sources() else "speech"
    content, kind = content_with_quotes(start, end)
    cue = Cue("according to", "phrase", cue_class, "statement")
    return make(content, kind, token.idx, to.idx + 2, cue, source, cue_class=cue_class)


class _QuoteScan:
    """Sentence and paragraph lookups, and the statements found so far ordered by where they
    end, for attributing quotations one after another."""

    def __init__(self, doc: Doc, statements: list[dict]) -> None:
        self.doc = doc
        self.text = doc_text(doc)
        self.sentences = list(doc.sents)
        self.sentence_starts = [sentence.start_char for sentence in self.sentences]
        self.token_starts = doc_columns(doc).idx
        self.by_end = sorted(statements, key=lambda s: s["content_spans"][-1][1])
        self.ends = [s["content_spans"][-1][1] for s in self.by_end]
        self.breaks = [position for position, char in enumerate(self.text) if char == "\n"]

    def sentence_index(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.sentence_starts, char) - 1)

    def paragraph_bounds(self, char: int) -> tuple[int, int, int]:
        """Start and end of the paragraph holding ``char``, and the previous one's start."""
        breaks = self.breaks
        index = bisect.bisect_left(breaks, char)
        start = breaks[index - 1] + 1 if index > 0 else 0
        end = breaks[index] if index < len(breaks) else len(self.text)
        previous_start = breaks[index - 2] + 1 if index > 1 else 0
        return start, end, previous_start

    def add(self, statement: dict) -> None:
        end = statement["content_spans"][-1][1]
        position = bisect.bisect_right(self.ends, end)
        self.ends.insert(position, end)
        self.by_end.insert(position, statement)

    def extend_previous(self, position: int, fragments: list[tuple[int, int]]) -> None:
        """Append fragments to the statement at ``position`` and re-sort it by its new end."""
        statement = self.by_end.pop(position)
        del self.ends[position]
        statement["content_spans"] = statement["content_spans"] + [list(f) for f in fragments]
        self.add(statement)

    def region(self, quote: dict) -> tuple[int, int, int, int]:
        """Where a quotation's cue may be (its sentences, a short next sentence, a sentence
        ending in a colon before it; inside its paragraph), the paragraph's start and the
        previous paragraph's start."""
        text, sentences = self.text, self.sentences
        first_sentence = self.sentence_index(quote["start"])
        last_sentence = self.sentence_index(max(quote["start"], quote["end"] - 1))
        region_start = sentences[first_sentence].start_char
        region_end = sentences[last_sentence].end_char
        if last_sentence + 1 < len(sentences):
            following = sentences[last_sentence + 1]
            if region_end >= quote["end"] - 2 and len(following) <= 12:
                region_end = following.end_char
        if first_sentence > 0 and text[region_start - 2 : region_start].strip().endswith(":"):
            region_start = sentences[first_sentence - 1].start_char
        paragraph_start, paragraph_end, window_start = self.paragraph_bounds(quote["start"])
        paragraph_end = max(paragraph_end, self.paragraph_bounds(max(0, quote["end"] - 1))[1])
        region_start = max(region_start, paragraph_start)
        region_end = min(region_end, paragraph_end)
        return region_start, region_end, paragraph_start, window_start

    def previous_direct(self, quote: dict, paragraph_start: int) -> int | None:
        """Position of the statement just before the quotation when it is a quotation in the
        same paragraph."""
        position = bisect.bisect_right(self.ends, quote["start"]) - 1
        if position < 0:
            return None
        candidate = self.by_end[position]
        if candidate["kind"] == "direct" and self.ends[position] >= paragraph_start:
            return position
        return None

    def signature(self, quote: dict) -> tuple[int, int, str] | None:
        """The name signing a quotation after a dash on its line ('"..." ― Esther Tapia',
        '"..." — Jorge Falcon, Phoenix'): its span and resolved key."""
        match = DASH_SIGNATURE_RE.match(self.text, quote["end"])
        if match is None:
            return None
        first = bisect.bisect_left(self.token_starts, match.end())
        last = first
        while (
            last < len(self.doc)
            and (self.doc[last].pos_ == "PROPN" or self.doc[last].is_title)
            and "\n" not in self.doc[last].text
        ):
            last += 1
        if last == first or first >= len(self.doc):
            return None
        keys = dict(self.doc._.kb_token_keys or [])
        end_token = self.doc[last - 1]
        key = next((keys[i] for i in range(last - 1, first - 1, -1) if i in keys), "")
        return self.doc[first].idx, end_token.idx + len(end_token.text), key

    def previous_speaker(self, quote: dict, window_start: int) -> dict | None:
        """The closest statement with a speaker before the quotation (same or previous
        paragraph), or the name before a colon that introduces it ('Barkley: "..."')."""
        previous = None
        position = bisect.bisect_right(self.ends, quote["start"]) - 1
        while position >= 0 and self.ends[position] >= window_start:
            if self.by_end[position]["speaker_start"] is not None:
                previous = self.by_end[position]
                break
            position -= 1
        before = self.text[max(0, quote["start"] - 3) : quote["start"]].rstrip()
        if before.endswith(":"):
            colon = quote["start"] - 3 + len(before) - 1
            token_index = bisect.bisect_right(self.token_starts, colon - 1) - 1
            if token_index >= 0 and self.doc[token_index].pos_ in {"PROPN", "NOUN"}:
                named = self.doc[token_index]
                start = named.left_edge.idx if named.left_edge.i <= named.i else named.idx
                end = named.idx + len(named.text)
                previous = {"speaker_start": start, "speaker_end": end, "speaker_key": ""}
        return previous


def _nearest_cue(verb_cues, cue_chars: list[int], quote: dict, region: tuple[int, int]):
    """The speech or writing cue closest to a quotation inside its region (after it first)."""
    best = None
    best_distance = None
    low = bisect.bisect_left(cue_chars, region[0])
    high = bisect.bisect_left(cue_chars, region[1])
    for position in range(low, high):
        verb, cue, subject = verb_cues[position]
        if cue.cue_class not in {"speech", "writing"}:
            continue
        if verb.idx >= quote["end"]:
            distance = verb.idx - quote["end"]
        else:
            distance = (quote["start"] - verb.idx) + 5
        if best_distance is None or distance < best_distance:
            best, best_distance = (verb, cue, subject), distance
    return best


def _joins_next_quote(text: str, quotes: list[dict], index: int, consumed, verb: Token) -> bool:
    """'"A," he said, "B."': the next quotation follows the cue closely in one paragraph."""
    if index + 1 >= len(quotes) or index + 1 in consumed:
        return False
    quote, following = quotes[index], quotes[index + 1]
    return (
        quote["end"] <= verb.idx < following["start"]
        and following["start"] - quote["end"] < 80
        and "\n" not in text[quote["end"] : following["start"]]
    )


def _direct_quotes(
    doc: Doc, quotes: list[dict], consumed: set[int], verb_cues, statements, make
) -> None:
    """Statements for quotations no indirect or mixed statement covers, appended in place."""
    if not quotes:
        return
    scan = _QuoteScan(doc, statements)
    cue_chars = [verb.idx for verb, _, _ in verb_cues]  # cues are never inside quotes
    index = 0
    while index < len(quotes):
        if index in consumed:
            index += 1
            continue
        quote = quotes[index]
        region_start, region_end, paragraph_start, window_start = scan.region(quote)
        best = _nearest_cue(verb_cues, cue_chars, quote, (region_start, region_end))
        fragments = [tuple(fragment) for fragment in quote["fragments"]]
        previous = scan.previous_direct(quote, paragraph_start)
        signature = scan.signature(quote)
        if signature is not None:
            statement = make(
                fragments, "direct", None, None, None, None, confidence=0.7, speaker=signature
            )
            statements.append(statement)
            scan.add(statement)
            index += 1
            continue
        if previous is not None and (
            best is None or best[0].idx == scan.by_end[previous]["cue_start"]
        ):
            # '"A," Barkley said. "B."': one attribution, several fragments (PolNeAR)
            scan.extend_previous(previous, fragments)
            index += 1
            continue
        if best is not None:
            verb, cue, subject = best
            if _joins_next_quote(scan.text, quotes, index, consumed, verb):
                fragments += [tuple(fragment) for fragment in quotes[index + 1]["fragments"]]
                index += 1
            cue_end = verb.idx + len(verb.text)
            statement = make(fragments, "direct", verb.idx, cue_end, cue, subject, confidence=0.8)
        else:
            statement = _uncued_quote(scan, quote, fragments, window_start, make)
            if statement is None:
                index += 1
                continue
        statements.append(statement)
        scan.add(statement)
        index += 1


def _uncued_quote(scan: _QuoteScan, quote: dict, fragments, window_start: int, make):
    """A quotation with no cue near it: the previous speaker's, unless it is a fragment
    quoted inside a sentence or a title (nobody speaks)."""
    previous = scan.previous_speaker(quote, window_start)
    inner = scan.text[fragments[0][0] : fragments[-1][1]]
    if previous is None and (inner[:1].islower() or len(inner.split()) < 8):
        return None
    speaker = None
    if previous is not None:
        speaker = (previous["speaker_start"], previous["speaker_end"], previous["speaker_key"])
    return make(fragments, "direct", None, None, None, None, confidence=0.4, speaker=speaker)
