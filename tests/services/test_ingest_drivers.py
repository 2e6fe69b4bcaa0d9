"""Plan, store, drivers: the same write whichever driver runs it, inputs and results as JSON.

A task-queue driver carries a ``PlannedDocument`` and an ``InputResult`` between processes
as JSON; these tests send them through ``json.dumps`` and check that what is stored is the
same as what the local driver stores.
"""

from __future__ import annotations

import json

from statements import models
from statements.nlp import extract
from statements.nlp.records import extraction_from_json, extraction_to_json
from statements.readers import SourceDocument
from statements.services.ingest import (
    IngestOutcome,
    InputResult,
    PlannedDocument,
    document_plan,
    document_store,
    documents_ingest,
    planned_extractions,
)


def through_json(value):
    return json.loads(json.dumps(value))


def test_extraction_survives_a_json_round_trip(nlp_pipeline, seed_text):
    extraction = extract(seed_text, nlp=nlp_pipeline)
    assert extraction.statements and extraction.entities and extraction.mentions
    assert extraction_from_json(through_json(extraction_to_json(extraction))) == extraction


def statement_rows() -> list[tuple]:
    return list(
        models.Statement.objects.order_by("content_start").values_list(
            "content_start", "content_end", "speaker_text", "cue", "content", "statement_type"
        )
    )


def test_task_queue_driver_stores_what_the_local_driver_stores(db, nlp_pipeline, seed_text):
    from statements.services.ingest_queue import run_items_ingest

    source = SourceDocument("seed.txt", seed_text)
    local = documents_ingest([source], nlp=nlp_pipeline)
    expected = statement_rows()
    models.Document.objects.all().delete()

    planned = document_plan(source)
    assert isinstance(planned, PlannedDocument)
    payload = through_json(planned.to_json())
    run = models.IngestRun.objects.create()
    item = models.IngestRunItem.objects.create(
        run=run, path=planned.path, sha256=planned.sha256, queued=True, payload=payload
    )
    entries = through_json([{"item_id": item.pk, "planned": payload}])
    outcomes = run_items_ingest(items=entries, force=False, nlp=nlp_pipeline, final_attempt=True)
    assert outcomes == [IngestOutcome.CREATED]
    item.refresh_from_db()
    assert item.counts["statements"] == local.statements_created
    assert statement_rows() == expected


def test_a_batch_is_parsed_together_and_only_the_culprit_fails(db, nlp_pipeline, seed_text):
    too_long = "x" * (nlp_pipeline.max_length + 1)  # the engine refuses it
    texts = [seed_text, too_long, "Oxfam said the cuts would cost lives."]
    documents = [document_plan(SourceDocument(f"{i}.txt", text)) for i, text in enumerate(texts)]
    assert all(isinstance(document, PlannedDocument) for document in documents)

    results = list(planned_extractions(documents, nlp=nlp_pipeline, batch_size=3))

    assert len(results) == 3
    assert results[0] == extract(documents[0].text, documents[0].metadata, nlp=nlp_pipeline)
    assert isinstance(results[1], str) and results[1].startswith("extraction failed:")
    assert "max_length" in results[1] or "E088" in results[1]
    assert results[2] == extract(documents[2].text, documents[2].metadata, nlp=nlp_pipeline)
    assert results[2].statements


def test_store_takes_an_extraction_made_in_another_process(db, nlp_pipeline, seed_text):
    planned = document_plan(SourceDocument("seed.txt", seed_text))
    extraction = extraction_from_json(
        through_json(extraction_to_json(extract(planned.text, nlp=nlp_pipeline)))
    )
    result = document_store(PlannedDocument.from_json(through_json(planned.to_json())), extraction)
    assert result.outcome is IngestOutcome.CREATED
    assert models.Statement.objects.count() == result.counts.statements > 0
    again = document_plan(SourceDocument("copy.txt", seed_text))
    assert again.outcome is IngestOutcome.UNCHANGED and again.document_id == result.document_id


def test_plan_writes_nothing_and_skips_what_is_stored(db, seed_text):
    calls = []

    def stored_id(sha256: str) -> int | None:
        calls.append(sha256)
        return 42

    skipped = document_plan(SourceDocument("a.txt", seed_text), stored_id=stored_id)
    assert skipped == InputResult("a.txt", IngestOutcome.UNCHANGED, document_id=42)
    forced = document_plan(SourceDocument("a.txt", seed_text), stored_id=stored_id, force=True)
    assert isinstance(forced, PlannedDocument) and forced.existing_id == 42
    assert len(calls) == 2
    assert models.Document.objects.count() == 0


def test_the_local_driver_fails_only_the_document_the_engine_cannot_read(db, nlp_pipeline):
    too_long = "x" * (nlp_pipeline.max_length + 1)  # the engine refuses it
    sources = [
        SourceDocument("a.txt", "Oxfam said the cuts would cost lives."),
        SourceDocument("long.txt", too_long),
        SourceDocument("b.txt", "The mayor said the bridge would reopen in May."),
    ]

    report = documents_ingest(sources, nlp=nlp_pipeline, batch_size=3)

    assert (report.created, report.failed) == (2, 1)
    assert report.failures[0][0] == "long.txt"
    assert report.failures[0][1].startswith("extraction failed:")
    assert set(models.Document.objects.values_list("source_path", flat=True)) == {"a.txt", "b.txt"}
