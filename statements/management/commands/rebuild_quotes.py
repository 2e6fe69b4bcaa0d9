"""``manage.py rebuild_quotes``: group every direct quote into quotes again, from nothing.

Thin on purpose: call ``quotes_rebuild``, print what it made. Ingestion keeps quotes up
to date by itself; rebuild after changing how quotations are compared
(``statements/quoting.py``) or after loading statements another way (a backup import).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from statements.models import Quote
from statements.services.quotes import quotes_rebuild


class Command(BaseCommand):
    help = "Drop every quote and group the direct statements into quotes again."

    def handle(self, *args: Any, **options: Any) -> None:
        report = quotes_rebuild()
        quotes = Quote.objects.public()
        self.stdout.write(
            f"Quote rebuild\n  statements placed      {report.statements}\n"
            f"  quotes                 {quotes.count()}\n"
            f"  reported by 2+ outlets {quotes.filter(outlet_count__gte=2).count()}\n"
            f"  conflicting            {quotes.filter(conflicting=True).count()}"
        )
