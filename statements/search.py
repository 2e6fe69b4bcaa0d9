"""Full-text search, the same on PostgreSQL and SQLite.

The query language: words (all must match, stemmed: "withdrawal" finds "withdraw"),
``"exact phrases"``, ``-excluded`` words or phrases, and ``prefix*``. ``query_parse`` reads
it once; each database gets the same query compiled to its own full-text engine:
PostgreSQL's ``to_tsquery`` (english configuration) over the GIN indexes migration 0002
creates, SQLite's FTS5 (porter stemmer) over the tables ``sqlite_search_tables_ensure``
keeps. A statement is found by what was said (its content and the speaker as written) or
by who said it (the name of its person or organisation); a document's title does not make
its statements match: documents have their own search, over titles.

Excluded terms remove a statement when they match any of those texts, so ``-Turkey`` drops
statements that mention Turkey or that Turkey made, on both databases.

On PostgreSQL the vectors below match, expression for expression, the GIN indexes of
migration 0002; change one and you must change the other, or the planner falls back to a
sequential scan. Results carry a ``search_rank`` annotation there (SQLite does not rank).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from statements.models import Document, Organisation, Person, Statement

SEARCH_CONFIG = "english"
RANK_ANNOTATION = "search_rank"
STOP_WORDS_FILE = Path(__file__).with_name("search_stop_words.txt")

# Words are runs of letters and digits, as both engines' tokenizers cut them.
_WORD = re.compile(r"[^\W_]+")
_ITEM = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


@cache
def stop_words() -> frozenset[str]:
    """English stop words PostgreSQL's english configuration ignores (Snowball's list)."""
    lines = STOP_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class SearchTerm:
    """A word, or a phrase of several in a row; ``prefix``: the last one is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    required: tuple[SearchTerm, ...]
    excluded: tuple[SearchTerm, ...]

    def __bool__(self) -> bool:
        return bool(self.required or self.excluded)


def query_parse(text: str) -> ParsedQuery:
    """The terms of a search box's text. A lone stop word ("the") is dropped, as
    PostgreSQL drops it; inside a phrase it stays."""
    required: list[SearchTerm] = []
    excluded: list[SearchTerm] = []
    for match in _ITEM.finditer(text):
        negative, phrase, word = match.groups()
        body = phrase if phrase is not None else word
        prefix = phrase is None and body.endswith("*")
        words = tuple(w.lower() for w in _WORD.findall(body))
        if not words:
            continue
        if len(words) == 1 and not prefix and words[0] in stop_words():
            continue
        (excluded if negative else required).append(SearchTerm(words, prefix))
    return ParsedQuery(tuple(required), tuple(excluded))


# --- PostgreSQL ------------------------------------------------------------------------------


def _tsquery_term(term: SearchTerm) -> str:
    words = [f"'{word}'" for word in term.words]
    if term.prefix:
        words[-1] += ":*"
    text = " <-> ".join(words)
    return f"({text})" if len(words) > 1 else text


def tsquery(terms: tuple[SearchTerm, ...], operator: str) -> str:
    """``terms`` as a raw ``to_tsquery`` expression joined by ``operator`` (& or |)."""
    return f" {operator} ".join(_tsquery_term(term) for term in terms)


def _vector(*fields: str) -> SearchVector:
    return SearchVector(*fields, config=SEARCH_CONFIG)


def _search_query(expression: str) -> SearchQuery:
    return SearchQuery(expression, config=SEARCH_CONFIG, search_type="raw")


def _matching_ids(model: type, field: str, query: SearchQuery) -> QuerySet:
    return (
        model.objects.alias(search_vector=_vector(field))
        .filter(search_vector=query)
        .order_by()
        .values("pk")
    )


def _postgres_statement_ids(query: SearchQuery) -> QuerySet:
    """Ids of statements matching ``query``, as a ``UNION`` of three index-backed arms.

    One ``WHERE vector @@ query OR speaker_person_id IN (...) OR ...`` cannot use the GIN
    index: PostgreSQL computed ``to_tsvector`` for every row of the table (16 s at 500k
    statements, docs/benchmarks.md finding 4). Each arm of the union uses an index: the
    statement GIN index, and ``speaker_*_id`` behind the small GIN lookups on names.
    """
    statements = Statement.objects.order_by()
    by_text = (
        statements.alias(search_vector=_vector("content", "speaker_text"))
        .filter(search_vector=query)
        .values("pk")
    )
    by_person = statements.filter(speaker_person__in=_matching_ids(Person, "name", query)).values(
        "pk"
    )
    by_organisation = statements.filter(
        speaker_organisation__in=_matching_ids(Organisation, "name", query)
    ).values("pk")
    return by_text.union(by_person, by_organisation)


# --- SQLite ----------------------------------------------------------------------------------


def _fts5_term(term: SearchTerm) -> str:
    return '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "")


def fts5_query(terms: tuple[SearchTerm, ...], operator: str) -> str:
    """``terms`` as an FTS5 MATCH expression joined by ``operator`` (AND or OR)."""
    return f" {operator} ".join(_fts5_term(term) for term in terms)


@dataclass(frozen=True)
class SearchTable:
    """An FTS5 index of some text columns of a table, kept by triggers."""

    table: str
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.table}_fts"


