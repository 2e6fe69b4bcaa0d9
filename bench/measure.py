"""Load runs for `make bench`: which URLs, how many queries, and wrk against each.

For one corpus size, ``scale_run`` generates the corpus (or copies it from a template
database), counts each endpoint's SQL queries
in-process (with EXPLAIN of the slowest at the largest size), starts the server and loads
every endpoint with wrk, each request's path drawn at random from URLs taken from the
corpus. ``side_bench`` runs the ingestion and extraction benchmarks, which print their own
tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import ROOT
from bench.server import Server

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
    gated: bool = False  # held to the targets: >= 50% of its baseline, p95 growth bounded
    paths: list[str] = field(default_factory=list)
    growth_target: float = 2.0  # largest p95 at the largest scale / p95 at the smallest
    p95_target_ms: float | None = None  # a bound on p95 itself at the largest scale


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
    # The pages a reader opens, gated like the API. No data on a person or organisation
    # page is cached (their summaries are tables the writes keep exact, read on every
    # request; only the charts drawn from those rows are kept, keyed by them), so every
    # request is cold, and the people drawn are the speakers of random statements: the
    # most quoted person (10% of the statements) comes up about one request in ten.
    Endpoint(
        "html_list", "HTML statement list", "html", "base_list", gated=True, growth_target=1.5
    ),
    Endpoint(
        "html_person",
        "HTML person page (cold)",
        "html",
        "base_detail",
        gated=True,
        growth_target=1.5,
        p95_target_ms=150.0,
    ),
    Endpoint(
        "html_organisation",
        "HTML organisation page",
        "html",
        "base_detail",
        gated=True,
        growth_target=1.5,
    ),
    Endpoint(
        "html_search",
        f"HTML search ?q={SEARCH_TERM}",
        "html",
        "base_list",
        gated=True,
        growth_target=1.5,
    ),
    Endpoint(
        "html_document", "HTML document page", "html", "base_detail", gated=True, growth_target=1.5
    ),
    Endpoint("api_quotes", "API quote list (most repeated)", "api", "base_list", gated=True),
    Endpoint("api_quote", "API quote detail", "api", "base_detail", gated=True),
    Endpoint("html_quote", "HTML quote page", "html", "base_detail", gated=True),
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
    corpus_template: str = ""  # the database the corpus was copied from, if not generated


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", flush=True)


@contextmanager
def wrk_script() -> Iterator[Path]:
    """``WRK_SCRIPT`` in a temporary file for ``wrk -s``, removed afterwards."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT)
    try:
        yield Path(handle.name)
    finally:
        Path(handle.name).unlink(missing_ok=True)


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
    from statements.models import Membership, Organisation, Person, Quote, Statement

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
    organisations = _organisation_slugs(Membership, Organisation, Statement, statement_ids)
    documents = list(
        Statement.objects.filter(id__in=statement_ids).values_list("document_id", flat=True)
    )
    # Quotes of random statements: the often repeated ones are asked for more often.
    quote_ids = (
        list(
            Statement.objects.filter(id__in=statement_ids, quote__isnull=False).values_list(
                "quote_id", flat=True
            )
        )
        or list(Quote.objects.values_list("id", flat=True)[:50])
        or [1]
    )
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
        "html_organisation": [f"/organisations/{slug}/" for slug in organisations],
        "html_search": [f"/search/?q={SEARCH_TERM}"],
        "html_document": [f"/documents/{pk}/" for pk in documents],
        "api_quotes": ["/api/quotes/", "/api/quotes/?min_outlets=2"],
        "api_quote": [f"/api/quotes/{pk}/" for pk in quote_ids],
        "html_quote": [f"/quotes/{pk}/" for pk in quote_ids],
    }


def _organisation_slugs(membership, organisation, statement, statement_ids) -> list[str]:
    """Organisations as readers reach them: the speakers of random statements, and the
    organisations their person speakers hold roles in (frequent ones come up more)."""
    rows = statement.objects.filter(id__in=statement_ids)
    ids = [pk for pk in rows.values_list("speaker_organisation_id", flat=True) if pk]
    roles = dict(
        membership.objects.filter(
            person_id__in=rows.values("speaker_person_id"), organisation__isnull=False
        ).values_list("person_id", "organisation_id")
    )
    ids += [roles[pk] for pk in rows.values_list("speaker_person_id", flat=True) if pk in roles]
    if not ids:
        ids = list(organisation.objects.values_list("id", flat=True)[:50])
    slugs = dict(organisation.objects.filter(id__in=ids).values_list("id", "slug"))
    return [slugs[pk] for pk in ids if pk in slugs]


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


