"""Actor resolution: which stored Person or Organisation a name read from an article is.

DOMAIN.md, Identity: across documents the same normalised full name (``name_key``) or a
stored alias (``OtherName``) is the same record; a surname alone never merges; a doubtful
match creates a new record flagged ``needs_review`` that a human can merge later.

Concurrency: two ingest processes may meet the same new name at the same time. The partial
unique constraint on live ``(name_key, disambiguation)`` lets only one insert win; the other
gets an ``IntegrityError`` inside a savepoint, re-reads, and uses the winner's row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from statements.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationClassification,
    OtherName,
    OtherNameKind,
    Person,
)
from statements.naming import name_key

_ORG_CLASSIFICATIONS = set(OrganisationClassification.values)
_CREATE_ATTEMPTS = 4

Actor = Person | Organisation


@dataclass
class ResolutionCache:
    """Name key -> resolved actor for one ingest run, so a name costs one query per run.

    The caller must ``clear()`` it when a transaction rolls back: the cached rows may be gone.
    """

    actors: dict[tuple[str, str, str], Actor] = field(default_factory=dict)

    def clear(self) -> None:
        self.actors.clear()


def surname_only_disambiguation(name: str, document_id: int | None) -> str:
    """The disambiguation that keeps a surname-only person apart from every other record."""
    where = f"document {document_id}" if document_id else "one document"
    return f"named only as '{name}' in {where}"[:200]


def _live(model: type[Actor], key: str) -> list[Actor]:
    return list(model.objects.filter(name_key=key, merged_into__isnull=True)[:5])


def _by_key(model: type[Actor], key: str) -> tuple[Actor | None, bool]:
    """The record a name key designates, and whether the match is doubtful.

    Doubtful: humans split that name into several records (disambiguations), or the key is
    an alias of several different records. A missing key is (None, False).
    """
    live = _live(model, key)
    plain = [actor for actor in live if actor.disambiguation == ""]
    if plain:
        return plain[0], False
    if live:
        return None, True
    merged = model.objects.filter(name_key=key, merged_into__isnull=False).first()
    if merged is not None:
        return merged.resolve(), False
    owner_field = "person" if model is Person else "organisation"
    owners = {
        getattr(other, owner_field).resolve()
        for other in OtherName.objects.filter(
            name_key=key, **{f"{owner_field}__isnull": False}
        ).select_related(owner_field)[:5]
    }
    if len(owners) == 1:
        return owners.pop(), False
    return None, len(owners) > 1


def _create(model: type[Actor], fields: dict, disambiguation: str = "") -> tuple[Actor, bool]:
    """Insert a record, or return the one another process inserted first."""
    key = name_key(fields["name"])
    for _ in range(_CREATE_ATTEMPTS):
        try:
            with transaction.atomic():
                actor = model(disambiguation=disambiguation, **fields)
                actor.save()
                return actor, True
        except IntegrityError:
            # Lost a race on the name key (re-read it) or on the slug (retry: a new slug).
            existing = model.objects.filter(
                name_key=key, disambiguation=disambiguation, merged_into__isnull=True
            ).first()
            if existing is not None:
                return existing, False
    raise IntegrityError(f"could not create {model.__name__} {fields['name']!r}")


def _fill_blanks(actor: Actor, fields: dict) -> None:
    """Complete empty fields of an existing record; never overwrite what is there."""
    changed = [
        name
        for name, value in fields.items()
        if name != "name" and value and not getattr(actor, name)
    ]
    if changed:
        for name in changed:
            setattr(actor, name, fields[name])
        actor.save(update_fields=[*changed, "updated_at"])


def person_resolve_or_create(
    *,
    name: str,
    given_name: str = "",
    family_name: str = "",
    honorific_prefix: str = "",
    aliases: Iterable[str] = (),
    document_id: int | None = None,
    cache: ResolutionCache | None = None,
) -> tuple[Person | None, bool]:
    """The Person a full name designates (created if new), and whether it was created.

    A single-token name (a surname alone: "Khazali") never merges with an existing record:
    it gets its own record per document, flagged for review.
    """
    key = name_key(name)
    if not key:
        return None, False
    fields = {
        "name": name.strip()[:300],
        "given_name": given_name.strip()[:150],
        "family_name": family_name.strip()[:150],
        "honorific_prefix": honorific_prefix.strip()[:50],
    }
    disambiguation = ""
    if len(key.split()) == 1:
        disambiguation = surname_only_disambiguation(fields["name"], document_id)
    cache_key = ("person", key, disambiguation)
    if cache is not None and cache_key in cache.actors:
        return cache.actors[cache_key], False  # type: ignore[return-value]
    if disambiguation:
        person = Person.objects.filter(
            name_key=key, disambiguation=disambiguation, merged_into__isnull=True
        ).first()
        created = False
        if person is None:
            person, created = _create(Person, {**fields, "needs_review": True}, disambiguation)
    else:
        person, doubtful = _by_key(Person, key)
        created = False
        if person is None:
            person, created = _create(Person, {**fields, "needs_review": doubtful})
        else:
            _fill_blanks(person, fields)
        # Full-name aliases only: a surname is resolved inside one document, never stored.
        aliases_add(person, [a for a in aliases if len(name_key(a).split()) > 1])
    if cache is not None:
        cache.actors[cache_key] = person
    return person, created  # type: ignore[return-value]


def organisation_resolve_or_create(
    *,
    name: str,
    classification: str = "",
    country: str = "",
    aliases: Iterable[str] = (),
    cache: ResolutionCache | None = None,
) -> tuple[Organisation | None, bool]:
    """The Organisation a name or one of its aliases designates (created if new)."""
    key = name_key(name)
    if not key:
        return None, False
    aliases = [a for a in aliases if name_key(a) and name_key(a) != key]
    cache_key = ("organisation", key, "")
    if cache is not None and cache_key in cache.actors:
        organisation = cache.actors[cache_key]
        aliases_add(organisation, aliases)
        return organisation, False  # type: ignore[return-value]
    fields = {
        "name": name.strip()[:300],
        "classification": classification if classification in _ORG_CLASSIFICATIONS else "",
        "country": country.strip().upper()[:3],
    }
    organisation, doubtful = _by_key(Organisation, key)
    if organisation is None and not doubtful:
        for alias in aliases:
            organisation, doubtful = _by_key(Organisation, name_key(alias))
            if organisation is not None or doubtful:
                break
    created = False
    if organisation is None:
        organisation, created = _create(Organisation, {**fields, "needs_review": doubtful})
    else:
        _fill_blanks(organisation, fields)
    aliases_add(organisation, aliases)
    if cache is not None:
        cache.actors[cache_key] = organisation
    return organisation, created  # type: ignore[return-value]


def aliases_add(actor: Actor, aliases: Iterable[str], *, note: str = "read from an article") -> int:
    """Store new aliases of ``actor`` as OtherName rows (acronym when all capitals)."""
    owner_field = "person" if isinstance(actor, Person) else "organisation"
    own_key = actor.name_key
    rows, keys = [], set()
    for alias in aliases:
        alias = " ".join(alias.split())[:300]
        key = name_key(alias)
        if not key or key == own_key or key in keys:
            continue
        keys.add(key)
        letters = [c for c in alias if c.isalpha()]
        kind = (
            OtherNameKind.ACRONYM
            if letters and " " not in alias and all(c.isupper() for c in letters)
            else OtherNameKind.ALTERNATE
        )
        row = OtherName(name=alias, name_key=key, kind=kind, note=note, **{owner_field: actor})
        rows.append(row)
    if not rows:
        return 0
    existing = set(
        OtherName.objects.filter(**{owner_field: actor}, name_key__in=keys).values_list(
            "name_key", flat=True
        )
    )
    rows = [row for row in rows if row.name_key not in existing]
    OtherName.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def membership_get_or_create(
    *,
    person: Person,
    organisation: Organisation | None,
    role: str,
    status: str = MembershipStatus.CURRENT,
    start_date: str = "",
    end_date: str = "",
    document_id: int | None = None,
    start: int | None = None,
    end: int | None = None,
    source_text: str = "",
) -> tuple[Membership | None, bool]:
    """The membership (person, organisation, role), created with its source if new."""
    role = " ".join(role.split())[:300]
    if not role:
        return None, False
    lookup = {"person": person, "organisation": organisation, "role": role}
    existing = Membership.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    defaults = {
        "status": status if status in MembershipStatus.values else MembershipStatus.CURRENT,
        "start_date": start_date if _partial_date(start_date) else "",
        "end_date": end_date if _partial_date(end_date) else "",
        "document_id": document_id,
        "start": start,
        "end": end,
        "source_text": source_text[:1000],
    }
    try:
        with transaction.atomic():
            return Membership.objects.create(**lookup, **defaults), True
    except IntegrityError:
        return Membership.objects.filter(**lookup).first(), False


def _partial_date(value: str) -> bool:
    parts = value.split("-") if value else []
    if not parts or len(parts) > 3 or len(parts[0]) != 4:
        return False
    return all(part.isdigit() for part in parts)
