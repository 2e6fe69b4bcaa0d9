"""Summaries kept a minute: the home page's counts and other aggregates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache

from statements.models import (
    Document,
    Event,
    Organisation,
    Person,
    Statement,
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
