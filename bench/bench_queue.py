"""Queued ingestion benchmark: Celery workers vs ``ingest`` on the same articles.

    .venv/bin/python bench/bench_queue.py --shared SHARED --articles 500 \\
        [--broker redis://127.0.0.1:6379/13] [--out docs/bench-queue.md]

The corpus is the one bench_ingest.py writes (the first N PolNeAR articles of
``<shared>/eval`` as .txt files in a temporary folder). Everything runs on PostgreSQL (the
queue's store is shared between processes), in a database ``kb_bench_queue`` created and
dropped here, emptied before each measure. Four measures, each over every article:

- ``ingest`` (1 process) and ``ingest --workers 2``: ``documents_ingest`` in this process
  with the pipeline already loaded, then the speakers' re-link, as the command does;
- 1 and 2 Celery worker processes (``celery -A kb worker -c N`` on a queue of their own):
  the workers are started and warmed up (their pipelines loaded, a few articles parsed)
  before the clock starts; the clock runs from ``ingest_enqueue`` (read, plan, send) to
  the run's ``finished_at`` (every document stored, the re-link done).

The targets (docs/benchmarks.md): queued / local >= 0.9 for 1 and for 2 processes.
Time nothing on a busy machine: the ratios only mean something on an idle one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import corpus_write, postgres_recreate  # noqa: E402

PG_URL = "postgres://postgres@127.0.0.1:5432/kb_bench_queue"
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
TARGET = 0.9


def worker_start(broker: str, queue: str, concurrency: int, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "KB_QUEUE_NAME": queue,
    }
    command = [sys.executable, "-m", "celery", "-A", "kb", "worker", "-Q", queue]
    command += ["-c", str(concurrency), "-n", f"{queue}@%h", "--without-mingle"]
    command += ["--without-gossip", "--loglevel", "WARNING"]
    # Its banner and log go to stderr: stdout carries the JSON result.
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=sys.stderr, start_new_session=True)


def worker_stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def backend_run(folder: Path, broker: str, batch_size: int, timeout: float) -> dict:
    """All measures, in this process (Django set up on the benchmark database)."""
    os.environ.update(DATABASE_URL=PG_URL, CELERY_BROKER_URL=broker)
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from statements import models
    from statements.nlp import load_pipeline
    from statements.readers import sources_read
    from statements.services.ingest import documents_ingest, text_normalise
    from statements.services.ingest_queue import ingest_enqueue
    from statements.services.relink import statements_relink

    call_command("migrate", interactive=False, verbosity=0)
    texts = [text_normalise(s.text) for s in sources_read([str(folder)]) if hasattr(s, "text")]
    words = sum(len(text.split()) for text in texts)
    nlp = load_pipeline(settings.KB_SPACY_MODEL)
    list(nlp.pipe(texts[:8], batch_size=batch_size))  # warm up: first calls allocate

    def empty_database() -> None:
        models.IngestRun.objects.all().delete()
        models.Document.objects.all().delete()
        models.Membership.objects.all().delete()
        for model_class in (models.Person, models.Organisation):
            model_class.objects.update(merged_into=None)
            model_class.objects.all().delete()

    def local(workers: int) -> dict:
        empty_database()
        started = time.perf_counter()
        report = documents_ingest(
            sources_read([str(folder)]), workers=workers, batch_size=batch_size, nlp=nlp
        )
        statements_relink(document_ids=report.document_ids, unlinked_only=True)
        seconds = time.perf_counter() - started
        assert not report.failures, report.failures[:3]
        return {"seconds": seconds, "documents": report.created}

    def run_wait(run_id: int) -> None:
        deadline = time.monotonic() + timeout
        while not models.IngestRun.objects.filter(pk=run_id, finished_at__isnull=False).exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"queued run {run_id} did not finish in {timeout:g} s")
            time.sleep(0.05)

    def queued(workers: int) -> dict:
        queue = f"kb-bench-{uuid.uuid4().hex[:8]}"
        settings.CELERY_TASK_DEFAULT_QUEUE = queue
        process = worker_start(broker, queue, workers, PG_URL)
        try:
            empty_database()
            warm = sorted(folder.iterdir())[: 2 * workers]
            run_wait(ingest_enqueue(sources=sources_read([str(p) for p in warm])).pk)
            empty_database()
            started = time.perf_counter()
            run = ingest_enqueue(sources=sources_read([str(folder)]))
            run_wait(run.pk)
            seconds = time.perf_counter() - started
        finally:
            worker_stop(process)
        failed = run.items.filter(state="failed").count()
        assert not failed, list(run.items.filter(state="failed").values_list("path", "reason"))
        return {"seconds": seconds, "documents": run.items.filter(state="created").count()}

    results: dict = {"documents": len(texts), "words": words}
    results["ingest_1"] = local(1)
    results["queue_1"] = queued(1)
    results["ingest_2"] = local(2)
    results["queue_2"] = queued(2)
    return results


def table(result: dict, articles: int, broker: str) -> str:
    words = result["words"]
    lines = [
        f"### Queued ingestion ({articles} PolNeAR articles, PostgreSQL, broker "
        f"{broker.split('://')[0]}, {os.cpu_count()} CPUs)",
        "",
        "| measure | seconds | words/s | queued / local |",
        "| --- | ---: | ---: | ---: |",
    ]
    checks = []
    for processes in (1, 2):
        local = result[f"ingest_{processes}"]["seconds"]
        queued = result[f"queue_{processes}"]["seconds"]
        ratio = local / queued
        label = "`ingest`" if processes == 1 else "`ingest --workers 2`"
        lines.append(f"| {label} | {local:.1f} | {words / local:,.0f} | |")
        lines.append(
            f"| {processes} Celery worker process{'es' if processes > 1 else ''} | "
            f"{queued:.1f} | {words / queued:,.0f} | {ratio:.2f} |"
        )
        verdict = "met" if ratio >= TARGET else "NOT met"
        checks.append(
            f"- {processes} process(es): queued / local = **{ratio:.2f}** "
            f"(target >= {TARGET}: {verdict})"
        )
    checks.append(f"- {result['documents']} documents, {words:,} words per measure.")
    return "\n".join([*lines, "", *checks, ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--broker", default=DEFAULT_BROKER, help="redis://... or amqp://...")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per queued run")
    parser.add_argument("--out", type=Path, help="also write the markdown here")
    parser.add_argument("--backend-run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.backend_run:
        result = backend_run(args.folder, args.broker, args.batch_size, args.timeout)
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="kb-bench-queue-") as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        files, _ = corpus_write(args.shared, args.articles, folder)
        if files == 0:
            print(f"no PolNeAR articles under {args.shared / 'eval'}", file=sys.stderr)
            return 2
        print(f"bench_queue: {files} articles ...", file=sys.stderr)
        postgres_recreate(PG_URL)
        try:
            command = [sys.executable, __file__, "--backend-run", "--folder", str(folder)]
            command += ["--broker", args.broker, "--batch-size", str(args.batch_size)]
            command += ["--timeout", str(args.timeout)]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        finally:
            postgres_recreate(PG_URL, drop_only=True)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return done.returncode
        result = json.loads(done.stdout.strip().splitlines()[-1])
    markdown = table(result, files, args.broker)
    print(markdown)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
