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

from spacy.language import Language
from spacy.tokens import Doc, Token

from statements.nlp.components.extensions import doc_text, register_extensions
from statements.nlp.lexicons import honorifics, role_heads

FORMER_WORDS = {"former", "previous", "ex", "erstwhile", "outgoing", "then", "past", "retired"}
STATUS_WORDS = FORMER_WORDS | {"newly", "appointed", "new", "current", "incoming", "acting"}
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


def _char_index(doc: Doc) -> list[int]:
    return [token.idx for token in doc]


def find_roles(doc: Doc) -> list[dict]:
    mentions = doc._.kb_mentions or []
    entities = {entity["key"]: entity for entity in doc._.kb_entities or []}
    if not mentions or len(doc) == 0:
        return []
    heads = role_heads()
    titles = honorifics()
    token_starts = _char_index(doc)
    mention_starts = [mention[0] for mention in mentions]

    def token_at(char: int) -> int:
        return max(0, bisect.bisect_right(token_starts, char) - 1)

    def organisation_in(start_char: int, end_char: int) -> tuple[str, str]:
        """Best organisation mention inside a character range: a non-state one first."""
        index = bisect.bisect_left(mention_starts, start_char)
        best = ("", "")
        while index < len(mentions) and mentions[index][0] < end_char:
            key = mentions[index][3]
            if key and key.startswith("O"):
                entity = entities[key]
                if entity["classification"] != "state":
                    return key, entity["name"]
                if not best[0]:
                    best = (key, entity["name"])
            index += 1
        return best

    person_tokens: set[int] = set()
    for mention_start, mention_end, label, _ in mentions:
        if label == "PERSON":
            person_tokens.update(range(token_at(mention_start), token_at(mention_end - 1) + 1))

    roles: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def add(
        person_key: str,
        role_tokens: list[Token],
        org: tuple[str, str],
        status: str,
        start: int,
        end: int,
    ) -> None:
        if not role_tokens:
            return
        role_text = doc_text(doc)[role_tokens[0].idx : role_tokens[-1].idx + len(role_tokens[-1])]
        if _is_role_word(role_tokens[0], heads):
            role_text = role_text[:1].upper() + role_text[1:]
        if (person_key, role_text.lower()) in seen:
            return
        seen.add((person_key, role_text.lower()))
        roles.append(
            {
                "person_key": person_key,
                "role": role_text,
                "organisation_key": org[0],
                "organisation_name": org[1],
                "status": status,
                "start": start,
                "end": end,
            }
        )

    for mention_start, mention_end, label, key in mentions:
        if label != "PERSON" or not key:
            continue
        first = token_at(mention_start)
        last = token_at(mention_end - 1)
        # apposition after the name
        if last + 2 < len(doc) and doc[last + 1].text == ",":
            region = []
            position = last + 2
            while position < len(doc) and len(region) < 14:
                token = doc[position]
                if token.text in BOUNDARY_TEXT or token.i in person_tokens:
                    break
                if token.pos_ in {"VERB", "AUX"} and token.tag_ != "VBN":
                    region = []
                    break
                region.append(token)
                position += 1
            if region and any(_is_role_word(token, heads) for token in region):
                _apposition_role(doc, key, region, organisation_in, add)
        # pre-modifiers before the name
        region = []
        position = first - 1
        while position >= 0 and len(region) < 10:
            token = doc[position]
            if token.text in BOUNDARY_TEXT or token.is_space:
                break
            if token.pos_ in {"VERB", "AUX"} and token.tag_ != "VBN":
                break
            if token.text.lower() in titles and not _is_role_word(token, heads):
                break
            region.insert(0, token)
            position -= 1
        if region and any(_is_role_word(token, heads) for token in region):
            _premodifier_role(doc, key, region, organisation_in, add)
    return _complete_bare_roles(roles)


def _complete_bare_roles(roles: list[dict]) -> list[dict]:
    """ "Ali Rıza Güney, the previous ambassador": a bare role word refers to the role of
    that head the document stated in full just before ("ambassador to Iraq" of Turkey)."""
    completed = []
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
    return "former" if any(token.lower_ in FORMER_WORDS for token in tokens) else "current"


def _apposition_role(doc, person_key, region, organisation_in, add) -> None:
    tokens = [token for token in region if token.pos_ != "DET"]
    status = _status(tokens)
    tokens = [token for token in tokens if token.lower_ not in STATUS_WORDS or token.pos_ == "NOUN"]
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
        if token.pos_ != "DET" and (token.lower_ not in STATUS_WORDS or token.pos_ == "NOUN")
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
