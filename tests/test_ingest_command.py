"""``manage.py ingest``: one line per bad file, the good ones stored, exit status 1.

The subprocess tests run the real command against a copy of the test database (SQLite) or
the test database itself (PostgreSQL), so the exit status is the one a shell sees.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from statements import models

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARTICLE = "The minister said on Friday that the talks with the delegation would resume next week."


def mixed_folder(root: Path, seed_text: str) -> tuple[Path, list[str]]:
    """Three good articles and one of each kind of bad input; returns (folder, bad paths)."""
    folder = root / "articles"
    (folder / "nested").mkdir(parents=True)
    (folder / "seed.txt").write_text(
        f"title: Seed\npublisher: Example News\npublished: 2024-05-10\n\n{seed_text}",
        encoding="utf-8",
    )
    (folder / "nested" / "feed.jsonl").write_text(
        json.dumps({"text": ARTICLE, "title": "Feed 1"})
        + "\n{broken json\n"
        + json.dumps({"text": "The mayor said the bridge would reopen in June.", "title": "2"})
        + "\n",
        encoding="utf-8",
    )
    bad = {
        "binary.txt": b"\x00\x01\x02 binary",
        "empty.txt": b"",
        "latin1.txt": "Le ministre a déclaré que tout allait bien.".encode("latin-1"),
        "broken.json": b'{"text": "unfinished',
        "big.txt": ("word " * 10_000).encode(),
        "baddate.txt": f"published: 31/12/2024\n\n{ARTICLE}".encode(),
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    (folder / "unreadable.txt").symlink_to(folder / "gone.txt")
    bad_paths = [str(folder / name) for name in [*bad, "unreadable.txt"]]
    bad_paths.append(f"{folder / 'nested' / 'feed.jsonl'}:2")
    return folder, bad_paths


def assert_one_line_per_bad_input(stderr: str, bad_paths: list[str]) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == len(bad_paths), stderr
    for path in bad_paths:
        assert sum(line.startswith(f"{path}: ") for line in lines) == 1, (path, stderr)


def test_mixed_folder_stores_the_good_and_reports_each_bad(db, tmp_path, seed_text, settings):
    settings.KB_MAX_FILE_BYTES = 20_000
    folder, bad_paths = mixed_folder(tmp_path, seed_text)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="8 input"):
        call_command("ingest", str(folder), stdout=out, stderr=err)
    assert_one_line_per_bad_input(err.getvalue(), bad_paths)
    assert models.Document.objects.count() == 3
    assert models.Document.objects.get(title="Seed").statements.exists()
    assert "documents created       3" in out.getvalue()
    assert "documents failed        8" in out.getvalue()

    # Nothing already stored changes when the same folder is ingested again.
    counts = [m.objects.count() for m in (models.Document, models.Statement, models.Person)]
    with pytest.raises(CommandError):
        call_command("ingest", str(folder), stdout=io.StringIO(), stderr=io.StringIO())
    assert [m.objects.count() for m in (models.Document, models.Statement, models.Person)] == (
        counts
    )


def test_dry_run_and_stdin(db, monkeypatch):
    out = io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(f"title: Piped\n\n{ARTICLE}".encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    call_command("ingest", "-", "--dry-run", stdout=out, stderr=io.StringIO())
    assert "Dry run" in out.getvalue() and "documents created       1" in out.getvalue()
    assert models.Document.objects.count() == 0


def test_bad_options_are_refused(db):
    with pytest.raises(CommandError, match="published"):
        call_command("ingest", "seeds", "--published", "May 10", stdout=io.StringIO())
    with pytest.raises(CommandError, match="workers"):
        call_command("ingest", "seeds", "--workers", "0", stdout=io.StringIO())


# ----------------------------------------------------------------- a real subprocess


@pytest.fixture
def subprocess_database(transactional_db, tmp_path) -> tuple[str, object]:
    """A DATABASE_URL a child process can use, and a function counting documents in it."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database lives in memory: hand the child a file copy of it.
        path = tmp_path / "child.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()

        def count() -> int:
            with sqlite3.connect(path) as db:
                return db.execute("SELECT COUNT(*) FROM statements_document").fetchone()[0]

        return f"sqlite:///{path}", count
    if connection.vendor == "postgresql":
        user = settings_dict.get("USER") or "postgres"
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        url = f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
        return url, models.Document.objects.count
    pytest.skip(f"no subprocess database for {connection.vendor}")


def run_ingest(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    env["KB_MAX_FILE_BYTES"] = "20000"
    return subprocess.run(
        [sys.executable, "manage.py", "ingest", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_exit_status_of_the_real_command(subprocess_database, tmp_path, seed_text):
    url, document_count = subprocess_database
    folder, bad_paths = mixed_folder(tmp_path, seed_text)
    failed = run_ingest(url, str(folder))
    assert failed.returncode == 1, failed.stderr
    assert_one_line_per_bad_input(
        "\n".join(line for line in failed.stderr.splitlines() if line.startswith(str(folder))),
        bad_paths,
    )
    assert "CommandError" in failed.stderr or "8 input(s) failed" in failed.stderr
    assert document_count() == 3

    good = run_ingest(url, str(folder / "seed.txt"))
    assert good.returncode == 0, good.stderr
    assert "documents unchanged     1" in good.stdout
    assert document_count() == 3


def test_extract_writes_predictions_without_touching_the_database(
    db, tmp_path, seed_path, seed_text
):
    records = tmp_path / "in.jsonl"
    records.write_text(
        json.dumps({"id": "doc-1", "text": "  " + ARTICLE, "meta": {"publisher": "X"}}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "pred.jsonl"
    call_command(
        "extract", str(seed_path), "--jsonl", str(records), "--out", str(out), stderr=io.StringIO()
    )
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["iraq-turkey-withdrawal", "doc-1"]
    assert lines[0]["statements"]
    for statement in lines[0]["statements"]:
        start, end = statement["content_spans"][0]
        assert seed_text[start:end] in statement["content"]
    for statement in lines[1]["statements"]:  # offsets into the record's own text
        assert statement["content_start"] >= 2
    assert models.Document.objects.count() == 0 and models.Statement.objects.count() == 0
