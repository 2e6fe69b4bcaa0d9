"""What the person and organisation pages read: the first page of an organisation's
statements (its own and its members' newest, from the summaries' lists) is the first page
of every statement it lists, however those are found; the first and last dates of a
summary."""

from __future__ import annotations

import datetime

import pytest

from statements import selectors
from statements.models import Membership
from statements.selectors.summaries import TIMELINE_DAYS
from statements.services.summaries import summaries_rebuild
from tests.factories import OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2020, 1, 1)


def _statements(count: int, *, start: int, step: int, **speaker) -> list:
    """``count`` statements ``step`` days apart from ``start`` days after ``DAY``."""
    return [
        StatementFactory(date=DAY + datetime.timedelta(days=start + i * step), **speaker)
        for i in range(count)
    ]


@pytest.mark.parametrize("statement_count", [0, selectors.ABOUT_NEWEST_WALK_FROM])
def test_organisation_first_page_is_the_newest_of_its_own_and_its_members(statement_count):
    organisation = OrganisationFactory()
    members = [PersonFactory(), PersonFactory()]
    for member in members:
        Membership.objects.create(person=member, organisation=organisation, role="Minister")
    itself = {"speaker_person": None, "speaker_organisation": organisation, "speaker_text": "It"}
    # Interleaved dates: the organisation's own newest, then its members' in turn.
    own = _statements(15, start=1, step=3, **itself)
    by_first = _statements(15, start=0, step=3, speaker_person=members[0])
    by_second = _statements(15, start=2, step=3, speaker_person=members[1])
    undated = StatementFactory(speaker_person=members[0], date=None)
    StatementFactory(
        speaker_person=members[1], date=DAY.replace(year=2030), review_status="rejected"
    )
    StatementFactory(date=DAY.replace(year=2031))  # someone else's
    summaries_rebuild()

    rows = selectors.actor_first_page_rows("o", organisation.pk)

    expected = sorted([*own, *by_first, *by_second], key=lambda s: s.date, reverse=True)
    assert [row["id"] for row in rows] == [s.pk for s in expected[: selectors.ACTOR_PAGE_SIZE]]
    every = selectors.organisation_statements(organisation.pk, statement_count=statement_count)
    assert [row["id"] for row in rows] == [s.pk for s in every[: selectors.ACTOR_PAGE_SIZE]]
    assert list(every)[-1] == undated


def test_organisation_first_page_lists_undated_statements_last():
    organisation, member = OrganisationFactory(), PersonFactory()
    Membership.objects.create(person=member, organisation=organisation, role="Minister")
    undated_old = StatementFactory(speaker_person=member, date=None)
    dated = StatementFactory(speaker_person=member, date=DAY)
    undated_new = StatementFactory(speaker_person=member, date=None)
    summaries_rebuild()

    rows = selectors.actor_first_page_rows("o", organisation.pk)

    assert [row["id"] for row in rows] == [dated.pk, undated_new.pk, undated_old.pk]


@pytest.mark.parametrize("days_apart", [10, 400])
def test_summary_first_and_last_dates(days_apart):
    person = PersonFactory()
    first = StatementFactory(speaker_person=person, date=DAY)
    StatementFactory(speaker_person=person, date=DAY + datetime.timedelta(days=days_apart // 2))
    last = StatementFactory(speaker_person=person, date=DAY + datetime.timedelta(days=days_apart))
    StatementFactory(speaker_person=person, date=None)
    StatementFactory(date=DAY.replace(year=2030))  # someone else's
    summaries_rebuild()

    summary = selectors.statement_summary(("p", person.pk))

    assert (summary.first_date, summary.last_date) == (first.date, last.date)
    assert summary.statement_count == 4
    assert summary.timeline_by_day == (days_apart <= TIMELINE_DAYS)


def test_summary_of_a_subject_without_statements():
    summary = selectors.statement_summary(("p", PersonFactory().pk))
    assert (summary.first_date, summary.last_date, summary.statement_count) == (None, None, 0)
    assert summary.timeline_rows == []
