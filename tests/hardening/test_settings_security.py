"""Production settings: `check --deploy` is clean, the secret key is required, headers are set."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="kb.example.org",
    )
    env.update(overrides)
    return env


def _manage(
    *args: str, env: dict[str, str], project: Path = PROJECT_DIR
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_start_up_fails_clearly_without_a_secret_key(tmp_path):
    # A production host has no development .env (make install writes one with a key), so
    # start from a copy of the settings and manage.py without one.
    shutil.copytree(PROJECT_DIR / "kb", tmp_path / "kb")
    shutil.copy(PROJECT_DIR / "manage.py", tmp_path / "manage.py")
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = _manage("check", env=env, project=tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_responses_carry_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1][:30]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/statements/",
        # Exports check the database before the first byte: never a 200 with a bare header.
        "/api/export/statements.csv",
        "/api/export/statements.jsonl",
        "/api/export/popolo.json",
    ],
)
def test_database_away_gives_a_clean_503(path, tmp_path):
    """A real server whose database cannot be reached answers 503, not a traceback."""
    port, db_port = _free_port(), _free_port()  # nothing listens on db_port
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        database_url = f"postgres://postgres@127.0.0.1:{db_port}/kb_nowhere"
    else:
        database_url = f"sqlite:///{tmp_path}/missing-dir/db.sqlite3"
    env = _production_env(
        DATABASE_URL=database_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_DEBUG="0",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kb.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "1"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body, status, deadline = "", None, time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                    status, body = r.status, r.read().decode()
                break
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read().decode()
                break
            except (ConnectionError, TimeoutError, urllib.error.URLError):
                time.sleep(0.2)
        assert status == 503, body[:500]
        assert "Traceback" not in body and "OperationalError" not in body
        assert "unavailable" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
