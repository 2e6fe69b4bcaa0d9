"""REST API URLs, namespace ``api``: viewsets on a router, exports, schema and docs."""

from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.reverse import reverse
from rest_framework.routers import APIRootView, DefaultRouter

from statements.api import views

app_name = "api"


class KbAPIRootView(APIRootView):
    """kb: who said what, about whom, when and where.

    Read-only lists of statements, quotes, people, organisations, memberships, events and
    documents; streamed exports (Popolo JSON, PLOVER JSON lines, CSV) that take the
    statement filters; the OpenAPI schema with Swagger UI and ReDoc.
    """

    extra_links = {
        "export-popolo": "api:export-popolo",
        "export-statements-jsonl": "api:export-statements-jsonl",
        "export-statements-csv": "api:export-statements-csv",
        "schema": "api:schema",
        "docs": "api:docs",
        "redoc": "api:redoc",
    }

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        for key, name in self.extra_links.items():
            response.data[key] = reverse(name, request=request)
        return response


class KbRouter(DefaultRouter):
    include_format_suffixes = False
    APIRootView = KbAPIRootView


router = KbRouter()
router.register("people", views.PersonViewSet, basename="person")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("events", views.EventViewSet, basename="event")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("quotes", views.QuoteViewSet, basename="quote")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(
            url_name="api:schema", template_name="rest_framework/redoc.html"
        ),
        name="redoc",
    ),
    path("export/popolo.json", views.PopoloExportView.as_view(), name="export-popolo"),
    path(
        "export/files/<str:name>",
        views.ExportFileView.as_view(),
        name="export-file",
    ),
    path(
        "export/statements.jsonl",
        views.StatementJSONLinesExportView.as_view(),
        name="export-statements-jsonl",
    ),
    path(
        "export/statements.csv",
        views.StatementCSVExportView.as_view(),
        name="export-statements-csv",
    ),
    *router.urls,
]
