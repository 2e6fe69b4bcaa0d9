"""``import_actors``: a Popolo registry loaded before ingest, idempotent, all or nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from statements import models

REGISTRY = Path(__file__).resolve().parent.parent / "fixtures" / "popolo_registry.json"


def run(path) -> str:
    out = io.StringIO()
    call_command("import_actors", str(path), stdout=out)
    return out.getvalue()


def test_import_creates_then_reports_unchanged(db):
    first = run(REGISTRY)
    assert "persons       created 2, updated 0, unchanged 0" in first
    assert "organizations created 2, updated 0, unchanged 0" in first
    assert "memberships   created 2, unchanged 0" in first
    weber = models.Person.objects.get(wikidata_qid="Q99990001")
    assert (weber.name, weber.gender) == ("Klaus Weber", "male")
    assert weber.other_names.get().name == "Klaus-Dieter Weber"
    assert weber.identifiers.get().identifier == "MEP-4411"
    assert weber.memberships.get().organisation.name == "European Parliament"
    second = run(REGISTRY)
    assert "persons       created 0, updated 0, unchanged 2" in second
    assert "memberships   created 0, unchanged 2" in second
    assert models.Person.objects.count() == 2


def test_changed_record_is_updated_and_found_by_its_qid(db, tmp_path):
    run(REGISTRY)
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    data["persons"][1]["name"] = "Ingrid M. Hartmann"
    data["persons"][1]["honorific_prefix"] = "Dr."
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    assert "persons       created 0, updated 1, unchanged 1" in run(changed)
    assert models.Person.objects.get(wikidata_qid="Q99990002").honorific_prefix == "Dr."


def test_a_bad_record_changes_nothing(db, tmp_path):
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    data["persons"].append(
        {
            "id": "person/x",
            "name": "Bad Qid",
            "identifiers": [{"scheme": "wikidata", "identifier": "42"}],
        }
    )
    data["memberships"].append({"person_id": "person/nobody", "role": "MEP"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run(bad)
    message = str(error.value)
    assert "bad.json" in message and "persons[2]" in message and "'42'" in message
    assert "memberships[2]: person_id 'person/nobody' is not in persons" in message
    assert not models.Person.objects.exists() and not models.Organisation.objects.exists()


def test_not_json_is_a_clear_error(db, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{persons: ", encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.json: not JSON"):
        run(broken)


def test_ingest_links_to_the_imported_records(db, ingest_text):
    run(REGISTRY)
    document = ingest_text(
        "MEP Klaus Weber said the vote would be close. "
        "Commissioner Hartmann said the proposal was ready. "
        "The EP said the debate would start on Monday."
    )
    speakers = {
        s.content: (s.speaker_person or s.speaker_organisation).name
        for s in document.statements.all()
    }
    assert speakers == {
        "the vote would be close": "Klaus Weber",
        "the proposal was ready": "Ingrid Hartmann",
        "the debate would start on Monday": "European Parliament",
    }
    assert models.Person.objects.count() == 2
    assert models.Organisation.objects.count() == 2
