"""API representations. Read-only apart from a statement's review status.

Related records are rendered as small nested references (id, name, API URL, HTML URL)
built from rows the selectors already loaded, so serializing never queries.
"""

from __future__ import annotations

import functools
from typing import Any

from django.urls import get_script_prefix
from django.urls import reverse as django_reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
    ReviewStatus,
    Statement,
    StatementKind,
    StatementType,
)
from statements.selectors import STATEMENT_ROW_FIELDS, statement_type_count_field

ACTOR_KINDS = ("person", "organisation")


# Placeholders reversed once per URL name; every link is then the template with the
# placeholder replaced. A statement page used to call ``reverse()`` ~440 times, the main
# cost of an API request (docs/benchmarks.md, finding 6). Ids and slugs are ASCII, so
# the result is what ``reverse()`` + ``build_absolute_uri()`` give.
_PLACEHOLDERS = {"pk": "9876543210123", "slug": "kb-url-placeholder-slug"}


@functools.cache
def _url_template(name: str, field: str, script_prefix: str) -> str:
    return django_reverse(name, kwargs={field: _PLACEHOLDERS[field]})


class _Links:
    """URL builder for one request: its scheme and host computed once."""

    __slots__ = ("base", "prefix", "templates")

    def __init__(self, base: str) -> None:
        self.base = base
        self.prefix = get_script_prefix()
        self.templates: dict[tuple[str, str], str] = {}

    def url(self, name: str, field: str, value: Any) -> str:
        """The absolute (or, without a request, relative) URL of route ``name``."""
        template = self.templates.get((name, field))
        if template is None:
            template = self.base + _url_template(name, field, self.prefix)
            self.templates[(name, field)] = template
        return template.replace(_PLACEHOLDERS[field], str(value))


def _links(request) -> _Links:
    if request is None:
        return _Links("")
    links = getattr(request, "_kb_links", None)
    if links is None:
        links = _Links(request.build_absolute_uri("/")[:-1])
        request._kb_links = links
    return links


def _api_url(request, name: str, **kwargs: Any) -> str:
    ((field, value),) = kwargs.items()
    return _links(request).url(f"api:{name}", field, value)


def _html_url(request, name: str, field: str, value: Any) -> str:
    return _links(request).url(f"statements:{name}", field, value)


# --- nested references ------------------------------------------------------------------


