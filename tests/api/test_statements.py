"""/api/statements/: representation, every filter, ordering, search, cursors, review."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from statements import filters, selectors
from statements.api.serializers import StatementSerializer
from statements.models import Membership, Organisation, Person, ReviewStatus, Statement
from statements.search import RANK_ANNOTATION, search_uses_postgres, statement_search
from tests.api.helpers import fetch_all, ids

URL = "/api/statements/"


def _db_ids(queryset) -> set[int]:
    return set(queryset.values_list("id", flat=True))


def _api_ids(client, **params) -> set[int]:
    return set(ids(fetch_all(client, URL, {"page_size": 500, **params})))


def test_list_returns_every_statement_newest_first(kb, api_client):
    rows = fetch_all(api_client, URL, {"page_size": 7})
    assert ids(rows) == list(Statement.objects.order_by("-id").values_list("id", flat=True))
    assert len(rows) > 7  # the cursor was followed across pages


def test_detail_carries_speaker_offsets_codes_targets_event_and_document(kb, api_client):
    statement = (
        Statement.objects.filter(
            speaker_person__isnull=False, event__isnull=False, targets__isnull=False
        )
        .distinct()
        .first()
    )
    assert statement is not None, "the seed has a resolved speaker at an event with targets"
    data = api_client.get(f"{URL}{statement.pk}/").json()
    person = statement.speaker_person
    assert data["speaker"] == {
        "id": person.pk,
        "kind": "person",
        "name": person.name,
        "slug": person.slug,
        "url": f"http://testserver/api/people/{person.slug}/",
        "html_url": f"http://testserver/people/{person.slug}/",
    }
    assert data["speaker_text"] == statement.speaker_text
    assert data["role"] == statement.speaker_role
    assert data["cue"] == statement.cue
    assert data["content"] == statement.content
    assert data["content_span"] == {"start": statement.content_start, "end": statement.content_end}
    text = statement.document.text
    for start, end in data["content_spans"]:
        assert text[start:end].strip(" ,.") in data["content"] or text[start:end] in data["content"]
    if data["speaker_span"]:
        span = data["speaker_span"]
        assert text[span["start"] : span["end"]] == statement.speaker_text
    if data["cue_span"]:
        assert text[data["cue_span"]["start"] : data["cue_span"]["end"]] == statement.cue
    assert data["kind"] == statement.kind
    assert data["type"] == statement.statement_type
    assert data["cameo_code"] == statement.cameo_code
    assert data["plover_code"] == statement.plover_code
    assert data["codebook_version"] == statement.codebook_version
    expected_targets = {(t.person or t.organisation).slug for t in statement.targets.all()}
    assert {target["slug"] for target in data["targets"]} == expected_targets
    assert data["event"]["id"] == statement.event_id
    assert data["event"]["url"] == f"http://testserver/api/events/{statement.event_id}/"
    assert data["date"] == statement.date.isoformat()
    assert data["document"]["id"] == statement.document_id
    assert data["document"]["publisher"] == "Example News"
    assert data["document"]["html_url"] == f"http://testserver/documents/{statement.document_id}/"
    assert data["review_status"] == "auto"
    assert data["html_url"] == f"http://testserver/statements/{statement.pk}/"
    assert api_client.get(data["html_url"]).status_code == 200


def test_organisation_speakers_and_unnamed_speakers(kb, api_client):
    by_organisation = Statement.objects.filter(speaker_organisation__isnull=False).first()
    assert by_organisation is not None
    data = api_client.get(f"{URL}{by_organisation.pk}/").json()
    assert data["speaker"]["kind"] == "organisation"
    assert data["speaker"]["slug"] == by_organisation.speaker_organisation.slug
    assert data["speaker"]["url"].endswith(f"/api/organisations/{data['speaker']['slug']}/")
    unnamed = Statement.objects.filter(
        speaker_person__isnull=True, speaker_organisation__isnull=True
    ).first()
    if unnamed is not None:
        assert api_client.get(f"{URL}{unnamed.pk}/").json()["speaker"] is None


def test_unknown_statement_is_404(kb, api_client):
    assert api_client.get(f"{URL}999999/").status_code == 404
    assert api_client.get(f"{URL}99999999999999999999999/").status_code == 404
    assert api_client.get(f"{URL}abc/").status_code == 404


def _busiest_person() -> Person:
    return max(Person.objects.all(), key=lambda person: person.statements.count())


def test_filter_by_speaker_slug_and_id(kb, api_client):
    person = _busiest_person()
    expected = _db_ids(Statement.objects.filter(speaker_person=person))
    assert len(expected) >= 2
    assert _api_ids(api_client, speaker=person.slug) == expected
    assert _api_ids(api_client, speaker=str(person.pk)) == expected
    assert _api_ids(api_client, speaker="nobody-at-all") == set()


def test_filter_by_speaking_organisation(kb, api_client):
    spoken = Statement.objects.filter(speaker_organisation__isnull=False)
    organisation = spoken[0].speaker_organisation
    expected = _db_ids(Statement.objects.filter(speaker_organisation=organisation))
    assert _api_ids(api_client, speaker_organisation=organisation.slug) == expected


def test_filter_by_organisation_includes_its_members(kb, api_client):
    membership = (
        Membership.objects.filter(organisation__isnull=False, person__statements__isnull=False)
        .select_related("organisation")
        .first()
    )
    assert membership is not None, "a speaker of the seed holds a role in an organisation"
    organisation = membership.organisation
    members = Membership.objects.filter(organisation=organisation).values("person")
    expected = _db_ids(
        Statement.objects.filter(
            Q(speaker_organisation=organisation) | Q(speaker_person__in=members)
        )
    )
    assert _db_ids(Statement.objects.filter(speaker_person=membership.person)) <= expected
    assert _api_ids(api_client, organisation=organisation.slug) == expected
    assert _api_ids(api_client, organisation=str(organisation.pk)) == expected


def test_filter_by_target(kb, api_client):
    target = Organisation.objects.filter(targeted_in__isnull=False).distinct().first()
    assert target is not None
    expected = _db_ids(Statement.objects.filter(targets__organisation=target))
    assert expected
    assert _api_ids(api_client, target=target.slug) == expected


@pytest.mark.parametrize(
    ("param", "field"),
    [("type", "statement_type"), ("kind", "kind"), ("review_status", "review_status")],
)
def test_filter_by_choice_fields(kb, api_client, param, field):
    values = set(Statement.objects.values_list(field, flat=True))
    for value in values:
        expected = _db_ids(Statement.objects.filter(**{field: value}))
        assert _api_ids(api_client, **{param: value}) == expected


def test_filter_by_review_status_after_a_review(kb, api_client):
    from statements.services.review import statements_review

    statement = Statement.objects.first()
    statements_review(statements=[statement], status="accepted", user=None)
    assert _api_ids(api_client, review_status="accepted") == {statement.pk}
    assert statement.pk not in _api_ids(api_client, review_status="auto")


def test_filter_by_event_document_and_publisher(kb, api_client):
    event_id = Statement.objects.filter(event__isnull=False).values_list("event", flat=True)[0]
    assert _api_ids(api_client, event=event_id) == _db_ids(Statement.objects.filter(event=event_id))
    assert _api_ids(api_client, document=kb.second.pk) == _db_ids(kb.second.statements.all())
    assert _api_ids(api_client, publisher="other wire") == _db_ids(kb.second.statements.all())
    assert _api_ids(api_client, publisher="Example News") == _db_ids(kb.seed.statements.all())


def test_filter_by_date_range(kb, api_client):
    assert _api_ids(api_client, date_after="2024-06-01") == _db_ids(
        Statement.objects.filter(date__gte="2024-06-01")
    )
    assert _api_ids(api_client, date_before="2024-06-03") == _db_ids(
        Statement.objects.filter(date__lte="2024-06-03")
    )
    assert _api_ids(api_client, date_after="2024-06-01", date_before="2024-06-30") == _db_ids(
        Statement.objects.filter(date__range=("2024-06-01", "2024-06-30"))
    )


def test_unknown_parameters_filter_nothing(kb, api_client):
    """The filter form is skipped when no filter is named; an unknown name changes nothing."""
    everything = _db_ids(Statement.objects.all())
    assert _api_ids(api_client, colour="blue") == everything
    assert (
        _api_ids(api_client, colour="blue", date_before="2024-06-03")
        == _db_ids(Statement.objects.filter(date__lte="2024-06-03"))
        != everything
    )


def test_filter_form_holds_only_the_named_filters():
    named = filters.filters_named(
        {"date_after": "2024-01-01", "type": "", "colour": "blue"}, filters.StatementFilterSet
    )
    assert named == {"date"}
    narrowed = filters.filterset_narrowed(filters.StatementFilterSet, named)
    assert set(narrowed.base_filters) == {"date"}
    assert set(filters.StatementFilterSet.base_filters) > {"date", "type", "speaker"}


def test_rows_and_serializer_give_the_same_representation(kb, api_client):
    """Lists and detail build rows in one query; exports and reviews serialize models."""
    request = Request(APIRequestFactory().get(URL))
    statements = selectors.statement_page_api().order_by("-id")
    expected = [StatementSerializer(s, context={"request": request}).data for s in statements]
    assert any(row["targets"] for row in expected) and any(row["event"] for row in expected)
    assert fetch_all(api_client, URL, {"page_size": 500}) == expected
    for row in expected[:5]:
        assert api_client.get(f"{URL}{row['id']}/").json() == row


@pytest.mark.parametrize(
    "params",
    [{"type": "gossip"}, {"date_after": "yesterday"}, {"event": "x"}, {"kind": "loud"}],
)
def test_invalid_filter_values_are_400(kb, api_client, params):
    assert api_client.get(URL, params).status_code == 400


def _expected_order(ordering: str) -> list[int]:
    rows = list(Statement.objects.values_list("id", "date", "confidence"))
    descending = ordering.startswith("-")
    key = {
        "id": lambda row: (row[0],),
        "date": lambda row: (row[1].toordinal() if row[1] else 0, row[0]),
        "confidence": lambda row: (row[2], row[0]),
    }[ordering.lstrip("-")]
    return [row[0] for row in sorted(rows, key=key, reverse=descending)]


@pytest.mark.parametrize("ordering", ["id", "-id", "date", "-date", "confidence", "-confidence"])
def test_ordering_with_cursor_pages(kb, api_client, ordering):
    rows = fetch_all(api_client, URL, {"ordering": ordering, "page_size": 4})
    assert ids(rows) == _expected_order(ordering)


def test_cursor_previous_link_goes_back(kb, api_client):
    first = api_client.get(URL, {"page_size": 5}).json()
    second = api_client.get(first["next"]).json()
    back = api_client.get(second["previous"]).json()
    assert ids(back["results"]) == ids(first["results"])


def test_page_size_and_invalid_cursors(kb, api_client):
    assert len(api_client.get(URL, {"page_size": 3}).json()["results"]) == 3
    total = Statement.objects.count()
    assert len(api_client.get(URL, {"page_size": 100000}).json()["results"]) == min(total, 500)
    assert api_client.get(URL, {"cursor": "not-a-cursor"}).status_code == 404
    for position in ("abc", "99999999999999999999999999", "2024-99-99"):
        for ordering in ("-id", "date", "confidence"):
            forged = base64.b64encode(urlencode({"p": position}).encode()).decode()
            response = api_client.get(URL, {"cursor": forged, "ordering": ordering})
            assert response.status_code in (200, 404), (position, ordering)


def test_search_finds_content_and_speakers_not_titles(kb, api_client):
    withdrawal = _db_ids(Statement.objects.filter(content__icontains="withdrawal"))
    assert withdrawal
    found = _api_ids(api_client, q="withdrawal")
    assert withdrawal <= found
    person = Person.objects.get(name__icontains="Khazali")
    assert _db_ids(person.statements.all()) <= _api_ids(api_client, q="Khazali")
    # "talks" is in the third article's title; only statements that say it match.
    said = _db_ids(Statement.objects.filter(content__icontains="talks"))
    assert _api_ids(api_client, q="talks") == said != _db_ids(kb.third.statements.all())
    assert _api_ids(api_client, q="zzyzx-nothing") == set()


def test_search_combines_with_filters(kb, api_client):
    found = _api_ids(api_client, q="withdrawal", publisher="Example News")
    assert found
    assert found <= _db_ids(kb.seed.statements.all())


def test_search_is_newest_first_by_default(kb, api_client):
    rows = fetch_all(api_client, URL, {"q": "Turkey withdrawal", "page_size": 3})
    assert ids(rows)
    assert ids(rows) == sorted(ids(rows), reverse=True)


def test_search_ranks_on_postgresql(kb, api_client):
    queryset = Statement.objects.all()
    params = {"q": "Turkey withdrawal", "page_size": 3, "ordering": "relevance"}
    rows = fetch_all(api_client, URL, params)
    if not search_uses_postgres(queryset):
        assert ids(rows) == sorted(ids(rows), reverse=True)  # SQLite: newest first
        return
    expected = statement_search(queryset, "Turkey withdrawal").order_by(
        f"-{RANK_ANNOTATION}", "-id"
    )
    assert ids(rows) == list(expected.values_list("id", flat=True))


def test_editors_may_set_review_status(kb, api_client):
    from tests.admin.helpers import editors_group

    user_model = get_user_model()
    staff = user_model.objects.create_user("editor", is_staff=True)
    staff.groups.add(editors_group())
    statement = Statement.objects.first()
    api_client.force_authenticate(staff)
    response = api_client.patch(f"{URL}{statement.pk}/", {"review_status": "accepted"})
    assert response.status_code == 200, response.content
    assert response.json()["review_status"] == "accepted"
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.ACCEPTED
    assert statement.reviewed_by == staff
    assert statement.reviewed_at is not None
    assert api_client.patch(f"{URL}{statement.pk}/", {"review_status": "auto"}).status_code == 400
    assert api_client.put(f"{URL}{statement.pk}/", {"review_status": "edited"}).status_code == 405
    assert api_client.delete(f"{URL}{statement.pk}/").status_code == 405
    assert api_client.post(URL, {"content": "x"}).status_code == 405


def test_non_staff_users_may_not_review(kb, api_client):
    user = get_user_model().objects.create_user("reader")
    statement = Statement.objects.first()
    api_client.force_authenticate(user)
    response = api_client.patch(f"{URL}{statement.pk}/", {"review_status": "accepted"})
    assert response.status_code == 403
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.AUTO


def test_explicit_ordering_wins_over_search_rank(kb, api_client):
    rows = fetch_all(api_client, URL, {"q": "Turkey", "ordering": "id", "page_size": 4})
    assert ids(rows) == sorted(ids(rows))
    assert ids(rows)
    rows = fetch_all(api_client, URL, {"q": "Turkey", "ordering": "-id"})
    assert ids(rows) == sorted(ids(rows), reverse=True)


def test_unknown_ordering_falls_back_to_newest_first(kb, api_client):
    rows = fetch_all(api_client, URL, {"ordering": "content,-nonsense"})
    assert ids(rows) == sorted(ids(rows), reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"document": "99999999999999999999999"},
        {"event": "-1"},
        {"speaker": "99999999999999999999999"},
        {"organisation": "99999999999999999999999"},
    ],
)
def test_out_of_range_ids_are_not_server_errors(kb, api_client, params):
    for url in (URL, "/api/export/statements.csv", "/api/events/", "/api/memberships/"):
        response = api_client.get(url, params)
        assert response.status_code in (200, 400), (url, params, response.status_code)
