"""Load test: wrk against gunicorn for 30 s at 32 connections over a mix of API and HTML URLs.

Checks what hardening promises: zero socket errors, zero 5xx (and no other non-2xx), and a
worker memory that stays flat. Only 127.0.0.1 is ever loaded; the run is bounded in time.
Writes its figures into docs/benchmarks.md between the ``load`` markers.

    python bench/load.py [--statements 20000] [--duration 30] [--connections 32]

``--exports`` measures instead what the export limits protect: the API statement list's
p95 alone, then while three anonymous clients keep asking for the full exports (CSV, JSON
lines, Popolo) as fast as they are answered, following redirects to the export files. The
target is a loaded p95 within 2x of the unloaded one. Figures go between the
``load-exports`` markers.

    python bench/load.py --exports [--statements 100000] [--duration 30] [--connections 8]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = PROJECT_DIR / "docs" / "benchmarks.md"
MARK_START, MARK_END = "<!-- load:start -->", "<!-- load:end -->"
PYTHON = sys.executable

WRK_SCRIPT = r"""
local paths = {%(paths)s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s2 = 0; s3 = 0; s4 = 0; s5 = 0; i = 0 end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1 else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local t2, t3, t4, t5 = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    t2 = t2 + t:get("s2"); t3 = t3 + t:get("s3"); t4 = t4 + t:get("s4"); t5 = t5 + t:get("s5")
  end
  io.write(string.format("KB status2xx=%%d status3xx=%%d status4xx=%%d status5xx=%%d\n",
    t2, t3, t4, t5))
  io.write(string.format("KB requests=%%d duration_us=%%d errors_connect=%%d errors_read=%%d "
    .. "errors_write=%%d errors_timeout=%%d errors_status=%%d\n", summary.requests,
    summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
  io.write(string.format("KB p50_ms=%%.2f p95_ms=%%.2f p99_ms=%%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


@dataclass
class LoadResult:
    urls: list[str]
    figures: dict[str, float] = field(default_factory=dict)
    rss_samples_mb: dict[int, list[float]] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def database_prepare(env: dict[str, str], statements: int) -> None:
    """A fresh database with the seed article and a synthetic corpus."""
    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    _run([PYTHON, "manage.py", "ingest", "seeds/"], env)
    _run([PYTHON, "manage.py", "generate_corpus", "--statements", str(statements)], env)


def urls_collect(env: dict[str, str]) -> list[str]:
    """A mix of API and HTML URLs over real rows of the database."""
    code = """
import json
from statements.models import Document, Event, Organisation, Person, Statement
person = Person.objects.filter(merged_into=None).order_by("pk").first()
organisation = Organisation.objects.filter(merged_into=None).order_by("pk").first()
statement = Statement.objects.order_by("-pk").first()
print(json.dumps({"person": person.slug, "organisation": organisation.slug,
    "statement": statement.pk, "document": statement.document_id,
    "event": Event.objects.order_by("pk").values_list("pk", flat=True).first()}))
"""
    ids = json.loads(_run([PYTHON, "manage.py", "shell", "-c", code], env).strip().splitlines()[-1])
    urls = [
        "/api/statements/",
        f"/api/statements/?speaker={ids['person']}",
        "/api/statements/?date_after=2020-01-01&date_before=2021-12-31",
        f"/api/statements/{ids['statement']}/",
        "/api/statements/?q=withdrawal",
        "/api/people/",
        f"/api/people/{ids['person']}/",
        f"/api/organisations/{ids['organisation']}/",
        "/api/documents/",
        "/",
        "/people/",
        f"/people/{ids['person']}/",
        f"/organisations/{ids['organisation']}/",
        f"/statements/{ids['statement']}/",
        f"/documents/{ids['document']}/",
        "/search/?q=withdrawal",
    ]
    if ids["event"]:
        urls += [f"/api/events/{ids['event']}/", f"/events/{ids['event']}/"]
    return urls


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def _rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else None


def _wait_until_up(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=5).read()
            return
        except urllib.error.HTTPError:
            return
        except (ConnectionError, urllib.error.URLError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def _server_start(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server_env = {
        **env,
        "KB_GUNICORN_BIND": f"127.0.0.1:{port}",
        "KB_GUNICORN_WORKERS": "2",
        "KB_GUNICORN_MAX_REQUESTS": "0",  # no recycling: memory growth must show
        "KB_GUNICORN_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "kb/gunicorn.conf.py", "kb.wsgi"],
        cwd=PROJECT_DIR,
        env=server_env,
    )
    return server, f"http://127.0.0.1:{port}"


def load_run(
    env: dict[str, str], urls: list[str], *, duration: int, connections: int
) -> LoadResult:
    server, base = _server_start(env)
    result = LoadResult(urls=urls)
    try:
        _wait_until_up(base)
        for url in urls:  # every URL must answer 200 before the load starts
            with urllib.request.urlopen(base + url, timeout=30) as response:
                assert response.status == 200, (url, response.status)
        warm = subprocess.run(
            ["wrk", "-t2", "-c8", "-d5s", base + urls[0]], capture_output=True, text=True
        )
        assert warm.returncode == 0, warm.stderr
        result.rss_samples_mb = {pid: [] for pid in _worker_pids(server.pid)}
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                for pid, samples in result.rss_samples_mb.items():
                    rss = _rss_mb(pid)
                    if rss is not None:
                        samples.append(rss)
                stop.wait(1.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT % {"paths": ", ".join(json.dumps(u) for u in urls)})
        command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
        command += ["-s", script.name, base]
        output = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60
        ).stdout
        stop.set()
        sampler.join()
        os.unlink(script.name)
        for line in output.splitlines():
            if line.startswith("KB "):
                for pair in line[3:].split():
                    key, value = pair.split("=")
                    result.figures[key] = float(value)
        result.figures["requests_per_second"] = result.figures["requests"] / (
            result.figures["duration_us"] / 1e6
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def _wrk_figures(base: str, paths: list[str], *, duration: int, connections: int) -> dict:
    """wrk over ``paths`` with the status-counting script; its ``KB`` figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths)})
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    command += ["-s", script.name, base]
    try:
        output = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60
        ).stdout
    finally:
        os.unlink(script.name)
    figures: dict[str, float] = {}
    for line in output.splitlines():
        if line.startswith("KB "):
            for pair in line[3:].split():
                key, value = pair.split("=")
                figures[key] = float(value)
    return figures


class _ExportClients:
    """Anonymous clients asking for full exports back to back, each in its own thread."""

    PATHS = (
        "/api/export/statements.csv",
        "/api/export/statements.jsonl",
        "/api/export/popolo.json",
    )

    def __init__(self, base: str, count: int) -> None:
        self.base, self.count = base, count
        self.stop = threading.Event()
        self.statuses: dict[int, int] = {}
        self.bytes_read = 0
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._loop, args=(self.PATHS[i % 3],), daemon=True)
            for i in range(count)
        ]

    def _loop(self, path: str) -> None:
        while not self.stop.is_set():
            status, size = 0, 0
            try:
                with urllib.request.urlopen(self.base + path, timeout=120) as response:
                    status = response.status
                    while chunk := response.read(1 << 16):
                        size += len(chunk)
            except urllib.error.HTTPError as error:
                status = error.code
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                status = -1
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.bytes_read += size
            if status in (429, -1):
                self.stop.wait(1.0)  # a throttled client retries every second

    def __enter__(self) -> _ExportClients:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=150)


def exports_pressure_run(env: dict[str, str], *, duration: int, connections: int) -> dict:
    """The statement list's p95 alone, then under three anonymous full-export clients."""
    _run([PYTHON, "manage.py", "export_files"], env)
    server, base = _server_start(env)
    try:
        _wait_until_up(base)
        list_path = ["/api/statements/"]
        _wrk_figures(base, list_path, duration=5, connections=connections)  # warm up
        alone = _wrk_figures(base, list_path, duration=duration, connections=connections)
        with _ExportClients(base, 3) as clients:
            time.sleep(2)  # the export requests are under way
            loaded = _wrk_figures(base, list_path, duration=duration, connections=connections)
        return {
            "p95_alone_ms": alone["p95_ms"],
            "p95_loaded_ms": loaded["p95_ms"],
            "ratio": loaded["p95_ms"] / alone["p95_ms"] if alone.get("p95_ms") else float("inf"),
            "list_5xx": loaded.get("status5xx", 0),
            "export_statuses": dict(sorted(clients.statuses.items())),
            "export_mb": clients.bytes_read / 1e6,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def exports_report_markdown(
    figures: dict, *, duration: int, connections: int, statements: int
) -> str:
    verdict = "met" if figures["ratio"] <= 2 else "NOT met"
    return "\n".join(
        [
            "## Load with full-export attempts (hardening)",
            "",
            f"`python bench/load.py --exports`: gunicorn (2 sync workers), PostgreSQL with the "
            f"seed plus {statements:,} synthetic statements, full exports written first by "
            f"`manage.py export_files`. wrk, {duration} s, {connections} connections on "
            "`/api/statements/`, first alone, then while three anonymous clients ask for "
            "`/api/export/statements.csv`, `.jsonl` and `popolo.json` back to back "
            "(following redirects to the files; a throttled client retries every second).",
            "",
            "| list p95 alone (ms) | list p95 loaded (ms) | ratio | target | list 5xx | "
            "export answers | export MB read |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| {figures['p95_alone_ms']:.1f} | {figures['p95_loaded_ms']:.1f} | "
            f"{figures['ratio']:.2f} | <= 2 ({verdict}) | {figures['list_5xx']:.0f} | "
            f"{figures['export_statuses']} | {figures['export_mb']:.1f} |",
            "",
        ]
    )


def report_markdown(result: LoadResult, *, duration: int, connections: int, statements: int) -> str:
    f = result.figures
    errors = sum(f.get(f"errors_{k}", 0) for k in ("connect", "read", "write", "timeout"))
    non_2xx = f.get("status3xx", 0) + f.get("status4xx", 0) + f.get("status5xx", 0)
    lines = [
        "## Load test (hardening)",
        "",
        f"`python bench/load.py`: wrk, {duration} s, {connections} connections, 2 threads, "
        f"against gunicorn (2 sync workers, no worker recycling) on 127.0.0.1, PostgreSQL "
        f"with the seed article plus {statements:,} synthetic statements, rotating over "
        f"{len(result.urls)} API and HTML URLs (list, filtered list, search, detail pages). "
        "Run with `bench.settings` (the production settings without the anonymous API "
        "throttle, which would otherwise answer most of the load with 429).",
        "",
        "| requests | req/s | p50 ms | p95 ms | p99 ms | socket errors | 5xx | other non-2xx |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {f['requests']:,.0f} | {f['requests_per_second']:,.0f} | {f['p50_ms']:.1f} | "
        f"{f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {errors:.0f} | {f.get('status5xx', 0):.0f} | "
        f"{non_2xx - f.get('status5xx', 0):.0f} |",
        "",
        "| worker | RSS at start (MB) | peak (MB) | at end (MB) |",
        "| --- | --- | --- | --- |",
    ]
    for number, samples in enumerate(result.rss_samples_mb.values(), start=1):
        if samples:
            lines.append(
                f"| {number} | {samples[0]:.0f} | {max(samples):.0f} | {samples[-1]:.0f} |"
            )
    lines += ["", "URLs: " + ", ".join(f"`{u}`" for u in result.urls), ""]
    return "\n".join(lines)


def benchmarks_md_update(section: str, *, marks: tuple[str, str] = (MARK_START, MARK_END)) -> None:
    start, end = marks
    BENCHMARKS_MD.parent.mkdir(exist_ok=True)
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else ""
    block = f"{start}\n{section}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = (text.rstrip() + "\n\n" if text else "# Benchmarks\n\n") + block + "\n"
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database", default="kb_load", help="PostgreSQL database to (re)create")
    parser.add_argument(
        "--exports",
        action="store_true",
        help="measure the statement list under three anonymous full-export clients instead",
    )
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk")
        return 2
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
    }
    psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    try:
        database_prepare(env, args.statements)
        _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        if args.exports:
            return _exports_main(env, args)
        urls = urls_collect(env)
        result = load_run(env, urls, duration=args.duration, connections=args.connections)
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=False)
    section = report_markdown(
        result, duration=args.duration, connections=args.connections, statements=args.statements
    )
    print(section)
    benchmarks_md_update(section)
    f = result.figures
    failed = sum(f.get(f"errors_{k}", 0) for k in ("connect", "read", "write", "timeout"))
    failed += f.get("status5xx", 0) + f.get("status4xx", 0) + f.get("status3xx", 0)
    return 1 if failed else 0


def _exports_main(env: dict[str, str], args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="kb-exports-") as folder:
        env = {**env, "KB_EXPORT_DIR": folder}
        figures = exports_pressure_run(env, duration=args.duration, connections=args.connections)
    section = exports_report_markdown(
        figures, duration=args.duration, connections=args.connections, statements=args.statements
    )
    print(section)
    benchmarks_md_update(
        section, marks=("<!-- load-exports:start -->", "<!-- load-exports:end -->")
    )
    return 0 if figures["ratio"] <= 2 and not figures["list_5xx"] else 1


if __name__ == "__main__":
    sys.exit(main())
