"""Actor identity across documents: which records exist and which statements each holds.

The corpus is written for these tests. It is ingested through the ``ingest`` command (the
engine, the resolver and the end-of-run re-link), once per database backend the suite runs
on (SQLite by default, PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from statements import models

CORPUS = {
    # Ingested first: "Obama" alone, before any article names him in full.
    "01-surname-first.txt": "Obama said on Tuesday that the new budget was a good start.",
    "02-full-names.txt": (
        "President Barack Obama said on Monday that the economy was recovering. "
        "Obama added that more jobs were coming. "
        "Michelle Obama said she would visit schools in Ohio next week."
    ),
    "03-title.txt": "President Obama warned that the deadline for a deal was close.",
    "04-clintons.txt": (
        "Hillary Clinton said the plan would lower costs for families. "
        "Bill Clinton said he agreed with the plan."
    ),
    "05-mrs.txt": "Mrs. Clinton said the vote in Florida mattered more than any poll.",
    "06-former.txt": (
        "Bill Clinton, the former president, spoke in Little Rock on Friday. "
        "The former president said the country needed more teachers."
    ),
    "07-un-full.txt": "The United Nations said that food aid to the region was late.",
    "08-un-short.txt": "The UN said the talks would resume in Geneva next month.",
}


@pytest.fixture
def corpus(db, tmp_path, nlp_pipeline):
    for name, text in CORPUS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("ingest", str(tmp_path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def statements_of(actor) -> set[str]:
    return {statement.content for statement in actor.statements.all()}


def test_one_record_per_real_actor(corpus):
    people = set(models.Person.objects.values_list("name", flat=True))
    assert people == {"Barack Obama", "Michelle Obama", "Hillary Clinton", "Bill Clinton"}
    # Ohio, Little Rock and Geneva are places, not organisations; UN is the United Nations.
    assert list(models.Organisation.objects.values_list("name", flat=True)) == ["United Nations"]


def test_each_record_holds_exactly_its_statements(corpus):
    barack = models.Person.objects.get(name="Barack Obama")
    assert statements_of(barack) == {
        "the new budget was a good start",
        "the economy was recovering",
        "more jobs were coming",
        "the deadline for a deal was close",
    }
    assert statements_of(models.Person.objects.get(name="Michelle Obama")) == {
        "she would visit schools in Ohio next week"
    }
    assert statements_of(models.Person.objects.get(name="Hillary Clinton")) == {
        "the plan would lower costs for families",
        "the vote in Florida mattered more than any poll",
    }
    assert statements_of(models.Person.objects.get(name="Bill Clinton")) == {
        "he agreed with the plan",
        "the country needed more teachers",
    }
    assert statements_of(models.Organisation.objects.get(name="United Nations")) == {
        "food aid to the region was late",
        "the talks would resume in Geneva next month",
    }


def test_links_carry_their_confidence(corpus):
    full = models.Statement.objects.get(content="the economy was recovering")
    assert full.speaker_link_confidence == 1.0
    # "President Obama": a surname and a title, resolved against the stored records
    titled = models.Statement.objects.get(content="the deadline for a deal was close")
    assert 0.6 <= titled.speaker_link_confidence < 1.0
    assert "speakers re-linked" in corpus


def test_relink_leaves_reviewed_statements_alone(corpus):
    from statements.services.relink import statements_relink

    reviewed = models.Statement.objects.get(
        content="the vote in Florida mattered more than any poll"
    )
    reviewed.speaker_person = None  # an editor decided: no record for this speaker
    reviewed.review_status = models.ReviewStatus.EDITED
    reviewed.save()
    machine = models.Statement.objects.get(content="the new budget was a good start")
    machine.speaker_person = None
    machine.save()
    report = statements_relink()
    reviewed.refresh_from_db()
    machine.refresh_from_db()
    assert reviewed.speaker_person is None
    assert machine.speaker_person.name == "Barack Obama"
    assert (report.linked, report.moved, report.unlinked) == (1, 0, 0)
    assert report.moves == [(machine.pk, "", "Barack Obama")]
