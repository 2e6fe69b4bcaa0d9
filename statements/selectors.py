"""Read queries: the one home of select_related / prefetch_related.

Views, viewsets and exports ask a selector for a queryset and never add joins of their
own, so every page and endpoint has one place where its query count is decided.
Two sections: the REST API and exports, then the HTML site.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, JSONObject

from statements import shapes
from statements.models import (
    Document,
    Event,
    EventParticipant,
    Membership,
    Mention,
    Organisation,
    OtherName,
    Person,
    Statement,
    StatementQuerySet,
    StatementTarget,
    StatementType,
    statement_public_q,
)
from statements.naming import name_key
from statements.svg import GraphEdge, GraphNode

# ---------------------------------------------------------------------------
# REST API and exports.
# ---------------------------------------------------------------------------

# Undated statements sort before every dated one; a non-null key keeps cursors valid.
UNDATED = datetime.date(1, 1, 1)


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


def _statement_related_columns() -> list[str]:
    """The joined rows' columns the public statement fields read (statements/shapes.py):
    loading only these makes each page's five joined models cheap to build (finding 6)."""
    return [column for column in shapes.statement_columns() if "__" in column]


def statement_page_api() -> QuerySet[Statement]:
    """``statement_list_api`` narrowed to the columns the API's list and detail show.

    Every statement column but ``original_extraction`` stays loaded (the review endpoint
    saves the row); the joined rows carry only what the nested references print. Exports
    read more of the joined rows and keep ``statement_list_api``.
    """
    columns = [
        field.name
        for field in Statement._meta.concrete_fields
        if field.name != "original_extraction"
    ]
    targets = Prefetch(
        "targets",
        queryset=StatementTarget.objects.select_related("person", "organisation")
        .only(
            "statement", "person__name", "person__slug", "organisation__name", "organisation__slug"
        )
        .order_by("id"),
        # A plain list: a prefetch into ``targets`` builds a filtered queryset per row.
        to_attr="target_list",
    )
    return (
        Statement.objects.select_related(
            "document", "speaker_person", "speaker_organisation", "event"
        )
        .only(*columns, *_statement_related_columns())
        .prefetch_related(targets)
        .annotate(sort_date=Coalesce(F("date"), Value(UNDATED)))
    )


class _JSONGroupArray(Aggregate):
    """JSON array of the grouped values (SQLite ``json_group_array``, PostgreSQL ``jsonb_agg``)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _statement_targets_json() -> Subquery:
    """Each statement's targets as a JSON array of objects over ``shapes.TARGET_COLUMNS``.

    A correlated subquery in the page query itself: PostgreSQL walks the target index for
    each of the page's rows, where a separate ``IN (page ids)`` query joined every person
    or organisation by hashing the whole table (3 ms at 1M statements) and cost a second
    round trip.
    """
    target = JSONObject(**{column: F(column) for column in shapes.TARGET_COLUMNS})
    return Subquery(
        StatementTarget.objects.filter(statement=OuterRef("pk"))
        .order_by()
        .values("statement")
        .annotate(rows=_JSONGroupArray(target))
        .values("rows")
    )


def statement_rows_api() -> StatementQuerySet:
    """Statements as rows (``shapes.statement_columns()``, ``sort_date``, ``target_rows``),
    in one query; filter and order it like a model queryset. Annotations added later (a
    search rank) join the rows.

    ``sort_date`` is in the rows because cursor pagination reads its position from the
    row's first ordering field. The queryset is built once per process and cloned: setting
    up 45 columns and the targets subquery cost about a millisecond a request.
    """
    return _statement_rows_base().all()


@functools.cache
def _statement_rows_base() -> StatementQuerySet:
    return Statement.objects.values(
        *shapes.statement_columns(),
        sort_date=Coalesce(F("date"), Value(UNDATED)),
        **{shapes.TARGET_ROWS: _statement_targets_json()},
    )


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
    """Statements the person spoke, per type; kept for ``SUMMARY_CACHE_SECONDS``."""
    return cached_summary(
        f"kb:person-statement-counts:{person_id}",
        lambda: dict(
            Statement.objects.public()
            .filter(speaker_person_id=person_id)
            .order_by()
            .values_list("statement_type")
            .annotate(n=Count("id"))
        ),
    )


SUMMARY_CACHE_SECONDS = 60
T = TypeVar("T")


def cached_summary(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept for ``SUMMARY_CACHE_SECONDS`` in the cache framework.

    Why: aggregates over many statements (the home page's counts and most-quoted lists,
    the speaker and organisation pickers, a person's statements per type) cost time that
    grows with the corpus, and change only when documents are ingested or records reviewed
    or merged; a minute late is fine for a summary.
    """
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, SUMMARY_CACHE_SECONDS)
    return value


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


