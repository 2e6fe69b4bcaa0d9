"""statements_review / statement_mark_edited: statuses, reviewer, history, machine record kept."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from statements.models import ReviewStatus, Statement
from statements.services.review import (
    ReviewError,
    statement_edit_note,
    statement_mark_edited,
    statements_review,
)
from tests.factories import StatementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer() -> User:
    return User.objects.create_user("reviewer")


def test_review_sets_status_reviewer_and_history(reviewer):
    statements = StatementFactory.create_batch(2)
    changed = statements_review(
        statements=Statement.objects.all(), status=ReviewStatus.ACCEPTED, user=reviewer
    )
    assert changed == 2
    for statement in Statement.objects.all():
        assert statement.review_status == ReviewStatus.ACCEPTED
        assert statement.reviewed_by == reviewer and statement.reviewed_at is not None
        latest = statement.history.first()
        assert latest.history_user == reviewer
        assert latest.history_change_reason == "review: accepted"
    # Repeating the same review is a no-op, not a new history entry.
    again = statements_review(statements=Statement.objects.all(), status="accepted", user=reviewer)
    assert again == 0
    assert statements[0].history.count() == 2


@pytest.mark.parametrize("status", ["auto", "approved", ""])
def test_review_refuses_statuses_a_human_cannot_set(reviewer, status):
    statement = StatementFactory()
    with pytest.raises(ReviewError):
        statements_review(statements=[statement], status=status, user=reviewer)
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.AUTO


def test_mark_edited_keeps_the_machine_record(reviewer):
    machine = {"content": "all is well", "statement_type": "statement"}
    statement = StatementFactory(original_extraction=machine)
    statement.statement_type = "demand"
    statement.original_extraction = {"tampered": True}
    statement_mark_edited(statement=statement, user=reviewer)
    statement.refresh_from_db()
    assert statement.statement_type == "demand"
    assert statement.review_status == ReviewStatus.EDITED
    assert statement.reviewed_by == reviewer
    assert statement.original_extraction == machine

    statement_edit_note(statement=statement, note="added target Turkey")
    assert statement.history.first().history_change_reason == (
        "edited by a reviewer; added target Turkey"
    )
