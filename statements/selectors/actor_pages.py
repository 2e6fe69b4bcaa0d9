"""The rows a person's or an organisation's page draws: the actor with its aliases and
roles, its newest events, its most repeated quotes, as plain dicts.

Why rows: the pages built a model instance per alias, role, organisation, document, event
and quote, and a prefetch query each for aliases, roles and units; with JSON arrays of the
few related rows in the actor's own query, a page reads its actor in one query and draws
it without model instances.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject

from statements.models import (
    Membership,
    Organisation,
    OtherName,
    Person,
)
from statements.selectors.organisations import (
    ORGANISATION_NEWEST_WALK_FROM,
    organisation_statements_newest_qs,
)
from statements.selectors.people import person_statements
from statements.selectors.prepared import PreparedRows
from statements.selectors.statements import (
    STATEMENTS_ABOUT_WALK_FROM,
    _JSONGroupArray,
    statement_item_rows,
    statements_about_qs,
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


_person_page = PreparedRows(_person_page_query, slug=str)


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


_organisation_page = PreparedRows(_organisation_page_query, slug=str)


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


def _person_first_page_query(person_id: int) -> QuerySet:
    return statement_item_rows(person_statements(person_id))[:ACTOR_PAGE_SIZE]


def _organisation_first_page_query(walk: bool) -> Callable[..., QuerySet]:
    def build(own_id: int, members_id: int) -> QuerySet:
        statements = organisation_statements_newest_qs(
            own_id, members_id, walk=walk, limit=ACTOR_PAGE_SIZE
        )
        return statement_item_rows(statements)[:ACTOR_PAGE_SIZE]

    return build


def _about_query(owner: str, walk: bool) -> Callable[..., QuerySet]:
    def build(actor_id: int) -> QuerySet:
        about = statements_about_qs(Q(**{owner: actor_id}), walk=walk, limit=ABOUT_SHOWN)
        return statement_item_rows(about)[:ABOUT_SHOWN]

    return build


_first_pages = {
    ("p", False): PreparedRows(_person_first_page_query, person_id=int),
    **{
        ("o", walk): PreparedRows(_organisation_first_page_query(walk), own_id=int, members_id=int)
        for walk in (False, True)
    },
}
_about = {
    (kind, walk): PreparedRows(_about_query(owner, walk), actor_id=int)
    for kind, owner in (("p", "person_id"), ("o", "organisation_id"))
    for walk in (False, True)
}


def actor_first_page_rows(kind: str, pk: int, *, statement_count: int) -> list[dict]:
    """The first ``ACTOR_PAGE_SIZE`` statements of a person (``kind`` "p") or of an
    organisation and its members ("o"), newest first, as statement list rows
    (``statement_item_rows``), in one query compiled once per process; ``statement_count``
    chooses how an organisation's are found (``organisation_statements_newest_qs``)."""
    if kind == "p":
        return _first_pages[("p", False)](person_id=pk)
    walk = statement_count >= ORGANISATION_NEWEST_WALK_FROM
    return _first_pages[("o", walk)](own_id=pk, members_id=pk)


def actor_about_rows(kind: str, pk: int, *, about_count: int) -> list[dict]:
    """The newest ``ABOUT_SHOWN`` public statements about a person or an organisation, as
    statement list rows, in one query compiled once per process (``about_count``: see
    ``statements_about``)."""
    walk = about_count >= STATEMENTS_ABOUT_WALK_FROM
    return _about[(kind, walk)](actor_id=pk)
