"""``manage.py extract FILE... [--jsonl IN.jsonl] [--out PRED.jsonl]``: the engine alone.

Runs extraction without touching the database and writes one prediction line per document
in the evaluation scorer's format (``statements.nlp.predict.extraction_to_prediction``), with
every cue class marked: the evaluation data counts beliefs and evidence too.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from statements.nlp.predict import extraction_to_prediction
from statements.readers import ReadError, SourceDocument, sources_read


class Command(BaseCommand):
    help = "Run the extraction engine on files (no database) and print predictions as JSONL."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", metavar="FILE", help="file, folder, glob or -")
        parser.add_argument("--jsonl", action="append", default=[], help="records with id, text")
        parser.add_argument("--out", type=Path, help="prediction JSONL (default: stdout)")
        parser.add_argument("--model", default=settings.KB_SPACY_MODEL)
        parser.add_argument("--batch-size", type=int, default=settings.KB_INGEST_BATCH_SIZE)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        from statements.nlp import extract_many, load_pipeline

        paths = [*options["files"], *options["jsonl"]]
        if not paths:
            raise CommandError("give at least one FILE or --jsonl IN.jsonl")
        failures: list[str] = []
        documents: list[tuple[str, SourceDocument]] = []

        def todo() -> Iterator[tuple[str, Any]]:
            for item in sources_read(paths):
                if isinstance(item, ReadError):
                    failures.append(str(item))
                    self.stderr.write(str(item))
                    continue
                documents.append((document_id(item), item))
                # Not normalised: prediction offsets must point into the record's own text.
                yield item.text, item.metadata

        nlp = load_pipeline(options["model"])
        out = options["out"].open("w", encoding="utf-8") if options["out"] else self.stdout
        count = statements = 0
        try:
            extractions = extract_many(
                todo(),
                nlp=nlp,
                batch_size=options["batch_size"],
                n_process=max(1, options["workers"]),
            )
            for index, extraction in enumerate(extractions):
                line = extraction_to_prediction(documents[index][0], extraction)
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
                statements += len(extraction.statements)
        finally:
            if options["out"]:
                out.close()
        print(f"{count} documents, {statements} statements", file=sys.stderr)
        if failures:
            raise CommandError(f"{len(failures)} input(s) failed")


def document_id(source: SourceDocument) -> str:
    """The record's own id when it has one (JSON/JSONL), else the file name without suffix."""
    if source.raw_metadata.get("id") not in (None, ""):
        return str(source.raw_metadata["id"])
    path = source.path.split("[")[0].rsplit(":", 1)[0] if source.path != "<stdin>" else "stdin"
    return Path(path).stem or source.path
