"""Every admin page of the app renders, for a superuser and for an editor."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from statements.models import (
    Event,
    EventParticipant,
    IngestRun,
    IngestRunItem,
    Membership,
    Mention,
    OtherName,
)
from statements.services.quotes import statements_quote
from tests.factories import OrganisationFactory, PersonFactory, StatementFactory

pytestmark = pytest.mark.django_db

MODELS = [m for m in admin.site._registry if m._meta.app_label == "statements"]
# Pages for whoever runs ingestion, not for editors (who get no permission on them).
OPERATORS_ONLY = {IngestRun}


@pytest.fixture
def one_of_each():
    statement = StatementFactory(kind="direct")
    statements_quote(statement_ids=[statement.pk])  # and the quote it reports
    person, organisation = statement.speaker_person, OrganisationFactory()
    statement.targets.create(organisation=organisation)
    Membership.objects.create(person=person, organisation=organisation, role="minister")
    OtherName.objects.create(person=person, name="The Minister")
    person.identifiers.create(scheme="wikidata", identifier="Q1")
    event = Event.objects.create(name="press conference", document=statement.document)
    EventParticipant.objects.create(event=event, person=PersonFactory())
    Mention.objects.create(document=statement.document, start=0, end=7, text="Article", label="ORG")
    run = IngestRun.objects.create(inputs=["news/"])
    IngestRunItem.objects.create(run=run, path="news/a.txt", state="failed", reason="empty")
    IngestRunItem.objects.create(run=run, path="news/b.txt", queued=True)
    return statement


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("who", ["admin_client", "editor_client"])
def test_admin_pages_render(request, who, model, one_of_each):
    client = request.getfixturevalue(who)
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    if who == "editor_client" and model in OPERATORS_ONLY:
        assert client.get(reverse(f"{info}_changelist")).status_code == 403
        return
    assert client.get(reverse(f"{info}_changelist")).status_code == 200
    obj = model._default_manager.first()
    assert obj is not None
    assert client.get(reverse(f"{info}_change", args=[obj.pk])).status_code == 200
    add = client.get(reverse(f"{info}_add")).status_code
    assert add in (200, 403)


@pytest.mark.parametrize(
    "model_name", ["statement", "person", "organisation", "document", "ingestrun"]
)
def test_changelists_take_a_fixed_number_of_queries(
    admin_client, model_name, django_assert_max_num_queries
):
    for _ in range(12):
        statement = StatementFactory()
        statement.targets.create(organisation=OrganisationFactory())
        run = IngestRun.objects.create(inputs=["news/"])
        IngestRunItem.objects.create(run=run, path="news/a.txt", queued=True)
    with django_assert_max_num_queries(20):
        response = admin_client.get(reverse(f"admin:statements_{model_name}_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 12


def test_the_ingest_run_list_counts_each_runs_items(admin_client):
    run = IngestRun.objects.create(inputs=["news/"])
    for path, state, queued in [
        ("a.txt", "failed", False),
        ("b.txt", "pending", True),
        ("c.txt", "created", True),
        ("d.txt", "created", True),
        ("e.txt", "unchanged", False),
    ]:
        IngestRunItem.objects.create(run=run, path=path, state=state, queued=queued)

    response = admin_client.get(reverse("admin:statements_ingestrun_changelist"), {"o": "6"})

    assert response.status_code == 200
    result_list = response.context["cl"].result_list
    assert [
        (r.input_total, r.queued_total, r.pending_total, r.created_total, r.unchanged_total)
        for r in result_list
    ] == [(5, 3, 1, 2, 1)]
    assert result_list[0].failed_total == 1
    page = response.content.decode()
    for label in ("inputs", "queued", "pending", "created", "unchanged", "failed"):
        assert f">{label.capitalize()}</a>" in page  # a sortable column header


def test_the_merged_and_attribution_filters_narrow_the_lists(admin_client):
    from statements.models import Person, Quote

    live, gone = PersonFactory(name="Live Person"), PersonFactory(name="Gone Person")
    Person.objects.filter(pk=gone.pk).update(merged_into=live)
    changelist = reverse("admin:statements_person_changelist")

    def people(**query: str) -> set[str]:
        return {p.name for p in admin_client.get(changelist, query).context["cl"].result_list}

    assert people(merged="live") == {"Live Person"}
    assert people(merged="merged") == {"Gone Person"}
    assert people() == {"Live Person", "Gone Person"}

    agreed = Quote.objects.create(text="we agree", conflicting=False)
    disputed = Quote.objects.create(text="who said it", conflicting=True)
    changelist = reverse("admin:statements_quote_changelist")

    def quotes(**query: str) -> set[int]:
        return {q.pk for q in admin_client.get(changelist, query).context["cl"].result_list}

    assert quotes(attributions="conflicting") == {disputed.pk}
    assert quotes(attributions="agreeing") == {agreed.pk}
