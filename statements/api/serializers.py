"""API representations. Read-only apart from a statement's review status.

Related records are rendered as small nested references (id, name, API URL, HTML URL)
built from rows the selectors already loaded, so serializing never queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from statements import shapes
from statements.models import (
    Document,
    Event,
    EventClassification,
    Identifier,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationClassification,
    OtherName,
    Person,
    Quote,
    ReviewStatus,
    Statement,
    StatementType,
)
from statements.selectors import statement_type_count_field
from statements.shapes import (
    ActorRefSerializer,
    DocumentRefSerializer,
    Links,
    SpanSerializer,
    iso,
    span,
)

_DATETIME_FIELD = serializers.DateTimeField()


def _links(request) -> Links:
    """The request's URL builder, made once per request."""
    if request is None:
        return Links("")
    links = getattr(request, "_kb_links", None)
    if links is None:
        links = Links(request.build_absolute_uri("/"))
        request._kb_links = links
    return links


def _api_url(request, name: str, **kwargs: Any) -> str:
    ((field, value),) = kwargs.items()
    return _links(request).url(f"api:{name}", field, value)


def _html_url(request, name: str, field: str, value: Any) -> str:
    return _links(request).url(f"statements:{name}", field, value)


# --- nested references ------------------------------------------------------------------


def actor_ref(actor: Person | Organisation | None, request) -> dict[str, Any] | None:
    if actor is None:
        return None
    kind = "person" if isinstance(actor, Person) else "organisation"
    return shapes.actor_ref(actor.pk, kind, actor.name, actor.slug, _links(request))


def document_ref(document: Document, request) -> dict[str, Any]:
    links = _links(request)
    return {
        "id": document.pk,
        "title": document.title,
        "url": document.url,
        "publisher": document.publisher,
        "published_at": iso(document.published_at),
        "api_url": links.url("api:document-detail", "pk", document.pk),
        "html_url": links.url("statements:document-detail", "pk", document.pk),
    }


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = OtherName
        fields = ["name", "kind", "note"]


class IdentifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Identifier
        fields = ["scheme", "identifier"]


class _LinkedMixin(serializers.Serializer):
    """Adds ``url`` (API) and ``html_url`` (HTML site) from ``api_detail`` and the model."""

    url = serializers.SerializerMethodField(help_text="This record in the API.")
    html_url = serializers.SerializerMethodField(help_text="This record on the HTML site.")
    api_detail = ("", "pk")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        name, field = self.api_detail
        return _api_url(self.context.get("request"), name, **{field: getattr(obj, field)})

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, obj) -> str:
        # The HTML routes share the API routes' names (statements:person-detail, ...).
        name, field = self.api_detail
        return _html_url(self.context.get("request"), name, field, getattr(obj, field))


# --- memberships ---------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    """A role a person holds in an organisation."""

    person = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=MembershipStatus.choices, read_only=True)
    source_span = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = [
            "id",
            "person",
            "organisation",
            "role",
            "start_date",
            "end_date",
            "status",
            "document",
            "source_text",
            "source_span",
        ]
        read_only_fields = fields

    @extend_schema_field(ActorRefSerializer)
    def get_person(self, obj: Membership) -> dict[str, Any] | None:
        return actor_ref(obj.person, self.context.get("request"))

    @extend_schema_field(ActorRefSerializer(allow_null=True))
    def get_organisation(self, obj: Membership) -> dict[str, Any] | None:
        return actor_ref(obj.organisation, self.context.get("request"))

    @extend_schema_field(SpanSerializer(allow_null=True))
    def get_source_span(self, obj: Membership) -> dict[str, int] | None:
        return span(obj.start, obj.end)


class RoleSerializer(MembershipSerializer):
    """A membership seen from its person: the organisation, not the person again."""

    class Meta(MembershipSerializer.Meta):
        fields = [f for f in MembershipSerializer.Meta.fields if f != "person"]
        read_only_fields = fields


class MemberSerializer(MembershipSerializer):
    """A membership seen from its organisation: the person, not the organisation again."""

    class Meta(MembershipSerializer.Meta):
        fields = [f for f in MembershipSerializer.Meta.fields if f != "organisation"]
        read_only_fields = fields


# --- people and organisations ----------------------------------------------------------


