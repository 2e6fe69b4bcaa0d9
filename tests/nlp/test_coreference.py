"""Stage 0: names resolved inside one document (docs/domain.md, Identity)."""

from __future__ import annotations

from statements.nlp import extract

TEXT = (
    "Sheikh Qais al-Khazali, Secretary-General of Iraq’s Asa’ib Ahl al-Haq movement, met "
    "diplomats on Monday. Khazali said that the withdrawal was essential. "
    "Hawre Tawfiq spoke to reporters later. He stated that the talks had failed."
)


def test_honorific_is_not_part_of_the_name(nlp):
    extraction = extract(TEXT, nlp=nlp)
    khazali = [e for e in extraction.entities if e.name == "Qais al-Khazali"]
    assert khazali and khazali[0].honorific_prefix == "Sheikh"
    assert khazali[0].kind == "person"


def test_surname_resolves_to_full_name(nlp):
    statement = next(s for s in extract(TEXT, nlp=nlp).statements if s.cue == "said")
    assert statement.speaker_text == "Khazali"
    assert statement.speaker_resolved == "Qais al-Khazali"


def test_pronoun_resolves_to_last_person_in_subject_position(nlp):
    statement = next(s for s in extract(TEXT, nlp=nlp).statements if s.cue == "stated")
    assert statement.speaker_text == "He"
    assert statement.speaker_resolved == "Hawre Tawfiq"


def test_head_noun_makes_an_organisation(nlp):
    organisations = {
        e.name: e.classification for e in extract(TEXT, nlp=nlp).entities if e.kind != "person"
    }
    assert organisations.get("Asa’ib Ahl al-Haq") == "movement"


def test_mentions_point_into_the_text(nlp):
    extraction = extract(TEXT, nlp=nlp)
    assert extraction.mentions
    for mention in extraction.mentions:
        assert TEXT[mention.start : mention.end] == mention.text
