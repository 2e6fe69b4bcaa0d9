"""Stage 1: direct quotations found by scanning quotation-mark pairs.

The scan is pure (``find_quotes`` works on a string); the component then drops scare quotes
and quoted names (the seed's 'the "development road" project'), which need no parse: a
quotation of fewer than ``min_words`` words that does not end in punctuation names
something rather than reporting it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from statements.nlp.components.extensions import QuoteData, doc_text, register_extensions
from statements.nlp.lexicons import word_list

OPENERS = "“«„"
CLOSERS = "”»“"
# Two apostrophes stand for a double quotation mark, opening and closing alike, in
# typewriter-style news text ("''It is over,'' she said."), as '"' does.
TWO_APOSTROPHES = "''"
QUOTE_CHAR_RE = re.compile(r"''|[\"“”«»„]")
WORD_RE = re.compile(r"\w+")
NAME_JOINERS = word_list("name_joiners")
PARAGRAPH_RE = re.compile(r"\n")


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation: ``fragments`` are the inner spans (without the marks), one per paragraph."""

    start: int  # offset of the opening mark
    end: int  # offset after the closing mark
    fragments: tuple[tuple[int, int], ...]

    @property
    def inner_start(self) -> int:
        return self.fragments[0][0]

    @property
    def inner_end(self) -> int:
        return self.fragments[-1][1]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in PARAGRAPH_RE.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _after_mark(text: str, position: int) -> int:
    """Where a quotation's text starts after the opening mark at ``position``."""
    return position + (2 if text.startswith(TWO_APOSTROPHES, position) else 1)


def find_quotes(text: str) -> list[Quote]:
    """All quotation-mark pairs in ``text``, in order.

    Pairs never cross a paragraph break, except the news convention where a quotation
    running over several paragraphs leaves the paragraph unclosed and reopens the next one
    with an opening mark; those paragraphs form one quotation with one fragment each.
    Unbalanced marks are ignored.
    """
    quotes: list[Quote] = []
    pending: list[tuple[int, int]] = []  # fragments of a quotation carried over paragraphs
    pending_start = -1
    for para_start, para_end in _paragraphs(text):
        open_at = -1
        first_mark = True
        for match in QUOTE_CHAR_RE.finditer(text, para_start, para_end):
            pos = match.start()
            char = '"' if match.group() == TWO_APOSTROPHES else text[pos]
            if first_mark and pending and open_at < 0 and char in OPENERS + '"':
                # continuation paragraph of a pending multi-paragraph quotation
                open_at = pos
                first_mark = False
                continue
            if first_mark and pending:
                pending, pending_start = [], -1
            first_mark = False
            if open_at < 0:
                if char in OPENERS or char == '"':
                    open_at = pos
                continue
            if char in CLOSERS or char == '"':
                if char == "“" and text[open_at] == "“" and not pending:
                    # two openers in a row: the first was unbalanced
                    open_at = pos
                    continue
                inner = _strip_span(text, _after_mark(text, open_at), pos)
                if pending:
                    fragments = (*pending, inner)
                    quotes.append(Quote(pending_start, match.end(), tuple(fragments)))
                    pending, pending_start = [], -1
                elif inner[1] > inner[0]:
                    quotes.append(Quote(open_at, match.end(), (inner,)))
                open_at = -1
        if first_mark and pending:
            # a paragraph without any mark ends a pending quotation: drop it
            pending, pending_start = [], -1
        if open_at >= 0:
            inner = _strip_span(text, _after_mark(text, open_at), para_end)
            if inner[1] > inner[0]:
                if not pending:
                    pending_start = open_at
                pending.append(inner)
    return quotes


def is_reported_quote(text: str, quote: Quote, min_words: int = 4) -> bool:
    """False for scare quotes and quoted names: short, no closing punctuation."""
    inner = text[quote.inner_start : quote.inner_end]
    words = WORD_RE.findall(inner)
    if not words:
        return False
    if len(words) <= 5 and all(word[:1].isupper() or word in NAME_JOINERS for word in words):
        return False  # a title or a name: "Sunday Morning Futures," "Silent Night."
    if len(words) >= min_words:
        return True
    return inner.rstrip()[-1:] in ".,!?;:…" and len(words) >= 2


@Language.factory(
    "kb_quotes",
    assigns=["doc._.kb_quotes"],
    default_config={"min_words": 4},
)
def make_quotes(nlp: Language, name: str, min_words: int) -> QuoteFinder:
    return QuoteFinder(min_words=min_words)


class QuoteFinder:
    """Writes ``doc._.kb_quotes``: dicts with start, end, fragments and ``reported``."""

    def __init__(self, *, min_words: int = 4) -> None:
        register_extensions()
        self.min_words = min_words

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        doc._.kb_quotes = [
            QuoteData(
                start=quote.start,
                end=quote.end,
                fragments=[list(fragment) for fragment in quote.fragments],
                reported=is_reported_quote(text, quote, self.min_words),
            )
            for quote in find_quotes(text)
        ]
        return doc
