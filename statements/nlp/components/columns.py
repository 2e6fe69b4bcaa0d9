"""Per-token attributes of a Doc as plain lists, read once per Doc and shared by every stage.

Iterating a Doc or indexing it builds a new ``Token`` object each time, and reading
``token.head`` or ``token.children`` builds more. Our stages walked the whole Doc a dozen
times each, which cost more than some of spaCy's own components. ``doc_columns`` reads each
token once, into lists indexed by token position, and keeps them for as long as the Doc
lives (a weak reference: nothing is added to the Doc, so it serialises as before). No stage
changes tokens' annotations, so the lists stay true for the life of the Doc.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from spacy.tokens import Doc


@dataclass(frozen=True, slots=True)
class DocColumns:
    """One list per attribute, indexed by token position (``token.i``)."""

    text: list[str]
    idx: list[int]
    lower: list[str]
    lemma_lower: list[str]  # token.lemma_.lower()
    pos: list[str]
    tag: list[str]
    dep: list[str]
    head: list[int]  # token.head.i (a root is its own head)
    ent_type: list[str]
    is_punct: list[bool]
    is_space: list[bool]
    is_title: list[bool]
    children: list[list[int]]  # token.children's indices, in the order spaCy yields them

    def __len__(self) -> int:
        return len(self.text)


_COLUMNS: weakref.WeakKeyDictionary[Doc, DocColumns] = weakref.WeakKeyDictionary()


def doc_columns(doc: Doc) -> DocColumns:
    """The Doc's token attributes as lists, computed on the first call for this Doc."""
    columns = _COLUMNS.get(doc)
    if columns is not None and len(columns) == len(doc):
        return columns
    text, idx, lower, lemma_lower, pos, tag, dep, head = [], [], [], [], [], [], [], []
    ent_type, is_punct, is_space, is_title = [], [], [], []
    for token in doc:
        text.append(token.text)
        idx.append(token.idx)
        lower.append(token.lower_)
        lemma_lower.append(token.lemma_.lower())
        pos.append(token.pos_)
        tag.append(token.tag_)
        dep.append(token.dep_)
        head.append(token.head.i)
        ent_type.append(token.ent_type_)
        is_punct.append(token.is_punct)
        is_space.append(token.is_space)
        is_title.append(token.is_title)
    children: list[list[int]] = [[] for _ in head]
    for index, parent in enumerate(head):
        if parent != index:
            children[parent].append(index)
    columns = DocColumns(
        text, idx, lower, lemma_lower, pos, tag, dep, head, ent_type, is_punct, is_space,
        is_title, children,
    )  # fmt: skip
    _COLUMNS[doc] = columns
    return columns