def corpus_load(args: argparse.Namespace, scale: int):
    """The corpus of ``scale`` statements in the bench database: generated, or copied from
    the template database ``--corpus-template`` names for this scale and brought up to date
    (migrations, summaries, quotes). Returns ``bench.synthetic.CorpusReport``."""
    import time

    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    from bench.server import database_recreate
    from bench.synthetic import corpus_generate, corpus_rederive

    template = args.corpus_templates.get(scale)
    if template is None:
        log(f"scale {scale:,}: generating the corpus")
        return corpus_generate(statements=scale, seed=args.seed, clear=True)
    log(f"scale {scale:,}: copying the corpus from database {template}")
    started = time.perf_counter()
    connection.close()
    database_recreate(args.database_url, template=template)
    ContentType.objects.clear_cache()  # the copy numbers its content types its own way
    call_command("migrate", interactive=False, verbosity=0)
    report = corpus_rederive(copied_from=template, started=started)
    if report.statements != scale:
        raise SystemExit(
            f"database {template} holds {report.statements:,} statements, not {scale:,}: "
            "give --corpus-template a database generated at that scale"
        )
    return report


def scale_run(args: argparse.Namespace, scale: int, env: dict[str, str], script: Path) -> ScaleRun:
    from django.db import connection

    report = corpus_load(args, scale)
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

    # Every endpoint once per round, in the same order, each round on a freshly started
    # server (no process cache carries over); each endpoint keeps its fastest round, so that
    # a machine whose speed drifts during the run does not favour the baselines, which come
    # first. Memory is read off the last round's workers.
    for _ in range(max(1, args.rounds)):
        with Server(env, args.port, args.workers) as server:
            for endpoint in ENDPOINTS:
                _endpoint_load(server, endpoint, results[endpoint.key], paths, script, args)
            server.sample()
            peak_mb = max(server.peak_kb.values(), default=0) / 1024
            rss_end = [server.memory_kb(pid).get("VmRSS", 0) / 1024 for pid in server.workers()]
    return ScaleRun(
        scale,
        str(report),
        report.seconds,
        results,
        peak_mb,
        rss_end,
        plans,
        corpus_template=report.copied_from,
    )


def _endpoint_load(
    server: Server,
    endpoint: Endpoint,
    result: Result,
    paths: dict[str, list[str]],
    script: Path,
    args: argparse.Namespace,
) -> None:
    """Load one endpoint with wrk; keep the figures in ``result`` if this round was faster."""
    if result.status != 200:
        result.note = f"HTTP {result.status}: not measured"
        log(f"  {endpoint.label}: HTTP {result.status}, skipped")
        return
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as handle:
        handle.write("\n".join(paths[endpoint.key]) + "\n")
        paths_file = Path(handle.name)

    def load_for(seconds: int) -> dict:
        return wrk_run(
            server.url("/"),
            paths_file,
            script,
            seconds=seconds,
            threads=args.threads,
            connections=args.connections,
        )

    try:
        load_for(args.warmup)
        load = os.getloadavg()[0]
        measured = load_for(args.duration)
    finally:
        paths_file.unlink(missing_ok=True)
    if not measured["requests"]:
        if not result.requests_per_s:
            result.note = f"0 requests completed in {args.duration} s (each took > 10 s)"
        log(f"  {endpoint.label}: 0 requests completed in {args.duration} s")
        return
    rate = measured["requests"] / measured["duration_s"]
    log(
        f"  {endpoint.label}: {rate:,.0f} req/s, p50 {measured['p50']:.1f} ms, "
        f"p95 {measured['p95']:.1f} ms, {result.queries} queries, non-2xx {measured['non_2xx']}"
    )
    if rate <= result.requests_per_s:
        return
    result.requests_per_s, result.load, result.note = rate, load, ""
    result.non_2xx, result.errors = measured["non_2xx"], measured["errors"]
    result.p50, result.p95, result.p99 = measured["p50"], measured["p95"], measured["p99"]


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
