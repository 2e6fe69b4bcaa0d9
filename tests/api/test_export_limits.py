"""Exports cannot tie up the site: anonymous clients get capped slices at their own rate,
the full exports are files written off the request path, and a failed stream never ends
like a complete one."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from statements.api.views import ExportAnonThrottle
from statements.models import Statement

EXPORTS = ["statements.csv", "statements.jsonl", "popolo.json"]


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


@pytest.fixture
def reader_client(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("reader"))
    return client


@pytest.fixture
def small_cap(settings, kb):
    settings.KB_EXPORT_ANON_ROW_CAP = 2
    assert Statement.objects.count() > 2


@pytest.mark.parametrize("name", EXPORTS)
def test_anonymous_full_export_is_sent_to_the_file(kb, api_client, small_cap, name):
    response = api_client.get(f"/api/export/{name}")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/api/export/files/{name}")


def test_anonymous_filtered_export_over_the_cap_is_refused(kb, api_client, small_cap):
    response = api_client.get("/api/export/statements.csv", {"publisher": "Example News"})
    assert response.status_code == 400
    assert "/api/export/files/statements.csv" in json.loads(response.content)["detail"]


def test_anonymous_filtered_export_under_the_cap_streams(kb, api_client, settings):
    expected = Statement.objects.filter(document=kb.third).count()
    assert 0 < expected < Statement.objects.count()
    settings.KB_EXPORT_ANON_ROW_CAP = expected
    body = _body(api_client.get("/api/export/statements.jsonl", {"document": kb.third.pk}))
    assert len(body.decode().splitlines()) == expected


def test_signed_in_users_stream_everything(kb, reader_client, small_cap):
    lines = _body(reader_client.get("/api/export/statements.jsonl")).decode().splitlines()
    assert len(lines) == Statement.objects.count()


def test_anonymous_exports_have_their_own_stricter_throttle(kb, api_client, monkeypatch):
    monkeypatch.setattr(ExportAnonThrottle, "THROTTLE_RATES", {"export_anon": "2/minute"})
    statuses = [api_client.get("/api/export/statements.csv").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert api_client.get("/api/documents/").status_code == 200  # the API itself is not


def test_the_export_throttle_survives_settings_without_default_throttles(settings):
    """The benchmark settings drop the default throttles; the exports keep theirs."""
    from statements.api.views import StatementCSVExportView

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    assert ExportAnonThrottle in StatementCSVExportView.throttle_classes


def test_full_exports_are_files_written_by_a_command(
    kb, api_client, reader_client, tmp_path, settings
):
    settings.KB_EXPORT_DIR = tmp_path / "exports"
    assert api_client.get("/api/export/files/statements.csv").status_code == 404
    out = io.StringIO()
    call_command("export_files", "--base-url", "http://testserver", stdout=out)
    assert "wrote statements.csv" in out.getvalue()
    for name in EXPORTS:
        response = api_client.get(f"/api/export/files/{name}")
        assert response.status_code == 200
        served = b"".join(response.streaming_content)
        assert served == (settings.KB_EXPORT_DIR / name).read_bytes()
        streamed = _body(reader_client.get(f"/api/export/{name}"))
        assert served == streamed, name  # a file and a stream of the same rows agree
    popolo = json.loads((settings.KB_EXPORT_DIR / "popolo.json").read_text())
    assert len(popolo["speeches"]) == Statement.objects.count()
    assert api_client.get("/api/export/files/secrets.txt").status_code == 404
    assert api_client.get("/api/export/files/..%2Fmanage.py").status_code == 404
