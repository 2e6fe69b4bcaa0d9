"""`export` then `import` into an empty database restores every row exactly."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management import CommandError, call_command
from django.utils import timezone

from statements.models import (
    Event,
    EventParticipant,
    Identifier,
    Membership,
    Mention,
    OtherName,
    Statement,
    StatementTarget,
)
from statements.services.backup import BACKUP_MODELS, _backup_model
from tests.factories import OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[dict]]:
    snapshot = {}
    for label in BACKUP_MODELS:
        model = _backup_model(label)
        rows = model._default_manager.order_by("pk")
        snapshot[label] = json.loads(serializers.serialize("json", rows))
    return snapshot


def _empty_the_database() -> None:
    for label in BACKUP_MODELS:
        model = _backup_model(label)
        if hasattr(model, "merged_into"):
            model._default_manager.update(merged_into=None)
    # Deleting tracked rows writes history entries, so history goes last.
    ordered = sorted(reversed(BACKUP_MODELS), key=lambda label: ".historical" in label)
    for label in ordered:
        if label != "auth.group":
            _backup_model(label)._default_manager.all().delete()


@pytest.fixture
def knowledge_base():
    editor = User.objects.create_user("editor", password="x", is_staff=True)
    editor.groups.add(Group.objects.get_or_create(name="editors")[0])
    tawfiq = PersonFactory(name="Hawre Tawfiq")
    loser = PersonFactory(name="H. Tawfiq")
    loser.merged_into = tawfiq
    loser.save()
    presidency = OrganisationFactory(name="Iraqi Presidency", classification="presidency")
    OtherName.objects.create(person=tawfiq, name="Hawre Tawfeeq", kind="transliteration")
    OtherName.objects.create(organisation=presidency, name="IP", kind="acronym")
    Identifier.objects.create(person=tawfiq, scheme="wikidata", identifier="Q123456")
    membership = Membership.objects.create(
        person=tawfiq, organisation=presidency, role="General Director", start_date="2023"
    )
    accepted = StatementFactory(speaker_person=tawfiq, membership=membership)
    edited = StatementFactory(speaker_person=tawfiq, content="Ünïcode “quoted” <b>text</b>")
    rejected = StatementFactory(speaker_person=None, speaker_text="senior officials")
    for statement, status in ((accepted, "accepted"), (edited, "edited"), (rejected, "rejected")):
        statement.review_status = status
        statement.reviewed_by = editor
        statement.reviewed_at = timezone.now()
        statement._history_user = editor
        statement.save()
    StatementTarget.objects.create(statement=accepted, organisation=presidency)
    event = Event.objects.create(
        name="interview with VOA", classification="interview", document=accepted.document
    )
    EventParticipant.objects.create(event=event, person=tawfiq)
    Mention.objects.create(
        document=accepted.document, start=0, end=7, text="Article", label="ORG", person=tawfiq
    )
    return tawfiq


def test_export_then_import_restores_every_row_review_status_and_alias(knowledge_base, tmp_path):
    before = _snapshot()
    assert before["statements.historicalstatement"], "history must be part of the backup"
    backup = tmp_path / "kb.jsonl"
    call_command("export", str(backup), stderr=io.StringIO())

    _empty_the_database()
    assert not Statement.objects.exists() and not User.objects.exists()

    call_command("import", str(backup), stdout=io.StringIO())
    after = _snapshot()
    assert after == before
    restored = Statement.objects.get(review_status="edited")
    assert restored.reviewed_by.username == "editor"
    assert set(restored.speaker_person.other_names.values_list("name", flat=True)) == {
        "Hawre Tawfeeq"
    }
    # Sequences were moved past the restored ids: new rows get fresh primary keys.
    fresh = PersonFactory(name="Someone New")
    assert fresh.pk > max(row["pk"] for row in before["statements.person"])


def test_export_also_writes_popolo_json(knowledge_base, tmp_path):
    backup, popolo = tmp_path / "kb.jsonl", tmp_path / "popolo.json"
    call_command("export", str(backup), "--popolo", str(popolo), stderr=io.StringIO())
    data = json.loads(popolo.read_text(encoding="utf-8"))
    assert set(data) >= {"persons", "organizations", "memberships", "events", "speeches"}
    assert "Hawre Tawfiq" in [person["name"] for person in data["persons"]]
    assert len(data["speeches"]) == Statement.objects.count()


def test_import_refuses_a_database_that_is_not_empty(knowledge_base, tmp_path):
    backup = tmp_path / "kb.jsonl"
    call_command("export", str(backup), stderr=io.StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("import", str(backup))


def test_import_names_the_file_and_line_of_a_broken_backup(tmp_path):
    backup = tmp_path / "broken.jsonl"
    header = {"format": "kb-backup", "version": 1, "models": list(BACKUP_MODELS)}
    backup.write_text(json.dumps(header) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.jsonl:2"):
        call_command("import", str(backup))
    assert not Statement.objects.exists()


def test_import_rejects_a_file_that_is_not_a_backup(tmp_path):
    other = tmp_path / "article.txt"
    other.write_text("Just an article.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not a kb backup"):
        call_command("import", str(other))
