"""``manage.py export_files``: write the full exports (CSV, JSON lines, Popolo) as files.

Run it from cron or after each ingest; the API serves the files at /api/export/files/NAME
and sends anonymous clients there instead of streaming the whole database to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from statements.services.export_files import export_files_write


class Command(BaseCommand):
    help = "Write the full statement exports (CSV, JSON lines, Popolo JSON) into KB_EXPORT_DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", default=None, help=f"folder to write into (default {settings.KB_EXPORT_DIR})"
        )
        parser.add_argument(
            "--base-url",
            default=settings.KB_BASE_URL,
            help="the site's public address, for the links inside the exports "
            "(default KB_BASE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"]) if options["dir"] else None
        try:
            written = export_files_write(
                base_url=options["base_url"].rstrip("/"), directory=directory
            )
        except OSError as error:
            where = error.filename or options["dir"] or settings.KB_EXPORT_DIR
            raise CommandError(f"{where}: cannot write ({error.strerror or error})") from None
        for name, size in written.items():
            self.stdout.write(f"wrote {name} ({size:,} bytes)")