def document_list_api(*, with_text: bool = False) -> QuerySet[Document]:
    """Documents with a statement count; the (long) text only when asked for."""
    documents = Document.objects.with_statement_count()
    return documents if with_text else documents.defer("text")


# ---------------------------------------------------------------------------
# End of the REST API section.
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# HTML site.
# Every page calls a few of these; the joins live here so each page runs a fixed number
# of queries however many rows it shows (tests/views pin the counts). Rejected statements
# are hidden from the public site: a reviewer said they are not statements.
# ---------------------------------------------------------------------------

# Newest first, undated last on every database (PostgreSQL puts NULLs first otherwise).
NEWEST_FIRST = (F("date").desc(nulls_last=True), "-id")


def statement_public_qs(statements: StatementQuerySet | None = None) -> QuerySet[Statement]:
    """``statements`` (by default the public ones), with everything a statement row draws."""
    if statements is None:
        statements = Statement.objects.public()
    return (
        statements.select_related("speaker_person", "speaker_organisation", "document", "event")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=StatementTarget.objects.select_related("person", "organisation"),
            )
        )
        .defer("document__text", "original_extraction", "document__metadata")
    )


def statement_type_counts(statements: QuerySet[Statement]) -> dict[str, int]:
    """How many of ``statements`` there are of each type (one grouped query)."""
    rows = statements.order_by().values_list("statement_type").annotate(n=Count("id"))
    return dict(rows)


def statement_timeline_rows(
    statements: QuerySet[Statement],
) -> list[tuple[datetime.date, str, int]]:
    """``(date, type, count)`` rows for the timeline chart."""
    rows = (
        statements.order_by()
        .filter(date__isnull=False)
        .values_list("date", "statement_type")
        .annotate(n=Count("id"))
    )
    return [(d, t, n) for d, t, n in rows]


# --- lists -----------------------------------------------------------------------------


def actor_name_filter(query: str, model: type[Person] | type[Organisation]) -> Q:
    """Name or alias contains the query, ignoring case, accents and punctuation."""
    key = name_key(query)
    if not key:
        return Q()
    owner = "person_id" if model is Person else "organisation_id"
    aliases = OtherName.objects.filter(name_key__contains=key).values(owner)
    return Q(name_key__contains=key) | Q(pk__in=aliases)


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


def event_list_qs() -> QuerySet[Event]:
    return (
        Event.objects.select_related("document")
        .defer("document__text", "document__metadata")
        .with_statement_count()
        .order_by(F("date").desc(nulls_last=True), "name", "pk")
    )


def document_list_qs() -> QuerySet[Document]:
    return (
        Document.objects.defer("text", "metadata")
        .with_statement_count()
        .order_by(F("published_at").desc(nulls_last=True), "-id")
    )


# --- home ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteCounts:
    statements: int
    people: int
    organisations: int
    events: int
    documents: int


