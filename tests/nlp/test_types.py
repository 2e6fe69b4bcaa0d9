"""Stage 5: statement types with CAMEO / PLOVER codes, and targets."""

from __future__ import annotations

from statements.nlp import extract
from statements.nlp.components.types import classify


def test_cue_type_kept_with_codes():
    assert classify("criticism", "the attacks on the border") == (
        "criticism",
        "111",
        "ACCUSE",
        "disapprove",
    )


def test_withdrawal_demand_is_cameo_1056():
    name, cameo, plover, _ = classify("demand", "the complete withdrawal of Turkish forces")
    assert (name, cameo, plover) == ("demand", "1056", "REQUEST")


def test_content_rules_refine_plain_statements():
    assert classify("statement", "the government must take decisive action")[0] == "appeal"
    assert classify("statement", "these attacks are violations of international law")[0] == (
        "criticism"
    )
    assert classify("statement", "trade grew last year")[0] == "statement"


def test_targets_exclude_the_speaker(nlp):
    text = "Tawfiq condemned Turkey’s military operations in northern Iraq."
    (statement,) = extract(text, nlp=nlp).statements
    assert statement.statement_type == "criticism"
    assert "Turkey" in statement.target_names
    assert "Tawfiq" not in statement.target_names


def test_words_that_describe_things_do_not_make_a_type():
    # "strong", "failed", "attacks" and "going to" describe events and things as often as
    # they judge someone or announce one's own plans
    assert classify("statement", "strong trade ties would help both countries")[0] == "statement"
    assert classify("statement", "the meetings have failed to halt the attacks")[0] == "statement"
    assert classify("statement", "the market is going to fall")[0] == "statement"
    assert classify("statement", "his tax plan would cost $3 trillion")[0] == "statement"
    assert classify("statement", "she plans to visit Ohio next week")[0] == "intention"


def test_question_asked_is_a_statement_not_an_appeal():
    assert classify("appeal", "whether the deal was legal")[0] == "statement"
    assert classify("appeal", "Will the minister finally resign?”")[0] == "statement"
    assert classify("appeal", "voters to support the measure")[0] == "appeal"


def test_a_consequence_promised_is_a_threat():
    content = "If they cross that line, they will pay a very heavy price"
    assert classify("statement", content)[0] == "threat"
    assert classify("statement", "we will strike back if they attack")[0] == "threat"
    # describing a retaliation, or a rule's sanction, threatens nobody
    assert classify("statement", "the attack was in retaliation for air strikes")[0] == (
        "statement"
    )
    assert classify("statement", "schools must meet the standard or face consequences")[0] == (
        "appeal"
    )


def test_claim_is_a_statement(nlp):
    text = "The senator claimed that the vote had been close."
    (statement,) = extract(text, nlp=nlp).statements
    assert statement.statement_type == "statement"


def test_the_word_after_a_bare_call_decides_its_type(nlp):
    cases = {
        "The mayor called for a full inquiry into the fire.": "demand",
        "The mayor called on residents to leave the valley.": "appeal",
        "The mayor called the new stadium a disgrace.": "criticism",
        "The mayor called the new stadium a welcome addition.": "statement",
    }
    for text, statement_type in cases.items():
        types = {s.cue: s.statement_type for s in extract(text, nlp=nlp).statements}
        called = [name for cue, name in types.items() if cue.startswith("called")]
        assert called == [statement_type], (text, types)
