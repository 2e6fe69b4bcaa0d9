"""Actor resolution: which stored Person or Organisation each actor of a document is.

One resolver, batch-first: ``actors_resolve`` takes every actor the engine found in a
document (its ``EntityRecord``s) and links them in a handful of queries; a single lookup
is a batch of one. The knowledge base is the gazetteer (docs/identity.md):

- A full name links to the live record with the same name key, or the same key without
  middle initials ("Donald J. Trump" = "Donald Trump"; "Donald Trump Jr." is someone
  else), or the survivor of a merged record, or the one record holding it as an alias.
  Several records sharing the key (editors split them) make the match doubtful: a new
  record flagged ``needs_review``.
- A surname alone ("Obama" in an article that never says "Barack") never creates a
  record. It links to an existing person with that surname when the evidence singles one
  out (gender from titles and given names, a title the person is known by, how often each
  candidate is quoted), with that share of the evidence as the link's confidence;
  otherwise the statement keeps its speaker text and no record.
- Organisations link by name or by any alias ("UN" = "United Nations").

Concurrency: two ingest processes may meet the same new name at the same time. The partial
unique constraint on live ``(name_key, disambiguation)`` lets only one insert win; the other
re-reads and uses the winner's row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count

from statements.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationClassification,
    OtherName,
    OtherNameKind,
    Person,
    PersonGender,
)
from statements.naming import name_key, person_match_key, slug_base, surname_key
from statements.nlp.lexicons import given_names, name_particles
from statements.nlp.records import EntityRecord, RoleRecord
from statements.services.summaries import summaries_members_sync

_ORG_CLASSIFICATIONS = set(OrganisationClassification.values)
_GENDERS = set(PersonGender.values)
_CREATE_ATTEMPTS = 4

Actor = Person | Organisation


@dataclass(frozen=True)
class SurnameCandidate:
    """A stored person a bare surname may designate, with what speaks for them."""

    person: Person
    statements: int
    titles: frozenset[str]  # folded words of their honorific and roles ("president")


@dataclass
class ResolutionCache:
    """Lookups of one ingest run, so a name costs one query per run.

    The caller must ``clear()`` it when a transaction rolls back: the cached rows may be gone.
    """

    actors: dict[tuple[str, str], Actor] = field(default_factory=dict)
    surnames: dict[str, list[SurnameCandidate]] = field(default_factory=dict)

    def clear(self) -> None:
        self.actors.clear()
        self.surnames.clear()


@dataclass(frozen=True)
class ActorLink:
    """The record a document's actor designates, how sure that is, and the alternatives."""

    actor: Actor | None
    confidence: float | None = None
    candidates: tuple[Actor, ...] = ()


@dataclass
class ResolvedActors:
    links: dict[str, ActorLink] = field(default_factory=dict)
    people_created: int = 0
    organisations_created: int = 0

    @property
    def actors(self) -> dict[str, Actor]:
        """Document key -> record, for the actors that have one."""
        return {key: link.actor for key, link in self.links.items() if link.actor is not None}


def is_bare_surname(name: str) -> bool:
    """One word (a suffix aside), or a surname with its particle ("De Blasio"): never a
    full name. A particle written apart that is also a given name ("Al Sharpton", "Van
    Jones") begins a full name; "al-Khazali" stays a surname."""
    words = person_match_key(name).split()
    if len(words) < 2:
        return True
    first = name.split()[0] if name.split() else ""
    given = first[:1].isupper() and name_key(first) in given_names()
    return len(words) == 2 and words[0] in name_particles() and not given


def _owner_field(model: type[Actor]) -> str:
    return "person" if model is Person else "organisation"


# ------------------------------------------------------------------------------ full names


def _lookup_keys(model: type[Actor], record: EntityRecord) -> list[str]:
    """Keys that designate the record's actor, the most specific first."""
    keys = [name_key(record.name)]
    if model is Person:
        keys.append(person_match_key(record.name))
    else:
        keys.extend(name_key(alias) for alias in record.aliases)
    return [key for key in dict.fromkeys(keys) if key]


