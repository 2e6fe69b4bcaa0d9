"""The public shape of a statement, declared once.

``STATEMENT_FIELDS`` lists a statement's public fields in order. Each says which row
columns it reads, how the API (and the JSON-lines export) represents it, the serializer
field that describes it in the OpenAPI schema, and its columns in the CSV export. The
selector's columns (``statement_columns``), the API representation, the schema, the CSV
header and rows are all derived from it; the backup carries every model column anyway.
Adding a field is one entry here (plus a migration when it is a new column).

A *row* is a mapping from column names (model attnames such as ``speaker_person_id`` or
related lookups such as ``document__title``) to values, with ``target_rows``: a list of
mappings over ``TARGET_COLUMNS`` (``targets`` is taken by the relation). The API reads rows
straight from the database (``selectors.statement_rows_api``: one query a page, no model
instances); model instances are turned into the same rows by ``statement_instance_row``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import get_script_prefix
from django.urls import reverse as django_reverse
from rest_framework import serializers

from statements.models import CueClass, ReviewStatus, Statement, StatementKind, StatementType

Row = Mapping[str, Any]

# --- links ---------------------------------------------------------------------------------

# Placeholders reversed once per URL name; every link is then the template with the
# placeholder replaced. A statement page used to call ``reverse()`` ~440 times, the main
# cost of an API request (docs/benchmarks.md, finding 6). Ids and slugs are ASCII, so
# the result is what ``reverse()`` + ``build_absolute_uri()`` give.
_PLACEHOLDERS = {"pk": "9876543210123", "slug": "kb-url-placeholder-slug"}


@functools.cache
def _url_template(name: str, field: str, script_prefix: str) -> str:
    return django_reverse(name, kwargs={field: _PLACEHOLDERS[field]})


class Links:
    """URL builder for one request or export: its scheme and host (``base``) given once."""

    __slots__ = ("base", "prefix", "templates")

    def __init__(self, base: str = "") -> None:
        self.base = base.rstrip("/")
        self.prefix = get_script_prefix()
        self.templates: dict[tuple[str, str], str] = {}

    def url(self, name: str, field: str, value: Any) -> str:
        """The absolute (or, with no ``base``, site-relative) URL of route ``name``."""
        template = self.templates.get((name, field))
        if template is None:
            template = self.base + _url_template(name, field, self.prefix)
            self.templates[(name, field)] = template
        return template.replace(_PLACEHOLDERS[field], str(value))


# --- nested references ---------------------------------------------------------------------

ACTOR_KINDS = ("person", "organisation")


class ActorRefSerializer(serializers.Serializer):
    """A person or organisation, in brief."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ACTOR_KINDS)
    name = serializers.CharField()
    slug = serializers.SlugField()
    url = serializers.URLField(help_text="This record in the API.")
    html_url = serializers.URLField(help_text="This record on the HTML site.")


class SpanSerializer(serializers.Serializer):
    """Character offsets into the document text, end exclusive."""

    start = serializers.IntegerField()
    end = serializers.IntegerField()


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="Where the article was published (may be empty).")
    publisher = serializers.CharField()
    published_at = serializers.DateField(allow_null=True)
    api_url = serializers.URLField()
    html_url = serializers.URLField()


class EventRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    classification = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    url = serializers.URLField()
    html_url = serializers.URLField()


def actor_ref(actor_id: int, kind: str, name: str, slug: str, links: Links) -> dict[str, Any]:
    return {
        "id": actor_id,
        "kind": kind,
        "name": name,
        "slug": slug,
        "url": links.url(f"api:{kind}-detail", "slug", slug),
        "html_url": links.url(f"statements:{kind}-detail", "slug", slug),
    }


def span(start: int | None, end: int | None) -> dict[str, int] | None:
    if start is None or end is None:
        return None
    return {"start": start, "end": end}


def iso(value: Any) -> str | None:
    return value.isoformat() if value else None


