"""Record shapes for the exports (docs/domain.md, Exports): Popolo JSON, PLOVER JSONL and CSV.

Pure functions over model rows (as loaded by the selectors): no queries of their own, no
HTTP, so the API streams them and a backup command can write them to files. URLs are
site-relative paths unless the caller passes ``base_url``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from statements import shapes
from statements.models import (
    Document,
    Event,
    Membership,
    Organisation,
    OtherName,
    Person,
    Statement,
)
from statements.nlp.lexicons import statement_types

PLOVER_CODEBOOK = "PLOVER 2021"
_PLOVER_CODE = re.compile(r"^\s*(?P<event>[A-Z_]+)?\s*(?:\((?P<mode>[^)]*)\))?\s*$")


def _url(path: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{path}" if base_url else path


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def actor_popolo_id(actor: Person | Organisation) -> str:
    """A stable Popolo id: ``person/<slug>`` or ``organization/<slug>``."""
    kind = "person" if isinstance(actor, Person) else "organization"
    return f"{kind}/{actor.slug}"


def _other_names(names: Iterable[OtherName]) -> list[dict[str, str]]:
    return [{"name": alias.name, "note": alias.kind} for alias in names]


def _identifiers(actor: Person | Organisation) -> list[dict[str, str]]:
    identifiers = [
        {"scheme": row.scheme, "identifier": row.identifier} for row in actor.identifiers.all()
    ]
    if actor.wikidata_qid and not any(i["scheme"] == "wikidata" for i in identifiers):
        identifiers.append({"scheme": "wikidata", "identifier": actor.wikidata_qid})
    return identifiers


def person_popolo(person: Person, *, base_url: str = "") -> dict[str, Any]:
    """A Popolo ``Person`` (needs ``other_names`` and ``identifiers`` prefetched)."""
    return {
        "id": actor_popolo_id(person),
        "name": person.name,
        "given_name": person.given_name or None,
        "family_name": person.family_name or None,
        "honorific_prefix": person.honorific_prefix or None,
        "summary": person.summary or None,
        "other_names": _other_names(person.other_names.all()),
        "identifiers": _identifiers(person),
        "links": [{"url": _url(person.get_absolute_url(), base_url), "note": "kb"}],
    }


def organisation_popolo(organisation: Organisation, *, base_url: str = "") -> dict[str, Any]:
    """A Popolo ``Organization`` (needs ``parent``, ``other_names``, ``identifiers`` loaded)."""
    return {
        "id": actor_popolo_id(organisation),
        "name": organisation.name,
        "classification": organisation.classification or None,
        "parent_id": actor_popolo_id(organisation.parent) if organisation.parent_id else None,
        "area_id": organisation.country or None,
        "summary": organisation.summary or None,
        "other_names": _other_names(organisation.other_names.all()),
        "identifiers": _identifiers(organisation),
        "links": [{"url": _url(organisation.get_absolute_url(), base_url), "note": "kb"}],
    }


def _document_source(document: Document, *, base_url: str = "") -> dict[str, Any]:
    return {
        "url": document.url or _url(document.get_absolute_url(), base_url),
        "note": document.title or None,
        "publisher": document.publisher or None,
    }


def membership_popolo(membership: Membership, *, base_url: str = "") -> dict[str, Any]:
    """A Popolo ``Membership`` (needs ``person``, ``organisation`` and ``document`` loaded)."""
    return {
        "id": f"membership/{membership.pk}",
        "person_id": actor_popolo_id(membership.person),
        "organization_id": actor_popolo_id(membership.organisation)
        if membership.organisation_id
        else None,
        "role": membership.role,
        "start_date": membership.start_date or None,
        "end_date": membership.end_date or None,
        "status": membership.status,
        "sources": [_document_source(membership.document, base_url=base_url)]
        if membership.document_id
        else [],
    }


def event_popolo(event: Event, *, base_url: str = "") -> dict[str, Any]:
    """A Popolo ``Event`` (needs ``document`` and ``participants`` with actors loaded)."""
    return {
        "id": f"event/{event.pk}",
        "name": event.name,
        "classification": event.classification,
        "start_date": _iso(event.date),
        "location": event.location or None,
        "participants": [
            actor_popolo_id(p.person or p.organisation)
            for p in event.participants.all()
            if p.person_id or p.organisation_id
        ],
        "sources": [_document_source(event.document, base_url=base_url)]
        if event.document_id
        else [],
    }


def statement_popolo(statement: Statement, *, base_url: str = "") -> dict[str, Any]:
    """A Popolo ``Speech``: creator_id, role, attribution_text, text, date, event_id, sources."""
    speaker = statement.speaker
    return {
        "id": f"speech/{statement.pk}",
        "creator_id": actor_popolo_id(speaker) if speaker else None,
        "role": statement.speaker_role or None,
        "attribution_text": statement.speaker_text or None,
        "text": statement.content,
        "date": _iso(statement.date),
        "event_id": f"event/{statement.event_id}" if statement.event_id else None,
        "type": statement.statement_type,
        "sources": [_document_source(statement.document, base_url=base_url)],
        "url": _url(statement.get_absolute_url(), base_url),
        "review_status": statement.review_status,
    }


def _plover_actor(actor: Person | Organisation | None, text: str = "") -> dict[str, Any]:
    if actor is None:
        return {"actor_id": None, "name": text or None, "kind": None}
    kind = "person" if isinstance(actor, Person) else "organisation"
    country = getattr(actor, "country", "") or None
    return {
        "actor_id": actor_popolo_id(actor),
        "name": actor.name,
        "kind": kind,
        "country": country,
        "wikidata": actor.wikidata_qid,
    }


def plover_event_mode(statement: Statement) -> tuple[str | None, str | None]:
    """PLOVER (event, mode) from the stored code: "REQUEST (yield)", "ACCUSE", or empty.

    A code stored without its mode takes the mode the statement-type lexicon maps it to
    (criticism is ACCUSE (disapprove)), so exports carry the full PLOVER pair.
    """
    match = _PLOVER_CODE.match(statement.plover_code or "")
    if not match:
        return statement.plover_code or None, None
    event, mode = match["event"] or None, (match["mode"] or "").strip() or None
    if event and not mode:
        mapped = statement_types().get(statement.statement_type)
        if mapped is not None and mapped.plover == event:
            mode = mapped.plover_mode or None
    return event, mode


def statement_plover(statement: Statement, *, base_url: str = "") -> dict[str, Any]:
    """A statement in PLOVER's record shape, and under ``kb`` its public fields as the API
    gives them (needs targets with actors prefetched)."""
    event, mode = plover_event_mode(statement)
    targets = [target.person or target.organisation for target in statement.targets.all()]
    document = statement.document
    return {
        "id": f"kb-statement-{statement.pk}",
        "date": _iso(statement.date),
        "actor": _plover_actor(statement.speaker, statement.speaker_text),
        "recipient": [_plover_actor(target) for target in targets if target is not None],
        "event": event,
        "mode": mode,
        "context": statement.statement_type,
        "cameo": statement.cameo_code or None,
        "kb_event_id": statement.event_id,
        "text_info": {
            "text": statement.content,
            "kind": statement.kind,
            "cue": statement.cue or None,
            "content_start": statement.content_start,
            "content_end": statement.content_end,
            "content_spans": statement.content_spans,
            "speaker_text": statement.speaker_text or None,
            "speaker_start": statement.speaker_start,
            "speaker_end": statement.speaker_end,
            "document_id": statement.document_id,
        },
        "cite_info": {
            "url": document.url or _url(document.get_absolute_url(), base_url),
            "headline": document.title or None,
            "publisher": document.publisher or None,
            "published": _iso(document.published_at),
            "codebook": statement.codebook_version or f"CAMEO 1.1b3; {PLOVER_CODEBOOK}",
            "kb_url": _url(statement.get_absolute_url(), base_url),
            "review_status": statement.review_status,
        },
        "kb": shapes.statement_represent(
            shapes.statement_instance_row(statement), shapes.Links(base_url)
        ),
    }


def statement_csv_header() -> tuple[str, ...]:
    """The CSV export's columns: the flat columns of the public statement fields."""
    return shapes.statement_flat_header()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection).

    Article text is untrusted: a quote that begins with "=" or "@" would otherwise be
    executed by whoever opens the export, so such text cells get a leading apostrophe.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def statement_csv_row(statement: Statement, *, base_url: str = "") -> list[Any]:
    """One CSV row in ``statement_csv_header`` order, text cells made formula-safe."""
    row = shapes.statement_instance_row(statement)
    return [csv_cell(value) for value in shapes.statement_flat_values(row, shapes.Links(base_url))]