@dataclass
class _Stored:
    """What the database holds for a set of keys: live records, merged ones, alias owners."""

    live: dict[str, list[Actor]] = field(default_factory=dict)
    merged: dict[str, Actor] = field(default_factory=dict)
    owners: dict[str, set[Actor]] = field(default_factory=dict)

    def designates(self, key: str) -> tuple[Actor | None, bool]:
        """The record a key designates, and whether the match is doubtful."""
        live = self.live.get(key, [])
        plain = [actor for actor in live if actor.disambiguation == ""]
        if plain:
            return plain[0], False
        if live:
            return None, True
        if key in self.merged:
            return self.merged[key].resolve(), False
        owners = {actor.resolve() for actor in self.owners.get(key, ())}
        if len(owners) == 1:
            return owners.pop(), False
        return None, len(owners) > 1


def _stored_read(model: type[Actor], keys: set[str]) -> _Stored:
    stored = _Stored()
    if not keys:
        return stored
    for actor in model.objects.filter(name_key__in=keys):
        if actor.merged_into_id is None:
            stored.live.setdefault(actor.name_key, []).append(actor)
        else:
            stored.merged.setdefault(actor.name_key, actor)
    owner = _owner_field(model)
    for other in OtherName.objects.filter(
        name_key__in=keys, **{f"{owner}__isnull": False}
    ).select_related(owner):
        stored.owners.setdefault(other.name_key, set()).add(getattr(other, owner))
    return stored


def _record_fields(model: type[Actor], record: EntityRecord) -> dict:
    name = record.name.strip()[:300]
    if model is Person:
        return {
            "name": name,
            "given_name": record.given_name.strip()[:150],
            "family_name": record.family_name.strip()[:150],
            "honorific_prefix": record.honorific_prefix.strip()[:50],
            "gender": record.gender if record.gender in _GENDERS else "",
        }
    return {
        "name": name,
        "classification": record.classification
        if record.classification in _ORG_CLASSIFICATIONS
        else "",
        "country": record.country.strip().upper()[:3],
    }


def _record_aliases(model: type[Actor], record: EntityRecord) -> list[str]:
    """Aliases worth storing: for people, full names only (a surname is never an alias)."""
    own = name_key(record.name)
    aliases = list(record.aliases)
    if model is Person:
        initials_dropped = " ".join(
            word
            for index, word in enumerate(record.name.split())
            if index in (0, len(record.name.split()) - 1) or len(name_key(word)) > 1
        )
        aliases.append(initials_dropped)
        aliases = [alias for alias in aliases if not is_bare_surname(alias)]
    return [alias for alias in aliases if name_key(alias) and name_key(alias) != own]


def _resolve_named(
    model: type[Actor],
    records: list[EntityRecord],
    cache: ResolutionCache,
    result: ResolvedActors,
) -> None:
    """Link (or create) every actor named in full, in three queries and one bulk insert."""
    kind = _owner_field(model)
    pending = [r for r in records if (kind, name_key(r.name)) not in cache.actors]
    stored = _stored_read(model, {key for r in pending for key in _lookup_keys(model, r)})
    to_create: dict[str, tuple[EntityRecord, bool]] = {}
    for record in records:
        own = name_key(record.name)
        actor = cache.actors.get((kind, own))
        doubtful = False
        if actor is None:
            for key in _lookup_keys(model, record):
                actor, doubtful = stored.designates(key)
                if actor is not None or doubtful:
                    break
        if actor is None:
            to_create.setdefault(own, (record, doubtful))
            continue
        cache.actors[(kind, own)] = actor
        result.links[record.key] = ActorLink(actor, 1.0)
    if to_create:
        created = _bulk_create(model, to_create)
        for own, (actor, was_created) in created.items():
            cache.actors[(kind, own)] = actor
            if was_created:
                if model is Person:
                    result.people_created += 1
                else:
                    result.organisations_created += 1
        for record in records:
            if record.key not in result.links:
                actor = cache.actors[(kind, name_key(record.name))]
                result.links[record.key] = ActorLink(actor, 1.0)
    _complete(model, records, result)


