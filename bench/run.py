"""`make bench`: kb's benchmark suite. Writes docs/benchmarks.md.

1. For each scale (10k, 100k, 1M statements by default) on a dedicated PostgreSQL database
   (``kb_bench``, created and dropped here): generates a synthetic corpus
   (``statements.services.synthetic``), starts gunicorn (2 workers, bench settings) on
   127.0.0.1, counts the SQL queries of one request per endpoint, warms up, then loads each
   endpoint with ``wrk -t2 -c8 -d10s`` and records requests/s and latency percentiles,
   while polling the workers' memory.
2. Writes the tables, the ratios to the plain-JsonResponse baseline and the checks
   against the targets to docs/benchmarks.md (after every scale).
3. Runs the ingestion and extraction benchmarks (bench/bench_ingest.py,
   bench/bench_extract.py) when they exist, and adds what they print.

Only 127.0.0.1 is ever loaded, and every wrk run is bounded in time. Run from the project
root: ``.venv/bin/python bench/run.py [--scales 10000,100000] [--duration 10]``.
Needs PostgreSQL (``--database-url``, default postgres://postgres@127.0.0.1:5432/kb_bench)
and wrk (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kb_bench"
# 10k again at the end: the acceptance compares 1M with a small run measured right after it,
# so a change in the machine's load during the long 1M run does not pass for scaling.
DEFAULT_SCALES = (10_000, 100_000, 1_000_000, 10_000)
SEARCH_TERM = "wheat"  # in about 0.9% of synthetic statements: a topical query

WRK_SCRIPT = r"""
-- kb bench: each request picks a random path from the file named after "--".
local paths = {}
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

