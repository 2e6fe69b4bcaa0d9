"""Stage 3: roles (memberships) read from appositions and pre-modifiers.

* Apposition: "Hawre Tawfiq, General Director of Foreign Relations for the Iraqi
  Presidency," -> role "General Director of Foreign Relations", organisation "Iraqi
  Presidency"; "Ali Rıza Güney, the previous ambassador" -> "ambassador", status former.
* Pre-modifier: "the newly appointed Turkish ambassador to Iraq Anıl Bora İnan" -> role
  "Ambassador to Iraq", organisation Turkey (the state), status current.

A phrase is a role only when it contains a role head word from ``lexicon/roles.txt``.
"""

from __future__ import annotations

import bisect
from typing import TypedDict

from spacy.language import Language
from spacy.tokens import Doc, Token

from statements.nlp.components.columns import doc_columns
from statements.nlp.components.extensions import doc_text, register_extensions
from statements.nlp.lexicons import honorifics, role_heads, role_status_words, word_list

ORG_PREPS = {"of", "for", "at", "with", "in"}
BOUNDARY_TEXT = {",", ".", ";", ":", "(", ")", "—", "–", "\n", "and", "or", "but", "“", "”", '"'}


@Language.factory(
    "kb_roles",
    requires=["doc._.kb_entities", "doc._.kb_mentions"],
    assigns=["doc._.kb_roles"],
)
def make_roles(nlp: Language, name: str) -> RoleFinder:
    return RoleFinder()


class RoleFinder:
    """Writes ``doc._.kb_roles``: dicts with person_key, role, organisation, status, offsets."""

    def __init__(self) -> None:
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        doc._.kb_roles = find_roles(doc)
        return doc


def _is_role_word(token: Token, heads: frozenset[str]) -> bool:
    lowered = token.lower_
    if lowered in heads:
        return True
    return "-" in token.text and lowered.replace("-", " ") in heads


class RoleData(TypedDict):
    """``doc._.kb_roles`` item: a role the document gives a person."""

    person_key: str
    role: str
    organisation_key: str | None
    organisation_name: str
    status: str  # "current" | "former"
    start: int
    end: int


# Parts of speech a pre-modifying role phrase is made of ("the newly appointed Turkish
# ambassador to Iraq"); anything else ("not as cool as", "since") ends it.
PREMODIFIER_POS = {"NOUN", "PROPN", "ADJ", "DET", "NUM", "PUNCT", "ADV", "VERB", "ADP", "PART"}


