"""Editors' view of identity: low-confidence links, likely duplicates, one-click re-link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from statements.models import ReviewStatus
from tests.factories import PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db

STATEMENTS = reverse("admin:statements_statement_changelist")
PEOPLE = reverse("admin:statements_person_changelist")


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def test_low_confidence_and_unlinked_statements_are_listed_for_editors(admin_client):
    doubtful = StatementFactory(speaker_link_confidence=0.62, content="doubtful")
    StatementFactory(speaker_link_confidence=1.0, content="sure")
    unlinked = StatementFactory(speaker_person=None, speaker_text="Obama", content="alone")
    StatementFactory(speaker_person=None, speaker_text="", content="nobody")
    assert listed(admin_client.get(STATEMENTS, {"link": "low"})) == [doubtful]
    assert listed(admin_client.get(STATEMENTS, {"link": "unlinked"})) == [unlinked]


def test_people_sharing_a_surname_are_listed_as_likely_duplicates(admin_client):
    hillary = PersonFactory(name="Hillary Clinton")
    bill = PersonFactory(name="Bill Clinton")
    PersonFactory(name="Barack Obama")
    response = admin_client.get(PEOPLE, {"duplicates": "surname"})
    assert listed(response) == [bill, hillary]


def test_relink_action_links_machine_statements_and_leaves_reviewed_ones(admin_client):
    barack = PersonFactory(name="Barack Obama")
    hint = {"speaker_resolved": "Obama", "speaker_title": "President"}
    machine = StatementFactory(
        speaker_person=None, speaker_text="Obama", original_extraction=hint, content="a"
    )
    reviewed = StatementFactory(
        speaker_person=None,
        speaker_text="Obama",
        original_extraction=hint,
        content="b",
        review_status=ReviewStatus.EDITED,
    )
    response = admin_client.post(
        STATEMENTS,
        {"action": "relink_selected", "_selected_action": [machine.pk, reviewed.pk]},
        follow=True,
    )
    assert "1 linked, 0 moved, 0 unlinked" in response.content.decode()
    machine.refresh_from_db()
    reviewed.refresh_from_db()
    assert machine.speaker_person == barack and machine.speaker_link_confidence == 1.0
    assert reviewed.speaker_person is None
