"""Per-token attributes of a Doc as plain lists, read once per Doc and shared by every stage.

Iterating a Doc or indexing it builds a new ``Token`` object each time, and reading
``token.head`` or ``token.children`` builds more. Our stages walked the whole Doc a dozen
times each, which cost more than some of spaCy's own components. ``doc_columns`` reads the
Doc's token array once, into lists indexed by token position, and keeps them for as long as the Doc
lives (a weak reference: nothing is added to the Doc, so it serialises as before). No stage
changes tokens' annotations, so the lists stay true for the life of the Doc.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from spacy.attrs import (
    DEP,
    ENT_TYPE,
    HEAD,
    IDX,
    IS_PUNCT,
    IS_SPACE,
    IS_TITLE,
    LEMMA,
    LOWER,
    ORTH,
    POS,
    TAG,
)
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


_ATTRIBUTES = [ORTH, LOWER, LEMMA, POS, TAG, DEP, ENT_TYPE, HEAD, IDX, IS_PUNCT, IS_SPACE, IS_TITLE]


def doc_columns(doc: Doc) -> DocColumns:
    """The Doc's token attributes as lists, computed on the first call for this Doc."""
    columns = _COLUMNS.get(doc)
    if columns is not None and len(columns) == len(doc):
        return columns
    # One array read, then each distinct string looked up once (no Token objects at all).
    array = doc.to_array(_ATTRIBUTES)
    strings = doc.vocab.strings
    names: dict[int, str] = {0: ""}

    def string_column(position: int) -> list[str]:
        out = []
        for value in array[:, position].tolist():
            name = names.get(value)
            if name is None:
                name = names[value] = strings[value]
            out.append(name)
        return out

    text, lower, lemma, pos, tag, dep, ent_type = (string_column(p) for p in range(7))
    lowered = {name: name.lower() for name in set(lemma)}
    count = len(text)
    # HEAD is the offset to the head, stored unsigned: negative offsets wrap around 2**64
    head = [
        index + (offset - 2**64 if offset >= 2**63 else offset)
        for index, offset in enumerate(array[:, 7].tolist())
    ]
    idx, is_punct, is_space, is_title = (array[:, p].tolist() for p in range(8, 12))
    children: list[list[int]] = [[] for _ in range(count)]
    for index, parent in enumerate(head):
        if parent != index:
            children[parent].append(index)
    columns = DocColumns(
        text, idx, lower, [lowered[name] for name in lemma], pos, tag, dep, head, ent_type,
        [bool(v) for v in is_punct], [bool(v) for v in is_space], [bool(v) for v in is_title],
        children,
    )  # fmt: skip
    _COLUMNS[doc] = columns
    return columns
