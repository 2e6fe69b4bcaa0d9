"""Read queries: the one home of select_related / prefetch_related (STYLE.md).

Views, viewsets and exports ask a selector for a queryset and never add joins of their
own, so every page and endpoint has one place where its query count is decided.
Sections are owned by different parts of the site; add functions to your own section.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from statements.models import (
    Document,
    Event,
    EventParticipant,
    Membership,
    Organisation,
    Person,
    Statement,
    StatementTarget,
    StatementType,
)

# ---------------------------------------------------------------------------
# REST API and exports (issue 5). Owner: the API; targeted edits only.
# ---------------------------------------------------------------------------

# Undated statements sort before every dated one; a non-null key keeps cursors valid.
UNDATED = datetime.date(1, 1, 1)


def statement_type_count_field(statement_type: str) -> str:
    """Name of the annotation that counts an actor's statements of ``statement_type``."""
    return f"statements_{statement_type}_count"


def _statement_type_counts() -> dict[str, Count]:
    return {
        statement_type_count_field(value): Count(
            "statements", filter=Q(statements__statement_type=value)
        )
        for value in StatementType.values
    }


def _targets_prefetch() -> Prefetch:
    return Prefetch(
        "targets",
        queryset=StatementTarget.objects.select_related("person", "organisation").order_by("id"),
    )


def statement_list_api() -> QuerySet[Statement]:
    """Statements with everything their API representation and exports read, in 2 queries.

    ``sort_date`` is the statement date with undated rows pinned to year 1, so a cursor
    built on it never holds ``None``.
    """
    return (
        Statement.objects.select_related(
            "document", "speaker_person", "speaker_organisation", "event"
        )
        .defer("document__text", "document__metadata", "original_extraction")
        .prefetch_related(_targets_prefetch())
        .annotate(sort_date=Coalesce(F("date"), Value(UNDATED)))
    )


def person_list_api(*, include_merged: bool = False) -> QuerySet[Person]:
    """People with roles, aliases, identifiers and statement counts per type.

    Counts are aggregated in the same query (no join other than statements is added
    here, and filters use subqueries, so the counts are not multiplied).
    """
    people = (
        Person.objects.all() if include_merged else Person.objects.filter(merged_into__isnull=True)
    )
    return people.annotate(
        statement_count=Count("statements"), **_statement_type_counts()
    ).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("organisation").order_by(
                "-status", "start_date", "role"
            ),
        ),
        "other_names",
        "identifiers",
    )


def organisation_list_api(*, include_merged: bool = False) -> QuerySet[Organisation]:
    """Organisations with parent, members, aliases, identifiers and a statement count."""
    organisations = (
        Organisation.objects.all()
        if include_merged
        else Organisation.objects.filter(merged_into__isnull=True)
    )
    return (
        organisations.select_related("parent")
        .annotate(statement_count=Count("statements"))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("person").order_by(
                    "-status", "person__name", "role"
                ),
            ),
            "other_names",
            "identifiers",
        )
    )


def membership_list_api() -> QuerySet[Membership]:
    """Memberships with their person, organisation and source document."""
    return Membership.objects.select_related("person", "organisation", "document").defer(
        "document__text", "document__metadata"
    )


def event_list_api() -> QuerySet[Event]:
    """Events with their document, participants and a statement count."""
    return (
        Event.objects.select_related("document")
        .defer("document__text", "document__metadata")
        .annotate(statement_count=Count("statements"))
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=EventParticipant.objects.select_related("person", "organisation").order_by(
                    "id"
                ),
            )
        )
    )


def document_list_api(*, with_text: bool = False) -> QuerySet[Document]:
    """Documents with a statement count; the (long) text only when asked for."""
    documents = Document.objects.annotate(statement_count=Count("statements"))
    return documents if with_text else documents.defer("text")


# ---------------------------------------------------------------------------
# End of the REST API section.
# ---------------------------------------------------------------------------