def popolo_sections(
    *,
    persons: Iterable[Person],
    organisations: Iterable[Organisation],
    memberships: Iterable[Membership],
    events: Iterable[Event],
    statements: Iterable[Statement],
    base_url: str = "",
) -> list[tuple[str, Iterator[dict[str, Any]]]]:
    """The five Popolo sections as lazily shaped records, in document order."""
    return [
        ("persons", (person_popolo(row, base_url=base_url) for row in persons)),
        ("organizations", (organisation_popolo(row, base_url=base_url) for row in organisations)),
        ("memberships", (membership_popolo(row, base_url=base_url) for row in memberships)),
        ("events", (event_popolo(row, base_url=base_url) for row in events)),
        ("speeches", (statement_popolo(row, base_url=base_url) for row in statements)),
    ]


def popolo_stream(
    sections: Iterable[tuple[str, Iterable[dict[str, Any]]]], *, dumps
) -> Iterator[str]:
    """Yield one JSON object ``{section: [records...], ...}`` piece by piece.

    ``sections`` are (key, records) pairs whose records are produced lazily, so the
    whole export is never held in memory.
    """
    yield "{"
    for index, (key, records) in enumerate(sections):
        yield ("," if index else "") + dumps(key) + ":["
        for position, record in enumerate(records):
            yield ("," if position else "") + dumps(record)
        yield "]"
    yield "}\n"
