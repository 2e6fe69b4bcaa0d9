"""generate_corpus writes a consistent synthetic corpus (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from bench.synthetic import corpus_generate, corpus_rederive
from statements.models import (
    Document,
    Event,
    Membership,
    Organisation,
    Person,
    Quote,
    Statement,
    StatementTarget,
    SummaryCount,
)
from statements.naming import name_key
from statements.services.summaries import summaries_check

pytestmark = pytest.mark.django_db


def test_command_creates_exactly_n_statements_with_valid_relations():
    out = StringIO()
    call_command("generate_corpus", statements=300, seed=7, clear=True, stdout=out)

    assert "300 statements" in out.getvalue()
    assert Statement.objects.count() == 300
    assert Document.objects.count() >= 300 // 15
    assert Person.objects.exists() and Organisation.objects.exists()
    assert Membership.objects.exists() and Event.objects.exists()
    assert StatementTarget.objects.exists()

    for statement in Statement.objects.select_related("document", "event", "membership"):
        text = statement.document.text
        # Offsets point into the stored text, as for ingested statements.
        assert text[statement.content_start : statement.content_end] == statement.content
        assert text[statement.speaker_start : statement.speaker_end] == statement.speaker_text
        assert text[statement.cue_start : statement.cue_end] == statement.cue
        assert not (statement.speaker_person_id and statement.speaker_organisation_id)
        if statement.event_id:
            assert statement.event.document_id == statement.document_id
            assert statement.date == statement.event.date
        else:
            assert statement.date == statement.document.published_at
        if statement.membership_id:
            assert statement.membership.person_id == statement.speaker_person_id
            assert statement.speaker_role == statement.membership.role
    for event in Event.objects.select_related("document"):
        assert event.document.text[event.start : event.end] == event.name
    for person in Person.objects.all():
        assert person.name_key == name_key(person.name)
        assert person.slug
    for target in StatementTarget.objects.all():
        assert (target.person_id is None) != (target.organisation_id is None)
    # Written past the services, the corpus still has exact summaries.
    assert SummaryCount.objects.exists() and summaries_check().ok


def test_speakers_follow_a_skewed_distribution():
    corpus_generate(statements=2000, seed=1, clear=True)

    counts = sorted(
        Person.objects.annotate(n=Count("statements")).values_list("n", flat=True), reverse=True
    )
    # Zipf: the most quoted person says far more than the median one.
    assert counts[0] >= 10 * max(counts[len(counts) // 2], 1)
    assert len(set(Statement.objects.values_list("statement_type", flat=True))) >= 5
    assert Statement.objects.filter(review_status="auto").count() > 1000


def test_growing_a_corpus_and_clearing_it():
    first = corpus_generate(statements=120, seed=3, clear=True)
    second = corpus_generate(statements=80, seed=3)

    assert first.statements == 120 and second.statements == 80
    assert Statement.objects.count() == 200
    # Same seed, no clear: new names are chosen, never a duplicate key or slug.
    assert Person.objects.values("slug").distinct().count() == Person.objects.count()

    corpus_generate(statements=10, seed=3, clear=True)
    assert Statement.objects.count() == 10
    # Primary keys keep working for ordinary saves after explicit ids were written.
    person = Person.objects.create(name="Zz Saved Normally")
    assert Person.objects.filter(pk=person.pk).exists()


def test_a_copied_corpus_is_brought_up_to_what_the_code_derives():
    generated = corpus_generate(statements=400, seed=4, clear=True)
    repeated = Quote.objects.filter(document_count__gte=2).order_by("pk").first()
    expected = Quote.objects.values().get(pk=repeated.pk)
    # What an older version of the code might have left: stale quote fields, and a
    # summary row missing.
    Quote.objects.filter(pk=repeated.pk).update(text="stale", outlet_count=0, document_count=0)
    SummaryCount.objects.filter(pk=SummaryCount.objects.order_by("pk").first().pk).delete()
    assert not summaries_check().ok

    report = corpus_rederive(copied_from="kb_template", started=0.0)

    assert summaries_check().ok
    refreshed = Quote.objects.values().get(pk=repeated.pk)
    assert {k: v for k, v in refreshed.items() if k != "updated_at"} == {
        k: v for k, v in expected.items() if k != "updated_at"
    }
    assert (report.statements, report.documents, report.people) == (
        generated.statements,
        generated.documents,
        generated.people,
    )
    assert report.summaries_rebuilt
    assert "copied from database kb_template" in str(report)
    assert "summaries rebuilt" in str(report)
