"""Ingestion benchmark: bare ``nlp.pipe`` vs ``ingest`` (1 worker) vs ``ingest --workers 2``.

    .venv/bin/python bench/bench_ingest.py --shared SHARED --articles 500 \\
        --out docs/bench-ingest.md [--databases sqlite,postgres] [--without summaries,quotes]

The corpus is built at run time from the PolNeAR articles in ``<shared>/eval`` (they are
copyrighted and never copied into the project): the first N articles are written as
``.txt`` files with a metadata header into a temporary folder, then every measure runs over
the same texts in the same process, so ratios are comparable on a noisy machine.

Measures, per database (each into a fresh database: a temporary SQLite file, and a
dedicated PostgreSQL database ``kb_bench_ingest`` created and dropped here):

- ``nlp.pipe`` over the bare spaCy model (reference only);
- ``nlp.pipe`` over kb's pipeline (``load_pipeline``: the model plus kb's components), the
  parser ingestion runs: the baseline ingestion is compared with;
- ``documents_ingest`` with one worker: read files, hash, parse, build records, write rows;
- ``documents_ingest`` with ``workers=2`` (two forked parser processes), into an emptied database;
- with ``--without summaries,quotes``: ``documents_ingest`` with one worker once more per
  named feature, with that feature's write path left out (``features_off``), so that what
  each costs can be read against the full ingest (the issue targets: within 5%).

``features_off`` is a benchmarking knob, not a setting of kb: it swaps the store step's
calls into the summaries or the quote clustering for no-ops inside this process only, for
one measure, into a database that is emptied before the next one. A database ingested that
way has incomplete summaries or quotes (``manage.py rebuild_summaries``/``rebuild_quotes``
would repair it), which is why kb itself has no switch for it.

The one-process measures run in ``--rounds`` interleaved rounds (default 2) and the fastest
of each is reported, so that a machine whose speed drifts skews them alike.

Words are whitespace-separated tokens of the article texts, the same for every measure.
Prints a markdown table (and writes it to ``--out``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/kb_bench_ingest"


@contextlib.contextmanager
def _nothing_followed(**_kwargs) -> Iterator[None]:
    yield


def _nothing(**_kwargs) -> None:
    return None


# The calls the store step (statements/services/ingest.py) makes for each derived feature:
# (module, name, stand-in). ``features_off`` replaces them there for the length of a block.
FEATURE_CALLS = {
    "summaries": [
        ("statements.services.ingest", "summaries_follow", _nothing_followed),
        ("statements.services.entities", "summaries_members_sync", _nothing),
    ],
    "quotes": [
        ("statements.services.ingest", "statements_quote", _nothing),
        ("statements.services.ingest", "quotes_refresh", _nothing),
    ],
}


@contextlib.contextmanager
def features_off(names: list[str]) -> Iterator[None]:
    """Benchmark only: ingestion without these features' writes (see the module docstring)."""
    saved = []
    try:
        for name in names:
            for module_name, attribute, stand_in in FEATURE_CALLS[name]:
                module = importlib.import_module(module_name)
                saved.append((module, attribute, getattr(module, attribute)))
                setattr(module, attribute, stand_in)
        yield
    finally:
        for module, attribute, original in reversed(saved):
            setattr(module, attribute, original)


def corpus_write(shared: Path, articles: int, folder: Path) -> tuple[int, int]:
    """Write the first ``articles`` PolNeAR texts as .txt files; return (files, words)."""
    files = words = 0
    for name in ("polnear-train.jsonl", "polnear-dev.jsonl"):
        path = shared / "eval" / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if files >= articles:
                    return files, words
                record = json.loads(line)
                meta = record.get("meta") or {}
                header = [f"title: {' '.join(str(meta.get('title', '')).split())[:400]}"]
                if meta.get("publisher"):
                    header.append(f"publisher: {meta['publisher']}")
                if meta.get("publication_date"):
                    header.append(f"published: {str(meta['publication_date'])[:10]}")
                text = record["text"]
                (folder / f"{files:05d}.txt").write_text(
                    "\n".join(header) + "\n\n" + text, encoding="utf-8"
                )
                files += 1
                words += len(text.split())
    return files, words


