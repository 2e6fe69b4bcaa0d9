"""Ingestion into a large database: N more articles into a copy of a big knowledge base
(the 1M-statement one) against the same N into an empty one, per article.

    .venv/bin/python bench/bench_ingest_scale.py --template kb_1m --articles 100 \\
        [--shared ../shared] [--skip 0] [--out FILE] [--keep]

PostgreSQL only (``--server``, default ``postgres://postgres@127.0.0.1:5432``). Two
databases are made for the run and dropped at its end (``--keep`` leaves them):

- ``kb_ingest_empty``: created and migrated, empty;
- ``kb_1m_ingest``: ``CREATE DATABASE kb_1m_ingest TEMPLATE <template>``, a copy of the big
  database (PostgreSQL copies it only while nobody is connected to the template; the
  template itself is never written to), migrated (a no-op when it is up to date).

The articles are the first N PolNeAR articles after ``--skip``, written to a temporary
folder as ``bench_ingest.py`` writes them (they are never copied into the project). Each
database is measured in its own process: the articles are parsed first with kb's pipeline
(the same work whatever the database), then stored one by one with ``document_store``, the
step whose cost may grow with the database, each timed and its SQL queries counted. The
report gives seconds per article for the store step and for the whole ingest (parse +
store), the queries per article, and the ratio big / empty (target: the whole ingest per
article within 1.2x of the empty database's; the store step's own ratio is shown too,
stricter because parsing does not depend on the database).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import corpus_write  # noqa: E402

EMPTY_NAME = "kb_ingest_empty"
BIG_NAME = "kb_1m_ingest"


def backend_run(folder: Path, database_url: str, batch_size: int) -> dict:
    """Parse every article, then store them one by one into ``database_url``; the timings."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from statements import models
    from statements.nlp import extract_many, load_pipeline
    from statements.readers import sources_read
    from statements.services.entities import ResolutionCache
    from statements.services.ingest import (
        IngestOutcome,
        PlannedDocument,
        document_plan,
        document_store,
    )

    call_command("migrate", interactive=False, verbosity=0)
    statements_before = models.Statement.objects.count()
    planned = [document_plan(source) for source in sources_read([str(folder)])]
    already = [p for p in planned if not isinstance(p, PlannedDocument)]
    planned = [p for p in planned if isinstance(p, PlannedDocument)]
    nlp = load_pipeline(settings.KB_SPACY_MODEL)
    list(nlp.pipe([p.text for p in planned[:4]], batch_size=batch_size))  # warm up
    started = time.perf_counter()
    items = ((p.text, p.metadata) for p in planned)
    extractions = list(extract_many(items, nlp=nlp, batch_size=batch_size, n_process=1))
    parse_seconds = time.perf_counter() - started

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    cache = ResolutionCache()
    seconds, counts, failures = [], [], []
    with connection.execute_wrapper(count):
        for document, extraction in zip(planned, extractions, strict=True):
            queries, began = 0, time.perf_counter()
            result = document_store(document, extraction, cache=cache)
            seconds.append(time.perf_counter() - began)
            counts.append(queries)
            if result.outcome is not IngestOutcome.CREATED:
                failures.append(f"{document.path}: {result.outcome} {result.reason}")
    return {
        "database": database_url.rsplit("/", 1)[1],
        "statements_before": statements_before,
        "articles": len(planned),
        "already_stored": len(already),
        "failures": failures,
        "parse_seconds": parse_seconds,
        "store_seconds": seconds,
        "queries": counts,
    }


def database_create(server: str, name: str, template: str | None = None) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        source = f' TEMPLATE "{template}"' if template else ""
        connection.execute(f'CREATE DATABASE "{name}"{source}')


def database_drop(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _per_article(result: dict) -> dict:
    store = result["store_seconds"]
    articles = max(1, len(store))
    return {
        "store_mean": sum(store) / articles,
        "store_median": statistics.median(store) if store else 0.0,
        "ingest_mean": (result["parse_seconds"] + sum(store)) / articles,
        "queries_mean": sum(result["queries"]) / articles,
        "queries_max": max(result["queries"], default=0),
    }


def table(empty: dict, big: dict) -> str:
    rows = []
    for label, result in (("empty", empty), (f"{big['statements_before']:,} statements", big)):
        figures = _per_article(result)
        rows.append(
            f"| {result['database']} ({label}) | {result['articles']} | "
            f"{figures['store_mean'] * 1000:.1f} | {figures['store_median'] * 1000:.1f} | "
            f"{figures['ingest_mean'] * 1000:.1f} | {figures['queries_mean']:.1f} "
            f"(max {figures['queries_max']}) |"
        )
    small, large = _per_article(empty), _per_article(big)
    store_ratio = large["store_mean"] / small["store_mean"] if small["store_mean"] else 0.0
    ingest_ratio = large["ingest_mean"] / small["ingest_mean"] if small["ingest_mean"] else 0.0
    return "\n".join(
        [
            f"### Ingesting {empty['articles']} articles into a large database (PostgreSQL)",
            "",
            "| database | articles | store ms/article (mean) | store ms/article (median) "
            "| ingest ms/article (parse + store) | SQL queries/article |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            f"- ingest per article, large / empty = **{ingest_ratio:.2f}** (target <= 1.20: "
            f"{'met' if ingest_ratio <= 1.2 else 'NOT met'}); the store step alone: "
            f"{store_ratio:.2f}.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="kb_1m", help="the large database to copy")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--skip", type=int, default=0, help="PolNeAR articles to pass over")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--out", type=Path, help="also write the markdown here")
    parser.add_argument("--keep", action="store_true", help="keep the two databases")
    parser.add_argument("--backend-run", help=argparse.SUPPRESS)  # internal: one database
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.backend_run:
        print(json.dumps(backend_run(args.folder, args.backend_run, args.batch_size)))
        return 0

    with tempfile.TemporaryDirectory(prefix="kb-bench-ingest-scale-") as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        files, _ = corpus_write(args.shared, args.articles + args.skip, folder)
        for path in sorted(folder.iterdir())[: args.skip]:
            path.unlink()
        if files <= args.skip:
            print(f"no PolNeAR articles under {args.shared / 'eval'}", file=sys.stderr)
            return 2
        results = []
        try:
            for name, template in ((EMPTY_NAME, None), (BIG_NAME, args.template)):
                print(f"bench_ingest_scale: creating {name} ...", file=sys.stderr)
                database_create(args.server, name, template)
                results.append(_backend(args, folder, f"{args.server}/{name}"))
        finally:
            if not args.keep:
                for name in (EMPTY_NAME, BIG_NAME):
                    database_drop(args.server, name)
    for result in results:
        if result["failures"] or result["already_stored"]:
            print(f"{result['database']}: not every article was new", file=sys.stderr)
            print("\n".join(result["failures"][:5]), file=sys.stderr)
            return 1
    markdown = table(*results)
    print(markdown)
    if args.out:
        args.out.write_text(markdown, encoding="utf-8")
    return 0


def _backend(args: argparse.Namespace, folder: Path, url: str) -> dict:
    print(f"bench_ingest_scale: storing into {url.rsplit('/', 1)[1]} ...", file=sys.stderr)
    done = subprocess.run(
        [
            *(sys.executable, __file__, "--backend-run", url),
            *("--folder", str(folder), "--batch-size", str(args.batch_size)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1")},
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    raise SystemExit(main())
