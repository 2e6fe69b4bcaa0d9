"""Stage 5: statement type (with its CAMEO and PLOVER codes) and targets.

The cue's lexicon entry gives the rules' type ("condemned" -> criticism); content rules from
``lexicon/statement_types.json`` refine it ("must" in a plain statement -> appeal; a demand
about a withdrawal -> CAMEO 1056). A classifier trained on typed attributions
(``learned/types.py``, ``models/types.crfsuite``) then reads cue and content together and
replaces the rules' type where it is sure enough ("said the deal was a disaster" is
criticism): above one threshold where the rules leave a plain statement, above a higher one
where an explicit cue or a content rule gave a type; without its model file the rules'
type stands. Targets are the organisations,
states and people named in the content other than the speaker.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from statements.nlp.components.extensions import doc_text, register_extensions
from statements.nlp.learned.types import (
    MODEL_DIR,
    TypeClassifier,
    load_type_classifier,
    open_to_classifier,
    statement_features,
)
from statements.nlp.lexicons import (
    content_overrides,
    content_rules,
    negated_types,
    statement_types,
)


@Language.factory(
    "kb_types",
    requires=["doc._.kb_statements", "doc._.kb_entities"],
    assigns=["doc._.kb_statements"],
    default_config={"model_dir": "", "learned": True},
)
def make_types(nlp: Language, name: str, model_dir: str, learned: bool) -> StatementTyper:
    classifier = load_type_classifier(Path(model_dir) if model_dir else MODEL_DIR)
    return StatementTyper(classifier if learned else None)


def rule_type(statement_type: str, content: str, *, negated: bool = False) -> str:
    """The lexicon's type for a cue type and the content text; a negated cue ("would not
    accept") takes the type the lexicon gives its negation."""
    lowered = content.lower()
    if negated:
        statement_type = negated_types().get(statement_type, statement_type)
    for from_type, to_type, pattern in content_rules():
        if statement_type == from_type and re.search(pattern, lowered):
            return to_type
    return statement_type


def classify(
    statement_type: str, content: str, *, negated: bool = False
) -> tuple[str, str, str, str]:
    """(type, CAMEO, PLOVER, PLOVER mode) by the rules alone."""
    return type_codes(rule_type(statement_type, content, negated=negated), content)


def type_codes(statement_type: str, content: str) -> tuple[str, str, str, str]:
    """(type, CAMEO, PLOVER, PLOVER mode) of a type, the CAMEO code refined by the content."""
    lowered = content.lower()
    known = statement_types()
    entry = known.get(statement_type) or known["statement"]
    cameo = entry.cameo
    for override_type, words, code in content_overrides():
        if override_type == entry.name and any(word in lowered for word in words):
            cameo = code
            break
    return entry.name, cameo, entry.plover, entry.plover_mode


class StatementTyper:
    """Writes a new ``doc._.kb_statements`` list: each statement with its type, codes and
    targets added (the previous stage's dicts are left as they were)."""

    def __init__(self, classifier: TypeClassifier | None = None) -> None:
        register_extensions()
        self.classifier = classifier

    def statement_type(self, doc: Doc, statement: dict, content: str) -> str:
        """The rules' type, or the classifier's where it is sure enough: where the rules
        leave a plain statement at its plain threshold, elsewhere at its (higher) override
        threshold."""
        negated = statement.get("negated", False)
        by_rules = rule_type(statement["statement_type"], content, negated=negated)
        typable = open_to_classifier(statement, by_rules)
        if self.classifier is None or not self.classifier.reads(typable):
            return by_rules
        features = statement_features(doc, statement, by_rules)
        return self.classifier.choose(features, by_rules, typable)

    def __call__(self, doc: Doc) -> Doc:
        mentions = doc._.kb_mentions or []
        mention_starts = [mention[0] for mention in mentions]
        text = doc_text(doc)
        typed = []
        for statement in doc._.kb_statements or []:
            content = " ".join(text[start:end] for start, end in statement["content_spans"])
            name, cameo, plover, mode = type_codes(
                self.statement_type(doc, statement, content), content
            )
            typed.append(
                {
                    **statement,
                    "statement_type": name,
                    "cameo": cameo,
                    "plover": plover,
                    "plover_mode": mode,
                    "target_keys": content_targets(statement, mentions, mention_starts),
                }
            )
        doc._.kb_statements = typed
        return doc


def content_targets(statement: dict, mentions: list, mention_starts: list[int]) -> list[str]:
    """Entities named in the content other than the speaker (pronouns excluded)."""
    targets: list[str] = []
    for start, end in statement["content_spans"]:
        index = bisect.bisect_left(mention_starts, start)
        while index < len(mentions) and mentions[index][0] < end:
            key = mentions[index][3]
            if (
                key
                and key != statement["speaker_key"]
                and key not in targets
                and mentions[index][2] != "PRON"
            ):
                targets.append(key)
            index += 1
    return targets
