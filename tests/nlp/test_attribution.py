"""Stage 2: reporting verbs and phrases with their content and speaker, on parsed sentences."""

from __future__ import annotations

from spacy.tokens import Doc

from statements.nlp import extract
from statements.nlp.components.attribution import subject_of


def only(extraction, cue: str):
    found = [s for s in extraction.statements if s.cue.startswith(cue)]
    assert len(found) == 1, [s.cue for s in extraction.statements]
    return found[0]


def test_clausal_complement(nlp):
    text = "The minister stressed that the government must act now."
    statement = only(extract(text, nlp=nlp), "stressed")
    assert statement.content == "the government must act now"
    assert statement.speaker_text == "The minister"
    assert statement.kind == "indirect"


def test_content_before_the_cue(nlp):
    text = "The campaign decided to change course at the last minute, sources said."
    statement = only(extract(text, nlp=nlp), "said")
    assert statement.content.startswith("The campaign decided to change course")
    assert statement.speaker_text == "sources"


def test_inverted_speaker(nlp):
    text = "“The withdrawal is essential for our security,” said Khazali."
    statement = only(extract(text, nlp=nlp), "said")
    assert statement.kind == "direct"
    assert statement.speaker_text == "Khazali"


def test_participial_cue_inherits_subject(nlp):
    text = "The senator voiced deep concerns over the deal, urging the government to reconsider."
    extraction = extract(text, nlp=nlp)
    urging = only(extraction, "urging")
    assert urging.content == "the government to reconsider"
    assert urging.speaker_text == "The senator"
    concerns = only(extraction, "voiced")
    assert concerns.content == "the deal"


def test_calling_for(nlp):
    text = (
        "Sheikh Qais al-Khazali repeated the demand, calling for the complete withdrawal of forces."
    )
    statement = only(extract(text, nlp=nlp), "calling for")
    assert statement.content == "the complete withdrawal of forces"
    assert statement.speaker_resolved == "Qais al-Khazali"
    assert statement.statement_type == "demand"


def test_according_to(nlp):
    text = "According to the study, unemployment rose sharply in the third quarter."
    statement = only(extract(text, nlp=nlp), "According to")
    assert statement.content.startswith("unemployment rose sharply")
    assert statement.speaker_text == "the study"
    assert statement.cue_class == "evidence"


def test_nominal_cue(nlp):
    text = "The mayor renewed the call for a full investigation into the shooting."
    statement = only(extract(text, nlp=nlp), "renewed the call")
    assert statement.content == "a full investigation into the shooting"
    assert statement.speaker_text == "The mayor"


def test_belief_is_marked(nlp):
    text = "Most voters believe that the economy is getting worse."
    statement = only(extract(text, nlp=nlp), "believe")
    assert statement.cue_class == "belief"


def test_inanimate_subject_is_not_a_speaker(nlp):
    text = "The current situation requires collective efforts and a united stance."
    assert extract(text, nlp=nlp).statements == ()


def test_subject_of_on_a_hand_built_parse(nlp):
    # "Tawfiq spoke , urging calm ." with urging as an adverbial clause of spoke
    words = ["Tawfiq", "spoke", ",", "urging", "calm", "."]
    heads = [1, 1, 1, 1, 3, 1]
    deps = ["nsubj", "ROOT", "punct", "advcl", "dobj", "punct"]
    doc = Doc(nlp.vocab, words=words, heads=heads, deps=deps)
    assert subject_of(doc[3]).text == "Tawfiq"
    assert subject_of(doc[1]).text == "Tawfiq"


def test_a_dash_after_a_quotation_signs_it(nlp):
    text = (
        "Voters told us what they thought of the debate.\n"
        "“He showed no respect for anybody and he never answered a single question.”\u00a0"
        "― Carla Sanchez\n"
        "“I am afraid for my family and for the country we love so much.” — Jorge Falcon, "
        "Phoenix\n"
    )
    found = {
        s.content[:10]: s.speaker_resolved
        for s in extract(text, nlp=nlp).statements
        if s.kind == "direct"
    }
    assert found == {"He showed ": "Carla Sanchez", "I am afrai": "Jorge Falcon"}


def test_quoted_as_saying_is_the_statement_of_the_person_quoted(nlp):
    text = "The senator quoted John Smith as saying the bill was dead."
    (statement,) = extract(text, nlp=nlp).statements
    assert statement.speaker_resolved == "John Smith"
    assert statement.content == "the bill was dead"


def test_a_transcript_turn_in_quotation_marks_is_its_speakers(nlp):
    text = (
        "Partial transcript as follows:\n\n"
        '"WALLACE: Let me ask you about the debate and the guests. Will she be there?\n\n'
        '"PENCE: Well, the question really should be why the other campaign did that.\n\n'
        '"WALLACE: Governor, I want to ask you about the tax returns of your running mate."\n'
    )
    found = [(s.speaker_text, s.content) for s in extract(text, nlp=nlp).statements]
    assert found == [
        ("WALLACE", "Let me ask you about the debate and the guests. Will she be there?"),
        ("PENCE", "Well, the question really should be why the other campaign did that"),
        ("WALLACE", "Governor, I want to ask you about the tax returns of your running mate."),
    ]


def test_a_trailing_which_clause_is_the_reporters_aside(nlp):
    text = (
        "The doctor said he expects the senator to fully recover from pneumonia, "
        "which forced her to leave a memorial event early."
    )
    statement = only(extract(text, nlp=nlp), "said")
    assert statement.content == "he expects the senator to fully recover from pneumonia"