_DATETIME_FIELD = serializers.DateTimeField()


# --- the declaration -----------------------------------------------------------------------


@dataclass(frozen=True)
class FlatColumn:
    """One column of a field in the CSV export."""

    name: str
    value: Callable[[Row, Links], Any]


@dataclass(frozen=True)
class PublicField:
    """One public field of a statement (see the module docstring)."""

    name: str
    columns: tuple[str, ...]
    represent: Callable[[Row, Links], Any]
    schema: Callable[[], serializers.Field]
    flat: tuple[FlatColumn, ...]


def _column(row: Row, links: Links, column: str) -> Any:
    return row[column]


def _plain(
    name: str, schema: Callable[[], serializers.Field], column: str | None = None
) -> PublicField:
    """A field that is one column, shown as stored (under ``name`` in the CSV too)."""
    column = column or name

    def value(row: Row, links: Links) -> Any:
        return row[column]

    return PublicField(name, (column,), value, schema, (FlatColumn(name, value),))


def _date(name: str, column: str, help_text: str = "") -> PublicField:
    def value(row: Row, links: Links) -> str | None:
        return iso(row[column])

    def schema() -> serializers.Field:
        return serializers.DateField(allow_null=True, read_only=True, help_text=help_text)

    return PublicField(name, (column,), value, schema, (FlatColumn(name, value),))


def _span_field(name: str, prefix: str, *, required: bool = False) -> PublicField:
    """``{start, end}`` from ``<prefix>_start`` / ``<prefix>_end``; flat as both columns."""
    start, end = f"{prefix}_start", f"{prefix}_end"

    def schema() -> serializers.Field:
        return SpanSerializer(allow_null=not required, read_only=True)

    return PublicField(
        name,
        (start, end),
        lambda row, links: span(row[start], row[end]),
        schema,
        (
            FlatColumn(start, lambda row, links: row[start]),
            FlatColumn(end, lambda row, links: row[end]),
        ),
    )


def _text(help_text: str = "") -> Callable[[], serializers.Field]:
    return lambda: serializers.CharField(read_only=True, help_text=help_text)


def _choice(choices, help_text: str = "") -> Callable[[], serializers.Field]:
    return lambda: serializers.ChoiceField(choices=choices, read_only=True, help_text=help_text)


def _help(field: str) -> str:
    return str(Statement._meta.get_field(field).help_text)


# The columns a row needs for its speaker (``_speaker``): statements and quotes alike.
SPEAKER_COLUMNS = (
    "speaker_person_id",
    "speaker_person__name",
    "speaker_person__slug",
    "speaker_organisation_id",
    "speaker_organisation__name",
    "speaker_organisation__slug",
)


def _speaker(row: Row, links: Links) -> dict[str, Any] | None:
    if (person_id := row["speaker_person_id"]) is not None:
        return actor_ref(
            person_id, "person", row["speaker_person__name"], row["speaker_person__slug"], links
        )
    if (organisation_id := row["speaker_organisation_id"]) is not None:
        return actor_ref(
            organisation_id,
            "organisation",
            row["speaker_organisation__name"],
            row["speaker_organisation__slug"],
            links,
        )
    return None


def _speaker_flat(key: str) -> FlatColumn:
    return FlatColumn(
        f"speaker_{key}",
        lambda row, links: (speaker := _speaker(row, links)) and speaker[key],
    )


TARGET_ROWS = "target_rows"
# A target in a row: its id (for order) and both possible actors' id, name and slug.
TARGET_COLUMNS = (
    "id",
    "person_id",
    "person__name",
    "person__slug",
    "organisation_id",
    "organisation__name",
    "organisation__slug",
)


