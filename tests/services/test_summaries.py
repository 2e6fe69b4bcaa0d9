"""The summaries stay exact through every kind of change, and the rebuild reproduces them.

Each step below changes statements the way kb does (ingest, forced re-extraction of an
edited file, review through the service, the API and the admin, an edit that changes the
speaker, type and targets, person and organisation merges, re-linking, deletes in the
admin, a backup restored into an empty database). After each one, every summary row is
compared with a fresh recount (grouped queries over the public statements, a path
independent of the differences the services write), and the person pages' totals with
plain counts of the statements.
"""

from __future__ import annotations

import importlib
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test import Client

from statements import models, selectors
from statements.readers import sources_read
from statements.services.ingest import documents_ingest
from statements.services.merge import organisation_merge, person_merge
from statements.services.reextract import documents_reextract
from statements.services.relink import statements_relink
from statements.services.review import statements_review
from statements.services.summaries import (
    summaries_check,
    summaries_members_build,
    summaries_rebuild,
    summaries_stored,
)
from tests.admin.helpers import statement_form_data
from tests.factories import OrganisationFactory
from tests.hardening.test_backup import _empty_the_database

CORPUS = {
    "01-surname-first.txt": "Obama said on Tuesday that the new budget was a good start.",
    "02-full-names.txt": (
        "President Barack Obama said on Monday that the economy was recovering. "
        "Obama added that more jobs were coming. "
        "Michelle Obama said she would visit schools in Ohio next week."
    ),
    "03-clintons.txt": (
        "Hillary Clinton said the plan would lower costs for families. "
        "Bill Clinton criticised Barack Obama over the plan. "
        "Hillary Clinton demanded that the United Nations act on the crisis."
    ),
    "04-un.txt": "The United Nations said that food aid to the region was late.",
    "05-un-short.txt": "The UN said the talks would resume in Geneva next month.",
    "06-un-envoy.txt": (
        "Kofi Annan, the Secretary-General of the United Nations, said the ceasefire would hold."
    ),
}


def assert_exact(step: str) -> None:
    check = summaries_check()
    assert check.ok, f"after {step}: {check.differences[:10]}"
    for organisation in models.Organisation.objects.all():
        members = models.Membership.objects.filter(organisation=organisation).values("person")
        public = models.Statement.objects.public().filter(
            Q(speaker_organisation=organisation) | Q(speaker_person__in=members)
        )
        summary = selectors.statement_summary(("m", organisation.pk))
        assert summary.statement_count == public.count(), (step, organisation.name)
    for person in models.Person.objects.all():
        public = models.Statement.objects.public().filter(speaker_person=person)
        summary = selectors.statement_summary(("p", person.pk))
        assert summary.statement_count == public.count(), (step, person.name)
        assert summary.type_counts == {
            t: public.filter(statement_type=t).count()
            for t in set(public.values_list("statement_type", flat=True))
        }, (step, person.name)
        about = models.Statement.objects.public().filter(targets__person=person).distinct()
        newest = about.order_by(*selectors.NEWEST_FIRST)[: selectors.ABOUT_SHOWN]
        assert [row["id"] for row in selectors.actor_about_rows("p", person.pk)] == [
            s.pk for s in newest
        ], (step, person.name)


def _ingest(paths, nlp, *, force: bool = False) -> None:
    report = documents_ingest(sources_read([str(p) for p in paths]), nlp=nlp, force=force)
    assert not report.failures, report.failures


