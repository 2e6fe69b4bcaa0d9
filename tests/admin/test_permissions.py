"""The editors group: review and edit, but never delete documents or touch user accounts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from statements.models import Document, ReviewStatus
from tests.admin.helpers import editors_group
from tests.factories import DocumentFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_the_migration_creates_the_editors_group():
    editors = Group.objects.get(name="editors")
    codenames = set(editors.permissions.values_list("codename", flat=True))
    for model in ("statement", "person", "organisation", "membership", "event"):
        assert {f"view_{model}", f"add_{model}", f"change_{model}"} <= codenames
    assert "view_document" in codenames and "view_mention" in codenames
    assert not {"delete_document", "change_document", "delete_statement"} & codenames
    assert not {c for c in codenames if c.endswith(("_user", "_group", "_permission"))}


def test_an_editor_cannot_delete_a_document(editor_client):
    document = DocumentFactory()
    response = editor_client.get(reverse("admin:statements_document_delete", args=[document.pk]))
    assert response.status_code == 403
    response = editor_client.post(
        reverse("admin:statements_document_delete", args=[document.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    # Nor through the list's bulk delete: the action is not offered and not run.
    changelist = reverse("admin:statements_document_changelist")
    response = editor_client.get(changelist)
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    editor_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [document.pk], "post": "yes"}
    )
    assert Document.objects.filter(pk=document.pk).exists()


def test_an_editor_can_read_a_document_but_not_change_it(editor_client):
    document = DocumentFactory()
    response = editor_client.get(reverse("admin:statements_document_change", args=[document.pk]))
    assert response.status_code == 200
    response = editor_client.post(
        reverse("admin:statements_document_change", args=[document.pk]), {"title": "Hijacked"}
    )
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.title != "Hijacked"


def test_an_editor_cannot_change_users(editor_client, editor):
    other = User.objects.create_user("someone")
    for url in (
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[other.pk]),
        reverse("admin:auth_group_changelist"),
    ):
        assert editor_client.get(url).status_code == 403
    response = editor_client.post(
        reverse("admin:auth_user_change", args=[editor.pk]),
        {"username": "editor", "is_superuser": "on", "is_staff": "on"},
    )
    assert response.status_code == 403
    editor.refresh_from_db()
    assert not editor.is_superuser


def test_an_editor_reviews_statements(editor_client, editor):
    statement = StatementFactory()
    response = editor_client.post(
        reverse("admin:statements_statement_changelist"),
        {"action": "accept_selected", "_selected_action": [statement.pk]},
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.ACCEPTED
    assert statement.reviewed_by == editor
    # An editor may not delete statements either: rejecting is how they are hidden.
    page = editor_client.get(reverse("admin:statements_statement_changelist")).content.decode()
    assert "delete_selected" not in page


def test_the_group_can_be_recreated_after_a_flush():
    """Transactional tests flush the database; the helper rebuilds the group the same way."""
    expected = set(Group.objects.get(name="editors").permissions.values_list("pk", flat=True))
    Group.objects.filter(name="editors").delete()
    assert set(editors_group().permissions.values_list("pk", flat=True)) == expected
