"""What the charts and facets draw: statement counts by type, date, speaker and target.

Aggregates over a queryset of statements a selector gives (the public ones); kept apart
from the selectors, which decide what is read.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from operator import attrgetter, itemgetter

from django.db import connection
from django.db.models import (
    Count,
    F,
    QuerySet,
    Value,
)

from statements.links import page_url
from statements.models import (
    Membership,
    Organisation,
    Person,
    Statement,
    StatementType,
    SummaryLink,
    SummarySubject,
)
from statements.search import IdsIn
from statements.selectors.prepared import prepared_cursor
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


def _link_rows(subject: Subject, *, fixed: str, ranked: str, limit: int) -> list[TalkRow]:
    """The ``limit`` actors on the ``ranked`` side ("target" or "source") of the links
    whose ``fixed`` side is ``subject``, most statements first, with their names, in one
    query.

    A link row is already one per pair, so the top ones are read in ``n`` order from an
    index and the walk stops after ``limit`` (grouping the 10k-34k links of the most quoted
    person was most of their page's database time). Links with events and members'
    summaries are not actors on a side.
    """
    table = connection.ops.quote_name(SummaryLink._meta.db_table)
    quote = connection.ops.quote_name
    people, organisations = quote(Person._meta.db_table), quote(Organisation._meta.db_table)
    where = f"{fixed}_kind = %s AND {fixed}_id = %s AND {ranked}_kind NOT IN (%s, %s)"
    skipped = [*subject, SummarySubject.EVENT, SummarySubject.MEMBERS]
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            "SELECT top.kind, top.n, COALESCE(p.slug, o.slug), COALESCE(p.name, o.name) "
            f"FROM (SELECT {ranked}_kind AS kind, {ranked}_id AS id, n FROM {table} "
            f"WHERE {where} ORDER BY n DESC, {ranked}_kind, {ranked}_id LIMIT %s) top "
            f"LEFT JOIN {people} p ON top.kind = 'p' AND p.id = top.id "
            f"LEFT JOIN {organisations} o ON top.kind = 'o' AND o.id = top.id",
            [*skipped, limit],
        )
        rows = cursor.fetchall()
    out = []
    for actor_kind, total, slug, name in rows:
        if not slug:
            continue
        label = "person" if actor_kind == "p" else "organisation"
        url = page_url(f"statements:{label}-detail", slug)
        out.append(TalkRow(node=GraphNode(f"{actor_kind}:{slug}", name, url, label), count=total))
    out.sort(key=lambda row: (-row.count, row.node.name))
    return out


def summary_talk_targets(subject: Subject, *, limit: int = 8) -> list[TalkRow]:
    """Whom the statements of ``subject`` (a person, an organisation itself or with its
    members) are about, most often first (summary links)."""
    return _link_rows(subject, fixed="source", ranked="target", limit=limit)


def summary_talk_speakers(subject: Subject, *, limit: int = 8) -> list[TalkRow]:
    """Who makes statements about ``subject``, most often first (summary links)."""
    return _link_rows(subject, fixed="target", ranked="source", limit=limit)


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


# Facets and the search's count read at most this many matches. Reading every match (to
# count them, or to find the newest ones) costs in proportion to the matches: 8,907 rows
# for a word in 0.9% of a million statements.
FACET_SAMPLE = 1000


def _facet_rows(statements: QuerySet[Statement], limit: int) -> list[tuple]:
    """Up to ``limit`` of ``statements``: id, type, date and speaker ids.

    In no order: PostgreSQL stops after ``limit`` rows of its bitmap of the matches (a few
    pages each) instead of reading every match to sort them. Read with no join: names are
    looked up afterwards for the few actors the facets show.
    """
    return list(
        statements.select_related(None)
        .prefetch_related(None)
        .order_by()
        .values_list(
            "pk", "statement_type", "date", "speaker_person_id", "speaker_organisation_id"
        )[:limit]
    )


def _top(counts: dict[int, int], limit: int) -> list[int]:
    """The ids that can be among the ``limit`` most counted (ties at the edge included:
    the facets break them by name)."""
    if len(counts) <= limit:
        return list(counts)
    floor = sorted(counts.values(), reverse=True)[limit - 1]
    return [pk for pk, n in counts.items() if n >= floor]


def _actor_facets(
    speaker_counts: dict[int, int], org_counts: dict[int, int], limit: int
) -> tuple[list[Facet], list[Facet]]:
    """The ``limit`` most counted speakers and organisations, most first then by name (one
    query for the names of the candidates of both)."""
    people, organisations = _top(speaker_counts, limit), _top(org_counts, limit)
    if not (people or organisations):
        return [], []
    columns = ("pk", "slug", "name")
    names = (
        Person.objects.filter(pk__in=people)
        .order_by()
        .values_list(Value("p"), *columns)
        .union(
            Organisation.objects.filter(pk__in=organisations)
            .order_by()
            .values_list(Value("o"), *columns),
            all=True,
        )
    )
    ranked: dict[str, list] = {"p": [], "o": []}
    for kind, pk, slug, name in names:
        ranked[kind].append((pk, slug, name))
    out = []
    for kind, counts, parameter in (
        ("p", speaker_counts, "speaker"),
        ("o", org_counts, "organisation"),
    ):
        rows = sorted(ranked[kind], key=lambda row: (-counts[row[0]], row[2]))[:limit]
        out.append([Facet(name, {parameter: slug}, counts[pk]) for pk, slug, name in rows])
    return out[0], out[1]


def _facet_counts(rows: list[tuple]) -> tuple[dict, dict, dict, dict]:
    """Counts by type, year, speaker (person id) and organisation (id) of the sample; a
    statement also counts for every organisation its speaker is a member of."""
    # Counted column by column by Counter's C loop: a thousand rows, no Python call each.
    columns = zip(*rows, strict=True) if rows else ((), (), (), (), ())
    _ids, kinds, dates, person_ids, organisation_ids = columns
    type_counts = dict(Counter(kinds))
    year_counts = dict(Counter(map(attrgetter("year"), filter(None, dates))))
    speaker_counts = dict(Counter(filter(None, person_ids)))
    org_counts = dict(Counter(filter(None, organisation_ids)))
    if speaker_counts:
        member_of: dict[int, set[int]] = {}
        # Unordered: the model's default order joins every person to sort by name.
        memberships = (
            Membership.objects.filter(organisation__isnull=False)
            .filter(IdsIn(F("person_id"), list(speaker_counts)))
            .order_by()
        )
        for person_id, organisation_id in memberships.values_list("person_id", "organisation_id"):
            member_of.setdefault(person_id, set()).add(organisation_id)
        for person_id, n in speaker_counts.items():
            for organisation_id in member_of.get(person_id, ()):
                org_counts[organisation_id] = org_counts.get(organisation_id, 0) + n
    return type_counts, year_counts, speaker_counts, org_counts


def statement_facets(
    statements: QuerySet[Statement], *, limit: int = 10, sample: int | None = None
) -> dict:
    """Counts of up to ``sample`` of ``statements`` by type, speaker, organisation and year
    (at most three queries), and how many ``statements`` there are up to ``sample``.

    One query reads the types, dates and speakers of at most ``sample + 1`` matches, in no
    particular order (the match runs once and stops there); the counts are made in Python.
    Then the organisations the sampled speakers are members of, and the names of the
    speakers and organisations shown. Past ``sample`` matches, ``truncated`` says so: the
    total is "more than ``sample``" and the counts describe ``sample`` of the matches.
    Otherwise ``ids`` are every match's id, newest first, so a page of them is read by id.
    """
    sample = sample or FACET_SAMPLE
    rows = _facet_rows(statements, sample + 1)
    truncated = len(rows) > sample
    rows = rows[:sample]
    type_counts, year_counts, speaker_counts, org_counts = _facet_counts(rows)
    order = {value: i for i, value in enumerate(StatementType.values)}
    types = [
        Facet(StatementType(t).label, {"type": t}, n)
        for t, n in sorted(type_counts.items(), key=lambda item: (-item[1], order.get(item[0], 0)))
    ]
    speakers, organisations = _actor_facets(speaker_counts, org_counts, limit)
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
        "ids": [] if truncated else _newest_first(rows),
    }


def _newest_first(rows: list[tuple]) -> list[int]:
    """The ids of ``rows`` (id, type, date, ...) in the lists' order: date descending,
    undated last, then id descending."""
    dated = sorted((row for row in rows if row[2] is not None), key=itemgetter(2, 0), reverse=True)
    undated = sorted((row[0] for row in rows if row[2] is None), reverse=True)
    return [row[0] for row in dated] + undated
