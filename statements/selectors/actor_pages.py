"""The rows a person's or an organisation's page draws: the actor with its aliases and
roles, its newest events, its most repeated quotes, as plain dicts.

Why rows: the pages built a model instance per alias, role, organisation, document, event
and quote, and a prefetch query each for aliases, roles and units; with JSON arrays of the
few related rows in the actor's own query, a page reads its actor in one query and draws
it without model instances.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject

from statements.models import (
    Membership,
    Organisation,
    OtherName,
    Person,
    Statement,
    SummaryRelation,
    SummaryStatement,
    SummarySubject,
)
from statements.selectors.prepared import PreparedRows
from statements.selectors.statements import (
    NEWEST_FIRST,
    _JSONGroupArray,
    statement_item_rows,
)

ACTOR_COLUMNS = ("id", "name", "slug", "summary", "merged_into_id")
PERSON_COLUMNS = (
    *ACTOR_COLUMNS,
    "honorific_prefix",
    "disambiguation",
    "wikidata_qid",
    "needs_review",
)
ORGANISATION_COLUMNS = (
    *ACTOR_COLUMNS,
    "classification",
    "country",
    "parent_id",
    "parent__name",
    "parent__slug",
)
# A person's role as their page lists it: the organisation and the source document joined.
PERSON_ROLE_COLUMNS = (
    "role",
    "status",
    "start_date",
    "end_date",
    "organisation__name",
    "organisation__slug",
    "document_id",
    "document__title",
    "document__lead",
)


def _json_rows(queryset: QuerySet, owner: str, **columns: F) -> Subquery:
    """A JSON array of ``columns`` objects, one per row of ``queryset`` whose ``owner`` is
    the outer row (``None`` when there is none)."""
    return Subquery(
        queryset.filter(**{owner: OuterRef("pk")})
        .order_by()
        .values(owner)
        .annotate(rows=_JSONGroupArray(JSONObject(**columns)))
        .values("rows")
    )


def _aliases(owner: str) -> Subquery:
    return _json_rows(OtherName.objects.all(), owner, name=F("name"))


def _person_page_query(slug: str) -> QuerySet:
    roles = _json_rows(
        Membership.objects.all(),
        "person",
        **{column: F(column) for column in PERSON_ROLE_COLUMNS},
    )
    return Person.objects.filter(slug=slug).values(
        *PERSON_COLUMNS, aliases=_aliases("person"), roles=roles
    )[:1]


_person_page = PreparedRows(_person_page_query, plan_once=True, slug=str)


def person_page_row(slug: str) -> dict | None:
    """The person of ``slug`` as their page draws them (one query): ``PERSON_COLUMNS``,
    ``aliases`` (names, in name order) and ``roles`` (``PERSON_ROLE_COLUMNS``, current
    ones first, newest first)."""
    rows = _person_page(slug=slug)
    if not rows:
        return None
    row = rows[0]
    row["aliases"] = sorted(alias["name"] for alias in row["aliases"] or ())
    # The order the page always had: status, newest start first, then role.
    row["roles"] = sorted(row["roles"] or (), key=lambda role: role["role"])
    row["roles"].sort(key=lambda role: role["start_date"], reverse=True)
    row["roles"].sort(key=lambda role: role["status"])
    return row


def _organisation_page_query(slug: str) -> QuerySet:
    units = _json_rows(Organisation.objects.all(), "parent", name=F("name"), slug=F("slug"))
    return Organisation.objects.filter(slug=slug).values(
        *ORGANISATION_COLUMNS, aliases=_aliases("organisation"), units=units
    )[:1]


_organisation_page = PreparedRows(_organisation_page_query, plan_once=True, slug=str)


def organisation_page_row(slug: str) -> dict | None:
    """The organisation of ``slug`` as its page draws it (one query):
    ``ORGANISATION_COLUMNS``, ``aliases`` (names, in name order) and ``units`` (its
    units' ``name`` and ``slug``, in name order)."""
    rows = _organisation_page(slug=slug)
    if not rows:
        return None
    row = rows[0]
    row["aliases"] = sorted(alias["name"] for alias in row["aliases"] or ())
    row["units"] = sorted(row["units"] or (), key=lambda unit: unit["name"])
    return row


# --- statement lists ---------------------------------------------------------------------

# Statements a page of an actor's statements lists, and statements about it shown.
ACTOR_PAGE_SIZE = 20
ABOUT_SHOWN = 10


def _listed_query(kind: str, relation: str, limit: int) -> Callable[..., QuerySet]:
    """The newest ``limit`` public statements on a subject's list (``SummaryStatement``), as
    statement list rows: the first entries of the list's index, then those statements."""

    def build(subject_id: int) -> QuerySet:
        listed = (
            SummaryStatement.objects.filter(
                subject_kind=kind, subject_id=subject_id, relation=relation
            )
            .order_by("-sort_date", "-statement_id")
            .values("statement_id")[:limit]
        )
        statements = Statement.objects.public().filter(pk__in=listed).order_by(*NEWEST_FIRST)
        return statement_item_rows(statements)[:limit]

    return build


_first_pages = {
    kind: PreparedRows(
        _listed_query(kind, SummaryRelation.SAID, ACTOR_PAGE_SIZE), plan_once=True, subject_id=int
    )
    for kind in (SummarySubject.PERSON, SummarySubject.MEMBERS)
}
_about = {
    kind: PreparedRows(
        _listed_query(kind, SummaryRelation.ABOUT, ABOUT_SHOWN), plan_once=True, subject_id=int
    )
    for kind in (SummarySubject.PERSON, SummarySubject.ORGANISATION)
}


def actor_first_page_rows(kind: str, pk: int) -> list[dict]:
    """The first ``ACTOR_PAGE_SIZE`` statements of a person (``kind`` "p") or of an
    organisation and its members ("o"), newest first, as statement list rows
    (``statement_item_rows``), in one query compiled once per process."""
    subject = SummarySubject.PERSON if kind == "p" else SummarySubject.MEMBERS
    return _first_pages[subject](subject_id=pk)


def actor_about_rows(kind: str, pk: int) -> list[dict]:
    """The newest ``ABOUT_SHOWN`` public statements about a person or an organisation, as
    statement list rows, in one query compiled once per process."""
    return _about[kind](subject_id=pk)
