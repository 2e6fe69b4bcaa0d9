"""Helpers for driving admin forms from tests."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

_editors_migration = importlib.import_module("statements.migrations.0003_editors_group")
_quotes_migration = importlib.import_module("statements.migrations.0010_quote")


def editors_group() -> Group:
    """The group the migration made; made again if a transactional test flushed it."""
    if not Group.objects.filter(name="editors").exists():
        _editors_migration.editors_group_create(apps, None)
        _quotes_migration.editors_may_view_quotes(apps, None)
    return Group.objects.get(name="editors")


def statement_form_data(statement, **changes) -> dict:
    """The POST body the statement change form sends unchanged, with ``changes`` applied."""
    targets = list(statement.targets.order_by("pk"))
    data = {
        "speaker_person": statement.speaker_person_id or "",
        "speaker_organisation": statement.speaker_organisation_id or "",
        "speaker_text": statement.speaker_text,
        "speaker_role": statement.speaker_role,
        "membership": statement.membership_id or "",
        "cue": statement.cue,
        "cue_class": statement.cue_class,
        "content": statement.content,
        "kind": statement.kind,
        "statement_type": statement.statement_type,
        "cameo_code": statement.cameo_code,
        "plover_code": statement.plover_code,
        "event": statement.event_id or "",
        "date": statement.date.isoformat() if statement.date else "",
        "review_status": statement.review_status,
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": str(len(targets)),
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    for index, target in enumerate(targets):
        data[f"targets-{index}-id"] = target.pk
        data[f"targets-{index}-statement"] = statement.pk
        data[f"targets-{index}-person"] = target.person_id or ""
        data[f"targets-{index}-organisation"] = target.organisation_id or ""
    data.update(changes)
    return data


def person_form_data(person, **changes) -> dict:
    """The POST body of an unchanged person change form (no inline rows), with ``changes``."""
    data = {
        "name": person.name,
        "honorific_prefix": person.honorific_prefix,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "disambiguation": person.disambiguation,
        "summary": person.summary,
        "wikidata_qid": person.wikidata_qid or "",
        "needs_review": "on" if person.needs_review else "",
    }
    for prefix in ("other_names", "identifiers", "memberships"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(changes)
    return data
