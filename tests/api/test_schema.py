"""The OpenAPI schema: valid, complete, served with its docs from the package; schemathesis
finds no server error and no response that breaks it; the browsable API has kb's look."""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kb.wsgi import application
from statements.filters import StatementFilterSet

# Examples per operation; raise it for a deeper one-off run (KB_SCHEMATHESIS_EXAMPLES=200).
SCHEMATHESIS_EXAMPLES = int(os.environ.get("KB_SCHEMATHESIS_EXAMPLES", "10"))

LIST_PATHS = [
    "/api/people/",
    "/api/organisations/",
    "/api/memberships/",
    "/api/events/",
    "/api/documents/",
    "/api/quotes/",
    "/api/statements/",
]
EXPORT_PATHS = [
    "/api/export/popolo.json",
    "/api/export/statements.jsonl",
    "/api/export/statements.csv",
]


@pytest.fixture
def openapi(api_client) -> dict:
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_schema_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    validate(openapi)


@pytest.mark.django_db
def test_schema_documents_every_endpoint_and_filter(openapi):
    paths = openapi["paths"]
    for path in LIST_PATHS:
        assert "get" in paths[path], path
        detail = next(p for p in paths if p.startswith(path) and p != path)
        assert "get" in paths[detail], detail
    for path in EXPORT_PATHS:
        assert "get" in paths[path], path
    assert "patch" in paths["/api/statements/{id}/"]
    statement_filters = set(StatementFilterSet.base_filters) - {"date"}
    statement_filters |= {"date_after", "date_before"}
    for path in ["/api/statements/", *EXPORT_PATHS]:
        names = {p["name"] for p in paths[path]["get"].get("parameters", [])}
        assert statement_filters <= names, (path, statement_filters - names)
    names = {p["name"] for p in paths["/api/statements/"]["get"]["parameters"]}
    assert {"cursor", "page_size", "ordering"} <= names
    for path in LIST_PATHS[:-1]:
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"page", "page_size", "ordering"} <= names, path
    for operation in (op for item in paths.values() for op in item.values()):
        for parameter in operation.get("parameters", []):
            assert parameter.get("description") or parameter["in"] == "path", parameter


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_are_served_from_the_package(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar" in html or "/static/" in html
    for cdn in ("cdn.jsdelivr", "unpkg.com", "googleapis", "cdnjs"):
        assert cdn not in html


@pytest.mark.django_db
def test_swagger_ui_script_is_served_as_a_file(api_client):
    """The site's CSP forbids inline scripts, so Swagger UI's setup comes from a URL."""
    html = api_client.get("/api/docs/").content.decode()
    assert "<script>" not in html.replace(" ", "")
    response = api_client.get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert "SwaggerUIBundle" in response.content.decode()


@pytest.mark.django_db
def test_browsable_api_has_kb_look(api_client):
    response = api_client.get("/api/statements/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    # kb/api.css, or its hashed copy once `collectstatic` has run (make serve)
    assert re.search(r"kb/api(\.[0-9a-f]{12})?\.css", html)
    assert ">kb</a>" in html
    assert api_client.get("/static/kb/api.css").status_code in (200, 404)


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, called in-process inside the test's transaction.

    Like Django's test client, keep Django from closing the connection at the end of
    each request: that would end the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(kb, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    get_operations = [op for op in operations if op.method.upper() == "GET"]
    assert len(get_operations) >= 15
    failures: list[str] = []
    statuses: dict[str, list[int]] = {}
    for operation in get_operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=SCHEMATHESIS_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            cache.clear()  # anonymous throttling would answer 429 after enough calls
            response = case.call_and_validate(
                checks=[not_a_server_error, response_schema_conformance]
            )
            statuses.setdefault(case.operation.path, []).append(response.status_code)

        try:
            check()
        except Exception as error:  # collect every operation's failure, then report
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
    for path in LIST_PATHS + EXPORT_PATHS:
        assert 200 in statuses[path], (path, statuses[path])


def test_real_records_conform_to_the_schema(kb, wsgi_app):
    """Every detail endpoint, called with stored records, answers as the schema says."""
    from statements.models import Event, Membership, Organisation, Person, Quote, Statement

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = {
        (op.method.upper(), op.path): op for op in (r.ok() for r in schema.get_all_operations())
    }
    records = {
        "/api/people/{slug}/": [{"slug": p.slug} for p in Person.objects.all()],
        "/api/organisations/{slug}/": [{"slug": o.slug} for o in Organisation.objects.all()],
        "/api/memberships/{id}/": [{"id": m.pk} for m in Membership.objects.all()],
        "/api/events/{id}/": [{"id": e.pk} for e in Event.objects.all()],
        "/api/documents/{id}/": [{"id": kb.seed.pk}, {"id": kb.third.pk}],
        "/api/statements/{id}/": [{"id": s.pk} for s in Statement.objects.all()],
        "/api/quotes/{id}/": [{"id": q.pk} for q in Quote.objects.public()],
    }
    for path, parameters in records.items():
        assert parameters, path
        for path_parameters in parameters:
            case = operations[("GET", path)].Case(path_parameters=path_parameters)
            response = case.call_and_validate(
                checks=[not_a_server_error, response_schema_conformance]
            )
            assert response.status_code == 200, (path, path_parameters)
    for path in LIST_PATHS:
        response = (
            operations[("GET", path)]
            .Case(query={"page_size": 500})
            .call_and_validate(checks=[not_a_server_error, response_schema_conformance])
        )
        assert response.status_code == 200
