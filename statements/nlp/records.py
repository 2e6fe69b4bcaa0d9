"""Plain records handed from the extraction engine to the Django side.

The engine never imports Django; these frozen dataclasses are the whole contract.
Every offset is a Python character offset into ``Extraction.text`` (end exclusive).
Entities are identified inside one document by a ``key`` ("P1", "O3"); the Django
side decides how a key maps onto a stored Person or Organisation.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

EXTRACTOR_VERSION = "kb-extract/0.2"
_Record = TypeVar("_Record")


@dataclass(frozen=True, slots=True)
class TextSpan:
    """A span of the source text; ``text == source[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class EntityRecord:
    """A person or organisation named in the document, after in-document resolution."""

    key: str
    kind: str  # "person" | "organisation"
    name: str  # display form without honorifics: "Qais al-Khazali"
    given_name: str = ""
    family_name: str = ""
    honorific_prefix: str = ""  # "Sheikh", "Dr."
    classification: str = ""  # organisations: government, ministry, presidency, party, state, ...
    country: str = ""  # ISO 3166 alpha-3 where known
    aliases: tuple[str, ...] = ()  # acronyms and alternate names read from the text ("KRI")
    mentions: tuple[TextSpan, ...] = ()
    gender: str = ""  # people: "male" | "female" when a title, given name or pronoun says so


@dataclass(frozen=True, slots=True)
class MentionRecord:
    """A name (or pronoun) found in the text and the entity it resolved to, if any."""

    start: int
    end: int
    text: str
    label: str  # spaCy-style label after correction: PERSON, ORG, GPE, NORP, PRON
    entity_key: str | None = None


@dataclass(frozen=True, slots=True)
class RoleRecord:
    """A membership read from an apposition or pre-modifier."""

    person_key: str
    role: str  # "Secretary-General"
    organisation_key: str | None = None
    organisation_name: str = ""
    status: str = "current"  # "current" | "former"
    start_date: str = ""  # partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD
    end_date: str = ""
    start: int = 0  # offsets of the phrase the role was read from
    end: int = 0
    text: str = ""


@dataclass(frozen=True, slots=True)
class EventRecord:
    """Something that happened at a time: an interview, a meeting, a speech."""

    key: str  # "E1"
    name: str  # "interview with VOA"
    classification: str  # interview, meeting, press conference, speech, ...
    date: str = ""  # ISO date when resolvable against the publication date
    date_text: str = ""  # "on Friday"
    location: str = ""
    participant_keys: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    text: str = ""


@dataclass(frozen=True, slots=True)
class StatementRecord:
    """One attribution: who said what, how, as whom, about whom, where."""

    content: str  # the content as a single string (fragments joined by " ... ")
    content_start: int
    content_end: int
    content_spans: tuple[tuple[int, int], ...]  # fragments of a split quotation
    kind: str  # "direct" | "indirect" | "mixed"
    cue: str = ""
    cue_start: int | None = None
    cue_end: int | None = None
    cue_class: str = "speech"  # speech | writing | belief | evidence
    speaker_text: str = ""  # the mention as written: "he", "Khazali", "senior officials"
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_key: str | None = None  # EntityRecord.key, None for unnamed speakers
    speaker_resolved: str | None = None  # the resolved display name
    speaker_role: str = ""  # role as stated at that time
    speaker_gender: str = ""  # the resolved speaker's gender, when the document marks it
    speaker_title: str = ""  # the speaker's honorific or title ("Mrs.", "President")
    statement_type: str = "statement"  # a key of lexicons.statement_types()
    cameo: str = ""
    plover: str = ""
    target_keys: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    event_key: str | None = None
    confidence: float = 0.5


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """What the caller knows about a document before extraction."""

    title: str = ""
    url: str = ""
    publisher: str = ""
    published: str = ""  # ISO date, may be empty
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything the engine found in one document."""

    text: str
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    entities: tuple[EntityRecord, ...] = ()
    mentions: tuple[MentionRecord, ...] = ()
    roles: tuple[RoleRecord, ...] = ()
    events: tuple[EventRecord, ...] = ()
    statements: tuple[StatementRecord, ...] = ()
    extractor_version: str = EXTRACTOR_VERSION
    word_count: int = 0


# ------------------------------------------------------------------------------ JSON


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """The extraction as plain JSON values, so that another process (a task-queue worker)
    can store what this one extracted."""
    return dataclasses.asdict(extraction)


def extraction_from_json(data: dict[str, Any]) -> Extraction:
    """The inverse of ``extraction_to_json``, driven by the dataclasses' own annotations so
    that a field added to a record needs no change here."""
    return record_from_json(Extraction, data)


def record_from_json(cls: type[_Record], data: dict[str, Any]) -> _Record:
    """A record dataclass rebuilt from ``dataclasses.asdict`` output (lists back to tuples)."""
    hints = _type_hints(cls)
    return cls(
        **{
            f.name: _value_from_json(hints[f.name], data[f.name])
            for f in dataclasses.fields(cls)
            if f.name in data
        }
    )


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _value_from_json(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _value_from_json(options[0], value) if len(options) == 1 else value
    if dataclasses.is_dataclass(hint):
        return record_from_json(hint, value)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value_from_json(args[0], item) for item in value)
        return tuple(_value_from_json(arg, item) for arg, item in zip(args, value, strict=True))
    return value
