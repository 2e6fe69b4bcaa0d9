"""Model constraints, enforced by the database itself on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from statements.models import Document, OtherName, Person, Statement, StatementTarget
from tests.factories import DocumentFactory, OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_duplicate_document_sha256_is_refused_by_the_database():
    document = DocumentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(text="other text", sha256=document.sha256)
    assert Document.objects.filter(sha256=document.sha256).count() == 1


def test_duplicate_statement_span_in_one_document_is_refused():
    statement = StatementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(
            document=statement.document,
            content="all is well",
            content_start=statement.content_start,
            content_end=statement.content_end,
            kind="direct",
        )
    # The same span in another document is a different statement.
    StatementFactory(content_start=statement.content_start, content_end=statement.content_end)
    assert Statement.objects.count() == 2


def test_statement_cannot_have_a_person_and_an_organisation_as_speaker():
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementFactory(speaker_organisation=OrganisationFactory())


def test_two_live_people_cannot_share_a_normalised_name():
    PersonFactory(name="Anıl Bora İnan")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(name="anil bora inan")


def test_a_disambiguation_keeps_namesakes_apart():
    first = PersonFactory(name="John Smith")
    second = PersonFactory(name="John Smith", disambiguation="journalist")
    assert first.name_key == second.name_key
    assert first.slug != second.slug


def test_merged_person_resolves_to_its_survivor_and_frees_its_name():
    survivor = PersonFactory(name="Qais al-Khazali")
    loser = PersonFactory(name="Qais Khazali")
    older = PersonFactory(name="Q. al-Khazali")
    older.merged_into = loser
    older.save()
    loser.merged_into = survivor
    loser.save()
    assert Person.objects.get(pk=older.pk).resolve() == survivor
    assert survivor.resolve() == survivor
    # A merged record no longer holds its name: a new live record may take it.
    loser_name = PersonFactory.build(name="Qais Khazali")
    loser_name.save()
    assert Person.objects.filter(name_key=loser.name_key).count() == 2


def test_alias_must_belong_to_exactly_one_owner():
    with pytest.raises(IntegrityError), transaction.atomic():
        OtherName.objects.create(name="KRI")
    with pytest.raises(IntegrityError), transaction.atomic():
        OtherName.objects.create(
            name="KRI", person=PersonFactory(), organisation=OrganisationFactory()
        )


def test_alias_is_unique_per_owner_by_normalised_form():
    organisation = OrganisationFactory(name="Kurdistan Region")
    OtherName.objects.create(organisation=organisation, name="KRI", kind="acronym")
    with pytest.raises(IntegrityError), transaction.atomic():
        OtherName.objects.create(organisation=organisation, name="kri")


def test_statement_target_is_not_duplicated():
    statement = StatementFactory()
    turkey = OrganisationFactory(name="Turkey", classification="state")
    StatementTarget.objects.create(statement=statement, organisation=turkey)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementTarget.objects.create(statement=statement, organisation=turkey)


def test_slug_is_ascii_and_unique():
    first = PersonFactory(name="Anıl Bora İnan")
    assert first.slug == "anil-bora-inan"
    second = PersonFactory(name="Anil Bora Inan", disambiguation="namesake")
    assert second.slug == "anil-bora-inan-2"
