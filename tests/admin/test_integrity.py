"""Edits that would break a unique constraint get a form error, never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from statements.models import Membership, OtherName, StatementTarget
from tests.admin.helpers import person_form_data, statement_form_data
from tests.factories import OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db


def post_person(client, person, **changes):
    return client.post(
        reverse("admin:statements_person_change", args=[person.pk]),
        person_form_data(person, **changes),
    )


def test_renaming_a_person_onto_a_live_name_asks_for_a_disambiguation(admin_client):
    PersonFactory(name="Ali Hassan")
    other = PersonFactory(name="Ali Hasan")
    response = post_person(admin_client, other, name="ALI HASSAN")
    assert response.status_code == 200
    assert "disambiguation" in response.content.decode()
    response = post_person(admin_client, other, name="Ali Hassan", disambiguation="journalist")
    assert response.status_code == 302


def test_a_duplicate_alias_is_a_form_error(admin_client):
    person = PersonFactory(name="Fuad Hussein")
    OtherName.objects.create(person=person, name="Fuad Husayn")
    existing = person.other_names.get()
    data = person_form_data(
        person,
        **{
            "other_names-TOTAL_FORMS": "2",
            "other_names-INITIAL_FORMS": "1",
            "other_names-0-id": existing.pk,
            "other_names-0-person": person.pk,
            "other_names-0-name": existing.name,
            "other_names-0-kind": existing.kind,
            "other_names-1-person": person.pk,
            "other_names-1-name": "fuad HUSAYN",
            "other_names-1-kind": "alternate",
        },
    )
    response = admin_client.post(reverse("admin:statements_person_change", args=[person.pk]), data)
    assert response.status_code == 200
    assert person.other_names.count() == 1


def test_a_duplicate_membership_is_a_form_error(admin_client):
    person = PersonFactory()
    organisation = OrganisationFactory()
    Membership.objects.create(person=person, organisation=organisation, role="minister")
    data = person_form_data(
        person,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-person": person.pk,
            "memberships-0-role": "minister",
            "memberships-0-organisation": organisation.pk,
            "memberships-0-status": "current",
        },
    )
    # The existing row is not in the submitted formset (as if added from another tab).
    response = admin_client.post(reverse("admin:statements_person_change", args=[person.pk]), data)
    assert response.status_code == 200
    assert Membership.objects.filter(person=person).count() == 1


def test_the_same_target_twice_is_a_form_error(admin_client):
    statement = StatementFactory()
    turkey = OrganisationFactory(name="Turkey")
    StatementTarget.objects.create(statement=statement, organisation=turkey)
    data = statement_form_data(statement)
    data.update(
        {
            "targets-TOTAL_FORMS": "2",
            "targets-1-statement": statement.pk,
            "targets-1-organisation": turkey.pk,
            "targets-1-person": "",
        }
    )
    response = admin_client.post(
        reverse("admin:statements_statement_change", args=[statement.pk]), data
    )
    assert response.status_code == 200
    assert statement.targets.count() == 1


def test_a_target_needs_exactly_one_actor(admin_client):
    statement = StatementFactory()
    data = statement_form_data(statement)
    data.update(
        {
            "targets-TOTAL_FORMS": "1",
            "targets-0-statement": statement.pk,
            "targets-0-organisation": OrganisationFactory().pk,
            "targets-0-person": PersonFactory().pk,
        }
    )
    response = admin_client.post(
        reverse("admin:statements_statement_change", args=[statement.pk]), data
    )
    assert response.status_code == 200
    assert statement.targets.count() == 0