def _targets(row: Row, links: Links) -> list[dict[str, Any]]:
    """References from the row's ``target_rows`` (``TARGET_COLUMNS`` mappings), in id order."""
    refs = []
    for target in sorted(row[TARGET_ROWS] or (), key=lambda target: target["id"]):
        if target["person_id"] is not None:
            refs.append(
                actor_ref(
                    target["person_id"],
                    "person",
                    target["person__name"],
                    target["person__slug"],
                    links,
                )
            )
        elif target["organisation_id"] is not None:
            refs.append(
                actor_ref(
                    target["organisation_id"],
                    "organisation",
                    target["organisation__name"],
                    target["organisation__slug"],
                    links,
                )
            )
    return refs


def _event(row: Row, links: Links) -> dict[str, Any] | None:
    event_id = row["event_id"]
    if event_id is None:
        return None
    return {
        "id": event_id,
        "name": row["event__name"],
        "classification": row["event__classification"],
        "date": iso(row["event__date"]),
        "url": links.url("api:event-detail", "pk", event_id),
        "html_url": links.url("statements:event-detail", "pk", event_id),
    }


def _document(row: Row, links: Links, relation: str = "document") -> dict[str, Any] | None:
    """The document ``relation`` (``document``, or a quote's ``first_document``) names."""
    document_id = row[f"{relation}_id"]
    if document_id is None:
        return None
    return {
        "id": document_id,
        "title": row[f"{relation}__title"],
        "url": row[f"{relation}__url"],
        "publisher": row[f"{relation}__publisher"],
        "published_at": iso(row[f"{relation}__published_at"]),
        "api_url": links.url("api:document-detail", "pk", document_id),
        "html_url": links.url("statements:document-detail", "pk", document_id),
    }


class QuoteRefSerializer(serializers.Serializer):
    """The quote a direct statement reports (with every other report of it)."""

    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The quote in the API.")
    html_url = serializers.URLField(help_text="The quote on the HTML site.")


def quote_ref(quote_id: int | None, links: Links) -> dict[str, Any] | None:
    if quote_id is None:
        return None
    return {
        "id": quote_id,
        "url": links.url("api:quote-detail", "pk", quote_id),
        "html_url": links.url("statements:quote-detail", "pk", quote_id),
    }


def _quote(row: Row, links: Links) -> dict[str, Any] | None:
    return quote_ref(row["quote_id"], links)


def _content_spans(row: Row, links: Links) -> list | None:
    spans = row["content_spans"]
    if spans is None:
        return None
    # PostgreSQL's jsonb hands numbers back as they were stored; keep them integers.
    return [
        None if pair is None else [None if n is None else int(n) for n in pair] for pair in spans
    ]


def _reviewed_at(row: Row, links: Links) -> str | None:
    value = row["reviewed_at"]
    return None if value is None else _DATETIME_FIELD.to_representation(value)