def _complete(model: type[Actor], records: list[EntityRecord], result: ResolvedActors) -> None:
    """Fill empty fields of linked records and store new aliases (rare: most have neither)."""
    done: set[int] = set()
    new_aliases: list[tuple[Actor, list[str]]] = []
    for record in records:
        link = result.links.get(record.key)
        if link is None or link.actor is None or link.actor.pk in done:
            continue
        done.add(link.actor.pk)
        if link.actor.disambiguation == "":
            _fill_blanks(link.actor, _record_fields(model, record))
        aliases = _record_aliases(model, record)
        if aliases:
            new_aliases.append((link.actor, aliases))
    aliases_add_many(new_aliases)


def _create(model: type[Actor], fields: dict) -> tuple[Actor, bool]:
    """Insert a record, or return the one another process inserted first."""
    key = name_key(fields["name"])
    for _ in range(_CREATE_ATTEMPTS):
        try:
            with transaction.atomic():
                actor = model(**fields)
                actor.save()
                return actor, True
        except IntegrityError:
            # Lost a race on the name key (re-read it) or on the slug (retry: a new slug).
            existing = model.objects.filter(
                name_key=key, disambiguation="", merged_into__isnull=True
            ).first()
            if existing is not None:
                return existing, False
    raise IntegrityError(f"could not create {model.__name__} {fields['name']!r}")


