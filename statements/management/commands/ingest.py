"""``manage.py ingest PATH...``: read articles, run the engine, store what it finds.

Thin on purpose: parse arguments, call ``documents_ingest`` (or, with ``--queue``,
``ingest_enqueue``), print the report.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from statements.models import IngestRun
from statements.readers import ReadError, published_parse, sources_read
from statements.selectors.ingest_runs import ingest_run_failures, ingest_run_progress
from statements.services.ingest import (
    IngestAccountingError,
    IngestReport,
    InputResult,
    documents_ingest,
)
from statements.services.ingest_queue import (
    BrokerUnavailable,
    ingest_enqueue,
    ingest_run_report,
)
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
        parser.add_argument(
            "--queue",
            action="store_true",
            help="read and plan here, send the documents to `celery -A kb worker` processes "
            "(needs CELERY_BROKER_URL)",
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="with --queue: show progress until the run completes, then its report",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=0,
            help="with --wait: stop waiting after this many seconds (the run goes on)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1 or options["batch_size"] < 1:
            raise CommandError("--workers and --batch-size must be at least 1")
        if options["published"]:
            try:
                published_parse(options["published"], where="--published")
            except ReadError as error:
                raise CommandError(str(error)) from None
        if options["queue"]:
            return self._queue(options)
        if options["wait"]:
            raise CommandError("--wait goes with --queue")
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

    def _queue(self, options: dict[str, Any]) -> None:
        if options["dry_run"]:
            raise CommandError("--dry-run runs locally: drop --queue")

        def settled(result: InputResult) -> None:
            if result.reason:
                self._failure(None, f"{result.path}: {result.reason}")

        try:
            run = ingest_enqueue(
                sources=sources_read(options["paths"]),
                inputs=options["paths"],
                force=options["force"],
                publisher=options["publisher"] or None,
                published=options["published"] or None,
                model_name=options["model"],
                on_settled=settled,
            )
        except BrokerUnavailable as error:
            raise CommandError(str(error)) from None
        progress = ingest_run_progress(run=run)
        self.stdout.write(
            f"Ingest run {run.pk}: {progress.queued} document(s) queued, "
            f"{progress.inputs - progress.queued} settled here "
            f"({progress.unchanged} unchanged, {progress.failed} failed)."
        )
        if not options["wait"]:
            self.stdout.write(f"Follow it with: manage.py ingest_status {run.pk} [--wait]")
            if progress.failed:
                raise CommandError(f"{progress.failed} input(s) failed; the others were queued")
            return
        run_wait(self, run, plan_failures_shown=True, timeout=options["timeout"])

    def _report_write(self, report: IngestReport, failed_seen: int) -> None:
        for path, reason in report.failures[failed_seen:]:
            self._failure(None, f"{path}: {reason}")
        self.stdout.write(report_format(report))

    def _progress_bar(self) -> Any:
        return progress_bar(self)

    def _failure(self, bar: Any, line: str) -> None:
        failure_write(self, bar, line)


def progress_bar(command: BaseCommand) -> Any:
    """A tqdm bar on a terminal; nothing when output is piped or captured."""
    stream = getattr(command.stderr, "_out", sys.stderr)
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=None, unit="doc", desc="ingest", file=stream)


def failure_write(command: BaseCommand, bar: Any, line: str) -> None:
    if bar is not None:
        bar.write(line, file=sys.stderr)
    else:
        command.stderr.write(line)


def run_wait(
    command: BaseCommand, run: IngestRun, *, plan_failures_shown: bool = False, timeout: float = 0
) -> None:
    """Show a queued run's progress until it completes, then its report; exit status 1 when
    any input failed, as a local run's (2 when ``timeout`` seconds passed first). Used by
    ``ingest --queue --wait`` (which has shown the failures of reading already) and
    ``ingest_status --wait``."""
    bar = progress_bar(command)
    shown: set[int] = set()
    deadline = time.monotonic() + timeout if timeout > 0 else None
    while True:
        progress = ingest_run_progress(run=run)
        for item_id, path, reason in ingest_run_failures(
            run=run, queued_only=plan_failures_shown, exclude=shown
        ):
            failure_write(command, bar, f"{path}: {reason}")
            shown.add(item_id)
        if bar is not None:
            bar.total = progress.inputs
            bar.n = progress.settled
            bar.refresh()
        if progress.finished:
            break
        if deadline is not None and time.monotonic() > deadline:
            if bar is not None:
                bar.close()
            raise CommandError(
                f"run {run.pk} still has {progress.pending} pending document(s) after "
                f"{timeout:g} s; it goes on: manage.py ingest_status {run.pk} --wait",
                returncode=2,
            )
        time.sleep(0.5)
    if bar is not None:
        bar.close()
    report = ingest_run_report(run=run)
    command.stdout.write(report_format(report))
    if report.failed:
        raise CommandError(f"{report.failed} input(s) failed; the others were ingested")


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
