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
    planned_document_ingest,
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
    source = SourceDocument("seed.txt", seed_text)
    local = documents_ingest([source], nlp=nlp_pipeline)
    expected = statement_rows()
    models.Document.objects.all().delete()

    planned = document_plan(source)
    assert isinstance(planned, PlannedDocument)
    payload = through_json(planned.to_json())
    result = InputResult.from_json(through_json(planned_document_ingest(payload, nlp=nlp_pipeline)))
    assert result.outcome is IngestOutcome.CREATED
    assert result.counts.statements == local.statements_created
    assert statement_rows() == expected


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
