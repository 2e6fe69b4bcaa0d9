"""Organisations: lists, pages, counts and the organisation picker."""

from __future__ import annotations

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce

from statements.models import (
    Event,
    EventParticipant,
    Membership,
    Organisation,
    Statement,
    SummaryCount,
)
from statements.selectors.people import EVENTS_SHOWN, events_newest
from statements.selectors.statements import (
    ABOUT_NEWEST_WALK_FROM,
    NEWEST_FIRST,
    UNDATED,
    statement_public_qs,
    statements_about,
)
from statements.selectors.summaries import summary_event_ids


def organisation_list_api(*, include_merged: bool = False) -> QuerySet[Organisation]:
    """Organisations with parent, members, aliases, identifiers and a statement count."""
    organisations = Organisation.objects.all() if include_merged else Organisation.objects.live()
    return (
        organisations.select_related("parent")
        .with_statement_count()
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


def _count_of(queryset: QuerySet, field: str, *, distinct: str | None = None) -> Subquery:
    """A correlated ``COUNT`` of ``queryset`` rows whose ``field`` is the outer row.

    Why not ``Count()`` over a join: a join groups the whole statements table to number one
    page of 25 names (4.4 s for the organisation list at 100k statements, joined with
    memberships). A scalar subquery is evaluated only for the rows the page shows (or,
    when sorting by it, once per actor through the actor's index), and a ``COUNT(*)`` of
    the list no longer carries it.
    """
    if distinct:
        count = Func(F(distinct), template="COUNT(DISTINCT %(expressions)s)")
    else:
        count = Func(template="COUNT(*)")
    count.output_field = IntegerField()
    return Subquery(
        queryset.filter(**{field: OuterRef("pk")}).order_by().annotate(n=count).values("n")[:1],
        output_field=IntegerField(),
    )


def organisation_list_qs() -> QuerySet[Organisation]:
    """Live organisations with their statement and member counts."""
    return (
        Organisation.objects.live()
        .with_statement_count()
        .annotate(
            member_count=_count_of(
                Membership.objects.filter(person__isnull=False),
                "organisation",
                distinct="person_id",
            ),
        )
        .prefetch_related("other_names")
        .order_by("name", "pk")
    )


def organisation_most_quoted(*, limit: int = 8) -> list[Organisation]:
    """Organisations by statements made by them or by their members."""
    return list(
        Organisation.objects.live()
        .with_statement_count()
        .filter(statement_count__gt=0)
        .order_by("-statement_count", "name")[:limit]
    )


def organisation_get(slug: str) -> Organisation | None:
    return (
        Organisation.objects.filter(slug=slug)
        .select_related("parent")
        .prefetch_related("other_names", "children")
        .first()
    )


def organisation_roles(organisation: Organisation, *, limit: int) -> tuple[list[Membership], int]:
    """The first ``limit`` roles held in ``organisation`` (current first, then by name) and
    how many there are, in one query: a national government has thousands, and building
    them all was a third of its page's time."""
    roles = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("person")
        .annotate(total=Window(Count("pk")))
        .order_by("status", "person__name", "role")[:limit]
    )
    return roles, (roles[0].total if roles else 0)


def organisation_statements(
    organisation: Organisation, *, statement_count: int
) -> QuerySet[Statement]:
    """Statements by the organisation itself or by anyone who holds a role in it, newest
    first; ``statement_count`` (their number, from the summaries) chooses how they are found.

    Under ``speaker_organisation = o OR speaker_person IN (members)`` PostgreSQL walks the
    newest-first index whoever the organisation: fast when it and its members speak often,
    every statement of the table (3 s at 1M) when they seldom do. Below
    ``ABOUT_NEWEST_WALK_FROM`` the statements are gathered from the speaker indexes (a
    ``UNION``) and sorted, in an order written so that no index gives it.
    """
    members = Membership.objects.filter(organisation=organisation).values("person_id")
    if statement_count >= ABOUT_NEWEST_WALK_FROM:
        return (
            statement_public_qs()
            .filter(Q(speaker_organisation=organisation) | Q(speaker_person__in=members))
            .order_by(*NEWEST_FIRST)
        )
    own = Statement.objects.filter(speaker_organisation=organisation).order_by().values("pk")
    by_members = Statement.objects.filter(speaker_person__in=members).order_by().values("pk")
    return (
        statement_public_qs()
        .filter(pk__in=own.union(by_members))
        .order_by(Coalesce(F("date"), Value(UNDATED)).desc(), F("id").desc())
    )


def organisation_statements_about(
    organisation: Organisation, *, about_count: int, limit: int = 10
) -> list[Statement]:
    """The newest statements about ``organisation`` (``about_count``: see
    ``statements_about``)."""
    return statements_about(Q(organisation=organisation), about_count=about_count, limit=limit)


def organisation_events(
    organisation: Organisation, *, statement_count: int, limit: int = EVENTS_SHOWN
) -> list[Event]:
    """The newest ``limit + 1`` events the organisation took part in or spoke at;
    ``statement_count``: its own statements (see ``events_newest``)."""
    spoke_at = summary_event_ids([("o", organisation.pk)])
    took_part = EventParticipant.objects.filter(organisation=organisation).values("event_id")
    return events_newest(spoke_at, took_part, statement_count=statement_count, limit=limit)


def organisation_choices(*, limit: int = 500) -> list[tuple[str, str]]:
    """``(slug, name)`` of organisations that speak or have members (one query)."""
    return list(
        Organisation.objects.filter(merged_into__isnull=True)
        # EXISTS, not IN: under OR, PostgreSQL rescans the statements for every
        # organisation when the IN subquery does not fit in work_mem (finding 8: 177 s at 1M).
        # Who speaks is read from the summaries (a row per organisation and month).
        .filter(
            Q(Exists(SummaryCount.objects.filter(subject_kind="o", subject_id=OuterRef("pk"))))
            | Q(Exists(Membership.objects.filter(organisation=OuterRef("pk"))))
        )
        .order_by("name")
        .values_list("slug", "name")[:limit]
    )