class _RoleReader:
    """Reads the roles of every person mention of one document."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.mentions = doc._.kb_mentions or []
        self.entities = {entity["key"]: entity for entity in doc._.kb_entities or []}
        self.heads = role_heads()
        self.titles = honorifics()
        self.token_starts = doc_columns(doc).idx
        self.mention_starts = [mention[0] for mention in self.mentions]
        self.person_tokens: set[int] = set()
        for start, end, label, _ in self.mentions:
            if label == "PERSON":
                self.person_tokens.update(range(self.token_at(start), self.token_at(end - 1) + 1))
        self.roles: list[RoleData] = []
        self.seen: set[tuple[str, str]] = set()

    def token_at(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.token_starts, char) - 1)

    def organisation_in(self, start_char: int, end_char: int) -> tuple[str, str]:
        """Best organisation mention inside a character range: a non-state one first."""
        index = bisect.bisect_left(self.mention_starts, start_char)
        best = ("", "")
        while index < len(self.mentions) and self.mentions[index][0] < end_char:
            key = self.mentions[index][3]
            if key and key.startswith("O"):
                entity = self.entities[key]
                if entity["classification"] != "state":
                    return key, entity["name"]
                if not best[0]:
                    best = (key, entity["name"])
            index += 1
        return best

    def add(self, person_key, role_tokens, org, status, start, end) -> None:
        if not role_tokens:
            return
        first, last = role_tokens[0], role_tokens[-1]
        role_text = doc_text(self.doc)[first.idx : last.idx + len(last)]
        if _is_role_word(first, self.heads):
            role_text = role_text[:1].upper() + role_text[1:]
        if (person_key, role_text.lower()) in self.seen:
            return
        self.seen.add((person_key, role_text.lower()))
        self.roles.append(
            RoleData(
                person_key=person_key,
                role=role_text,
                organisation_key=org[0] or None,
                organisation_name=org[1],
                status=status,
                start=start,
                end=end,
            )
        )

    def has_role_word(self, region: list[Token]) -> bool:
        return any(_is_role_word(token, self.heads) for token in region)

    def apposition_after(self, last: int) -> list[Token]:
        """ "Hawre Tawfiq, General Director of ...,": the phrase after the name's comma."""
        doc, region = self.doc, []
        if last + 2 >= len(doc) or doc[last + 1].text != ",":
            return []
        for token in doc[last + 2 : last + 16]:
            if token.text in BOUNDARY_TEXT or token.i in self.person_tokens:
                break
            if token.pos_ in {"VERB", "AUX"} and token.tag_ != "VBN":
                return []
            region.append(token)
        return region

    def premodifiers(self, first: int) -> list[Token]:
        """ "Commerce Secretary David Lin": the noun phrase in front of the name, never the
        words before it ("not as cool as President", "since FBI Director")."""
        region: list[Token] = []
        for token in reversed(self.doc[max(0, first - 10) : first]):
            if token.text in BOUNDARY_TEXT or token.is_space:
                break
            if token.pos_ not in PREMODIFIER_POS or token.lower_ in {"as", "since", "than"}:
                break
            if token.pos_ in {"VERB", "AUX"} and token.tag_ != "VBN":
                break
            if token.pos_ == "ADV" and token.lower_ not in role_status_words():
                break
            if token.text.lower() in self.titles and not _is_role_word(token, self.heads):
                break
            region.insert(0, token)
        while region and region[0].pos_ == "ADP":
            region = region[1:]
        return region

    def apposition_before(self, first: int, last: int) -> list[Token]:
        """ "The World Food Programme's country director, Henrik Larsen,": the noun phrase
        the name stands in apposition to, without its possessive owner."""
        root = self.doc[first : last + 1].root
        noun = root.head
        if root.dep_ != "appos" or noun.i >= first or not _is_role_word(noun, self.heads):
            return []
        owner = {t.i for child in noun.children if child.dep_ == "poss" for t in child.subtree}
        region = [t for t in noun.subtree if t.i < first and t.i not in owner and t.text != ","]
        return [t for t in region if t.dep_ != "case"] if owner else region

    def served_as(self, first: int, last: int) -> tuple[list[Token], str]:
        """ "Mark Jones, who served as ambassador to France,": the role after "as" in a
        relative clause on the name, former when the clause is in the past tense."""
        root = self.doc[first : last + 1].root
        for clause in root.children:
            if clause.dep_ != "relcl" or clause.lemma_.lower() not in word_list("serving_verbs"):
                continue
            for prep in clause.children:
                if prep.dep_ == "prep" and prep.lower_ == "as":
                    role = [t for c in prep.children if c.dep_ == "pobj" for t in c.subtree]
                    if role and self.has_role_word(role):
                        tense = "former" if clause.tag_ in {"VBD", "VBN"} else "current"
                        return role, tense
        return [], ""

    def owner_of(self, first: int, last: int) -> tuple[str, str]:
        """The organisation a possessive names: "the WFP's country director, Henrik Larsen"."""
        noun = self.doc[first : last + 1].root.head
        for child in noun.children:
            if child.dep_ == "poss":
                subtree = list(child.subtree)
                return self.organisation_in(subtree[0].idx, subtree[-1].idx + len(subtree[-1]))
        return ("", "")

    def read(self) -> list[RoleData]:
        for start, end, label, key in self.mentions:
            if label != "PERSON" or not key:
                continue
            first, last = self.token_at(start), self.token_at(end - 1)
            region = self.apposition_after(last)
            if region and self.has_role_word(region):
                _apposition_role(self.doc, key, region, self.organisation_in, self.add)
            region, tense = self.served_as(first, last)
            if region:
                _apposition_role(self.doc, key, region, self.organisation_in, self.add, tense)
            region = self.apposition_before(first, last)
            if region:
                owner = self.owner_of(first, last)
                organisation_in = (lambda *_, o=owner: o) if owner[0] else self.organisation_in
                _premodifier_role(self.doc, key, region, organisation_in, self.add)
                continue
            region = self.premodifiers(first)
            if region and self.has_role_word(region):
                _premodifier_role(self.doc, key, region, self.organisation_in, self.add)
        return _complete_bare_roles(self.roles)