def test_summaries_stay_exact_through_every_change(tmp_path, nlp_pipeline, editor_client):
    files = {}
    for name, text in CORPUS.items():
        files[name] = tmp_path / name
        files[name].write_text(text, encoding="utf-8")

    # Ingest: "Obama" alone first (no record to link to yet), then the rest.
    _ingest([files["01-surname-first.txt"]], nlp_pipeline)
    _ingest([files[name] for name in list(CORPUS)[1:]], nlp_pipeline)
    assert models.Statement.objects.count() >= 6
    assert models.SummaryCount.objects.exists() and models.SummaryLink.objects.exists()
    assert_exact("ingest")

    # Re-link: the bare "Obama" now has a full-name record to go to.
    report = statements_relink()
    assert report.linked + report.moved >= 1
    assert_exact("re-link")

    # Force re-extraction of an edited file (a statement gone, another added) and of a
    # stored document as it is.
    files["02-full-names.txt"].write_text(
        "President Barack Obama said on Monday that the economy was recovering. "
        "Michelle Obama said she would visit schools in Ohio next week. "
        "Barack Obama said the talks with Congress had failed.",
        encoding="utf-8",
    )
    _ingest([files["02-full-names.txt"]], nlp_pipeline, force=True)
    assert_exact("forced re-extraction of an edited file")
    documents_reextract(documents=models.Document.objects.all(), nlp=nlp_pipeline)
    assert_exact("re-extraction")

    statements = list(models.Statement.objects.order_by("pk"))
    # Review through the service: accept one, reject another.
    statements_review(statements=[statements[0]], status="accepted", user=None)
    statements_review(statements=[statements[1]], status="rejected", user=None)
    assert_exact("review accept and reject")

    # Review through the API (PATCH) and through the admin's bulk action.
    response = editor_client.patch(
        f"/api/statements/{statements[2].pk}/",
        data=json.dumps({"review_status": "rejected"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    response = editor_client.post(
        "/admin/statements/statement/",
        {"action": "accept_selected", "_selected_action": [statements[1].pk]},
    )
    assert response.status_code == 302
    assert_exact("review via the API and the admin")

    # An admin edit: another type, another speaker (an organisation), a target added.
    spokesman = OrganisationFactory(name="Office of the Spokesman")
    edited = statements[3]
    united_nations = models.Organisation.objects.get(name="United Nations")
    data = statement_form_data(
        edited,
        statement_type="demand",
        speaker_person="",
        speaker_organisation=spokesman.pk,
        membership="",
    )
    extra = int(data["targets-TOTAL_FORMS"])
    data["targets-TOTAL_FORMS"] = str(extra + 1)
    data[f"targets-{extra}-statement"] = edited.pk
    data[f"targets-{extra}-organisation"] = united_nations.pk
    response = editor_client.post(f"/admin/statements/statement/{edited.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    edited.refresh_from_db()
    assert edited.speaker_organisation == spokesman and edited.review_status == "edited"
    assert_exact("admin edit of type, speaker and targets")

    # Memberships change who an organisation's members' summary counts: one added (a
    # person with statements), one moved to another person, one deleted, in the admin and
    # through the models.
    hillary = models.Person.objects.get(name="Hillary Clinton")
    envoy = models.Membership.objects.create(
        person=hillary, organisation=united_nations, role="Envoy"
    )
    assert_exact("membership added")
    envoy.person = models.Person.objects.get(name="Bill Clinton")
    envoy.save()
    assert_exact("membership moved to another person")
    models.Membership.objects.create(person=hillary, organisation=spokesman, role="Adviser")
    models.Membership.objects.create(
        person=models.Person.objects.get(name="Michelle Obama"),
        organisation=spokesman,
        role="Adviser",
    )
    envoy.delete()
    assert_exact("membership deleted")
    response = editor_client.post(
        "/admin/statements/membership/add/",
        {
            "person": hillary.pk,
            "organisation": united_nations.pk,
            "role": "Goodwill envoy",
            "status": "current",
            "start_date": "",
            "end_date": "",
            "source_text": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert_exact("membership added in the admin")

    # Merges: a duplicate person, and the spokesman's office into the United Nations.
    barack = models.Person.objects.get(name="Barack Obama")
    duplicate = models.Person.objects.get(name="Michelle Obama")
    person_merge(survivor=barack, loser=duplicate)
    assert_exact("person merge")
    organisation_merge(survivor=united_nations, loser=spokesman)
    assert_exact("organisation merge")

    # Deletes in the admin (an administrator's right): a statement, a document, a person.
    admin_client = Client()
    admin_client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    victim = models.Statement.objects.public().order_by("-pk").first()
    response = admin_client.post(
        f"/admin/statements/statement/{victim.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert_exact("admin delete of a statement")
    document = models.Document.objects.get(source_path=str(files["04-un.txt"]))
    response = admin_client.post(
        f"/admin/statements/document/{document.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert_exact("admin delete of a document")
    response = admin_client.post(f"/admin/statements/person/{hillary.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not models.Person.objects.filter(pk=hillary.pk).exists()
    assert_exact("admin delete of a person")

    # The rebuild reproduces exactly what the services kept.
    kept = summaries_stored()
    call_command("rebuild_summaries", stdout=io.StringIO())
    assert summaries_stored() == kept
    call_command("rebuild_summaries", "--check", stdout=io.StringIO())
    # So does the migration's way of writing members' summaries from the other rows.
    assert models.SummaryMember.objects.exists()
    summaries_members_build()
    assert summaries_stored() == kept
    call_command("rebuild_summaries", "--check", stdout=io.StringIO())
    # And the migration's SQL that lists the statements of an existing knowledge base.
    models.SummaryStatement.objects.all().delete()
    listing = importlib.import_module("statements.migrations.0016_summary_statements")
    listing.summary_statements_fill(None, connection.schema_editor())
    assert summaries_stored() == kept

    # A backup restored into an empty database has the same summaries.
    backup = tmp_path / "kb.jsonl"
    call_command("export", str(backup), stderr=io.StringIO())
    _empty_the_database()
    models.SummaryCount.objects.all().delete()
    models.SummaryDay.objects.all().delete()
    models.SummaryLink.objects.all().delete()
    call_command("import", str(backup), stdout=io.StringIO())
    assert summaries_stored() == kept
    assert_exact("backup import")


def test_check_reports_a_change_made_outside_the_services(db, nlp_pipeline, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(CORPUS["03-clintons.txt"], encoding="utf-8")
    _ingest([path], nlp_pipeline)
    assert summaries_check().ok
    models.Statement.objects.update(review_status="rejected")  # behind the services' back
    check = summaries_check()
    assert not check.ok and check.differences
    with pytest.raises(Exception, match="differ from a recount"):
        call_command("rebuild_summaries", "--check", stdout=io.StringIO())
    summaries_rebuild()
    assert summaries_check().ok
    assert not models.SummaryCount.objects.exists()  # nothing public is left to count