STATEMENT_FIELDS: tuple[PublicField, ...] = (
    _plain("id", lambda: serializers.IntegerField(read_only=True)),
    PublicField(
        "url",
        ("id",),
        lambda row, links: links.url("api:statement-detail", "pk", row["id"]),
        lambda: serializers.URLField(read_only=True, help_text="This record in the API."),
        (FlatColumn("url", lambda row, links: links.url("api:statement-detail", "pk", row["id"])),),
    ),
    PublicField(
        "html_url",
        ("id",),
        lambda row, links: links.url("statements:statement-detail", "pk", row["id"]),
        lambda: serializers.URLField(read_only=True, help_text="This record on the HTML site."),
        (
            FlatColumn(
                "html_url",
                lambda row, links: links.url("statements:statement-detail", "pk", row["id"]),
            ),
        ),
    ),
    PublicField(
        "speaker",
        SPEAKER_COLUMNS,
        _speaker,
        lambda: ActorRefSerializer(
            allow_null=True,
            read_only=True,
            help_text="The resolved person or organisation; null for unnamed speakers.",
        ),
        tuple(_speaker_flat(key) for key in ("kind", "id", "slug", "name")),
    ),
    _plain("speaker_text", _text(_help("speaker_text"))),
    _span_field("speaker_span", "speaker"),
    _plain("role", _text(_help("speaker_role")), column="speaker_role"),
    _plain("cue", _text(_help("cue"))),
    _span_field("cue_span", "cue"),
    _plain("cue_class", _choice(CueClass.choices)),
    _plain("content", _text(_help("content"))),
    _span_field("content_span", "content", required=True),
    PublicField(
        "content_spans",
        ("content_spans",),
        _content_spans,
        lambda: serializers.ListField(
            child=serializers.ListField(
                child=serializers.IntegerField(), min_length=2, max_length=2
            ),
            read_only=True,
            help_text=_help("content_spans"),
        ),
        (FlatColumn("content_spans", lambda row, links: json.dumps(_content_spans(row, links))),),
    ),
    _plain("kind", _choice(StatementKind.choices)),
    _plain("type", _choice(StatementType.choices), column="statement_type"),
    _plain("cameo_code", _text(_help("cameo_code"))),
    _plain("plover_code", _text(_help("plover_code"))),
    _plain("codebook_version", _text()),
    PublicField(
        "targets",
        (TARGET_ROWS,),
        _targets,
        lambda: ActorRefSerializer(many=True, read_only=True),
        (
            FlatColumn(
                "targets",
                lambda row, links: "; ".join(ref["name"] for ref in _targets(row, links)),
            ),
        ),
    ),
    PublicField(
        "event",
        ("event_id", "event__name", "event__classification", "event__date"),
        _event,
        lambda: EventRefSerializer(allow_null=True, read_only=True),
        (
            FlatColumn("event_id", lambda row, links: row["event_id"]),
            FlatColumn("event_name", lambda row, links: row["event__name"]),
        ),
    ),
    _date("date", "date", _help("date")),
    PublicField(
        "document",
        (
            "document_id",
            "document__title",
            "document__url",
            "document__publisher",
            "document__published_at",
        ),
        _document,
        lambda: DocumentRefSerializer(read_only=True),
        (
            FlatColumn("document_id", lambda row, links: row["document_id"]),
            FlatColumn("document_title", lambda row, links: row["document__title"]),
            FlatColumn("document_url", lambda row, links: row["document__url"]),
            FlatColumn("publisher", lambda row, links: row["document__publisher"]),
            FlatColumn("published_at", lambda row, links: iso(row["document__published_at"])),
        ),
    ),
    PublicField(
        "confidence",
        ("confidence",),
        lambda row, links: float(row["confidence"]),
        lambda: serializers.FloatField(read_only=True, help_text=_help("confidence")),
        (FlatColumn("confidence", lambda row, links: row["confidence"]),),
    ),
    _plain("extractor_version", _text()),
    _plain("cluster_key", _text(_help("cluster_key"))),
    PublicField(
        "quote",
        ("quote_id",),
        _quote,
        lambda: QuoteRefSerializer(allow_null=True, read_only=True, help_text=_help("quote")),
        (FlatColumn("quote_id", lambda row, links: row["quote_id"]),),
    ),
    _plain("review_status", _choice(ReviewStatus.choices)),
    PublicField(
        "reviewed_at",
        ("reviewed_at",),
        _reviewed_at,
        lambda: serializers.DateTimeField(allow_null=True, read_only=True),
        (FlatColumn("reviewed_at", _reviewed_at),),
    ),
)


# --- what is derived from it ---------------------------------------------------------------


@functools.cache
def statement_columns() -> tuple[str, ...]:
    """Every database column the public fields read, once each, in declaration order
    (``target_rows`` is not a column: the selector builds it from ``TARGET_COLUMNS``)."""
    columns: dict[str, None] = {}
    for field in STATEMENT_FIELDS:
        columns.update(dict.fromkeys(c for c in field.columns if c != TARGET_ROWS))
    return tuple(columns)


