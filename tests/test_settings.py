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


def _shell(code: str, **env: str) -> str:
    # A broker in the caller's environment must not leak into a check of its absence.
    environment = {
        **{k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"},
        "DJANGO_DEBUG": "1",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


WORKER_CONF = (
    "from kb.celery import app; c = app.conf; "
    "print(repr(c.broker_url), c.task_default_queue, c.task_acks_late, "
    "c.task_reject_on_worker_lost, c.worker_prefetch_multiplier, "
    "c.broker_transport_options['visibility_timeout'])"
)


def test_the_worker_app_takes_its_broker_and_queue_from_the_environment():
    shown = _shell(
        WORKER_CONF,
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//",
        KB_QUEUE_NAME="parsers",
        KB_QUEUE_PREFETCH="2",
        KB_QUEUE_VISIBILITY_TIMEOUT="600",
    )
    assert shown == "'amqp://guest:guest@127.0.0.1:5672//' parsers True True 2 600"


def test_without_a_broker_nothing_is_queued():
    code = (
        "from statements.services.ingest_queue import broker_configured; print(broker_configured())"
    )
    assert _shell(code) == "False"
