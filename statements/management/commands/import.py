"""`manage.py import FILE`: restore a backup written by `export` into an empty database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from statements.services.backup import BackupError, kb_import


class Command(BaseCommand):
    help = "Restore a backup written by `manage.py export` into an empty knowledge base."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="backup file written by export")

    def handle(self, *args, file: str, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = kb_import(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"imported {report.total} rows from {path}")
