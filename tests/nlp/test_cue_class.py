"""Cue class decided from the source as well as the cue: evidence speaks through the same
verbs as people, and some cues are no attribution without someone to speak.

Every sentence here is written for these tests.
"""

from __future__ import annotations

from statements.nlp import extract
from statements.nlp.components.learned import is_unattributed


def classes_by_cue(text: str, nlp) -> dict[str, str]:
    return {s.cue: s.cue_class for s in extract(text, nlp=nlp).statements}


def test_inanimate_source_of_an_agent_cue_is_no_statement(nlp):
    text = (
        "The border clashes, some of which have hit villages, now threaten to derail "
        "the trade talks between the two countries."
    )
    assert "threaten" not in " ".join(classes_by_cue(text, nlp))


def test_person_who_threatens_keeps_the_statement(nlp):
    text = "The finance minister threatened to resign over the budget cuts."
    classes = classes_by_cue(text, nlp)
    assert classes.get("threatened") == "speech", classes


def test_document_that_indicates_is_evidence(nlp):
    text = "An internal review indicates that the agency lost track of 300 laptops."
    classes = classes_by_cue(text, nlp)
    assert classes.get("indicates") == "evidence", classes


def test_person_who_indicates_is_speech(nlp):
    text = "Senator Collins indicated that she would vote against the nomination."
    classes = classes_by_cue(text, nlp)
    assert classes.get("indicated") == "speech", classes


def test_figures_according_to_an_institute_are_evidence(nlp):
    text = (
        "According to the Budget Institute, household incomes would rise by 4.5 percent "
        "under the plan."
    )
    classes = classes_by_cue(text, nlp)
    assert classes.get("According to") == "evidence", classes


def test_according_to_a_spokesman_stays_speech(nlp):
    text = "According to a spokesman, about 2,000 people attended the rally in Denver."
    classes = classes_by_cue(text, nlp)
    assert classes.get("According to") == "speech", classes


def test_according_to_a_report_is_writing_not_evidence(nlp):
    text = "According to a report in the local paper, the mayor plans to step down."
    classes = classes_by_cue(text, nlp)
    assert classes.get("According to") in {"speech", "writing"}, classes


def test_decisions_and_likings_are_beliefs(nlp):
    text = "The governor decided to veto the bill after the hearing."
    classes = classes_by_cue(text, nlp)
    assert classes.get("decided") == "belief", classes


def _statement(kind: str, confidence: float, speaker: tuple[int, int] | None) -> dict:
    return {
        "content_spans": [[10, 40]],
        "kind": kind,
        "speaker_start": speaker[0] if speaker else None,
        "speaker_end": speaker[1] if speaker else None,
        "confidence": confidence,
    }


def test_reported_content_without_a_source_is_dropped():
    assert is_unattributed(_statement("indirect", 0.8, None))
    assert is_unattributed(_statement("mixed", 0.8, None))
    assert is_unattributed(_statement("direct", 0.6, None))
    assert not is_unattributed(_statement("direct", 0.8, None))
    assert not is_unattributed(_statement("indirect", 0.4, (0, 8)))


def _learned_stage_over(nlp, text: str, rule_statement: dict) -> list[dict]:
    """Run the pipeline up to the rules, replace their statements with one written for the
    test, then run the learned stage on it."""
    doc = nlp.make_doc(text)
    for name, component in nlp.pipeline:
        if name == "kb_learned_attribution":
            doc._.kb_statements = [rule_statement]
            return component(doc)._.kb_statements
        doc = component(doc)
    raise AssertionError("no learned stage in the pipeline")


def test_weak_rule_reading_of_reported_content_needs_the_taggers(nlp):
    text = "The council voiced its unease over the new bridge during the evening session."
    rule = {
        "content_spans": [[text.index("the new bridge"), text.index(" during")]],
        "kind": "indirect",
        "cue_start": None,
        "cue_end": None,
        "cue_lemma": "",
        "cue_class": "speech",
        "statement_type": "statement",
        "speaker_start": 0,
        "speaker_end": len("The council"),
        "speaker_key": "",
    }
    assert _learned_stage_over(nlp, text, {**rule, "confidence": 0.4}) == []
    kept = _learned_stage_over(nlp, text, {**rule, "confidence": 0.6})
    assert [s["content_spans"] for s in kept] == [rule["content_spans"]]


def _antecedent_within(token, seconds: float = 10.0):
    """``_antecedent(token)``, or None if it has not returned in time (a walk up the tree
    that never stops would otherwise hang the suite)."""
    import threading

    from statements.nlp.components.learned import _antecedent

    found = []
    walk = threading.Thread(target=lambda: found.append(_antecedent(token)), daemon=True)
    walk.start()
    walk.join(timeout=seconds)
    return found[0] if found else None


def test_a_relative_pronoun_source_stands_for_the_noun_its_clause_hangs_from(nlp_pipeline):
    doc = nlp_pipeline("The officials who said the vote was rigged resigned on Monday.")
    who = next(token for token in doc if token.lower_ == "who")
    antecedent = _antecedent_within(who)
    assert antecedent is not None and antecedent.text == "officials"


def test_a_question_word_source_outside_any_relative_clause_is_itself(nlp_pipeline):
    # Its walk up the tree reaches the sentence's root, whose head is itself.
    doc = nlp_pipeline("Who said the budget would pass?")
    antecedent = _antecedent_within(doc[0])
    assert antecedent is not None, "the walk up the tree did not stop at the root"
    assert antecedent.i == 0
