"""Two real ``manage.py ingest`` processes over the same folder at once: no duplicate rows.

PostgreSQL only: SQLite serialises writers, so the race this guards against cannot happen
there. The children write into the test database itself (``transaction=True``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from statements import models

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent


def database_url() -> str:
    settings_dict = connection.settings_dict
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def overlapping_articles(folder: Path, seed_text: str) -> int:
    """The seed plus each of its paragraphs as an article: many shared people and names."""
    folder.mkdir()
    paragraphs = [p for p in seed_text.split("\n") if p.strip()]
    (folder / "seed.txt").write_text(seed_text, encoding="utf-8")
    for number, paragraph in enumerate(paragraphs, start=1):
        (folder / f"part-{number}.txt").write_text(
            f"title: Part {number}\npublished: 2024-05-1{number % 10}\n\n{paragraph}",
            encoding="utf-8",
        )
    return 1 + len(paragraphs)


def duplicates(model, *fields: str, **filters) -> list[dict]:
    return list(
        model.objects.filter(**filters).values(*fields).annotate(n=Count("id")).filter(n__gt=1)
    )


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_processes_on_the_same_folder_leave_no_duplicates(tmp_path, seed_text):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test needs PostgreSQL (set DATABASE_URL=postgres://...)")
    folder = tmp_path / "articles"
    expected_documents = overlapping_articles(folder, seed_text)
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_DEBUG": "1"}
    base = [sys.executable, "manage.py", "ingest", "--batch-size", "1"]
    # One walks the folder, the other the same files in reverse order: they meet on the
    # same documents and on the same people in different documents.
    reverse = [str(path) for path in sorted(folder.glob("*.txt"), reverse=True)]
    children = [
        subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in ([*base, str(folder)], [*base, *reverse])
    ]
    outputs = [child.communicate(timeout=300) for child in children]
    for child, (_out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err

    created = [int(re.search(r"documents created\s+(\d+)", out).group(1)) for out, _ in outputs]
    unchanged = [int(re.search(r"documents unchanged\s+(\d+)", out).group(1)) for out, _ in outputs]
    assert sum(created) == expected_documents
    assert [c + u for c, u in zip(created, unchanged, strict=True)] == [expected_documents] * 2

    assert models.Document.objects.count() == expected_documents
    assert not duplicates(models.Document, "sha256")
    assert not duplicates(models.Person, "name_key", "disambiguation", merged_into__isnull=True)
    assert not duplicates(
        models.Organisation, "name_key", "disambiguation", merged_into__isnull=True
    )
    assert not duplicates(models.OtherName, "person", "organisation", "name_key")
    assert not duplicates(models.Membership, "person", "organisation", "role")
    assert not duplicates(models.Mention, "document", "start", "end")
    assert not duplicates(models.Statement, "document", "content_start", "content_end")
    assert not duplicates(models.Event, "document", "name", "start")
    assert models.Statement.objects.exists()
    # Full names are shared across the articles; each is one live record.
    assert models.Person.objects.filter(merged_into__isnull=True, disambiguation="").count() == (
        models.Person.objects.filter(merged_into__isnull=True, disambiguation="")
        .values("name_key")
        .distinct()
        .count()
    )
