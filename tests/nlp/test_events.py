"""Stage 4: events, their participants and dates, and the statements made at them."""

from __future__ import annotations

from statements.nlp import DocumentMetadata, extract
from statements.nlp.pipeline import resolve_date

TEXT = (
    "In an interview with VOA on Friday, Hawre Tawfiq condemned the attacks on the border. "
    "“These attacks violate international law,” he stated. "
    "Tawfiq later said that talks would resume."
)


def test_interview_with_date_resolved_against_publication(nlp):
    extraction = extract(TEXT, DocumentMetadata(published="2024-05-12"), nlp=nlp)
    (event,) = extraction.events
    assert event.name == "interview with VOA"
    assert event.classification == "interview"
    assert event.date_text == "Friday"
    assert event.date == "2024-05-10"
    names = {entity.key: entity.name for entity in extraction.entities}
    assert {names[key] for key in event.participant_keys} == {"Hawre Tawfiq", "VOA"}


def test_no_publication_date_keeps_only_the_text(nlp):
    (event,) = extract(TEXT, nlp=nlp).events
    assert event.date == ""
    assert event.date_text == "Friday"


def test_statements_linked_to_their_event(nlp):
    extraction = extract(TEXT, nlp=nlp)
    linked = {s.cue: s.event_key for s in extraction.statements}
    assert linked["condemned"] == "E1"
    assert linked["stated"] == "E1"
    assert linked["said"] is None


def test_resolve_date():
    assert resolve_date("on Friday", "2024-05-12") == "2024-05-10"
    assert resolve_date("yesterday", "2024-05-12") == "2024-05-11"
    assert resolve_date("March 3", "2024-05-12") == "2024-03-03"
    assert resolve_date("Friday", "") == ""
    assert resolve_date("Friday", "not a date") == ""