def _bulk_create(
    model: type[Actor], to_create: dict[str, tuple[EntityRecord, bool]]
) -> dict[str, tuple[Actor, bool]]:
    """New records in one insert; slug clashes and lost races take the careful path."""
    rows: dict[str, Actor] = {}
    slugs: set[str] = set()
    for key, (record, doubtful) in to_create.items():
        fields = _record_fields(model, record)
        actor = model(name_key=key, needs_review=doubtful, **fields)
        if model is Person:
            actor.surname_key = surname_key(fields["name"])
        slug = slug_base(fields["name"])
        actor.slug = "" if slug in slugs else slug
        slugs.add(slug)
        rows[key] = actor
    taken = set(model.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    fast = [actor for actor in rows.values() if actor.slug and actor.slug not in taken]
    model.objects.bulk_create(fast, ignore_conflicts=True)
    stored = {
        actor.name_key: actor
        for actor in model.objects.filter(
            name_key__in=list(rows), disambiguation="", merged_into__isnull=True
        )
    }
    fast_slugs = {actor.name_key: actor.slug for actor in fast}
    out: dict[str, tuple[Actor, bool]] = {}
    for key, row in rows.items():
        actor = stored.get(key)
        if actor is not None:
            out[key] = (actor, fast_slugs.get(key) == actor.slug)
        else:
            fields = _record_fields(model, to_create[key][0])
            out[key] = _create(model, {**fields, "needs_review": row.needs_review})
    return out


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


def aliases_add(actor: Actor, aliases: Iterable[str], *, note: str = "read from an article") -> int:
    """Store new aliases of ``actor`` as OtherName rows (acronym when all capitals)."""
    return aliases_add_many([(actor, aliases)], note=note)


def aliases_add_many(
    pairs: Iterable[tuple[Actor, Iterable[str]]], *, note: str = "read from an article"
) -> int:
    """``aliases_add`` for several records of one kind (people or organisations) in one
    read and one insert. Returns how many aliases were new."""
    rows: list[OtherName] = []
    owner_field = ""
    for actor, aliases in pairs:
        owner_field = "person" if isinstance(actor, Person) else "organisation"
        rows.extend(_alias_rows(actor, aliases, owner_field, note))
    if not rows:
        return 0
    existing = set(
        OtherName.objects.filter(
            **{f"{owner_field}_id__in": {getattr(row, f"{owner_field}_id") for row in rows}},
            name_key__in={row.name_key for row in rows},
        ).values_list(f"{owner_field}_id", "name_key")
    )
    rows = [
        row for row in rows if (getattr(row, f"{owner_field}_id"), row.name_key) not in existing
    ]
    OtherName.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _alias_rows(
    actor: Actor, aliases: Iterable[str], owner_field: str, note: str
) -> list[OtherName]:
    """One OtherName per alias of ``actor`` that is not its own name (each key once)."""
    rows, keys = [], set()
    for alias in aliases:
        alias = " ".join(alias.split())[:300]
        key = name_key(alias)
        if not key or key == actor.name_key or key in keys:
            continue
        keys.add(key)
        letters = [c for c in alias if c.isalpha()]
        kind = (
            OtherNameKind.ACRONYM
            if letters and " " not in alias and all(c.isupper() for c in letters)
            else OtherNameKind.ALTERNATE
        )
        rows.append(
            OtherName(name=alias, name_key=key, kind=kind, note=note, **{owner_field: actor})
        )
    return rows


# ------------------------------------------------------------------------------ surnames


def _title_words(*texts: str) -> frozenset[str]:
    return frozenset(word for text in texts for word in name_key(text).split())


def surname_candidates(keys: set[str], cache: ResolutionCache) -> dict[str, list[SurnameCandidate]]:
    """Stored people per surname key, with their statement counts and title words."""
    missing = keys - set(cache.surnames)
    if missing:
        people = list(
            Person.objects.filter(surname_key__in=missing, merged_into__isnull=True)
            .exclude(name_key__in=missing)
            .annotate(quoted=Count("statements"))
        )
        roles: dict[int, list[str]] = {}
        for person_id, role in Membership.objects.filter(person__in=people).values_list(
            "person_id", "role"
        ):
            roles.setdefault(person_id, []).append(role)
        for key in missing:
            cache.surnames[key] = []
        for person in people:
            titles = _title_words(person.honorific_prefix, *roles.get(person.pk, ()))
            cache.surnames[person.surname_key].append(
                SurnameCandidate(person, person.quoted, titles)
            )
    return {key: cache.surnames[key] for key in keys}


def surname_link(
    candidates: list[SurnameCandidate], *, name: str, gender: str = "", title: str = ""
) -> ActorLink:
    """The person a bare surname designates when the evidence singles one out.

    Each candidate's weight is how often they are quoted (plus one), times three when the
    mention's title ("President Obama") is one they are known by; a known gender that
    differs rules a candidate out, and a generational suffix ("Jr.") the mention lacks
    makes one unlikely. The link's confidence is the winner's share of the weight.
    """
    mention_titles = _title_words(title) - {"mr", "mrs", "ms", "miss"}
    weights: dict[int, float] = {}
    for candidate in candidates:
        person = candidate.person
        if gender and person.gender and person.gender != gender:
            continue
        weight = 1.0 + candidate.statements
        if mention_titles and mention_titles & candidate.titles:
            weight *= 3.0
        if name_key(person.name).split()[-1] != surname_key(person.name):
            weight *= 0.2  # "Donald Trump Jr." for a plain "Trump"
        weights[person.pk] = weight
    alternatives = tuple(c.person for c in candidates if c.person.pk in weights)
    if not weights:
        return ActorLink(None, None, tuple(c.person for c in candidates))
    best = max(weights, key=lambda pk: weights[pk])
    confidence = round(weights[best] / sum(weights.values()), 3)
    if confidence < settings.KB_SURNAME_LINK_MIN_CONFIDENCE:
        return ActorLink(None, None, alternatives)
    person = next(c.person for c in candidates if c.person.pk == best)
    return ActorLink(person, confidence, alternatives)


def _resolve_surnames(
    records: list[EntityRecord], cache: ResolutionCache, result: ResolvedActors
) -> None:
    by_key = surname_candidates({surname_key(r.name) for r in records} - {""}, cache)
    for record in records:
        result.links[record.key] = surname_link(
            by_key.get(surname_key(record.name), []),
            name=record.name,
            gender=record.gender,
            title=record.honorific_prefix,
        )


# ------------------------------------------------------------------------------ entry points


def actors_resolve(
    records: Iterable[EntityRecord], *, cache: ResolutionCache | None = None
) -> ResolvedActors:
    """Link every actor of one document to its record (creating full names not yet stored).

    Records are resolved in a fixed order (kind, name key), so that concurrent processes
    insert shared names in the same order and never deadlock.
    """
    cache = cache if cache is not None else ResolutionCache()
    records = sorted(records, key=lambda r: (r.kind, name_key(r.name)))
    people = [r for r in records if r.kind == "person" and name_key(r.name)]
    organisations = [r for r in records if r.kind != "person" and name_key(r.name)]
    named = [r for r in people if not is_bare_surname(r.name)]
    surnames = [r for r in people if is_bare_surname(r.name)]
    result = ResolvedActors()
    _resolve_named(Person, named, cache, result)
    _resolve_surnames([*surnames, *_surname_like(organisations, cache)], cache, result)
    organisations = [r for r in organisations if r.key not in result.links]
    _resolve_named(Organisation, organisations, cache, result)
    return result


def _surname_like(records: list[EntityRecord], cache: ResolutionCache) -> list[EntityRecord]:
    """Organisations the tagger made of a person's surname ("Obama said", tagged ORG): one
    capitalised word, nothing else known, that is the surname of stored people."""
    plain = [
        r
        for r in records
        if not r.classification and not r.aliases and re.fullmatch(r"[A-Z][a-z]+", r.name.strip())
    ]
    if not plain:
        return []
    candidates = surname_candidates({surname_key(r.name) for r in plain}, cache)
    return [r for r in plain if candidates.get(surname_key(r.name))]


def actor_resolve(record: EntityRecord, *, cache: ResolutionCache | None = None) -> ActorLink:
    """One actor: a batch of one."""
    return actors_resolve([record], cache=cache).links.get(record.key, ActorLink(None))


def _partial_date(value: str) -> bool:
    parts = value.split("-") if value else []
    if not parts or len(parts) > 3 or len(parts[0]) != 4:
        return False
    return all(part.isdigit() for part in parts)


def _membership_build(role: RoleRecord, person: Person, organisation: Actor | None, **extra):
    text_ok = role.end > role.start
    return Membership(
        person=person,
        organisation=organisation if isinstance(organisation, Organisation) else None,
        role=" ".join(role.role.split())[:300],
        status=role.status if role.status in MembershipStatus.values else MembershipStatus.CURRENT,
        start_date=role.start_date if _partial_date(role.start_date) else "",
        end_date=role.end_date if _partial_date(role.end_date) else "",
        start=role.start if text_ok else None,
        end=role.end if text_ok else None,
        source_text=role.text[:1000],
        **extra,
    )


def role_organisations(roles: Iterable[RoleRecord], keys: Iterable[str]) -> list[EntityRecord]:
    """Organisations a role names that the document did not key ("Ambassador to Iraq" of
    Turkey), as records to resolve with the document's actors (key ``role-org:NAME``)."""
    known = set(keys)
    names = dict.fromkeys(
        r.organisation_name
        for r in roles
        if r.organisation_name and (r.organisation_key or "") not in known
    )
    return [EntityRecord(key=f"role-org:{n}", kind="organisation", name=n) for n in names]


def memberships_ensure(
    roles: Iterable[RoleRecord], *, actors: dict[str, Actor], document_id: int | None
) -> dict[tuple[int, str], Membership]:
    """Get-or-create the memberships the document's roles state, in two or three queries.

    ``actors`` maps the document's keys (and ``role_organisations``' keys) to records.
    Returns every stored membership of the document's people keyed by (person id, role
    name key), current ones first, so statements link the role their speaker held.
    """
    person_ids = {a.pk for a in actors.values() if isinstance(a, Person)}
    if not person_ids:
        return {}

    def stored() -> list[Membership]:
        return list(Membership.objects.filter(person_id__in=person_ids).order_by("-status", "pk"))

    existing = stored()
    seen = {(m.person_id, m.organisation_id, m.role) for m in existing}
    new = []
    for role in roles:
        person = actors.get(role.person_key)
        if not isinstance(person, Person):
            continue
        organisation = actors.get(role.organisation_key or "") or actors.get(
            f"role-org:{role.organisation_name}"
        )
        row = _membership_build(role, person, organisation, document_id=document_id)
        ident = (person.pk, row.organisation.pk if row.organisation else None, row.role)
        if row.role and ident not in seen:
            seen.add(ident)
            new.append(row)
    if new:
        Membership.objects.bulk_create(new, ignore_conflicts=True)
        summaries_members_sync(person_ids=[row.person_id for row in new])
        existing = stored()
    by_role: dict[tuple[int, str], Membership] = {}
    for membership in existing:  # current before former: "-status" sorts current first
        by_role.setdefault((membership.person_id, name_key(membership.role)), membership)
    return by_role