def find_roles(doc: Doc) -> list[RoleData]:
    if not doc._.kb_mentions or len(doc) == 0:
        return []
    return _RoleReader(doc).read()


def _complete_bare_roles(roles: list[RoleData]) -> list[RoleData]:
    """ "Ali Rıza Güney, the previous ambassador": a bare role word refers to the role of
    that head the document stated in full just before ("ambassador to Iraq" of Turkey)."""
    completed: list[RoleData] = []
    for index, role in enumerate(roles):
        words = role["role"].lower().split()
        if len(words) == 1 and not role["organisation_key"]:
            for earlier in reversed(roles[:index]):
                if (
                    earlier["person_key"] != role["person_key"]
                    and earlier["role"].lower().split()[0] == words[0]
                    and (len(earlier["role"].split()) > 1 or earlier["organisation_key"])
                ):
                    role = {
                        **role,
                        "role": earlier["role"],
                        "organisation_key": earlier["organisation_key"],
                        "organisation_name": earlier["organisation_name"],
                    }
                    break
        completed.append(role)
    return completed


def _status(tokens: list[Token]) -> str:
    words = role_status_words()
    return "former" if any(words.get(token.lower_) == "former" for token in tokens) else "current"


def _apposition_role(doc, person_key, region, organisation_in, add, status="") -> None:
    tokens = [token for token in region if token.pos_ != "DET"]
    status = status or _status(tokens)
    tokens = [
        token for token in tokens if token.lower_ not in role_status_words() or token.pos_ == "NOUN"
    ]
    if not tokens:
        return
    # the role ends before the preposition that introduces the organisation
    role_tokens = tokens
    org = ("", "")
    prep_positions = [
        index for index, token in enumerate(tokens) if token.lower_ in ORG_PREPS and index > 0
    ]
    for number, index in enumerate(prep_positions):
        segment_end = (
            tokens[prep_positions[number + 1]].idx
            if number + 1 < len(prep_positions)
            else region[-1].idx + len(region[-1])
        )
        org = organisation_in(tokens[index].idx, segment_end)
        if org[0]:
            role_tokens = tokens[:index]
            break
    add(person_key, role_tokens, org, status, region[0].idx, region[-1].idx + len(region[-1]))


def _premodifier_role(doc, person_key, region, organisation_in, add) -> None:
    start_char, end_char = region[0].idx, region[-1].idx + len(region[-1])
    status = _status(region)
    tokens = [
        token
        for token in region
        if token.pos_ != "DET" and (token.lower_ not in role_status_words() or token.pos_ == "NOUN")
    ]
    org = organisation_in(start_char, end_char)
    # drop the organisation's own name from the front of the role when it is a demonym
    # ("Turkish ambassador" -> "ambassador"), keep its head noun otherwise
    # ("Turkish foreign ministry official" -> "foreign ministry official")
    while tokens and tokens[0].ent_type_ in {"NORP", "GPE"}:
        tokens = tokens[1:]
    if not tokens:
        return
    add(person_key, tokens, org, status, start_char, end_char)
