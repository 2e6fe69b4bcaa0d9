"""The benchmark's baseline view serves the same page as the API list, and only in bench."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from bench.synthetic import corpus_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def http(client):
    client.defaults["HTTP_HOST"] = "127.0.0.1"
    return client


def test_baseline_is_not_routed_in_production():
    with pytest.raises(NoReverseMatch):
        reverse("bench-baseline-list")


def test_baseline_returns_the_api_page(http, settings):
    settings.ROOT_URLCONF = "bench.urls"
    corpus_generate(statements=120, seed=5, clear=True)

    api = http.get("/api/statements/", secure=True).json()["results"]
    baseline = http.get("/bench/baseline/statements/", secure=True).json()["results"]

    assert [row["id"] for row in baseline] == [row["id"] for row in api]
    assert len(baseline) == 50
    for mine, theirs in zip(baseline, api, strict=True):
        assert mine["content"] == theirs["content"]
        assert len(mine["targets"]) == len(theirs["targets"])

    speaker = next(r["speaker"] for r in api if r["speaker"] and r["speaker"]["kind"] == "person")
    filtered = http.get(
        f"/bench/baseline/statements/?speaker_person={speaker['id']}", secure=True
    ).json()["results"]
    by_api = http.get(f"/api/statements/?speaker={speaker['slug']}", secure=True).json()
    assert filtered and [r["id"] for r in filtered] == [r["id"] for r in by_api["results"]]

    detail = http.get(f"/bench/baseline/statements/{api[0]['id']}/", secure=True).json()
    assert detail["id"] == api[0]["id"]
