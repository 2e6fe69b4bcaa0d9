"""kb's URLs plus the benchmark baseline (only with DJANGO_SETTINGS_MODULE=bench.settings)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/baseline/statements/", views.baseline_statement_list, name="bench-baseline-list"),
    path(
        "bench/baseline/statements/<int:pk>/",
        views.baseline_statement_detail,
        name="bench-baseline-detail",
    ),
    path("", include("kb.urls")),
]
