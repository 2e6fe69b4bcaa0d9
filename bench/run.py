"""`make bench`: kb's benchmark suite. Writes docs/benchmarks.md.

1. For each scale (10k, 100k, 1M statements by default) on a dedicated PostgreSQL database
   (``kb_bench``, created and dropped here): generates a synthetic corpus
   (``bench/synthetic.py``), starts gunicorn (2 workers, bench settings) on
   127.0.0.1, counts the SQL queries of one request per endpoint, warms up, then loads each
   endpoint with ``wrk -t2 -c8 -d10s`` and records requests/s and latency percentiles,
   while polling the workers' memory.
2. Writes the tables, the ratios to the plain-JsonResponse baseline and the checks
   against the targets to docs/benchmarks.md (after every scale).
3. Runs the ingestion and extraction benchmarks (bench/bench_ingest.py,
   bench/bench_extract.py) when they exist, and adds what they print.

Generating the 1M corpus takes a quarter of an hour; ``--corpus-template 1000000=kb_1m``
copies it instead from a database ``generate_corpus`` filled earlier (``CREATE DATABASE
... TEMPLATE``), then migrates it and rebuilds what the current code derives (summaries,
quotes' fields), which takes a few minutes.

Only 127.0.0.1 is ever loaded, and every wrk run is bounded in time. Run from the project
root: ``.venv/bin/python bench/run.py [--scales 10000,100000] [--duration 10]``.
Needs PostgreSQL (``--database-url``, default postgres://postgres@127.0.0.1:5432/kb_bench)
and wrk (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sys
from pathlib import Path

# Run as a script (`python bench/run.py`): the project root must be importable.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import ScaleRun, log, scale_run, side_bench, wrk_script  # noqa: E402
from bench.report import (  # noqa: E402
    machine_description,
    raw_read,
    raw_write,
    report_merge,
    report_write,
    side_sections_update,
    versions,
    versions_offline,
)
from bench.server import database_recreate  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kb_bench"
# 10k again at the end: the targets compare 1M with a small run measured right after it,
# so a change in the machine's load during the long 1M run does not pass for scaling.
DEFAULT_SCALES = (10_000, 100_000, 1_000_000, 10_000)


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
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="Load every endpoint this many times, each round on a fresh server; the "
        "fastest round of each endpoint is reported (steadier ratios on a busy machine).",
    )
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
        "--corpus-template",
        action="append",
        default=[],
        metavar="SCALE=DATABASE",
        help="Take this scale's corpus from DATABASE (on the same server, filled earlier by "
        "`manage.py generate_corpus --statements SCALE`) instead of generating it: the bench "
        "database is created from it with CREATE DATABASE ... TEMPLATE (retried while "
        "someone is connected to it; DATABASE itself is only read), migrated, its summaries "
        "checked against a recount (rebuilt if they differ) and its quotes' fields "
        "recomputed by the current code. Repeat for several "
        "scales, e.g. --corpus-template 1000000=kb_1m. The report's Method says which.",
    )
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
    args.corpus_templates = _corpus_templates(parser, args.corpus_template, args.scales)
    return args


def _corpus_templates(
    parser: argparse.ArgumentParser, given: list[str], scales: list[int]
) -> dict[int, str]:
    """``{scale: template database}`` from ``--corpus-template SCALE=DATABASE`` options."""
    templates: dict[int, str] = {}
    for option in given:
        scale, _, name = option.partition("=")
        try:
            size = int(scale.replace("_", ""))
        except ValueError:
            parser.error(f"--corpus-template wants SCALE=DATABASE, got {option!r}")
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            parser.error(f"--corpus-template: {name!r} is not a plain database name")
        if size not in scales:
            parser.error(f"--corpus-template: {size} is not one of --scales")
        templates[size] = name
    return templates


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.UTC)
    env, side_env = environments()
    if args.render_from:
        return render_only(args, env, started)
    if args.side_only:
        return side_run(args, side_env)
    http_runs(args, env, started)
    if not args.skip_side:
        # After the HTTP runs: they are the long, load-sensitive part of the suite.
        side_run(args, side_env)
    return 0


def environments() -> tuple[dict[str, str], dict[str, str]]:
    """The server's environment (bench settings, production mode) and the side benches'."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "kb-bench-only-not-secret",
        "PYTHONPATH": str(ROOT),
    }
    side_env = {**env, "DJANGO_SETTINGS_MODULE": "kb.settings"}
    side_env.pop("DATABASE_URL", None)
    if os.environ.get("KB_SIDE_DATABASE_URL"):
        side_env["DATABASE_URL"] = os.environ["KB_SIDE_DATABASE_URL"]
    return env, side_env


def render_only(args: argparse.Namespace, env: dict[str, str], started: dt.datetime) -> int:
    """Rewrite the report from earlier runs' raw figures (``--render-from``)."""
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


def side_run(args: argparse.Namespace, side_env: dict[str, str]) -> int:
    """The ingestion and extraction benchmarks, into their own sections of the report."""
    side = {
        "ingest": side_bench("bench_ingest.py", args, side_env),
        "extract": side_bench("bench_extract.py", args, side_env),
    }
    side_sections_update(args.output, side)
    log(f"wrote the ingestion and extraction sections of {args.output}")
    return 0


def http_runs(args: argparse.Namespace, env: dict[str, str], started: dt.datetime) -> None:
    """Every corpus size in turn on a fresh benchmark database, dropped at the end."""
    env["DATABASE_URL"] = args.database_url
    database_recreate(args.database_url)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    side: dict[str, str | None] = {"ingest": None, "extract": None}
    runs: list[ScaleRun] = []
    try:
        call_command("migrate", interactive=False, verbosity=0)
        # DJANGO_DEBUG=0 serves static files through whitenoise's manifest: build it.
        call_command("collectstatic", interactive=False, verbosity=0)
        machine, stack = machine_description(), versions()
        with wrk_script() as script:
            for scale in args.scales:
                runs.append(scale_run(args, scale, env, script))
                # Write after every scale: a long run cut short still leaves figures.
                args.output.parent.mkdir(parents=True, exist_ok=True)
                report = report_write(args, runs, side, machine, stack, started)
                args.output.write_text(report_merge(report, args.output))
                raw_write(runs)
                log(f"wrote {args.output}")
    finally:
        connection.close()
        if not args.keep_database:
            database_recreate(args.database_url, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
