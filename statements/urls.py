"""HTML site URLs (the pages are built in statements/views.py)."""

from django.urls import path

from statements import views

app_name = "statements"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("statements/", views.statement_list, name="statement-list"),
    path("statements/<int:pk>/", views.statement_detail, name="statement-detail"),
    path("people/", views.person_list, name="person-list"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("events/", views.event_list, name="event-list"),
    path("events/<int:pk>/", views.event_detail, name="event-detail"),
    path("quotes/", views.quote_list, name="quote-list"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote-detail"),
    path("documents/", views.document_list, name="document-list"),
    path("documents/<int:pk>/", views.document_detail, name="document-detail"),
]