def statement_count_estimate() -> int | None:
    """PostgreSQL's estimate of the statements table's rows (``pg_class.reltuples``).

    Why: an exact ``COUNT(*)`` of the whole table costs 350-420 ms at 1M rows
    (docs/benchmarks.md, finding 5); the estimate, kept by autovacuum's ANALYZE, costs a
    catalogue lookup. ``None`` on other databases or before the first ANALYZE.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [Statement._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


def site_counts() -> SiteCounts:
    return SiteCounts(
        statements=Statement.objects.public().count(),
        people=Person.objects.live().count(),
        organisations=Organisation.objects.live().count(),
        events=Event.objects.count(),
        documents=Document.objects.count(),
    )


def person_most_quoted(*, limit: int = 8) -> list[Person]:
    return list(
        Person.objects.live()
        .with_statement_count()
        .filter(statement_count__gt=0)
        .order_by("-statement_count", "name")[:limit]
    )


def organisation_most_quoted(*, limit: int = 8) -> list[Organisation]:
    """Organisations by statements made by them or by their members."""
    return list(
        Organisation.objects.live()
        .with_statement_count()
        .filter(statement_count__gt=0)
        .order_by("-statement_count", "name")[:limit]
    )


# --- people and organisations ----------------------------------------------------------


def person_get(slug: str) -> Person | None:
    return (
        Person.objects.filter(slug=slug)
        .prefetch_related(
            "other_names",
            "identifiers",
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("organisation", "document")
                .defer("document__text", "document__metadata")
                .order_by("status", "-start_date", "role"),
            ),
        )
        .first()
    )


def organisation_get(slug: str) -> Organisation | None:
    return (
        Organisation.objects.filter(slug=slug)
        .select_related("parent")
        .prefetch_related(
            "other_names",
            "children",
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("person").order_by(
                    "status", "person__name", "role"
                ),
            ),
        )
        .first()
    )


def person_statements(person: Person) -> QuerySet[Statement]:
    return statement_public_qs().filter(speaker_person=person).order_by(*NEWEST_FIRST)


def person_statements_about(person: Person, *, limit: int = 10) -> list[Statement]:
    return list(
        statement_public_qs().filter(targets__person=person).order_by(*NEWEST_FIRST)[:limit]
    )


def organisation_statements(organisation: Organisation) -> QuerySet[Statement]:
    """Statements by the organisation itself or by anyone who holds a role in it."""
    members = Membership.objects.filter(organisation=organisation).values("person_id")
    return (
        statement_public_qs()
        .filter(Q(speaker_organisation=organisation) | Q(speaker_person__in=members))
        .order_by(*NEWEST_FIRST)
    )


def organisation_statements_about(
    organisation: Organisation, *, limit: int = 10
) -> list[Statement]:
    return list(
        statement_public_qs()
        .filter(targets__organisation=organisation)
        .order_by(*NEWEST_FIRST)[:limit]
    )


# Events listed on a person or organisation page: the most quoted people spoke at
# thousands, and drawing them all was most of the page's time (1.2 s of 1.5 s).
EVENTS_SHOWN = 20


def person_events(person: Person, *, limit: int = EVENTS_SHOWN) -> list[Event]:
    """The newest ``limit + 1`` events the person took part in or spoke at (the extra one
    tells the page there are more)."""
    spoke_at = Statement.objects.public().filter(speaker_person=person).values("event_id")
    took_part = EventParticipant.objects.filter(person=person).values("event_id")
    return list(
        Event.objects.filter(Q(pk__in=spoke_at) | Q(pk__in=took_part))
        .select_related("document")
        .defer("document__text", "document__metadata")
        .order_by(F("date").desc(nulls_last=True), "name")[: limit + 1]
    )


def organisation_events(organisation: Organisation, *, limit: int = EVENTS_SHOWN) -> list[Event]:
    """The newest ``limit + 1`` events the organisation took part in or spoke at."""
    spoke_at = (
        Statement.objects.public().filter(speaker_organisation=organisation).values("event_id")
    )
    took_part = EventParticipant.objects.filter(organisation=organisation).values("event_id")
    return list(
        Event.objects.filter(Q(pk__in=spoke_at) | Q(pk__in=took_part)).order_by(
            F("date").desc(nulls_last=True), "name"
        )[: limit + 1]
    )


@dataclass(frozen=True)
class TalkRow:
    """An actor and how many statements link it with the page's actor."""

    node: GraphNode
    count: int


def _talk_rows(rows, prefix: str) -> list[TalkRow]:
    out = []
    for row in rows:
        if row[f"{prefix}person__slug"]:
            node = GraphNode(
                key=f"p:{row[f'{prefix}person__slug']}",
                name=row[f"{prefix}person__name"],
                url=Person(slug=row[f"{prefix}person__slug"]).get_absolute_url(),
                kind="person",
            )
        elif row[f"{prefix}organisation__slug"]:
            node = GraphNode(
                key=f"o:{row[f'{prefix}organisation__slug']}",
                name=row[f"{prefix}organisation__name"],
                url=Organisation(slug=row[f"{prefix}organisation__slug"]).get_absolute_url(),
                kind="organisation",
            )
        else:
            continue
        out.append(TalkRow(node=node, count=row["n"]))
    return out


def talk_targets(statements: QuerySet[Statement], *, limit: int = 8) -> list[TalkRow]:
    """Whom ``statements`` are about, most often first."""
    rows = (
        StatementTarget.objects.filter(statement__in=statements.order_by().values("pk"))
        .values("person__slug", "person__name", "organisation__slug", "organisation__name")
        .annotate(n=Count("id"))
        .order_by("-n", "person__name", "organisation__name")[:limit]
    )
    return _talk_rows(rows, "")


