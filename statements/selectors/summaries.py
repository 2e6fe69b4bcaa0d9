"""Summaries: the per-person, per-organisation and per-event tables the services keep
exact, and the few site-wide aggregates (home page counts, pickers) kept a minute."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Min, Q, QuerySet, Sum, Value

from statements.models import (
    UNDATED_MONTH,
    Document,
    Event,
    Organisation,
    Person,
    Statement,
    SummaryCount,
    SummaryDay,
    SummaryLink,
)
from statements.selectors.prepared import PreparedRows, prepared_cursor

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


@dataclass(frozen=True)
class SiteCounts:
    statements: int
    people: int
    organisations: int
    events: int
    documents: int


def site_counts() -> SiteCounts:
    return SiteCounts(
        statements=Statement.objects.public().count(),
        people=Person.objects.live().count(),
        organisations=Organisation.objects.live().count(),
        events=Event.objects.count(),
        documents=Document.objects.count(),
    )


# --- per-subject summaries (maintained by services/summaries.py) ---------------------------

# (subject kind, id): a person "p", an organisation "o" (its own statements) or an event "e".
Subject = tuple[str, int]
# Within this many days between first and last statement the timeline is drawn by day.
TIMELINE_DAYS = 62


@dataclass(frozen=True)
class StatementSummary:
    """What the public statements of one or more subjects add up to, read from the summary
    tables (a few grouped rows per subject, whatever the number of statements)."""

    statement_count: int
    type_counts: dict[str, int]
    first_date: datetime.date | None
    last_date: datetime.date | None
    # ``(date, type, count)``: first days of months, or days when ``timeline_by_day``.
    timeline_rows: list[tuple[datetime.date, str, int]]
    timeline_by_day: bool


def subjects_filter(subjects: list[Subject], *, kind: str = "subject") -> Q:
    """Rows of ``subjects`` (``kind`` is the column prefix: subject, source or target)."""
    condition = Q(pk__in=[])
    for subject_kind in sorted({k for k, _ in subjects}):
        ids = sorted({pk for k, pk in subjects if k == subject_kind})
        condition |= Q(**{f"{kind}_kind": subject_kind, f"{kind}_id__in": ids})
    return condition


def _count_rows(kind: str, pk: int) -> list[tuple[int, str, int]]:
    """``(month, statement type, statements)`` of a subject: a row per month and type, a
    thousand and more for a speaker quoted over a decade, read as plain tuples (Django's
    value converters and a dict per row were the largest Python cost of an actor page)."""
    table = connection.ops.quote_name(SummaryCount._meta.db_table)
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            f"SELECT month, statement_type, SUM(n) FROM {table} "
            "WHERE subject_kind = %s AND subject_id = %s GROUP BY month, statement_type",
            [kind, pk],
        )
        return cursor.fetchall()


def _days_query(kind: str, pk: int) -> QuerySet:
    return SummaryDay.objects.filter(subject_kind=kind, subject_id=pk)


def _day_span_query(kind: str, pk: int) -> QuerySet:
    # Grouped by a constant, which Django leaves out of GROUP BY: with no GROUP BY,
    # PostgreSQL reads MIN and MAX as the first and last index entries of the subject;
    # grouped by the subject it read every day row (tens of thousands for the most quoted
    # person at 1M statements).
    return (
        _days_query(kind, pk)
        .annotate(span=Value(1))
        .values("span")
        .annotate(first=Min("day"), last=Max("day"))
        .values("first", "last")
        .order_by()
    )


def _day_rows_query(kind: str, pk: int) -> QuerySet:
    return _days_query(kind, pk).values("day", "statement_type").annotate(total=Sum("n")).order_by()


# A page reads one subject's summary on every request: compiled once (selectors/prepared.py).
_day_span = PreparedRows(_day_span_query, plan_once=True, kind=str, pk=int)
_day_rows = PreparedRows(_day_rows_query, plan_once=True, kind=str, pk=int)


@functools.lru_cache(maxsize=4096)
def _month_start(month: int) -> datetime.date:
    """The first day of a ``month`` (YYYYMM): a long-quoted speaker's timeline has a row per
    month and type, a thousand dates made on every view."""
    return datetime.date(month // 100, month % 100, 1)


def statement_summary(subject: Subject) -> StatementSummary:
    """The counts, dates and timeline of ``subject`` (2 queries)."""
    kind, pk = subject
    type_counts: dict[str, int] = {}
    monthly: dict[tuple[int, str], int] = {}
    for month, statement_type, n in _count_rows(kind, pk):
        type_counts[statement_type] = type_counts.get(statement_type, 0) + n
        if month != UNDATED_MONTH:
            monthly[(month, statement_type)] = monthly.get((month, statement_type), 0) + n
    months = sorted({month for month, _ in monthly})
    # One query on the days whatever the data (a page's query count must not depend on it):
    # statements four months apart or more span over two months, so only their first and
    # last days are read; closer ones are few, and their days decide.
    if months and _months_apart(months[0], months[-1]) >= 4:
        span = _day_span(kind=kind, pk=pk)
        first, last = (span[0]["first"], span[0]["last"]) if span else (None, None)
        day_rows = []
    else:
        day_rows = [
            (row["day"], row["statement_type"], row["total"]) for row in _day_rows(kind=kind, pk=pk)
        ]
        first = min((d for d, _, _ in day_rows), default=None)
        last = max((d for d, _, _ in day_rows), default=None)
    by_day = first is not None and (last - first).days <= TIMELINE_DAYS
    if by_day:
        timeline = sorted(day_rows)
    else:
        timeline = [
            (_month_start(month), statement_type, n)
            for (month, statement_type), n in sorted(monthly.items())
        ]
    return StatementSummary(
        statement_count=sum(type_counts.values()),
        type_counts=type_counts,
        first_date=first,
        last_date=last,
        timeline_rows=timeline,
        timeline_by_day=by_day,
    )


def _total_query(kind: str, pk: int) -> QuerySet:
    return (
        SummaryCount.objects.filter(subject_kind=kind, subject_id=pk)
        .values("subject_kind")
        .annotate(total=Sum("n"))
        .values("total")
        .order_by()
    )


_total = PreparedRows(_total_query, plan_once=True, kind=str, pk=int)


def statement_total(subject: Subject) -> int:
    """Public statements of ``subject`` (one query)."""
    rows = _total(kind=subject[0], pk=subject[1])
    return (rows[0]["total"] or 0) if rows else 0


def statement_kind_counts(subjects: list[Subject]) -> dict[str, int]:
    """Public statements of ``subjects`` by kind (direct, indirect, mixed)."""
    return dict(
        SummaryCount.objects.filter(subjects_filter(subjects))
        .values_list("kind")
        .annotate(total=Sum("n"))
        .order_by()
    )


def _months_apart(first: int, last: int) -> int:
    """Calendar months between two ``YYYYMM`` values."""
    return (last // 100 - first // 100) * 12 + (last % 100 - first % 100)


def summary_event_ids(subjects: list[Subject]) -> QuerySet:
    """Ids of the events ``subjects`` spoke at (a subquery)."""
    return (
        SummaryLink.objects.filter(subjects_filter(subjects, kind="source"), target_kind="e")
        .values("target_id")
        .order_by()
    )
