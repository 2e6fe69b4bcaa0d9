"""`manage.py export FILE`: write the whole knowledge base to a backup file (or - for stdout)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from statements.services.backup import kb_export, popolo_export


class Command(BaseCommand):
    help = "Write every document, actor, role, event, statement and history entry as JSON lines."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="backup file to write (.jsonl), or - for stdout")
        parser.add_argument(
            "--popolo",
            metavar="FILE",
            help="also write persons, organizations, memberships, events and speeches "
            "as Popolo JSON (for other tools; import reads the .jsonl backup)",
        )

    def handle(self, *args, file: str, popolo: str | None = None, **options) -> None:
        if popolo:
            with Path(popolo).open("w", encoding="utf-8") as out:
                popolo_export(out=out)
            self.stderr.write(f"wrote Popolo JSON to {popolo}")
        if file == "-":
            report = kb_export(out=sys.stdout)
        else:
            with Path(file).open("w", encoding="utf-8") as out:
                report = kb_export(out=out)
        summary = ", ".join(f"{label}: {n}" for label, n in report.counts.items() if n)
        self.stderr.write(f"exported {report.total} rows ({summary or 'empty'})")
