"""person_merge / organisation_merge: everything moves, collisions fold, the loser redirects."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from statements.models import (
    Event,
    EventParticipant,
    Identifier,
    Membership,
    Mention,
    Organisation,
    OtherName,
    Person,
    Statement,
    StatementTarget,
)
from statements.services.merge import MergeError, organisation_merge, person_merge
from tests.factories import DocumentFactory, OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer() -> User:
    return User.objects.create_user("reviewer")


def test_person_merge_moves_everything_and_folds_collisions(reviewer):
    survivor = PersonFactory(name="Qais al-Khazali")
    loser = PersonFactory(name="Qais Khazali", summary="Leader of Asa'ib Ahl al-Haq.")
    party = OrganisationFactory(name="Asa'ib Ahl al-Haq", classification="armed group")
    document = DocumentFactory()

    said_by_loser = StatementFactory(speaker_person=loser, document=document)
    said_by_survivor = StatementFactory(speaker_person=survivor, document=document)
    # Both were targets of one statement; the loser alone of another.
    StatementTarget.objects.create(statement=said_by_survivor, person=survivor)
    StatementTarget.objects.create(statement=said_by_survivor, person=loser)
    about_loser = StatementFactory(document=document)
    StatementTarget.objects.create(statement=about_loser, person=loser)
    # The same role twice; the loser's copy is the one a statement refers to.
    Membership.objects.create(person=survivor, organisation=party, role="Secretary-General")
    loser_role = Membership.objects.create(
        person=loser, organisation=party, role="Secretary-General", start_date="2007"
    )
    said_by_loser.membership = loser_role
    said_by_loser.save()
    Membership.objects.create(person=loser, organisation=party, role="Founder")
    # The same alias twice, plus one only the loser has.
    OtherName.objects.create(person=survivor, name="Abu Ali")
    OtherName.objects.create(person=loser, name="ABU ALI")
    OtherName.objects.create(person=loser, name="Sheikh Qais")
    Identifier.objects.create(person=loser, scheme="viaf", identifier="123")
    mention = Mention.objects.create(
        document=document, start=0, end=7, text="Khazali", label="PERSON", person=loser
    )
    event = Event.objects.create(name="interview", document=document)
    other_event = Event.objects.create(name="rally", document=document)
    EventParticipant.objects.create(event=event, person=survivor)
    EventParticipant.objects.create(event=event, person=loser)
    EventParticipant.objects.create(event=other_event, person=loser)
    earlier = PersonFactory(name="Q. Khazali")
    earlier.merged_into = loser
    earlier.save()

    report = person_merge(survivor=survivor, loser=loser, user=reviewer)

    loser.refresh_from_db()
    survivor.refresh_from_db()
    assert loser.merged_into == survivor
    assert loser.resolve() == survivor
    assert Person.objects.get(pk=earlier.pk).resolve() == survivor
    assert Person.objects.get(pk=earlier.pk).merged_into == survivor
    assert set(Statement.objects.filter(speaker_person=survivor)) == {
        said_by_loser,
        said_by_survivor,
    }
    assert not Statement.objects.filter(speaker_person=loser).exists()
    assert list(
        StatementTarget.objects.filter(statement=said_by_survivor).values_list("person", flat=True)
    ) == [survivor.pk]
    assert StatementTarget.objects.get(statement=about_loser).person == survivor
    roles = Membership.objects.filter(person=survivor).order_by("role")
    assert [(m.role, m.start_date) for m in roles] == [
        ("Founder", ""),
        ("Secretary-General", "2007"),
    ]
    said_by_loser.refresh_from_db()
    assert said_by_loser.membership.person == survivor
    assert not Membership.objects.filter(person=loser).exists()
    aliases = sorted(survivor.other_names.values_list("name", flat=True))
    assert aliases == ["Abu Ali", "Qais Khazali", "Sheikh Qais"]
    assert not loser.other_names.exists()
    assert Identifier.objects.get(scheme="viaf").person == survivor
    mention.refresh_from_db()
    assert mention.person == survivor
    assert set(
        EventParticipant.objects.filter(person=survivor).values_list("event", flat=True)
    ) == {event.pk, other_event.pk}
    assert not EventParticipant.objects.filter(person=loser).exists()
    assert survivor.summary == "Leader of Asa'ib Ahl al-Haq."
    assert report.moved["statements"] == 1
    assert report.folded["statement targets"] == 1
    assert report.folded["memberships"] == 1
    assert report.folded["aliases"] == 1
    # The merge is in the history, with who did it and why.
    last = loser.history.first()
    assert last.history_user == reviewer
    assert "merged" in last.history_change_reason
    assert said_by_loser.history.first().history_user == reviewer


def test_merge_moves_the_wikidata_qid_or_keeps_it_as_an_identifier():
    survivor = PersonFactory(wikidata_qid=None)
    loser = PersonFactory(wikidata_qid="Q42")
    person_merge(survivor=survivor, loser=loser)
    survivor.refresh_from_db()
    assert survivor.wikidata_qid == "Q42"

    other = PersonFactory(wikidata_qid="Q43")
    person_merge(survivor=survivor, loser=other)
    survivor.refresh_from_db()
    assert survivor.wikidata_qid == "Q42"
    assert Identifier.objects.get(scheme="wikidata", identifier="Q43").person == survivor


def test_merge_same_name_records_keeps_unique_live_names():
    survivor = PersonFactory(name="Ali Hassan")
    loser = PersonFactory(name="Ali Hassan", disambiguation="journalist")
    person_merge(survivor=survivor, loser=loser)
    # Same name: no alias needed; a new "Ali Hassan" would still clash with the survivor only.
    assert not survivor.other_names.exists()
    assert Person.objects.filter(name_key=survivor.name_key, merged_into__isnull=True).count() == 1


def test_organisation_merge_moves_speakers_targets_roles_and_children():
    survivor = OrganisationFactory(name="Kurdistan Regional Government")
    loser = OrganisationFactory(name="KRG")
    child = OrganisationFactory(name="KRG Ministry of Peshmerga", parent=loser)
    person = PersonFactory()
    Membership.objects.create(person=person, organisation=survivor, role="spokesman")
    Membership.objects.create(person=person, organisation=loser, role="spokesman")
    statement = StatementFactory(
        speaker_person=None, speaker_organisation=loser, speaker_text="KRG"
    )
    StatementTarget.objects.create(statement=statement, organisation=loser)

    organisation_merge(survivor=survivor, loser=loser)

    statement.refresh_from_db()
    child.refresh_from_db()
    assert statement.speaker_organisation == survivor
    assert statement.targets.get().organisation == survivor
    assert child.parent == survivor
    assert Membership.objects.filter(person=person).count() == 1
    assert Membership.objects.get(person=person).organisation == survivor
    assert list(survivor.other_names.values_list("name", flat=True)) == ["KRG"]
    assert Organisation.objects.get(pk=loser.pk).merged_into == survivor


def test_merge_refuses_nonsense():
    person = PersonFactory()
    with pytest.raises(MergeError):
        person_merge(survivor=person, loser=person)
    survivor, loser = PersonFactory(), PersonFactory()
    person_merge(survivor=survivor, loser=loser)
    with pytest.raises(MergeError):
        person_merge(survivor=PersonFactory(), loser=loser)
    with pytest.raises(MergeError):
        person_merge(survivor=loser, loser=PersonFactory())
    with pytest.raises(MergeError):
        person_merge(survivor=survivor, loser=OrganisationFactory())


def test_a_failed_merge_changes_nothing(monkeypatch):
    survivor, loser = PersonFactory(), PersonFactory()
    statement = StatementFactory(speaker_person=loser)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("statements.services.merge._move_aliases", explode)
    with pytest.raises(RuntimeError):
        person_merge(survivor=survivor, loser=loser)
    statement.refresh_from_db()
    loser.refresh_from_db()
    assert statement.speaker_person == loser
    assert loser.merged_into is None
