"""``manage.py import_actors FILE.json``: load a Popolo registry of known actors.

Thin on purpose: read the file, call ``actors_import``, print what it did.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from statements.services.actors_import import PopoloError, actors_import


class Command(BaseCommand):
    help = (
        "Load persons, organizations, memberships, other_names and identifiers (Wikidata "
        "QIDs included) from a Popolo JSON file. Idempotent; a bad record changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="FILE.json", help="a Popolo JSON file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as error:
            raise CommandError(f"{path}: cannot read: {error.strerror}") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{path}: not JSON: {error}") from None
        try:
            report = actors_import(data)
        except PopoloError as error:
            lines = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"{path}: nothing imported, fix these records:\n{lines}") from None
        self.stdout.write(f"Imported {path}")
        for section in ("persons", "organizations"):
            self.stdout.write(
                f"  {section:<13} created {report.created[section]}, "
                f"updated {report.updated[section]}, unchanged {report.unchanged[section]}"
            )
        self.stdout.write(
            f"  {'memberships':<13} created {report.memberships_created}, "
            f"unchanged {report.memberships_unchanged}"
        )
