"""People and their roles: lists, pages, counts and the speaker picker."""

from __future__ import annotations

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from statements.models import (
    Event,
    EventParticipant,
    Membership,
    Person,
    Statement,
    StatementType,
    SummaryCount,
    statement_public_q,
)
from statements.selectors.prepared import PreparedRows
from statements.selectors.statements import (
    ABOUT_NEWEST_WALK_FROM,
    NEWEST_FIRST,
    statement_public_qs,
)
from statements.selectors.summaries import summary_event_ids


def statement_type_count_field(statement_type: str) -> str:
    """Name of the annotation that counts an actor's statements of ``statement_type``."""
    return f"statements_{statement_type}_count"


def _statement_type_counts() -> dict[str, Count]:
    """Each type's count of public statements, over the join ``person_list_api`` makes."""
    return {
        statement_type_count_field(value): Count(
            "statements",
            filter=statement_public_q("statements__") & Q(statements__statement_type=value),
        )
        for value in StatementType.values
    }


def person_list_api(*, include_merged: bool = False) -> QuerySet[Person]:
    """People with roles, aliases, identifiers and statement counts per type.

    Counts are aggregated in the same query (no join other than statements is added
    here, and filters use subqueries, so the counts are not multiplied).
    """
    people = Person.objects.all() if include_merged else Person.objects.live()
    return people.annotate(
        statement_count=Count("statements", filter=statement_public_q("statements__")),
        **_statement_type_counts(),
    ).prefetch_related(*_person_prefetches())


def _person_prefetches() -> tuple[Prefetch | str, ...]:
    return (
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("organisation").order_by(
                "-status", "start_date", "role"
            ),
        ),
        "other_names",
        "identifiers",
    )


def person_detail_api() -> QuerySet[Person]:
    """People (merged ones too) with roles, aliases and identifiers; no counts.

    The detail adds ``person_statement_counts_attach``: counting in the same query reads
    every statement of the person on every request, which for the most quoted people grows
    with the corpus (docs/benchmarks.md, finding 2).
    """
    return Person.objects.prefetch_related(*_person_prefetches())


def person_statement_counts_attach(person: Person) -> Person:
    """Sets the annotations ``person_list_api`` computes, from ``person_statement_counts``."""
    counts = person_statement_counts(person.pk)
    person.statement_count = sum(counts.values())
    for value in StatementType.values:
        setattr(person, statement_type_count_field(value), counts.get(value, 0))
    return person


def person_statement_counts(person_id: int) -> dict[str, int]:
    """Public statements the person spoke, per type, from the person's summary."""
    return dict(
        SummaryCount.objects.filter(subject_kind="p", subject_id=person_id)
        .values_list("statement_type")
        .annotate(total=Sum("n"))
        .order_by()
    )


def membership_list_api() -> QuerySet[Membership]:
    """Memberships with their person, organisation and source document."""
    return Membership.objects.select_related("person", "organisation", "document").defer(
        "document__text", "document__metadata"
    )


def person_list_qs() -> QuerySet[Person]:
    """Live people (merged records hide behind their survivor), with counts and roles."""
    return (
        Person.objects.live()
        .with_statement_count()
        .annotate(
            last_statement=Subquery(
                Statement.objects.public()
                .filter(speaker_person=OuterRef("pk"), date__isnull=False)
                .order_by(*NEWEST_FIRST)
                .values("date")[:1]
            ),
        )
        .prefetch_related(
            "other_names",
            Prefetch("memberships", queryset=Membership.objects.select_related("organisation")),
        )
        .order_by("name", "pk")
    )


def person_most_quoted(*, limit: int = 8) -> list[Person]:
    return list(
        Person.objects.live()
        .with_statement_count()
        .filter(statement_count__gt=0)
        .order_by("-statement_count", "name")[:limit]
    )


def person_statements(person_id: int) -> QuerySet[Statement]:
    return statement_public_qs().filter(speaker_person_id=person_id).order_by(*NEWEST_FIRST)


