"""Stage 3: roles (memberships) read from appositions and pre-modifiers."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from statements.nlp.components.extensions import register_extensions


@Language.factory("kb_roles", requires=["doc._.kb_entities"], assigns=["doc._.kb_roles"])
def make_roles(nlp: Language, name: str) -> RoleFinder:
    return RoleFinder()


def find_roles(doc: Doc) -> list[dict]:
    return []


class RoleFinder:
    def __init__(self) -> None:
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        doc._.kb_roles = find_roles(doc)
        return doc
