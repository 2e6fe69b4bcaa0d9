"""The statement admin: list, source paragraph, edits marked `edited`, bulk review, history."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from statements.models import Membership, ReviewStatus, Statement, StatementTarget
from tests.admin.helpers import statement_form_data
from tests.factories import (
    DocumentFactory,
    OrganisationFactory,
    PersonFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

MACHINE_RECORD = {"speaker_text": "the minister", "statement_type": "statement", "kind": "indirect"}


@pytest.fixture
def statement() -> Statement:
    text = "Intro line.\nThe minister said that all is well, and <b>nothing</b> burns.\nOutro."
    document = DocumentFactory(text=text, publisher="Rudaw")
    start = text.index("all is well")
    return StatementFactory(
        document=document,
        content="all is well, and <b>nothing</b> burns",
        content_start=start,
        content_end=text.index(".\nOutro"),
        speaker_text="The minister",
        speaker_start=text.index("The minister"),
        speaker_end=text.index("The minister") + len("The minister"),
        cue="said",
        cue_start=text.index("said"),
        cue_end=text.index("said") + 4,
        original_extraction=MACHINE_RECORD,
        extractor_version="kb-test-1",
        confidence=0.8,
    )


def change_url(statement: Statement) -> str:
    return reverse("admin:statements_statement_change", args=[statement.pk])


def test_changelist_lists_filters_and_searches(
    admin_client, statement, django_assert_max_num_queries
):
    StatementFactory.create_batch(5)
    url = reverse("admin:statements_statement_changelist")
    with django_assert_max_num_queries(20):
        response = admin_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for column in (
        "speaker_display",
        "content_display",
        "statement_type",
        "kind",
        "document_display",
        "date",
        "review_status",
        "confidence",
    ):
        assert f'class="sortable column-{column}' in page or f'class="column-{column}' in page
    # The list filters, publisher and extractor version among them.
    assert "document__publisher=Rudaw" in page
    assert "extractor_version=kb-test-1" in page

    response = admin_client.get(url, {"q": "nothing"})
    assert list(response.context["cl"].result_list) == [statement]
    response = admin_client.get(url, {"document__publisher": "Rudaw"})
    assert list(response.context["cl"].result_list) == [statement]
    response = admin_client.get(url, {"review_status__exact": "accepted"})
    assert list(response.context["cl"].result_list) == []


def test_change_page_shows_source_paragraph_highlighted_and_escaped(admin_client, statement):
    response = admin_client.get(change_url(statement))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<mark style="background:#fff3a3;padding:0 1px;" title="what was said">' in page
    # The article's own markup is text, never HTML.
    assert "&lt;b&gt;nothing&lt;/b&gt;" in page
    assert "<b>nothing</b>" not in page
    # Only the statement's paragraph, not the whole article.
    source = page.split('class="kb-source"', 1)[1].split("</div>", 1)[0]
    assert "The minister" in source and "Intro line" not in source and "Outro" not in source
    # The machine's record is shown for comparison.
    assert "the minister" in page


def test_editing_a_statement_marks_it_edited_by_the_user(admin_client, admin_user, statement):
    new_speaker = PersonFactory(name="Fuad Hussein")
    before = datetime.datetime.now(tz=datetime.UTC)
    response = admin_client.post(
        change_url(statement),
        statement_form_data(statement, speaker_person=new_speaker.pk, statement_type="demand"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    statement.refresh_from_db()
    assert statement.speaker_person == new_speaker
    assert statement.statement_type == "demand"
    assert statement.review_status == ReviewStatus.EDITED
    assert statement.reviewed_by == admin_user
    assert before <= statement.reviewed_at <= datetime.datetime.now(tz=datetime.UTC)
    assert statement.original_extraction == MACHINE_RECORD


def test_changing_only_targets_is_an_edit(admin_client, admin_user, statement):
    turkey = OrganisationFactory(name="Turkey", classification="state")
    data = statement_form_data(statement)
    data.update(
        {
            "targets-TOTAL_FORMS": "1",
            "targets-0-statement": statement.pk,
            "targets-0-organisation": turkey.pk,
            "targets-0-person": "",
        }
    )
    response = admin_client.post(change_url(statement), data)
    assert response.status_code == 302
    statement.refresh_from_db()
    targets = StatementTarget.objects.filter(statement=statement)
    assert list(targets.values_list("organisation", flat=True)) == [turkey.pk]
    assert statement.review_status == ReviewStatus.EDITED
    assert statement.reviewed_by == admin_user
    # One history entry for the edit, saying what happened to the targets.
    latest = statement.history.order_by("-history_id").first()
    assert latest.history_user == admin_user
    assert "added statement target Turkey" in latest.history_change_reason
    assert statement.history.count() == 2


def test_saving_without_changes_leaves_the_status(admin_client, statement):
    response = admin_client.post(change_url(statement), statement_form_data(statement))
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.AUTO
    assert statement.reviewed_by is None
    assert statement.history.count() == 1


def test_choosing_a_status_on_the_form_records_the_reviewer(admin_client, admin_user, statement):
    response = admin_client.post(
        change_url(statement), statement_form_data(statement, review_status="rejected")
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.REJECTED
    assert statement.reviewed_by == admin_user
    assert statement.reviewed_at is not None


def test_a_statement_cannot_have_two_speakers(admin_client, statement):
    organisation = OrganisationFactory()
    response = admin_client.post(
        change_url(statement), statement_form_data(statement, speaker_organisation=organisation.pk)
    )
    assert response.status_code == 200
    assert "one speaker" in response.content.decode()
    statement.refresh_from_db()
    assert statement.speaker_organisation is None


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("accept_selected", ReviewStatus.ACCEPTED),
        ("reject_selected", ReviewStatus.REJECTED),
        ("mark_selected_for_review", ReviewStatus.NEEDS_REVIEW),
    ],
)
def test_bulk_review_actions(admin_client, admin_user, action, status):
    chosen = StatementFactory.create_batch(3)
    untouched = StatementFactory()
    response = admin_client.post(
        reverse("admin:statements_statement_changelist"),
        {"action": action, "_selected_action": [s.pk for s in chosen]},
    )
    assert response.status_code == 302
    for statement in chosen:
        statement.refresh_from_db()
        assert statement.review_status == status
        assert statement.reviewed_by == admin_user
        assert statement.reviewed_at is not None
    untouched.refresh_from_db()
    assert untouched.review_status == ReviewStatus.AUTO


def test_history_records_who_changed_what(admin_client, admin_user, statement):
    admin_client.post(
        change_url(statement), statement_form_data(statement, statement_type="criticism")
    )
    admin_client.post(
        reverse("admin:statements_statement_changelist"),
        {"action": "accept_selected", "_selected_action": [statement.pk]},
    )
    records = list(statement.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in records] == ["+", "~", "~"]
    edit, accept = records[1], records[2]
    assert edit.history_user == admin_user and edit.statement_type == "criticism"
    assert edit.review_status == ReviewStatus.EDITED
    assert accept.history_user == admin_user and accept.review_status == ReviewStatus.ACCEPTED
    delta = edit.diff_against(records[0])
    assert {"statement_type", "review_status", "reviewed_by"} <= set(delta.changed_fields)

    response = admin_client.get(reverse("admin:statements_statement_history", args=[statement.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert admin_user.username in page
    assert "criticism" in page


def test_autocomplete_offers_live_people_only(admin_client):
    live = PersonFactory(name="Hakan Fidan")
    merged = PersonFactory(name="Hakan Fidan Duplicate")
    merged.merged_into = live
    merged.save()
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Hakan",
            "app_label": "statements",
            "model_name": "statement",
            "field_name": "speaker_person",
        },
    )
    assert response.status_code == 200
    ids = [int(item["id"]) for item in response.json()["results"]]
    assert ids == [live.pk]


def test_a_statement_added_by_hand_counts_as_reviewed(admin_client, admin_user):
    document = DocumentFactory(text="The minister said that the border is closed.")
    speaker = PersonFactory(name="Hakan Fidan")
    text = document.text
    response = admin_client.post(
        reverse("admin:statements_statement_add"),
        {
            "document": document.pk,
            "speaker_person": speaker.pk,
            "speaker_text": "The minister",
            "content": "the border is closed",
            "content_start": text.index("the border"),
            "content_end": text.index("."),
            "content_spans": "[]",
            "kind": "indirect",
            "statement_type": "statement",
            "cue_class": "speech",
            "review_status": "auto",
            "targets-TOTAL_FORMS": "0",
            "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    statement = Statement.objects.get(document=document)
    assert statement.review_status == ReviewStatus.EDITED
    assert statement.reviewed_by == admin_user


def test_source_marks_nest_when_the_speaker_stands_inside_the_quotation(admin_client):
    text = '"We will stay," the minister said, "and we will build."'
    speaker = text.index("the minister")
    statement = StatementFactory(
        document=DocumentFactory(text=text),
        content=text,
        content_start=0,
        content_end=len(text),
        speaker_text="the minister",
        speaker_start=speaker,
        speaker_end=speaker + len("the minister"),
        cue="said",
        cue_start=text.index("said"),
        cue_end=text.index("said") + 4,
    )
    page = admin_client.get(change_url(statement)).content.decode()
    source = page.split('class="kb-source"', 1)[1].split("</div>", 1)[0]
    content_mark = '<mark style="background:#fff3a3;padding:0 1px;" title="what was said">'
    speaker_mark = '<mark style="background:#cfe8ff;padding:0 1px;" title="speaker">'
    # The quotation is one mark from its first to its last character, with the speaker
    # and the cue marked inside it rather than cutting it short.
    assert source.count(content_mark) == 1
    inside = source.split(content_mark, 1)[1]
    assert inside.index(speaker_mark) < inside.index("we will build")
    assert inside.rstrip().endswith("</mark>")
    assert source.count("<mark") == source.count("</mark>") == 3


def test_a_first_review_reads_auto_to_accepted_by_the_reviewer(admin_client, admin_user, statement):
    admin_client.post(
        reverse("admin:statements_statement_changelist"),
        {"action": "accept_selected", "_selected_action": [statement.pk]},
    )
    response = admin_client.get(reverse("admin:statements_statement_history", args=[statement.pk]))
    page = response.content.decode()
    assert "Deleted user" not in page and "pk=None" not in page
    changes = [
        change
        for entry in response.context["page_obj"]
        for change in getattr(entry, "history_delta_changes", [])
    ]
    as_text = {change["field"]: (str(change["old"]), str(change["new"])) for change in changes}
    assert as_text["Review status"] == ("auto", "accepted")
    assert as_text["Reviewed by"] == ("–", admin_user.username)


def _speaker_with_role(name: str, role: str):
    person = PersonFactory(name=name)
    organisation = OrganisationFactory()
    membership = Membership.objects.create(person=person, organisation=organisation, role=role)
    return person, membership


def test_changing_the_speaker_clears_a_role_link_of_the_previous_one(admin_client, statement):
    okoye, okoye_role = _speaker_with_role("Amina Okoye", "Under-Secretary-General")
    larsen = PersonFactory(name="Erik Larsen")
    statement.speaker_person, statement.membership = okoye, okoye_role
    statement.speaker_role = "Under-Secretary-General"
    statement.save()
    response = admin_client.post(
        change_url(statement),
        statement_form_data(statement, speaker_person=larsen.pk),
        follow=True,
    )
    statement.refresh_from_db()
    assert statement.speaker_person == larsen and statement.membership is None
    notes = [str(m) for m in response.context["messages"]]
    assert any("belonged to the previous speaker and was cleared" in note for note in notes)


def test_changing_the_speaker_moves_the_role_link_to_the_same_role(admin_client, statement):
    okoye, okoye_role = _speaker_with_role("Amina Okoye", "Ambassador")
    larsen, larsen_role = _speaker_with_role("Erik Larsen", "ambassador")
    statement.speaker_person, statement.membership = okoye, okoye_role
    statement.speaker_role = "Ambassador"
    statement.save()
    admin_client.post(
        change_url(statement), statement_form_data(statement, speaker_person=larsen.pk)
    )
    statement.refresh_from_db()
    assert statement.speaker_person == larsen and statement.membership == larsen_role


def test_a_role_link_of_another_actor_is_refused(admin_client, statement):
    speaker = PersonFactory(name="Erik Larsen")
    _, someone_elses = _speaker_with_role("Amina Okoye", "Under-Secretary-General")
    statement.speaker_person = speaker
    statement.save()
    response = admin_client.post(
        change_url(statement), statement_form_data(statement, membership=someone_elses.pk)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "belongs to Amina Okoye" in str(errors["membership"])
    statement.refresh_from_db()
    assert statement.membership is None
