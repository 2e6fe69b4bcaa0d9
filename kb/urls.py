"""URL map: the HTML site at /, the REST API at /api/, the admin at /admin/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("statements.api.urls")),
    path("", include("statements.urls")),
]
