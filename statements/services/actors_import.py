"""Load a registry of known actors (a Popolo JSON file) before ingesting articles.

A newsroom loads its parliament's members or a government's ministers so that linking
prefers these records: ``persons`` and ``organizations`` (with ``other_names`` and
``identifiers``, a Wikidata QID included) and ``memberships``. The import is idempotent:
a record is found again by its Wikidata QID, then by another identifier, then by its name
key, and only fields that differ are written. Every record is checked before anything is
written: one bad record fails the whole file with a message naming it, and nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from statements.models import (
    Identifier,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationClassification,
    Person,
    PersonGender,
)
from statements.naming import name_key
from statements.services.entities import aliases_add

_QID = re.compile(r"^Q\d+$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_PERSON_FIELDS = ("given_name", "family_name", "honorific_prefix", "gender", "summary")
_ORGANISATION_FIELDS = ("classification", "summary")


class PopoloError(ValueError):
    """The file is not a Popolo registry kb can load; ``problems`` names each bad record."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: {"persons": 0, "organizations": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"persons": 0, "organizations": 0})
    unchanged: dict[str, int] = field(default_factory=lambda: {"persons": 0, "organizations": 0})
    memberships_created: int = 0
    memberships_unchanged: int = 0


def _wikidata(record: dict) -> str:
    for identifier in record.get("identifiers") or []:
        if str(identifier.get("scheme", "")).lower() == "wikidata":
            return str(identifier.get("identifier", ""))
    return ""


def _check_record(section: str, index: int, record: Any) -> list[str]:
    where = f"{section}[{index}]"
    if not isinstance(record, dict):
        return [f"{where}: not an object"]
    problems = []
    if not str(record.get("id", "")).strip():
        problems.append(f"{where}: no id")
    if not name_key(str(record.get("name", ""))):
        problems.append(f"{where} ({record.get('id', '?')}): no name")
    qid = _wikidata(record)
    if qid and not _QID.match(qid):
        problems.append(f"{where}: Wikidata identifier {qid!r} is not a QID like Q42")
    if section == "persons" and record.get("gender", "") not in ("", *PersonGender.values):
        problems.append(f"{where}: gender {record['gender']!r} is not male or female")
    classification = record.get("classification", "")
    if section == "organizations" and classification not in (
        "",
        *OrganisationClassification.values,
    ):
        problems.append(f"{where}: classification {classification!r} is unknown")
    for key in ("other_names", "identifiers"):
        if not isinstance(record.get(key) or [], list):
            problems.append(f"{where}: {key} is not a list")
    return problems


def popolo_check(data: Any) -> list[str]:
    """Every problem of the file, each naming its record; empty when it can be loaded."""
    if not isinstance(data, dict):
        return ["the file is not a JSON object with persons, organizations, memberships"]
    problems: list[str] = []
    ids: dict[str, set[str]] = {"persons": set(), "organizations": set()}
    for section in ("persons", "organizations"):
        records = data.get(section) or []
        if not isinstance(records, list):
            problems.append(f"{section} is not a list")
            continue
        for index, record in enumerate(records):
            problems += _check_record(section, index, record)
            if isinstance(record, dict):
                ids[section].add(str(record.get("id", "")))
    for index, membership in enumerate(data.get("memberships") or []):
        where = f"memberships[{index}]"
        if not isinstance(membership, dict):
            problems.append(f"{where}: not an object")
            continue
        if str(membership.get("person_id", "")) not in ids["persons"]:
            problems.append(f"{where}: person_id {membership.get('person_id')!r} is not in persons")
        organisation_id = membership.get("organization_id")
        if organisation_id and str(organisation_id) not in ids["organizations"]:
            problems.append(f"{where}: organization_id {organisation_id!r} is not in organizations")
        if not str(membership.get("role") or membership.get("label") or "").strip():
            problems.append(f"{where}: no role")
        for key in ("start_date", "end_date"):
            if membership.get(key) and not _DATE.match(str(membership[key])):
                problems.append(f"{where}: {key} {membership[key]!r} is not YYYY[-MM[-DD]]")
    return problems


def _find(model: type[Person] | type[Organisation], record: dict):
    qid = _wikidata(record)
    if qid:
        found = model.objects.filter(wikidata_qid=qid).first()
        if found is not None:
            return found.resolve()
    owner = "person" if model is Person else "organisation"
    for identifier in record.get("identifiers") or []:
        row = (
            Identifier.objects.filter(
                scheme=str(identifier.get("scheme", "")),
                identifier=str(identifier.get("identifier", "")),
                **{f"{owner}__isnull": False},
            )
            .select_related(owner)
            .first()
        )
        if row is not None:
            return getattr(row, owner).resolve()
    return model.objects.filter(
        name_key=name_key(record["name"]), disambiguation="", merged_into__isnull=True
    ).first()


def _upsert(model, record: dict, fields: tuple[str, ...], section: str, report: ImportReport):
    actor = _find(model, record)
    values = {name: str(record[name]) for name in fields if record.get(name)}
    qid = _wikidata(record)
    if qid:
        values["wikidata_qid"] = qid
    if actor is None:
        actor = model(name=str(record["name"]).strip()[:300], **values)
        actor.save()
        report.created[section] += 1
    else:
        changed = {k: v for k, v in values.items() if getattr(actor, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(actor, key, value)
            actor.save()
            report.updated[section] += 1
        else:
            report.unchanged[section] += 1
    names = [str(o.get("name", "")) for o in record.get("other_names") or [] if o.get("name")]
    aliases_add(actor, names, note="imported registry")
    owner = "person" if model is Person else "organisation"
    for identifier in record.get("identifiers") or []:
        scheme, value = str(identifier.get("scheme", "")), str(identifier.get("identifier", ""))
        if scheme and value and scheme.lower() != "wikidata":
            Identifier.objects.get_or_create(
                scheme=scheme, identifier=value, defaults={owner: actor}
            )
    return actor


def actors_import(data: Any) -> ImportReport:
    """Load a Popolo registry; raises PopoloError (and changes nothing) when a record is bad."""
    problems = popolo_check(data)
    if problems:
        raise PopoloError(problems)
    report = ImportReport()
    with transaction.atomic():
        people = {
            str(r["id"]): _upsert(Person, r, _PERSON_FIELDS, "persons", report)
            for r in data.get("persons") or []
        }
        organisations = {
            str(r["id"]): _upsert(Organisation, r, _ORGANISATION_FIELDS, "organizations", report)
            for r in data.get("organizations") or []
        }
        for membership in data.get("memberships") or []:
            organisation = organisations.get(str(membership.get("organization_id") or ""))
            status = MembershipStatus.FORMER if membership.get("end_date") else None
            _, created = Membership.objects.get_or_create(
                person=people[str(membership["person_id"])],
                organisation=organisation,
                role=str(membership.get("role") or membership.get("label")).strip()[:300],
                defaults={
                    "start_date": str(membership.get("start_date") or ""),
                    "end_date": str(membership.get("end_date") or ""),
                    "status": status or MembershipStatus.CURRENT,
                },
            )
            if created:
                report.memberships_created += 1
            else:
                report.memberships_unchanged += 1
    return report
