"""Golden-file test of the seed article: the whole prediction must stay as recorded.

Regenerate after an intended change with ``KB_REGEN_GOLDEN=1 pytest tests/nlp`` and review
the diff of ``tests/nlp/golden/seed.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from statements.nlp import DocumentMetadata, extract
from statements.nlp.predict import extraction_to_prediction

GOLDEN = Path(__file__).with_name("golden") / "seed.json"
PUBLISHED = "2024-05-12"  # a Sunday: "on Friday" is 2024-05-10


@pytest.fixture(scope="module")
def seed_extraction(nlp, seed_article):
    return extract(seed_article, DocumentMetadata(published=PUBLISHED), nlp=nlp)


def test_seed_matches_golden_file(seed_extraction):
    prediction = extraction_to_prediction("seed-iraq-turkey-withdrawal", seed_extraction)
    if os.environ.get("KB_REGEN_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(prediction, ensure_ascii=False, indent=1) + "\n", "utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert prediction == expected


def test_seed_speakers_resolved(seed_extraction):
    text = seed_extraction.text
    by_cue = {s.cue: s for s in seed_extraction.statements}
    stated = by_cue["stated"]
    assert (stated.speaker_text, stated.speaker_resolved) == ("he", "Hawre Tawfiq")
    assert text[stated.speaker_start : stated.speaker_end] == "he"
    said = by_cue["said"]
    assert (said.speaker_text, said.speaker_resolved) == ("Khazali", "Qais al-Khazali")
    assert said.kind == "direct"
    assert by_cue["maintained"].speaker_resolved == "Iraqi Presidency"
    (demand,) = [s for s in seed_extraction.statements if "stronger response" in s.content]
    assert demand.speaker_text == "senior officials"
    assert demand.speaker_key is None


def test_seed_has_no_development_road_statement(seed_extraction):
    assert not [s for s in seed_extraction.statements if s.content == "development road"]


def test_seed_people_and_roles(seed_extraction):
    names = {e.key: e for e in seed_extraction.entities}
    roles = {(names[r.person_key].name, r.role): r for r in seed_extraction.roles}
    tawfiq = roles[("Hawre Tawfiq", "General Director of Foreign Relations")]
    assert tawfiq.organisation_name == "Iraqi Presidency"
    khazali = roles[("Qais al-Khazali", "Secretary-General")]
    assert khazali.organisation_name == "Asa’ib Ahl al-Haq"
    assert names[khazali.person_key].honorific_prefix == "Sheikh"
    assert roles[("Anıl Bora İnan", "Ambassador to Iraq")].status == "current"
    former = roles[("Ali Rıza Güney", "Ambassador to Iraq")]
    assert (former.status, former.organisation_name) == ("former", "Turkey")
    assert ("Ali Rıza Güney", "foreign ministry official") in roles


def test_seed_events(seed_extraction):
    names = {e.key: e.name for e in seed_extraction.entities}
    events = {e.name: e for e in seed_extraction.events}
    interview = events["interview with VOA"]
    assert interview.date == "2024-05-10"
    assert {names[k] for k in interview.participant_keys} == {"Hawre Tawfiq", "VOA"}
    meeting = events["meeting with Turkish diplomats"]
    assert {names[k] for k in meeting.participant_keys} == {
        "Qais al-Khazali",
        "Anıl Bora İnan",
        "Ali Rıza Güney",
    }
    linked = {s.cue: s.event_key for s in seed_extraction.statements}
    assert linked["condemned"] == interview.key
    assert linked["renewed the call for"] == meeting.key
    assert linked["said"] == meeting.key
