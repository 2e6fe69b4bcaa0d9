"""API viewsets: thin. Each asks a selector for its queryset, a FilterSet for filtering and a
serializer for the shape; the only write (a statement's review status) goes to the review
service.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import http_date, urlencode
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.throttling import AnonRateThrottle

from statements import filters, selectors
from statements.api import serializers
from statements.api.pagination import (
    KbPageNumberPagination,
    MinuteCountPageNumberPagination,
    StatementCursorPagination,
)
from statements.models import Person, Statement, StatementQuerySet
from statements.search import RANK_ANNOTATION
from statements.services.export_files import (
    EXPORT_CHUNK_SIZE,
    EXPORT_FORMATS,
    export_file_path,
    rows_primed,
    stream_guarded,
)
from statements.services.review import ReviewError, statements_review


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
        if request.method.lower() not in view.http_method_names:
            return True  # not offered at all: the 405 says so better than a 403
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


@extend_schema_view(
    list=extend_schema(
        summary="List quotes",
        description="Quotations grouped across documents (the same words, cut or spelled "
        "differently), most repeated first; each with its speaker, first report and outlets. "
        "The rows are live; the total (`count`) is counted once a minute per filter.",
    ),
    retrieve=extend_schema(summary="One quote, with every report of it"),
)
class QuoteViewSet(ReadOnlyViewSet):
    pagination_class = MinuteCountPageNumberPagination
    filterset_class = filters.QuoteFilterSet
    ordering_fields = ["id", "first_reported", "outlet_count", "document_count"]
    ordering = ["-outlet_count", "-document_count", "-id"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.QuoteDetailSerializer
        return serializers.QuoteSerializer

    def get_queryset(self):
        return selectors.quote_rows_api()

    def list(self, request: Request, *args, **kwargs) -> Response:
        """Pages of plain rows (``selectors.quote_rows_api``), not model instances."""
        quotes = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(quotes)
        return self.get_paginated_response(serializers.quote_rows_represent(page, request))

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        quotes = self.filter_queryset(self.get_queryset()).filter(pk=self.kwargs["pk"])
        rows = list(quotes[:1])
        if not rows:
            raise Http404
        reports = selectors.quote_report_rows(rows[0]["id"])
        return Response(serializers.quote_detail_represent(rows[0], reports, request))


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


class ExportAnonThrottle(AnonRateThrottle):
    """Anonymous exports have their own, stricter rate (``export_anon``), counted apart from
    the API's, and set on the views themselves so no settings change can drop it."""

    scope = "export_anon"


class ExportTooLarge(APIException):
    status_code = 400
    default_code = "export_too_large"


class _StatementExportView(GenericAPIView):
    """Streams statements that match the same filters as ``/api/statements/``.

    Anonymous clients get at most ``KB_EXPORT_ANON_ROW_CAP`` statements (past it, a request
    without a filter is sent to the full export file, one with a filter is refused);
    signed-in users stream everything they ask for. The first rows are read before the
    response starts, and a failure midway ends the body with a visible marker and an
    aborted response.
    """

    filterset_class = filters.StatementFilterSet
    filter_backends = [KbFilterBackend]
    pagination_class = None
    serializer_class = serializers.StatementSerializer
    throttle_classes = [ExportAnonThrottle, AnonRateThrottle]
    export_name = ""

    def get_queryset(self):
        return _visible(selectors.statement_list_api(), self.request).order_by("id")

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")

    def get(self, request: Request) -> HttpResponseBase:
        export_format = EXPORT_FORMATS[self.export_name]
        statements = self.filter_queryset(self.get_queryset())
        if not request.user.is_authenticated:
            refusal = self._anonymous_refusal(statements)
            if refusal is not None:
                return refusal
        rows = rows_primed(statements.iterator(chunk_size=EXPORT_CHUNK_SIZE))
        body = stream_guarded(
            export_format.chunks(rows, base_url=self.base_url()),
            failure_marker=export_format.failure_marker,
            where=request.get_full_path(),
        )
        response = StreamingHttpResponse(body, content_type=export_format.media_type)
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}"'
        return response

    def capped(self, statements):
        """What the row cap counts for an anonymous request (the matching statements)."""
        return statements

    def _anonymous_refusal(self, statements) -> HttpResponseBase | None:
        """Past the row cap: the full file without a filter, a 400 with one."""
        cap = settings.KB_EXPORT_ANON_ROW_CAP
        if not self.capped(statements)[cap : cap + 1].exists():
            return None
        full = reverse("api:export-file", args=[self.export_name], request=self.request)
        if not filters.names_a_filter(self.request.GET, self.filterset_class):
            return HttpResponseRedirect(full)
        raise ExportTooLarge(
            f"More than {cap:,} statements match: narrow the filter, sign in, or download "
            f"the full export file at {full}"
        )


