"""What the charts and facets draw: statement counts by type, date, speaker and target.

Aggregates over a queryset of statements a selector gives (the public ones); kept apart
from the selectors, which decide what is read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    QuerySet,
)

from statements.models import (
    Membership,
    Organisation,
    Person,
    Statement,
    StatementType,
    SummaryLink,
    SummarySubject,
)
from statements.selectors.statements import NEWEST_FIRST
from statements.selectors.summaries import Subject
from statements.svg import GraphEdge, GraphNode


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


@dataclass(frozen=True)
class TalkRow:
    """An actor and how many statements link it with the page's actor."""

    node: GraphNode
    count: int


class TalkRows(list):
    """Talk rows, most statements first; ``total`` adds up the statements of every actor
    on that side, listed or not (who talks about an actor only: 0 for whom it talks about)."""

    total: int = 0


def _link_rows(
    subject: Subject, *, fixed: str, ranked: str, limit: int, total: bool = False
) -> TalkRows:
    """The ``limit`` actors on the ``ranked`` side ("target" or "source") of the links
    whose ``fixed`` side is ``subject``, most statements first, with their names and the
    sum over every actor on that side when ``total`` is asked for, in one query.

    A link row is already one per pair, so the top ones are read in ``n`` order from an
    index and the walk stops after ``limit`` (grouping the 10k-34k links of the most quoted
    person was most of their page's database time); only the total reads them all, from
    the same index. Links with events and members' summaries are not actors on a side.
    """
    table = connection.ops.quote_name(SummaryLink._meta.db_table)
    quote = connection.ops.quote_name
    people, organisations = quote(Person._meta.db_table), quote(Organisation._meta.db_table)
    where = f"{fixed}_kind = %s AND {fixed}_id = %s AND {ranked}_kind NOT IN (%s, %s)"
    skipped = [*subject, SummarySubject.EVENT, SummarySubject.MEMBERS]
    everyone = f"(SELECT SUM(n) FROM {table} WHERE {where})" if total else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT top.kind, top.n, {everyone}, "
            "COALESCE(p.slug, o.slug), COALESCE(p.name, o.name) "
            f"FROM (SELECT {ranked}_kind AS kind, {ranked}_id AS id, n FROM {table} "
            f"WHERE {where} ORDER BY n DESC, {ranked}_kind, {ranked}_id LIMIT %s) top "
            f"LEFT JOIN {people} p ON top.kind = 'p' AND p.id = top.id "
            f"LEFT JOIN {organisations} o ON top.kind = 'o' AND o.id = top.id",
            [*(skipped if total else ()), *skipped, limit],
        )
        rows = cursor.fetchall()
    out = TalkRows()
    out.total = int(rows[0][2] or 0) if rows else 0
    for actor_kind, total, _everyone, slug, name in rows:
        if not slug:
            continue
        model, label = (Person, "person") if actor_kind == "p" else (Organisation, "organisation")
        url = model(slug=slug).get_absolute_url()
        out.append(TalkRow(node=GraphNode(f"{actor_kind}:{slug}", name, url, label), count=total))
    out.sort(key=lambda row: (-row.count, row.node.name))
    return out


def summary_talk_targets(subject: Subject, *, limit: int = 8) -> TalkRows:
    """Whom the statements of ``subject`` (a person, an organisation itself or with its
    members) are about, most often first (summary links)."""
    return _link_rows(subject, fixed="source", ranked="target", limit=limit)


def summary_talk_speakers(subject: Subject, *, limit: int = 8) -> TalkRows:
    """Who makes statements about ``subject``, most often first (summary links); ``total``:
    the public statements about ``subject`` whose speaker is known."""
    return _link_rows(subject, fixed="target", ranked="source", limit=limit, total=True)


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


@dataclass(frozen=True)
class Facet:
    """One value of a search facet: the query parameters it sets and how many match."""

    label: str
    params: dict[str, str]
    count: int


# Facets count a bounded sample: on PostgreSQL each grouped count used to re-run the
# full-text match over the whole table as ``id IN (subquery)`` (~260 ms each at 20k).
FACET_SAMPLE = 2000


def _facet_rows(statements: QuerySet[Statement], limit: int) -> list[tuple]:
    """The newest ``limit`` of ``statements`` with the columns the facets count.

    The newest are chosen on the statements alone, and only they are joined with their
    speakers' names: joining first hashed the whole people table and joined every match
    (tens of thousands for a common word at 1M statements).
    """
    newest = statements.prefetch_related(None).order_by(*NEWEST_FIRST).values("pk")
    return list(
        Statement.objects.filter(pk__in=newest[:limit])
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
        )
    )


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
    rows = _facet_rows(statements, sample + 1)
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
