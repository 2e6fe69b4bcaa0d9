"""Editors see conflicting attributions in the admin and settle the speaker of a quote."""

from __future__ import annotations

import pytest
from django.urls import reverse

from statements.models import Quote, ReviewStatus, Statement
from statements.services.quotes import statements_quote
from tests.factories import DocumentFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db

WORDS = "We will build the bridge before the winter comes to the valley"


@pytest.fixture
def conflict() -> Quote:
    """One quotation, three outlets: two name Ana Ruiz, one names Ben Ota."""
    ruiz, ota = PersonFactory(name="Ana Ruiz"), PersonFactory(name="Ben Ota")
    statements = [
        StatementFactory(
            document=DocumentFactory(publisher=outlet, text=f"{WORDS} ({outlet})."),
            speaker_person=speaker,
            content=WORDS,
            content_start=0,
            kind="direct",
        )
        for outlet, speaker in (("Alpha", ruiz), ("Beta", ruiz), ("Gamma", ota))
    ]
    statements_quote(statement_ids=[s.pk for s in statements])
    quote = Quote.objects.get()
    assert quote.conflicting and quote.speaker_person == ruiz
    return quote


def test_the_conflict_list_shows_each_outlets_attribution(editor_client, conflict):
    url = reverse("admin:statements_quote_changelist")
    html = editor_client.get(url, {"attributions": "conflicting"}).content.decode()
    assert "Gamma: Ben Ota" in html and "Alpha: Ana Ruiz" in html
    page = editor_client.get(reverse("admin:statements_quote_change", args=[conflict.pk]))
    assert page.status_code == 200 and "Ben Ota" in page.content.decode()


def test_settling_updates_machine_statements_only(editor_client, editor, conflict):
    ruiz = conflict.speaker_person
    wrong = Statement.objects.get(document__publisher="Gamma")
    url = reverse("admin:statements_quote_changelist")
    action = {"action": "settle_speaker", "_selected_action": [conflict.pk]}
    page = editor_client.post(url, action)
    assert page.status_code == 200 and "Settle the speaker" in page.content.decode()
    done = editor_client.post(url, {**action, "post": "yes", "speaker": f"person:{ruiz.pk}"})
    assert done.status_code == 302
    wrong.refresh_from_db()
    conflict.refresh_from_db()
    assert wrong.speaker_person == ruiz and wrong.review_status == ReviewStatus.EDITED
    assert wrong.reviewed_by == editor
    assert not conflict.conflicting


def test_a_reviewed_statement_keeps_its_speaker(editor_client, conflict):
    wrong = Statement.objects.get(document__publisher="Gamma")
    ota = wrong.speaker_person
    Statement.objects.filter(pk=wrong.pk).update(review_status=ReviewStatus.ACCEPTED)
    url = reverse("admin:statements_quote_changelist")
    editor_client.post(
        url,
        {
            "action": "settle_speaker",
            "_selected_action": [conflict.pk],
            "post": "yes",
            "speaker": f"person:{conflict.speaker_person_id}",
        },
    )
    wrong.refresh_from_db()
    conflict.refresh_from_db()
    assert wrong.speaker_person == ota and conflict.conflicting
