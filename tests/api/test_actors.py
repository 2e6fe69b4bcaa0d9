"""/api/people/, /api/organisations/, /api/memberships/, /api/events/, /api/documents/."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q

from statements import selectors
from statements.api import views
from statements.models import (
    Document,
    Event,
    EventParticipant,
    Identifier,
    Membership,
    Organisation,
    OtherName,
    Person,
    ReviewStatus,
    Statement,
    StatementType,
)
from statements.services.merge import organisation_merge, person_merge
from statements.services.review import statements_review
from tests.api.helpers import fetch_all, ids
from tests.factories import OrganisationFactory, PersonFactory


def _slugs(rows: list[dict]) -> set[str]:
    return {row["slug"] for row in rows}


# --- people -------------------------------------------------------------------------------


def test_people_list_every_live_person_by_name(kb, api_client):
    rows = fetch_all(api_client, "/api/people/")
    expected = list(
        Person.objects.filter(merged_into__isnull=True)
        .order_by("name", "id")
        .values_list("slug", flat=True)
    )
    assert [row["slug"] for row in rows] == expected
    assert len(expected) >= 4


def test_person_carries_roles_aliases_identifiers_and_counts_by_type(kb, api_client):
    person = Person.objects.annotate(n=Count("memberships")).filter(n__gt=0).first()
    assert person is not None, "the seed names roles"
    OtherName.objects.create(person=person, name="Abu Test", kind="nickname")
    Identifier.objects.create(person=person, scheme="wikidata", identifier="Q4115189")
    data = api_client.get(f"/api/people/{person.slug}/").json()
    assert data["name"] == person.name
    assert data["html_url"] == f"http://testserver/people/{person.slug}/"
    roles = {(r["role"], r["status"], (r["organisation"] or {}).get("slug")) for r in data["roles"]}
    assert roles == {
        (m.role, m.status, m.organisation.slug if m.organisation else None)
        for m in person.memberships.select_related("organisation")
    }
    assert all({"start_date", "end_date"} <= set(role) for role in data["roles"])
    assert data["aliases"] == [{"name": "Abu Test", "kind": "nickname", "note": ""}]
    assert data["identifiers"] == [{"scheme": "wikidata", "identifier": "Q4115189"}]
    assert data["statement_count"] == person.statements.count()
    assert set(data["statement_counts"]) == set(StatementType.values)
    for value, count in data["statement_counts"].items():
        assert count == person.statements.filter(statement_type=value).count()


def test_person_detail_counts_follow_a_review_at_once(kb, api_client):
    """A person's statements per type come from the summaries, exact as soon as a review
    commits (no minute of lag)."""
    person = Person.objects.filter(statements__isnull=False).distinct().first()
    url = f"/api/people/{person.slug}/"
    before = api_client.get(url).json()["statement_count"]
    assert before == person.statements.count() > 0
    statements_review(
        statements=person.statements.all()[:1], status=ReviewStatus.REJECTED, user=None
    )
    assert api_client.get(url).json()["statement_count"] == before - 1


def test_people_counts_in_the_list_match_the_database(kb, api_client):
    for row in fetch_all(api_client, "/api/people/"):
        person = Person.objects.get(pk=row["id"])
        assert row["statement_count"] == person.statements.count()
        assert sum(row["statement_counts"].values()) == row["statement_count"]


@pytest.mark.parametrize("query", ["Anıl Bora İnan", "anil bora inan", "ANIL", "inan"])
def test_people_name_filter_ignores_case_and_accents(kb, api_client, query):
    person = Person.objects.get(slug="anil-bora-inan")
    rows = fetch_all(api_client, "/api/people/", {"name": query})
    assert person.slug in _slugs(rows)
    assert "ali-riza-guney" not in _slugs(rows)


def test_people_name_filter_matches_aliases(kb, api_client):
    person = Person.objects.get(name__icontains="Khazali")
    OtherName.objects.create(person=person, name="Abū Ḥāzim", kind="nickname")
    assert _slugs(fetch_all(api_client, "/api/people/", {"name": "abu hazim"})) == {person.slug}
    assert _slugs(fetch_all(api_client, "/api/people/", {"q": "ABU HAZIM"})) == {person.slug}


def test_people_filtered_by_organisation_classification_and_country(kb, api_client):
    membership = Membership.objects.filter(organisation__isnull=False).select_related(
        "organisation"
    )[0]
    organisation = membership.organisation
    organisation.country = "TST"
    organisation.save()
    members = set(
        Membership.objects.filter(organisation=organisation).values_list("person__slug", flat=True)
    )
    rows = fetch_all(api_client, "/api/people/", {"organisation": organisation.slug})
    assert _slugs(rows) == members
    assert _slugs(fetch_all(api_client, "/api/people/", {"country": "tst"})) == members
    if organisation.classification:
        classified = set(
            Membership.objects.filter(
                organisation__classification=organisation.classification
            ).values_list("person__slug", flat=True)
        )
        rows = fetch_all(
            api_client, "/api/people/", {"classification": organisation.classification}
        )
        assert _slugs(rows) == classified


def test_people_ordering_by_statement_count(kb, api_client):
    rows = fetch_all(api_client, "/api/people/", {"ordering": "-statement_count,name"})
    counts = [row["statement_count"] for row in rows]
    assert counts == sorted(counts, reverse=True)


def test_merged_person_redirects_to_the_survivor(kb, api_client):
    survivor = Person.objects.get(name__icontains="Tawfiq")
    loser = PersonFactory(name="H. Tawfiq")
    person_merge(survivor=survivor, loser=loser)
    response = api_client.get(f"/api/people/{loser.slug}/")
    assert response.status_code == 301
    assert response["Location"] == f"/api/people/{survivor.slug}/"
    assert api_client.get(response["Location"]).json()["id"] == survivor.pk
    assert loser.slug not in _slugs(fetch_all(api_client, "/api/people/"))
    spoken = fetch_all(api_client, "/api/statements/", {"speaker": loser.slug, "page_size": 500})
    assert set(ids(spoken)) == set(survivor.statements.values_list("id", flat=True))
    assert api_client.get("/api/people/no-such-person/").status_code == 404


# --- organisations ------------------------------------------------------------------------


def test_organisations_list_with_members(kb, api_client):
    rows = fetch_all(api_client, "/api/organisations/")
    assert _slugs(rows) == set(
        Organisation.objects.filter(merged_into__isnull=True).values_list("slug", flat=True)
    )
    for row in rows:
        organisation = Organisation.objects.get(pk=row["id"])
        assert {m["person"]["slug"] for m in row["members"]} == set(
            organisation.memberships.values_list("person__slug", flat=True)
        )
        spoken = Q(speaker_organisation=organisation) | Q(
            speaker_person__in=organisation.memberships.values("person")
        )
        assert row["statement_count"] == Statement.objects.public().filter(spoken).count()
        assert row["html_url"] == f"http://testserver/organisations/{organisation.slug}/"


def test_organisation_filters(kb, api_client):
    organisation = Organisation.objects.filter(merged_into__isnull=True).first()
    organisation.country = "TST"
    organisation.save()
    OtherName.objects.create(organisation=organisation, name="ÖRG-X", kind="acronym")
    assert _slugs(fetch_all(api_client, "/api/organisations/", {"country": "tst"})) == {
        organisation.slug
    }
    assert _slugs(fetch_all(api_client, "/api/organisations/", {"name": "org x"})) == {
        organisation.slug
    }
    folded = organisation.name.upper()
    assert organisation.slug in _slugs(
        fetch_all(api_client, "/api/organisations/", {"name": folded})
    )
    for classification in set(Organisation.objects.values_list("classification", flat=True)):
        if not classification:
            continue
        rows = fetch_all(api_client, "/api/organisations/", {"classification": classification})
        assert _slugs(rows) == set(
            Organisation.objects.filter(classification=classification).values_list(
                "slug", flat=True
            )
        )


def test_organisation_parent_filter_and_ordering(kb, api_client):
    parent = OrganisationFactory(name="Parent Body")
    child = OrganisationFactory(name="Child Unit", parent=parent)
    rows = fetch_all(api_client, "/api/organisations/", {"parent": parent.slug})
    assert _slugs(rows) == {child.slug}
    assert rows[0]["parent"]["slug"] == parent.slug
    rows = fetch_all(api_client, "/api/organisations/", {"ordering": "-name"})
    names = [row["name"] for row in rows]
    assert names == list(
        Organisation.objects.filter(merged_into__isnull=True)
        .order_by("-name")
        .values_list("name", flat=True)
    )


def test_merged_organisation_redirects(kb, api_client):
    survivor = Organisation.objects.filter(merged_into__isnull=True).first()
    loser = OrganisationFactory(name="Duplicate Org")
    organisation_merge(survivor=survivor, loser=loser)
    response = api_client.get(f"/api/organisations/{loser.slug}/", {"format": "json"})
    assert response.status_code == 301
    assert response["Location"] == f"/api/organisations/{survivor.slug}/?format=json"


# --- memberships ----------------------------------------------------------------------------


def test_memberships_list_and_filters(kb, api_client):
    rows = fetch_all(api_client, "/api/memberships/")
    assert ids(rows) == list(Membership.objects.order_by("id").values_list("id", flat=True))
    membership = Membership.objects.filter(organisation__isnull=False).first()
    by_person = fetch_all(api_client, "/api/memberships/", {"person": membership.person.slug})
    assert set(ids(by_person)) == set(
        Membership.objects.filter(person=membership.person).values_list("id", flat=True)
    )
    by_org = fetch_all(
        api_client, "/api/memberships/", {"organisation": membership.organisation.slug}
    )
    assert set(ids(by_org)) == set(
        Membership.objects.filter(organisation=membership.organisation).values_list("id", flat=True)
    )
    for status in ("current", "former"):
        rows = fetch_all(api_client, "/api/memberships/", {"status": status})
        assert set(ids(rows)) == set(
            Membership.objects.filter(status=status).values_list("id", flat=True)
        )
    word = membership.role.split()[0].lower()
    rows = fetch_all(api_client, "/api/memberships/", {"role": word})
    assert set(ids(rows)) == set(
        Membership.objects.filter(role__icontains=word).values_list("id", flat=True)
    )
    rows = fetch_all(api_client, "/api/memberships/", {"ordering": "-role"})
    roles = [row["role"] for row in rows]
    assert roles == list(Membership.objects.order_by("-role", "id").values_list("role", flat=True))
    detail = api_client.get(f"/api/memberships/{membership.pk}/").json()
    assert detail["person"]["slug"] == membership.person.slug
    text = membership.document.text
    span = detail["source_span"]
    assert text[span["start"] : span["end"]] == membership.source_text


# --- events ----------------------------------------------------------------------------------


def test_events_list_detail_and_filters(kb, api_client):
    rows = fetch_all(api_client, "/api/events/")
    assert set(ids(rows)) == set(Event.objects.values_list("id", flat=True))
    assert rows, "the seed reports an interview and a meeting"
    event = Event.objects.select_related("document").first()
    detail = api_client.get(f"/api/events/{event.pk}/").json()
    assert detail["name"] == event.name
    assert detail["statement_count"] == event.statements.count()
    assert detail["document"]["id"] == event.document_id
    assert {p["slug"] for p in detail["participants"]} == {
        (p.person or p.organisation).slug for p in event.participants.all()
    }
    by_class = fetch_all(api_client, "/api/events/", {"classification": event.classification})
    assert set(ids(by_class)) == set(
        Event.objects.filter(classification=event.classification).values_list("id", flat=True)
    )
    by_doc = fetch_all(api_client, "/api/events/", {"document": kb.seed.pk})
    assert set(ids(by_doc)) == set(kb.seed.events.values_list("id", flat=True))
    participant = EventParticipant.objects.select_related("person", "organisation").first()
    if participant is not None:
        actor = participant.person or participant.organisation
        rows = fetch_all(api_client, "/api/events/", {"participant": actor.slug})
        assert participant.event_id in ids(rows)
    dated = Event.objects.filter(date__isnull=False)
    rows = fetch_all(api_client, "/api/events/", {"date_after": "2024-01-01"})
    assert set(ids(rows)) == set(dated.filter(date__gte="2024-01-01").values_list("id", flat=True))
    rows = fetch_all(api_client, "/api/events/", {"ordering": "name"})
    assert [row["name"] for row in rows] == sorted(row["name"] for row in rows)


# --- documents --------------------------------------------------------------------------------


def test_documents_list_without_text_detail_with_text(kb, api_client):
    rows = fetch_all(api_client, "/api/documents/")
    assert ids(rows) == [kb.third.pk, kb.second.pk, kb.seed.pk]  # newest publication first
    assert "text" not in rows[0]
    assert rows[1]["statement_count"] == kb.second.statements.count()
    assert rows[1]["source_url"] == "https://other-wire.example/turkey-troops"
    detail = api_client.get(f"/api/documents/{kb.seed.pk}/").json()
    assert detail["text"] == kb.seed.text
    assert detail["html_url"] == f"http://testserver/documents/{kb.seed.pk}/"


def test_document_filters_and_ordering(kb, api_client):
    rows = fetch_all(api_client, "/api/documents/", {"publisher": "third post"})
    assert ids(rows) == [kb.third.pk]
    rows = fetch_all(api_client, "/api/documents/", {"published_after": "2024-06-01"})
    assert set(ids(rows)) == {kb.second.pk, kb.third.pk}
    rows = fetch_all(api_client, "/api/documents/", {"published_before": "2024-06-01"})
    assert ids(rows) == [kb.seed.pk]
    rows = fetch_all(api_client, "/api/documents/", {"q": "troops"})
    assert ids(rows) == [kb.second.pk]
    rows = fetch_all(api_client, "/api/documents/", {"ordering": "published_at"})
    assert ids(rows) == [kb.seed.pk, kb.second.pk, kb.third.pk]
    assert set(ids(fetch_all(api_client, "/api/documents/", {"language": "en"}))) == set(
        Document.objects.values_list("id", flat=True)
    )


@pytest.mark.parametrize(
    "url", ["/api/people/", "/api/organisations/", "/api/memberships/", "/api/events/"]
)
def test_page_number_pagination(kb, api_client, url):
    first = api_client.get(url, {"page_size": 1}).json()
    assert first["count"] >= 1
    assert len(first["results"]) == 1
    assert api_client.get(url, {"page": 99999}).status_code == 404
    assert api_client.get(url, {"page": "abc"}).status_code == 404


ORDERINGS = [
    ("/api/people/", selectors.person_list_api, views.PersonViewSet),
    ("/api/organisations/", selectors.organisation_list_api, views.OrganisationViewSet),
    ("/api/memberships/", selectors.membership_list_api, views.MembershipViewSet),
    ("/api/events/", selectors.event_list_api, views.EventViewSet),
    ("/api/documents/", selectors.document_list_api, views.DocumentViewSet),
]


@pytest.mark.parametrize(("url", "selector", "viewset"), ORDERINGS)
def test_every_ordering_field_sorts_like_the_database(kb, api_client, url, selector, viewset):
    """Each documented ordering, both directions, pages through in the database's order
    (ties broken by id), so page boundaries never repeat or skip a row."""
    for field in viewset.ordering_fields:
        for term in (field, f"-{field}"):
            rows = fetch_all(api_client, url, {"ordering": term, "page_size": 2})
            expected = selector().order_by(term, "id").values_list("id", flat=True)
            assert ids(rows) == list(expected), term


def test_remaining_filters(kb, api_client):
    person = Person.objects.first()
    person.wikidata_qid = "Q4115189"
    person.save()
    rows = fetch_all(api_client, "/api/people/", {"wikidata_qid": "Q4115189"})
    assert _slugs(rows) == {person.slug}
    organisation = Organisation.objects.first()
    organisation.wikidata_qid = "Q796"
    organisation.save()
    rows = fetch_all(api_client, "/api/organisations/", {"wikidata_qid": "Q796"})
    assert _slugs(rows) == {organisation.slug}
    rows = fetch_all(api_client, "/api/organisations/", {"q": organisation.name.lower()})
    assert organisation.slug in _slugs(rows)
    rows = fetch_all(api_client, "/api/memberships/", {"document": kb.seed.pk})
    assert set(ids(rows)) == set(kb.seed.memberships.values_list("id", flat=True))
    event = Event.objects.first()
    word = event.name.split()[-1].upper()
    rows = fetch_all(api_client, "/api/events/", {"name": word})
    assert set(ids(rows)) == set(
        Event.objects.filter(name__icontains=word).values_list("id", flat=True)
    )
    rows = fetch_all(api_client, "/api/events/", {"date_before": "2024-06-01"})
    assert set(ids(rows)) == set(
        Event.objects.filter(date__lte="2024-06-01").values_list("id", flat=True)
    )
