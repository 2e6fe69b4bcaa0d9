"""Extraction never crashes and every offset it returns points into the text it was given."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from statements.nlp import extract
from statements.nlp.records import Extraction

ALPHABET = st.sampled_from(
    [
        *"abcdefghij ABC.,;:!?\n\t\"'“”«»‘’-—()",
        "said",
        " he ",
        "Smith",
        "according to",
        "😀",
        "🇮🇶",
        "مرحبا",
        "שלום",
        "İnan",
        "\u200f",
    ]
)
TEXTS = st.lists(ALPHABET, max_size=60).map("".join)
# ~1 MB in one document. Long tokens keep the parse cheap (spaCy's own cost on 1 MB of prose
# is minutes on a laptop) while the quotation scan and every offset check run over 1 MB.
BIG_TEXT = (
    "“We will win,” Smith said. " + ("“" + "x" * 4000 + "” said he. " + "y" * 5000 + "\n") * 110
)


def check_offsets(extraction: Extraction) -> None:
    text = extraction.text
    size = len(text)

    def inside(start: int | None, end: int | None) -> None:
        if start is None or end is None:
            return
        assert 0 <= start <= end <= size

    for statement in extraction.statements:
        inside(statement.content_start, statement.content_end)
        inside(statement.cue_start, statement.cue_end)
        inside(statement.speaker_start, statement.speaker_end)
        for start, end in statement.content_spans:
            inside(start, end)
        if statement.speaker_start is not None:
            assert text[statement.speaker_start : statement.speaker_end] == statement.speaker_text
        if statement.cue_start is not None:
            assert text[statement.cue_start : statement.cue_end] == statement.cue
        fragments = [text[start:end] for start, end in statement.content_spans]
        assert statement.content == " ... ".join(fragments)
    for entity in extraction.entities:
        for mention in entity.mentions:
            inside(mention.start, mention.end)
            assert text[mention.start : mention.end] == mention.text
    for mention in extraction.mentions:
        inside(mention.start, mention.end)
        assert text[mention.start : mention.end] == mention.text
    for record in (*extraction.roles, *extraction.events):
        inside(record.start, record.end)
        assert text[record.start : record.end] == record.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
@example(text="")
@example(text="word")
@example(text="“”")
@example(text='"""""')
@example(text="“ ” “")
@example(text="He said “this never closes")
@example(text="😀😀 said 😀")
@example(text="قال الوزير إن «الانسحاب ضروري»")
@example(text="\n\n\n")
@example(text=BIG_TEXT)
def test_extract_never_crashes_and_offsets_match(nlp, text):
    extraction = extract(text, nlp=nlp)
    assert extraction.text == text
    check_offsets(extraction)
