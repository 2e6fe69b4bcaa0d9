"""Read queries compiled to SQL once per process, run with new parameters on each call.

Why: building a queryset (``filter``, ``values``, subqueries, JSON objects) and compiling
it to SQL runs thousands of Python calls, the same ones on every request; for the few
fixed-shape queries of the person and organisation pages that was more of their time than
the database's. A ``PreparedRows`` builds its queryset once with marker values in place of
the parameters, keeps Django's SQL and converters, and then only executes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

_counter = itertools.count(1)


class PreparedRows:
    """``build(**parameters)``, a ``values()`` queryset, run as rows (dicts).

    ``build`` must use each parameter once, as a plain query parameter (an exact lookup or
    a ``LIMIT``-free value): it is called once per database connection with markers, and
    the markers' places in the compiled parameters are where each call's values go.

    ``plan_once``: run on ``prepared_cursor``, planned once per connection. Only for a query
    whose best plan is the same whatever its parameters (an equality on the leading columns
    of one index): PostgreSQL's one plan for every value read all 7,385 quotes of the most
    quoted person to rank them (15 ms warm, seconds cold) where a plan made for that person
    read 5 from an index in order (0.14 ms).
    """

    def __init__(
        self, build: Callable[..., QuerySet], *, plan_once: bool = False, **kinds: type
    ) -> None:
        self.build = build
        self.plan_once = plan_once
        self.kinds = kinds  # parameter name -> int or str, for its marker
        self._compiled: dict[int, tuple] = {}

    def _markers(self) -> dict[str, Any]:
        markers = {}
        for name, kind in self.kinds.items():
            number = next(_counter)
            # An int marker lies inside every integer column's range: Django drops or
            # empties a lookup whose value a column cannot hold (a negative bound on a
            # positive field), which would leave no parameter to put the value in.
            markers[name] = 1_987_654_000 + number if kind is int else f"\x1fkb-{number}\x1f"
        return markers

    def _compile(self, alias: str) -> tuple:
        markers = self._markers()
        queryset = self.build(**markers)
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = {}
        for name, marker in markers.items():
            places = [i for i, value in enumerate(params) if value == marker]
            if len(places) != 1:
                raise ValueError(f"parameter {name!r} is not one plain query parameter")
            slots[name] = places[0]
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        converters = compiler.get_converters([column[0] for column in compiler.select])
        return sql, list(params), slots, names, compiler, converters

    def __call__(self, *, using: str = "default", **values: Any) -> list[dict]:
        connection = connections[using]
        key = id(connection)
        if key not in self._compiled:
            self._compiled[key] = self._compile(using)
        sql, params, slots, names, compiler, converters = self._compiled[key]
        params = list(params)
        for name, value in values.items():
            params[slots[name]] = value
        cursor = prepared_cursor(connection) if self.plan_once else connection.cursor()
        with cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]


def prepared_cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """On PostgreSQL (unless ``KB_DB_PREPARE`` is off), a cursor that binds its parameters
    on the server and prepares its query: a query run again on the same connection is then
    planned once, not on every call. Planning the joins of a page's statement rows took
    several times as long as running them (5 ms against 1 ms for the statements about a
    person at 1M statements). Elsewhere, Django's cursor."""
    if connection.vendor != "postgresql" or not settings.KB_DB_PREPARE:
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off for every cursor; its own cursors bind on
        # the client and never prepare, so this only enables ``PreparingCursor``.
        raw.prepare_threshold = 5
    return connection._prepare_cursor(PreparingCursor(raw))


class PreparingCursor(psycopg.Cursor):
    """A server-binding psycopg cursor that prepares every query it runs."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True, **kwargs)
