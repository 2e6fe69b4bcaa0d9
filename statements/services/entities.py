"""Actor resolution: which stored Person or Organisation a name read from an article is.

Identity rules (docs/domain.md): across documents the same normalised full name (``name_key``) or a
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
from django.utils.text import slugify

from statements.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationClassification,
    OtherName,
    OtherNameKind,
    Person,
)
from statements.naming import name_key, slug_base

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


@dataclass(frozen=True)
class ActorSpec:
    """What the ingest service knows about one actor of a document, engine-independent."""

    key: str  # the document-local key ("P1", "O3")
    kind: str  # "person" | "organisation"
    name: str
    given_name: str = ""
    family_name: str = ""
    honorific_prefix: str = ""
    classification: str = ""
    country: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class ResolvedActors:
    actors: dict[str, Actor] = field(default_factory=dict)
    people_created: int = 0
    organisations_created: int = 0


def actors_resolve(
    specs: Iterable[ActorSpec], *, document_id: int | None, cache: ResolutionCache
) -> ResolvedActors:
    """Resolve (or create) every actor of one document in a handful of queries.

    Same rules as ``person_resolve_or_create`` / ``organisation_resolve_or_create``, but
    batched: one lookup per model for names, merged records and aliases, one
    ``bulk_create(ignore_conflicts=True)`` for the new ones, then a re-read, so that rows
    another process inserted meanwhile are used instead of duplicated.
    """
    result = ResolvedActors()
    people = [s for s in specs if s.kind == "person"]
    organisations = [s for s in specs if s.kind != "person"]
    _batch_resolve(Person, people, document_id, cache, result)
    _batch_resolve(Organisation, organisations, document_id, cache, result)
    return result


def _spec_fields(model: type[Actor], spec: ActorSpec) -> dict:
    if model is Person:
        return {
            "name": spec.name.strip()[:300],
            "given_name": spec.given_name.strip()[:150],
            "family_name": spec.family_name.strip()[:150],
            "honorific_prefix": spec.honorific_prefix.strip()[:50],
        }
    return {
        "name": spec.name.strip()[:300],
        "classification": spec.classification
        if spec.classification in _ORG_CLASSIFICATIONS
        else "",
        "country": spec.country.strip().upper()[:3],
    }


def _spec_aliases(model: type[Actor], spec: ActorSpec) -> list[str]:
    """Aliases worth storing: for people, full names only (a surname is never an alias)."""
    own = name_key(spec.name)
    keep = [a for a in spec.aliases if name_key(a) and name_key(a) != own]
    if model is Person:
        keep = [a for a in keep if len(name_key(a).split()) > 1]
    return keep


def _batch_resolve(
    model: type[Actor],
    specs: list[ActorSpec],
    document_id: int | None,
    cache: ResolutionCache,
    result: ResolvedActors,
) -> None:
    kind = "person" if model is Person else "organisation"
    owner_field = kind
    # (key, disambiguation) each spec designates; surname-only people get their own record.
    wanted: dict[str, tuple[str, str]] = {}
    for spec in specs:
        key = name_key(spec.name)
        if not key:
            continue
        disambiguation = ""
        if model is Person and len(key.split()) == 1:
            disambiguation = surname_only_disambiguation(spec.name.strip()[:300], document_id)
        wanted[spec.key] = (key, disambiguation)

    found: dict[tuple[str, str], Actor] = {}
    doubtful: set[str] = set()
    for ident in wanted.values():
        cached = cache.actors.get((kind, *ident))
        if cached is not None:
            found[ident] = cached
    missing = {ident for ident in wanted.values() if ident not in found}
    alias_keys = {
        name_key(a)
        for spec in specs
        if model is Organisation and wanted.get(spec.key) in missing
        for a in spec.aliases
    } - {""}
    lookup_keys = {key for key, _ in missing} | alias_keys
    by_key: dict[str, list[Actor]] = {}
    if lookup_keys:
        for actor in model.objects.filter(name_key__in=lookup_keys, merged_into__isnull=True):
            by_key.setdefault(actor.name_key, []).append(actor)

    def plain(key: str) -> tuple[Actor | None, bool]:
        live = by_key.get(key, [])
        exact = [a for a in live if a.disambiguation == ""]
        return (exact[0], False) if exact else (None, bool(live))

    # Surname-only records: exact (key, disambiguation) match.
    for key, disambiguation in list(missing):
        if disambiguation:
            match = next(
                (a for a in by_key.get(key, []) if a.disambiguation == disambiguation), None
            )
            if match is not None:
                found[(key, disambiguation)] = match
                missing.discard((key, disambiguation))
    # Full names: a live record, else a merged one's survivor, else a unique alias owner.
    rest = {key for key, d in missing if not d}
    for key in list(rest):
        actor, is_doubtful = plain(key)
        if actor is not None:
            found[(key, "")] = actor
            rest.discard(key)
        elif is_doubtful:
            doubtful.add(key)
            rest.discard(key)
    second_keys = rest | alias_keys
    merged: dict[str, Actor] = {}
    owners: dict[str, set] = {}
    if second_keys:
        for actor in model.objects.filter(name_key__in=second_keys, merged_into__isnull=False):
            merged.setdefault(actor.name_key, actor)
        for other in OtherName.objects.filter(
            name_key__in=second_keys, **{f"{owner_field}__isnull": False}
        ).select_related(owner_field):
            owners.setdefault(other.name_key, set()).add(getattr(other, owner_field))

    def by_second(key: str) -> tuple[Actor | None, bool]:
        if key in merged:
            return merged[key].resolve(), False
        candidates = {a.resolve() for a in owners.get(key, ())}
        if len(candidates) == 1:
            return candidates.pop(), False
        return None, len(candidates) > 1

    for key in list(rest):
        actor, is_doubtful = by_second(key)
        if actor is not None:
            found[(key, "")] = actor
            rest.discard(key)
        elif is_doubtful:
            doubtful.add(key)
            rest.discard(key)
    # Organisations: an alias ("KRI") may name a stored record.
    if model is Organisation:
        for spec in specs:
            ident = wanted.get(spec.key)
            if ident is None or ident in found or ident[0] in doubtful:
                continue
            for alias in spec.aliases:
                alias_key = name_key(alias)
                actor, _ = plain(alias_key)
                if actor is None:
                    actor, _ = by_second(alias_key)
                if actor is not None:
                    found[ident] = actor
                    break

    # Create what is still missing, in bulk; conflicts (another process) are re-read.
    to_create: dict[tuple[str, str], ActorSpec] = {}
    for spec in specs:
        ident = wanted.get(spec.key)
        if ident is not None and ident not in found and ident not in to_create:
            to_create[ident] = spec
    if to_create:
        _bulk_create(model, to_create, doubtful, found, result)

    for spec in specs:
        ident = wanted.get(spec.key)
        if ident is None or ident not in found:
            continue
        actor = found[ident]
        cache.actors[(kind, *ident)] = actor
        result.actors[spec.key] = actor
    # Complete blanks and store aliases (rare: most entities have neither).
    done: set[int] = set()
    for spec in specs:
        actor = result.actors.get(spec.key)
        if actor is None or actor.pk in done:
            continue
        done.add(actor.pk)
        if actor.disambiguation == "":
            _fill_blanks(actor, _spec_fields(model, spec))
        aliases = _spec_aliases(model, spec)
        if aliases:
            aliases_add(actor, aliases)


def _bulk_create(
    model: type[Actor],
    to_create: dict[tuple[str, str], ActorSpec],
    doubtful: set[str],
    found: dict[tuple[str, str], Actor],
    result: ResolvedActors,
) -> None:
    rows: dict[tuple[str, str], Actor] = {}
    slugs: dict[str, tuple[str, str]] = {}
    for ident, spec in to_create.items():
        fields = _spec_fields(model, spec)
        key, disambiguation = ident
        needs_review = bool(disambiguation) or key in doubtful
        actor = model(
            disambiguation=disambiguation, needs_review=needs_review, name_key=key, **fields
        )
        slug = slug_base(fields["name"])
        if disambiguation:  # one record per document: the document keeps the slug apart
            slug = f"{slug[:70]}-{slugify(disambiguation.rsplit(' in ', 1)[-1])}"[:100]
        if slug in slugs:
            slug = ""  # computed by save() below: must be unique
        else:
            slugs[slug] = ident
        actor.slug = slug
        rows[ident] = actor
    taken = set(model.objects.filter(slug__in=list(slugs)).values_list("slug", flat=True))
    fast = [actor for actor in rows.values() if actor.slug and actor.slug not in taken]
    model.objects.bulk_create(fast, ignore_conflicts=True)
    keys = {key for key, _ in rows}
    stored = {
        (actor.name_key, actor.disambiguation): actor
        for actor in model.objects.filter(name_key__in=keys, merged_into__isnull=True)
    }
    fast_ids = {(a.name_key, a.disambiguation) for a in fast}
    for ident, row in rows.items():
        actor = stored.get(ident)
        created = False
        if actor is not None:
            created = ident in fast_ids and actor.slug == row.slug
        else:  # a slug clash or a lost race: the careful path, one row
            fields = _spec_fields(model, to_create[ident])
            fields["needs_review"] = row.needs_review
            actor, created = _create(model, fields, ident[1])
        found[ident] = actor
        if created:
            if model is Person:
                result.people_created += 1
            else:
                result.organisations_created += 1


@dataclass(frozen=True)
class MembershipSpec:
    person: Person
    organisation: Organisation | None
    role: str
    status: str = MembershipStatus.CURRENT
    start_date: str = ""
    end_date: str = ""
    start: int | None = None
    end: int | None = None
    source_text: str = ""


def memberships_ensure(
    specs: Iterable[MembershipSpec], *, people: Iterable[Person], document_id: int | None
) -> dict[tuple[int, str], Membership]:
    """Get-or-create the memberships of one document in two or three queries.

    Returns every stored membership of ``people`` (and of the specs' people) keyed by
    (person id, role name key), current ones first, so statements can link the role their
    speaker held without a query each.
    """
    specs = list(specs)
    person_ids = {p.pk for p in people} | {s.person.pk for s in specs}
    if not person_ids:
        return {}

    def stored() -> list[Membership]:
        return list(Membership.objects.filter(person_id__in=person_ids).order_by("-status", "pk"))

    existing = stored()
    seen = {(m.person_id, m.organisation_id, m.role) for m in existing}
    new = []
    for spec in specs:
        role = " ".join(spec.role.split())[:300]
        ident = (spec.person.pk, spec.organisation.pk if spec.organisation else None, role)
        if not role or ident in seen:
            continue
        seen.add(ident)
        new.append(
            Membership(
                person=spec.person,
                organisation=spec.organisation,
                role=role,
                status=spec.status
                if spec.status in MembershipStatus.values
                else MembershipStatus.CURRENT,
                start_date=spec.start_date if _partial_date(spec.start_date) else "",
                end_date=spec.end_date if _partial_date(spec.end_date) else "",
                document_id=document_id,
                start=spec.start,
                end=spec.end,
                source_text=spec.source_text[:1000],
            )
        )
    if new:
        Membership.objects.bulk_create(new, ignore_conflicts=True)
        existing = stored()
    by_role: dict[tuple[int, str], Membership] = {}
    for membership in existing:  # current before former: "-status" sorts current first
        by_role.setdefault((membership.person_id, name_key(membership.role)), membership)
    return by_role
