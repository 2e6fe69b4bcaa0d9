"""Training sequences from gold attributions (eval JSONL format) aligned to parsed Docs.

A gold attribution has character spans for its cue, content (one or more fragments) and
source. Each becomes token labels: the cue tagger sees every sentence once; the span tagger
sees one window per gold cue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc

from statements.nlp.learned.features import (
    DocFeatures,
    char_tokens,
    cue_head,
    cue_sequence,
    span_sequence,
    span_window,
)

Sequence = tuple[list[list[str]], list[str]]


@dataclass(frozen=True, slots=True)
class GoldAttribution:
    cue: tuple[int, ...]  # token indices, sorted
    content: frozenset[int]
    source: frozenset[int]


def _tokens(doc: Doc, spans: list[list[int]] | None) -> set[int]:
    found: set[int] = set()
    for start, end in spans or ():
        found |= char_tokens(doc, start, end)
    return found


def _spans_of(statement: dict, name: str) -> list[list[int]]:
    spans = statement.get(f"{name}_spans")
    if spans:
        return spans
    start = statement.get(f"{name}_start")
    return [[start, statement[f"{name}_end"]]] if start is not None else []


def gold_attributions(doc: Doc, statements: list[dict]) -> list[GoldAttribution]:
    out = []
    for statement in statements:
        cue = _tokens(doc, _spans_of(statement, "cue"))
        if not cue:
            continue
        content = _tokens(doc, _spans_of(statement, "content")) - cue
        source = _tokens(doc, _spans_of(statement, "speaker")) - cue - content
        out.append(GoldAttribution(tuple(sorted(cue)), frozenset(content), frozenset(source)))
    return out


def cue_labels(features: DocFeatures, gold: list[GoldAttribution]) -> list[str]:
    """B on the syntactic head of each gold cue ("reserved" in "reserved his passion for"),
    O elsewhere: one token per attribution is easier to learn than long, gappy cue spans."""
    labels = ["O"] * len(features.doc)
    for attribution in gold:
        labels[cue_head(features.doc, list(attribution.cue))] = "B"
    return labels


def cue_examples(features: DocFeatures, gold: list[GoldAttribution]) -> Iterator[Sequence]:
    labels = cue_labels(features, gold)
    for number, (start, end) in enumerate(features.sentences):
        yield cue_sequence(features, number), labels[start:end]


def span_examples(features: DocFeatures, gold: list[GoldAttribution]) -> Iterator[Sequence]:
    for attribution in gold:
        cue_tokens = [cue_head(features.doc, list(attribution.cue))]
        start, end = span_window(features, cue_tokens)
        labels = []
        for index in range(start, end):
            if index in attribution.content and index != cue_tokens[0]:
                labels.append("C")
            elif index in attribution.source:
                labels.append("S")
            else:
                labels.append("O")
        yield span_sequence(features, cue_tokens, (start, end)), labels
