"""Features for the learned attribution taggers, read from spaCy's parse and the rules.

Two sequence taggers share these features:

* the cue tagger labels every token of a sentence ``B``, ``I`` (part of a reporting cue:
  "said", "according to", "allegations") or ``O``;
* the span tagger is run once per cue over a window of sentences around it and labels each
  token ``C`` (content of that cue's attribution), ``S`` (its source) or ``O``.

Token features are computed once per Doc (``DocFeatures``); the span tagger adds features
relative to one cue (side, distance, syntactic path to the cue) and what the rule engine
found for that cue, which is a strong prior the tagger learns to trust or correct.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc

from statements.nlp.components.columns import DocColumns, doc_columns
from statements.nlp.lexicons import Cue, word_list

NEGATIONS = word_list("negations")


@dataclass(frozen=True, slots=True)
class RuleStatement:
    """What the rule engine found, as token index sets (the learned taggers' prior)."""

    cue: frozenset[int]
    content: frozenset[int]
    source: frozenset[int]


@dataclass(slots=True)
class DocFeatures:
    """Per-token features of one Doc, shared by both taggers."""

    doc: Doc
    base: list[list[str]]
    in_quote: list[bool]
    sentence_of: list[int]
    sentences: list[tuple[int, int]]
    rule_statements: list[RuleStatement] = field(default_factory=list)
    rule_cues: frozenset[int] = frozenset()


def _distance_bucket(distance: int) -> str:
    if distance <= 3:
        return str(distance)
    if distance <= 6:
        return "4-6"
    if distance <= 12:
        return "7-12"
    if distance <= 25:
        return "13-25"
    return "far"


def _token_features(
    columns: DocColumns, index: int, cues: dict[tuple[str, str], Cue], quoted: bool
) -> list[str]:
    lemma = columns.lemma_lower[index]
    pos = columns.pos[index]
    dep = columns.dep[index]
    head = columns.head[index]
    features = [
        "b",
        f"l={lemma}",
        f"p={pos}",
        f"t={columns.tag[index]}",
        f"d={dep}",
        f"hl={columns.lemma_lower[head]}",
        f"hd={columns.dep[head]}",
        f"hp={columns.pos[head]}",
        f"dp={dep}|{pos}",
        f"q={int(quoted)}",
    ]
    if columns.is_punct[index]:
        features.append(f"punct={columns.text[index]}")
    if columns.is_title[index]:
        features.append("title")
    if columns.ent_type[index]:
        features.append(f"ent={columns.ent_type[index]}")
    kind = {"VERB": "verb", "NOUN": "noun", "ADJ": "adj"}.get(pos)
    cue = cues.get((lemma, kind)) if kind else None
    if cue is None and kind == "adj":
        cue = cues.get((columns.lower[index], kind))
    if cue is not None:
        features += [f"cue={cue.cue_class}", f"cuet={cue.statement_type}"]
    for child in columns.children[index]:
        features.append(f"ch={columns.dep[child]}")
        if columns.lower[child] in NEGATIONS:
            features.append("neg")
    return features


def quote_mask(doc: Doc) -> list[bool]:
    """True for tokens inside a reported quotation (``doc._.kb_quotes``)."""
    mask = [False] * len(doc)
    quotes = [quote for quote in (doc._.kb_quotes or []) if quote["reported"]]
    if not quotes:
        return mask
    starts = sorted((quote["start"], quote["end"]) for quote in quotes)
    index = 0
    for position, char in enumerate(doc_columns(doc).idx):
        while index < len(starts) and starts[index][1] <= char:
            index += 1
        if index < len(starts) and starts[index][0] <= char:
            mask[position] = True
    return mask


def char_tokens(doc: Doc, start: int, end: int) -> frozenset[int]:
    """Indices of the tokens that overlap the characters [start, end)."""
    if end <= start:
        return frozenset()
    span = doc.char_span(start, end, alignment_mode="expand")
    return frozenset(range(span.start, span.end)) if span is not None else frozenset()


def rule_statements(doc: Doc) -> list[RuleStatement]:
    """The rule engine's statements on this Doc as token sets."""
    out = []
    for item in doc._.kb_statements or []:
        cue = frozenset()
        if item["cue_start"] is not None:
            cue = char_tokens(doc, item["cue_start"], item["cue_end"])
        content: set[int] = set()
        for start, end in item["content_spans"]:
            content |= char_tokens(doc, start, end)
        source = frozenset()
        if item["speaker_start"] is not None:
            source = char_tokens(doc, item["speaker_start"], item["speaker_end"])
        out.append(RuleStatement(cue, frozenset(content), source))
    return out


def doc_features(doc: Doc, cues: dict[tuple[str, str], Cue]) -> DocFeatures:
    in_quote = quote_mask(doc)
    sentences = [(sentence.start, sentence.end) for sentence in doc.sents]
    sentence_of = [0] * len(doc)
    for number, (start, end) in enumerate(sentences):
        for index in range(start, end):
            sentence_of[index] = number
    columns = doc_columns(doc)
    count = len(columns)
    own = [_token_features(columns, index, cues, in_quote[index]) for index in range(count)]
    words = [
        (f"l={lemma}", f"p={pos}")
        for lemma, pos in zip(columns.lemma_lower, columns.pos, strict=True)
    ]
    base = []
    for index, context in enumerate(own):
        sentence = sentence_of[index]
        for offset in (-2, -1, 1, 2):
            other = index + offset
            if 0 <= other < count and sentence_of[other] == sentence:
                lemma, pos = words[other]
                context += [f"{offset}{lemma}", f"{offset}{pos}"]
            else:
                context.append(f"{offset}edge")
        base.append(context)
    rules = rule_statements(doc)
    rule_cues = frozenset().union(*(rule.cue for rule in rules)) if rules else frozenset()
    return DocFeatures(doc, base, in_quote, sentence_of, sentences, rules, rule_cues)


def cue_sequence(features: DocFeatures, sentence: int) -> list[list[str]]:
    """Cue-tagger features of one sentence's tokens."""
    start, end = features.sentences[sentence]
    rule_cues = features.rule_cues
    return [
        [*features.base[index], "rulecue"] if index in rule_cues else features.base[index]
        for index in range(start, end)
    ]


def cue_head(doc: Doc, cue_tokens: list[int]) -> int:
    """The syntactic head of a cue's tokens (the one whose head lies outside them)."""
    inside = set(cue_tokens)
    heads = doc_columns(doc).head
    for index in cue_tokens:
        if heads[index] not in inside or heads[index] == index:
            return index
    return cue_tokens[0]


def span_window(features: DocFeatures, cue_tokens: list[int], reach: int = 1) -> tuple[int, int]:
    """Token range the span tagger reads for one cue: its sentence and ``reach`` either side."""
    sentence = features.sentence_of[cue_tokens[0]]
    first = max(0, sentence - reach)
    last = min(len(features.sentences) - 1, features.sentence_of[cue_tokens[-1]] + reach)
    return features.sentences[first][0], features.sentences[last][1]


def _path_to_cue(columns: DocColumns, token: int, head: int) -> str:
    """How ``token`` hangs on the cue: the cue's child on the way down, or 'above'/'apart'."""
    if token == head:
        return "self"
    heads = columns.head
    node = token
    for _ in range(40):
        if heads[node] == head:
            return f"via={columns.dep[node]}"
        if heads[node] == node:
            break
        node = heads[node]
    node = head
    for _ in range(40):
        if heads[node] == token:
            return f"above={columns.dep[node]}"
        if heads[node] == node:
            break
        node = heads[node]
    return "apart"


def _rules_for_cue(features: DocFeatures, cue_tokens: list[int]) -> list[RuleStatement]:
    wanted = set(cue_tokens)
    return [rule for rule in features.rule_statements if rule.cue & wanted]


def span_sequence(
    features: DocFeatures, cue_tokens: list[int], window: tuple[int, int]
) -> list[list[str]]:
    """Span-tagger features of the window's tokens, relative to one cue."""
    doc = features.doc
    columns = doc_columns(doc)
    head = cue_head(doc, cue_tokens)
    cue_set = set(cue_tokens)
    cue_lemma = columns.lemma_lower[head]
    rules = _rules_for_cue(features, cue_tokens)
    rule_content = set().union(*(rule.content for rule in rules)) if rules else set()
    rule_source = set().union(*(rule.source for rule in rules)) if rules else set()
    head_sentence = features.sentence_of[head]
    start, end = window
    out = []
    for index in range(start, end):
        token_features = list(features.base[index])
        if index in cue_set:
            token_features.append("incue")
        side = "L" if index < cue_tokens[0] else ("R" if index > cue_tokens[-1] else "M")
        distance = min(abs(index - cue_tokens[0]), abs(index - cue_tokens[-1]))
        sentence_offset = features.sentence_of[index] - head_sentence
        path = (
            _path_to_cue(columns, index, head)
            if sentence_offset == 0
            else f"sent={max(-1, min(1, sentence_offset))}"
        )
        token_features += [
            f"side={side}",
            f"dist={side}{_distance_bucket(distance)}",
            path,
            f"{path}|{side}",
            f"{path}|cl={cue_lemma}" if sentence_offset == 0 else path,
            f"so={sentence_offset}|q={int(features.in_quote[index])}",
        ]
        if index in rule_content:
            token_features.append("rulecontent")
        if index in rule_source:
            token_features.append("rulesource")
        if not rules:
            token_features.append("norule")
        out.append(token_features)
    return out
