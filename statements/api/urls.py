"""REST API URLs, namespace ``api``: viewsets on a router, exports, schema and docs."""

from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from statements.api import views

app_name = "api"


class KbRouter(DefaultRouter):
    include_format_suffixes = False


router = KbRouter()
router.register("people", views.PersonViewSet, basename="person")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("events", views.EventViewSet, basename="event")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("statements", views.StatementViewSet, basename="statement")

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
