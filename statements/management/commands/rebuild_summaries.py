"""``manage.py rebuild_summaries``: recount the per-person, per-organisation and per-event
summaries from the statements, or (``--check``) only compare them with a recount.

Thin on purpose: parse arguments, call ``summaries_rebuild`` or ``summaries_check``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from statements.services.summaries import summaries_check, summaries_rebuild


class Command(BaseCommand):
    help = (
        "Recount the summary tables (what each person, organisation and event said) from the "
        "public statements. The services keep them exact; run this after changing statements "
        "outside kb (by hand in the database), or with --check to compare without writing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare the stored summaries with a recount; exit 1 on any difference",
        )
        parser.add_argument(
            "--show", type=int, default=20, help="differences to print with --check (20)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["check"]:
            written = summaries_rebuild()
            self.stdout.write(f"Summaries rebuilt: {written} rows.")
            return
        check = summaries_check()
        if check.ok:
            self.stdout.write(f"Summaries exact: {check.rows} rows match a recount.")
            return
        for table, key, stored, recounted in check.differences[: options["show"]]:
            self.stdout.write(f"  {table} {key}: stored {stored}, recounted {recounted}")
        raise CommandError(
            f"{len(check.differences)} summary rows differ from a recount; "
            "run manage.py rebuild_summaries"
        )
