"""When two quotations are the same words (statements/quoting.py): pure functions."""

from __future__ import annotations

import pytest

from statements.quoting import (
    MIN_CONTAINED_WORDS,
    quote_fingerprints,
    quote_tokens,
    quotes_align,
    spelling_key,
)

FULL = (
    "We will not accept this agreement, whatever Brussels says, because it would ruin the "
    "farmers who feed this country."
)


def _same(a: str, b: str) -> bool:
    return quotes_align(quote_tokens(a), quote_tokens(b)).same


@pytest.mark.parametrize(
    "other",
    [
        "“We will not accept this agreement, whatever Brussels says,”",  # a cut, curly marks
        "... whatever Brussels says, because it would ruin the farmers who feed this country",
        "We will not accept this agreement … because it would ruin the farmers who feed this "
        "country",  # an ellipsis inside
        "We will not accept this deal, whatever Brussels says, because it would ruin the "
        "farmers who feed this country.",  # one word in 19 differs
        "WE WILL NOT ACCEPT THIS AGREEMENT, WHATEVER BRUSSELS SAYS, BECAUSE IT WOULD RUIN THE "
        "FARMERS WHO FEED THIS COUNTRY",
    ],
)
def test_reports_of_one_quotation_are_the_same(other):
    assert _same(FULL, other) and _same(other, FULL)


@pytest.mark.parametrize(
    "other",
    [
        # Many shared words, another sentence.
        "We will not accept this budget, whatever the opposition says, because it would hurt "
        "the families who need our help.",
        # A cut with words of its own in the middle, and no ellipsis to say so.
        "We will not accept this agreement because it would ruin the farmers who feed this country",
        "we will not accept",  # too short to be anything but identical
    ],
)
def test_other_words_are_not_the_same(other):
    assert not _same(FULL, other)


def test_spelling_apostrophes_and_short_lines():
    assert spelling_key("defence") == spelling_key("defense")
    assert spelling_key("organised") == spelling_key("organized")
    assert spelling_key("labour's") == "labor's"
    assert spelling_key("four") == "four" and spelling_key("paradise") == "paradise"
    assert _same("Our defence budget must grow", "our defense budget must grow")
    assert _same("We don’t", "we don't")
    assert not _same("We will win", "We will win this")
    assert MIN_CONTAINED_WORDS > 3


def test_a_shared_run_of_six_words_shares_a_fingerprint():
    long = quote_tokens(FULL)
    cut = quote_tokens("whatever Brussels says, because it would")
    assert quote_fingerprints(long) & quote_fingerprints(cut)
    assert len(quote_fingerprints(long)) < len(long.words)
    assert quote_fingerprints(quote_tokens("Yes")) == quote_fingerprints(quote_tokens("yes!"))
