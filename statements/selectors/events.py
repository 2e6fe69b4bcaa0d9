"""Events: lists and pages."""

from __future__ import annotations

from django.db.models import (
    F,
    Prefetch,
    QuerySet,
)

from statements.models import (
    Event,
    EventParticipant,
)


def event_list_api() -> QuerySet[Event]:
    """Events with their document, participants and a statement count."""
    return (
        Event.objects.select_related("document")
        .defer("document__text", "document__metadata")
        .with_statement_count()
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=EventParticipant.objects.select_related("person", "organisation").order_by(
                    "id"
                ),
            )
        )
    )


def event_list_qs() -> QuerySet[Event]:
    return (
        Event.objects.select_related("document")
        .defer("document__text", "document__metadata")
        .with_statement_count()
        .order_by(F("date").desc(nulls_last=True), "name", "pk")
    )


def event_get(pk: int) -> Event | None:
    return (
        Event.objects.filter(pk=pk)
        .select_related("document")
        .defer("document__text")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=EventParticipant.objects.select_related("person", "organisation"),
            )
        )
        .first()
    )
