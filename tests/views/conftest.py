"""Rows for the query-count tests: ``make_rows(n)`` builds n of everything a list shows."""

from __future__ import annotations

import datetime as dt

import pytest

from statements.models import (
    Event,
    EventParticipant,
    Membership,
    Mention,
    OtherName,
    StatementTarget,
)
from statements.services.summaries import summaries_rebuild
from tests.factories import (
    DocumentFactory,
    OrganisationFactory,
    PersonFactory,
    StatementFactory,
)

TYPES = ["demand", "criticism", "appeal", "rejection", "support"]


@pytest.fixture
def make_rows(db):
    """``make_rows(n)`` -> a speaker with n statements (each with a target, an event, a
    mention and its own document), n people with aliases and roles, n organisations."""

    def make(n: int) -> dict:
        speaker = PersonFactory(name="Quoted Speaker")
        organisation = OrganisationFactory(name="Speaking Ministry")
        Membership.objects.create(person=speaker, organisation=organisation, role="Minister")
        statements = []
        for i in range(n):
            person = PersonFactory()
            org = OrganisationFactory()
            OtherName.objects.create(person=person, name=f"Alias {i}")
            OtherName.objects.create(organisation=org, name=f"ORG{i}")
            Membership.objects.create(person=person, organisation=org, role="Spokesperson")
            document = DocumentFactory(published_at=dt.date(2024, 1, 1) + dt.timedelta(days=i))
            event = Event.objects.create(
                name=f"meeting {i}",
                classification="meeting",
                document=document,
                date=document.published_at,
            )
            EventParticipant.objects.create(event=event, person=speaker)
            statement = StatementFactory(
                document=document,
                speaker_person=speaker,
                content_start=0,
                statement_type=TYPES[i % len(TYPES)],
                event=event,
                date=document.published_at,
            )
            StatementTarget.objects.create(statement=statement, person=person)
            StatementTarget.objects.create(statement=statement, organisation=org)
            Mention.objects.create(
                document=document, start=0, end=7, text="Article", label="ORG", organisation=org
            )
            statements.append(statement)
        # Rows written by hand, not through the services: count their summaries.
        summaries_rebuild()
        return {"speaker": speaker, "organisation": organisation, "statements": statements}

    return make