def talk_speakers(target: Q, *, limit: int = 8) -> list[TalkRow]:
    """Who makes statements about the actor selected by ``target`` (a StatementTarget Q)."""
    rows = (
        Statement.objects.public()
        .filter(pk__in=StatementTarget.objects.filter(target).values("statement_id"))
        .values(
            "speaker_person__slug",
            "speaker_person__name",
            "speaker_organisation__slug",
            "speaker_organisation__name",
        )
        .annotate(n=Count("id"))
        .order_by("-n")[:limit]
    )
    return _talk_rows(rows, "speaker_")


def talk_graph(
    centre: GraphNode, targets: list[TalkRow], speakers: list[TalkRow]
) -> tuple[list[GraphNode], list[GraphEdge]]:
    """Nodes and edges of the ego graph drawn on person and organisation pages."""
    nodes: dict[str, GraphNode] = {}
    edges: list[GraphEdge] = []
    for row in targets:
        if row.node.key != centre.key:
            nodes.setdefault(row.node.key, row.node)
        edges.append(GraphEdge(centre.key, row.node.key, row.count))
    for row in speakers:
        if row.node.key == centre.key:
            continue
        nodes.setdefault(row.node.key, row.node)
        edges.append(GraphEdge(row.node.key, centre.key, row.count))
    edges = [e for e in edges if e.source != e.target]
    return list(nodes.values()), edges


# --- events, statements, documents -----------------------------------------------------


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


def statement_get(pk: int, *, statements: StatementQuerySet | None = None) -> Statement | None:
    """Statement ``pk`` among ``statements`` (by default the public ones), for its page."""
    if statements is None:
        statements = Statement.objects.public()
    return (
        statements.filter(pk=pk)
        .select_related(
            "speaker_person",
            "speaker_organisation",
            "document",
            "event",
            "membership__organisation",
            "reviewed_by",
        )
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=StatementTarget.objects.select_related("person", "organisation"),
            )
        )
        .first()
    )


def statement_same_quote(statement: Statement, *, limit: int = 10) -> list[Statement]:
    """The same quotation reported elsewhere (same cluster key)."""
    if not statement.cluster_key:
        return []
    return list(
        Statement.objects.public()
        .filter(cluster_key=statement.cluster_key)
        .exclude(pk=statement.pk)
        .select_related("document")
        .defer("document__text")[:limit]
    )


def document_mentions(
    document: Document, *, start: int = 0, end: int | None = None
) -> list[Mention]:
    """Mentions of the document, or of the part of it between ``start`` and ``end``."""
    mentions = document.mentions.filter(start__gte=start)
    if end is not None:
        mentions = mentions.filter(end__lte=end)
    return list(mentions.select_related("person", "organisation").order_by("start"))


def document_statements(document: Document) -> list[Statement]:
    return list(
        Statement.objects.public()
        .filter(document=document)
        .select_related("speaker_person", "speaker_organisation", "event")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=StatementTarget.objects.select_related("person", "organisation"),
            )
        )
        .order_by("content_start")
    )


def paragraph_bounds(statement: Statement) -> tuple[int, int]:
    """Offsets of the paragraph that holds the statement (its source context)."""
    from statements.highlight import paragraph_around

    return paragraph_around(statement.document.text, statement.content_start)


@dataclass(frozen=True)
class Facet:
    """One value of a search facet: the query parameters it sets and how many match."""

    label: str
    params: dict[str, str]
    count: int


# Facets count a bounded sample: on PostgreSQL each grouped count used to re-run the
# full-text match over the whole table as ``id IN (subquery)`` (~260 ms each at 20k).
FACET_SAMPLE = 2000


