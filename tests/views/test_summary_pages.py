"""Person and organisation pages read the summaries: exact at once, no cache to warm."""

from __future__ import annotations

import pytest

from statements.models import Membership, Statement, StatementTarget
from statements.services.review import statements_review
from statements.services.summaries import summaries_rebuild
from tests.factories import OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_person_and_organisation_pages_follow_a_review_at_once(client, make_rows):
    rows = make_rows(6)
    speaker, organisation = rows["speaker"], rows["organisation"]
    person_page = client.get(speaker.get_absolute_url())
    organisation_page = client.get(organisation.get_absolute_url())
    assert person_page.context["statement_count"] == 6
    assert organisation_page.context["statement_count"] == 6  # by its member, the speaker
    assert sum(n for _, _, n in person_page.context["type_rows"]) == 6

    rejected = Statement.objects.filter(speaker_person=speaker).order_by("pk")[:2]
    statements_review(statements=rejected, status="rejected", user=None)

    person_page = client.get(speaker.get_absolute_url())
    assert person_page.context["statement_count"] == 4
    assert person_page.context["page"].paginator.count == 4
    charted = sum(sum(b.counts.values()) for b in person_page.context["timeline_buckets"])
    assert charted == 4
    assert client.get(organisation.get_absolute_url()).context["statement_count"] == 4


def test_statement_list_rows_link_speaker_targets_event_and_document(client, make_rows):
    statement = make_rows(1)["statements"][0]
    html = client.get("/statements/").content.decode()
    for url in (
        statement.get_absolute_url(),
        statement.speaker_person.get_absolute_url(),
        statement.event.get_absolute_url(),
        f"{statement.document.get_absolute_url()}#s-{statement.pk}",
        *(t.person.get_absolute_url() for t in statement.targets.filter(person__isnull=False)),
    ):
        assert f'href="{url}' in html, url


def test_talk_lists_rank_actors_by_statements_and_count_every_speaker(client):
    """The talk lists read the top links from an index: the order, the counts and the
    total of who talks about an actor are those of the statements, and an organisation's
    members' summary is not one of its speakers."""
    speaker, often, seldom, critic = (
        PersonFactory(name=name) for name in ("Ada Speaker", "Bo Often", "Cy Seldom", "Di Critic")
    )
    ministry = OrganisationFactory(name="Ministry of Talk")
    Membership.objects.create(person=critic, organisation=ministry, role="Minister")
    for target, times in ((often, 3), (seldom, 1)):
        for _ in range(times):
            statement = StatementFactory(speaker_person=speaker, content_start=0)
            StatementTarget.objects.create(statement=statement, person=target)
    for author, times in ((critic, 2), (ministry, 1)):
        for _ in range(times):
            speakers = (
                {"speaker_person": author}
                if author is critic
                else {
                    "speaker_person": None,
                    "speaker_organisation": author,
                    "speaker_text": author.name,
                }
            )
            statement = StatementFactory(**speakers, content_start=0)
            StatementTarget.objects.create(statement=statement, person=speaker)
    summaries_rebuild()

    page = client.get(speaker.get_absolute_url()).context
    assert [(row.node.name, row.count) for row in page["targets"]] == [
        ("Bo Often", 3),
        ("Cy Seldom", 1),
    ]
    assert [(row.node.name, row.count) for row in page["speakers"]] == [
        ("Di Critic", 2),
        ("Ministry of Talk", 1),
    ]
    ministry_page = client.get(ministry.get_absolute_url()).context
    assert [(row.node.name, row.count) for row in ministry_page["targets"]] == [("Ada Speaker", 3)]
