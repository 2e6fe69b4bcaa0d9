"""People and organisations in the admin: inlines, and the merge action with its confirmation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from statements.models import Membership, Organisation, OtherName, Person, Statement
from tests.admin.helpers import person_form_data
from tests.factories import OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_person_page_has_alias_identifier_and_membership_inlines(admin_client):
    person = PersonFactory(name="Fuad Hussein")
    OtherName.objects.create(person=person, name="Fuad Husayn")
    Membership.objects.create(
        person=person, organisation=OrganisationFactory(name="Iraqi MFA"), role="Foreign Minister"
    )
    response = admin_client.get(reverse("admin:statements_person_change", args=[person.pk]))
    assert response.status_code == 200
    prefixes = {formset.formset.prefix for formset in response.context["inline_admin_formsets"]}
    assert prefixes == {"other_names", "identifiers", "memberships"}
    page = response.content.decode()
    assert "Fuad Husayn" in page and "Foreign Minister" in page


def test_merge_two_people_through_the_admin(admin_client, admin_user, client):
    survivor = PersonFactory(name="Hakan Fidan")
    loser = PersonFactory(name="Hakan Fidan Turkish FM")
    OtherName.objects.create(person=loser, name="Fidan")
    statements = [StatementFactory(speaker_person=survivor), StatementFactory(speaker_person=loser)]
    changelist = reverse("admin:statements_person_changelist")
    selected = {"action": "merge_selected", "_selected_action": [survivor.pk, loser.pk]}

    # Step 1: the intermediate page asks which record survives.
    response = admin_client.post(changelist, selected)
    assert response.status_code == 200
    assert [r.pk for r in response.context["records"]] == [survivor.pk, loser.pk]
    page = response.content.decode()
    assert f'name="survivor" value="{loser.pk}"' in page
    assert Person.objects.get(pk=loser.pk).merged_into is None

    # Step 2: confirm with the survivor chosen.
    response = admin_client.post(changelist, {**selected, "post": "yes", "survivor": survivor.pk})
    assert response.status_code == 302
    loser.refresh_from_db()
    assert loser.merged_into == survivor
    assert set(Statement.objects.filter(speaker_person=survivor)) == set(statements)
    assert set(survivor.other_names.values_list("name", flat=True)) == {
        "Fidan",
        "Hakan Fidan Turkish FM",
    }
    assert loser.history.first().history_user == admin_user

    # The loser's public page now redirects to the survivor's.
    response = client.get(reverse("statements:person-detail", args=[loser.slug]))
    assert response.status_code == 301
    assert response.headers["Location"] == survivor.get_absolute_url()


def test_merge_needs_two_live_records(admin_client):
    person = PersonFactory()
    response = admin_client.post(
        reverse("admin:statements_person_changelist"),
        {"action": "merge_selected", "_selected_action": [person.pk]},
        follow=True,
    )
    assert "at least two" in response.content.decode()
    person.refresh_from_db()
    assert person.merged_into is None


def test_merge_organisations_through_the_admin(admin_client):
    survivor = OrganisationFactory(name="Kurdistan Region")
    loser = OrganisationFactory(name="KRI")
    statement = StatementFactory(
        speaker_person=None, speaker_organisation=loser, speaker_text="KRI"
    )
    response = admin_client.post(
        reverse("admin:statements_organisation_changelist"),
        {
            "action": "merge_selected",
            "_selected_action": [survivor.pk, loser.pk],
            "post": "yes",
            "survivor": survivor.pk,
        },
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.speaker_organisation == survivor
    assert Organisation.objects.get(pk=loser.pk).merged_into == survivor
    assert list(survivor.other_names.values_list("name", flat=True)) == ["KRI"]


def test_person_and_membership_history_records_the_editor(editor_client, editor):
    person = PersonFactory(name="Hawre Tawfiq")
    presidency = OrganisationFactory(name="Iraqi Presidency")
    data = person_form_data(
        person,
        name="Hawre Tawfeeq",
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-person": person.pk,
            "memberships-0-role": "General Director of Foreign Relations",
            "memberships-0-organisation": presidency.pk,
            "memberships-0-status": "current",
        },
    )
    response = editor_client.post(reverse("admin:statements_person_change", args=[person.pk]), data)
    assert response.status_code == 302
    latest = person.history.order_by("-history_id").first()
    assert latest.history_user == editor and latest.name == "Hawre Tawfeeq"
    assert "name" in latest.diff_against(latest.prev_record).changed_fields
    membership = Membership.objects.get(person=person)
    assert membership.history.get().history_user == editor
    page = editor_client.get(
        reverse("admin:statements_person_history", args=[person.pk])
    ).content.decode()
    assert "Hawre Tawfeeq" in page and editor.username in page