def statement_represent(row: Row, links: Links) -> dict[str, Any]:
    """A statement's API representation (and the ``kb`` part of its JSON-lines record)."""
    return {field.name: field.represent(row, links) for field in STATEMENT_FIELDS}


def statement_flat_header() -> tuple[str, ...]:
    """The CSV export's header: every field's flat columns, in declaration order."""
    return tuple(column.name for field in STATEMENT_FIELDS for column in field.flat)


def statement_flat_values(row: Row, links: Links) -> list[Any]:
    """A CSV row in ``statement_flat_header`` order (not yet made formula-safe)."""
    return [column.value(row, links) for field in STATEMENT_FIELDS for column in field.flat]


def statement_schema_fields() -> dict[str, serializers.Field]:
    """The serializer fields that describe the representation in the OpenAPI schema."""
    return {field.name: field.schema() for field in STATEMENT_FIELDS}


def _path(obj: Any, path: str) -> Any:
    """``obj.a.b`` for ``a__b``; None when a relation on the way is empty."""
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def statement_instance_row(statement: Statement) -> dict[str, Any]:
    """A model instance as the row the public fields read (relations loaded by the caller:
    ``selectors.statement_page_api`` or ``statement_list_api``; no query here)."""
    row = {column: _path(statement, column) for column in statement_columns()}
    # statement_page_api prefetches into a plain list (cheaper than a queryset per row);
    # other querysets prefetch ``targets``.
    targets = getattr(statement, "target_list", None)
    if targets is None:
        targets = statement.targets.all()
    row[TARGET_ROWS] = [
        {column: _path(target, column) for column in TARGET_COLUMNS} for target in targets
    ]
    return row


# --- quotes --------------------------------------------------------------------------------

# The columns of a quote's row (``selectors.quote_rows_api``): the quote's own, and its
# speaker's and first document's, named as in a statement's row.
QUOTE_COLUMNS = (
    "id",
    "text",
    *SPEAKER_COLUMNS,
    "first_reported",
    "first_document_id",
    "first_document__title",
    "first_document__url",
    "first_document__publisher",
    "first_document__published_at",
    "first_document__lead",  # its name on the quote page when it has no title
    "outlet_count",
    "document_count",
    "statement_count",
    "speaker_count",
    "conflicting",
)

# The columns of one report of a quote (a statement's row, cut to what a report shows), for
# the API and the quote page.
QUOTE_REPORT_COLUMNS = (
    "id",
    *SPEAKER_COLUMNS,
    "speaker_text",
    "content",
    "date",
    "document_id",
    "document__title",
    "document__url",
    "document__publisher",
    "document__published_at",
    "document__lead",  # the document's name on the quote page when it has no title
)


def quote_represent(row: Row, links: Links) -> dict[str, Any]:
    """A quote's API representation (``api.serializers.QuoteSerializer`` describes it)."""
    quote_id = row["id"]
    return {
        "id": quote_id,
        "url": links.url("api:quote-detail", "pk", quote_id),
        "html_url": links.url("statements:quote-detail", "pk", quote_id),
        "text": row["text"],
        "speaker": _speaker(row, links),
        "first_reported": iso(row["first_reported"]),
        "first_document": _document(row, links, "first_document"),
        "outlet_count": row["outlet_count"],
        "document_count": row["document_count"],
        "statement_count": row["statement_count"],
        "speaker_count": row["speaker_count"],
        "conflicting": row["conflicting"],
    }


def quote_report_represent(row: Row, links: Links) -> dict[str, Any]:
    """One report of a quote (``api.serializers.QuoteReportSerializer`` describes it)."""
    statement_id = row["id"]
    return {
        "id": statement_id,
        "url": links.url("api:statement-detail", "pk", statement_id),
        "html_url": links.url("statements:statement-detail", "pk", statement_id),
        "speaker": _speaker(row, links),
        "speaker_text": row["speaker_text"],
        "content": row["content"],
        "date": iso(row["date"]),
        "document": _document(row, links),
    }