_EXPORT_SCHEMA = {"filters": True, "tags": ["export"]}


@extend_schema(
    summary="Statements as PLOVER-shaped JSON lines",
    description="One JSON object per line: id, date, actor, recipient, event, mode, "
    "text_info (offsets), cite_info (url, publisher, codebook, review status), and kb: the "
    "statement as /api/statements/{id}/ gives it. Accepts the statement filters. Anonymous "
    "clients get at most KB_EXPORT_ANON_ROW_CAP statements: past it, a request without a "
    "filter is sent to the full export file /api/export/files/statements.jsonl, one with a "
    "filter answers 400.",
    responses={(200, "application/x-ndjson"): OpenApiTypes.STR},
    **_EXPORT_SCHEMA,
)
class StatementJSONLinesExportView(_StatementExportView):
    renderer_classes = [_JSONLinesRenderer]
    export_name = "statements.jsonl"


@extend_schema(
    summary="Statements as CSV",
    description="One row per statement, header first: every field of a statement as the API "
    "gives it, nested ones flattened (speaker_kind, speaker_id, ...); targets joined by '; '. "
    "Accepts the statement filters. Anonymous clients get at most KB_EXPORT_ANON_ROW_CAP "
    "statements: past it, a request without a filter is sent to the full export file "
    "/api/export/files/statements.csv, one with a filter answers 400.",
    responses={(200, "text/csv"): OpenApiTypes.STR},
    **_EXPORT_SCHEMA,
)
class StatementCSVExportView(_StatementExportView):
    renderer_classes = [_CSVRenderer]
    export_name = "statements.csv"


@extend_schema(
    summary="Popolo JSON",
    description="persons, organizations, memberships, events and speeches (statements). "
    "The statement filters narrow the speeches; the other sections are complete, so "
    "anonymous clients are sent to the full export file /api/export/files/popolo.json once "
    "the knowledge base holds more than KB_EXPORT_ANON_ROW_CAP statements.",
    responses={(200, "application/json"): OpenApiTypes.OBJECT},
    **_EXPORT_SCHEMA,
)
class PopoloExportView(_StatementExportView):
    renderer_classes = [_JSONExportRenderer]
    export_name = "popolo.json"

    def capped(self, statements):
        # Persons, organizations, memberships and events come whole whatever the filter:
        # the cap counts the knowledge base, not the speeches asked for.
        return self.get_queryset()


@extend_schema(
    summary="A full export file",
    description="The full exports written by `manage.py export_files`: statements.csv, "
    "statements.jsonl, popolo.json. 404 until they have been written.",
    responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    tags=["export"],
)
class ExportFileView(GenericAPIView):
    """Serves a full export file from KB_EXPORT_DIR (a front server may serve them itself)."""

    renderer_classes = [JSONRenderer]  # for errors; a file is sent as it is
    throttle_classes = [AnonRateThrottle]
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request, name: str) -> HttpResponseBase:
        path = export_file_path(name)
        if path is None:
            raise Http404(
                "No such export file yet: the full exports are written by `manage.py export_files`."
            )
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=name,
            content_type=EXPORT_FORMATS[name].media_type,
        )
        response["Last-Modified"] = http_date(path.stat().st_mtime)
        return response
