"""Prepared queries: compiled once, they answer each call's parameters like the ORM."""

from __future__ import annotations

import pytest

from statements.models import Membership, OtherName, Person
from statements.selectors import person_page_row
from statements.selectors.prepared import PreparedRows
from tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_a_prepared_query_runs_each_calls_parameters():
    people = [PersonFactory(name=f"Person {i}") for i in range(3)]
    by_id = PreparedRows(
        lambda pk: Person.objects.filter(pk=pk).values("id", "name", "needs_review"), pk=int
    )
    for person in people:  # compiled on the first call, executed on every one
        assert by_id(pk=person.pk) == [
            {"id": person.pk, "name": person.name, "needs_review": False}
        ]
    assert by_id(pk=0) == []


def test_a_parameter_must_be_one_plain_query_parameter():
    twice = PreparedRows(
        lambda pk: Person.objects.filter(pk=pk) | Person.objects.filter(pk=pk), pk=int
    )
    with pytest.raises(ValueError, match="'pk'"):
        twice(pk=1)


def test_the_person_page_row_carries_aliases_and_roles_in_order():
    person = PersonFactory(name="Ada Example")
    OtherName.objects.create(person=person, name="Zed")
    OtherName.objects.create(person=person, name="Ada E.")
    ministry, party = OrganisationFactory(name="Ministry"), OrganisationFactory(name="Party")
    Membership.objects.create(person=person, organisation=party, role="Member", status="former")
    Membership.objects.create(
        person=person, organisation=ministry, role="Minister", start_date="2020"
    )
    Membership.objects.create(person=person, organisation=None, role="Adviser", start_date="2021")
    row = person_page_row(person.slug)
    assert row["name"] == "Ada Example" and row["aliases"] == ["Ada E.", "Zed"]
    assert [(r["role"], r["organisation__name"]) for r in row["roles"]] == [
        ("Adviser", None),
        ("Minister", "Ministry"),
        ("Member", "Party"),
    ]
    assert person_page_row("nobody-at-all") is None
