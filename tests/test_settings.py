"""Settings read from the environment behave as the README's configuration table says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

SHOW = (
    "from django.conf import settings; d = settings.DATABASES['default']; "
    "print(d['ENGINE'], d['NAME'], settings.KB_SPACY_MODEL)"
)


def _settings_with(**env: str) -> str:
    environment = {**os.environ, "DJANGO_DEBUG": "1", **env}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_empty_database_url_means_the_default_sqlite_file():
    engine, name, _ = _settings_with(DATABASE_URL="").split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(PROJECT_DIR / "db.sqlite3")


def test_database_url_and_model_name_come_from_the_environment():
    shown = _settings_with(
        DATABASE_URL="postgres://kb@127.0.0.1:5433/kbprod", KB_SPACY_MODEL="en_core_web_lg"
    )
    assert shown == "django.db.backends.postgresql kbprod en_core_web_lg"
