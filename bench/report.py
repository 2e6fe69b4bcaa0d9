"""Report writing for `make bench`: docs/benchmarks.md from the measured runs.

The report is rewritten after every corpus size, so a long run cut short still leaves its
figures; the raw figures go to bench/out/ as JSON (``--render-from`` rebuilds the report
from them). Other scripts' sections between ``<!-- name:start -->`` / ``<!-- name:end -->``
markers are carried over untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
from pathlib import Path

from bench import ROOT
from bench.measure import ENDPOINTS, Result, ScaleRun


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
            "corpus_template": run.corpus_template,
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
                    corpus_template=data.get("corpus_template", ""),
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
    """docs/benchmarks.md's own part: set-up, method, tables, targets, findings, plans."""
    lines = [
        *_header_lines(machine, stack, started),
        *_method_lines(args, runs),
        *_throughput_lines(runs),
        *(targets_lines(runs) if runs else []),
        *_findings_lines(),
        *_plans_lines(runs),
    ]
    return "\n".join(lines).rstrip() + "\n"


def _header_lines(
    machine: dict[str, str], stack: dict[str, str], started: dt.datetime
) -> list[str]:
    """Title, when and how long, the machine and the versions."""
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
    return lines


def _method_lines(args: argparse.Namespace, runs: list[ScaleRun]) -> list[str]:
    """How the corpus, the server, the load, the baseline and the figures were made."""
    lines: list[str] = []
    add = lines.append
    add("## Method")
    add("")
    add(
        "- Corpus: `generate_corpus` (bench/synthetic.py) on a fresh PostgreSQL "
        "database per scale: Zipf-distributed speakers (actors grow as N^0.75), about 8 "
        "statements per document, 11 years of dates, skewed types and review statuses, "
        "0-2 targets per statement; every index and constraint in place; `VACUUM ANALYZE` "
        "after loading."
    )
    copied = {run.scale: run.corpus_template for run in runs if run.corpus_template}
    if copied:
        which = ", ".join(f"{fmt_scale(s)} from `{name}`" for s, name in copied.items())
        add(
            f"- Corpora not generated in this run ({which}): the bench database was created "
            "from a database `generate_corpus` had filled earlier (`--corpus-template`, "
            "`CREATE DATABASE ... TEMPLATE`), then migrated, its summaries compared with a "
            "recount by the current code (and rebuilt if they differed), every quote's "
            "fields recomputed, and analysed. Which statements "
            "share a quote, and every row the generator wrote, are as that earlier run made "
            "them."
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
        "(in bench/measure.py) picks each request's path at random from a list drawn from the "
        "corpus: 200 random statements for detail pages, the speakers of those statements "
        "for speaker filters and person pages (so frequent speakers come up more often, as "
        "on a real site), 50 random 30-day windows for the date filter. Latency percentiles "
        "come from wrk."
        + (
            f" Every endpoint was loaded in {args.rounds} rounds, each on a freshly started "
            "server, in the same order; the tables give each endpoint's fastest round."
            if args.rounds > 1
            else ""
        )
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

    return lines


def _throughput_lines(runs: list[ScaleRun]) -> list[str]:
    """One table of requests/s, latency, queries and memory per measured corpus size."""
    lines: list[str] = []
    add = lines.append
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

    return lines


def _findings_lines() -> list[str]:
    """The hand-written findings (bench/findings.md), when present."""
    findings = ROOT / "bench" / "findings.md"
    if not findings.exists():
        return []
    return [findings.read_text(encoding="utf-8").rstrip(), ""]


def _plans_lines(runs: list[ScaleRun]) -> list[str]:
    """EXPLAIN of the slowest query per endpoint at the largest size."""
    lines: list[str] = []
    add = lines.append
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
    return lines


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


def targets_lines(runs: list[ScaleRun]) -> list[str]:
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
        growth_target = 3.0 if key == "api_search" else endpoint.growth_target
        # What the column guards against is a query count that grows with the data (a query
        # per row); a page that needs one query fewer at scale (an estimated count in place of
        # an exact one) does not.
        same_queries = result.queries <= first.queries
        if endpoint.gated:
            checks = [ratio >= 0.5, growth <= growth_target, same_queries]
            if endpoint.p95_target_ms is not None:
                checks.append(result.p95 <= endpoint.p95_target_ms)
        elif key == "api_search":
            checks = [growth <= growth_target, same_queries]
        else:
            checks = [same_queries]
        lines.append(
            f"| {endpoint.label} | {ratio:.2f} | {'>= 0.50' if endpoint.gated else '-'} | "
            f"{first.p95:.1f} | {result.p95:.1f} | {growth:.2f}x | "
            f"{f'<= {growth_target:g}x' if endpoint.gated or key == 'api_search' else '-'}"
            f"{f', p95 <= {endpoint.p95_target_ms:g} ms' if endpoint.p95_target_ms else ''} | "
            f"{first.queries} / {result.queries} | {'yes' if all(checks) else '**no**'} |"
        )
    peak = max(run.worker_peak_mb for run in runs)
    lines += [
        "",
        f"Peak memory of one gunicorn worker over all scales: {peak:.0f} MB "
        f"(target < 300 MB: {'met' if peak < 300 else '**not met**'}).",
        "",
        "The HTML pages a reader opens (statement list, person, organisation, search and "
        "document pages) are gated like the API, with a tighter p95 growth (1.5x) and, for "
        "the person page, whose summary is read cold on every request, p95 <= 150 ms.",
        "",
    ]
    return lines