def statement_facets(
    statements: QuerySet[Statement], *, limit: int = 10, sample: int | None = None
) -> dict:
    """Counts of the newest ``sample`` of ``statements`` by type, speaker, organisation and
    year (two queries).

    One query reads the few columns the facets need from the newest matches (the match runs
    once, and stops after ``sample + 1`` rows in date order); the counts are made in Python.
    A second query finds the organisations the sampled speakers are members of. ``ids`` are
    the sampled statements' ids, newest first, so the search page can show a page of them
    without running the match again. Past
    ``sample`` matches the counts describe the newest ones only: ``truncated`` says so and
    the page tells the reader.
    """
    sample = sample or FACET_SAMPLE
    rows = list(
        statements.prefetch_related(None)
        .order_by(*NEWEST_FIRST)
        .values_list(
            "pk",
            "statement_type",
            "date",
            "speaker_person_id",
            "speaker_person__slug",
            "speaker_person__name",
            "speaker_organisation__slug",
            "speaker_organisation__name",
        )[: sample + 1]
    )
    truncated = len(rows) > sample
    rows = rows[:sample]
    type_counts: dict[str, int] = {}
    year_counts: dict[int, int] = {}
    speaker_counts: dict[tuple[str, str], int] = {}
    org_counts: dict[tuple[str, str], int] = {}
    for _pk, kind, date, _person_id, p_slug, p_name, o_slug, o_name in rows:
        type_counts[kind] = type_counts.get(kind, 0) + 1
        if date is not None:
            year_counts[date.year] = year_counts.get(date.year, 0) + 1
        if p_slug:
            speaker_counts[(p_slug, p_name)] = speaker_counts.get((p_slug, p_name), 0) + 1
        if o_slug:
            org_counts[(o_slug, o_name)] = org_counts.get((o_slug, o_name), 0) + 1
    # A statement also counts for every organisation its speaker is a member of.
    person_ids = {row[3] for row in rows if row[3] is not None}
    member_of: dict[int, set[tuple[str, str]]] = {}
    if person_ids:
        for person_id, o_slug, o_name in Membership.objects.filter(
            organisation__isnull=False, person_id__in=person_ids
        ).values_list("person_id", "organisation__slug", "organisation__name"):
            member_of.setdefault(person_id, set()).add((o_slug, o_name))
    for row in rows:
        for key in member_of.get(row[3], ()):
            org_counts[key] = org_counts.get(key, 0) + 1
    order = {value: i for i, value in enumerate(StatementType.values)}
    types = [
        Facet(StatementType(t).label, {"type": t}, n)
        for t, n in sorted(type_counts.items(), key=lambda item: (-item[1], order.get(item[0], 0)))
    ]
    speakers = [
        Facet(name, {"speaker": slug}, n)
        for (slug, name), n in sorted(speaker_counts.items(), key=lambda i: (-i[1], i[0][1]))
    ][:limit]
    organisations = [
        Facet(name, {"organisation": slug}, n)
        for (slug, name), n in sorted(org_counts.items(), key=lambda i: (-i[1], i[0][1]))
    ][:limit]
    years = [
        Facet(str(year), {"date_after": f"{year}-01-01", "date_before": f"{year}-12-31"}, n)
        for year, n in sorted(year_counts.items(), reverse=True)
    ]
    return {
        "types": types,
        "speakers": speakers,
        "organisations": organisations,
        "years": years,
        "sample": len(rows),
        "truncated": truncated,
        "ids": [row[0] for row in rows],
    }


def speaker_choices(*, limit: int = 500) -> list[tuple[str, str]]:
    """``(slug, name)`` of people who have statements, for the speaker filter (one query)."""
    return list(
        Person.objects.filter(
            merged_into__isnull=True, pk__in=Statement.objects.public().values("speaker_person")
        )
        .order_by("name")
        .values_list("slug", "name")[:limit]
    )


def organisation_choices(*, limit: int = 500) -> list[tuple[str, str]]:
    """``(slug, name)`` of organisations that speak or have members (one query)."""
    return list(
        Organisation.objects.filter(merged_into__isnull=True)
        # EXISTS, not IN: under OR, PostgreSQL rescans the statements for every
        # organisation when the IN subquery does not fit in work_mem (finding 8: 177 s at 1M).
        .filter(
            Q(Exists(Statement.objects.public().filter(speaker_organisation=OuterRef("pk"))))
            | Q(Exists(Membership.objects.filter(organisation=OuterRef("pk"))))
        )
        .order_by("name")
        .values_list("slug", "name")[:limit]
    )


# ---------------------------------------------------------------------------
# End of the HTML site section.
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------- exports (API and backup)


def popolo_export_sections(
    *, statements: Iterable[Statement], base_url: str = "", chunk_size: int = 2000
) -> list[tuple[str, Iterator[dict]]]:
    """Popolo's five sections streamed from the database: every person, organisation,
    membership and event, and the given statements as speeches."""
    from statements import exports

    def chunked(queryset):
        return queryset.order_by("id").iterator(chunk_size=chunk_size)

    return exports.popolo_sections(
        persons=chunked(person_list_api()),
        organisations=chunked(organisation_list_api()),
        memberships=chunked(membership_list_api()),
        events=chunked(event_list_api()),
        statements=statements,
        base_url=base_url,
    )