SQLITE_SEARCH_TABLES = {
    Statement: SearchTable(Statement._meta.db_table, ("content", "speaker_text")),
    Person: SearchTable(Person._meta.db_table, ("name",)),
    Organisation: SearchTable(Organisation._meta.db_table, ("name",)),
    Document: SearchTable(Document._meta.db_table, ("title",)),
}


def _fts5_ids(model: type, expression: str) -> RawSQL:
    name = SQLITE_SEARCH_TABLES[model].name
    return RawSQL(f'SELECT rowid FROM "{name}" WHERE "{name}" MATCH %s', [expression])


def _sqlite_statement_match(expression: str) -> Q:
    return (
        Q(pk__in=_fts5_ids(Statement, expression))
        | Q(speaker_person__in=_fts5_ids(Person, expression))
        | Q(speaker_organisation__in=_fts5_ids(Organisation, expression))
    )


def _search_table_sql(search_table: SearchTable) -> list[str]:
    """The FTS5 table and the triggers that keep it in step with its table."""
    name, table = search_table.name, search_table.table
    columns = ", ".join(search_table.columns)
    new = ", ".join(f"new.{column}" for column in search_table.columns)
    old = ", ".join(f"old.{column}" for column in search_table.columns)
    insert = f'INSERT INTO "{name}"(rowid, {columns}) VALUES (new.id, {new});'
    delete = f'INSERT INTO "{name}"("{name}", rowid, {columns}) VALUES (\'delete\', old.id, {old});'
    return [
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{name}" USING fts5({columns}, '
        f"content='{table}', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 0')",
        f'CREATE TRIGGER IF NOT EXISTS "{name}_insert" AFTER INSERT ON "{table}" '
        f"BEGIN {insert} END",
        f'CREATE TRIGGER IF NOT EXISTS "{name}_delete" AFTER DELETE ON "{table}" '
        f"BEGIN {delete} END",
        f'CREATE TRIGGER IF NOT EXISTS "{name}_update" AFTER UPDATE ON "{table}" '
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_search_tables_ensure(connection) -> list[str]:
    """Create the FTS5 tables and triggers SQLite's search reads, where missing, and index
    what the table holds; returns the names of the tables (re)indexed.

    Run after every ``migrate`` (``apps.py``) rather than once in a migration: Django's
    SQLite schema editor rebuilds a table to alter it, which drops its triggers.
    """
    if connection.vendor != "sqlite":
        return []
    rebuilt = []
    with connection.cursor() as cursor:
        for search_table in SQLITE_SEARCH_TABLES.values():
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{search_table.name}_%"],
            )
            complete = cursor.fetchone()[0] == 3
            for sql in _search_table_sql(search_table):
                cursor.execute(sql)
            if not complete:
                name = search_table.name
                cursor.execute(f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\')')
                rebuilt.append(name)
    return rebuilt


# --- searches ------------------------------------------------------------------------------


def search_uses_postgres(queryset: QuerySet) -> bool:
    """Whether ``queryset``'s database is PostgreSQL (which also ranks results)."""
    return connections[queryset.db].vendor == "postgresql"


def statement_search(queryset: QuerySet, text: str) -> QuerySet:
    """Statements whose words or speaker match ``text`` (see the module docstring).

    The ``search_rank`` annotation (PostgreSQL) is computed only for the rows a query
    returns, unless it is ordered by: ranking means reading every match, so callers order
    by it only when asked (the API's ``ordering=relevance``).
    """
    if not text.strip():
        return queryset
    parsed = query_parse(text)
    if not parsed:
        return queryset.none()
    if search_uses_postgres(queryset):
        if parsed.required:
            query = _search_query(tsquery(parsed.required, "&"))
            queryset = queryset.filter(pk__in=_postgres_statement_ids(query)).annotate(
                **{RANK_ANNOTATION: SearchRank(_vector("content", "speaker_text"), query)}
            )
        if parsed.excluded:
            excluded = _search_query(tsquery(parsed.excluded, "|"))
            queryset = queryset.exclude(pk__in=_postgres_statement_ids(excluded))
        return queryset
    if parsed.required:
        queryset = queryset.filter(_sqlite_statement_match(fts5_query(parsed.required, "AND")))
    if parsed.excluded:
        queryset = queryset.exclude(_sqlite_statement_match(fts5_query(parsed.excluded, "OR")))
    return queryset


def document_search(queryset: QuerySet, text: str) -> QuerySet:
    """Documents whose title matches ``text``, in the same query language."""
    if not text.strip():
        return queryset
    parsed = query_parse(text)
    if not parsed:
        return queryset.none()
    if search_uses_postgres(queryset):
        queryset = queryset.alias(search_vector=_vector("title"))
        if parsed.required:
            queryset = queryset.filter(search_vector=_search_query(tsquery(parsed.required, "&")))
        if parsed.excluded:
            excluded = _search_query(tsquery(parsed.excluded, "|"))
            queryset = queryset.exclude(pk__in=_matching_ids(Document, "title", excluded))
        return queryset
    if parsed.required:
        queryset = queryset.filter(pk__in=_fts5_ids(Document, fts5_query(parsed.required, "AND")))
    if parsed.excluded:
        queryset = queryset.exclude(pk__in=_fts5_ids(Document, fts5_query(parsed.excluded, "OR")))
    return queryset
