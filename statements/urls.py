"""HTML site URLs (the pages are built in statements/views.py)."""

from django.urls import path

from statements import views

app_name = "statements"

urlpatterns = [
    path("", views.home, name="home"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("events/<int:pk>/", views.event_detail, name="event-detail"),
    path("statements/<int:pk>/", views.statement_detail, name="statement-detail"),
    path("documents/<int:pk>/", views.document_detail, name="document-detail"),
]
