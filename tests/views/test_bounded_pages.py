"""The bounds that keep big pages fast: search facets and counts over a bounded sample,
the newest events only on actor pages, summaries cached for a minute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from statements import charts, selectors
from statements.models import Event, EventParticipant, Statement
from tests.factories import OrganisationFactory


@pytest.mark.parametrize("sample", [3, 1000])
def test_search_facets_count_a_bounded_sample(make_rows, sample):
    rows = make_rows(12)
    statements = selectors.statement_public_qs()
    facets = charts.statement_facets(statements, sample=sample)
    expected = min(sample, 12)
    assert facets["truncated"] is (sample < 12)
    assert facets["sample"] == expected
    assert sum(f.count for f in facets["types"]) == expected
    assert sum(f.count for f in facets["years"]) == expected
    assert facets["speakers"][0].params == {"speaker": rows["speaker"].slug}
    assert facets["speakers"][0].count == expected
    # Every statement's speaker is a member of the ministry: it counts them all.
    ministry = next(f for f in facets["organisations"] if f.label == "Speaking Ministry")
    assert ministry.count == expected


def test_search_facets_over_every_match_are_exact(make_rows):
    rows = make_rows(12)
    facets = charts.statement_facets(selectors.statement_public_qs())
    by_type: dict[str, int] = {}
    for statement in rows["statements"]:
        by_type[statement.statement_type] = by_type.get(statement.statement_type, 0) + 1
    assert {f.params["type"]: f.count for f in facets["types"]} == by_type


def test_search_pages_beyond_the_sample_say_more_than(client, make_rows, monkeypatch):
    rows = make_rows(5)
    monkeypatch.setattr(charts, "FACET_SAMPLE", 3)
    response = client.get(reverse("statements:search"))
    assert response.status_code == 200
    assert response.context["facets"]["truncated"]
    assert response.context["page"].paginator.count == 3
    html = response.content.decode()
    assert "Facets count 3 of the matches." in html
    assert "more than 3" in html
    newest = sorted(rows["statements"], key=lambda s: (s.date, s.pk), reverse=True)
    shown = [s["id"] for s in response.context["page"].object_list]
    assert shown == [s.pk for s in newest[:3]]


def test_search_page_lists_every_match_under_the_sample(client, make_rows):
    rows = make_rows(30)
    response = client.get(reverse("statements:search"), {"page": 2})
    assert response.context["page"].paginator.count == Statement.objects.count() == 30
    assert [s["id"] for s in response.context["page"].object_list] == [
        s.pk for s in sorted(rows["statements"], key=lambda s: (s.date, s.pk), reverse=True)
    ][20:30]
    assert "Facets count" not in response.content.decode()


def test_person_page_lists_the_newest_events(client, make_rows):
    rows = make_rows(selectors.EVENTS_SHOWN + 2)
    response = client.get(rows["speaker"].get_absolute_url())
    events = response.context["events"]
    assert len(events) == selectors.EVENTS_SHOWN and response.context["more_events"]
    assert events[0]["date"] == max(s.date for s in rows["statements"])
    assert f"The newest {selectors.EVENTS_SHOWN} events." in response.content.decode()


def test_statement_list_count_is_exact_on_a_small_table(client, make_rows):
    make_rows(3)
    response = client.get(reverse("statements:statement-list"))
    assert response.context["page"].paginator.count == 3
    assert not response.context["page"].paginator.estimated
    assert "About" not in response.content.decode().split('class="lead"')[1][:20]


def test_home_summary_is_cached_for_a_minute(client, make_rows):
    make_rows(1)
    client.get(reverse("statements:home"))
    assert cache.get("kb:html:site-counts").statements == 1
    assert selectors.SUMMARY_CACHE_SECONDS == 60


def test_actor_pages_list_events_spoken_at_and_taken_part_in_newest_first(client, make_rows):
    rows = make_rows(2)
    speaker = rows["speaker"]
    organisation = OrganisationFactory()
    document = rows["statements"][0].document
    took_part = Event.objects.create(
        name="summit", classification="summit", document=document, date=dt.date(2030, 1, 1)
    )
    EventParticipant.objects.create(event=took_part, person=speaker)
    EventParticipant.objects.create(event=took_part, organisation=organisation)
    spoke_at = [s.event for s in sorted(rows["statements"], key=lambda s: s.date, reverse=True)]

    person_events = client.get(speaker.get_absolute_url()).context["events"]
    organisation_events = client.get(organisation.get_absolute_url()).context["events"]

    assert [event["id"] for event in person_events] == [e.pk for e in [took_part, *spoke_at]]
    assert [event["id"] for event in organisation_events] == [took_part.pk]


@pytest.mark.parametrize("statement_count", [0, selectors.ABOUT_NEWEST_WALK_FROM])
def test_newest_events_are_the_same_however_they_are_found(make_rows, statement_count):
    rows = make_rows(selectors.EVENTS_SHOWN + 2)
    speaker = rows["speaker"]
    newest = sorted((s.event for s in rows["statements"]), key=lambda e: e.date, reverse=True)
    events = selectors.person_events(speaker.pk, statement_count=statement_count)
    assert [event["id"] for event in events] == [e.pk for e in newest[: selectors.EVENTS_SHOWN + 1]]


def test_search_page_lists_undated_matches_last(client, make_rows):
    rows = make_rows(4)
    undated = rows["statements"][-1]
    Statement.objects.filter(pk=undated.pk).update(date=None)
    response = client.get(reverse("statements:search"))
    shown = [s["id"] for s in response.context["page"].object_list]
    dated = sorted(rows["statements"][:-1], key=lambda s: (s.date, s.pk), reverse=True)
    assert shown == [s.pk for s in dated] + [undated.pk]