init = function(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    if #line > 0 then table.insert(paths, line) end
  end
  f:close()
  math.randomseed(os.time() * 100 + (seed or 0))
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end

done = function(summary, latency, requests)
  local p = {}
  for _, q in ipairs({50, 75, 90, 95, 99}) do
    p[#p + 1] = string.format('"p%d": %.3f', q, latency:percentile(q) / 1000.0)
  end
  io.write(string.format(
    'KBJSON {"requests": %d, "duration_s": %.3f, "non_2xx": %d, "errors": %d, '
    .. '"mean_ms": %.3f, "max_ms": %.3f, %s}\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency.mean / 1000.0, latency.max / 1000.0, table.concat(p, ", ")))
end
"""


@dataclass
class Endpoint:
    """One URL family under load. ``paths`` is filled per scale from the data."""

    key: str
    label: str
    group: str  # "baseline", "api" or "html"
    baseline: str | None = None  # key of the baseline it is compared with
    gated: bool = False  # under acceptance target 1 (>= 50% of baseline, p95 <= 2x)
    paths: list[str] = field(default_factory=list)


ENDPOINTS = (
    Endpoint("base_list", "baseline: statement list", "baseline"),
    Endpoint("base_speaker", "baseline: list by speaker", "baseline"),
    Endpoint("base_dates", "baseline: list by date range", "baseline"),
    Endpoint("base_detail", "baseline: statement detail", "baseline"),
    Endpoint("api_list", "API statement list", "api", "base_list", gated=True),
    Endpoint("api_speaker", "API list ?speaker=", "api", "base_speaker", gated=True),
    Endpoint("api_dates", "API list ?date_after=&date_before=", "api", "base_dates", gated=True),
    Endpoint("api_detail", "API statement detail", "api", "base_detail", gated=True),
    Endpoint("api_person", "API person detail", "api", "base_detail", gated=True),
    Endpoint("api_search", f"API search ?q={SEARCH_TERM}", "api", "base_list"),
    Endpoint("html_list", "HTML statement list", "html", "base_list"),
    Endpoint("html_person", "HTML person page", "html", "base_detail"),
)


@dataclass
class Result:
    endpoint: Endpoint
    status: int
    requests_per_s: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    non_2xx: int = 0
    errors: int = 0
    queries: int | None = None
    slowest_sql_ms: float | None = None
    slowest_sql: str = ""
    note: str = ""
    load: float = 0.0  # 1-minute load average when the measurement started


@dataclass
class ScaleRun:
    scale: int
    generation: str
    generation_s: float
    results: dict[str, Result]
    worker_peak_mb: float
    worker_rss_end_mb: list[float]
    plans: dict[str, str]


# --- helpers ------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def database_urls(url: str) -> tuple[str, str]:
    """(the bench database's URL, the maintenance database's URL on the same server)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"bench database name must be a plain identifier, got {name!r}")
    return url, urlunsplit(parts._replace(path="/postgres"))


def database_recreate(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    bench_url, admin_url = database_urls(url)
    name = urlsplit(bench_url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def command_output(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_description() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{mem_kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration, ValueError):
        memory = "?"
    return {
        "cpu": f"{os.cpu_count()} x {cpu or platform.processor() or '?'}",
        "memory": memory,
        "os": platform.platform(),
    }


def versions() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return _stack_versions(f"{pg} (shared_buffers {shared_buffers})")


def versions_offline() -> dict[str, str]:
    """versions() without a database: PostgreSQL's from psql."""
    return _stack_versions(command_output("psql", "--version") or "?")


def _stack_versions(postgres: str) -> dict[str, str]:
    import django
    import gunicorn
    import psycopg
    import rest_framework

    wrk = command_output("wrk", "--version").splitlines()
    return {
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "Django REST framework": rest_framework.VERSION,
        "psycopg": psycopg.__version__,
        "PostgreSQL": postgres,
        "gunicorn": gunicorn.__version__,
        "wrk": wrk[0].split(" [")[0] if wrk else "?",
    }


# --- the server ------------------------------------------------------------------------------


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


# --- measuring ---------------------------------------------------------------------------------


def wrk_run(
    url: str, paths_file: Path, script: Path, *, seconds: int, threads: int, connections: int
) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        str(paths_file),
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    for line in output.splitlines():
        if line.startswith("KBJSON "):
            return json.loads(line[len("KBJSON ") :])
    raise RuntimeError(f"wrk printed no summary:\n{output}")


def endpoint_paths(scale: int, rng: random.Random) -> dict[str, list[str]]:
    """Concrete URLs for every endpoint, drawn from the corpus like real traffic would be.

    Statements are drawn uniformly; people are the speakers of random statements, so the
    frequent speakers (Zipf) are asked for more often, as on a real site.
    """
    from statements.models import Person, Statement

    last = Statement.objects.order_by("-id").values_list("id", flat=True).first() or 0
    first = Statement.objects.order_by("id").values_list("id", flat=True).first() or 0
    statement_ids = [rng.randint(first, last) for _ in range(200)]
    speaker_ids = list(
        Statement.objects.filter(id__in=statement_ids, speaker_person__isnull=False).values_list(
            "speaker_person_id", flat=True
        )
    )
    if not speaker_ids:
        speaker_ids = list(Person.objects.values_list("id", flat=True)[:50])
    slugs = dict(Person.objects.filter(id__in=speaker_ids).values_list("id", "slug"))
    speakers = [(pk, slugs[pk]) for pk in speaker_ids if pk in slugs]
    windows = []
    for _ in range(50):
        start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(365 * 11 - 31))
        windows.append((start, start + dt.timedelta(days=30)))
    return {
        "base_list": ["/bench/baseline/statements/"],
        "base_speaker": [f"/bench/baseline/statements/?speaker_person={pk}" for pk, _ in speakers],
        "base_dates": [
            f"/bench/baseline/statements/?date_from={a}&date_to={b}" for a, b in windows
        ],
        "base_detail": [f"/bench/baseline/statements/{pk}/" for pk in statement_ids],
        "api_list": ["/api/statements/"],
        "api_speaker": [f"/api/statements/?speaker={slug}" for _, slug in speakers],
        "api_dates": [f"/api/statements/?date_after={a}&date_before={b}" for a, b in windows],
        "api_detail": [f"/api/statements/{pk}/" for pk in statement_ids],
        "api_person": [f"/api/people/{slug}/" for _, slug in speakers],
        "api_search": [f"/api/statements/?q={SEARCH_TERM}"],
        "html_list": ["/statements/"],
        "html_person": [f"/people/{slug}/" for _, slug in speakers],
    }


def queries_count(path: str) -> tuple[int, int, float, str]:
    """(status, SQL queries, slowest query ms, slowest SQL) of one in-process request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
    if slowest is None:
        return response.status_code, 0, 0.0, ""
    return (
        response.status_code,
        len(captured.captured_queries),
        float(slowest["time"]) * 1000,
        slowest["sql"],
    )


def explain(sql: str) -> str:
    """EXPLAIN ANALYZE of a captured query (its parameters are already inlined)."""
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return ""
    with connection.cursor() as cursor:
        try:
            # Queries that hit statement_timeout are shown planned, not run.
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        except Exception as error:  # a captured SQL string may not re-run verbatim
            try:
                cursor.execute(f"EXPLAIN {sql}")
            except Exception:
                return f"(EXPLAIN failed: {error})"
            plan = "\n".join(row[0] for row in cursor.fetchall())
            return f"(EXPLAIN ANALYZE failed: {error}; plan only)\n{plan}"
        return "\n".join(row[0] for row in cursor.fetchall())


def scale_run(args: argparse.Namespace, scale: int, env: dict[str, str], script: Path) -> ScaleRun:
    from django.db import connection

    from statements.services.synthetic import corpus_generate

    log(f"scale {scale:,}: generating the corpus")
    report = corpus_generate(statements=scale, seed=args.seed, clear=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # visibility map + statistics, as autovacuum would
    log(f"scale {scale:,}: {report}")

    rng = random.Random(args.seed)
    paths = endpoint_paths(scale, rng)
    results: dict[str, Result] = {}
    plans: dict[str, str] = {}
    for endpoint in ENDPOINTS:
        status, count, slowest_ms, slowest_sql = queries_count(paths[endpoint.key][0])
        results[endpoint.key] = Result(
            endpoint, status, queries=count, slowest_sql_ms=slowest_ms, slowest_sql=slowest_sql
        )
        if status == 200 and scale == max(args.scales) and slowest_sql:
            plans[endpoint.key] = explain(slowest_sql)
    connection.close()

    with Server(env, args.port, args.workers) as server:
        for endpoint in ENDPOINTS:
            result = results[endpoint.key]
            if result.status != 200:
                result.note = f"HTTP {result.status}: not measured"
                log(f"  {endpoint.label}: HTTP {result.status}, skipped")
                continue
            with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as handle:
                handle.write("\n".join(paths[endpoint.key]) + "\n")
                paths_file = Path(handle.name)
            try:
                wrk_run(
                    server.url("/"),
                    paths_file,
                    script,
                    seconds=args.warmup,
                    threads=args.threads,
                    connections=args.connections,
                )
                result.load = os.getloadavg()[0]
                measured = wrk_run(
                    server.url("/"),
                    paths_file,
                    script,
                    seconds=args.duration,
                    threads=args.threads,
                    connections=args.connections,
                )
            finally:
                paths_file.unlink(missing_ok=True)
            result.non_2xx, result.errors = measured["non_2xx"], measured["errors"]
            if not measured["requests"]:
                result.note = f"0 requests completed in {args.duration} s (each took > 10 s)"
                log(f"  {endpoint.label}: {result.note}")
                continue
            result.requests_per_s = measured["requests"] / measured["duration_s"]
            result.p50, result.p95, result.p99 = measured["p50"], measured["p95"], measured["p99"]
            log(
                f"  {endpoint.label}: {result.requests_per_s:,.0f} req/s, "
                f"p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms, "
                f"{result.queries} queries, non-2xx {result.non_2xx}"
            )
        server.sample()
        peak_mb = max(server.peak_kb.values(), default=0) / 1024
        rss_end = [server.memory_kb(pid).get("VmRSS", 0) / 1024 for pid in server.workers()]
    return ScaleRun(scale, str(report), report.seconds, results, peak_mb, rss_end, plans)


def side_bench(script: str, args: argparse.Namespace, env: dict[str, str]) -> str | None:
    """Run bench/<script> if present; return what it printed (markdown, ideally)."""
    path = ROOT / "bench" / script
    if not path.exists():
        return None
    log(f"running bench/{script}")
    command = [sys.executable, str(path)]
    if args.shared and script == "bench_ingest.py":
        command += ["--shared", str(args.shared)]
    gold = Path(args.shared or ROOT.parent / "shared") / "eval" / "polnear-dev.jsonl"
    if script == "bench_extract.py" and gold.exists():
        command += ["--gold", str(gold)]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=args.side_timeout,
        )
    except subprocess.TimeoutExpired:
        return f"(bench/{script} did not finish within {args.side_timeout} s)"
    output = done.stdout.strip()
    if done.returncode != 0:
        output += f"\n\n(bench/{script} exited with {done.returncode}: {done.stderr[-2000:]})"
    return output


# --- the report --------------------------------------------------------------------------------


def fmt_scale(scale: int) -> str:
    if scale >= 1_000_000 and scale % 1_000_000 == 0:
        return f"{scale // 1_000_000}M"
    if scale >= 1000 and scale % 1000 == 0:
        return f"{scale // 1000}k"
    return str(scale)


def raw_write(runs: list[ScaleRun]) -> None:
    """Every measured figure as JSON in bench/out/ (not committed), for later analysis."""
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    data = [
        {
            "scale": run.scale,
            "generation": run.generation,
            "generation_s": run.generation_s,
            "worker_peak_mb": run.worker_peak_mb,
            "worker_rss_end_mb": run.worker_rss_end_mb,
            "plans": run.plans,
            "results": {
                key: {k: v for k, v in vars(result).items() if k != "endpoint"}
                for key, result in run.results.items()
            },
        }
        for run in runs
    ]
    (out / "bench-runs.json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def raw_read(paths: list[Path]) -> list[ScaleRun]:
    """ScaleRuns back from raw_write's JSON files, in the order given."""
    endpoints = {endpoint.key: endpoint for endpoint in ENDPOINTS}
    runs = []
    for path in paths:
        for data in json.loads(path.read_text(encoding="utf-8")):
            results = {
                key: Result(endpoint=endpoints[key], **values)
                for key, values in data["results"].items()
            }
            runs.append(
                ScaleRun(
                    data["scale"],
                    data["generation"],
                    data.get("generation_s", 0.0),
                    results,
                    data["worker_peak_mb"],
                    data.get("worker_rss_end_mb", []),
                    data.get("plans", {}),
                )
            )
    return runs


def side_sections_update(path: Path, side: dict[str, str | None]) -> None:
    """Write each side benchmark's output into its own marked block of ``path``.

    Marked blocks survive later HTTP-only runs (``report_merge``), so the slow ingestion
    and extraction benchmarks need not be re-run with every HTTP run.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else "# kb benchmarks\n"
    for key, title in (("ingest", "Ingestion"), ("extract", "Extraction")):
        output = side.get(key)
        body = (
            f"bench/bench_{key}.py was not present when this ran."
            if output is None
            else output or "(no output)"
        )
        stamp = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        block = (
            f"<!-- {key}:start -->\n## {title}\n\n"
            f"From `bench/bench_{key}.py`, run by `make bench` on {stamp}.\n\n"
            f"{body.rstrip()}\n<!-- {key}:end -->"
        )
        start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            text = head + block + rest.split(end, 1)[1]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def report_write(
    args: argparse.Namespace,
    runs: list[ScaleRun],
    side: dict[str, str | None],
    machine: dict[str, str],
    stack: dict[str, str],
    started: dt.datetime,
) -> str:
    lines: list[str] = []
    add = lines.append
    add("# kb benchmarks")
    add("")
    add(
        f"Generated by `make bench` (`bench/run.py`) on {started:%Y-%m-%d %H:%M} UTC, "
        f"in {(dt.datetime.now(dt.UTC) - started).total_seconds() / 60:.0f} minutes. "
        "Numbers from one run on one machine: compare ratios within this file, not absolute "
        "figures across machines."
    )
    add("")
    add("## Machine and versions")
    add("")
    add("| | |")
    add("| --- | --- |")
    for key, value in {**machine, **stack}.items():
        add(f"| {key} | {value} |")
    add("")
    add("## Method")
    add("")
    add(
        "- Corpus: `generate_corpus` (statements/services/synthetic.py) on a fresh PostgreSQL "
        "database per scale: Zipf-distributed speakers (actors grow as N^0.75), about 8 "
        "statements per document, 11 years of dates, skewed types and review statuses, "
        "0-2 targets per statement; every index and constraint in place; `VACUUM ANALYZE` "
        "after loading."
    )
    add(
        f"- Server: gunicorn ({args.workers} sync workers, `kb/gunicorn.conf.py`, worker "
        "recycling off during the run), `DJANGO_DEBUG=0`, `DJANGO_SETTINGS_MODULE=bench.settings` "
        "(kb's settings plus the baseline routes; the anonymous API throttle and the HTTPS "
        "redirect are off because wrk hammers plain HTTP from one address; PostgreSQL "
        "`statement_timeout` is 25 s so a runaway query cannot outlive its request), "
        "persistent database connections (`CONN_MAX_AGE=60`)."
    )
    add(
        f"- Load: `wrk -t{args.threads} -c{args.connections} -d{args.duration}s` on "
        f"127.0.0.1 after a {args.warmup} s warm-up, per endpoint. A Lua script "
        "(in bench/run.py) picks each request's path at random from a list drawn from the "
        "corpus: 200 random statements for detail pages, the speakers of those statements "
        "for speaker filters and person pages (so frequent speakers come up more often, as "
        "on a real site), 50 random 30-day windows for the date filter. Latency percentiles "
        "come from wrk."
    )
    add(
        "- Baseline (the floor of the stack): `bench/views.py`, plain Django views returning "
        "`JsonResponse` of `values()` of the same page (50 newest statements with speaker and "
        "document columns, same filters, keyset by id). Each endpoint's req/s is divided "
        "by its matching baseline's (list by list, filtered by filtered, detail by detail)."
    )
    add(
        "- Queries: one in-process request per endpoint under `CaptureQueriesContext` before "
        "the load; the slowest statement of the request is shown with its time."
    )
    add(
        "- Memory: the workers' VmHWM/VmRSS polled every 0.5 s from /proc during the load "
        "(peak of any one worker)."
    )
    add(
        "- wrk, gunicorn and PostgreSQL share the machine's cores, and so did other users of "
        "the machine: the `load` column is the 1-minute load average when each measurement "
        f"started ({os.cpu_count()} cores). With load well above the core count, absolute "
        "figures are low and noisy; ratios measured back to back are the robust part."
    )
    add("")

    add(
        "Ingestion and extraction figures (bench/bench_ingest.py, bench/bench_extract.py) "
        "are in their own sections at the end of this file."
    )
    add("")

    add("## HTTP throughput and latency")
    add("")
    for number, run in enumerate(runs, 1):
        add(f"### {fmt_scale(run.scale)} statements (run {number})")
        add("")
        add(f"Corpus: {run.generation}.")
        add("")
        add(
            "| endpoint | req/s | vs baseline | p50 ms | p95 ms | p99 ms | SQL queries "
            "| slowest query ms | non-2xx | load |"
        )
        add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for result in run.results.values():
            endpoint = result.endpoint
            if result.note:
                add(f"| {endpoint.label} | {result.note} | | | | | {result.queries} | | | |")
                continue
            ratio = ""
            if endpoint.baseline and endpoint.baseline in run.results:
                base = run.results[endpoint.baseline].requests_per_s
                if base:
                    ratio = f"{result.requests_per_s / base:.2f}"
            add(
                f"| {endpoint.label} | {result.requests_per_s:,.0f} | {ratio} | "
                f"{result.p50:.1f} | {result.p95:.1f} | {result.p99:.1f} | {result.queries} | "
                f"{result.slowest_sql_ms:.1f} | {result.non_2xx + result.errors} | "
                f"{result.load:.1f} |"
            )
        add("")
        rss = ", ".join(f"{mb:.0f}" for mb in run.worker_rss_end_mb)
        add(
            f"Worker memory: peak {run.worker_peak_mb:.0f} MB (VmHWM of one worker)"
            + (f"; RSS after the load {rss} MB." if rss else ".")
        )
        add("")

    if runs:
        lines.extend(acceptance_lines(runs))

    findings = ROOT / "bench" / "findings.md"
    if findings.exists():
        add(findings.read_text(encoding="utf-8").rstrip())
        add("")

    plans_run = max(runs, key=lambda r: (r.scale, bool(r.plans))) if runs else None
    plans = plans_run.plans if plans_run else {}
    if plans_run and plans:
        add(f"## Query plans at {fmt_scale(plans_run.scale)}")
        add("")
        add(
            "EXPLAIN (ANALYZE, BUFFERS) of the slowest query of one request per endpoint, "
            "run once after the load (warm cache)."
        )
        add("")
        for key, plan in plans.items():
            run = plans_run.results[key]
            add("<details>")
            add(f"<summary>{run.endpoint.label}: {run.slowest_sql_ms:.1f} ms</summary>")
            add("")
            add("```")
            add(run.slowest_sql[:3000])
            add("")
            add(plan)
            add("```")
            add("</details>")
            add("")
    return "\n".join(lines).rstrip() + "\n"


MARKED_BLOCK = re.compile(r"<!-- (\w+):start -->.*?<!-- \1:end -->", re.DOTALL)


def report_merge(report: str, path: Path) -> str:
    """``report`` followed by the sections other scripts keep in the same file.

    bench/load.py (and any later script) writes its figures between
    ``<!-- name:start -->`` / ``<!-- name:end -->`` markers; those blocks are carried over
    untouched, so `make bench` never erases another benchmark's results.
    """
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    blocks = [m.group(0) for m in MARKED_BLOCK.finditer(previous) if m.group(1) != "bench"]
    text = f"<!-- bench:start -->\n{report.rstrip()}\n<!-- bench:end -->\n"
    for block in blocks:
        text += "\n" + block + "\n"
    return text


def acceptance_lines(runs: list[ScaleRun]) -> list[str]:
    # The largest corpus against the smallest one measured closest after it (its last
    # run): other users' load on the machine changes over a long run.
    smallest, largest = min(r.scale for r in runs), max(r.scale for r in runs)
    small = [r for r in runs if r.scale == smallest][-1]
    large = [r for r in runs if r.scale == largest][-1]
    lines = [
        "## Targets",
        "",
        f"Comparing {fmt_scale(large.scale)} statements with the {fmt_scale(small.scale)} "
        f"run measured last (run {runs.index(small) + 1} of {len(runs)} above).",
        "",
        f"| endpoint | req/s vs baseline at {fmt_scale(large.scale)} | target | "
        f"p95 {fmt_scale(small.scale)} ms | p95 {fmt_scale(large.scale)} ms | growth | target "
        f"| queries {fmt_scale(small.scale)} / {fmt_scale(large.scale)} | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key, result in large.results.items():
        endpoint = result.endpoint
        if endpoint.group == "baseline":
            continue
        first = small.results.get(key)
        if result.note or not first or first.note:
            why = result.note or (first.note if first else "") or "not measured"
            lines.append(f"| {endpoint.label} | {why} | | | | | | | **no** |")
            continue
        checks = []
        base = large.results[endpoint.baseline].requests_per_s if endpoint.baseline else 0
        ratio = result.requests_per_s / base if base else 0
        growth = result.p95 / first.p95 if first.p95 else 0
        growth_target = 3.0 if key == "api_search" else 2.0
        same_queries = first.queries == result.queries
        if endpoint.gated:
            checks = [ratio >= 0.5, growth <= growth_target, same_queries]
        elif key == "api_search":
            checks = [growth <= growth_target, same_queries]
        else:
            checks = [same_queries]
        lines.append(
            f"| {endpoint.label} | {ratio:.2f} | {'>= 0.50' if endpoint.gated else '-'} | "
            f"{first.p95:.1f} | {result.p95:.1f} | {growth:.2f}x | "
            f"{f'<= {growth_target:.0f}x' if endpoint.gated or key == 'api_search' else '-'} | "
            f"{first.queries} / {result.queries} | {'yes' if all(checks) else '**no**'} |"
        )
    peak = max(run.worker_peak_mb for run in runs)
    lines += [
        "",
        f"Peak memory of one gunicorn worker over all scales: {peak:.0f} MB "
        f"(target < 300 MB: {'met' if peak < 300 else '**not met**'}).",
        "",
        "HTML pages are measured but not gated (the targets cover the API list, "
        "filtered lists and detail endpoints, and search).",
        "",
    ]
    return lines


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=None, help="Shared data (passed on).")
    parser.add_argument(
        "--scales",
        default=",".join(str(s) for s in DEFAULT_SCALES),
        help="Comma-separated statement counts, in order (default 10000,100000,1000000,10000).",
    )
    parser.add_argument("--duration", type=int, default=10, help="Seconds of wrk per endpoint.")
    parser.add_argument("--warmup", type=int, default=2, help="Warm-up seconds per endpoint.")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument("--port", type=int, default=8811, help="Port on 127.0.0.1.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("KB_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL database to create, fill and drop (default kb_bench on localhost).",
    )
    parser.add_argument("--keep-database", action="store_true", help="Do not drop it after.")
    parser.add_argument(
        "--render-from",
        type=Path,
        nargs="+",
        help="Only write the report from earlier runs' bench/out JSON files, in this order.",
    )
    parser.add_argument("--skip-side", action="store_true", help="Skip ingest/extract benches.")
    parser.add_argument(
        "--side-only", action="store_true", help="Only the ingest/extract benches (no HTTP)."
    )
    parser.add_argument("--side-timeout", type=int, default=900)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    # In the order given; a scale may repeat (10000,1000000,10000 measures the small corpus
    # again right after the large one, under the same machine load).
    args.scales = [int(s.replace("_", "")) for s in args.scales.split(",") if s.strip()]
    if args.duration > 120:
        parser.error("--duration is capped at 120 s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.UTC)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "kb-bench-only-not-secret",
        "PYTHONPATH": str(ROOT),
    }
    side: dict[str, str | None] = {"ingest": None, "extract": None}
    side_env = {**env, "DJANGO_SETTINGS_MODULE": "kb.settings"}
    side_env.pop("DATABASE_URL", None)
    if os.environ.get("KB_SIDE_DATABASE_URL"):
        side_env["DATABASE_URL"] = os.environ["KB_SIDE_DATABASE_URL"]

    sys.path.insert(0, str(ROOT))
    if args.render_from:
        runs = raw_read(args.render_from)
        args.scales = [run.scale for run in runs]
        os.environ.update({**env, "DATABASE_URL": args.database_url})
        import django

        django.setup()
        stack = versions_offline()
        report = report_write(args, runs, {}, machine_description(), stack, started)
        args.output.write_text(report_merge(report, args.output))
        log(f"wrote {args.output} from {len(runs)} earlier runs")
        return 0

    if args.side_only:
        side["ingest"] = side_bench("bench_ingest.py", args, side_env)
        side["extract"] = side_bench("bench_extract.py", args, side_env)
        side_sections_update(args.output, side)
        log(f"wrote the ingestion and extraction sections of {args.output}")
        return 0

    env["DATABASE_URL"] = args.database_url
    database_recreate(args.database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    runs: list[ScaleRun] = []
    try:
        call_command("migrate", interactive=False, verbosity=0)
        # DJANGO_DEBUG=0 serves static files through whitenoise's manifest: build it.
        call_command("collectstatic", interactive=False, verbosity=0)
        machine, stack = machine_description(), versions()
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(WRK_SCRIPT)
            script = Path(handle.name)
        for scale in args.scales:
            runs.append(scale_run(args, scale, env, script))
            # Write after every scale, so a long run that is cut short still leaves figures.
            args.output.parent.mkdir(parents=True, exist_ok=True)
            report = report_write(args, runs, side, machine, stack, started)
            args.output.write_text(report_merge(report, args.output))
            raw_write(runs)
            log(f"wrote {args.output}")
        script.unlink(missing_ok=True)
        connection.close()
    finally:
        connection.close()
        if not args.keep_database:
            database_recreate(args.database_url, drop_only=True)
    if not args.skip_side:
        # After the HTTP runs: they are the long, load-sensitive part of the suite.
        side["ingest"] = side_bench("bench_ingest.py", args, side_env)
        side["extract"] = side_bench("bench_extract.py", args, side_env)
        side_sections_update(args.output, side)
        log(f"wrote the ingestion and extraction sections of {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
