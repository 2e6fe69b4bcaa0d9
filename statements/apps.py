from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _search_tables_ensure(using, **kwargs) -> None:
    from django.db import connections

    from statements.search import sqlite_search_tables_ensure

    sqlite_search_tables_ensure(connections[using])


class StatementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "statements"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        # SQLite's full-text tables and triggers (statements/search.py), after every migrate.
        post_migrate.connect(_search_tables_ensure, sender=self)
        # Organisations' members' summaries follow every membership written one by one;
        # bulk writes (ingest) call the sync themselves.
        from statements.models import Membership
        from statements.services.summaries import summaries_membership_changed

        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(
                summaries_membership_changed,
                sender=Membership,
                dispatch_uid=f"summaries-membership-{name}",
            )