# Events listed on a person or organisation page: the most quoted people spoke at
# thousands, and drawing them all was most of the page's time (1.2 s of 1.5 s).
EVENTS_SHOWN = 20


def person_events(person_id: int, *, statement_count: int, limit: int = EVENTS_SHOWN) -> list[dict]:
    """The newest ``limit + 1`` events the person took part in or spoke at (the extra one
    tells the page there are more); ``statement_count``: see ``events_newest``."""
    return actor_events("p", person_id, statement_count=statement_count, limit=limit)


# What an actor page shows of an event.
EVENT_ROW_COLUMNS = ("id", "name", "date", "date_text")


def actor_events(kind: str, pk: int, *, statement_count: int, limit: int) -> list[dict]:
    """The newest ``limit + 1`` events a person (``kind`` "p") or an organisation ("o")
    took part in or spoke at, as rows over ``EVENT_ROW_COLUMNS`` (one query, compiled once
    per process for each way of finding them: see ``events_newest``)."""
    walk = statement_count >= ABOUT_NEWEST_WALK_FROM
    key = (kind, walk, limit)
    if key not in _actor_events:
        participant = "person_id" if kind == "p" else "organisation_id"

        def build(spoke_id: int, took_id: int) -> QuerySet:
            spoke_at = summary_event_ids([(kind, spoke_id)])
            took_part = EventParticipant.objects.filter(**{participant: took_id}).values("event_id")
            return events_newest(spoke_at, took_part, walk=walk, limit=limit)

        _actor_events[key] = PreparedRows(build, spoke_id=int, took_id=int)
    return _actor_events[key](spoke_id=pk, took_id=pk)


_actor_events: dict[tuple[str, bool, int], PreparedRows] = {}


def events_newest(spoke_at: QuerySet, took_part: QuerySet, *, walk: bool, limit: int) -> QuerySet:
    """The newest ``limit + 1`` events among the ids ``spoke_at`` and ``took_part`` (two
    subqueries of ids), as a query of ``EVENT_ROW_COLUMNS`` rows; ``walk`` for a speaker of
    ``ABOUT_NEWEST_WALK_FROM`` statements or more.

    A speaker of fewer statements spoke at fewer events: their ids are gathered in one
    ``UNION`` and joined by primary key (under ``IN a OR IN b`` PostgreSQL read the whole
    events table for every page). The most quoted spoke at half of all events at 1M
    statements: the events are walked newest first (``event_newest_idx``) and each is
    probed for a link or a participation row until enough are found (a scalar subquery,
    which the planner cannot hash: hashing read all 34k ids of the most quoted person on
    every view).
    """
    if not walk:
        events = Event.objects.filter(pk__in=spoke_at.union(took_part))
    else:
        events = Event.objects.alias(
            spoke=_probe(spoke_at, "target_id"), took_part=_probe(took_part, "event_id")
        ).filter(Q(spoke__isnull=False) | Q(took_part__isnull=False))
    order = (F("date").desc(nulls_last=True), "name", "pk")
    newest = events.order_by(*order).values("pk")[: limit + 1]
    return Event.objects.filter(pk__in=newest).order_by(*order).values(*EVENT_ROW_COLUMNS)


def _probe(ids: QuerySet, column: str) -> Subquery:
    """The first of ``ids`` (a ``values(column)`` query) equal to the outer event's id."""
    return Subquery(ids.filter(**{column: OuterRef("pk")}).values(column)[:1])


def speaker_choices(*, limit: int = 500) -> list[tuple[str, str]]:
    """``(slug, name)`` of people who have statements, for the speaker filter (one query)."""
    # Who has public statements is read from the summaries (a row per person and month),
    # not from the statements table.
    speaks = Exists(SummaryCount.objects.filter(subject_kind="p", subject_id=OuterRef("pk")))
    return list(
        Person.objects.filter(speaks, merged_into__isnull=True)
        .order_by("name")
        .values_list("slug", "name")[:limit]
    )
