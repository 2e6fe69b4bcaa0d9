"""The "statements about" lists of person and organisation pages: the newest public
statements about the actor, read from the summaries' lists (``SummaryStatement``), and the
statements an organisation page lists (its own and its members'), the same whichever way
they are found."""

from __future__ import annotations

import datetime

import pytest

from statements import selectors
from statements.models import Membership, StatementTarget
from statements.selectors import ABOUT_NEWEST_WALK_FROM, organisation_statements
from statements.services.summaries import summaries_rebuild
from tests.factories import OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db

FEW, MANY = 0, ABOUT_NEWEST_WALK_FROM


def _about(target, dates, *, status="auto"):
    """A statement about ``target`` for each date (None: undated), in that order."""
    statements = [StatementFactory(date=d, review_status=status) for d in dates]
    field = "person" if target._meta.model_name == "person" else "organisation"
    for statement in statements:
        StatementTarget.objects.create(statement=statement, **{field: target})
    return statements


def test_newest_dated_first_then_undated_newest_id_first():
    person = PersonFactory()
    day = datetime.date(2024, 3, 1)
    undated_old, dated_old, dated_new, undated_new, same_day = _about(
        person, [None, day, day + datetime.timedelta(days=30), None, day]
    )
    StatementFactory(date=day + datetime.timedelta(days=60))  # about nobody
    _about(PersonFactory(), [day + datetime.timedelta(days=90)])  # about someone else
    _about(person, [day + datetime.timedelta(days=99)], status="rejected")  # not public
    summaries_rebuild()

    found = selectors.actor_about_rows("p", person.pk)

    expected = [dated_new, same_day, dated_old, undated_new, undated_old]
    assert [row["id"] for row in found] == [s.pk for s in expected]


def test_organisation_statements_about_it_newest_ten():
    organisation = OrganisationFactory()
    statements = _about(organisation, [datetime.date(2023, 1, d) for d in range(1, 13)])
    summaries_rebuild()
    found = selectors.actor_about_rows("o", organisation.pk)
    assert [row["id"] for row in found] == [s.pk for s in reversed(statements)][:10]
    # Each row carries what the list draws without another query per row.
    assert all(row["document__title"] and row["speaker_person__name"] for row in found)


def test_pages_list_the_statements_about_their_actor(client):
    person, organisation = PersonFactory(), OrganisationFactory()
    about_person = _about(person, [datetime.date(2022, 5, 5)])
    about_organisation = _about(organisation, [datetime.date(2022, 6, 6)])
    summaries_rebuild()
    person_page = client.get(person.get_absolute_url())
    organisation_page = client.get(organisation.get_absolute_url())
    assert [row["id"] for row in person_page.context["about"]] == [s.pk for s in about_person]
    assert [row["id"] for row in organisation_page.context["about"]] == [
        s.pk for s in about_organisation
    ]
    assert f"/statements/{about_person[0].pk}/" in person_page.content.decode()


@pytest.mark.parametrize("statement_count", [FEW, MANY])
def test_organisation_statements_are_its_own_and_its_members_newest_first(statement_count):
    organisation, member = OrganisationFactory(), PersonFactory()
    Membership.objects.create(person=member, organisation=organisation, role="Spokesperson")
    day = datetime.date(2021, 1, 1)
    own = StatementFactory(
        speaker_person=None, speaker_organisation=organisation, speaker_text="It", date=day
    )
    by_member = StatementFactory(speaker_person=member, date=day + datetime.timedelta(days=1))
    undated = StatementFactory(speaker_person=member, date=None)
    StatementFactory(speaker_person=member, date=day, review_status="rejected")
    StatementFactory(date=day + datetime.timedelta(days=2))  # someone else's

    found = organisation_statements(organisation.pk, statement_count=statement_count)

    assert list(found) == [by_member, own, undated]
    assert list(found.filter(statement_type=own.statement_type, date__isnull=False)) == [
        by_member,
        own,
    ]
