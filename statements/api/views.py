"""API viewsets: thin. Each asks a selector for its queryset, a FilterSet for filtering and a
serializer for the shape; the only write (a statement's review status) goes to the review
service.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.http import Http404, HttpResponsePermanentRedirect, StreamingHttpResponse
from django.utils.http import urlencode
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from statements import exports, filters, selectors
from statements.api import serializers
from statements.api.pagination import KbPageNumberPagination, StatementCursorPagination
from statements.models import Person, Statement, StatementQuerySet
from statements.search import RANK_ANNOTATION
from statements.services.review import ReviewError, statements_review

EXPORT_CHUNK_SIZE = 500


def _visible(statements: StatementQuerySet, request: Request) -> StatementQuerySet:
    """The statements ``request``'s user may see: public ones, and rejected ones too for an
    editor who asks for them (``?review_status=rejected``)."""
    return statements.visible_to(
        request.user, review_status=request.query_params.get("review_status")
    )


SLUG_REGEX = r"[-a-zA-Z0-9_]+"
ID_REGEX = r"[0-9]+"


class ModelPermissionOrReadOnly(permissions.BasePermission):
    """Everyone reads; a write needs the model permission for it (``change_statement`` to
    review a statement), as in the admin: being staff is not enough."""

    actions = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        model = view.write_model
        action = self.actions.get(request.method)
        codename = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        return action is not None and user.has_perm(codename)


class KbOrderingFilter(OrderingFilter):
    """DRF's ordering filter, with ``id`` as the last tie-breaker (so pages never overlap
    or skip rows that share a value) and the allowed values listed in the OpenAPI schema.
    """

    def get_ordering(self, request: Request, queryset, view) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not any(term.lstrip("-") in ("id", "pk") for term in ordering):
            ordering.append("id")
        return ordering

    def get_schema_operation_parameters(self, view) -> list[dict]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        choices = [value for field in fields for value in (field, f"-{field}")]
        default = ",".join(getattr(view, "ordering", None) or [])
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Sort by one of: {', '.join(fields)}; prefix '-' for "
                f"descending, separate several with commas. Default: {default}.",
                "schema": {"type": "string", "enum": choices},
            }
        ]


class KbFilterBackend(DjangoFilterBackend):
    """django-filter's backend, with only the filters the query string names.

    Building and validating the filter form costs about a millisecond a request (a deep
    copy of every filter and form field), a tenth of a statement page; with no filter
    named it is skipped, otherwise it holds the named ones (``filters.filterset_narrowed``).
    The OpenAPI schema and the browsable API's form still show every filter.
    """

    def filter_queryset(self, request: Request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        named = filters.filters_named(request.query_params, filterset_class)
        if not named:
            return queryset
        filterset_class = filters.filterset_narrowed(filterset_class, named)
        filterset = filterset_class(**self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = KbPageNumberPagination
    filter_backends = [KbFilterBackend, KbOrderingFilter]
    lookup_value_regex = ID_REGEX


class MergedRedirectMixin:
    """A merged record's detail URL redirects (301) to its survivor, query string kept."""

    basename: str
    request: Request

    def retrieve(self, request: Request, *args, **kwargs):
        instance = self.get_object()
        if instance.merged_into_id:
            survivor = instance.resolve()
            location = reverse(f"api:{self.basename}-detail", kwargs={"slug": survivor.slug})
            if request.GET:
                location += "?" + urlencode(list(request.GET.lists()), doseq=True)
            return HttpResponsePermanentRedirect(location)
        return Response(self.get_serializer(instance).data)


_MERGED = OpenApiResponse(description="Merged record: redirects to the survivor's URL.")