def backend_run(
    folder: Path,
    database_url: str,
    batch_size: int,
    without: list[str] | None = None,
    rounds: int = 2,
) -> dict:
    """All measures for one database, in this process (Django set up on ``database_url``)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import spacy
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from statements import models
    from statements.nlp import load_pipeline
    from statements.readers import sources_read
    from statements.services.ingest import documents_ingest, text_normalise

    call_command("migrate", interactive=False, verbosity=0)
    texts = [
        text_normalise(source.text)
        for source in sources_read([str(folder)])
        if not hasattr(source, "reason")
    ]
    words = sum(len(text.split()) for text in texts)
    model = settings.KB_SPACY_MODEL
    raw = spacy.load(model)
    nlp = load_pipeline(model)
    for pipeline in (raw, nlp):  # warm up: first calls allocate
        list(pipeline.pipe(texts[:8], batch_size=batch_size))

    cpu: dict[str, float] = {}

    def timed(function, label: str = "") -> float:
        """Wall seconds; the main process's CPU seconds go to ``cpu[label]`` (the least of
        the rounds)."""
        started, cpu_started = time.perf_counter(), time.process_time()
        function()
        if label:
            spent = time.process_time() - cpu_started
            cpu[label] = min(spent, cpu.get(label, spent))
        return time.perf_counter() - started

    def empty_database() -> None:
        models.Document.objects.all().delete()
        models.Quote.objects.all().delete()
        for summary in (
            models.SummaryCount,
            models.SummaryDay,
            models.SummaryLink,
            models.SummaryMember,
            models.SummaryStatement,
        ):
            summary.objects.all().delete()
        models.Membership.objects.all().delete()
        for model_class in (models.Person, models.Organisation):
            model_class.objects.update(merged_into=None)
            model_class.objects.all().delete()

    def ingest(workers: int, label: str = "") -> dict:
        empty_database()
        report = None

        def run() -> None:
            nonlocal report
            report = documents_ingest(
                sources_read([str(folder)]), workers=workers, batch_size=batch_size, nlp=nlp
            )

        seconds = timed(run, label or f"ingest_{workers}")
        assert report is not None and not report.failures, report and report.failures[:3]
        return {
            "seconds": seconds,
            "documents": report.created,
            "statements": report.statements_created,
            "people": report.people_created,
            "organisations": report.organisations_created,
        }

    def fastest(key: str, seconds: float) -> None:
        results[key] = min(seconds, results.get(key, seconds))

    def fastest_ingest(key: str, measure: dict) -> None:
        if key not in results or measure["seconds"] < results[key]["seconds"]:
            results[key] = measure

    results: dict = {"vendor": connection.vendor, "documents": len(texts), "words": words}
    # The measures the ratios compare run one after the other in each round and the fastest
    # of the rounds is kept: a machine whose speed drifts during the run then skews them
    # alike instead of favouring whichever ran first.
    for _ in range(rounds):
        fastest("raw_pipe", timed(lambda: list(raw.pipe(texts, batch_size=batch_size)), "raw"))
        fastest("kb_pipe", timed(lambda: list(nlp.pipe(texts, batch_size=batch_size)), "kb_pipe"))
        fastest_ingest("ingest_1", ingest(1))
        for feature in without or []:
            with features_off([feature]):
                label = f"ingest_1_without_{feature}"
                fastest_ingest(label, ingest(1, label))
    results["kb_pipe_2"] = timed(lambda: list(nlp.pipe(texts, batch_size=batch_size, n_process=2)))
    results["ingest_2"] = ingest(2)
    results["rounds"] = rounds
    results["cpu"] = cpu
    return results


def postgres_recreate(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def table(results: list[dict], articles: int, batch_size: int) -> str:
    lines = [
        f"### Ingestion ({articles} PolNeAR articles, batch size {batch_size}, "
        f"{os.cpu_count()} CPUs)",
        "",
        f"1-process measures: the fastest of {results[0].get('rounds', 1) if results else 1} "
        "interleaved rounds (bare model, kb pipeline, ingest, ingest without each feature); "
        "n_process=2 and `--workers 2`: one run each.",
        "",
        "| database | measure | seconds | words/s | vs kb `nlp.pipe` |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    checks = []
    for result in results:
        words = result["words"]
        base = words / result["kb_pipe"]
        rows = [
            ("bare spaCy model `nlp.pipe`", result["raw_pipe"]),
            ("kb pipeline `nlp.pipe` (baseline)", result["kb_pipe"]),
            ("kb pipeline `nlp.pipe`, n_process=2", result["kb_pipe_2"]),
            ("`ingest` (1 worker)", result["ingest_1"]["seconds"]),
            ("`ingest --workers 2`", result["ingest_2"]["seconds"]),
            *(
                (f"`ingest` (1 worker) without {feature} (bench only)", measure["seconds"])
                for feature, measure in _without(result)
            ),
        ]
        for label, seconds in rows:
            rate = words / seconds
            lines.append(
                f"| {result['vendor']} | {label} | {seconds:.1f} | {rate:,.0f} | "
                f"{rate / base:.2f} |"
            )
        cpu = result.get("cpu", {})
        if cpu.get("kb_pipe") and cpu.get("ingest_1"):
            lines.append(
                f"| {result['vendor']} | CPU seconds of the main process: kb `nlp.pipe` "
                f"{cpu['kb_pipe']:.1f}, `ingest` (1 worker) {cpu['ingest_1']:.1f} | | | "
                f"{cpu['kb_pipe'] / cpu['ingest_1']:.2f} |"
            )
        one = words / result["ingest_1"]["seconds"]
        two = words / result["ingest_2"]["seconds"]
        checks.append(
            f"- {result['vendor']}: ingest(1) / kb `nlp.pipe` = **{one / base:.2f}** "
            f"(target >= 0.80: {'met' if one / base >= 0.8 else 'NOT met'}); "
            f"ingest(2) / ingest(1) = **{two / one:.2f}x** "
            f"(target >= 1.6x: {'met' if two / one >= 1.6 else 'NOT met'}); "
            f"ingest(1) / bare spaCy = {one / (words / result['raw_pipe']):.2f}; "
            f"{result['documents']} documents, {words:,} words, "
            f"{result['ingest_1']['statements']:,} statements, "
            f"{result['ingest_1']['people']:,} people, "
            f"{result['ingest_1']['organisations']:,} organisations stored per run."
        )
        checks.extend(_feature_checks(result))
    return "\n".join([*lines, "", *checks, ""])


def _without(result: dict) -> list[tuple[str, dict]]:
    prefix = "ingest_1_without_"
    return [(key[len(prefix) :], value) for key, value in result.items() if key.startswith(prefix)]


def _feature_checks(result: dict) -> list[str]:
    """What each feature costs: ingest words/s with it against without it (target: within
    5%), in wall seconds and in the main process's CPU seconds (steadier on a busy machine)."""
    checks = []
    cpu = result.get("cpu", {})
    for feature, measure in _without(result):
        ratio = measure["seconds"] / result["ingest_1"]["seconds"]
        line = (
            f"- {result['vendor']}: ingest(1) with {feature} / without = **{ratio:.3f}** of the "
            f"words/s (target >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'})"
        )
        if cpu.get("ingest_1") and cpu.get(f"ingest_1_without_{feature}"):
            line += f"; CPU seconds {cpu[f'ingest_1_without_{feature}'] / cpu['ingest_1']:.3f}"
        checks.append(line + ".")
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="interleaved rounds of the 1-process measures; the fastest of each is kept",
    )
    parser.add_argument("--databases", default="sqlite", help="sqlite,postgres")
    parser.add_argument("--out", type=Path, help="also write the markdown here")
    parser.add_argument(
        "--without",
        default="",
        help="also ingest (1 worker) without each of these features' writes, one measure "
        f"each, benchmarking only: {','.join(FEATURE_CALLS)}",
    )
    parser.add_argument("--backend-run", help=argparse.SUPPRESS)  # internal: one database
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    without = [name.strip() for name in args.without.split(",") if name.strip()]
    unknown = set(without) - set(FEATURE_CALLS)
    if unknown:
        parser.error(f"--without: unknown feature(s) {', '.join(sorted(unknown))}")

    if args.backend_run:
        result = backend_run(
            args.folder, args.backend_run, args.batch_size, without, max(1, args.rounds)
        )
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="kb-bench-ingest-") as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        files, _ = corpus_write(args.shared, args.articles, folder)
        if files == 0:
            print(f"no PolNeAR articles under {args.shared / 'eval'}", file=sys.stderr)
            return 2
        results = []
        for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
            if database == "postgres":
                postgres_recreate(PG_URL)
                url = PG_URL
            else:
                url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            print(f"bench_ingest: {files} articles on {database} ...", file=sys.stderr)
            try:
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--backend-run",
                        url,
                        "--folder",
                        str(folder),
                        "--batch-size",
                        str(args.batch_size),
                        "--without",
                        ",".join(without),
                        "--rounds",
                        str(args.rounds),
                    ],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    env={**os.environ, "DJANGO_DEBUG": "1"},
                )
            finally:
                if database == "postgres":
                    postgres_recreate(PG_URL, drop_only=True)
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                return done.returncode
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    markdown = table(results, files, args.batch_size)
    print(markdown)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
