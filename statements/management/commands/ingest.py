"""``manage.py ingest PATH...``: read articles, run the engine, store what it finds.

Thin on purpose: parse arguments, call ``documents_ingest``, print the report.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from statements.readers import ReadError, published_parse, sources_read
from statements.services.ingest import IngestAccountingError, IngestReport, documents_ingest
from statements.services.relink import statements_relink


class Command(BaseCommand):
    help = (
        "Ingest articles (.txt, .json, .jsonl, .html; a file, a folder, a glob or - for stdin). "
        "Unchanged texts are skipped; exit status 1 when any file failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, glob or -")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="parser processes (each runs nlp.pipe and builds the records)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=settings.KB_INGEST_BATCH_SIZE,
            help="texts per nlp.pipe batch",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="re-extract stored documents (keeps statements a human reviewed)",
        )
        parser.add_argument("--dry-run", action="store_true", help="do everything, then roll back")
        parser.add_argument("--publisher", default="", help="publisher for files that lack one")
        parser.add_argument("--published", default="", help="YYYY-MM-DD for files that lack a date")
        parser.add_argument(
            "--model", default=settings.KB_SPACY_MODEL, help="spaCy pipeline package"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1 or options["batch_size"] < 1:
            raise CommandError("--workers and --batch-size must be at least 1")
        if options["published"]:
            try:
                published_parse(options["published"], where="--published")
            except ReadError as error:
                raise CommandError(str(error)) from None
        bar = self._progress_bar()
        failed_seen = 0

        def progress(report: IngestReport) -> None:
            nonlocal failed_seen
            for path, reason in report.failures[failed_seen:]:
                self._failure(bar, f"{path}: {reason}")
            failed_seen = len(report.failures)
            if bar is not None:
                bar.n = report.documents
                bar.set_postfix(statements=report.statements_created, refresh=False)
                bar.refresh()

        try:
            report = documents_ingest(
                sources_read(options["paths"]),
                force=options["force"],
                dry_run=options["dry_run"],
                workers=options["workers"],
                batch_size=options["batch_size"],
                model_name=options["model"],
                progress=progress,
                publisher=options["publisher"] or None,
                published=options["published"] or None,
            )
        except IngestAccountingError as error:
            report = error.report
        finally:
            if bar is not None:
                bar.close()
        if report.document_ids and not options["dry_run"]:
            # Speakers named by a surname alone, ingested before the article naming them in
            # full, link now that the full name is stored.
            report.relinked = statements_relink(
                document_ids=report.document_ids, unlinked_only=True
            ).linked
        self._report_write(report, failed_seen)
        if report.inputs != report.documents:
            raise CommandError(str(IngestAccountingError(report)))
        if report.failed:
            raise CommandError(f"{report.failed} input(s) failed; the others were ingested")

    def _report_write(self, report: IngestReport, failed_seen: int) -> None:
        for path, reason in report.failures[failed_seen:]:
            self._failure(None, f"{path}: {reason}")
        self.stdout.write(report_format(report))

    def _progress_bar(self) -> Any:
        """A tqdm bar on a terminal; nothing when output is piped or captured."""
        stream = getattr(self.stderr, "_out", sys.stderr)
        if not (hasattr(stream, "isatty") and stream.isatty()):
            return None
        from tqdm import tqdm

        return tqdm(total=None, unit="doc", desc="ingest", file=stream)

    def _failure(self, bar: Any, line: str) -> None:
        if bar is not None:
            bar.write(line, file=sys.stderr)
        else:
            self.stderr.write(line)


def report_format(report: IngestReport) -> str:
    """The final report, one figure per line."""
    title = "Dry run (nothing stored)" if report.dry_run else "Ingest report"
    rows = [
        ("documents created", report.created),
        ("documents unchanged", report.unchanged),
        ("documents re-extracted", report.re_extracted),
        ("documents failed", report.failed),
        ("people created", report.people_created),
        ("organisations created", report.organisations_created),
        ("events created", report.events_created),
        ("statements created", report.statements_created),
        ("statements kept", report.statements_kept),
        ("statements removed", report.statements_removed),
        ("speakers re-linked", report.relinked),
        ("elapsed", f"{report.elapsed:.1f} s"),
        ("words/s", f"{report.words_per_second:,.0f} ({report.words:,} words parsed)"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join([title, *(f"  {label:<{width}}  {value}" for label, value in rows)])
