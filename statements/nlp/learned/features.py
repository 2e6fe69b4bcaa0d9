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

from spacy.tokens import Doc, Token

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


def _token_features(token: Token, cues: dict[tuple[str, str], Cue], quoted: bool) -> list[str]:
    lemma = token.lemma_.lower()
    pos = token.pos_
    head = token.head
    features = [
        "b",
        f"l={lemma}",
        f"p={pos}",
        f"t={token.tag_}",
        f"d={token.dep_}",
        f"hl={head.lemma_.lower()}",
        f"hd={head.dep_}",
        f"hp={head.pos_}",
        f"dp={token.dep_}|{pos}",
        f"q={int(quoted)}",
    ]
    if token.is_punct:
        features.append(f"punct={token.text}")
    if token.is_title:
        features.append("title")
    if token.ent_type_:
        features.append(f"ent={token.ent_type_}")
    kind = {"VERB": "verb", "NOUN": "noun", "ADJ": "adj"}.get(pos)
    cue = cues.get((lemma, kind)) if kind else None
    if cue is None and kind == "adj":
        cue = cues.get((token.lower_, kind))
    if cue is not None:
        features += [f"cue={cue.cue_class}", f"cuet={cue.statement_type}"]
    for child in token.children:
        features.append(f"ch={child.dep_}")
        if child.lower_ in NEGATIONS:
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
    for token in doc:
        while index < len(starts) and starts[index][1] <= token.idx:
            index += 1
        if index < len(starts) and starts[index][0] <= token.idx:
            mask[token.i] = True
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
    tokens = list(doc)
    own = [_token_features(token, cues, in_quote[token.i]) for token in tokens]
    words = [(f"l={token.lemma_.lower()}", f"p={token.pos_}") for token in tokens]
    base = []
    for index, token_features in enumerate(own):
        sentence = sentence_of[index]
        context = list(token_features)
        for offset in (-2, -1, 1, 2):
            other = index + offset
            if 0 <= other < len(tokens) and sentence_of[other] == sentence:
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
    for index in cue_tokens:
        if doc[index].head.i not in inside or doc[index].head.i == index:
            return index
    return cue_tokens[0]


def span_window(features: DocFeatures, cue_tokens: list[int], reach: int = 1) -> tuple[int, int]:
    """Token range the span tagger reads for one cue: its sentence and ``reach`` either side."""
    sentence = features.sentence_of[cue_tokens[0]]
    first = max(0, sentence - reach)
    last = min(len(features.sentences) - 1, features.sentence_of[cue_tokens[-1]] + reach)
    return features.sentences[first][0], features.sentences[last][1]


def _path_to_cue(token: Token, head: Token) -> str:
    """How ``token`` hangs on the cue: the cue's child on the way down, or 'above'/'apart'."""
    if token.i == head.i:
        return "self"
    node = token
    for _ in range(40):
        if node.head.i == head.i:
            return f"via={node.dep_}"
        if node.head.i == node.i:
            break
        node = node.head
    node = head
    for _ in range(40):
        if node.head.i == token.i:
            return f"above={node.dep_}"
        if node.head.i == node.i:
            break
        node = node.head
    return "apart"


def _rules_for_cue(features: DocFeatures, cue_tokens: list[int]) -> list[RuleStatement]:
    wanted = set(cue_tokens)
    return [rule for rule in features.rule_statements if rule.cue & wanted]


def span_sequence(
    features: DocFeatures, cue_tokens: list[int], window: tuple[int, int]
) -> list[list[str]]:
    """Span-tagger features of the window's tokens, relative to one cue."""
    doc = features.doc
    head = doc[cue_head(doc, cue_tokens)]
    cue_set = set(cue_tokens)
    cue_lemma = head.lemma_.lower()
    rules = _rules_for_cue(features, cue_tokens)
    rule_content = set().union(*(rule.content for rule in rules)) if rules else set()
    rule_source = set().union(*(rule.source for rule in rules)) if rules else set()
    head_sentence = features.sentence_of[head.i]
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
            _path_to_cue(doc[index], head)
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