StatementCountsSerializer = type(
    "StatementCountsSerializer",
    (serializers.Serializer,),
    {value: serializers.IntegerField() for value in StatementType.values},
)


@dataclass(frozen=True)
class RecordField:
    """One public field of a person or organisation: how it is represented and, unless it
    is the model field of the same name, the serializer field that describes it."""

    name: str
    represent: Callable[[Any, Links], Any]
    schema: Callable[[], serializers.Field] | None = None


def _attribute(name: str) -> RecordField:
    return RecordField(name, lambda record, links: getattr(record, name))


def _timestamp(name: str) -> RecordField:
    return RecordField(
        name, lambda record, links: _DATETIME_FIELD.to_representation(getattr(record, name))
    )


def _record_links(kind: str) -> tuple[RecordField, RecordField]:
    uri = OpenApiTypes.URI
    return (
        RecordField(
            "url",
            lambda record, links: links.url(f"api:{kind}-detail", "slug", record.slug),
            lambda: extend_schema_field(uri)(
                serializers.CharField(read_only=True, help_text="This record in the API.")
            ),
        ),
        RecordField(
            "html_url",
            lambda record, links: links.url(f"statements:{kind}-detail", "slug", record.slug),
            lambda: extend_schema_field(uri)(
                serializers.CharField(read_only=True, help_text="This record on the HTML site.")
            ),
        ),
    )


def _aliases(record, links: Links) -> list[dict[str, Any]]:
    return [{"name": a.name, "kind": a.kind, "note": a.note} for a in record.other_names.all()]


def _identifiers(record, links: Links) -> list[dict[str, Any]]:
    return [{"scheme": i.scheme, "identifier": i.identifier} for i in record.identifiers.all()]


def _ref(actor: Person | Organisation | None, links: Links) -> dict[str, Any] | None:
    if actor is None:
        return None
    kind = "person" if isinstance(actor, Person) else "organisation"
    return shapes.actor_ref(actor.pk, kind, actor.name, actor.slug, links)


def _membership_represent(membership: Membership, links: Links, *, seen_from: str) -> dict:
    """A membership as ``RoleSerializer`` (seen from the person) or ``MemberSerializer``."""
    other = "organisation" if seen_from == "person" else "person"
    return {
        "id": membership.pk,
        other: _ref(getattr(membership, other), links),
        "role": membership.role,
        "start_date": membership.start_date,  # partial ISO dates, stored as text
        "end_date": membership.end_date,
        "status": membership.status,
        "document": membership.document_id,
        "source_text": membership.source_text,
        "source_span": span(membership.start, membership.end),
    }


def _statement_counts(person: Person, links: Links) -> dict[str, int]:
    return {
        value: getattr(person, statement_type_count_field(value), 0)
        for value in StatementType.values
    }


_ACTOR_FIELDS_BEFORE = ("id", "slug")
_ACTOR_FIELDS_AFTER = ("disambiguation", "summary", "wikidata_qid", "needs_review")
_ALIASES = RecordField(
    "aliases", _aliases, lambda: AliasSerializer(source="other_names", many=True, read_only=True)
)
_IDENTIFIERS = RecordField(
    "identifiers", _identifiers, lambda: IdentifierSerializer(many=True, read_only=True)
)

# The public fields of a person, in order: the API representation and schema come from here.
PERSON_FIELDS: tuple[RecordField, ...] = (
    *map(_attribute, _ACTOR_FIELDS_BEFORE),
    *_record_links("person"),
    *map(_attribute, ("name", "given_name", "family_name", "honorific_prefix")),
    *map(_attribute, _ACTOR_FIELDS_AFTER),
    RecordField(
        "roles",
        lambda person, links: [
            _membership_represent(m, links, seen_from="person") for m in person.memberships.all()
        ],
        lambda: RoleSerializer(source="memberships", many=True, read_only=True),
    ),
    _ALIASES,
    _IDENTIFIERS,
    RecordField(
        "statement_count",
        lambda person, links: person.statement_count,
        lambda: serializers.IntegerField(
            read_only=True, help_text="Public statements made by this person."
        ),
    ),
    RecordField(
        "statement_counts",
        _statement_counts,
        lambda: StatementCountsSerializer(
            read_only=True, help_text="Public statements made by this person, per type."
        ),
    ),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)