class ActorRefSerializer(serializers.Serializer):
    """A person or organisation, in brief."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ACTOR_KINDS)
    name = serializers.CharField()
    slug = serializers.SlugField()
    url = serializers.URLField(help_text="This record in the API.")
    html_url = serializers.URLField(help_text="This record on the HTML site.")


def actor_ref(actor: Person | Organisation | None, request) -> dict[str, Any] | None:
    if actor is None:
        return None
    kind = "person" if isinstance(actor, Person) else "organisation"
    links = _links(request)
    slug = actor.slug
    return {
        "id": actor.pk,
        "kind": kind,
        "name": actor.name,
        "slug": slug,
        "url": links.url(f"api:{kind}-detail", "slug", slug),
        "html_url": links.url(f"statements:{kind}-detail", "slug", slug),
    }


class SpanSerializer(serializers.Serializer):
    """Character offsets into the document text, end exclusive."""

    start = serializers.IntegerField()
    end = serializers.IntegerField()


def _span(start: int | None, end: int | None) -> dict[str, int] | None:
    if start is None or end is None:
        return None
    return {"start": start, "end": end}


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="Where the article was published (may be empty).")
    publisher = serializers.CharField()
    published_at = serializers.DateField(allow_null=True)
    api_url = serializers.URLField()
    html_url = serializers.URLField()


def document_ref(document: Document, request) -> dict[str, Any]:
    return {
        "id": document.pk,
        "title": document.title,
        "url": document.url,
        "publisher": document.publisher,
        "published_at": document.published_at.isoformat() if document.published_at else None,
        "api_url": _api_url(request, "document-detail", pk=document.pk),
        "html_url": _html_url(request, "document-detail", "pk", document.pk),
    }


class EventRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    classification = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    url = serializers.URLField()
    html_url = serializers.URLField()


def event_ref(event: Event | None, request) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "id": event.pk,
        "name": event.name,
        "classification": event.classification,
        "date": event.date.isoformat() if event.date else None,
        "url": _api_url(request, "event-detail", pk=event.pk),
        "html_url": _html_url(request, "event-detail", "pk", event.pk),
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
        return _span(obj.start, obj.end)


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


class PersonSerializer(_LinkedMixin, serializers.ModelSerializer):
    """A person with roles, aliases, identifiers and how many statements of each type."""

    api_detail = ("person-detail", "slug")
    roles = RoleSerializer(source="memberships", many=True, read_only=True)
    aliases = AliasSerializer(source="other_names", many=True, read_only=True)
    identifiers = IdentifierSerializer(many=True, read_only=True)
    statement_count = serializers.IntegerField(read_only=True)
    statement_counts = serializers.SerializerMethodField(
        help_text="Statements made by this person, per statement type."
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "slug",
            "url",
            "html_url",
            "name",
            "given_name",
            "family_name",
            "honorific_prefix",
            "disambiguation",
            "summary",
            "wikidata_qid",
            "needs_review",
            "roles",
            "aliases",
            "identifiers",
            "statement_count",
            "statement_counts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(StatementCountsSerializer)
    def get_statement_counts(self, obj: Person) -> dict[str, int]:
        return {
            value: getattr(obj, statement_type_count_field(value), 0)
            for value in StatementType.values
        }

    def to_representation(self, instance: Person) -> dict[str, Any]:
        """The declared fields as a plain dict, as ``StatementSerializer`` does.

        Building DRF's fields for a person and its nested roles, aliases and identifiers
        cost about as much as the person's four queries (tests/api check the dict against
        DRF's own rendering).
        """
        person = instance
        request = self.context.get("request")
        links = _links(request)
        slug = person.slug
        return {
            "id": person.pk,
            "slug": slug,
            "url": links.url("api:person-detail", "slug", slug),
            "html_url": links.url("statements:person-detail", "slug", slug),
            "name": person.name,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "honorific_prefix": person.honorific_prefix,
            "disambiguation": person.disambiguation,
            "summary": person.summary,
            "wikidata_qid": person.wikidata_qid,
            "needs_review": person.needs_review,
            "roles": [_role_represent(m, request) for m in person.memberships.all()],
            "aliases": [
                {"name": a.name, "kind": a.kind, "note": a.note} for a in person.other_names.all()
            ],
            "identifiers": [
                {"scheme": i.scheme, "identifier": i.identifier} for i in person.identifiers.all()
            ],
            "statement_count": person.statement_count,
            "statement_counts": self.get_statement_counts(person),
            "created_at": _DATETIME_FIELD.to_representation(person.created_at),
            "updated_at": _DATETIME_FIELD.to_representation(person.updated_at),
        }


def _role_represent(membership: Membership, request) -> dict[str, Any]:
    """``RoleSerializer``'s fields as a plain dict."""
    return {
        "id": membership.pk,
        "organisation": actor_ref(membership.organisation, request),
        "role": membership.role,
        "start_date": membership.start_date,  # partial ISO dates, stored as text
        "end_date": membership.end_date,
        "status": membership.status,
        "document": membership.document_id,
        "source_text": membership.source_text,
        "source_span": _span(membership.start, membership.end),
    }


class OrganisationSerializer(_LinkedMixin, serializers.ModelSerializer):
    """An organisation with its parent, members, aliases and identifiers."""

    api_detail = ("organisation-detail", "slug")
    classification = serializers.ChoiceField(
        choices=[("", "unknown"), *OrganisationClassification.choices], read_only=True
    )
    parent = serializers.SerializerMethodField()
    members = MemberSerializer(source="memberships", many=True, read_only=True)
    aliases = AliasSerializer(source="other_names", many=True, read_only=True)
    identifiers = IdentifierSerializer(many=True, read_only=True)
    statement_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "slug",
            "url",
            "html_url",
            "name",
            "classification",
            "country",
            "parent",
            "disambiguation",
            "summary",
            "wikidata_qid",
            "needs_review",
            "members",
            "aliases",
            "identifiers",
            "statement_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ActorRefSerializer(allow_null=True))
    def get_parent(self, obj: Organisation) -> dict[str, Any] | None:
        return actor_ref(obj.parent, self.context.get("request"))


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
        return _span(obj.start, obj.end)

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


