"""Stage 1: quotation marks (pure scan) and the quote-based statements built on them."""

from __future__ import annotations

from statements.nlp import extract
from statements.nlp.components.quotes import find_quotes, is_reported_quote


def inner_texts(text: str) -> list[list[str]]:
    return [[text[start:end] for start, end in quote.fragments] for quote in find_quotes(text)]


def test_straight_and_curly_quotes():
    text = 'He said "we will win this race." She said “we will not give up now.”'
    assert inner_texts(text) == [["we will win this race."], ["we will not give up now."]]


def test_two_apostrophes_are_a_quotation_mark():
    text = "''We will win this race,'' she said. ''Nobody doubts it.'' The voters' mood was calm."
    assert inner_texts(text) == [["We will win this race,"], ["Nobody doubts it."]]
    quote = find_quotes(text)[0]
    assert text[quote.start : quote.end] == "''We will win this race,''"


def test_quotation_in_two_apostrophes_is_one_direct_statement(nlp):
    text = (
        "''This plan is a gift to the banks,'' said Maria Lopez, an economist who once ran "
        "the budget office and now teaches at a state university. ''It will not create a "
        "single job.''"
    )
    statement = extract(text, nlp=nlp).statements[0]
    assert statement.kind == "direct"
    assert statement.content == (
        "This plan is a gift to the banks, ... It will not create a single job."
    )


def test_multi_sentence_quote_is_one_quote():
    text = "“We came. We saw. We won the vote,” she said."
    assert inner_texts(text) == [["We came. We saw. We won the vote,"]]


def test_quote_continued_over_paragraphs():
    text = "“The first paragraph of the quote.\n“The second paragraph ends it,” he said."
    assert inner_texts(text) == [
        ["The first paragraph of the quote.", "The second paragraph ends it,"]
    ]


def test_unbalanced_quote_is_ignored():
    assert find_quotes("He said “this never closes") == []
    assert find_quotes('"') == []
    assert find_quotes("") == []


def test_scare_quotes_are_not_reported_speech():
    text = "the “development road” project and the “tough guy” image"
    quotes = find_quotes(text)
    assert len(quotes) == 2
    assert not any(is_reported_quote(text, quote) for quote in quotes)


def test_short_quote_with_punctuation_is_reported():
    text = "“Never again,” he said."
    assert is_reported_quote(text, find_quotes(text)[0])


def test_split_quote_is_one_statement_with_two_fragments(nlp):
    text = "“We will not withdraw,” the minister said, “until the border is secure.”"
    extraction = extract(text, nlp=nlp)
    direct = [s for s in extraction.statements if s.kind == "direct"]
    assert len(direct) == 1
    fragments = [text[start:end] for start, end in direct[0].content_spans]
    assert fragments == ["We will not withdraw,", "until the border is secure."]
    assert direct[0].speaker_text == "the minister"


def test_scare_quotes_make_no_statement(nlp):
    text = "Trade on the “development road” project between Iraq and Turkey grew last year."
    assert extract(text, nlp=nlp).statements == ()


def test_quote_run_in_one_paragraph_is_one_statement(nlp):
    text = (
        "“We are ready for the election,” Smith said on Monday. “Our voters know what "
        "is at stake in this race.”"
    )
    (statement,) = extract(text, nlp=nlp).statements
    assert statement.speaker_text == "Smith"
    assert [text[a:b] for a, b in statement.content_spans] == [
        "We are ready for the election,",
        "Our voters know what is at stake in this race.",
    ]


def test_quote_in_next_paragraph_inherits_previous_speaker(nlp):
    text = (
        "“We are ready for the election,” Smith said on Monday.\n"
        "“Our voters know what is at stake in this race and they will turn out.”"
    )
    statements = extract(text, nlp=nlp).statements
    # one statement of two fragments, as PolNeAR annotates a quotation run over paragraphs
    second = [s for s in statements if "Our voters" in s.content]
    assert second and second[0].speaker_text == "Smith"
