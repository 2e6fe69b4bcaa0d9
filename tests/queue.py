"""Real brokers and real ``celery -A kb worker`` processes for the queued-ingestion tests.

A worker is a separate process that shares the test database, so these tests need
PostgreSQL (a transactional test, so that the worker sees committed rows) and a broker:
Redis at 127.0.0.1:6379 and RabbitMQ at 127.0.0.1:5672 unless ``KB_TEST_REDIS_BROKER_URL``
/ ``KB_TEST_RABBITMQ_URL`` say otherwise. Without a broker they skip, saying why; under
``CI`` a missing broker fails instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("KB_TEST_REDIS_BROKER_URL", "redis://127.0.0.1:6379/14")
RABBITMQ_URL = os.environ.get("KB_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
# Short enough that a task whose worker was killed comes back within a test.
VISIBILITY_TIMEOUT = 5


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def broker_require(url: str) -> None:
    """Skip (fail under CI) unless the broker at ``url`` accepts a connection."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as error:  # the transport's own connection errors
        reason = f"needs a broker at {url.split('@')[-1]} ({type(error).__name__}: {error})"
        if in_ci():
            pytest.fail(f"{reason}: CI requires it")
        pytest.skip(reason)


def postgres_require() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "worker processes share the test database: PostgreSQL only "
            "(DATABASE_URL=postgres://... make test; CI's PostgreSQL pass runs these)"
        )


def worker_database_url() -> str:
    """The URL of the database this test process uses (the test database)."""
    from django.db import connection

    config = connection.settings_dict
    user = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    host = config["HOST"] or "127.0.0.1"
    port = config["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{config['NAME']}"


def queue_name() -> str:
    """A queue of one test's own: other tests (and other checkouts) share the brokers."""
    return f"kb-test-{uuid.uuid4().hex[:12]}"


def queue_delete(url: str, name: str) -> None:
    from kombu import Connection, Queue

    try:
        with Connection(url, connect_timeout=3) as connection:
            Queue(name, channel=connection.default_channel).delete()
    except Exception:  # cleanup only: the broker may be the thing that went away
        pass


class Worker:
    """One ``celery -A kb worker`` process group on ``queue``, started and stopped here."""

    def __init__(self, broker_url: str, queue: str, *, concurrency: int = 1, **env: str) -> None:
        self.broker_url, self.queue, self.concurrency = broker_url, queue, concurrency
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "KB_QUEUE_NAME": queue,
            "KB_QUEUE_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            # No idle connection outlives a task: the test database is flushed and dropped.
            "DJANGO_CONN_MAX_AGE": "0",
            **env,
        }
        self.log = Path(tempfile.mkstemp(prefix="kb-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kb",
            "worker",
            "-Q",
            self.queue,
            "-c",
            str(self.concurrency),
            "-n",
            f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the pool dies with it
            )
        return self

    def kill(self) -> None:
        """SIGKILL the whole group, as the kernel's OOM killer or a pulled plug would."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self._signal(signal.SIGTERM, wait=30)
            if self.process.poll() is None:
                self._signal(signal.SIGKILL)
        self.log.unlink(missing_ok=True)

    def _signal(self, number: int, wait: float = 10) -> None:
        assert self.process is not None
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=wait)

    def log_tail(self) -> str:
        if not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-4000:]


def run_finished_wait(run_id: int, workers: list[Worker], *, timeout: float = 180) -> None:
    """Wait for an ingest run to finish; fail with the workers' logs if it does not."""
    from statements.models import IngestRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if IngestRun.objects.filter(pk=run_id, finished_at__isnull=False).exists():
            return
        for worker in workers:
            if worker.process is not None and worker.process.poll() is not None:
                pytest.fail(f"the worker exited:\n{worker.log_tail()}")
        time.sleep(0.3)
    logs = "\n".join(worker.log_tail() for worker in workers)
    pytest.fail(f"run {run_id} did not finish in {timeout:g} s:\n{logs}")
