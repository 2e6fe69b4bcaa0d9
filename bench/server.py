"""Server control for `make bench`: the benchmark database and a gunicorn under watch.

The database is dropped and created here (never a database you did not name), and
gunicorn runs kb with the bench settings on 127.0.0.1 only, its workers' memory polled
from /proc while the load runs.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import ROOT


def database_urls(url: str) -> tuple[str, str]:
    """(the bench database's URL, the maintenance database's URL on the same server)."""
    parts = urlsplit(url)
    database_name_check(parts.path.lstrip("/"))
    return url, urlunsplit(parts._replace(path="/postgres"))


def database_recreate(
    url: str, *, drop_only: bool = False, template: str | None = None, wait_s: float = 600.0
) -> None:
    """Drop the bench database and create it again: empty, or a copy of ``template``.

    PostgreSQL copies a template only while nobody is connected to it, so a busy template
    is retried every few seconds for up to ``wait_s``. The copy is made file by file
    (``STRATEGY FILE_COPY``): for a database of several gigabytes that is much faster than
    logging every block, and the template itself is only read.
    """
    import psycopg

    bench_url, admin_url = database_urls(url)
    name = urlsplit(bench_url).path.lstrip("/")
    if template is not None:
        database_name_check(template)
        if template == name:
            raise SystemExit(f"the template {template!r} is the bench database itself")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if drop_only:
            return
        if template is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            return
        deadline = time.monotonic() + wait_s
        while True:
            try:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
                return
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(5)


def database_name_check(name: str) -> str:
    """``name`` if it is a plain identifier (it is spliced into SQL), else exit."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"database name must be a plain identifier, got {name!r}")
    return name


class Server:
    """gunicorn with the bench settings, 2 workers, on 127.0.0.1; memory polled meanwhile."""

    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.env = {
            **env,
            "KB_GUNICORN_BIND": f"127.0.0.1:{port}",
            "KB_GUNICORN_WORKERS": str(workers),
            # No recycling while measuring: memory growth must show, and a restart mid-run
            # would be measured as latency.
            "KB_GUNICORN_MAX_REQUESTS": "0",
        }
        self.port = port
        self.process: subprocess.Popen | None = None
        self.peak_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Server:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.log_file = tempfile.NamedTemporaryFile(
            mode="w+", prefix="kb-bench-gunicorn-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [gunicorn, "-c", "kb/gunicorn.conf.py", "kb.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_file.name}")
            try:
                urllib.request.urlopen(self.url("/bench/baseline/statements/"), timeout=5)
                if len(self.workers()) >= int(self.env["KB_GUNICORN_WORKERS"]):
                    break
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer within 60 s")
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def workers(self) -> list[int]:
        """Worker pids: the master's children."""
        if not self.process:
            return []
        master = self.process.pid
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.append(int(stat.parent.name))
        return children

    @staticmethod
    def memory_kb(pid: int) -> dict[str, int]:
        values = {}
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(("VmRSS:", "VmHWM:")):
                    values[line.split(":")[0]] = int(line.split()[1])
        except OSError:
            pass
        return values

    def sample(self) -> None:
        for pid in self.workers():
            memory = self.memory_kb(pid)
            peak = max(memory.get("VmHWM", 0), memory.get("VmRSS", 0))
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), peak)

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()
