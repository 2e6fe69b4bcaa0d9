"""Acceptance: what an editor decided survives ``ingest --force`` on the same document."""

from __future__ import annotations

import pytest
from django.urls import reverse

from statements.models import Person, ReviewStatus, Statement
from statements.readers import sources_read
from statements.services.ingest import documents_ingest
from statements.services.reextract import documents_reextract
from tests.admin.helpers import statement_form_data
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def statement_snapshot(statement: Statement) -> dict:
    """Every stored column of a statement, plus its targets: 'exactly as left' means all."""
    statement = Statement.objects.get(pk=statement.pk)
    row = {f.attname: getattr(statement, f.attname) for f in Statement._meta.concrete_fields}
    row["targets"] = sorted(statement.targets.values_list("person_id", "organisation_id"), key=str)
    return row


def test_editor_decisions_survive_a_forced_reingest(
    ingested_seed, editor_client, editor, nlp_pipeline, seed_path
):
    statements = list(ingested_seed.statements.order_by("content_start"))
    assert len(statements) >= 3
    people = [s for s in statements if s.speaker_person_id]
    to_accept, to_edit, to_reject = people[0], people[1], people[2]
    other_speaker = Person.objects.exclude(pk=to_edit.speaker_person_id).first()
    changelist = reverse("admin:statements_statement_changelist")

    editor_client.post(
        changelist, {"action": "accept_selected", "_selected_action": [to_accept.pk]}
    )
    response = editor_client.post(
        reverse("admin:statements_statement_change", args=[to_edit.pk]),
        statement_form_data(to_edit, speaker_person=other_speaker.pk, statement_type="threat"),
    )
    assert response.status_code == 302
    editor_client.post(
        changelist, {"action": "reject_selected", "_selected_action": [to_reject.pk]}
    )

    left = {s.pk: statement_snapshot(s) for s in (to_accept, to_edit, to_reject)}
    assert [left[s.pk]["review_status"] for s in (to_accept, to_edit, to_reject)] == [
        ReviewStatus.ACCEPTED,
        ReviewStatus.EDITED,
        ReviewStatus.REJECTED,
    ]
    assert left[to_edit.pk]["speaker_person_id"] == other_speaker.pk
    assert left[to_edit.pk]["statement_type"] == "threat"
    assert {left[pk]["reviewed_by_id"] for pk in left} == {editor.pk}
    machine_pks = set(
        ingested_seed.statements.filter(review_status=ReviewStatus.AUTO).values_list(
            "pk", flat=True
        )
    )

    report = documents_ingest(
        sources_read([str(seed_path)]),
        force=True,
        nlp=nlp_pipeline,
        publisher="Example News",
        published="2024-05-10",
    )

    assert report.re_extracted == 1 and not report.failures
    for pk, snapshot in left.items():
        assert statement_snapshot(Statement.objects.get(pk=pk)) == snapshot
    # The machine's own statements were read again and kept their ids (links stay valid).
    remaining = set(ingested_seed.statements.values_list("pk", flat=True))
    assert machine_pks <= remaining
    assert report.statements_kept == len(machine_pks) and report.statements_created == 0
    # No duplicate of a reviewed statement was extracted next to it.
    spans = list(ingested_seed.statements.values_list("content_start", "content_end"))
    assert len(spans) == len(set(spans))


def test_the_reextract_action_keeps_reviewed_statements(ingested_seed, admin_client, admin_user):
    accepted = ingested_seed.statements.order_by("content_start").first()
    admin_client.post(
        reverse("admin:statements_statement_changelist"),
        {"action": "accept_selected", "_selected_action": [accepted.pk]},
    )
    before = statement_snapshot(accepted)
    machine = dict(ingested_seed.statements.exclude(pk=accepted.pk).values_list("pk", "updated_at"))

    response = admin_client.post(
        reverse("admin:statements_document_changelist"),
        {"action": "reextract_selected", "_selected_action": [ingested_seed.pk]},
        follow=True,
    )

    assert "Re-extracted 1 document" in response.content.decode()
    assert statement_snapshot(accepted) == before
    remaining = dict(
        ingested_seed.statements.exclude(pk=accepted.pk).values_list("pk", "updated_at")
    )
    # Re-read (each row rewritten), with the same ids.
    assert remaining.keys() == machine.keys() and remaining
    assert all(remaining[pk] > machine[pk] for pk in machine)


def test_editors_are_not_offered_reextraction(editor_client):
    DocumentFactory()
    page = editor_client.get(reverse("admin:statements_document_changelist")).content.decode()
    assert "reextract_selected" not in page


def test_document_page_marks_every_statement(ingested_seed, admin_client):
    response = admin_client.get(
        reverse("admin:statements_document_change", args=[ingested_seed.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    for statement in ingested_seed.statements.all():
        assert reverse("admin:statements_statement_change", args=[statement.pk]) in page


def test_a_merge_holds_when_the_document_is_extracted_again(
    ingested_seed, admin_client, nlp_pipeline
):
    """After a merge, re-extraction attaches the loser's statements to the survivor."""
    speakers = list(
        Person.objects.filter(statements__document=ingested_seed).distinct().order_by("pk")
    )
    assert len(speakers) >= 2
    survivor, loser = speakers[0], speakers[1]
    spoken = Statement.objects.filter(speaker_person__in=[survivor, loser]).count()
    admin_client.post(
        reverse("admin:statements_person_changelist"),
        {
            "action": "merge_selected",
            "_selected_action": [survivor.pk, loser.pk],
            "post": "yes",
            "survivor": survivor.pk,
        },
    )
    assert Person.objects.get(pk=loser.pk).merged_into_id == survivor.pk

    report = documents_reextract(documents=[ingested_seed], nlp=nlp_pipeline)

    assert report.re_extracted == 1
    assert not Statement.objects.filter(speaker_person=loser).exists()
    assert not loser.targeted_in.exists() and not loser.mentions.exists()
    assert Statement.objects.filter(speaker_person=survivor).count() == spoken


def test_history_of_an_extracted_statement_starts_with_the_machine_version(
    ingested_seed, editor_client, editor
):
    statement = ingested_seed.statements.order_by("content_start").first()
    machine_type = statement.statement_type
    new_type = "threat" if machine_type != "threat" else "denial"
    assert not statement.history.exists()  # ingestion bulk-creates: no history yet

    response = editor_client.post(
        reverse("admin:statements_statement_change", args=[statement.pk]),
        statement_form_data(statement, statement_type=new_type),
    )
    assert response.status_code == 302

    baseline, edit = statement.history.order_by("history_date", "history_id")
    assert baseline.history_user is None and baseline.statement_type == machine_type
    assert edit.history_user == editor and edit.statement_type == new_type
    changed = set(edit.diff_against(baseline).changed_fields)
    assert {"statement_type", "review_status", "reviewed_by", "reviewed_at"} <= changed
    page = editor_client.get(
        reverse("admin:statements_statement_history", args=[statement.pk])
    ).content.decode()
    # The history page names the editor and shows the type going from machine to human.
    assert editor.username in page
    changes = page.split('id="change-history"', 1)[1]
    assert machine_type in changes and new_type in changes
