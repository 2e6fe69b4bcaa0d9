"""The span highlighter: any overlap of statements and mentions gives well-formed HTML
whose visible text is the source text, and every span still covers exactly its words."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from statements.highlight import Span, document_render, spans_render
from tests.views.test_pages import assert_well_formed

TEXT = st.text(alphabet="ab <>&\"'’\n.", min_size=1, max_size=60)


def _visible(html: str) -> str:
    html = re.sub(r'<span class="vh">.*?</span>|<sup class="ref">.*?</sup>', "", html)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


class _Covered(HTMLParser):
    """Visible text inside the pieces of one span (they all carry its ``data-k``)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key, self.depth, self.hidden, self.text = key, 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.hidden:
            self.hidden += 1
        elif attrs.get("class") == "vh" or tag == "sup":
            self.hidden = 1
        if self.depth:
            self.depth += 1
        elif attrs.get("data-k") == self.key:
            self.depth = 1

    def handle_endtag(self, tag):
        self.hidden = max(0, self.hidden - 1)
        self.depth = max(0, self.depth - 1)

    def handle_data(self, data):
        if self.depth and not self.hidden:
            self.text.append(data)


def _covered(html: str, key: str) -> str:
    parser = _Covered(key)
    parser.feed(str(html))
    parser.close()
    return "".join(parser.text)


@st.composite
def text_and_spans(draw):
    text = draw(TEXT)
    spans = []
    for index in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        tag = draw(st.sampled_from(["mark", "a", "span"]))
        spans.append(
            Span(
                start,
                end,
                tag,
                {"class": "x", "data-k": str(index), "title": '"<&>'},
                order=index,
                prefix="said: " if tag == "mark" else "",
                after='<sup class="ref">↗</sup>' if tag == "mark" else "",
            )
        )
    return text, spans


@settings(max_examples=300, deadline=None)
@given(text_and_spans())
def test_any_overlap_renders_well_formed_html_of_the_same_text(case):
    text, spans = case
    html = spans_render(text, spans)
    assert_well_formed(html)
    assert _visible(html) == text
    for span in spans:
        if span.tag != "a":  # links overlapping an earlier link are dropped by design
            assert _covered(html, span.attrs["data-k"]) == text[span.start : span.end]


@settings(max_examples=100, deadline=None)
@given(text_and_spans())
def test_links_never_nest(case):
    text, spans = case
    depth = 0
    for token in re.findall(r"</?a\b", spans_render(text, spans)):
        depth += 1 if token == "<a" else -1
        assert depth <= 1


def test_first_piece_keeps_the_anchor_and_continuations_do_not():
    text = "one two three four"
    statement = Span(4, 13, "mark", {"id": "s-1", "tabindex": "0", "class": "stmt"})
    mention = Span(0, 7, "a", {"href": "/people/x/", "class": "mention"}, order=1)
    html = str(spans_render(text, [statement, mention]))
    assert html.count('id="s-1"') == 1
    assert html.count('tabindex="0"') == 1
    assert 'class="stmt cont"' in html
    assert_well_formed(html)


def test_document_render_splits_paragraphs_and_escapes():
    text = "First <b>para</b> & more.\n\nSecond “quote”."
    html = str(document_render(text, [Span(0, len(text), "mark", {"class": "stmt"})]))
    assert html.count("<p>") == 2
    assert "&lt;b&gt;para&lt;/b&gt; &amp; more." in html
    assert_well_formed(html)
