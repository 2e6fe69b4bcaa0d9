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
    UNDATED_SORT_DATE,
    Membership,
    Organisation,
    Person,
    Statement,
    SummaryCount,
)
from statements.selectors.people import EVENTS_SHOWN, actor_events
from statements.selectors.prepared import PreparedRows
from statements.selectors.statements import (
    ABOUT_NEWEST_WALK_FROM,
    NEWEST_FIRST,
    statement_public_qs,
)


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


# A role held in an organisation as its page lists it, with its holder's name and slug.
_MEMBERSHIP_COLUMNS = ("role", "status", "start_date", "end_date")
_HOLDER_COLUMNS = {"person__name": "name", "person__slug": "slug"}  # row key: Person field
ORGANISATION_ROLE_COLUMNS = (*_MEMBERSHIP_COLUMNS, *_HOLDER_COLUMNS)


def _holder(field: str) -> Subquery:
    return Subquery(Person.objects.filter(pk=OuterRef("person_id")).order_by().values(field)[:1])


def _roles_query(organisation_id: int) -> QuerySet:
    # The holder's name and slug are read per role (an index probe each; the slug only for
    # the roles shown): joined, PostgreSQL hashed every person to sort a government's 961
    # roles by name (5-8 ms at 1M statements against 3.5; even at 2,900 roles).
    holder = {key: _holder(field) for key, field in _HOLDER_COLUMNS.items()}
    return (
        Membership.objects.filter(organisation_id=organisation_id)
        .values(*_MEMBERSHIP_COLUMNS, **holder, total=Window(Count("pk")))
        .order_by("status", "person__name", "role")[:ROLES_SHOWN]
    )


# The roles an organisation's page lists: a national government has thousands.
ROLES_SHOWN = 50
_roles = PreparedRows(_roles_query, organisation_id=int)


def organisation_roles(organisation_id: int) -> tuple[list[dict], int]:
    """The first ``ROLES_SHOWN`` roles held in the organisation (current first, then by
    name), as rows over ``ORGANISATION_ROLE_COLUMNS``, and how many there are, in one query
    compiled once per process: building them all was a third of a national government's
    page's time."""
    roles = _roles(organisation_id=organisation_id)
    return roles, (roles[0]["total"] if roles else 0)


def organisation_statements(organisation_id: int, *, statement_count: int) -> QuerySet[Statement]:
    """Statements by the organisation itself or by anyone who holds a role in it, newest
    first; ``statement_count`` (their number, from the summaries) chooses how they are found
    (``organisation_statements_qs``)."""
    walk = statement_count >= ABOUT_NEWEST_WALK_FROM
    return organisation_statements_qs(organisation_id, organisation_id, walk=walk)


def organisation_statements_qs(own_id: int, members_id: int, *, walk: bool) -> QuerySet[Statement]:
    """Statements by organisation ``own_id`` itself or by anyone who holds a role in
    organisation ``members_id`` (the same one: two parameters for a prepared query), newest
    first; ``walk`` when they number ``ABOUT_NEWEST_WALK_FROM`` or more.

    Under ``speaker_organisation = o OR speaker_person IN (members)`` PostgreSQL walks the
    newest-first index whoever the organisation: fast when it and its members speak often,
    every statement of the table (3 s at 1M) when they seldom do. Below
    ``ABOUT_NEWEST_WALK_FROM`` the statements are gathered from the speaker indexes (a
    ``UNION``) and sorted, in an order written so that no index gives it.
    """
    members = Membership.objects.filter(organisation_id=members_id).values("person_id")
    if walk:
        return (
            statement_public_qs()
            .filter(Q(speaker_organisation_id=own_id) | Q(speaker_person__in=members))
            .order_by(*NEWEST_FIRST)
        )
    own = Statement.objects.filter(speaker_organisation_id=own_id).order_by().values("pk")
    by_members = Statement.objects.filter(speaker_person__in=members).order_by().values("pk")
    return (
        statement_public_qs()
        .filter(pk__in=own.union(by_members))
        .order_by(Coalesce(F("date"), Value(UNDATED_SORT_DATE)).desc(), F("id").desc())
    )


def organisation_events(
    organisation_id: int, *, statement_count: int, limit: int = EVENTS_SHOWN
) -> list[dict]:
    """The newest ``limit + 1`` events the organisation took part in or spoke at;
    ``statement_count``: its own statements (see ``events_newest``)."""
    return actor_events("o", organisation_id, statement_count=statement_count, limit=limit)


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
