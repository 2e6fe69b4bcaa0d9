"""``manage.py ingest_status RUN``: where a queued ingest run stands, and its report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from statements.management.commands.ingest import report_format, run_wait
from statements.selectors.ingest_runs import (
    ingest_run_failed_items,
    ingest_run_get,
    ingest_run_progress,
    ingest_run_retrying,
)
from statements.services.ingest_queue import (
    BrokerUnavailable,
    ingest_run_report,
    ingest_run_requeue,
)


class Command(BaseCommand):
    help = "Show a queued ingest run (`ingest --queue`): progress, failures and its report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run", type=int, metavar="RUN", help="the run's number")
        parser.add_argument(
            "--requeue",
            action="store_true",
            help="send its pending documents to the workers again (a run that stalls)",
        )
        parser.add_argument("--wait", action="store_true", help="follow it until it completes")
        parser.add_argument(
            "--timeout", type=float, default=0, help="with --wait: give up after this many seconds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = ingest_run_get(options["run"])
        if run is None:
            raise CommandError(f"no ingest run {options['run']}")
        if options["requeue"]:
            try:
                sent = ingest_run_requeue(run=run)
            except BrokerUnavailable as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Ingest run {run.pk}: {sent} pending document(s) sent again.")
        if options["wait"]:
            return run_wait(self, run, timeout=options["timeout"])
        progress = ingest_run_progress(run=run)
        state = "finished" if progress.finished else "running"
        self.stdout.write(
            f"Ingest run {run.pk} ({state}): {progress.settled} of {progress.inputs} input(s) "
            f"settled, {progress.pending} pending; {progress.queued} queued to the workers."
        )
        for item in ingest_run_failed_items(run=run):
            self.stdout.write(
                f"  failed after {item.attempts} attempt(s): {item.path}: {item.reason}"
            )
        for item in ingest_run_retrying(run=run):
            self.stdout.write(
                f"  retrying ({item.attempts} attempt(s)): {item.path}: {item.reason}"
            )
        self.stdout.write(report_format(ingest_run_report(run=run)))
