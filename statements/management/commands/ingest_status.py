"""``manage.py ingest_status RUN``: where a queued ingest run stands, and its report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from statements.management.commands.ingest import report_format, run_wait
from statements.models import IngestRun
from statements.services.ingest_queue import ingest_run_progress, ingest_run_report


class Command(BaseCommand):
    help = "Show a queued ingest run (`ingest --queue`): progress, failures and its report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run", type=int, metavar="RUN", help="the run's number")
        parser.add_argument("--wait", action="store_true", help="follow it until it completes")
        parser.add_argument(
            "--timeout", type=float, default=0, help="with --wait: give up after this many seconds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = IngestRun.objects.filter(pk=options["run"]).first()
        if run is None:
            raise CommandError(f"no ingest run {options['run']}")
        if options["wait"]:
            return run_wait(self, run, timeout=options["timeout"])
        progress = ingest_run_progress(run=run)
        report = ingest_run_report(run=run)
        state = "finished" if progress.finished else "running"
        self.stdout.write(
            f"Ingest run {run.pk} ({state}): {progress.settled} of {progress.inputs} input(s) "
            f"settled, {progress.pending} pending; {progress.queued} queued to the workers."
        )
        for item in run.items.filter(state="failed").order_by("id"):
            self.stdout.write(
                f"  failed after {item.attempts} attempt(s): {item.path}: {item.reason}"
            )
        for item in run.items.filter(state="pending").exclude(reason="").order_by("id"):
            self.stdout.write(
                f"  retrying ({item.attempts} attempt(s)): {item.path}: {item.reason}"
            )
        self.stdout.write(report_format(report))
