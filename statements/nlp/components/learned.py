"""Stage 2b: learned attribution. Two CRF taggers trained on an attribution corpus replace
the rule engine's statements: the cue tagger finds reporting cues sentence by sentence, the
span tagger finds each cue's content and source. The rules' statements are features (a
strong prior) and the fallback when no model files are installed.

Model files live in ``statements/nlp/models/`` with a ``PROVENANCE.json`` (data, command,
date, dev scores, sha256 of each file); ``python -m statements.nlp.train`` rebuilds them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Token

from statements.nlp.components.attribution import quotes_as
from statements.nlp.components.columns import doc_columns
from statements.nlp.components.extensions import StatementData, doc_text, register_extensions
from statements.nlp.learned.decode import FoundAttribution, find_attributions, trim_chars
from statements.nlp.learned.features import NEGATIONS, doc_features
from statements.nlp.lexicons import (
    Cue,
    cue_lexicon,
    cue_particles,
    evidence_sources,
    org_heads,
    role_heads,
    speaker_nouns,
    word_list,
)

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
CUE_MODEL = "cues.crfsuite"
SPAN_MODEL = "spans.crfsuite"
PROVENANCE = "PROVENANCE.json"


@Language.factory(
    "kb_learned_attribution",
    requires=["token.dep", "doc._.kb_quotes", "doc._.kb_token_keys", "doc._.kb_statements"],
    assigns=["doc._.kb_statements"],
    default_config={
        "model_dir": "",
        "keep_rule_kinds": ["direct", "indirect", "mixed"],
        "rule_spans_for_same_cue": True,
    },
)
def make_learned_attribution(
    nlp: Language,
    name: str,
    model_dir: str,
    keep_rule_kinds: list[str],
    rule_spans_for_same_cue: bool,
) -> LearnedAttributor:
    return LearnedAttributor(
        Path(model_dir) if model_dir else MODEL_DIR,
        keep_rule_kinds=tuple(keep_rule_kinds),
        rule_spans_for_same_cue=rule_spans_for_same_cue,
    )


def model_available(model_dir: Path = MODEL_DIR) -> bool:
    return (model_dir / CUE_MODEL).is_file() and (model_dir / SPAN_MODEL).is_file()


def open_taggers(model_dir: Path):
    """The two crfsuite taggers of a model folder."""
    import pycrfsuite

    cue_tagger = pycrfsuite.Tagger()
    cue_tagger.open(str(model_dir / CUE_MODEL))
    span_tagger = pycrfsuite.Tagger()
    span_tagger.open(str(model_dir / SPAN_MODEL))
    return cue_tagger, span_tagger


# The rules' weakest readings of reported content (nominal and adjectival cues, 0.4-0.5)
# are kept only where the taggers read the same cue: alone, about one in four was right on
# PolNeAR dev.
UNCONFIRMED_RULE_FLOOR = 0.55

# A reported-speech reading the taggers alone found, on a cue the cue tagger hesitated over,
# is dropped: on PolNeAR dev about three in four such readings were actions ("summoned his
# adviser", "imposed sanctions"), not attributions. Quotations keep their own evidence.
UNCONFIRMED_CUE_MARGINAL = 0.98


SURE_CUE = 0.8  # the confidence of a cue both the taggers and the rules read


class LearnedAttributor:
    """Replaces ``doc._.kb_statements`` with the taggers' attributions.

    Measured on PolNeAR dev and the seed article, the best combination keeps the taggers'
    cues and, where the rules read the same cue, the rules' content and speaker (closer to
    the seed's conventions, no loss on PolNeAR), plus the rule statements (of
    ``keep_rule_kinds``) whose content no learned statement touches.
    """

    def __init__(
        self,
        model_dir: Path = MODEL_DIR,
        *,
        keep_rule_kinds: tuple[str, ...] = ("direct", "indirect", "mixed"),
        rule_spans_for_same_cue: bool = True,
    ) -> None:
        register_extensions()
        self.cues = cue_lexicon()
        self.keep_rule_kinds = frozenset(keep_rule_kinds)
        self.rule_spans = rule_spans_for_same_cue
        self.taggers = open_taggers(model_dir) if model_available(model_dir) else None

    def __call__(self, doc: Doc) -> Doc:
        if self.taggers is None or len(doc) == 0 or not doc.has_annotation("DEP"):
            return doc
        features = doc_features(doc, self.cues)
        found = find_attributions(features, *self.taggers)
        learned = statements_from(doc, found, self.cues, features.in_quote)
        all_rules = doc._.kb_statements or []
        if self.rule_spans:
            learned = with_rule_spans(learned, all_rules)
        learned = [statement for statement in learned if not is_hesitant(statement)]
        learned_cues = {statement["cue_start"] for statement in learned}
        rules = [
            rule
            for rule in all_rules
            if rule["kind"] in self.keep_rule_kinds
            and (rule["cue_start"] is None or rule["cue_start"] not in learned_cues)
            and (rule["kind"] == "direct" or rule["confidence"] >= UNCONFIRMED_RULE_FLOOR)
        ]
        both = [
            with_parenthetical_rest(
                doc,
                without_cue_adjuncts(doc, with_right_complement(doc, with_signed_quote(doc, s))),
            )
            for s in split_coordinated(doc, learned + rules)
        ]
        learned, rules = both[: len(learned)], both[len(learned) :]
        combined = with_continued_quotes(
            doc,
            with_trailing_quotations(
                doc, with_whole_quotations(doc, learned + rules_not_covered(rules, learned))
            ),
        )
        kept = []
        notes = boilerplate_ranges(doc_text(doc))
        for statement in combined:
            if (
                any(start <= statement["content_spans"][0][0] < end for start, end in notes)
                or in_question(doc, statement, features.in_quote)
                or looks_like_table(doc, statement)
                or is_anaphoric(doc, statement)
                or is_unattributed(statement)
                or is_unsigned_quote(doc_text(doc), statement)
                or reported_across_paragraphs(doc_text(doc), statement)
            ):
                continue
            cue_class = source_cue_class(doc, statement)
            if cue_class is not None:
                statement_type = particle_type(doc, statement)
                kept.append({**statement, "cue_class": cue_class, "statement_type": statement_type})
        kept = [
            with_relative_source(doc, with_dateline_source(doc, statement)) for statement in kept
        ]
        doc._.kb_statements = without_relative_reports(
            doc, without_nested_reports(doc_text(doc), kept)
        )
        return doc


RELATIVE_PRONOUNS = word_list("relative_pronouns")


def with_relative_source(doc: Doc, statement: StatementData) -> StatementData:
    """'Barkley, who said he votes Democratic': the source as written is the relative
    pronoun, as annotated; the actor stays the one the clause hangs from (its key is kept,
    and an unnamed antecedent, "some who warned", resolves to no actor either way)."""
    if statement["cue_start"] is None or statement["speaker_start"] is None:
        return statement
    cue = doc[_token_at(doc, statement["cue_start"])]
    if cue.dep_ != "relcl" or not (
        statement["speaker_start"] <= cue.head.idx < statement["speaker_end"]
    ):
        return statement
    if not statement["speaker_key"] and cue.head.pos_ == "PROPN":
        return statement  # an untagged name is resolved from its text later
    pronouns = [
        child
        for child in cue.children
        if child.dep_ in {"nsubj", "nsubjpass"} and child.lower_ in RELATIVE_PRONOUNS
    ]
    if not pronouns:
        return statement
    pronoun = pronouns[0]
    return {**statement, "speaker_start": pronoun.idx, "speaker_end": pronoun.idx + len(pronoun)}


def is_hesitant(statement: StatementData) -> bool:
    """An indirect reading only the taggers found, on a cue they were unsure of; a mixed
    reading only the taggers found, on a cue outside the lexicon: on PolNeAR dev about
    three in four were narration around a quoted phrase ("unleashed", "painted", "sings")."""
    if statement["confidence"] >= SURE_CUE:
        return False
    if statement["kind"] == "mixed":
        return not statement.get("cue_known", True)
    return (
        statement["kind"] == "indirect"
        and statement.get("cue_marginal", 1.0) < UNCONFIRMED_CUE_MARGINAL
    )


def _extent(statement: StatementData) -> tuple[int, int]:
    spans = statement["content_spans"]
    return spans[0][0], spans[-1][1]


def _inside(position: int | None, extent: tuple[int, int]) -> bool:
    return position is not None and extent[0] <= position < extent[1]


def _holds(text: str, outer: StatementData, inner: StatementData) -> bool:
    """Does the outer statement's content, within one paragraph, hold the inner one whole:
    its cue, its source and its content?"""
    extent, inner_extent = _extent(outer), _extent(inner)
    return (
        inner is not outer
        and "\n" not in text[extent[0] : extent[1]]
        and _inside(inner["cue_start"], extent)
        and extent[0] <= inner_extent[0]
        and inner_extent[1] <= extent[1]
        and (inner["speaker_start"] is None or _inside(inner["speaker_start"], extent))
    )


def without_nested_reports(text: str, statements: list[StatementData]) -> list[StatementData]:
    """One statement where two readings nest, the one a plain reporting verb ("said",
    "told", "according to") makes.

    'Officials said the senator decided to run': a lesser cue inside what was said, with
    its source inside it too ("decided", "promised", "described"), is part of what was said.
    'The campaign released a letter that says he is healthy': a lesser cue whose content
    holds a plain report is an action around the report. A reporting verb inside another
    ("X said Y told Z") stays: reports of reports are annotated as such.
    """
    framing = word_list("framing_cues")
    nested = set()
    for outer_position, outer in enumerate(statements):
        outer_frames = outer.get("cue_lemma", "") in framing
        if outer["kind"] == "direct" or (outer_frames and outer["kind"] != "indirect"):
            continue
        for position, inner in enumerate(statements):
            inner_frames = inner.get("cue_lemma", "") in framing
            if outer_frames == inner_frames or not _holds(text, outer, inner):
                continue
            nested.add(position if outer_frames else outer_position)
    return [statement for position, statement in enumerate(statements) if position not in nested]


def without_relative_reports(doc: Doc, statements: list[StatementData]) -> list[StatementData]:
    """A cue in a relative clause inside what another statement reports ('said he had a
    source who told him X', 'accused donors that support Clinton'): part of that content."""
    extents = [_extent(statement) for statement in statements]
    out = []
    for position, statement in enumerate(statements):
        cue = statement["cue_start"]
        if cue is not None and statement["kind"] != "direct":
            token = doc[_token_at(doc, cue)]
            inside = any(
                other != position and start <= cue < end
                for other, (start, end) in enumerate(extents)
            )
            if inside and token.dep_ == "relcl":
                continue
        out.append(statement)
    return out


def with_rule_spans(learned: list[dict], rules: list[dict]) -> list[dict]:
    """Where the rules read the same cue, their statement (cue phrase, content, speaker,
    type), with the negation the learned stage found."""
    by_cue: dict[int, dict] = {}
    for rule in rules:  # the rules' first reading of a cue is the widest content
        if rule["cue_start"] is not None:
            by_cue.setdefault(rule["cue_start"], rule)
    out = []
    for statement in learned:
        rule = by_cue.get(statement["cue_start"])
        if rule is None:
            out.append(statement)
        else:
            out.append({**rule, "negated": statement["negated"], "confidence": SURE_CUE})
    return out


def _overlaps(first: list[list[int]], second: list[list[int]]) -> bool:
    return any(a < d and c < b for a, b in first for c, d in second)


def rules_not_covered(rules: list[dict], learned: list[dict]) -> list[dict]:
    """Rule statements (of the kinds kept) whose content no learned statement touches: the
    rules' quotation pairing reaches quotations beyond the taggers' sentence window."""
    return [
        rule
        for rule in rules
        if not any(_overlaps(rule["content_spans"], s["content_spans"]) for s in learned)
    ]


def _cue_entry(
    doc: Doc, head_index: int, cues: dict[tuple[str, str], Cue]
) -> tuple[Cue | None, int]:
    """The lexicon entry of a cue and the index of its last token: a phrase ("call for",
    "according to") when the lexicon lists one, else the head word."""
    head = doc[head_index]
    if head.lemma_.lower() in word_list("aspectual_verbs"):
        # "continue to demand", "keep calling for": the speech verb is the cue
        spoken = [c for c in head.children if c.dep_ == "xcomp" and c.pos_ == "VERB"]
        if spoken and cues.get((spoken[0].lemma_.lower(), "verb")) is not None:
            head_index, head = spoken[0].i, spoken[0]
    lemma = head.lemma_.lower()
    kind = {"VERB": "verb", "NOUN": "noun", "ADJ": "adj", "AUX": "verb"}.get(head.pos_)
    for child in head.rights:
        if child.dep_ in {"prep", "prt"} and child.i <= head_index + 2:
            phrase = cues.get((f"{lemma} {child.lower_}", kind or "verb"))
            if phrase is not None or head.lower_ == "according":
                return phrase, child.i
    if kind is None:
        return None, head_index
    return cues.get((lemma, kind)) or cues.get((head.lower_, kind)), head_index


def _kind(text_quotes: list[dict], spans: list[tuple[int, int]]) -> str:
    """direct: inside quotation marks; mixed: partly quoted; indirect: no quotation."""
    total = sum(end - start for start, end in spans)
    quoted = 0
    for start, end in spans:
        for quote in text_quotes:
            quoted += max(0, min(end, quote["end"]) - max(start, quote["start"]))
    if quoted == 0:
        return "indirect"
    return "direct" if total - quoted <= 3 else "mixed"


def is_negated(doc: Doc, cue: tuple[int, ...]) -> bool:
    """'did not say', 'would never accept', 'no longer defends'."""
    for index in cue:
        token = doc[index]
        for child in token.children:
            if child.lower_ in NEGATIONS or child.dep_ == "neg":
                return True
        if token.dep_ in {"xcomp", "ccomp"} and any(
            child.dep_ == "neg" for child in token.head.children
        ):
            return True
    return False


def _token_at(doc: Doc, char: int) -> int:
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    return span.start if span is not None else 0


def in_question(doc: Doc, statement: StatementData, in_quote: list[bool]) -> bool:
    """'Did the senator say that ...?': the cue's own sentence asks, nobody asserts."""
    if statement["cue_start"] is None:
        return False
    cue = doc[_token_at(doc, statement["cue_start"])]
    return any(
        token.text == "?" and token.i > cue.i and not in_quote[token.i] for token in cue.sent
    )


AGENT_ENTITIES = frozenset({"PERSON", "ORG", "NORP", "GPE"})
UNVOICED_PRONOUNS = frozenset({"it", "this", "that", "which", "these", "those"})


def _source_root(doc: Doc, statement: StatementData) -> Token | None:
    """The head of the source ("percent" in "42 percent"; "which" in "some of which")."""
    if statement["speaker_start"] is None:
        return None
    span = doc.char_span(
        statement["speaker_start"], statement["speaker_end"], alignment_mode="expand"
    )
    if span is None or len(span) == 0:
        return None
    root = span.root
    of_objects = [
        grandchild
        for child in root.children
        if child.dep_ == "prep" and child.lower_ == "of" and child.i < span.end
        for grandchild in child.children
        if grandchild.dep_ == "pobj" and grandchild.i < span.end
    ]
    if root.pos_ in {"PRON", "NUM", "DET"} and of_objects:
        root = of_objects[0]  # "some of which", "many of them"
    return _antecedent(root)


def _antecedent(token: Token) -> Token:
    """What a relative pronoun stands for: "the attacks, some of which ..." -> attacks."""
    if token.lower_ not in {"which", "that", "who"}:
        return token
    clause = token
    # Tokens are made afresh on each access, so the root is found by index (its head is
    # itself), never by identity.
    while clause.dep_ != "relcl" and clause.head.i != clause.i:
        clause = clause.head
    return clause.head if clause.dep_ == "relcl" else token


def names_people(source: Token) -> bool:
    """A person, a personal pronoun, a speaker noun or role ("officials", "attorney
    general")."""
    lowered = source.lower_
    if source.ent_type_ == "PERSON" or lowered in word_list("personal_pronouns"):
        return True
    if lowered in word_list("possessive_pronouns"):
        return True  # "his promises", "their warning"
    words = [token for token in source.lefts if token.dep_ == "compound"] + [source]
    phrase = " ".join(token.lower_ for token in words[-2:])
    return phrase in role_heads() or any(token.lemma_.lower() in speaker_nouns() for token in words)


def can_speak(source: Token) -> bool:
    """People, organisations, countries and groups: a source that can say or write."""
    if source.lower_ in UNVOICED_PRONOUNS:
        return False
    if source.ent_type_ in AGENT_ENTITIES or source.pos_ == "PROPN" or names_people(source):
        return True
    return source.lemma_.lower() in org_heads()


def _states_figures(doc: Doc, statement: StatementData) -> bool:
    for start, end in statement["content_spans"]:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and any(
            token.text == "%" or (token.like_num and any(char.isdigit() for char in token.text))
            for token in span
        ):
            return True
    return False


def source_cue_class(doc: Doc, statement: StatementData) -> str | None:
    """The cue class once the source is read, or None when nobody said anything.

    The cue lexicon gives a class per cue word, but evidence speaks through the same verbs
    as people: "polls show", "the review indicates", "according to the
    Congressional Budget Office, the top 1 percent paid 25.4 percent". A cue that names an
    act only an agent performs ("the attacks threaten to overshadow the talks") is no
    attribution when its source cannot speak.
    """
    cue_class = statement["cue_class"]
    if cue_class not in {"speech", "writing"}:
        return cue_class
    source = _source_root(doc, statement)
    if source is None:
        return cue_class
    if source.lower_ in evidence_sources() or source.lemma_.lower() in evidence_sources():
        return "evidence"
    cue = doc_text(doc)[statement["cue_start"] or 0 : statement["cue_end"] or 0].lower()
    if cue.startswith("according") and _states_figures(doc, statement) and not names_people(source):
        return "evidence"  # "according to the Tax Foundation, incomes rise 19.9 percent"
    if can_speak(source):
        return cue_class
    lemma = statement.get("cue_lemma", "")
    if lemma in word_list("evidence_cues_without_speaker"):
        return "evidence"
    if lemma in word_list("agent_only_cues"):
        return None
    return cue_class


SURE = 0.7  # the confidence of the taggers' and the rules' readings that measured right


def is_unattributed(statement: StatementData) -> bool:
    """No source found: an indirect or mixed content has a reporting clause by construction,
    so a missing source means a misread clause (and nobody to store it on); a quotation
    without a speaker is kept only when the reading is sure."""
    if statement["speaker_start"] is not None:
        return False
    return statement["kind"] != "direct" or statement.get("confidence", 0.0) < SURE


def is_unsigned_quote(text: str, statement: StatementData) -> bool:
    """A quotation inside a sentence with neither a cue nor a signature, which the rules give
    to the previous speaker ('used her words as its headline: "Finally."', 'brand him as
    "unfit"'): on PolNeAR dev one in ten was right. A quotation that is a paragraph of its
    own goes on with the previous speaker, as news writing has it."""
    if (
        statement["kind"] != "direct"
        or statement["cue_start"] is not None
        or statement["speaker_start"] is None
        or statement.get("confidence", 0.0) >= SURE
    ):
        return False
    start, end = _extent(statement)
    opening = text.rfind("\n", 0, start) + 1
    closing = text.find("\n", end)
    closing = len(text) if closing < 0 else closing
    own_paragraph = not text[opening:start].strip(QUOTE_CHARS) and not text[end:closing].strip(
        QUOTE_CHARS
    )
    return not own_paragraph


def particle_type(doc: Doc, statement: StatementData) -> str:
    """'called for X' is a demand, 'called on X to' an appeal, 'called X a liar' a naming
    whose type the content decides: the word after a bare cue gives its type."""
    particles = cue_particles().get(statement.get("cue_lemma", ""))
    if not particles or statement["cue_end"] is None:
        return statement["statement_type"]
    if doc[_token_at(doc, statement["cue_end"] - 1)].pos_ != "VERB":
        return statement["statement_type"]  # "renewed the call for X": the noun's own type
    following = doc_text(doc)[statement["cue_end"] : statement["cue_end"] + 20].split()
    word = following[0].lower() if following else ""
    return particles.get(word, particles.get("", statement["statement_type"]))


def _apart(text: str, position: int | None, extent: tuple[int, int]) -> bool:
    """Is a paragraph break between ``position`` and the content's extent?"""
    if position is None or extent[0] <= position < extent[1]:
        return False
    between = text[position : extent[0]] if position < extent[0] else text[extent[1] : position]
    return "\n" in between


def reported_across_paragraphs(text: str, statement: StatementData) -> bool:
    """Reported speech is one sentence, its reporting clause and its content together: an
    indirect content whose cue and source both lie in another paragraph (a headline read
    as the object of the first sentence's verb) is a misread sentence boundary. A quotation
    may follow its cue into the next paragraph ('He said:' then the quotation), never
    precede it: a cue in a later paragraph belongs to something else."""
    cue = statement["cue_start"]
    if cue is None:
        return False
    extent = _extent(statement)
    if statement["kind"] != "indirect" and cue < extent[1]:
        return False
    return _apart(text, cue, extent) and (
        statement["speaker_start"] is None or _apart(text, statement["speaker_start"], extent)
    )


def boilerplate_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of a publication's standing notes ("Editor's note: ..."), from the
    heading that opens a line to the next blank line: the same words repeated under every
    article, attributed to nobody in it."""
    headings = word_list("boilerplate_headings")
    ranges = []
    line_start = 0
    while line_start < len(text):
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        opening = text[line_start:line_end].lstrip().replace("’", "'").lower()
        if any(opening.startswith(heading) for heading in headings):
            block_end = text.find("\n\n", line_start)
            ranges.append((line_start, len(text) if block_end < 0 else block_end))
        line_start = line_end + 1
    return ranges


def is_anaphoric(doc: Doc, statement: StatementData) -> bool:
    """'reiterated this demand': the content was reported before, not here."""
    spans = statement["content_spans"]
    words = doc_text(doc)[spans[0][0] : spans[-1][1]].split()
    return len(words) <= 2 and words[0].lower() in word_list("demonstratives")


def looks_like_table(doc: Doc, statement: StatementData) -> bool:
    """Market tables and score lines ('Dow: DOWN 0.4 percent'): numbers, no verb."""
    words = []
    for start, end in statement["content_spans"]:
        span = doc.char_span(start, end, alignment_mode="expand")
        words += [token for token in span or () if not token.is_punct and not token.is_space]
    if not words or any(token.pos_ in {"VERB", "AUX"} for token in words):
        return False
    numeric = sum(1 for token in words if token.like_num or token.pos_ in {"NUM", "SYM"})
    return numeric * 4 >= len(words)


def split_coordinated(doc: Doc, statements: list[StatementData]) -> list[StatementData]:
    """'said X and denied Y': a content that runs into a coordinated cue ends before the
    conjunction, and the coordinated cue without a speaker of its own shares this one's."""
    out = list(statements)
    cue_tokens = {
        _token_at(doc, s["cue_start"]): position
        for position, s in enumerate(statements)
        if s["cue_start"] is not None
    }
    starts = doc_columns(doc).idx
    for position, statement in enumerate(statements):
        spans = statement["content_spans"]
        start = spans[0][0]
        for index, other in cue_tokens.items():
            # a cue between two fragments of a quotation ('"A," he said, adding, "B."') is
            # outside what was said: only a cue inside a fragment ends it
            if other == position or not any(a <= starts[index] < b for a, b in spans):
                continue
            own = statement["cue_start"]
            gloss = _is_participle_gloss(doc[index])
            if (
                own is not None
                and not gloss
                and not _coordinated_with(doc[index], doc[_token_at(doc, own)])
            ):
                continue
            cut = _clause_break_before(doc[index])
            if cut is None or cut <= start:
                continue
            out[position] = _cut_content(doc, out[position], cut)
            inner_speaker = out[other]["speaker_start"]
            if (
                inner_speaker is None or (gloss and any(a <= inner_speaker < b for a, b in spans))
            ) and statement["speaker_start"] is not None:
                keys = ("speaker_start", "speaker_end", "speaker_key")
                out[other] = {**out[other], **{key: statement[key] for key in keys}}
    return out


TIME_ENTITIES = frozenset({"DATE", "TIME"})


def _is_cue_adjunct(child: Token) -> bool:
    """When, where and on what occasion the cue was said ('during a campaign stop', 'in a
    statement on Thursday', 'after hackers struck'): the reporter's words, not the source's."""
    lowered = child.lower_
    if child.dep_ == "prep":
        if lowered in word_list("adjunct_prepositions"):
            return True
        objects = [grandchild for grandchild in child.children if grandchild.dep_ == "pobj"]
        return lowered in {"in", "at", "on"} and any(
            obj.ent_type_ in TIME_ENTITIES or obj.lemma_.lower() in word_list("occasion_nouns")
            for obj in objects
        )
    if child.dep_ in {"npadvmod", "advmod"}:
        return child.ent_type_ in TIME_ENTITIES
    if child.dep_ == "advcl":
        return any(
            grandchild.dep_ == "mark" and grandchild.lower_ in word_list("adjunct_prepositions")
            for grandchild in child.children
        )
    return False


def _aside_starts(doc: Doc, start: int, end: int) -> list[int]:
    """Where a content's trailing aside begins, measured on PolNeAR dev: ', which ...' on
    its noun ('the reality of climate change, which makes him an outlier'); in a clausal
    content, a ', which' or ', who' clause or an apposition that runs to its end ('he
    expects her to recover from pneumonia, which forced her to leave'), and a semicolon
    ('was not intentional; they only learned ...'): the reporter's words, not the source's."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return []
    nominal = span.root.pos_ in {"NOUN", "PROPN", "PRON"}
    starts = []
    for token in span:
        left = token.left_edge.i
        if left <= span.start or doc[left - 1].text != "," or token.right_edge.i < span.end - 2:
            continue
        relative = doc[left].lower_ in {"which", "who"} and token.dep_ in {"relcl", "advcl"}
        if (
            (token.dep_ == "relcl" and nominal)
            or relative
            or (token.dep_ == "appos" and not nominal)
        ):
            starts.append(doc[left - 1].idx)
    if not nominal:
        starts += [token.idx for token in span if token.text == ";" and token.i > span.start + 2]
    return starts


def without_cue_adjuncts(doc: Doc, statement: StatementData) -> StatementData:
    """An indirect content ends before a modifier of its cue that follows it ('criticized
    the plan as a failure during a campaign stop')."""
    if statement["kind"] != "indirect" or statement["cue_start"] is None:
        return statement
    cue = doc[_token_at(doc, statement["cue_start"])]
    start, end = _extent(statement)
    cuts = [
        child.left_edge.idx
        for child in cue.rights
        if start < child.left_edge.idx < end and _is_cue_adjunct(child)
    ]
    cuts += _aside_starts(doc, start, end)
    if not cuts:
        return statement
    cut_statement = _cut_content(doc, statement, min(cuts))
    spans = cut_statement["content_spans"]
    return cut_statement if spans[-1][1] - spans[0][0] >= 2 else statement


def _quote_before(doc: Doc, statement: StatementData) -> dict | None:
    """The reported quotation a cue signs: it ends just before the cue, with nothing but
    punctuation and the speaker between ('"...," she said', '"...," said Mr. Burman')."""
    cue_start = statement["cue_start"]
    text = doc_text(doc)
    speaker_start = statement["speaker_start"]
    for quote in doc._.kb_quotes or []:
        if not quote["reported"] or not 0 <= cue_start - quote["end"] < 60:
            continue
        end = cue_start
        if speaker_start is not None and quote["end"] <= speaker_start < cue_start:
            end = speaker_start
        if not text[quote["end"] : end].strip(" ,\u00a0"):
            return quote
    return None


def with_signed_quote(doc: Doc, statement: StatementData) -> StatementData:
    """'"It never crossed my mind," she said': a cue right after a quotation reports that
    quotation, not the sentence before it."""
    if statement["kind"] == "direct" or statement["cue_start"] is None:
        return statement
    if _extent(statement)[1] > statement["cue_start"]:
        return statement
    quote = _quote_before(doc, statement)
    if quote is None:
        return statement
    fragments = [list(fragment) for fragment in quote["fragments"]]
    return {**statement, "content_spans": fragments, "kind": "direct"}


# The longest reporting clause a signed quotation's continuation may follow ('"A," said Mr.
# Schmidt, who bought the property 10 years ago. "B."'), in characters.
CONTINUATION_GAP = 200
QUOTE_MARKS = frozenset('"“”«»„')
# What may stand between a quotation and its paragraph's edges.
QUOTE_CHARS = "".join(sorted(QUOTE_MARKS)) + " \t'‘’.,"


def _continuation(text: str, quotes: list[dict], after: int) -> dict | None:
    """The reported quotation that opens right after the sentence ending at or after
    ``after``, in the same paragraph or as the whole of the next one, with no quotation
    mark in between."""
    for quote in quotes:
        if quote["start"] < after:
            continue
        between = text[after : quote["start"]]
        if (
            quote["reported"]
            and len(between) <= CONTINUATION_GAP
            and ("\n" not in between or _opens_next_paragraph(text, between, quote))
            and between.rstrip().endswith(".")
            and not QUOTE_MARKS & set(between)
        ):
            return quote
        return None
    return None


def _opens_next_paragraph(text: str, between: str, quote: dict) -> bool:
    """Is the quotation a paragraph of its own, opening the paragraph after the one that
    ``between`` ends ('"A," he said.' then, alone in the next paragraph, '"B."')?"""
    closing = text.find("\n", quote["end"])
    closing = len(text) if closing < 0 else closing
    return not between[between.index("\n") :].strip() and not text[quote["end"] : closing].strip(
        QUOTE_CHARS
    )


def _on_reporting_clause(doc: Doc, cue: int, signing_cue: int, quote: dict) -> bool:
    """Is the cue at ``cue`` a participle on the signing cue, before the continuation
    ('"A," said Caddell, speaking of her health. "B."'): the reporter's gloss on the signing,
    which does not open a statement of its own in between."""
    if cue >= quote["start"]:
        return False
    token = doc[_token_at(doc, cue)]
    return (
        token.tag_ == "VBG"
        and token.dep_ in {"advcl", "xcomp"}
        and token.head.i == _token_at(doc, signing_cue)
    )


def with_continued_quotes(doc: Doc, statements: list[StatementData]) -> list[StatementData]:
    """'"They're worried," Carson said. "There is no question about it."': a quotation that
    opens the sentence after a signed quotation, in the same paragraph, continues it; it is
    one statement of two fragments. So does a quotation that is the whole of the next
    paragraph, as PolNeAR annotates it. A continuation with a cue of its own ('"B," she
    added') stays its own statement."""
    text = doc_text(doc)
    quotes = sorted(doc._.kb_quotes or [], key=lambda quote: quote["start"])
    cues = sorted(s["cue_start"] for s in statements if s["cue_start"] is not None)
    out, absorbed = list(statements), set()
    for position, statement in enumerate(statements):
        cue_start = statement["cue_start"]
        if statement["kind"] != "direct" or cue_start is None or cue_start < _extent(statement)[1]:
            continue
        after = max(statement["cue_end"] or cue_start, statement["speaker_end"] or 0)
        quote = _continuation(text, quotes, after)
        if quote is None or any(
            after <= cue < quote["end"] and not _on_reporting_clause(doc, cue, cue_start, quote)
            for cue in cues
            if cue != cue_start
        ):
            continue
        fragments = [list(fragment) for fragment in quote["fragments"]]
        sharing = [
            other_position
            for other_position, other in enumerate(statements)
            if other_position != position and _overlaps(other["content_spans"], fragments)
        ]
        # a cue in a later paragraph that took the quotation is a misread sentence boundary
        # (dropped below), no cue of its own
        if any(
            statements[other]["cue_start"] not in {None, cue_start}
            and not reported_across_paragraphs(text, statements[other])
            for other in sharing
        ):
            continue
        absorbed.update(sharing)
        spans = statement["content_spans"] + fragments
        out[position] = {**statement, "content_spans": spans}
    return [statement for position, statement in enumerate(out) if position not in absorbed]


def with_whole_quotations(doc: Doc, statements: list[StatementData]) -> list[StatementData]:
    """A quotation is reported whole: a direct or mixed content that stops inside a
    quotation ('"Here is what I regret. I regret they ..."' read up to its first sentence)
    goes on to the quotation's end, paragraphs it runs over included, unless another
    statement reads the rest."""
    quotes = [quote for quote in doc._.kb_quotes or [] if quote["reported"]]
    out = []
    for position, statement in enumerate(statements):
        spans = [list(span) for span in statement["content_spans"]]
        if statement["kind"] in {"direct", "mixed"}:
            others = [s for i, s in enumerate(statements) if i != position]
            spans = _to_quotation_ends(spans, quotes, others)
        out.append({**statement, "content_spans": spans})
    return out


def _to_quotation_ends(
    spans: list[list[int]], quotes: list[dict], others: list[StatementData]
) -> list[list[int]]:
    last_start, last_end = spans[-1]
    for quote in quotes:
        if not quote["start"] < last_end < quote["end"]:
            continue
        rest = [list(fragment) for fragment in quote["fragments"] if fragment[1] > last_end]
        if not rest or rest[-1][1] - last_end <= 2:
            return spans
        if any(
            _overlaps(other["content_spans"], rest)
            or any(a <= (other["cue_start"] or -1) < b for a, b in rest)
            for other in others
        ):
            return spans
        first = rest[0]
        if first[0] <= last_end:  # the content stops inside this fragment
            return [*spans[:-1], [min(last_start, first[0]), first[1]], *rest[1:]]
        return spans + rest
    return spans


def with_trailing_quotations(doc: Doc, statements: list[StatementData]) -> list[StatementData]:
    """'called the system "rotten to the core"': a content read up to a quotation that
    opens right after it, in the same sentence, goes on to the quotation's end, unless
    another statement reads the quotation."""
    text = doc_text(doc)
    quotes = [quote for quote in doc._.kb_quotes or [] if quote["reported"]]
    out, absorbed = list(statements), set()
    for position, statement in enumerate(statements):
        start, end = _extent(statement)
        cue = statement["cue_start"]
        if statement["kind"] == "direct" or cue is None or cue > start:
            continue
        sentence_end = doc[_token_at(doc, max(end - 1, start))].sent.end_char
        following = [
            quote
            for quote in quotes
            if end <= quote["start"] < sentence_end
            and not text[end : quote["start"]].strip(" ,\u00a0")
            and len(quote["fragments"]) == 1
        ]
        if not following:
            continue
        sharing = [
            other_position
            for other_position, other in enumerate(statements)
            if other_position != position
            and _overlaps(other["content_spans"], following[0]["fragments"])
        ]
        # the rules give a quotation to the nearest cue: this one's reading is the same
        if any(statements[other]["cue_start"] not in {None, cue} for other in sharing):
            continue
        absorbed.update(sharing)
        spans = statement["content_spans"]
        merged = [*spans[:-1], [spans[-1][0], following[0]["fragments"][0][1]]]
        out[position] = {**statement, "content_spans": merged, "kind": "mixed"}
    return [statement for position, statement in enumerate(out) if position not in absorbed]


# What follows a dateline's place before the story starts: ", July 19 (UPI) —", " (AFP) –".
DATELINE_REST = re.compile(r"(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})?\s*(?:\([\w. ]{2,30}\))?\s*[—–]\s*")
SPEAKING_ENTITIES = frozenset({"PERSON", "ORG", "NORP"})


def with_dateline_source(doc: Doc, statement: StatementData) -> StatementData:
    """'NEW YORK (AP) — Senator Dole said': a source that is the dateline's place is the
    first person or organisation named after the dash; a source that is a date ('Saturday
    at the convention Senator Dole said', misparsed) the first one named after it."""
    speaker_start, cue_start = statement["speaker_start"], statement["cue_start"]
    if speaker_start is None or cue_start is None or speaker_start > cue_start:
        return statement
    columns = doc_columns(doc)
    first = doc[_token_at(doc, speaker_start)]
    last = _token_at(doc, statement["speaker_end"] - 1)
    if all(columns.ent_type[i] in TIME_ENTITIES for i in range(first.i, last + 1)):
        index = last + 1  # 'Saturday at the convention Senator Dole said': a date
    else:
        if not first.is_sent_start and first.i > 0 and "\n" not in doc[first.i - 1].text:
            return statement
        rest = DATELINE_REST.match(doc_text(doc), statement["speaker_end"])
        if rest is None:
            return statement
        index = _token_at(doc, rest.end())
    while index < len(doc) and columns.idx[index] < cue_start:
        if columns.ent_type[index] in SPEAKING_ENTITIES:
            end = index
            while end + 1 < len(doc) and doc[end + 1].ent_iob_ == "I":
                end += 1
            token_key = {i: key for i, key in (doc._.kb_token_keys or [])}
            return {
                **statement,
                "speaker_start": columns.idx[index],
                "speaker_end": doc[end].idx + len(doc[end].text),
                "speaker_key": token_key.get(end, token_key.get(index, "")),
            }
        index += 1
    return statement


def with_parenthetical_rest(doc: Doc, statement: StatementData) -> StatementData:
    """'The difference now, he told me on Friday, is that ...': a reporting clause set off
    by commas inside the reported sentence (the parser hangs the cue on the sentence's verb
    as a parataxis) splits the content in two; a content read only up to the clause goes on
    after it, to the end of the sentence."""
    if statement["kind"] == "direct" or statement["cue_start"] is None:
        return statement
    cue = doc[_token_at(doc, statement["cue_start"])]
    if cue.dep_ != "parataxis" or cue.sent.root.i <= cue.i or len(statement["content_spans"]) > 1:
        return statement
    start, end = _extent(statement)
    clause_start = min(statement["speaker_start"] or cue.idx, cue.idx)
    if end > clause_start or doc_text(doc)[end:clause_start].strip(" ,") != "":
        return statement
    comma = cue.right_edge.i  # the closing comma hangs on the cue, or follows its clause
    if doc[comma].text != ",":
        comma += 1
    last = cue.sent.end - 1
    while last > comma and (doc[last].is_punct or doc[last].is_space):
        last -= 1
    if comma >= len(doc) or doc[comma].text != "," or last <= comma + 1:
        return statement
    first = doc[comma + 1]
    rest = trim_chars(doc_text(doc), first.idx, doc[last].idx + len(doc[last].text))
    return {**statement, "content_spans": [[start, end], list(rest)]}


def with_right_complement(doc: Doc, statement: StatementData) -> StatementData:
    """A reported clause follows its cue: an indirect content read wholly before a cue that
    has a clausal complement on its right ('fireworks on Friday: Republicans said they are
    convinced ...') is that complement; so is the cue's object when a colon or a semicolon
    parts the content from the reporting clause ('the voters were split: most women
    preferred the mayor')."""
    if statement["kind"] == "direct" or statement["cue_start"] is None:
        return statement
    cue = doc[_token_at(doc, statement["cue_start"])]
    content_end = _extent(statement)[1]
    if content_end > cue.idx:
        return statement
    shortest = 8
    complements = [child for child in cue.rights if child.dep_ == "ccomp"]
    clause = min(statement["speaker_start"] or cue.idx, cue.idx)
    if not complements and set(doc_text(doc)[content_end:clause]) & {":", ";"}:
        complements = [child for child in cue.rights if child.dep_ in {"dobj", "xcomp"}]
        shortest = 2
    if not complements:
        return statement
    first, last = complements[0].left_edge, complements[0].right_edge
    start, end = trim_chars(doc_text(doc), first.idx, last.idx + len(last.text))
    if _starts_with_that(doc_text(doc), start, end):
        start += 5
    if end - start < shortest:
        return statement
    return {**statement, "content_spans": [[start, end]]}


def _starts_with_that(text: str, start: int, end: int) -> bool:
    return text[start : start + 5].lower() == "that " and end - start > 5


def _coordinated_with(other: Token, cue: Token) -> bool:
    """Does the cue ``other`` start a second report of the same source: a conjunct of
    ``cue`` ("said X and denied Y"), a participle on it ("said X, calling for Y"), or a
    coordinated verb that reports a clause of its own (the parser often hangs "and denied
    that ..." on the content's verb)? A verb coordinated inside the content without a
    clause of its own ("said he ranked them and talked about them") is what was said."""
    if other.dep_ != "conj":
        return other.head.i == cue.i
    head = other.head
    while head.dep_ == "conj" and head.i != cue.i:
        head = head.head
    return head.i == cue.i or any(child.dep_ == "ccomp" for child in other.children)


def _is_participle_gloss(cue: Token) -> bool:
    """', claiming that ...', ', adding, "..."': a participle set off by a comma inside what
    was said, whatever the parser hangs it on, is the reporter's gloss: a second report of
    the same source."""
    return cue.tag_ == "VBG" and cue.dep_ == "advcl" and _comma_before(cue) is not None


def _comma_before(cue: Token) -> int | None:
    """The index of the comma right before the cue, a closing quotation mark between them
    or not ('"... party," claiming')."""
    index = cue.i - 1
    if index >= 0 and cue.doc[index].text in QUOTE_MARKS | {"’", "'"}:
        index -= 1
    return index if index >= 0 and cue.doc[index].text == "," else None


def _clause_break_before(cue: Token) -> int | None:
    """Where a content must end before a cue of its own: the conjunction of a coordinated
    cue ('and denied'), the comma before a participle cue (', calling for')."""
    doc = cue.doc
    if cue.dep_ == "conj":
        conjunctions = [c for c in cue.head.children if c.dep_ == "cc" and c.i < cue.i]
        return conjunctions[-1].idx if conjunctions else None
    if _is_participle_gloss(cue):
        return doc[_comma_before(cue)].idx
    return None


def _cut_content(doc: Doc, statement: StatementData, cut: int) -> StatementData:
    spans = [[start, min(end, cut)] for start, end in statement["content_spans"] if start < cut]
    spans[-1] = list(trim_chars(doc_text(doc), *spans[-1]))
    return {**statement, "content_spans": spans}


def statements_from(
    doc: Doc,
    found: list[FoundAttribution],
    cues: dict[tuple[str, str], Cue],
    in_quote: list[bool],
) -> list[StatementData]:
    text = doc_text(doc)
    quotes = [quote for quote in (doc._.kb_quotes or []) if quote["reported"]]
    token_key = {index: key for index, key in (doc._.kb_token_keys or [])}
    statements = []
    seen: set[tuple[int, int]] = set()
    for attribution in found:
        spans = []
        for start, end in attribution.content:
            last = doc[end - 1]
            span = trim_chars(text, doc[start].idx, last.idx + len(last.text))
            if span[1] - span[0] >= 2:
                spans.append(span)
        if not spans or (spans[0][0], spans[-1][1]) in seen:
            continue
        if quotes_as(doc[attribution.cue[-1]]):
            continue  # "X quoted Y as saying ...": Y's statement, read at "saying"
        seen.add((spans[0][0], spans[-1][1]))
        statements.append(_statement(doc, attribution, spans, quotes, token_key, cues))
    return statements


def _after_cue(doc: Doc, spans: list, cue_end: int) -> list:
    """Content never holds its own cue: when the cue grew past the tagged content's start
    ("continue" -> "continue to demand"), the content starts after it."""
    if not spans or not spans[0][0] < cue_end < spans[0][1]:
        return spans
    start = cue_end
    text = doc_text(doc)
    while start < spans[0][1] and text[start].isspace():
        start += 1
    return [(start, spans[0][1]), *spans[1:]]


def _statement(doc, attribution, spans, quotes, token_key, cues) -> StatementData:
    entry, cue_last_index = _cue_entry(doc, attribution.cue[-1], cues)
    cue_first, cue_last = doc[attribution.cue[0]], doc[cue_last_index]
    spans = _after_cue(doc, spans, cue_last.idx + len(cue_last.text))
    speaker_start = speaker_end = None
    speaker_key = ""
    if attribution.source is not None:
        first, last = doc[attribution.source[0]], doc[attribution.source[1] - 1]
        speaker_start, speaker_end = first.idx, last.idx + len(last.text)
        source_span = doc[attribution.source[0] : attribution.source[1]]
        speaker_key = token_key.get(source_span.root.i, "")
    return {
        "content_spans": [list(span) for span in spans],
        "kind": _kind(quotes, spans),
        "cue_start": cue_first.idx,
        "cue_end": cue_last.idx + len(cue_last.text),
        "cue_lemma": entry.lemma if entry else cue_first.lemma_.lower(),
        "cue_class": entry.cue_class if entry else "speech",
        "statement_type": entry.statement_type if entry else "statement",
        "negated": is_negated(doc, attribution.cue),
        "speaker_start": speaker_start,
        "speaker_end": speaker_end,
        "speaker_key": speaker_key,
        "confidence": attribution.confidence,
        "cue_known": entry is not None,
        # a cue the lexicon grew into a phrase ("continue" -> "continue to demand") is vouched
        # for by the lexicon, however unsure the tagger was of its first word
        "cue_marginal": attribution.cue_marginal if cue_last_index == attribution.cue[-1] else 1.0,
    }


def read_provenance(model_dir: Path = MODEL_DIR) -> dict:
    path = model_dir / PROVENANCE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
