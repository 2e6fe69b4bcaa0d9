"""Re-extraction keeps statement identity: ids survive ``ingest --force``, removed statements
answer 410 with a link to their document, and a rejected statement suppresses only its own
span, never a different statement that overlaps it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from statements import models

BRIDGE = '"We will rebuild the northern bridge before winter," Mayor Tomas Berg said on Monday.'
BUDGET = (
    '"The budget is not enough for the new hospital," Health Minister Lena Ortiz told '
    "reporters in Oslo."
)
FARMERS = (
    '"Our farmers need rain more than promises," said Karl Mayer, the head of the farmers union.'
)
BORROW = "Berg later said that the city would borrow money for the bridge."
HUMAN_FIELDS = ("content", "speaker_text", "speaker_person_id", "statement_type", "review_status")


def write_b(folder: Path, *paragraphs: str) -> None:
    (folder / "b.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")


def fields(statement: models.Statement) -> dict:
    return {
        f.attname: getattr(statement, f.attname)
        for f in models.Statement._meta.concrete_fields
        if f.attname != "updated_at"
    }


@pytest.fixture
def two_documents(db, tmp_path, seed_text):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(seed_text, encoding="utf-8")
    write_b(folder, BRIDGE, BUDGET, FARMERS, BORROW)
    call_command("ingest", str(folder), stdout=_null(), stderr=_null())
    a = models.Document.objects.get(source_path=str(folder / "a.txt"))
    b = models.Document.objects.get(source_path=str(folder / "b.txt"))
    assert a.statements.count() >= 3 and b.statements.count() == 4, "the engine finds them"
    return folder, a, b


def _null() -> io.StringIO:
    return io.StringIO()


def test_force_keeps_ids_removes_with_410_and_leaves_reviews_alone(client, two_documents):
    folder, a, b = two_documents
    a_statements = list(a.statements.order_by("content_start"))
    accepted, correct = a_statements[0], a_statements[1]
    accepted.review_status = models.ReviewStatus.ACCEPTED
    accepted.save()
    # A spurious extraction overlapping a correct statement, rejected by an editor.
    spurious = models.Statement.objects.create(
        document=a,
        content=a.text[correct.content_start : correct.content_end - 3],
        content_start=correct.content_start,
        content_end=correct.content_end - 3,
        kind=models.StatementKind.INDIRECT,
        review_status=models.ReviewStatus.REJECTED,
        original_extraction={
            "content_start": correct.content_start,
            "content_end": correct.content_end - 3,
        },
    )
    by_content = {s.content: s.pk for s in b.statements.all()}
    mayer = b.statements.get(speaker_text="Karl Mayer")
    mayer.review_status = models.ReviewStatus.EDITED
    mayer.statement_type = models.StatementType.APPEAL
    mayer.save()
    reviewed_a = {s.pk: fields(s) for s in (accepted, spurious)}
    machine_a = set(a.statements.filter(review_status="auto").values_list("pk", flat=True))
    budget_id = by_content["The budget is not enough for the new hospital,"]

    # The file of B is edited: a new lead paragraph, the budget quote removed.
    lead = '"Spring came early this year," the weather service said.'
    write_b(folder, lead, BRIDGE, FARMERS, BORROW)
    call_command("ingest", str(folder), "--force", stdout=_null(), stderr=_null())

    # A: same text, every machine statement keeps its id; reviews untouched; the correct
    # statement overlapping the rejected one is still there.
    assert machine_a <= set(a.statements.values_list("pk", flat=True))
    assert models.Statement.objects.filter(pk=correct.pk).exists()
    for pk, before in reviewed_a.items():
        assert fields(models.Statement.objects.get(pk=pk)) == before

    # B: the same document, its new text; unchanged statements keep their ids.
    b.refresh_from_db()
    assert b.text.startswith(lead)
    assert models.Document.objects.count() == 2
    now = {s.content: s.pk for s in b.statements.all()}
    for content, pk in by_content.items():
        if content != "The budget is not enough for the new hospital,":
            assert now[content] == pk, content
    mayer_after = models.Statement.objects.get(pk=mayer.pk)
    assert {k: getattr(mayer_after, k) for k in HUMAN_FIELDS} == {
        k: getattr(mayer, k) for k in HUMAN_FIELDS
    }
    assert b.text[mayer_after.content_start : mayer_after.content_end] == mayer.content
    assert b.statements.filter(content=mayer.content).count() == 1

    # The removed statement answers 410 and points to its document, on the site and the API.
    assert not models.Statement.objects.filter(pk=budget_id).exists()
    page = client.get(f"/statements/{budget_id}/")
    assert page.status_code == 410
    assert f'href="{b.get_absolute_url()}"' in page.content.decode()
    api = client.get(f"/api/statements/{budget_id}/")
    assert api.status_code == 410
    assert api.json()["document"].endswith(f"/api/documents/{b.pk}/")
    assert client.get("/statements/999999/").status_code == 404
    assert client.get("/api/statements/999999/").status_code == 404


def test_second_force_run_changes_no_id(two_documents):
    folder, _a, _b = two_documents
    ids = set(models.Statement.objects.values_list("pk", flat=True))
    call_command("ingest", str(folder), "--force", stdout=_null(), stderr=_null())
    assert set(models.Statement.objects.values_list("pk", flat=True)) == ids
    assert not models.RemovedStatement.objects.exists()
