"""Small helpers shared by the API tests."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def fetch_all(client: APIClient, url: str, params: dict[str, Any] | None = None) -> list[dict]:
    """Every result of a paginated list, following ``next`` links (cursor or page)."""
    response = client.get(url, params or {})
    results: list[dict] = []
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        results.extend(data["results"])
        if not data["next"]:
            return results
        response = client.get(data["next"])


def ids(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]