# The public fields of an organisation, in order.
ORGANISATION_FIELDS: tuple[RecordField, ...] = (
    *map(_attribute, _ACTOR_FIELDS_BEFORE),
    *_record_links("organisation"),
    _attribute("name"),
    RecordField(
        "classification",
        lambda organisation, links: organisation.classification,
        lambda: serializers.ChoiceField(
            choices=[("", "unknown"), *OrganisationClassification.choices], read_only=True
        ),
    ),
    _attribute("country"),
    RecordField(
        "parent",
        lambda organisation, links: _ref(organisation.parent, links),
        lambda: ActorRefSerializer(allow_null=True, read_only=True),
    ),
    *map(_attribute, _ACTOR_FIELDS_AFTER),
    RecordField(
        "members",
        lambda organisation, links: [
            _membership_represent(m, links, seen_from="organisation")
            for m in organisation.memberships.all()
        ],
        lambda: MemberSerializer(source="memberships", many=True, read_only=True),
    ),
    _ALIASES,
    _IDENTIFIERS,
    RecordField(
        "statement_count",
        lambda organisation, links: organisation.statement_count,
        lambda: serializers.IntegerField(
            read_only=True,
            help_text="Public statements made by the organisation itself or by anyone "
            "holding a role in it.",
        ),
    ),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)


class _RecordSerializer(serializers.ModelSerializer):
    """Represents a record as a plain dict from its ``public_fields``.

    Building DRF's fields for a person and its nested roles, aliases and identifiers
    cost about as much as the person's four queries; the fields are built for the OpenAPI
    schema only.
    """

    public_fields: tuple[RecordField, ...] = ()

    def to_representation(self, instance) -> dict[str, Any]:
        links = _links(self.context.get("request"))
        return {field.name: field.represent(instance, links) for field in self.public_fields}


def _record_serializer(
    name: str, model: type, public_fields: tuple[RecordField, ...], doc: str
) -> type[_RecordSerializer]:
    """A serializer whose fields (model fields or declared ones) are ``public_fields``."""
    names = [field.name for field in public_fields]
    meta = type("Meta", (), {"model": model, "fields": names, "read_only_fields": names})
    declared = {field.name: field.schema() for field in public_fields if field.schema}
    attrs = {"__doc__": doc, "__module__": __name__, "Meta": meta, "public_fields": public_fields}
    return type(name, (_RecordSerializer,), {**declared, **attrs})


PersonSerializer = _record_serializer(
    "PersonSerializer",
    Person,
    PERSON_FIELDS,
    "A person with roles, aliases, identifiers and how many statements of each type.",
)
OrganisationSerializer = _record_serializer(
    "OrganisationSerializer",
    Organisation,
    ORGANISATION_FIELDS,
    "An organisation with its parent, members, aliases and identifiers.",
)


# --- events and documents --------------------------------------------------------------


class EventSerializer(_LinkedMixin, serializers.ModelSerializer):
    """An event statements were made at."""

    api_detail = ("event-detail", "pk")
    classification = serializers.ChoiceField(choices=EventClassification.choices, read_only=True)
    document = serializers.SerializerMethodField()
    span = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()
    statement_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "url",
            "html_url",
            "name",
            "classification",
            "date",
            "date_text",
            "location",
            "document",
            "span",
            "participants",
            "statement_count",
        ]
        read_only_fields = fields

    @extend_schema_field(DocumentRefSerializer(allow_null=True))
    def get_document(self, obj: Event) -> dict[str, Any] | None:
        return document_ref(obj.document, self.context.get("request")) if obj.document else None

    @extend_schema_field(SpanSerializer(allow_null=True))
    def get_span(self, obj: Event) -> dict[str, int] | None:
        return span(obj.start, obj.end)

    @extend_schema_field(ActorRefSerializer(many=True))
    def get_participants(self, obj: Event) -> list[dict[str, Any]]:
        request = self.context.get("request")
        return [
            actor_ref(p.person or p.organisation, request)
            for p in obj.participants.all()
            if p.person_id or p.organisation_id
        ]


class DocumentSerializer(_LinkedMixin, serializers.ModelSerializer):
    """An article, without its text (see the detail endpoint)."""

    api_detail = ("document-detail", "pk")
    source_url = serializers.CharField(
        source="url", read_only=True, help_text="Where the article was published (may be empty)."
    )
    statement_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "url",
            "html_url",
            "title",
            "source_url",
            "publisher",
            "published_at",
            "language",
            "word_count",
            "extractor_version",
            "ingested_at",
            "statement_count",
        ]
        read_only_fields = fields