@extend_schema_view(
    list=extend_schema(summary="List people", description="Live (not merged) people."),
    retrieve=extend_schema(
        summary="One person",
        description="A merged person's URL redirects (301) to the survivor.",
        responses={200: serializers.PersonSerializer, 301: _MERGED},
    ),
)
class PersonViewSet(MergedRedirectMixin, ReadOnlyViewSet):
    serializer_class = serializers.PersonSerializer
    filterset_class = filters.PersonFilterSet
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    ordering_fields = ["name", "statement_count", "created_at", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.person_detail_api()
        return selectors.person_list_api()

    def get_serializer(self, instance=None, *args, **kwargs):
        if self.action == "retrieve" and isinstance(instance, Person):
            selectors.person_statement_counts_attach(instance)
        return super().get_serializer(instance, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="List organisations", description="Live (not merged) ones."),
    retrieve=extend_schema(
        summary="One organisation",
        description="A merged organisation's URL redirects (301) to the survivor.",
        responses={200: serializers.OrganisationSerializer, 301: _MERGED},
    ),
)
class OrganisationViewSet(MergedRedirectMixin, ReadOnlyViewSet):
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filters.OrganisationFilterSet
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    ordering_fields = ["name", "statement_count", "classification", "country", "created_at", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.organisation_list_api(include_merged=self.action == "retrieve")


@extend_schema_view(
    list=extend_schema(summary="List memberships (roles)"),
    retrieve=extend_schema(summary="One membership"),
)
class MembershipViewSet(ReadOnlyViewSet):
    serializer_class = serializers.MembershipSerializer
    filterset_class = filters.MembershipFilterSet
    ordering_fields = ["id", "role", "start_date", "end_date", "status"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.membership_list_api()


@extend_schema_view(
    list=extend_schema(summary="List events"), retrieve=extend_schema(summary="One event")
)
class EventViewSet(ReadOnlyViewSet):
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilterSet
    ordering_fields = ["id", "date", "name", "statement_count"]
    ordering = ["-date", "id"]

    def get_queryset(self):
        return selectors.event_list_api()


@extend_schema_view(
    list=extend_schema(summary="List documents", description="Without their text."),
    retrieve=extend_schema(summary="One document, with its text"),
)
class DocumentViewSet(ReadOnlyViewSet):
    filterset_class = filters.DocumentFilterSet
    ordering_fields = ["id", "published_at", "ingested_at", "title", "statement_count"]
    ordering = ["-published_at", "-id"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.DocumentDetailSerializer
        return serializers.DocumentSerializer

    def get_queryset(self):
        return selectors.document_list_api(with_text=self.action == "retrieve")


class StatementOrderingFilter(KbOrderingFilter):
    """Orders statements; ``date`` means the non-null ``sort_date`` so cursors stay valid.

    ``ordering=relevance`` with ``?q=`` on PostgreSQL gives best match first. It is not
    the default: ranking reads every match, which grows with the corpus, while newest
    first stops after one page (docs/benchmarks.md, finding 4). Every ordering ends with
    ``id`` so the cursor's tie-breaking offsets are stable.
    """

    aliases = {"date": "sort_date"}
    relevance = "relevance"

    def get_ordering(self, request: Request, queryset, view) -> list[str]:
        param = request.query_params.get(self.ordering_param, "")
        requested = [term.strip() for term in param.split(",") if term.strip()]
        if requested and requested[0] == self.relevance:
            if RANK_ANNOTATION in queryset.query.annotations:
                return [f"-{RANK_ANNOTATION}", "-id"]
            requested = requested[1:]
        ordering = self.remove_invalid_fields(queryset, requested, view, request)
        if not ordering:
            ordering = list(self.get_default_ordering(view) or [])
        mapped = []
        for term in ordering:
            descending, name = term.startswith("-"), term.lstrip("-")
            mapped.append(("-" if descending else "") + self.aliases.get(name, name))
        if not any(term.lstrip("-") in ("id", "pk") for term in mapped):
            mapped.append("-id" if mapped and mapped[0].startswith("-") else "id")
        return mapped

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["enum"].append(self.relevance)
            parameter["description"] += (
                " With `q` on PostgreSQL, `relevance` orders best match first (slower on "
                "searches matching many statements); otherwise it is ignored."
            )
        return parameters


STATEMENT_ORDERING_FIELDS = ["id", "date", "confidence"]


@extend_schema_view(
    list=extend_schema(
        summary="List statements",
        description="Cursor-paginated, newest first (`-id`). `ordering` accepts "
        "`id`, `date`, `confidence` (prefix `-` for descending); undated statements sort "
        "as the oldest. With `q` too results come newest first; `ordering=relevance` "
        "asks for best match first (PostgreSQL only).",
    ),
    retrieve=extend_schema(summary="One statement"),
    partial_update=extend_schema(
        summary="Set a statement's review status (staff only)",
        request=serializers.StatementReviewSerializer,
        responses={200: serializers.StatementSerializer},
    ),
)
class StatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.StatementSerializer
    filterset_class = filters.StatementFilterSet
    filter_backends = [KbFilterBackend, StatementOrderingFilter]
    pagination_class = StatementCursorPagination
    permission_classes = [ModelPermissionOrReadOnly]
    write_model = Statement
    http_method_names = ["get", "patch", "head", "options"]
    lookup_value_regex = ID_REGEX
    ordering_fields = STATEMENT_ORDERING_FIELDS
    ordering = ["-id"]

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return _visible(selectors.statement_rows_api(), self.request)
        return selectors.statement_page_api()

    def list(self, request: Request, *args, **kwargs) -> Response:
        """Pages of plain rows (``selectors.statement_rows_api``), not model instances."""
        statements = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(statements)
        return self.get_paginated_response(serializers.statement_rows_represent(page, request))

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        statements = self.filter_queryset(self.get_queryset()).filter(pk=self.kwargs["pk"])
        rows = list(statements[:1])
        if not rows:
            removed = selectors.removed_statement_get(self.kwargs["pk"])
            if removed is None:
                raise Http404
            return Response(_removed_statement_body(removed, request), status=410)
        return Response(serializers.statement_rows_represent(rows, request)[0])

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        statement = self.get_object()
        review = serializers.StatementReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        try:
            statements_review(
                statements=[statement],
                status=review.validated_data["review_status"],
                user=request.user,
                reason="review via the API",
            )
        except ReviewError as error:
            raise ValidationError({"review_status": [str(error)]}) from error
        return Response(self.get_serializer(self.get_object()).data)


def _removed_statement_body(removed, request: Request) -> dict:
    """What a 410 says: the statement is gone, and the document it was read from."""
    document = removed.document
    return {
        "detail": "This statement was removed when its document was read again.",
        "id": removed.statement_id,
        "removed_at": removed.removed_at,
        "document": reverse("api:document-detail", args=[document.pk], request=request),
        "document_html": request.build_absolute_uri(document.get_absolute_url()),
    }


# --- exports -----------------------------------------------------------------------------------


class _PassthroughRenderer(BaseRenderer):
    """Lets content negotiation pick a media type; the body is streamed by the view."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class _JSONExportRenderer(_PassthroughRenderer):
    media_type = "application/json"
    format = "json"


class _JSONLinesRenderer(_PassthroughRenderer):
    media_type = "application/x-ndjson"
    format = "jsonl"


class _CSVRenderer(_PassthroughRenderer):
    media_type = "text/csv"
    format = "csv"


class _Echo:
    """A file-like object whose ``write`` hands the line back, for csv.writer streaming."""

    def write(self, value: str) -> str:
        return value


def _dumps(record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class _StatementExportView(GenericAPIView):
    """Streams statements that match the same filters as ``/api/statements/``."""

    filterset_class = filters.StatementFilterSet
    filter_backends = [KbFilterBackend]
    pagination_class = None
    serializer_class = serializers.StatementSerializer

    def get_queryset(self):
        return _visible(selectors.statement_list_api(), self.request).order_by("id")

    def statements(self):
        return self.filter_queryset(self.get_queryset()).iterator(chunk_size=EXPORT_CHUNK_SIZE)

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")


_EXPORT_SCHEMA = {"filters": True, "tags": ["export"]}


@extend_schema(
    summary="Statements as PLOVER-shaped JSON lines",
    description="One JSON object per line: id, date, actor, recipient, event, mode, "
    "text_info (offsets), cite_info (url, publisher, codebook, review status), and kb: the "
    "statement as /api/statements/{id}/ gives it. Accepts the statement filters.",
    responses={(200, "application/x-ndjson"): OpenApiTypes.STR},
    **_EXPORT_SCHEMA,
)
class StatementJSONLinesExportView(_StatementExportView):
    renderer_classes = [_JSONLinesRenderer]

    def get(self, request: Request) -> StreamingHttpResponse:
        statements, base_url = self.statements(), self.base_url()

        def lines() -> Iterator[str]:
            for statement in statements:
                yield _dumps(exports.statement_plover(statement, base_url=base_url)) + "\n"

        response = StreamingHttpResponse(lines(), content_type="application/x-ndjson")
        response["Content-Disposition"] = 'attachment; filename="statements.jsonl"'
        return response


@extend_schema(
    summary="Statements as CSV",
    description="One row per statement, header first: every field of a statement as the API "
    "gives it, nested ones flattened (speaker_kind, speaker_id, ...); targets joined by '; '. "
    "Accepts the statement filters.",
    responses={(200, "text/csv"): OpenApiTypes.STR},
    **_EXPORT_SCHEMA,
)
class StatementCSVExportView(_StatementExportView):
    renderer_classes = [_CSVRenderer]

    def get(self, request: Request) -> StreamingHttpResponse:
        statements, base_url = self.statements(), self.base_url()
        writer = csv.writer(_Echo())

        def rows() -> Iterator[str]:
            yield writer.writerow(exports.statement_csv_header())
            for statement in statements:
                yield writer.writerow(exports.statement_csv_row(statement, base_url=base_url))

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="statements.csv"'
        return response


@extend_schema(
    summary="Popolo JSON",
    description="persons, organizations, memberships, events and speeches (statements). "
    "The statement filters narrow the speeches; the other sections are complete.",
    responses={(200, "application/json"): OpenApiTypes.OBJECT},
    **_EXPORT_SCHEMA,
)
class PopoloExportView(_StatementExportView):
    renderer_classes = [_JSONExportRenderer]

    def get(self, request: Request) -> StreamingHttpResponse:
        sections = selectors.popolo_export_sections(
            statements=self.statements(),
            base_url=self.base_url(),
            chunk_size=EXPORT_CHUNK_SIZE,
        )
        response = StreamingHttpResponse(
            exports.popolo_stream(sections, dumps=_dumps), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="popolo.json"'
        return response
