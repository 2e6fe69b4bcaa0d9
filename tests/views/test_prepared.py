"""Prepared queries: compiled once, they answer each call's parameters like the ORM."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def _prepared_statements() -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements")
        return cursor.fetchall()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared on the server: PostgreSQL only"
)
def test_on_postgresql_a_prepared_query_is_planned_once_per_connection(settings):
    people = [PersonFactory(name=f"Person {i}") for i in range(8)]
    by_id = PreparedRows(
        lambda pk: Person.objects.filter(pk=pk).values("name"), plan_once=True, pk=int
    )
    with CaptureQueriesContext(connection) as captured:
        names = [by_id(pk=person.pk) for person in people]
    assert names == [[{"name": person.name}] for person in people]
    assert len(captured.captured_queries) == len(people)  # still seen by query logging
    # After a few custom plans PostgreSQL keeps one generic plan for the statement.
    generic = [n for sql, n in _prepared_statements() if '"statements_person"' in sql]
    assert generic and generic[0] > 0

    settings.KB_DB_PREPARE = False
    by_slug = PreparedRows(
        lambda slug: Person.objects.filter(slug=slug).values("name"), plan_once=True, slug=str
    )
    for _ in range(8):
        assert by_slug(slug=people[0].slug) == [{"name": people[0].name}]
    assert not [sql for sql, _n in _prepared_statements() if '"slug"' in sql]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared on the server: PostgreSQL only"
)
def test_a_query_whose_plan_depends_on_its_parameters_is_planned_on_every_call():
    person = PersonFactory(name="Ada Example")
    by_name = PreparedRows(lambda name: Person.objects.filter(name=name).values("slug"), name=str)
    for _ in range(8):
        assert by_name(name="Ada Example") == [{"slug": person.slug}]
    assert not [sql for sql, _n in _prepared_statements() if '"name" = $1' in sql]
