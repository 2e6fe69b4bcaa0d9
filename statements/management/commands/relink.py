"""``manage.py relink``: recompute the speaker links of machine statements.

Thin on purpose: parse arguments, call ``statements_relink``, print what moved.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from statements.services.relink import statements_relink


class Command(BaseCommand):
    help = (
        "Re-link speakers named by a surname alone in machine statements against the records "
        "stored now (after an import of actors or a merge). Reviewed statements are untouched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--document", type=int, action="append", help="only this document id (repeatable)"
        )
        parser.add_argument(
            "--unlinked-only", action="store_true", help="only statements without a speaker record"
        )
        parser.add_argument("--list", action="store_true", help="print every statement that moved")

    def handle(self, *args: Any, **options: Any) -> None:
        report = statements_relink(
            document_ids=options["document"], unlinked_only=options["unlinked_only"]
        )
        if options["list"]:
            for pk, before, after in report.moves:
                self.stdout.write(f"  statement {pk}: {before or '(none)'} -> {after or '(none)'}")
        self.stdout.write(
            f"Re-link report\n  examined  {report.examined}\n  linked    {report.linked}\n"
            f"  moved     {report.moved}\n  unlinked  {report.unlinked}"
        )
