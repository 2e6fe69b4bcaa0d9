"""`export` then `import` into an empty database restores every row exactly."""

from __future__ import annotations

import io
import json
import stat

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
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


def _snapshot(*, credentials: bool = True) -> dict[str, list]:
    """Every row of every backed-up model, datetimes with all their digits."""
    snapshot = {}
    for label in BACKUP_MODELS:
        model = _backup_model(label)
        rows = list(model._default_manager.order_by("pk").values())
        if label == "auth.user" and not credentials:
            for row in rows:
                row.pop("password"), row.pop("email")
        snapshot[label] = rows
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
    editor = User.objects.create_user(
        "editor", password="x", is_staff=True, email="editor@example.org"
    )
    editor.groups.add(Group.objects.get_or_create(name="editors")[0])
    User.objects.create_user("reader", password="y", email="reader@example.org")
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
    LogEntry.objects.log_actions(
        user_id=editor.pk,
        queryset=[accepted],
        action_flag=CHANGE,
        change_message="Changed review status.",
        single_object=True,
    )
    return tawfiq


def test_export_then_import_restores_every_row_review_status_and_alias(knowledge_base, tmp_path):
    User.objects.filter(username="reader").delete()  # not a reviewer: see the next test
    before = _snapshot(credentials=False)
    assert before["statements.historicalstatement"], "history must be part of the backup"
    assert before["admin.logentry"], "the admin log must be part of the backup"
    assert any(row["created_at"].microsecond % 1000 for row in before["statements.statement"])
    backup = tmp_path / "kb.jsonl"
    call_command("export", str(backup), stderr=io.StringIO())

    _empty_the_database()
    assert not Statement.objects.exists() and not User.objects.exists()

    call_command("import", str(backup), stdout=io.StringIO())
    after = _snapshot(credentials=False)
    assert after == before  # microseconds and the admin log included
    assert not User.objects.get(username="editor").has_usable_password()
    restored = Statement.objects.get(review_status="edited")
    assert restored.reviewed_by.username == "editor"
    assert set(restored.speaker_person.other_names.values_list("name", flat=True)) == {
        "Hawre Tawfeeq"
    }
    # Sequences were moved past the restored ids: new rows get fresh primary keys.
    fresh = PersonFactory(name="Someone New")
    assert fresh.pk > max(row["id"] for row in before["statements.person"])


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


def test_backup_holds_reviewer_accounts_without_credentials_and_is_private(
    knowledge_base, tmp_path
):
    backup = tmp_path / "kb.jsonl"
    call_command("export", str(backup), stderr=io.StringIO())
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    text = backup.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()[1:]]
    users = [record for record in records if record["model"] == "auth.user"]
    assert [u["fields"]["username"] for u in users] == ["editor"]  # not the plain reader
    assert "pbkdf2" not in text and "@example.org" not in text


def test_credentials_only_on_request_and_then_restored(knowledge_base, tmp_path):
    User.objects.filter(username="reader").delete()
    before = _snapshot()
    backup = tmp_path / "kb.jsonl"
    backup.write_text("old content")
    backup.chmod(0o644)
    call_command("export", str(backup), "--with-credentials", stderr=io.StringIO())
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert "pbkdf2" in backup.read_text(encoding="utf-8")
    _empty_the_database()
    call_command("import", str(backup), stdout=io.StringIO())
    assert _snapshot() == before
    assert User.objects.get(username="editor").check_password("x")


@pytest.mark.parametrize(
    "record",
    [
        {
            "model": "sessions.session",
            "pk": "x",
            "fields": {"session_data": "e30", "expire_date": "2099-01-01T00:00:00Z"},
        },
        {
            "model": "auth.permission",
            "pk": 999,
            "fields": {"name": "x", "codename": "x", "content_type": ["auth", "user"]},
        },
        # The same model spelt otherwise must not slip past the check.
        {"model": "auth.User", "pk": 1, "fields": {"username": "root", "is_superuser": True}},
    ],
)
def test_import_accepts_only_the_backups_own_models(tmp_path, record):
    from django.contrib.sessions.models import Session

    backup = tmp_path / "crafted.jsonl"
    header = {"format": "kb-backup", "version": 1, "models": list(BACKUP_MODELS)}
    backup.write_text(json.dumps(header) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not part of a kb backup"):
        call_command("import", str(backup))
    assert not Session.objects.exists() and not User.objects.exists()


def test_import_refuses_a_database_that_has_accounts(tmp_path):
    backup = tmp_path / "kb.jsonl"
    call_command("export", str(backup), stderr=io.StringIO())
    existing = User.objects.create_user("admin", password="secret")
    with pytest.raises(CommandError, match="not empty"):
        call_command("import", str(backup))
    assert User.objects.get(pk=existing.pk).check_password("secret")


def test_export_to_a_missing_folder_is_a_clean_error():
    with pytest.raises(CommandError, match=r"/nonexistent/x: cannot write"):
        call_command("export", "/nonexistent/x", stderr=io.StringIO())