class StatementSerializer(_LinkedMixin, serializers.ModelSerializer):
    """One occurrence of something said, with its speaker, offsets, codes and source."""

    api_detail = ("statement-detail", "pk")
    speaker = serializers.SerializerMethodField(
        help_text="The resolved person or organisation; null for unnamed speakers."
    )
    speaker_span = serializers.SerializerMethodField()
    role = serializers.CharField(source="speaker_role", read_only=True)
    cue_span = serializers.SerializerMethodField()
    content_span = serializers.SerializerMethodField()
    content_spans = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        read_only=True,
        help_text="Fragments [[start, end], ...] of a split quotation.",
    )
    kind = serializers.ChoiceField(choices=StatementKind.choices, read_only=True)
    type = serializers.ChoiceField(
        source="statement_type", choices=StatementType.choices, read_only=True
    )
    targets = serializers.SerializerMethodField()
    event = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()
    review_status = serializers.ChoiceField(choices=ReviewStatus.choices, read_only=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "url",
            "html_url",
            "speaker",
            "speaker_text",
            "speaker_span",
            "role",
            "cue",
            "cue_span",
            "cue_class",
            "content",
            "content_span",
            "content_spans",
            "kind",
            "type",
            "cameo_code",
            "plover_code",
            "codebook_version",
            "targets",
            "event",
            "date",
            "document",
            "confidence",
            "extractor_version",
            "cluster_key",
            "review_status",
            "reviewed_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Statement) -> dict[str, Any]:
        """The declared fields, built by ``statement_row_represent`` as a plain dict.

        DRF's per-field machinery cost ~1 ms a statement (30 fields, nested method fields),
        most of an API page (docs/benchmarks.md, finding 6). The declared fields stay for
        the OpenAPI schema; the dict must give exactly what they would (tests/api check it).
        """
        return statement_row_represent(
            _statement_instance_row(instance), _links(self.context.get("request"))
        )

    @extend_schema_field(ActorRefSerializer(allow_null=True))
    def get_speaker(self, obj: Statement) -> dict[str, Any] | None:
        return actor_ref(obj.speaker, self.context.get("request"))

    @extend_schema_field(SpanSerializer(allow_null=True))
    def get_speaker_span(self, obj: Statement) -> dict[str, int] | None:
        return _span(obj.speaker_start, obj.speaker_end)

    @extend_schema_field(SpanSerializer(allow_null=True))
    def get_cue_span(self, obj: Statement) -> dict[str, int] | None:
        return _span(obj.cue_start, obj.cue_end)

    @extend_schema_field(SpanSerializer)
    def get_content_span(self, obj: Statement) -> dict[str, int] | None:
        return _span(obj.content_start, obj.content_end)

    @extend_schema_field(ActorRefSerializer(many=True))
    def get_targets(self, obj: Statement) -> list[dict[str, Any]]:
        request = self.context.get("request")
        # selectors.statement_page_api prefetches into a plain list (cheaper than a
        # queryset per row); other querysets prefetch ``targets``.
        targets = getattr(obj, "target_list", None)
        if targets is None:
            targets = obj.targets.all()
        return [
            actor_ref(t.person or t.organisation, request)
            for t in targets
            if t.person_id or t.organisation_id
        ]

    @extend_schema_field(EventRefSerializer(allow_null=True))
    def get_event(self, obj: Statement) -> dict[str, Any] | None:
        return event_ref(obj.event, self.context.get("request"))

    @extend_schema_field(DocumentRefSerializer)
    def get_document(self, obj: Statement) -> dict[str, Any]:
        return document_ref(obj.document, self.context.get("request"))


_DATETIME_FIELD = serializers.DateTimeField()


def _ref(actor_id: int, kind: str, name: str, slug: str, links: _Links) -> dict[str, Any]:
    return {
        "id": actor_id,
        "kind": kind,
        "name": name,
        "slug": slug,
        "url": links.url(f"api:{kind}-detail", "slug", slug),
        "html_url": links.url(f"statements:{kind}-detail", "slug", slug),
    }


def _target_refs(targets: list | None, links: _Links) -> list[dict[str, Any]]:
    """References from ``selectors.TARGET_ROW_COLUMNS`` lists, in target id order."""
    refs = []
    for _, person_id, person_name, person_slug, org_id, org_name, org_slug in sorted(targets or ()):
        if person_id is not None:
            refs.append(_ref(person_id, "person", person_name, person_slug, links))
        elif org_id is not None:
            refs.append(_ref(org_id, "organisation", org_name, org_slug, links))
    return refs


def statement_row_represent(row: dict, links: _Links) -> dict[str, Any]:
    """A statement's API representation from a ``selectors.statement_rows_api`` row.

    The one place the statement representation is built: lists and detail read rows, the
    serializer converts a model instance into such a row first.
    """
    pk = row["id"]
    spans = row["content_spans"]
    if spans is not None:
        spans = [
            None if span is None else [None if n is None else int(n) for n in span]
            for span in spans
        ]
    reviewed_at = row["reviewed_at"]
    if reviewed_at is not None:
        reviewed_at = _DATETIME_FIELD.to_representation(reviewed_at)
    date = row["date"]
    event_id = row["event_id"]
    event = None
    if event_id is not None:
        event_date = row["event__date"]
        event = {
            "id": event_id,
            "name": row["event__name"],
            "classification": row["event__classification"],
            "date": event_date.isoformat() if event_date else None,
            "url": links.url("api:event-detail", "pk", event_id),
            "html_url": links.url("statements:event-detail", "pk", event_id),
        }
    document_id = row["document_id"]
    published_at = row["document__published_at"]
    speaker = None
    if (person_id := row["speaker_person_id"]) is not None:
        speaker = _ref(
            person_id, "person", row["speaker_person__name"], row["speaker_person__slug"], links
        )
    elif (org_id := row["speaker_organisation_id"]) is not None:
        speaker = _ref(
            org_id,
            "organisation",
            row["speaker_organisation__name"],
            row["speaker_organisation__slug"],
            links,
        )
    return {
        "id": pk,
        "url": links.url("api:statement-detail", "pk", pk),
        "html_url": links.url("statements:statement-detail", "pk", pk),
        "speaker": speaker,
        "speaker_text": row["speaker_text"],
        "speaker_span": _span(row["speaker_start"], row["speaker_end"]),
        "role": row["speaker_role"],
        "cue": row["cue"],
        "cue_span": _span(row["cue_start"], row["cue_end"]),
        "cue_class": row["cue_class"],
        "content": row["content"],
        "content_span": _span(row["content_start"], row["content_end"]),
        "content_spans": spans,
        "kind": row["kind"],
        "type": row["statement_type"],
        "cameo_code": row["cameo_code"],
        "plover_code": row["plover_code"],
        "codebook_version": row["codebook_version"],
        "targets": _target_refs(row["target_rows"], links),
        "event": event,
        "date": date.isoformat() if date else None,
        "document": {
            "id": document_id,
            "title": row["document__title"],
            "url": row["document__url"],
            "publisher": row["document__publisher"],
            "published_at": published_at.isoformat() if published_at else None,
            "api_url": links.url("api:document-detail", "pk", document_id),
            "html_url": links.url("statements:document-detail", "pk", document_id),
        },
        "confidence": float(row["confidence"]),
        "extractor_version": row["extractor_version"],
        "cluster_key": row["cluster_key"],
        "review_status": row["review_status"],
        "reviewed_at": reviewed_at,
    }


def statement_rows_represent(rows: list[dict], request) -> list[dict[str, Any]]:
    """API representations of ``selectors.statement_rows_api`` rows."""
    links = _links(request)
    return [statement_row_represent(row, links) for row in rows]


def _related_values(obj, relation: str, names: tuple[str, ...]) -> dict[str, Any]:
    related = getattr(obj, relation)
    return {
        f"{relation}__{name}": None if related is None else getattr(related, name) for name in names
    }


def _statement_instance_row(obj: Statement) -> dict[str, Any]:
    """A model instance as the row ``statement_row_represent`` reads."""
    row = {name: getattr(obj, name) for name in STATEMENT_ROW_FIELDS if "__" not in name}
    row.update(_related_values(obj, "document", ("title", "url", "publisher", "published_at")))
    row.update(_related_values(obj, "speaker_person", ("name", "slug")))
    row.update(_related_values(obj, "speaker_organisation", ("name", "slug")))
    row.update(_related_values(obj, "event", ("name", "classification", "date")))
    row["target_rows"] = _statement_instance_targets(obj)
    return row


def _statement_instance_targets(obj: Statement) -> list[list]:
    """The instance's targets as ``selectors.TARGET_ROW_COLUMNS`` lists."""
    # selectors.statement_page_api prefetches into a plain list (cheaper than a queryset
    # per row); other querysets prefetch ``targets``.
    targets = getattr(obj, "target_list", None)
    if targets is None:
        targets = obj.targets.all()
    rows = []
    for target in targets:
        person, organisation = target.person, target.organisation
        rows.append(
            [
                target.pk,
                target.person_id,
                person and person.name,
                person and person.slug,
                target.organisation_id,
                organisation and organisation.name,
                organisation and organisation.slug,
            ]
        )
    return rows


class StatementReviewSerializer(serializers.Serializer):
    """What staff may change through the API: the review status."""

    review_status = serializers.ChoiceField(
        choices=[c for c in ReviewStatus.choices if c[0] != ReviewStatus.AUTO],
        help_text="A human review status; 'auto' is the extractor's alone.",
    )