class DocumentDetailSerializer(DocumentSerializer):
    """An article with its verbatim text: every offset in the API points into ``text``."""

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "text", "metadata"]
        read_only_fields = fields


# --- statements -----------------------------------------------------------------------------


class StatementSerializer(serializers.Serializer):
    """One occurrence of something said, with its speaker, offsets, codes and source.

    Its fields are the public fields declared in ``statements/shapes.py``; this class
    gives them to the OpenAPI schema and represents a model instance as a row would be.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        return shapes.statement_schema_fields()

    def to_representation(self, instance: Statement) -> dict[str, Any]:
        return shapes.statement_represent(
            shapes.statement_instance_row(instance), _links(self.context.get("request"))
        )


def statement_rows_represent(rows: list[dict], request) -> list[dict[str, Any]]:
    """API representations of ``selectors.statement_rows_api`` rows."""
    links = _links(request)
    return [shapes.statement_represent(row, links) for row in rows]


class StatementReviewSerializer(serializers.Serializer):
    """What staff may change through the API: the review status."""

    review_status = serializers.ChoiceField(
        choices=[c for c in ReviewStatus.choices if c[0] != ReviewStatus.AUTO],
        help_text="A human review status; 'auto' is the extractor's alone.",
    )


# --- quotes --------------------------------------------------------------------------------


class QuoteReportSerializer(serializers.Serializer):
    """One report of a quote: which document carried it and whom it names as the speaker."""

    id = serializers.IntegerField(help_text="The statement.")
    url = serializers.URLField(help_text="The statement in the API.")
    html_url = serializers.URLField(help_text="The statement on the HTML site.")
    speaker = ActorRefSerializer(allow_null=True, help_text="Whom this report names.")
    speaker_text = serializers.CharField()
    content = serializers.CharField(help_text="The words as this document printed them.")
    date = serializers.DateField(allow_null=True)
    document = DocumentRefSerializer()


class QuoteSerializer(_LinkedMixin, serializers.ModelSerializer):
    """A quotation and how far it travelled: its words, speaker, first report, outlets.

    Describes the representation in the OpenAPI schema; the API builds it from rows
    (``selectors.quote_rows_api``) with ``shapes.quote_represent``.
    """

    api_detail = ("quote-detail", "pk")
    speaker = serializers.SerializerMethodField()
    first_document = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "url",
            "html_url",
            "text",
            "speaker",
            "first_reported",
            "first_document",
            "outlet_count",
            "document_count",
            "statement_count",
            "speaker_count",
            "conflicting",
        ]
        read_only_fields = fields

    @extend_schema_field(ActorRefSerializer(allow_null=True))
    def get_speaker(self, obj) -> dict[str, Any] | None:
        raise NotImplementedError  # only for the schema: see to_representation

    @extend_schema_field(DocumentRefSerializer(allow_null=True))
    def get_first_document(self, obj) -> dict[str, Any] | None:
        raise NotImplementedError  # only for the schema: see to_representation

    def to_representation(self, instance: dict) -> dict[str, Any]:
        return shapes.quote_represent(instance, _links(self.context.get("request")))


class QuoteDetailSerializer(QuoteSerializer):
    """A quote with every public report of it, first published first."""

    reports = serializers.SerializerMethodField()

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "reports"]
        read_only_fields = fields

    @extend_schema_field(QuoteReportSerializer(many=True))
    def get_reports(self, obj) -> list[dict[str, Any]]:
        raise NotImplementedError  # only for the schema: see quote_detail_represent


def quote_rows_represent(rows: list[dict], request) -> list[dict[str, Any]]:
    """API representations of ``selectors.quote_rows_api`` rows."""
    links = _links(request)
    return [shapes.quote_represent(row, links) for row in rows]


def quote_detail_represent(row: dict, reports: list[dict], request) -> dict[str, Any]:
    """A quote's row with its reports' rows (``selectors.quote_report_rows``)."""
    links = _links(request)
    body = shapes.quote_represent(row, links)
    body["reports"] = [shapes.quote_report_represent(report, links) for report in reports]
    return body
