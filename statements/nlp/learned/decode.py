"""Turn the taggers' labels into attributions: cue, content fragments and source spans."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from statements.nlp.components.columns import doc_columns
from statements.nlp.learned.features import (
    DocFeatures,
    cue_sequence,
    span_sequence,
    span_window,
)

# Characters a content or source span never starts or ends with.
EDGE_CHARS = " \t\n,;:—–-"


@dataclass(frozen=True, slots=True)
class FoundAttribution:
    """One attribution found by the taggers, as token indices (end exclusive)."""

    cue: tuple[int, ...]
    content: tuple[tuple[int, int], ...]  # token ranges of the fragments
    source: tuple[int, int] | None
    confidence: (
        float  # the rules finding the same cue raise it (perceptron scores are no probabilities)
    )
    # the cue tagger's marginal probability of its least sure cue token: not calibrated, but
    # the cues it hesitates on are more often actions than reports ("summoned his adviser")
    cue_marginal: float = 1.0


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and runs[-1][1] == index:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return runs


def cue_runs(labels: list[str], offset: int) -> list[tuple[int, ...]]:
    """Token indices of each cue in one sentence's B/I/O labels."""
    cues: list[list[int]] = []
    for position, label in enumerate(labels):
        if label == "B" or (label == "I" and (position == 0 or labels[position - 1] == "O")):
            cues.append([offset + position])
        elif label == "I":
            cues[-1].append(offset + position)
    return [tuple(cue) for cue in cues]


def _is_filler(doc: Doc, start: int, end: int) -> bool:
    """A gap between two fragments made of punctuation and quotation marks only."""
    columns = doc_columns(doc)
    return all(columns.is_punct[index] or columns.is_space[index] for index in range(start, end))


def content_fragments(doc: Doc, content: list[int]) -> list[tuple[int, int]]:
    """Runs of content tokens, joined across gaps that hold punctuation only."""
    merged: list[tuple[int, int]] = []
    for start, end in _runs(content):
        if merged and _is_filler(doc, merged[-1][1], start):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    is_punct = doc_columns(doc).is_punct
    return [
        (start, end)
        for start, end in merged
        if any(not is_punct[index] for index in range(start, end))
    ]


def _source_run(runs: list[tuple[int, int]], cue: tuple[int, ...]) -> tuple[int, int] | None:
    if not runs:
        return None
    return min(runs, key=lambda run: min(abs(run[0] - cue[-1]), abs(run[1] - 1 - cue[0])))


def find_attributions(features: DocFeatures, cue_tagger, span_tagger) -> list[FoundAttribution]:
    """Tag cues sentence by sentence, then content and source once per cue."""
    found = []
    for number, (start, _end) in enumerate(features.sentences):
        labels = cue_tagger.tag(cue_sequence(features, number))
        for cue in cue_runs(labels, start):
            marginal = min(cue_tagger.marginal(labels[i - start], i - start) for i in cue)
            attribution = _attribution_for_cue(features, cue, span_tagger, marginal)
            if attribution is not None:
                found.append(attribution)
    return found


def _attribution_for_cue(
    features: DocFeatures, cue: tuple[int, ...], span_tagger, cue_marginal: float = 1.0
) -> FoundAttribution | None:
    window = span_window(features, list(cue))
    labels = span_tagger.tag(span_sequence(features, list(cue), window))
    content = [window[0] + i for i, label in enumerate(labels) if label == "C"]
    source = [window[0] + i for i, label in enumerate(labels) if label == "S"]
    fragments = content_fragments(features.doc, content)
    if not fragments:
        return None
    return FoundAttribution(
        cue=cue,
        content=tuple(fragments),
        source=_source_run(_runs(source), cue),
        confidence=0.8 if cue[0] in features.rule_cues else 0.6,
        cue_marginal=cue_marginal,
    )


def trim_chars(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in EDGE_CHARS:
        start += 1
    while end > start and text[end - 1] in EDGE_CHARS:
        end -= 1
    return start, end
