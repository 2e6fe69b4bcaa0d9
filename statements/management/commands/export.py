"""`manage.py export FILE`: write the whole knowledge base to a backup file (or - for stdout)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from statements.services.backup import backup_file_open, kb_export, popolo_export


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
        parser.add_argument(
            "--with-credentials",
            action="store_true",
            help="include the reviewer accounts' password hashes and e-mail addresses "
            "(left out by default; the file is only readable by its owner either way)",
        )

    def handle(self, *args, file: str, popolo: str | None = None, **options) -> None:
        credentials = options.get("with_credentials", False)
        try:
            if popolo:
                with Path(popolo).open("w", encoding="utf-8") as out:
                    popolo_export(out=out)
                self.stderr.write(f"wrote Popolo JSON to {popolo}")
            if file == "-":
                report = kb_export(out=sys.stdout, credentials=credentials)
            else:
                with backup_file_open(Path(file)) as out:
                    report = kb_export(out=out, credentials=credentials)
        except OSError as error:
            where = error.filename or file
            raise CommandError(f"{where}: cannot write ({error.strerror or error})") from None
        summary = ", ".join(f"{label}: {n}" for label, n in report.counts.items() if n)
        self.stderr.write(f"exported {report.total} rows ({summary or 'empty'})")
