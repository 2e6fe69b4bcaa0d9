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
