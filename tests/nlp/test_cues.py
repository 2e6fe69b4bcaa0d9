"""The cue and statement-type lexicons are data: they load and map to the statement-type table."""

from __future__ import annotations

from statements.nlp.lexicons import cue_lexicon, statement_types


def test_cue_classes():
    cues = cue_lexicon()
    assert cues[("say", "verb")].cue_class == "speech"
    assert cues[("tweet", "verb")].cue_class == "writing"
    assert cues[("believe", "verb")].cue_class == "belief"
    assert cues[("show", "verb")].cue_class == "evidence"
    assert {cue.cue_class for cue in cues.values()} == {"speech", "writing", "belief", "evidence"}


def test_cue_types_follow_domain_table():
    cues = cue_lexicon()
    assert cues[("condemn", "verb")].statement_type == "criticism"
    assert cues[("urge", "verb")].statement_type == "appeal"
    assert cues[("call for", "verb")].statement_type == "demand"
    assert cues[("call on", "verb")].statement_type == "appeal"
    assert cues[("deny", "verb")].statement_type == "denial"
    assert cues[("concern", "noun")].statement_type == "criticism"


def test_every_cue_type_has_codes():
    types = statement_types()
    assert types["statement"].cameo == "010"
    assert types["demand"].plover == "REQUEST"
    assert types["criticism"].plover_mode == "disapprove"
    for cue in cue_lexicon().values():
        assert cue.statement_type in types, cue
